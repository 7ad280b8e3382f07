/**
 * The dial-tone filter (assembly/dialtone.ts, rules.ts NOTCH_*, DIAL_*): with
 * DetectorTuning.dialToneFilter it always runs; by default it runs only while a dial tone is on
 * the line. Either way keys decode under a 350 + 440 Hz dial tone well above them, the clean-line
 * figures hold, the tone alone gives no key, and any chunking filters alike; by default a line
 * without a dial tone is not filtered (the 697 Hz level shows it).
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
  it("decodes every key with the dial tone 10 and 15 dB above the key's tones, on and by default", () => {
    for (const db of [10, 15]) {
      const audio = generateDtmf({ keys: ALL_KEYS, toneMs: 60, gapMs: 60, levelDbm0: -20, seed: 3, interference: dial(db) });
      expect(digits(audio.samples, true)).toBe(ALL_KEYS);
      expect(digits(audio.samples, false)).toBe(ALL_KEYS);
    }
  });

  it("by default decodes every key from the dial tone 10 dB under the keys to 18 dB over them", () => {
    for (const db of [-10, -3, 0, 3, 6, 10, 14, 18]) {
      for (const seed of [1, 2]) {
        const audio = generateDtmf({ keys: ALL_KEYS, toneMs: 60, gapMs: 60, leadMs: 50 + seed * 1.37, levelDbm0: -20, seed, interference: dial(db) });
        expect(`${db} dB, seed ${seed}: ${digits(audio.samples, false)}`).toBe(`${db} dB, seed ${seed}: ${ALL_KEYS}`);
      }
    }
  });

  it("by default filters only while the dial tone lasts: a key after it has its unfiltered 697 Hz level", () => {
    const key = generateDtmf({ keys: "1", toneMs: 80, leadMs: 200, tailMs: 100, levelDbm0: -20, seed: 8 });
    const after = generateDtmf({ keys: [], leadMs: 1000, tailMs: 0, interference: dial(10), seed: 8 });
    const lead = Math.ceil(after.samples.length / 51) * 51; // whole hops: the key falls on the same hop grid
    const samples = new Float32Array(lead + key.samples.length);
    samples.set(after.samples);
    samples.set(key.samples, lead);
    const low = (s: Float32Array, dialToneFilter: boolean) => {
      const d = engine.createDetector({ sampleRate: 8000, encoding: "float32", dialToneFilter });
      const events = [...d.process(s), ...d.flush()].filter((e) => e.type === "dtmf");
      d.close();
      expect(events.map((e) => e.digit).join("")).toBe("1");
      return (events[0] as Extract<DtmfEvent, { type: "dtmf" }>).lowDbm0;
    };
    const clean = low(key.samples, false);
    expect(low(samples, false)).toBeCloseTo(clean, 2); // released: the 697 Hz tone is not notched
    expect(clean - low(samples, true)).toBeGreaterThan(0.2); // always on: it loses ≈ 0.4 dB
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

  it("gives no key on the dial tone alone, 0 to 20 dB above a −20 dBm0 key, on or by default", () => {
    for (const db of [0, 10, 20]) {
      const audio = generateDtmf({ keys: [], leadMs: 3000, tailMs: 0, interference: dial(db), seed: 6 });
      expect(digits(audio.samples, true)).toBe("");
      expect(digits(audio.samples, false)).toBe("");
    }
  });

  it.each([true, false])("filters alike whatever the chunking (1, 7 and 160 samples a call; always on: %s)", (dialToneFilter) => {
    const audio = generateDtmf({ keys: "159#", toneMs: 60, gapMs: 60, levelDbm0: -20, seed: 7, interference: dial(10) });
    const run = (chunk: number) => {
      const d = engine.createDetector({ sampleRate: 8000, encoding: "float32", dialToneFilter });
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
