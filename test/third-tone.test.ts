/**
 * A third tone on the line (issue #14; assembly/tones.ts cancelThird, rules.ts THIRD_*): a 1 kHz
 * tone at the keys' own level sits in the main lobe of the 941 Hz bin, and its hop-DFT sidelobes
 * reach the 770 Hz and 1209 Hz tones; its leakage, measured in the 941 Hz bin, comes off the
 * key's tones. Keys on the 941 Hz row share that bin with it and are not covered.
 */
import { describe, expect, it } from "vitest";
import { DtmfEngine, type DtmfEvent, generateDtmf } from "../src/index.js";

const engine = await DtmfEngine.create();

function digits(samples: Float32Array): string {
  const d = engine.createDetector({ sampleRate: 8000, encoding: "float32" });
  const events = [...d.process(samples), ...d.flush()].filter((e): e is Extract<DtmfEvent, { type: "dtmf" }> => e.type === "dtmf");
  d.close();
  return events.map((e) => e.digit).join("");
}

const khz = (relativeDb: number) => [{ hz: 1000, levelDbm0: -20 + relativeDb }];

describe("a third tone sharing the line", () => {
  it("decodes keys 1 and B (1209 Hz column, 770 Hz row: the sidelobes broke their phase coherence) and the 697 Hz row with a 1 kHz tone at the keys' level", () => {
    for (const keys of ["1", "B", "2", "3", "A"]) {
      for (let seed = 1; seed <= 10; seed++) {
        const audio = generateDtmf({ keys, toneMs: 60, gapMs: 60, leadMs: 50 + seed * 1.37, levelDbm0: -20, seed, interference: khz(0) });
        expect(`${keys}, seed ${seed}: ${digits(audio.samples)}`).toBe(`${keys}, seed ${seed}: ${keys}`);
      }
    }
  });

  it("gives no key on the 1 kHz tone alone, at 0 and 10 dB over a −20 dBm0 key", () => {
    for (const db of [0, 10]) {
      const audio = generateDtmf({ keys: [], leadMs: 5000, tailMs: 0, interference: khz(db), seed: 7 });
      expect(digits(audio.samples)).toBe("");
    }
  });

  it("finds the same keys whatever the chunking (1, 7 and 160 samples a call)", () => {
    const audio = generateDtmf({ keys: "14B6", toneMs: 60, gapMs: 60, levelDbm0: -20, seed: 4, interference: khz(0) });
    const run = (chunk: number) => {
      const d = engine.createDetector({ sampleRate: 8000, encoding: "float32" });
      const out: unknown[] = [];
      for (let at = 0; at < audio.samples.length; at += chunk) out.push(...d.process(audio.samples.subarray(at, at + chunk)));
      out.push(...d.flush());
      d.close();
      return JSON.stringify(out);
    };
    const whole = run(160);
    expect(JSON.parse(whole).length).toBeGreaterThan(0);
    expect(run(1)).toBe(whole);
    expect(run(7)).toBe(whole);
  });
});
