/**
 * From detected keys to the spans that are redacted: each key's tone [onset, end) widened by a
 * guard on both sides, clipped to the audio, and overlapping or touching spans merged (back-to-
 * back keys become one span holding both). The detector settings that find the keys, the
 * fragments and, on the output, any key left are here too, each with its reason.
 */
import type { DtmfEvent } from "../events.js";
import { keyFrequencies } from "../keys.js";
import { type DetectorTuning, MOST_SENSITIVE_TUNING } from "../options.js";

/**
 * Guard before the detected onset, ms. The detector's onset error is p95 1.4 ms, max 2.3 ms
 * on clean keys (README "Onset and duration"), and stays within 3 ms over speech and noise on
 * the redaction battery (`npm run bench -- --only redact` prints the measured maxima); 4 ms
 * covers it. It is also what the live delay must add to the keydown latency (max 35.4 ms):
 * 35.4 + 4 < 40 ms.
 */
export const GUARD_BEFORE_MS = 4;
/**
 * Guard after the detected end, ms. The end (onset + duration) errs by p95 1.7 ms, max 3.4 ms
 * on clean keys; a tone's last ms can hide under speech at −10 dB: 6 ms covers both.
 */
export const GUARD_AFTER_MS = 6;
/** Largest guard accepted, ms: a quarter of a second already removes whole words around a key. */
export const MAX_GUARD_MS = 250;

/** Default level above which fragments are redacted, dBm0 per tone: Q.24's −25 dBm0 operate limit, with 10 dB to spare. */
export const FRAGMENT_LEVEL_DBM0 = -35;

/**
 * Verification: the output analysed again with a detector more sensitive than the default
 * on every axis that matters for a key left behind: 10 dB lower level, 4 dB more twist each
 * way, 3.5 % frequency error (the Q.24 reject limit, against 1.8 %), tones from 22 ms (just
 * under Q.24's 23 ms must-reject), 2 dB less peak ratio, 0.3 dB less window purity and 1 dB less
 * press purity. On the 200 s of committed speech and music excerpts it still finds no key
 * (test/redact.test.ts), which a clean recording must pass; with 2 dB less purity it found 3
 * there, and since the window purity also passes on the band share (assembly/window.ts) the
 * earlier −3 dB found one (`*` in speech-en-espeak.wav at 22.57 s).
 */
export const VERIFY_TUNING: Readonly<DetectorTuning> = Object.freeze({
  minLevelDbm0: -55,
  normalTwistDb: 14,
  reverseTwistDb: 10,
  peakRatioDb: 6,
  purityDb: -2.5,
  pressPurityDb: -2.5,
  frequencyTolerancePct: 3.5,
  minToneMs: 22,
});

/**
 * The check after a notch (offline, `notchFallback`): the notched output analysed with every
 * tuning option at the end of its range (the setting the redaction bench counts keys left
 * with: `npm run bench -- --only redact`). A key it finds overlapping a notched span means the
 * notch could not tell that key from the speech under it, and the span is redacted again with
 * the fallback. Speech alone can trip a detector this sensitive, but only inside a key's span
 * does it matter here, and there its cost is the speech of that span, not a key left behind.
 */
export const NOTCH_CHECK_TUNING: Readonly<DetectorTuning> = MOST_SENSITIVE_TUNING;

/**
 * A notched span also fails its check when the power left at the key's own frequencies, in the
 * output, is within this much of the key's, dB. The notched output keeps the speech, whose own
 * power at those frequencies is counted too, so this is only a backstop for a notch that failed
 * outright (the tone barely reduced); keys left under speech are the detector's part of the
 * check: the one test/redact-notch-fallback.test.ts leaves readable under speech 10 dB below
 * it holds −43.3 dB there (a residual no level threshold could tell from speech).
 */
export const NOTCH_CHECK_RESIDUAL_DB = -15;

/**
 * The residual a notched span must reach, dB against the key (issue 17's target for every
 * method that keeps or replaces the audio: the key's two tones 40 dB down).
 */
export const NOTCH_TARGET_RESIDUAL_DB = -40;

/**
 * A notched span also falls back when the notch's own error is expected within this much of
 * NOTCH_TARGET_RESIDUAL_DB, dB (the audit's notch_uncertainty_db, tones.ts fitErrorPower).
 * The error at a tone is the interference's component at that frequency, exponentially
 * distributed about its expected power (two degrees of freedom), so it exceeds the expectation
 * k-fold with probability e^−k: a 10 dB margin (k = 10) leaves a 5·10⁻⁵ chance per tone that a
 * span kept as notched holds more than the target. On the redaction battery the measured
 * residual of a notched span exceeded its estimate by at most 7.5 dB (noise at S/N 15 dB,
 * `node bench/redact-lab.mjs notch --codec pcm16 --file-only --fallback none --uncertainty`).
 */
