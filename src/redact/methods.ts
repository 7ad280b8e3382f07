/**
 * The four ways a span is redacted, on float samples (full scale 1):
 *
 * | method  | what replaces the span                                   | speech under the key |
 * |---------|----------------------------------------------------------|----------------------|
 * | silence | digital silence                                          | removed              |
 * | noise   | white noise at the surrounding level, DTMF frequencies projected out | removed  |
 * | notch   | the input minus the key's two tones, fitted by least squares (frequency, amplitude, phase, exact onset and end) | kept |
 * | tone    | a 440 Hz masking tone at −20 dBm0, 4 ms ramps, DTMF frequencies projected out | removed |
 *
 * Every method also measures each key (its tones' power, fitted on the input) and what is
 * left of it (the windowed power at its two frequencies in the output) for the audit.
 */
import { seededGaussian } from "../generator.js";
import { COL_HZ, ROW_HZ } from "../keys.js";
import { dbm0ToPower, powerToDbm0, sineAmplitude } from "../levels.js";
import type { FoundKey } from "./spans.js";
import { addModel, fitSinusoids, meanSquare, refineEdges, refineFrequencies, sinusoidPower, windowedTonePower } from "./tones.js";

export const METHODS = ["notch", "silence", "noise", "tone"] as const;
export type RedactMethod = (typeof METHODS)[number];
export const DEFAULT_METHOD: RedactMethod = "notch";

/** The masking tone: 440 Hz lies 257 Hz below the lowest DTMF frequency, far from every pair. */
export const MASK_TONE_HZ = 440;
/** Its level, dBm0: clearly audible as a marker, below a key's usual −10…−5 dBm0 per tone. */
export const MASK_TONE_DBM0 = -20;
/** Raised-cosine ramps of the masking tone, ms: no click, so no broadband splatter over the DTMF band. */
const MASK_RAMP_MS = 4;
/** How far the notch looks for the true onset and end around the detector's, ms (its max error 2.3 / 3.4 ms, and some). */
export const EDGE_SEARCH_MS = 5;
/** Live, while a key is down: the part after its onset surely in the tone (the fragment finder's 12 ms; the detector confirms after 28), ms. */
const SURE_TONE_MS = 12;
/** The notch fits a key's tones away from its edges by this much first, ms (then finds the exact edges). */
const FIT_MARGIN_MS = 3;
/** DTMF frequencies projected out of comfort noise and the masking tone in pieces of at most this, s. */
const PROJECTION_PIECE_S = 0.5;
/** Residual powers below this are reported as this, dBm0 (digital silence has none at all). */
export const RESIDUAL_FLOOR_DBM0 = -120;

const ALL_DTMF_HZ = [...ROW_HZ, ...COL_HZ];

/** What is known about one key in the span being redacted (indices into the region arrays). */
export interface KeyJob {
  key: FoundKey;
  /** Tone onset / end in region indices (detector estimates). */
  t0: number;
  t1: number;
  /** Whether the onset / end lie inside this piece (else the piece is cut through the tone). */
  startInside: boolean;
  endInside: boolean;
  /**
   * Live: the key is still down as far as the detector knows, so its tone may have stopped
   * anywhere after its confirmed part; the notch finds where from the audio itself.
   */
  endOpen?: boolean;
}

export interface SpanJob {
  /** The part of the span written now, in region indices. */
  from: number;
  to: number;
  /**
   * The audio the notch may fit on and look for edges in (region indices; default [from, to)):
   * the whole span offline, the span's part still in the delay line live.
   */
  lo?: number;
  hi?: number;
  keys: KeyJob[];
  /** Samples a second. */
  rate: number;
  /** RMS of the surrounding audio (noise method). */
  noiseRms: number;
  /** Seed of the comfort noise (deterministic output). */
  seed: number;
  /** Index of `from` counted from the span's start (masking-tone phase and ramps across pieces). */
  offsetInSpan: number;
  /** Span length in samples (for the masking tone's ramp out), or undefined while still open (live). */
  spanLength: number | undefined;
}

/** What one key measured. */
export interface KeyMeasure {
  /** Power of the key's tones in the input, dBm0 (low, high). */
  keyDbm0: [number, number];
  /** Power left at those frequencies in the output, dBm0 (low, high), floored at RESIDUAL_FLOOR_DBM0. */
  residualDbm0: [number, number];
  /** Where the tone was (region indices) and its fitted frequencies. */
  t0: number;
  t1: number;
  hz: [number, number];
}

