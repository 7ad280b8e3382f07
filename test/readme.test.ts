/** The README's JavaScript examples run as written (with "dtmf-wasm" resolved to this build). */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = new URL("..", import.meta.url);
const readme = await readFile(new URL("README.md", root), "utf8");
const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
const exportsMap = (JSON.parse(await readFile(new URL("package.json", root), "utf8")) as {
  exports: Record<string, string | { import: string }>;
}).exports;

describe("README examples", () => {
  it("has examples to run", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(3);
  });
  blocks.forEach((code, i) => {
    const title = code.split("\n").find((line) => line.startsWith("import"))?.slice(0, 60) ?? `block ${i}`;
    it(`example ${i + 1} runs: ${title}`, async () => {
      const dir = await mkdtemp(join(tmpdir(), "dtmf-readme-"));
      const file = join(dir, `example-${i}.mjs`);
      // "dtmf-wasm" and its subpaths resolve through the package's own exports map.
      const source = code.replace(/from "dtmf-wasm(\/[\w/]+)?"/g, (_, sub: string | undefined) => {
        const entry = exportsMap[sub ? `.${sub}` : "."];
        const target = typeof entry === "string" ? entry : entry.import;
        return `from ${JSON.stringify(new URL(target, root).href)}`;
      });
      await writeFile(file, source);
      const { stdout } = await run(process.execPath, [file], { timeout: 30_000 });
      expect(stdout.trim().length).toBeGreaterThan(0);
    });
  });
});
