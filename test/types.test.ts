/**
 * The published type declarations (dist/*.d.ts): they compile on their own, with no library
 * check skipped, and keep the core's internals out (stripInternal, private fields): a user
 * sees the API, not the ABI.
 */
import { execFile } from "node:child_process";
import { readFile, readdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = fileURLToPath(new URL("..", import.meta.url));

async function declarations(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith(".d.ts")).map((e) => `${e.parentPath ?? e.path}/${e.name}`);
}

describe("published type declarations", () => {
  it("compile without skipLibCheck", async () => {
    const files = await declarations(`${root}dist`);
    expect(files.length).toBeGreaterThan(20);
    const tsc = `${root}node_modules/typescript/bin/tsc`;
    await run(process.execPath, [tsc, "--noEmit", "--strict", "--target", "ES2022", "--lib", "ES2022,DOM", "--types", "node",
      "--module", "NodeNext", "--moduleResolution", "NodeNext", ...files], { cwd: root, timeout: 60_000 });
  });
  it("show no ABI: no core exports, layout, views or port in Detector, DtmfEngine or the index", async () => {
    const text = (await Promise.all(["index", "detector", "engine", "wasm", "events", "options"].map((f) => readFile(`${root}dist/${f}.d.ts`, "utf8")))).join("\n");
    for (const internal of ["CoreExports", "CoreInstance", "CoreLayout", "ChannelPort", "instantiateCore", "decodeEvent", "writeConfig", "rethrowTrap", "inputAddress"]) {
      expect(text, internal).not.toContain(internal);
    }
    const detector = await readFile(`${root}dist/detector.d.ts`, "utf8");
    expect(detector).toContain("private constructor();");
    expect(detector).toMatch(/process\(chunk: AudioChunk\): readonly DetectorEvent\[\];/);
  });
});
