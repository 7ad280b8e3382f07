/**
 * One hostile file in a batch: a 2 KB WAV whose header claims 63,375,757 Hz used to size the
 * decimation filter from the rate's factors and kill the CLI with a fatal out-of-memory, and
 * with --jobs 2 the other files' results were lost. Now the rate is refused by name and every
 * other file is still reported, on worker threads (the built CLI in dist/) and on the main thread.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { CliIo } from "../src/cli/io.js";
import { main } from "../src/cli/main.js";
import { generateDtmf } from "../src/generator.js";
import { encodeWav } from "../src/wav/write.js";

const CLI = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "dtmf-hostile-"));
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

/** A valid 16-bit mono WAV whose header then claims `rate` Hz. */
function withRate(bytes: Uint8Array, rate: number): Uint8Array {
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  view.setUint32(24, rate, true);
  view.setUint32(28, rate * 2, true);
  return out;
}

const good = (keys: string, name: string) => {
  const path = join(dir, name);
  writeFileSync(path, encodeWav([generateDtmf({ keys, sampleRate: 8000 }).samples], 8000, "pcm16"));
  return path;
};
const a = good("123", "a.wav");
const b = good("456#", "b.wav");
const hostile = join(dir, "hostile.wav");
writeFileSync(hostile, withRate(encodeWav([new Float32Array(1000)], 8000, "pcm16"), 63_375_757));
const odd = join(dir, "odd-rate.wav");
writeFileSync(odd, withRate(encodeWav([generateDtmf({ keys: "9", sampleRate: 8000 }).samples], 8000, "pcm16"), 376_094));
const FILES = [a, hostile, odd, b];

function spawnCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: dir });
    let stdout = "", stderr = "";
    child.stdout.on("data", (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on("data", (c: Buffer) => { stderr += c.toString(); });
    child.on("error", fail);
    child.on("close", (code) => done({ code: code ?? -1, stdout, stderr }));
    child.stdin.end();
  });
}

function expectBatch(run: { code: number; stdout: string; stderr: string }): void {
  expect(run.code).toBe(1);
  expect(run.stdout).toContain(`${a}\t0\t123\n`);
  expect(run.stdout).toContain(`${b}\t0\t456#\n`);
  // The 376,094 Hz header over 8 kHz audio is read (resampled), whatever it then finds.
  expect(run.stdout).toContain(`${odd}\t`);
  expect(run.stderr).toContain(`${hostile}: unsupported sample rate 63375757 Hz: dtmf-wasm reads 8000 to 768000 Hz`);
  expect(run.stderr).not.toMatch(/out of memory|allocation failed|thread stopped/i);
}

describe("a hostile sample rate in a batch", () => {
  it("worker threads (--jobs 2): the other files are reported", async () => {
    expectBatch(await spawnCli(["analyze", "-d", "--jobs", "2", ...FILES]));
  });

  it("main thread: the other files are reported", async () => {
    let stdout = "", stderr = "";
    const io: CliIo = {
      stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, stdin: new PassThrough(),
      stdoutIsTTY: false, stderrIsTTY: false, env: {}, cwd: dir,
    };
    const code = await main(["analyze", "-d", "--jobs", "1", ...FILES], io);
    expectBatch({ code, stdout, stderr });
  });
});