/**
 * Redacts y[job.from, job.to) (y starts as a copy of x, the input) with `method`. x may extend
 * beyond the span on either side (context); nothing outside the span is written.
 */
export function applyMethod(method: RedactMethod, x: Float64Array, y: Float64Array, job: SpanJob): KeyMeasure[] {
  const { from, to, rate } = job;
  const fits = job.keys.map((k) => fitKey(x, k, job));
  switch (method) {
    case "silence":
      y.fill(0, from, to);
      break;
    case "noise": {
      comfortNoise(y, from, to, job.noiseRms, job.seed, rate);
      projectOutDtmf(y, from, to, rate);
      break;
    }
    case "tone": {
      const amplitude = sineAmplitude(MASK_TONE_DBM0);
      const w = (2 * Math.PI * MASK_TONE_HZ) / rate;
      const ramp = Math.max(1, Math.round((MASK_RAMP_MS * rate) / 1000));
      for (let n = from; n < to; n++) {
        const i = n - from + job.offsetInSpan;
        const left = job.spanLength === undefined ? Number.POSITIVE_INFINITY : job.spanLength - 1 - i;
        const edge = Math.min(i, left);
        const gain = edge >= ramp ? 1 : 0.5 - 0.5 * Math.cos((Math.PI * edge) / ramp);
        y[n] = amplitude * gain * Math.sin(w * i);
      }
      projectOutDtmf(y, from, to, rate);
      break;
    }
    case "notch":
      for (const fit of fits) {
        const a = Math.max(from, fit.t0), b = Math.min(to, fit.t1);
        if (fit.model && b > a) addModel(y, a, b, fit.model, rate, -1);
      }
      break;
  }
  return fits.map((fit) => measure(y, fit, rate, from, to));
}

interface KeyFit {
  t0: number;
  t1: number;
  hz: [number, number];
  keyPower: [number, number];
  model: ReturnType<typeof fitSinusoids> | undefined;
}

/** The key's two tones fitted on the input: frequencies refined, exact edges found, amplitudes refitted over them. */
function fitKey(x: Float64Array, k: KeyJob, job: SpanJob): KeyFit {
  const { rate } = job;
  const from = job.lo ?? job.from, to = job.hi ?? job.to;
  const margin = Math.round((FIT_MARGIN_MS * rate) / 1000);
  const search = Math.round((EDGE_SEARCH_MS * rate) / 1000);
  let t0 = Math.max(from, k.t0), t1 = Math.min(to, k.t1);
  const length = t1 - t0;
  const inner0 = k.startInside ? t0 + Math.min(margin, length >> 2) : t0;
  const inner1 = k.endInside ? t1 - Math.min(margin, length >> 2) : t1;
  if (inner1 - inner0 < 4) {
    const fallback = [k.key.lowHz, k.key.highHz] as [number, number];
    return { t0, t1, hz: fallback, keyPower: [dbm0ToPower(k.key.lowDbm0), dbm0ToPower(k.key.highDbm0)], model: undefined };
  }
  let hz = refineFrequencies(x, inner0, inner1, [k.key.lowHz, k.key.highHz], rate) as [number, number];
  let model = fitSinusoids(x, inner0, inner1, hz, rate, inner0);
  if (k.endOpen) {
    // Fit on the part surely in the tone, then cut where subtracting it stops paying off.
    const sure = Math.min(inner1, inner0 + Math.round((SURE_TONE_MS * rate) / 1000));
    hz = refineFrequencies(x, inner0, sure, [k.key.lowHz, k.key.highHz], rate) as [number, number];
    model = fitSinusoids(x, inner0, sure, hz, rate, inner0);
    const [, end] = refineEdges(x, sure, sure, model, rate, t1 - sure, sure, t1);
    t1 = Math.max(sure, end);
    hz = refineFrequencies(x, inner0, t1, hz, rate) as [number, number];
    model = fitSinusoids(x, inner0, t1, hz, rate, inner0);
    [t0] = refineEdges(x, t0, t1, model, rate, k.startInside ? search : 0, from, to);
    if (!k.startInside) t0 = Math.max(from, k.t0);
    if (t1 - t0 >= 4) model = fitSinusoids(x, t0, t1, hz, rate, t0);
    return { t0, t1, hz, keyPower: [sinusoidPower(model.tones[0]), sinusoidPower(model.tones[1])], model };
  }
  [t0, t1] = refineEdges(x, k.startInside ? t0 : inner0, k.endInside ? t1 : inner1, model, rate, search, from, to);
  if (!k.startInside) t0 = Math.max(from, k.t0);
  if (!k.endInside) t1 = Math.min(to, k.t1);
  if (t1 - t0 >= 4) model = fitSinusoids(x, t0, t1, hz, rate, t0);
  return { t0, t1, hz, keyPower: [sinusoidPower(model.tones[0]), sinusoidPower(model.tones[1])], model };
}

