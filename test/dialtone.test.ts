/**
 * The dial-tone filter (DetectorTuning.dialToneFilter; assembly/dialtone.ts, rules.ts NOTCH_*):
 * off by default; on, keys decode under a 350 + 440 Hz dial tone well above them, the clean-line
 * figures hold, the tone alone gives no key, and any chunking filters alike.
 */
import { describe, expect, it } from "vitest";
import { ALL_KEYS, DtmfEngine, DtmfOptionError, type DtmfEvent, generateDtmf } from "../src/index.js";

const engine = await DtmfEngine.create();
const dial = (relativeDb: number, keyDbm0 = -20) => [{ hz: 350, levelDbm0: keyDbm0 + relativeDb }, { hz: 440, levelDbm0: keyDbm0 + relativeDb }];

function digits(samples: Float32Array, dialToneFilter: boolean, chunk = samples.length, sampleRate = 8000): string {
  const d = engine.createDetector({ sampleRate, encoding: "float32", dialToneFilter });
  const events: DtmfEvent[] = [];
  for (let at = 0; at < samples.length; at += chunk) {
    for (const e of d.process(samples.subarray(at, at + chunk))) if (e.type === "dtmf") events.push(e);
  }
  for (const e of d.flush()) if (e.type === "dtmf") events.push(e);
  d.close();
  return events.map((e) => e.digit).join("");
}

describe("dial-tone filter", () => {
  it("decodes every key with the dial tone 10 and 15 dB above the key's tones (none without it)", () => {
    for (const db of [10, 15]) {
      const audio = generateDtmf({ keys: ALL_KEYS, toneMs: 60, gapMs: 60, levelDbm0: -20, seed: 3, interference: dial(db) });
      expect(digits(audio.samples, true)).toBe(ALL_KEYS);
      expect(digits(audio.samples, false)).toBe("");
    }
  });

  it("works at other rates (16 kHz): the notches are made per rate", () => {
    const audio = generateDtmf({ keys: ALL_KEYS, toneMs: 60, gapMs: 60, levelDbm0: -20, seed: 4, sampleRate: 16000, interference: dial(10) });
    expect(digits(audio.samples, true, audio.samples.length, 16000)).toBe(ALL_KEYS);
  });

  it("keeps the clean-line acceptance: keys at −30 dBm0, ±1.5 % off, twist −8 dB", () => {
    for (const off of [1.5, -1.5]) {
      const audio = generateDtmf({ keys: ALL_KEYS, toneMs: 45, gapMs: 60, levelDbm0: -30, twistDb: -8, lowErrorPct: off, highErrorPct: -off, seed: 5 });
      expect(digits(audio.samples, true)).toBe(ALL_KEYS);
    }
  });

  it("gives no key on the dial tone alone, up to 20 dB above a −20 dBm0 key", () => {
    const audio = generateDtmf({ keys: [], leadMs: 3000, tailMs: 0, interference: dial(20), seed: 6 });
    expect(digits(audio.samples, true)).toBe("");
  });

  it("filters alike whatever the chunking (1, 7 and 160 samples a call)", () => {
    const audio = generateDtmf({ keys: "159#", toneMs: 60, gapMs: 60, levelDbm0: -20, seed: 7, interference: dial(10) });
    const run = (chunk: number) => {
      const d = engine.createDetector({ sampleRate: 8000, encoding: "float32", dialToneFilter: true });
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

  it("is a boolean option: anything else is a typed error naming it", () => {
    expect(() => engine.createDetector({ dialToneFilter: "yes" as unknown as boolean })).toThrow(DtmfOptionError);
    expect(() => engine.createDetector({ dialToneFilter: 1 as unknown as boolean })).toThrow(/dialToneFilter/);
  });
});
