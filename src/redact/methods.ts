/**
 * The four ways a span is redacted, on float samples (full scale 1):
 *
 * | method  | what replaces the span                                   | speech under the key |
 * |---------|----------------------------------------------------------|----------------------|
 * | silence | digital silence                                          | removed              |
 * | noise   | white noise at the surrounding level, with 100 Hz stop bands at the 8 DTMF frequencies | removed |
 * | notch   | the input minus the key's two tones, fitted by least squares (frequency, amplitude, phase, exact onset and end) | kept |
 * | tone    | a 440 Hz masking tone at −20 dBm0 (or 10 dB under the key) with 4 ms raised-cosine ramps | removed |
 *
 * Every method also measures each key (its tones' power, fitted on the input) and what is
 * left of it (the windowed power at its two frequencies in the output) for the audit.
 */
import { seededGaussian } from "../generator.js";
import { COL_HZ, ROW_HZ } from "../keys.js";
import { dbm0ToPower, powerToDbm0, sineAmplitude } from "../levels.js";
import type { FoundKey } from "./spans.js";
import { CLIP_LEVEL, addModel, fitErrorPower, fitSinusoids, fitSinusoidsRobust, meanSquare, refineEdges, refineFrequencies, sinusoidPower, windowedTonePower } from "./tones.js";

export const METHODS = ["silence", "noise", "notch", "tone"] as const;
export type RedactMethod = (typeof METHODS)[number];
/**
 * The default: silence, the one method that meets every target of the redaction bench in every
 * codec, file and live (no key left for any detector, nothing measurable left of the tones).
 * notch keeps the speech but can leave a key readable under loud speech (README, Redaction).
 */
export const DEFAULT_METHOD: RedactMethod = "silence";

export const NOTCH_FALLBACKS = ["noise", "silence", "tone", "none"] as const;
export type NotchFallback = (typeof NOTCH_FALLBACKS)[number];
/** Comfort noise: of the methods that replace a span, the one that sounds least like a gap in the speech it replaces. */
export const DEFAULT_NOTCH_FALLBACK: NotchFallback = "noise";

/** The masking tone: 440 Hz lies 257 Hz below the lowest DTMF frequency, far from every pair. */
export const MASK_TONE_HZ = 440;
/** Its level, dBm0: clearly audible as a marker, below a key's usual −10…−5 dBm0 per tone. */
export const MASK_TONE_DBM0 = -20;
/** The masking tone stays at least this far under the key it replaces, dB. */
const MASK_UNDER_KEY_DB = 10;
/** Raised-cosine ramps of the masking tone, ms: no click, so no broadband splatter over the DTMF band. */
const MASK_RAMP_MS = 4;
/** How far the notch looks for the true onset and end around the detector's, ms (its max error 2.3 / 3.4 ms, and some). */
export const EDGE_SEARCH_MS = 5;
/** The notch fits a key's tones away from its edges by this much first, ms (then finds the exact edges). */
const FIT_MARGIN_MS = 3;
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
   * Live, while the key is still down: the region index up to which its tone is surely there.
   * The detector ends a press once the tone has been gone for gapMs (plus up to a hop), so a key
   * still open at the newest sample had its tone until at least gapMs + a hop before it; the
   * delay (40 ms) is longer, so every sample being sent lies before this point.
   */
  sureEnd?: number;
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
  /** The span's comfort noise so far (live: each piece continues it); made from noiseRms and seed when absent. */
  noise?: ComfortNoise;
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
  /**
   * notch only: the expected power of the fit's error at each tone, dBm0 (tones.ts
   * fitErrorPower): what the notch may have left of the key, however well it subtracted.
   */
  uncertaintyDbm0?: [number, number];
  /**
   * notch only: the power of everything the notch left over the key's tone, dBm0. Far under the
   * key it is nothing but the key's residue (no other sound was there to keep), which a
   * detector with no level floor still reads in digital silence.
   */
  leftDbm0?: number;
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
  // Only the notch needs the tones fitted; the others take the detector's measurements.
  const fits = job.keys.map((k) => (method === "notch" ? fitKey(x, k, job) : measuredKey(k, job)));
  switch (method) {
    case "silence":
      y.fill(0, from, to);
      break;
    case "noise":
      // Live, the span's generator continues from the piece before (job.noise); else one for this span.
      (job.noise ?? new ComfortNoise(job.noiseRms, job.seed, rate)).fill(y, from, to);
      break;
    case "tone": {
      // −20 dBm0, or 10 dB under the key's louder tone if that is lower: G.711 adds quantisation
      // noise about 38 dB under whatever it carries, and under a loud marker that noise would
      // hold more power at a faint key's frequencies than the 40 dB the key must lose.
      const loudest = Math.max(...job.keys.map((k) => Math.max(k.key.lowDbm0, k.key.highDbm0)));
      const amplitude = sineAmplitude(Math.min(MASK_TONE_DBM0, Number.isFinite(loudest) ? loudest - MASK_UNDER_KEY_DB : MASK_TONE_DBM0));
      const w = (2 * Math.PI * MASK_TONE_HZ) / rate;
      const ramp = Math.max(1, Math.round((MASK_RAMP_MS * rate) / 1000));
      for (let n = from; n < to; n++) {
        const i = n - from + job.offsetInSpan;
        const left = job.spanLength === undefined ? Number.POSITIVE_INFINITY : job.spanLength - 1 - i;
        const edge = Math.min(i, left);
        const gain = edge >= ramp ? 1 : 0.5 - 0.5 * Math.cos((Math.PI * edge) / ramp);
        y[n] = amplitude * gain * Math.sin(w * i);
      }
      break;
    }
    case "notch":
      for (const fit of fits) {
        const a = Math.max(from, fit.t0), b = Math.min(to, fit.t1);
        if (fit.model && b > a) {
          addModel(y, a, b, fit.model, rate, -1);
          declip(x, y, a, b, job.hi ?? to);
        }
      }
      break;
  }
  return fits.map((fit) => measure(y, fit, rate, from, to, method === "notch" ? x : undefined));
}

