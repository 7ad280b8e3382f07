/**
 * The terminal after an interrupted progress bar: the bars turn line wrapping off (ESC[?7l);
 * SIGINT or SIGTERM while they draw must turn it back on (ESC[?7h) and still end the process
 * by that signal. A child process draws the built ProgressDisplay (dist/) on a pretend
 * terminal (its stdout) and is signalled by this test.
 */
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const PROGRESS = resolve(import.meta.dirname, "..", "dist", "cli", "progress.js");
const WRAP_OFF = "\u001b[?7l";
const WRAP_ON = "\u001b[?7h";
/** Longest the child may take to draw and then die, ms (it draws at once; this only bounds a hang). */
const CHILD_LIMIT_MS = 20_000;

const CHILD = `
import { ProgressDisplay } from ${JSON.stringify(PROGRESS)};
const io = { stdout() {}, stderr: (t) => process.stdout.write(t), stdin: process.stdin, stdoutIsTTY: false, stderrIsTTY: true, env: {}, cwd: "." };
const p = new ProgressDisplay(io, { enabled: true, delayMs: 0, names: ["a.wav", "b.wav"] });
p.start();
let bytes = 0;
setInterval(() => { bytes = (bytes + 1000) % 100000; p.update(0, { bytes, totalBytes: 100000, audioMs: bytes }); }, 20);
`;

function interrupted(signal: NodeJS.Signals): Promise<{ output: string; signal: NodeJS.Signals | null }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", CHILD], { stdio: ["ignore", "pipe", "inherit"] });
    let output = "";
    let sent = false;
    const limit = setTimeout(() => { child.kill("SIGKILL"); fail(new Error(`no bar drawn: ${JSON.stringify(output.slice(0, 200))}`)); }, CHILD_LIMIT_MS);
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (!sent && output.includes(WRAP_OFF)) { sent = true; child.kill(signal); }
    });
    child.on("error", fail);
    child.on("close", (_code, by) => { clearTimeout(limit); done({ output, signal: by }); });
  });
}

describe("Ctrl-C during a progress bar", () => {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`${signal}: line wrapping is turned back on, and the process still ends by ${signal}`, async () => {
      const { output, signal: by } = await interrupted(signal);
      expect(output).toContain(WRAP_OFF);
      expect(output.lastIndexOf(WRAP_ON)).toBeGreaterThan(output.lastIndexOf(WRAP_OFF));
      expect(by).toBe(signal);
    });
  }
});
