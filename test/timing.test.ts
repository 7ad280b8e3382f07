/**
 * Onset, duration and keydown latency, all in media time (sample counts), so these figures
 * are exact properties of the algorithm, not of the machine. Issue #3 targets: p95 onset and
 * duration error ≤ 5 ms for clean tones of 40-1000 ms; keydown ≤ 35 ms after onset at p95.
 */
import { describe, expect, it } from "vitest";
import { seededRandom } from "../src/generator.js";
import { ALL, detect, quantile } from "./helpers.js";

async function measure(extra: { snrDb?: number; sampleRate?: number }) {
  const onset: number[] = [], duration: number[] = [], latency: number[] = [];
  let missed = 0;
  for (let seed = 1; seed <= 10; seed++) {
    const random = seededRandom(seed * 7919);
    const keys = [...ALL].map((digit) => ({
      digit,
      // Lengths 40-1000 ms, weighted towards the short end where edges matter most.
      durationMs: 40 + random() * (random() < 0.6 ? 100 : 960),
      gapMs: 50 + random() * 200,
      twistDb: -6 + random() * 9,
    }));
    const { audio, presses, keydowns } = await detect({ keys, seed, leadMs: 20 + random() * 30, levelDbm0: -5 - random() * 20, ...extra });
    for (const tone of audio.tones) {
      const press = presses.find((p) => p.digit === tone.digit && Math.abs(p.startMs - tone.startMs) < 20);
      const down = keydowns.find((k) => k.digit === tone.digit && Math.abs(k.startMs - tone.startMs) < 20);
      if (!press || !down) { missed++; continue; }
      onset.push(Math.abs(press.startMs - tone.startMs));
      duration.push(Math.abs(press.durationMs - tone.durationMs));
      latency.push(down.detectedMs - tone.startMs);
    }
  }
  return { onset, duration, latency, missed };
}

describe("onset, duration and keydown latency (160 key presses of 40-1000 ms)", () => {
  for (const [name, extra] of [["clean 8 kHz", {}], ["S/N 15 dB", { snrDb: 15 }], ["clean 44.1 kHz", { sampleRate: 44100 }]] as const) {
    it(`${name}: p95 onset and duration error ≤ 5 ms, keydown p95 ≤ 35 ms after onset`, async () => {
      const { onset, duration, latency, missed } = await measure(extra);
      expect(missed).toBe(0);
      expect(quantile(onset, 0.95)).toBeLessThanOrEqual(5);
      expect(quantile(duration, 0.95)).toBeLessThanOrEqual(5);
      expect(quantile(latency, 0.95)).toBeLessThanOrEqual(35);
      // No keydown can come before 23 ms: tones that short must still be rejected.
      expect(Math.min(...latency)).toBeGreaterThan(23);
    });
  }
  it("keydown comes before its press's dtmf event and carries the same onset", async () => {
    const { events } = await detect({ keys: "159#", toneMs: 120 });
    const types = events.map((e) => `${e.type}:${e.digit}`);
    expect(types).toEqual(["keydown:1", "dtmf:1", "keydown:5", "dtmf:5", "keydown:9", "dtmf:9", "keydown:#", "dtmf:#"]);
    for (let i = 0; i < events.length; i += 2) expect(events[i].startSample).toBe(events[i + 1].startSample);
  });
  it("a press cut by the end of the stream is reported by flush with the stream's end", async () => {
    const { events, audio } = await detect({ keys: "3", toneMs: 200, tailMs: 0 });
    expect(events.map((e) => e.type)).toEqual(["keydown", "dtmf"]);
    const press = events[1] as { durationSamples: number; startSample: number };
    expect(press.startSample + press.durationSamples).toBe(audio.samples.length);
  });
});
