/**
 * The WASM core (f32, SIMD, two-sample steps) against the plain float64 TypeScript version of
 * the same algorithm: both must find the same presses, with edges within 0.5 ms and levels
 * within 0.2 dB, over a sweep of keys, levels, twist, frequency error, noise and rates.
 */
import { describe, expect, it } from "vitest";
import { PlainDetector } from "../src/reference/plain-detector.js";
import { ALL, detect } from "./helpers.js";

const cases = [
  { name: "clean", gen: {} },
  { name: "−30 dBm0, twist −6 dB", gen: { levelDbm0: -30, twistDb: -6 } },
  { name: "+1.4 % / −1.4 %", gen: { lowErrorPct: 1.4, highErrorPct: -1.4 } },
  { name: "S/N 12 dB", gen: { snrDb: 12 } },
  { name: "16 kHz, 45 ms tones", gen: { sampleRate: 16000, toneMs: 45 } },
  { name: "44.1 kHz, S/N 20 dB", gen: { sampleRate: 44100, snrDb: 20 } },
];

describe("WASM core vs plain float64 TypeScript reference", () => {
  for (const { name, gen } of cases) {
    it(name, async () => {
      for (const seed of [1, 2]) {
        const { audio, presses, keydowns } = await detect({ keys: ALL, toneMs: 70, gapMs: 60, seed, ...gen });
        const plain = new PlainDetector(audio.sampleRate);
        const reference = [...plain.process(audio.samples), ...plain.flush()];
        expect(presses.map((p) => p.digit).join("")).toBe(reference.map((p) => p.digit).join(""));
        expect(presses.length).toBe(16);
        const ms = (samples: number) => (samples * 1000) / audio.sampleRate;
        presses.forEach((p, i) => {
          const r = reference[i];
          expect(Math.abs(p.startMs - ms(r.startSample))).toBeLessThan(0.5);
          expect(Math.abs(p.durationMs - ms(r.durationSamples))).toBeLessThan(0.5);
          expect(keydowns[i].detectedSample).toBe(r.keydownSample);
          expect(Math.abs(p.lowDbm0 - r.lowDbm0)).toBeLessThan(0.2);
          expect(Math.abs(p.highDbm0 - r.highDbm0)).toBeLessThan(0.2);
        });
      }
    });
  }
});
