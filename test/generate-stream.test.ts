/**
 * `dtmf-wasm generate` streams its WAV: the generator makes the signal a block at a time
 * (generateDtmfStream) and the writer emits wavefile's header and the data block by block
 * (wavHeader, encodeFrames). Both must give, bit for bit, what the whole-buffer path gives.
 */
import { readFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderCall } from "../src/cli/generate.js";
import { main } from "../src/cli/main.js";
import { generateDtmf, generateDtmfStream, type GenerateOptions } from "../src/generator.js";
import { encodeFrames, encodeWav, wavHeader } from "../src/wav/write.js";

const BUSY: GenerateOptions = {
  keys: [{ digit: "5", durationMs: 90, dropouts: [[30, 8]] }, { digit: "#", durationMs: 60, gapMs: 10 }, { digit: "A" }],
  snrDb: 6, interference: [{ hz: 350, levelDbm0: -20 }, { hz: 440, levelDbm0: -20 }], seed: 42, twistDb: -3, lowErrorPct: 1.2,
};

describe("generateDtmfStream", () => {
  it("gives generateDtmf's samples bit for bit, whatever the block size (tones, drop-outs, steady tones, noise)", () => {
    const whole = generateDtmf(BUSY);
    for (const size of [1, 7, 160, 1000, 1 << 20]) {
      const stream = generateDtmfStream(BUSY, size);
      expect(stream.totalSamples).toBe(whole.samples.length);
      expect(stream.tones).toEqual(whole.tones);
      const parts = [...stream.blocks()];
      expect(parts.every((b, i) => b.length === (i < parts.length - 1 ? size : whole.samples.length - size * (parts.length - 1)))).toBe(true);
      const joined = new Float32Array(whole.samples.length);
      let at = 0;
      for (const b of parts) { joined.set(b, at); at += b.length; }
      expect(Buffer.from(joined.buffer).equals(Buffer.from(whole.samples.buffer))).toBe(true);
    }
  });

  it("checks its options before the first block", () => {
    expect(() => generateDtmfStream({ keys: "1", snrDb: 500 })).toThrow(/snrDb/);
    expect(() => generateDtmfStream({ keys: "1" }, 0)).toThrow(/blockSamples/);
  });
});

describe("streamed WAV", () => {
  it("wavHeader + encodeFrames in blocks are encodeWav's bytes, for every encoding, odd lengths and several channels", () => {
    for (const encoding of ["pcm16", "float32", "mulaw", "alaw"] as const) {
      for (const frames of [0, 1, 5, 4097]) {
        for (const n of [1, 2, 3]) {
          const channels = Array.from({ length: n }, (_, c) => Float32Array.from({ length: frames }, (_, i) => 0.7 * Math.sin(i * 0.3 + c) + (i % 7 === 0 ? 1.3 : 0)));
          const parts = [wavHeader(n, 8000, encoding, frames)];
          for (let a = 0; a < frames; a += 1000) parts.push(encodeFrames(channels.map((x) => x.subarray(a, a + 1000)), encoding));
          expect(Buffer.concat(parts).equals(Buffer.from(encodeWav(channels, 8000, encoding)))).toBe(true);
        }
      }
    }
  });

  it("dtmf-wasm generate writes the file the whole-buffer writer would (float32, stereo, keys on one channel)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gen-stream-"));
    const out = join(dir, "call.wav");
    const io = { stdout: () => {}, stderr: () => {}, cwd: dir, stdoutIsTTY: false, stderrIsTTY: false, stdin: process.stdin, env: {} };
    const code = await main(["generate", "159#", "-o", out, "--encoding", "float32", "--channels", "2", "--key-channel", "1", "--snr", "10", "--quiet"], io as never);
    expect(code).toBe(0);
    const audio = generateDtmf({ keys: "159#", snrDb: 10 });
    const whole = encodeWav([new Float32Array(audio.samples.length), audio.samples], 8000, "float32");
    expect(readFileSync(out).equals(Buffer.from(whole))).toBe(true);
    expect(Buffer.from(renderCall({ keys: "159#", snrDb: 10, encoding: "float32", channels: 2, keyChannels: [1] }).wav).equals(Buffer.from(whole))).toBe(true);
  });
});
