/**
 * Helpers for the redact-and-forward tests (serve-forward*.test.ts): the keys a detector finds
 * in forwarded audio, what a LiveRedactor makes of the same frames, the samples changed
 * outside the keys' spans, and the checks every protocol's test makes with them.
 */
import { expect } from "vitest";
import type { DtmfEngine } from "../src/engine.js";
import type { DtmfEvent } from "../src/events.js";
import { type DetectorTuning, type Encoding, MOST_SENSITIVE_TUNING } from "../src/options.js";
import { LiveRedactor } from "../src/redact/live.js";
import type { DtmfServer } from "../src/server/server.js";

/** The redactor's delay, samples at `rate` (LIVE_DELAY_MS: 40 ms). */
export const delaySamples = (rate: number) => (40 * rate) / 1000;

/** The keys found in `bytes`; by default at the most sensitive setting (every tuning option at the end of its range). */
export function keysFound(engine: DtmfEngine, bytes: Uint8Array, encoding: Encoding, sampleRate = 8000, tuning: DetectorTuning = MOST_SENSITIVE_TUNING): DtmfEvent[] {
  const d = engine.createDetector({ encoding, sampleRate, ...tuning });
  const events = [...d.process(bytes), ...d.flush()].filter((e): e is DtmfEvent => e.type === "dtmf");
  d.close();
  return events;
}

/** What a LiveRedactor with these settings makes of the same frames (the tail left in its delay line is not sent). */
export function liveRedacted(engine: DtmfEngine, chunks: Uint8Array[], encoding: Encoding, sampleRate: number, candidates: boolean): Buffer {
  const r = new LiveRedactor({ engine, encoding, sampleRate, method: "silence", candidates });
  const out = Buffer.concat(chunks.map((c) => r.process(Uint8Array.from(c)).audio));
  r.close();
  return out;
}

/**
 * Samples where `forwarded` (delayed by `delay`) differs from `original`, outside every key's
 * [onset − 4 ms guard − slack, end + 6 ms guard + slack).
 */
export function changedOutsideKeys(original: Uint8Array, forwarded: Uint8Array, bytesPerSample: number, delay: number, keys: DtmfEvent[], rate: number): number {
  const slack = Math.round((16 * rate) / 1000);
  const guardBefore = Math.round((4 * rate) / 1000), guardAfter = Math.round((6 * rate) / 1000);
  const inKey = (n: number) => keys.some((k) => n >= k.startSample - guardBefore - slack && n < k.startSample + k.durationSamples + guardAfter + slack);
  let changed = 0;
  const n = forwarded.length / bytesPerSample - delay;
  for (let i = 0; i < n; i++) {
    if (inKey(i)) continue;
    for (let b = 0; b < bytesPerSample; b++) if (forwarded[(i + delay) * bytesPerSample + b] !== original[i * bytesPerSample + b]) { changed++; break; }
  }
  return changed;
}

/**
 * What every forward test checks of one call's audio (the forward with candidates off): the
 * input had the keys `digits`; the forwarded audio has none, even for the detector at its most
 * sensitive; it is exactly what a LiveRedactor makes of the same chunks; it starts with 40 ms of
 * silence; and every sample outside the keys' spans is the input's, 40 ms later.
 */
export function expectRedactedCopy(engine: DtmfEngine, c: { original: Uint8Array; chunks: Uint8Array[]; forwarded: Uint8Array; encoding: "mulaw" | "pcm16"; rate: number; digits: string }): void {
  const bytesPerSample = c.encoding === "pcm16" ? 2 : 1;
  const keysIn = keysFound(engine, c.original, c.encoding, c.rate, {});
  expect(keysIn.map((k) => k.digit).join("")).toBe(c.digits);
  expect(keysFound(engine, c.forwarded, c.encoding, c.rate)).toEqual([]);
  expect(Buffer.from(c.forwarded).equals(liveRedacted(engine, c.chunks, c.encoding, c.rate, false))).toBe(true);
  const delay = delaySamples(c.rate);
  const silence = c.encoding === "mulaw" ? 0xff : 0;
  expect(c.forwarded.subarray(0, delay * bytesPerSample).every((b) => b === silence)).toBe(true);
  expect(changedOutsideKeys(c.original, c.forwarded, bytesPerSample, delay, keysIn, c.rate)).toBe(0);
}

/** The server's forward counters after one clean call of `frames` frames and `bytes` audio bytes, in /stats and /metrics. */
export async function expectForwardTotals(server: DtmfServer, frames: number, bytes: number): Promise<void> {
  const stats = server.stats() as { forward: Record<string, number> };
  expect(stats.forward).toMatchObject({ calls: 1, frames, bytes, failures: 0, droppedOverflow: 0, droppedDisconnected: 0 });
  expect(await server.metrics.text()).toMatch(new RegExp(`dtmf_forward_frames_total ${frames}\\b`));
}
