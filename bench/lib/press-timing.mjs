/**
 * The onset, duration and keydown-latency measurement of the Q.24 table (bench/q24.mjs) and of
 * test/timing.test.ts: one definition of the press set and of how a detection is paired with
 * its true press. All in media time, so every run gives the same figures.
 */
import { ALL_KEYS, seededRandom } from "../../dist/index.js";

/** Presses paired with a true key: same digit, onset within this many ms of the true onset. */
export const MATCH_MS = 20;

/**
 * Generator options for timing set number `seed` (1…10): the 16 keys in order, lengths
 * 40-1000 ms weighted towards the short end where edges matter most, random gap and twist,
 * a random lead and level.
 */
export function timingSet(seed) {
  const random = seededRandom(seed * 7919);
  const keys = [...ALL_KEYS].map((digit) => ({ digit, durationMs: 40 + random() * (random() < 0.6 ? 100 : 960), gapMs: 50 + random() * 200, twistDb: -6 + random() * 9 }));
  return { keys, seed, leadMs: 20 + random() * 30, levelDbm0: -5 - random() * 20 };
}

/**
 * Pairs each true tone with its press and keydown; adds to `into` the absolute onset and
 * duration errors (ms), the latency from the true onset to the keydown (ms), and the tones
 * left without a press or keydown.
 */
export function measurePresses(tones, presses, keydowns, into = { onset: [], duration: [], latency: [], missed: 0 }) {
  for (const t of tones) {
    const p = presses.find((e) => e.digit === t.digit && Math.abs(e.startMs - t.startMs) < MATCH_MS);
    const k = keydowns.find((e) => e.digit === t.digit && Math.abs(e.startMs - t.startMs) < MATCH_MS);
    if (!p || !k) { into.missed++; continue; }
    into.onset.push(Math.abs(p.startMs - t.startMs));
    into.duration.push(Math.abs(p.durationMs - t.durationMs));
    into.latency.push(k.detectedMs - t.startMs);
  }
  return into;
}
