/**
 * Chunk invariance: the same audio split any way gives identical events, because every bit of
 * filter and key state lives in the channel, not in the chunking. A property test over random
 * splits, plus the extreme splits (1 sample, 20 ms frames, odd sizes, whole file, bytes).
 */
import { describe, expect, it } from "vitest";
import { encodeSamples, generateDtmf, seededRandom } from "../src/generator.js";
import type { Encoding } from "../src/options.js";
import { DtmfClosedError, DtmfInputError } from "../src/errors.js";
import type { DetectorEvent } from "../src/events.js";
import { ALL, testEngine } from "./helpers.js";

const audio = generateDtmf({ keys: [...ALL, ..."1223"].join(""), toneMs: 47, gapMs: 43, snrDb: 18, seed: 5, sampleRate: 8000 });

async function run(encoding: Encoding, split: (length: number) => number[], asBytes = false): Promise<DetectorEvent[]> {
  const data = encodeSamples(audio.samples, encoding);
  const detector = (await testEngine()).createDetector({ sampleRate: 8000, encoding });
  const events: DetectorEvent[] = [];
  let at = 0;
  for (const size of split(data.length)) {
    const piece = data.subarray(at, at + size);
    at += size;
    if (asBytes) {
      // Bytes at an odd offset inside a larger buffer: the copy must honour byteOffset.
      const holder = new Uint8Array(piece.byteLength + 3);
      holder.set(new Uint8Array(piece.buffer, piece.byteOffset, piece.byteLength), 1);
      events.push(...detector.process(holder.subarray(1, 1 + piece.byteLength)));
    } else {
      events.push(...detector.process(piece));
    }
  }
  events.push(...detector.flush());
  detector.close();
  return events;
}

const whole = (n: number) => [n];
const fixed = (size: number) => (n: number) => Array.from({ length: Math.ceil(n / size) }, (_, i) => Math.min(size, n - i * size));
const randomSplit = (seed: number) => (n: number) => {
  const random = seededRandom(seed);
  const sizes: number[] = [];
  for (let left = n; left > 0;) {
    const size = Math.min(left, 1 + Math.floor(random() ** 3 * 3000));
    sizes.push(size);
    left -= size;
  }
  return sizes;
};

describe("the same audio split any way gives identical events", () => {
  for (const encoding of ["pcm16", "float32", "mulaw", "alaw"] as const) {
    it(`${encoding}: 1-sample, 160-sample, 37-sample, 9000-sample and random splits equal the whole file`, async () => {
      const reference = await run(encoding, whole);
      expect(reference.filter((e) => e.type === "dtmf").map((e) => e.digit).join("")).toBe(`${ALL}1223`);
      for (const split of [fixed(1), fixed(160), fixed(37), fixed(9000), randomSplit(1), randomSplit(2)]) {
        expect(await run(encoding, split)).toEqual(reference);
      }
    });
    it(`${encoding}: bytes at odd offsets, random splits`, async () => {
      const reference = await run(encoding, whole);
      expect(reference.length).toBe(2 * (ALL.length + 4)); // a keydown and a dtmf event per press
      expect(await run(encoding, (n) => randomSplit(3)(n), true)).toEqual(reference);
    });
  }
  for (const [encoding, size] of [["pcm16", 2], ["float32", 4]] as const) {
    it(`${encoding} bytes must be whole samples: ${size + 1} bytes are refused naming the encoding, nothing is lost`, async () => {
      const detector = (await testEngine()).createDetector({ sampleRate: 8000, encoding });
      expect(() => detector.process(new Uint8Array(size + 1))).toThrow(new RegExp(`${encoding} input given as bytes must be a multiple of ${size} bytes`));
      expect(detector.positionSamples).toBe(0);
      detector.process(new Uint8Array(2 * size));
      expect(detector.positionSamples).toBe(2);
      detector.close();
    });
  }
  it("20 random splits of 16-bit audio (property test)", async () => {
    const reference = await run("pcm16", whole);
    for (let seed = 10; seed < 30; seed++) expect(await run("pcm16", randomSplit(seed))).toEqual(reference);
  });
  it("samples written into the input region in place (processInput, the server's base64 path) give the same events", async () => {
    for (const encoding of ["mulaw", "pcm16"] as const) {
      const reference = await run(encoding, whole);
      const data = encodeSamples(audio.samples, encoding);
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      const perSample = encoding === "pcm16" ? 2 : 1;
      const detector = (await testEngine()).createDetector({ sampleRate: 8000, encoding });
      const events: DetectorEvent[] = [];
      for (let at = 0; at < bytes.length; at += 160 * perSample) {
        const piece = bytes.subarray(at, at + 160 * perSample);
        detector.inputRegion().set(piece);
        events.push(...detector.processInput(piece.length / perSample));
      }
      events.push(...detector.flush());
      expect(events).toEqual(reference);
      const capacity = detector.inputRegion().length / perSample;
      for (const bad of [capacity + 1, -1, 1.5, Number.NaN]) expect(() => detector.processInput(bad)).toThrow(DtmfInputError);
      detector.close();
      expect(() => detector.processInput(1)).toThrow(DtmfClosedError);
    }
  });
});