/**
 * Clipped samples in a key (|x| ≥ CLIP_LEVEL, tones.ts): the key and the speech added beyond full
 * scale, and the sample says only that their sum reached it. There the input minus the fitted
 * tones is the clipping's error (up to the key's amplitude), not speech: a broadband residue that
 * the most sensitive detectors still read as the key. So in a key's span the speech estimate
 * over each run of clipped samples is interpolated, straight, from the samples beside the run
 * (and the fit leaves those samples out).
 */

/** y[a, b) (the notched span, x its input): each run of clipped input samples takes the line between its unclipped neighbours in y; `limit`: the end of the audio y holds. */
function declip(x: Float64Array, y: Float64Array, a: number, b: number, limit: number): void {
  for (let n = a; n < b; n++) {
    if (Math.abs(x[n]) < CLIP_LEVEL) continue;
    let end = n;
    while (end < limit && Math.abs(x[end]) >= CLIP_LEVEL) end++;
    const left = n > 0 && Math.abs(x[n - 1]) < CLIP_LEVEL ? y[n - 1] : 0;
    const right = end < limit ? y[end] : left;
    for (let m = n; m < Math.min(end, b); m++) y[m] = left + ((right - left) * (m - n + 1)) / (end - n + 1);
    n = end;
  }
}

interface KeyFit {
  t0: number;
  t1: number;
  hz: [number, number];
  keyPower: [number, number];
  model: ReturnType<typeof fitSinusoids> | undefined;
  /** Live, key still down: the end of the stretch the tones are surely in (the fit's error is estimated up to it). */
  sureTo?: number;
}

/** A key as the detector measured it (frequencies, levels, edges), for the audit of the methods that replace a span. */
function measuredKey(k: KeyJob, job: SpanJob): KeyFit {
  const from = job.lo ?? job.from, to = job.hi ?? job.to;
  return {
    t0: Math.max(from, k.t0), t1: Math.min(to, k.t1), hz: [k.key.lowHz, k.key.highHz],
    keyPower: [dbm0ToPower(k.key.lowDbm0), dbm0ToPower(k.key.highDbm0)], model: undefined,
  };
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
  let hz = refineFrequencies(x, inner0, inner1, [k.key.lowHz, k.key.highHz], rate, k.key.hzMeasured) as [number, number];
  let model = fitSinusoids(x, inner0, inner1, hz, rate, inner0);
  if (k.sureEnd !== undefined) {
    // Still down: fit on the part surely in the tone, subtract up to the newest sample.
    const sure = Math.max(Math.min(inner0 + 4, t1), Math.min(k.sureEnd, t1));
    hz = refineFrequencies(x, inner0, sure, [k.key.lowHz, k.key.highHz], rate) as [number, number];
    model = fitSinusoids(x, inner0, sure, hz, rate, inner0);
    [t0] = refineEdges(x, t0, sure, model, rate, k.startInside ? search : 0, from, sure);
    if (!k.startInside) t0 = Math.max(from, k.t0);
    if (sure - t0 >= 4) model = fitSinusoidsRobust(x, t0, sure, hz, rate, t0);
    return { t0, t1, hz, keyPower: [sinusoidPower(model.tones[0]), sinusoidPower(model.tones[1])], model, sureTo: sure };
  }
  [t0, t1] = refineEdges(x, k.startInside ? t0 : inner0, k.endInside ? t1 : inner1, model, rate, search, from, to);
  if (!k.startInside) t0 = Math.max(from, k.t0);
  if (!k.endInside) t1 = Math.min(to, k.t1);
  if (t1 - t0 >= 4) model = fitSinusoidsRobust(x, t0, t1, hz, rate, t0);
  return { t0, t1, hz, keyPower: [sinusoidPower(model.tones[0]), sinusoidPower(model.tones[1])], model };
}

