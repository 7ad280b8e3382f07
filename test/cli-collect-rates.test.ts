/**
 * `dtmf-wasm collect` on valid WAVs at rates whose 20 ms is not a whole number of samples
 * (11,025 and 22,050 Hz: 220.5 and 441 samples) in 16-bit and float: it used to cut the
 * file's bytes into 20 ms pieces ending inside a sample and fail with a message that did not
 * name the file. And numeric options given negative values get the option's own range message.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import type { CliIo } from "../src/cli/io.js";
import { main } from "../src/cli/main.js";
import { generateDtmf } from "../src/generator.js";
import type { Encoding } from "../src/options.js";
import { encodeWav } from "../src/wav/write.js";

const dir = mkdtempSync(join(tmpdir(), "dtmf-collect-rates-"));
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });
const IDS = ["--session-uuid", "s", "--command-uid", "c"];

async function cli(args: string[]) {
  let stdout = "", stderr = "";
  const io: CliIo = {
    stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, stdin: new PassThrough(),
    stdoutIsTTY: false, stderrIsTTY: false, env: {}, cwd: dir,
  };
  const code = await main(["collect", ...args], io);
  return { code, stdout, stderr };
}

describe("collect at rates whose 20 ms is not whole samples", () => {
  for (const sampleRate of [11025, 22050, 44100]) {
    for (const encoding of ["pcm16", "float32"] as Encoding[]) {
      it(`${sampleRate} Hz ${encoding}: the keys are collected`, async () => {
        const audio = generateDtmf({ keys: "4071#", sampleRate, toneMs: 90, gapMs: 90, leadMs: 113, tailMs: 200 });
        const path = join(dir, `k-${sampleRate}-${encoding}.wav`);
        writeFileSync(path, encodeWav([audio.samples], sampleRate, encoding));
        const out = await cli([path, "--min-digits", "1", "--max-digits", "8", ...IDS]);
        expect(out.stderr).toBe("");
        expect(out.code).toBe(0);
        const payload = JSON.parse(out.stdout.trim().split("\n").at(-1)!) as { digits?: string; status?: string };
        expect(JSON.stringify(payload)).toContain("4071");
      });
    }
  }
});

describe("collect: negative option values", () => {
  for (const [flag, range] of [["--timeout", /--timeout must be a number from 1000 to 10000/], ["--max-digits", /--max-digits must be an integer from 1 to 64/],
    ["--prompt-ms", /--prompt-ms must be a number from 0 to/]] as const) {
    it(`${flag} -5: a usage error naming the option and its range`, async () => {
      const args = ["x.wav", "--min-digits", "1", "--max-digits", "4", ...IDS, flag, "-5"];
      const out = await cli(args);
      expect(out.code).toBe(2);
      expect(out.stderr).toMatch(range);
      expect(out.stderr).toContain("received -5");
      expect(out.stderr).not.toMatch(/ambiguous|To specify an option argument/);
    });
  }
});
