/** The generator's levels, twist, frequencies, noise and layout are exact: tests rely on them. */
import { describe, expect, it } from "vitest";
import { DtmfOptionError } from "../src/errors.js";
import { encodeSamples, generateDtmf } from "../src/generator.js";
import { DBM0_REF_POWER, powerToDbm0, sineAmplitude } from "../src/levels.js";

/** Float64 DFT power (mean power of a sine) at `hz` over `x`. */
function tonePower(x: Float32Array, hz: number, rate: number): number {
  let re = 0, im = 0;
  for (let n = 0; n < x.length; n++) { re += x[n] * Math.cos((2 * Math.PI * hz * n) / rate); im -= x[n] * Math.sin((2 * Math.PI * hz * n) / rate); }
  return (2 * (re * re + im * im)) / (x.length * x.length);
}

describe("generateDtmf", () => {
  it("0 dBm0 is a sine 3.17 dB below full scale (G.711 convention)", () => {
    expect(10 * Math.log10(0.5 / DBM0_REF_POWER)).toBeCloseTo(3.17, 10);
    expect(DBM0_REF_POWER).toBe(0.5 * 10 ** (-3.17 / 10)); // the literal of src/conventions.ts, to the last digit
    expect(sineAmplitude(0)).toBeCloseTo(Math.sqrt(2 * DBM0_REF_POWER), 12);
  });
  it("places tones where the truth says, with the asked levels, twist and frequency errors", () => {
    const g = generateDtmf({ keys: "5", toneMs: 500, leadMs: 100, levelDbm0: -17, twistDb: -5, lowErrorPct: 1, highErrorPct: -2, sampleRate: 16000 });
    const [tone] = g.tones;
    expect(tone).toMatchObject({ digit: "5", startSample: 1600, durationSamples: 8000, startMs: 100, durationMs: 500 });
    expect(g.samples.length).toBe(1600 + 8000 + 1600);
    const body = g.samples.subarray(tone.startSample, tone.startSample + tone.durationSamples);
    expect(powerToDbm0(tonePower(body, 770 * 1.01, 16000))).toBeCloseTo(-17, 1);
    expect(powerToDbm0(tonePower(body, 1336 * 0.98, 16000))).toBeCloseTo(-22, 1);
    expect(g.samples[tone.startSample - 1]).toBe(0);
    expect(g.samples[tone.startSample + tone.durationSamples]).toBe(0);
  });
  it("sets white noise so that the 0-4 kHz S/N is the one asked, at any rate", () => {
    for (const sampleRate of [8000, 32000]) {
      const g = generateDtmf({ keys: "", leadMs: 4000, tailMs: 0, levelDbm0: -10, twistDb: 0, snrDb: 10, sampleRate });
      const power = g.samples.reduce((s, x) => s + x * x, 0) / g.samples.length;
      const inBand = power * (4000 / (sampleRate / 2));
      expect(10 * Math.log10((2 * DBM0_REF_POWER * 0.1) / inBand)).toBeCloseTo(10, 0);
    }
  });
  it("is deterministic for a seed and differs between seeds", () => {
    const a = generateDtmf({ keys: "12", snrDb: 20, seed: 7 });
    expect(generateDtmf({ keys: "12", snrDb: 20, seed: 7 }).samples).toEqual(a.samples);
    expect(generateDtmf({ keys: "12", snrDb: 20, seed: 8 }).samples).not.toEqual(a.samples);
  });
  it("encodes with clipping at full scale", () => {
    const loud = new Float32Array([1.5, -1.5, 0.5, 0]);
    expect([...encodeSamples(loud, "pcm16")]).toEqual([32767, -32768, 16384, 0]);
    expect([...encodeSamples(loud, "float32")]).toEqual([1, -1, 0.5, 0]);
    expect(encodeSamples(loud, "mulaw")).toHaveLength(4);
  });
  it("rejects unknown options, bad keys and out-of-range values by name", () => {
    expect(() => generateDtmf({ keys: "1", tone: 5 } as never)).toThrow(/tone must be one of the generator options/);
    expect(() => generateDtmf({ keys: "1E" })).toThrow('keys[1].digit must be one of 0-9, A-D, *, #; received "E"');
    expect(() => generateDtmf({ keys: "1", snrDb: Number.NaN })).toThrow(DtmfOptionError);
    expect(() => generateDtmf({ keys: "1", sampleRate: 4000 })).toThrow(/sampleRate must be an integer/);
  });
});
