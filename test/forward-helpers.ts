/**
 * Helpers for the redact-and-forward tests (serve-forward*.test.ts): the keys a detector finds
 * in forwarded audio, what a LiveRedactor makes of the same frames, and the samples changed
 * outside the keys' spans.
 */
import type { DtmfEngine } from "../src/engine.js";
import type { DtmfEvent } from "../src/events.js";
import { type DetectorTuning, type Encoding, MOST_SENSITIVE_TUNING } from "../src/options.js";
import { LiveRedactor } from "../src/redact/live.js";

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