function measure(y: Float64Array, fit: KeyFit, rate: number, from: number, to: number): KeyMeasure {
  const floor = (p: number) => Math.max(RESIDUAL_FLOOR_DBM0, p > 0 ? powerToDbm0(p) : RESIDUAL_FLOOR_DBM0);
  const a = Math.max(from, fit.t0), b = Math.min(to, fit.t1);
  const left = fit.hz.map((f) => windowedTonePower(y, a, b, f, rate));
  return {
    keyDbm0: [floor(fit.keyPower[0]), floor(fit.keyPower[1])],
    residualDbm0: [floor(left[0]), floor(left[1])],
    t0: fit.t0, t1: fit.t1, hz: fit.hz,
  };
}

/** Width of the stop bands cut into comfort noise around each DTMF frequency (−3 dB), Hz. */
const NOISE_STOP_BAND_HZ = 100;
/** Noise generated before the span and dropped, so the band-stop filters have settled, ms. */
const NOISE_PREROLL_MS = 50;

/**
 * White noise of RMS `rms` (before filtering) with a stop band of NOISE_STOP_BAND_HZ cut around
 * each of the eight DTMF frequencies (a cascade of biquad notches, pole radius 1 − π·B/rate):
 * comfort noise that holds nothing a DTMF detector, or the residual measurement, could take
 * for a tone.
 */
export function comfortNoise(y: Float64Array, from: number, to: number, rms: number, seed: number, rate: number): void {
  const gaussian = seededGaussian(seed);
  const preroll = Math.round((NOISE_PREROLL_MS * rate) / 1000);
  const r = 1 - (Math.PI * NOISE_STOP_BAND_HZ) / rate;
  const k = ALL_DTMF_HZ.map((f) => 2 * Math.cos((2 * Math.PI * f) / rate));
  const x1 = new Float64Array(k.length), x2 = new Float64Array(k.length), y1 = new Float64Array(k.length), y2 = new Float64Array(k.length);
  for (let n = from - preroll; n < to; n++) {
    let v = rms * gaussian();
    for (let j = 0; j < k.length; j++) {
      const out = v - k[j] * x1[j] + x2[j] + r * k[j] * y1[j] - r * r * y2[j];
      x2[j] = x1[j]; x1[j] = v; y2[j] = y1[j]; y1[j] = out;
      v = out;
    }
    if (n >= from) y[n] = v;
  }
}

/** Removes the least-squares components at all eight DTMF frequencies from y[from, to), piece by piece. */
export function projectOutDtmf(y: Float64Array, from: number, to: number, rate: number): void {
  const piece = Math.max(1, Math.round(PROJECTION_PIECE_S * rate));
  for (let a = from; a < to; a += piece) {
    const b = Math.min(to, a + piece);
    addModel(y, a, b, fitSinusoids(y, a, b, ALL_DTMF_HZ, rate, a), rate, -1);
  }
}

/** Block length for the surrounding level, ms: about a syllable's sub-part, so the median tracks the background. */
const LEVEL_BLOCK_MS = 10;

/**
 * The surrounding level for comfort noise: the median mean square of 10 ms blocks of the given
 * stretches (audio before and after the span, other spans left out), as an RMS. The median
 * follows the background between words rather than the loudest syllable.
 */
export function surroundingRms(x: Float64Array, stretches: readonly [number, number][], rate: number): number {
  const block = Math.max(1, Math.round((LEVEL_BLOCK_MS * rate) / 1000));
  const powers: number[] = [];
  for (const [a, b] of stretches) for (let n = a; n + block <= b; n += block) powers.push(meanSquare(x, n, n + block));
  if (powers.length === 0) return 0;
  powers.sort((p, q) => p - q);
  return Math.sqrt(powers[powers.length >> 1]);
}
