/**
 * The README and docs/*.md, doctest style: each JavaScript example runs as written (with "dtmf-wasm"
 * resolved to this build), and where the README shows its output (a plain ``` block right
 * after the example) the real output must be exactly that. Each `--help` the README copies
 * must be the command's real help text.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = new URL("..", import.meta.url);
/** The README and the pages of docs/ (the README's long reference parts live there). */
const pages = [
  "README.md",
  ...(await readdir(new URL("docs/", root)).catch(() => [] as string[])).filter((f) => f.endsWith(".md")).sort().map((f) => `docs/${f}`),
];
const texts = await Promise.all(pages.map(async (page) => ({ page, text: await readFile(new URL(page, root), "utf8") })));
/** Each ```js block, with the plain ``` block that follows it (its output), if any. */
const examples = texts.flatMap(({ page, text }) => [...text.matchAll(/```js\n([\s\S]*?)```(?:\n\n```\n([\s\S]*?)```)?/g)].map((m) => ({
  code: m[1], output: m[2] as string | undefined, line: `${page}:${text.slice(0, m.index).split("\n").length}`,
})));
/** `<summary><code>dtmf-wasm CMD --help</code></summary>` followed by a ```text block. */
const helps = texts.flatMap(({ text }) => [...text.matchAll(/<code>dtmf-wasm (\w+) --help<\/code><\/summary>\s*```text\n([\s\S]*?)```/g)].map((m) => ({ command: m[1], text: m[2] })));
const exportsMap = (JSON.parse(await readFile(new URL("package.json", root), "utf8")) as {
  exports: Record<string, string | { import: string | { default: string } }>;
}).exports;

describe("README examples", () => {
  it("has examples to run, most with their output shown", () => {
    expect(examples.length).toBeGreaterThanOrEqual(10);
    expect(examples.filter((e) => e.output !== undefined).length).toBeGreaterThanOrEqual(9);
  });
  for (const { code, output, line } of examples) {
    const title = code.split("\n").find((l) => l.startsWith("import"))?.slice(0, 60) ?? "";
    it(`${line} ${output === undefined ? "runs and prints" : "prints what the README shows"}: ${title}`, async () => {
      const dir = await mkdtemp(join(tmpdir(), "dtmf-readme-"));
      const file = join(dir, `example-${line.replace(/[^\w.-]/g, "_")}.mjs`);
      // "dtmf-wasm" and its subpaths resolve through the package's own exports map.
      const source = code.replace(/from "dtmf-wasm(\/[\w/]+)?"/g, (_, sub: string | undefined) => {
        const entry = exportsMap[sub ? `.${sub}` : "."];
        const target = typeof entry === "string" ? entry : typeof entry.import === "string" ? entry.import : entry.import.default;
        return `from ${JSON.stringify(new URL(target, root).href)}`;
      });
      await writeFile(file, source);
      const { stdout } = await run(process.execPath, [file], { timeout: 30_000, env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" } });
      // A loopback server's port differs on each run (the README says so): compared as PORT.
      const port = (text: string) => text.replace(/127\.0\.0\.1:\d+/g, "127.0.0.1:PORT");
      if (output === undefined) expect(stdout.trim().length).toBeGreaterThan(0);
      else expect(port(stdout)).toBe(port(output));
    });
  }
});

describe("README copies of --help", () => {
  it("has the help of analyze and generate", () => {
    expect(helps.map((h) => h.command)).toEqual(expect.arrayContaining(["analyze", "generate"]));
  });
  for (const { command, text } of helps) {
    it(`dtmf-wasm ${command} --help is what the README shows`, async () => {
      const { stdout } = await run(process.execPath, [fileURLToPath(new URL("dist/cli/main.js", root)), command, "--help"], { timeout: 30_000 });
      // The job count in analyze's help is the machine's core count: the README shows 2.
      expect(stdout.replace(/at most \d+, the number of cores/, "at most 2, the number of cores")).toBe(text);
    });
  }
});
