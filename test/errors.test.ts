/** Bad input gets a typed error that names the problem, and never a NaN in an event. */
import { describe, expect, it } from "vitest";
import { DtmfError, DtmfInputError, DtmfOptionError } from "../src/errors.js";
import { generateDtmf } from "../src/generator.js";
import type { DtmfEvent } from "../src/events.js";
import { testEngine } from "./helpers.js";

const numeric: [string, number, number][] = [
  ["minLevelDbm0", -70, 0], ["normalTwistDb", 0, 20], ["reverseTwistDb", 0, 20], ["peakRatioDb", 3, 30],
  ["purityDb", -10, 0], ["pressPurityDb", -10, 0], ["frequencyTolerancePct", 0.5, 6], ["minToneMs", 10, 200], ["gapMs", 10, 500],
];

describe("detector options", () => {
  for (const [option, min, max] of numeric) {
    it(`${option}: accepts ${min} and ${max}, rejects NaN, ±Infinity, out of range and strings, naming the range`, async () => {
      const engine = await testEngine();
      engine.createDetector({ [option]: min }).close();
      engine.createDetector({ [option]: max }).close();
      for (const bad of [Number.NaN, Infinity, -Infinity, min - 1, max + 1, String(min)]) {
        const attempt = () => engine.createDetector({ [option]: bad });
        expect(attempt).toThrow(DtmfOptionError);
        expect(attempt).toThrow(`${option} must be a number from ${min} to ${max}; received ${typeof bad === "string" ? JSON.stringify(bad) : String(bad)}`);
      }
    });
  }
  it("sampleRate: an integer from 8000 to 48000", async () => {
    const engine = await testEngine();
    for (const bad of [7999, 48001, 8000.5, Number.NaN, "8000"]) {
      expect(() => engine.createDetector({ sampleRate: bad as number })).toThrow(/sampleRate must be an integer from 8000 to 48000; received/);
    }
    const error = (() => { try { engine.createDetector({ sampleRate: 96000 }); } catch (e) { return e as DtmfOptionError; } })();
    expect(error).toBeInstanceOf(DtmfError);
    expect(error).toMatchObject({ option: "sampleRate", received: 96000, code: "ERR_DTMF_OPTION" });
  });
  it("encoding: one of pcm16, float32, mulaw, alaw", async () => {
    const engine = await testEngine();
    expect(() => engine.createDetector({ encoding: "mp3" as never })).toThrow('encoding must be one of pcm16, float32, mulaw, alaw; received "mp3"');
  });
  it("rejects unknown options, bad key sets and a non-function onEvent", async () => {
    const engine = await testEngine();
    expect(() => engine.createDetector({ sampleRat: 8000 } as never)).toThrow(/sampleRat must be one of the detector options/);
    expect(() => engine.createDetector({ keys: "12X" })).toThrow(/keys must be a non-empty string of keys/);
    expect(() => engine.createDetector({ keys: "" })).toThrow(DtmfOptionError);
    expect(() => engine.createDetector({ onEvent: 5 as never })).toThrow("onEvent must be a function; received 5");
  });
});

describe("audio input", () => {
  it("names the accepted types when given the wrong array type", async () => {
    const engine = await testEngine();
    const pcm = engine.createDetector({ encoding: "pcm16" });
    expect(() => pcm.process(new Float32Array(4))).toThrow(DtmfInputError);
    expect(() => pcm.process(new Float32Array(4))).toThrow("a pcm16 detector takes an Int16Array, or a Uint8Array/Buffer of 16-bit little-endian bytes; received Float32Array");
    const ulaw = engine.createDetector({ encoding: "mulaw" });
    expect(() => ulaw.process(new Int16Array(4))).toThrow(/a mulaw detector takes a Uint8Array\/Buffer of G\.711 μ-law bytes; received Int16Array/);
    expect(() => ulaw.process([1, 2, 3] as never)).toThrow(/received object|received Array/);
    expect(() => ulaw.process(null as never)).toThrow(/received null/);
  });
  it("rejects an odd byte length for 16-bit data and a length not a multiple of 4 for float data", async () => {
    const engine = await testEngine();
    expect(() => engine.createDetector({ encoding: "pcm16" }).process(new Uint8Array(161))).toThrow("pcm16 input given as bytes must be a multiple of 2 bytes long; received 161 bytes");
    expect(() => engine.createDetector({ encoding: "float32" }).process(Buffer.alloc(6))).toThrow(/multiple of 4 bytes long; received 6 bytes/);
  });
  it("an error loses nothing: the stream goes on and earlier events stay delivered", async () => {
    const engine = await testEngine();
    const d = engine.createDetector({ encoding: "float32" });
    const audio = generateDtmf({ keys: "12", toneMs: 80, gapMs: 200 }).samples;
    const half = 1600;
    const before = d.process(audio.subarray(0, half));
    expect(() => d.process(new Int16Array(10) as never)).toThrow(DtmfInputError);
    const after = [...d.process(audio.subarray(half)), ...d.flush()];
    expect([...before, ...after].filter((e) => e.type === "dtmf").map((e) => e.digit).join("")).toBe("12");
  });
  it("treats NaN as silence and ±Infinity as clipped: keys still decode, no event field is NaN", async () => {
    const engine = await testEngine();
    const audio = generateDtmf({ keys: "369#", toneMs: 100, gapMs: 100 }).samples;
    const spoiled = audio.slice();
    for (let i = 0; i < spoiled.length; i += 97) spoiled[i] = Number.NaN;
    for (let i = 50; i < spoiled.length; i += 1013) spoiled[i] = i % 2 ? Infinity : -Infinity;
    spoiled.fill(Number.NaN, 0, 400); // 50 ms of NaN before the first key
    const d = engine.createDetector({ encoding: "float32" });
    const events = [...d.process(spoiled), ...d.flush()];
    expect(events.filter((e) => e.type === "dtmf").map((e) => e.digit).join("")).toBe("369#");
    for (const e of events) for (const value of Object.values(e)) if (typeof value === "number") expect(Number.isFinite(value)).toBe(true);
    // A whole stream of NaN or Infinity gives no events and no crash.
    for (const fill of [Number.NaN, Infinity]) {
      const d2 = engine.createDetector({ encoding: "float32" });
      expect([...d2.process(new Float32Array(16000).fill(fill)), ...d2.flush()]).toEqual([]);
    }
  });
  it("reports finite levels for every press, even tones that barely pass", async () => {
    const engine = await testEngine();
    const d = engine.createDetector({ encoding: "float32" });
    const events = [...d.process(generateDtmf({ keys: "0D", levelDbm0: -43, toneMs: 40 }).samples), ...d.flush()] as DtmfEvent[];
    // Both presses are found (a keydown and a dtmf event each), so the levels below are real.
    expect(events.map((e) => `${e.type}:${e.digit}`)).toEqual(["keydown:0", "dtmf:0", "keydown:D", "dtmf:D"]);
    for (const e of events) expect([e.lowDbm0, e.highDbm0].every(Number.isFinite)).toBe(true);
    // Measured near the true −43 dBm0 per tone, not at the silence floor (−136 dBm0).
    for (const e of events) for (const level of [e.lowDbm0, e.highDbm0]) expect(Math.abs(level + 43)).toBeLessThan(1.5);
  });
});