export const NOTCH_UNCERTAINTY_MARGIN_DB = 10;

/** The notch error estimate over which a notched span falls back, dB against the key. */
export const NOTCH_UNCERTAIN_DB = NOTCH_TARGET_RESIDUAL_DB - NOTCH_UNCERTAINTY_MARGIN_DB;

/**
 * A notched span also falls back when the notch left nothing to keep: everything in it over the
 * key's tone is at most this much against the key (both tones), dB, the residual target itself.
 * What is left is then only the key's residue, which alone in digital silence is still a key to
 * a detector with no level floor (in the redaction bench, `npm run bench -- --only redact`,
 * multimon-ng read a clean −10 dBm0, 40 ms key 1.5 % off that the notch had taken to ±10 LSB in
 * 16-bit); a background that quiet is what the comfort noise replaces it with anyway.
 */
export const NOTCH_EMPTY_DB = NOTCH_TARGET_RESIDUAL_DB;

/**
 * Why the notch's own estimates say a notched stretch cannot be kept, or undefined: it left
 * nothing to keep (`leftDb`, everything left against the key, at most NOTCH_EMPTY_DB), or its
 * error is expected too close to the target (`uncertaintyDb` over NOTCH_UNCERTAIN_DB). The one
 * rule offline (per span, from the audit) and live (per piece) decide by.
 */
export function notchDoubt(uncertaintyDb: number, leftDb: number): string | undefined {
  if (leftDb <= NOTCH_EMPTY_DB) return `the notch left nothing to keep (${leftDb} dB against the key, at most ${NOTCH_EMPTY_DB} dB): only the key's residue`;
  if (uncertaintyDb > NOTCH_UNCERTAIN_DB) return `notch error expected at ${uncertaintyDb} dB against the key (sound under the tones; over ${NOTCH_UNCERTAIN_DB} dB)`;
  return undefined;
}

/** Slack around a notched span within which a key found by the check counts as overlapping it, ms (the detector's onset / end errors, at most 2.3 / 3.4 ms, and some). */
export const NOTCH_CHECK_SLACK_MS = 5;

/** A key (or fragment) as found, in samples of the audio being redacted. */
export interface FoundKey {
  kind: "key" | "fragment";
  digit: string;
  /** Tone onset and end (exclusive) as the detector measured them. */
  t0: number;
  t1: number;
  /** Measured frequencies, Hz. */
  lowHz: number;
  highHz: number;
  lowDbm0: number;
  highDbm0: number;
  /** lowHz/highHz were measured over the tone (a finished press), not just nominal. */
  hzMeasured?: boolean;
}

/** A stretch [start, end) redacted as one piece. */
export interface Span {
  start: number;
  end: number;
  keys: FoundKey[];
}

/** A detector's finished press as a FoundKey, its samples scaled by `factor` (decimated input). */
export function foundKey(event: DtmfEvent, kind: FoundKey["kind"], factor = 1): FoundKey {
  const { lowHz, highHz } = keyFrequencies(event.digit);
  return {
    kind, digit: event.digit,
    t0: event.startSample * factor, t1: (event.startSample + event.durationSamples) * factor,
    lowHz: lowHz + event.lowErrorHz, highHz: highHz + event.highErrorHz,
    lowDbm0: event.lowDbm0, highDbm0: event.highDbm0, hzMeasured: true,
  };
}

/**
 * Keys → spans: guards added, clipped to [0, total), merged when they overlap or touch. A
 * fragment that overlaps a key is the same tone and is dropped (the key describes it better).
 */
export function planSpans(found: readonly FoundKey[], guardBefore: number, guardAfter: number, total: number): Span[] {
  const keys = found.filter((k) => k.kind === "key");
  const fragments = found.filter((k) => k.kind === "fragment" && !keys.some((key) => k.t0 < key.t1 && key.t0 < k.t1));
  const all = [...keys, ...fragments].sort((a, b) => a.t0 - b.t0);
  const spans: Span[] = [];
  for (const key of all) {
    const start = Math.max(0, key.t0 - guardBefore);
    const end = Math.min(total, key.t1 + guardAfter);
    if (end <= start) continue;
    const last = spans[spans.length - 1];
    if (last && start <= last.end) {
      last.end = Math.max(last.end, end);
      if (!last.keys.some((k) => key.t0 < k.t1 && k.t0 < key.t1)) last.keys.push(key);
    } else {
      spans.push({ start, end, keys: [key] });
    }
  }
  return spans;
}

/** Samples in `ms` at `rate`, rounded up (a guard never shrinks). */
export function msToSamples(ms: number, rate: number): number {
  return Math.ceil((ms * rate) / 1000);
}
