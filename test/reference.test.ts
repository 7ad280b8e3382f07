/**
 * The WASM core (f32, SIMD, two-sample steps) against the plain float64 TypeScript version of
 * the same algorithm (reference/plain-detector.ts): both must find the same presses, confirmed
 * at the same sample, with edges within 0.5 ms and levels within 0.2 dB, over keys on the
 * standard's axes, the talk-off excerpts and the stale, late and chord signals (test/differential.ts).
 * `npm run perturb-rules` shows that this suite fails when any rule constant drifts on either side.
 */
import { describe, expect, it } from "vitest";
import { differential, differentialCases } from "./differential.js";
import { testEngine } from "./helpers.js";
import { generateDtmf } from "../src/index.js";
import { PlainDetector } from "../reference/plain-detector.js";

describe("WASM core vs plain float64 TypeScript reference", () => {
  it("the same presses, confirmation samples, edges and levels on every case", async () => {
    const cases = await differentialCases();
    expect(cases.length).toBeGreaterThan(50);
    expect(differential(await testEngine(), cases)).toEqual([]);
  });
});

describe("the reference's reason for a confirmation it refuses (bench/codec-misses.mjs reads it)", () => {
  const tone = (ms: number, seed: number) => generateDtmf({ keys: "5", toneMs: ms, gapMs: 200, snrDb: 30, seed }).samples;

  it("says nothing after a key it confirms", () => {
    const d = new PlainDetector(8000);
    const presses = [...d.process(tone(80, 1)), ...d.flush()];
    expect(presses.map((p) => p.digit)).toEqual(["5"]);
    expect(d.rejection).toBe("");
  });

  it("names the duration for a tone too short to be a key (Q.24: reject ≤ 23 ms)", () => {
    const d = new PlainDetector(8000);
    const presses = [...d.process(tone(22, 2)), ...d.flush()];
    expect(presses).toEqual([]);
    expect(d.rejection).toBe("short");
  });
});