/** `input`: for the notch, the input the tones were fitted on (its fit error is estimated over the whole fitted stretch, not only the piece written). */
function measure(y: Float64Array, fit: KeyFit, rate: number, from: number, to: number, input?: Float64Array): KeyMeasure {
  const floor = (p: number) => Math.max(RESIDUAL_FLOOR_DBM0, p > 0 ? powerToDbm0(p) : RESIDUAL_FLOOR_DBM0);
  const a = Math.max(from, fit.t0), b = Math.min(to, fit.t1);
  const left = fit.hz.map((f) => windowedTonePower(y, a, b, f, rate));
  const m: KeyMeasure = {
    keyDbm0: [floor(fit.keyPower[0]), floor(fit.keyPower[1])],
    residualDbm0: [floor(left[0]), floor(left[1])],
    t0: fit.t0, t1: fit.t1, hz: fit.hz,
  };
  const errorTo = Math.min(fit.t1, fit.sureTo ?? fit.t1);
  if (input && fit.model && errorTo > fit.t0) {
    const rest = Float64Array.from(input.subarray(fit.t0, errorTo));
    addModel(rest, 0, rest.length, { origin: fit.model.origin - fit.t0, tones: fit.model.tones }, rate, -1);
    const error = fit.hz.map((f) => fitErrorPower(rest, 0, rest.length, f, rate));
    m.uncertaintyDbm0 = [floor(error[0]), floor(error[1])];
    m.leftDbm0 = floor(meanSquare(y, a, b));
  }
  return m;
}

/** The most a notch left over a key's tone against that key's power (both tones), dB, over `measures` (−Infinity when not a notch). */
export function notchLeftDb(measures: readonly KeyMeasure[]): number {
  let most = Number.NEGATIVE_INFINITY;
  for (const m of measures) if (m.leftDbm0 !== undefined) most = Math.max(most, m.leftDbm0 - powerToDbm0(dbm0ToPower(m.keyDbm0[0]) + dbm0ToPower(m.keyDbm0[1])));
  return most;
}

/** The worst tone's expected notch error against its key over `measures`, dB (−Infinity when none was estimated: not a notch). */
export function notchUncertaintyDb(measures: readonly KeyMeasure[]): number {
  let worst = Number.NEGATIVE_INFINITY;
  for (const m of measures) if (m.uncertaintyDbm0) for (let t = 0; t < 2; t++) worst = Math.max(worst, m.uncertaintyDbm0[t] - m.keyDbm0[t]);
  return worst;
}

/** Width of the stop bands cut into comfort noise around each DTMF frequency (−3 dB), Hz. */
const NOISE_STOP_BAND_HZ = 100;
/** Noise generated before the span and dropped, so the band-stop filters have settled, ms. */
const NOISE_PREROLL_MS = 50;

/**
 * White noise of RMS `rms` (before filtering) with a stop band of NOISE_STOP_BAND_HZ cut around
 * each of the eight DTMF frequencies (a cascade of biquad notches, pole radius 1 − π·B/rate):
 * comfort noise that holds nothing a DTMF detector, or the residual measurement, could take
 * for a tone. One generator makes one span's noise, piece after piece (live), as one
 * continuous signal: a join between independently made pieces would be a step, whose
 * broadband splatter fills the stop bands.
 */
export class ComfortNoise {
  private readonly gaussian: () => number;
  private readonly k: Float64Array;
  private readonly r: number;
  private readonly x1: Float64Array;
  private readonly x2: Float64Array;
  private readonly y1: Float64Array;
  private readonly y2: Float64Array;

  constructor(readonly rms: number, seed: number, rate: number) {
    this.gaussian = seededGaussian(seed);
    this.r = 1 - (Math.PI * NOISE_STOP_BAND_HZ) / rate;
    // Each DTMF frequency's notch twice over (4th order): deeper across the whole stop band.
    this.k = Float64Array.from([...ALL_DTMF_HZ, ...ALL_DTMF_HZ], (f) => 2 * Math.cos((2 * Math.PI * f) / rate));
    this.x1 = new Float64Array(this.k.length);
    this.x2 = new Float64Array(this.k.length);
    this.y1 = new Float64Array(this.k.length);
    this.y2 = new Float64Array(this.k.length);
    const preroll = new Float64Array(Math.round((NOISE_PREROLL_MS * rate) / 1000));
    this.fill(preroll, 0, preroll.length);
  }

  /** Writes the next to − from samples of the noise into y[from, to). */
  fill(y: Float64Array, from: number, to: number): void {
    const { k, r, x1, x2, y1, y2 } = this;
    for (let n = from; n < to; n++) {
      let v = this.rms * this.gaussian();
      for (let j = 0; j < k.length; j++) {
        const out = v - k[j] * x1[j] + x2[j] + r * k[j] * y1[j] - r * r * y2[j];
        x2[j] = x1[j]; x1[j] = v; y2[j] = y1[j]; y1[j] = out;
        v = out;
      }
      y[n] = v;
    }
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
