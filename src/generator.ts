/**
 * DTMF synthesis with exact levels, for tests, the bench and `dtmf-wasm generate`.
 * Levels are per tone in dBm0 (levels.ts); twist is high group minus low group, dB (Q.24's
 * accept range is −8 … +4); frequency errors are percent of nominal; noise is white Gaussian
 * with its S/N defined, as in Q.24, over 0-4 kHz against the combined power of both tones.
 * The output is deterministic for a given seed.
 */
import { DtmfOptionError } from "./errors.js";
import { type DtmfDigit, isDigit, keyFrequencies } from "./keys.js";
import { linearToAlaw, linearToUlaw } from "./g711.js";
import { type Encoding, MAX_SAMPLE_RATE, MIN_SAMPLE_RATE, checkNumber, rejectUnknown } from "./options.js";
import { FULL_SCALE_16, dbm0ToPower, sineAmplitude } from "./levels.js";

/** One key press; fields left out take the GenerateOptions value. */
export interface ToneSpec {
  digit: string;
  durationMs?: number;
  /** Silence after this tone, ms. */
  gapMs?: number;
  levelDbm0?: number;
  twistDb?: number;
  lowErrorPct?: number;
  highErrorPct?: number;
  /** Silences inside the tone: [offset from tone start, length] in ms. */
  dropouts?: [number, number][];
}

export interface GenerateOptions {
  /** Keys to send: a string like "123#" or a list of tone specs. */
  keys: string | ToneSpec[];
  sampleRate?: number;
  /** Tone length, ms. Default 100. */
  toneMs?: number;
  /** Silence between tones, ms. Default 100. */
  gapMs?: number;
  /** Silence before the first tone, ms. Default 100. */
  leadMs?: number;
  /** Silence after the last tone, ms. Default 100. */
  tailMs?: number;
  /** Low-group level per tone, dBm0. Default −10. */
  levelDbm0?: number;
  /** High-group level minus low-group level, dB. Default 0. */
  twistDb?: number;
  /** Frequency errors, percent of nominal. Default 0. */
  lowErrorPct?: number;
  highErrorPct?: number;
  /** White noise S/N in dB over 0-4 kHz against the combined tone power (absent: no noise). */
  snrDb?: number;
  /** Continuous extra tones (dial tone 350+440 Hz, a 1 kHz test tone…), per tone dBm0. */
  interference?: { hz: number; levelDbm0: number }[];
  /** Seed of the noise and of the tones' random start phases. Default 1. */
  seed?: number;
}

export interface GeneratedTone {
  digit: DtmfDigit;
  startSample: number;
  durationSamples: number;
  startMs: number;
  durationMs: number;
}

export interface GeneratedAudio {
  sampleRate: number;
  /** Samples, full scale = 1 (not clipped: encodeSamples clips). */
  samples: Float32Array;
  /** Where each key press really is. */
  tones: GeneratedTone[];
}

const KNOWN = new Set(["keys", "sampleRate", "toneMs", "gapMs", "leadMs", "tailMs", "levelDbm0", "twistDb",
  "lowErrorPct", "highErrorPct", "snrDb", "interference", "seed"]);
/** Bandwidth (Hz) over which the S/N is defined: the 0-4 kHz telephone band. */
const SNR_BAND_HZ = 4000;

/** Deterministic uniform numbers in [0, 1) (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Deterministic standard normal numbers (Box-Muller over seededRandom). */
export function seededGaussian(seed: number): () => number {
  const uniform = seededRandom(seed);
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** Audio made a block at a time (generateDtmfStream): the layout first, then the samples. */
export interface GeneratedStream {
  sampleRate: number;
  /** Samples in all. */
  totalSamples: number;
  /** Where each key press really is. */
  tones: GeneratedTone[];
  /**
   * The samples in order, `blockSamples` at a time (the last block may be shorter); full scale
   * = 1, not clipped. One pass: the noise is drawn as the blocks are made.
   */
  blocks(): Generator<Float32Array>;
}

/** The whole signal in memory: `generateDtmfStream` rendered into one buffer (the same samples, bit for bit). */
export function generateDtmf(options: GenerateOptions): GeneratedAudio {
  const stream = generateDtmfStream(options, 1 << 16);
  const samples = new Float32Array(stream.totalSamples);
  let at = 0;
  for (const block of stream.blocks()) { samples.set(block, at); at += block.length; }
  return { sampleRate: stream.sampleRate, samples, tones: stream.tones };
}

/**
 * The same signal as generateDtmf, made `blockSamples` at a time, so that an hour of audio
 * needs one block of memory, not the hour (`dtmf-wasm generate` streams its WAV this way).
 * Options are checked, and the random phases drawn, before the first block.
 */
export function generateDtmfStream(options: GenerateOptions, blockSamples = 8192): GeneratedStream {
  if (options === null || typeof options !== "object") throw new DtmfOptionError("options", "an object", options);
  checkNumber("blockSamples", blockSamples, 1, 1 << 24, true);
  rejectUnknown(options, KNOWN, "generator");
  const rate = checkNumber("sampleRate", options.sampleRate ?? 8000, MIN_SAMPLE_RATE, MAX_SAMPLE_RATE * 4, true);
  const toneMs = checkNumber("toneMs", options.toneMs ?? 100, 0, 3_600_000);
  const gapMs = checkNumber("gapMs", options.gapMs ?? 100, 0, 3_600_000);
  const leadMs = checkNumber("leadMs", options.leadMs ?? 100, 0, 3_600_000);
  const tailMs = checkNumber("tailMs", options.tailMs ?? 100, 0, 3_600_000);
  const level = checkNumber("levelDbm0", options.levelDbm0 ?? -10, -120, 10);
  const twist = checkNumber("twistDb", options.twistDb ?? 0, -40, 40);
  const lowErr = checkNumber("lowErrorPct", options.lowErrorPct ?? 0, -20, 20);
  const highErr = checkNumber("highErrorPct", options.highErrorPct ?? 0, -20, 20);
  const seed = checkNumber("seed", options.seed ?? 1, 0, 2 ** 32 - 1, true);
  const specs: ToneSpec[] = typeof options.keys === "string" ? [...options.keys].map((digit) => ({ digit })) : options.keys;
  if (!Array.isArray(specs)) throw new DtmfOptionError("keys", "a string of keys or an array of tone specs", options.keys);
  const random = seededRandom(seed);
  const samplesOf = (ms: number) => Math.round((ms * rate) / 1000);

  // Lay the tones out first: where each is, and its random phases, in the order they are drawn.
  const plan = specs.map((spec, i) => {
    const digit = String(spec.digit).toUpperCase();
    if (!isDigit(digit)) throw new DtmfOptionError(`keys[${i}].digit`, "one of 0-9, A-D, *, #", spec.digit);
    return {
      digit, duration: samplesOf(checkNumber(`keys[${i}].durationMs`, spec.durationMs ?? toneMs, 0, 3_600_000)),
      gap: samplesOf(checkNumber(`keys[${i}].gapMs`, spec.gapMs ?? gapMs, 0, 3_600_000)),
      level: spec.levelDbm0 ?? level, twist: spec.twistDb ?? twist,
      lowErr: spec.lowErrorPct ?? lowErr, highErr: spec.highErrorPct ?? highErr, dropouts: spec.dropouts ?? [],
    };
  });
  let total = samplesOf(leadMs) + samplesOf(tailMs);
  plan.forEach((p, i) => { total += p.duration + (i < plan.length - 1 ? p.gap : 0); });
  const tones: GeneratedTone[] = [];
  const placed: { at: number; duration: number; wLow: number; wHigh: number; aLow: number; aHigh: number; phLow: number; phHigh: number; silent: [number, number][] }[] = [];
  let at = samplesOf(leadMs);
  plan.forEach((p, i) => {
    const { lowHz, highHz } = keyFrequencies(p.digit);
    const phLow = 2 * Math.PI * random();
    const phHigh = 2 * Math.PI * random();
    placed.push({
      at, duration: p.duration, phLow, phHigh,
      wLow: (2 * Math.PI * lowHz * (1 + p.lowErr / 100)) / rate, wHigh: (2 * Math.PI * highHz * (1 + p.highErr / 100)) / rate,
      aLow: sineAmplitude(p.level), aHigh: sineAmplitude(p.level + p.twist),
      silent: p.dropouts.map(([offsetMs, lengthMs]) => [samplesOf(offsetMs), samplesOf(offsetMs + lengthMs)] as [number, number]),
    });
    tones.push({ digit: p.digit, startSample: at, durationSamples: p.duration, startMs: (at * 1000) / rate, durationMs: (p.duration * 1000) / rate });
    at += p.duration + (i < plan.length - 1 ? p.gap : 0);
  });
  const steady = (options.interference ?? []).map((tone, i) => {
    checkNumber(`interference[${i}].hz`, tone.hz, 0, rate / 2);
    const amplitude = sineAmplitude(checkNumber(`interference[${i}].levelDbm0`, tone.levelDbm0, -120, 10));
    return { amplitude, w: (2 * Math.PI * tone.hz) / rate, phase: 2 * Math.PI * random() };
  });
  let sigma = 0;
  if (options.snrDb !== undefined) {
    const snr = checkNumber("snrDb", options.snrDb, -30, 100);
    const tonePower = dbm0ToPower(level) + dbm0ToPower(level + twist);
    // White noise spreads over 0..rate/2; scale it so the 0-4 kHz part has the asked S/N.
    sigma = Math.sqrt(tonePower * 10 ** (-snr / 10) * (rate / 2 / SNR_BAND_HZ));
  }
  const noisy = options.snrDb !== undefined;

  function* blocks(): Generator<Float32Array> {
    // Each sample takes the same f32 steps as ever: the tone pair, then each steady tone, then
    // the noise, so the blocks are bit for bit the samples of one whole buffer.
    const gaussian = seededGaussian(seed ^ 0x9e3779b9);
    for (let from = 0; from < total; from += blockSamples) {
      const to = Math.min(total, from + blockSamples);
      const out = new Float32Array(to - from);
      for (const t of placed) {
        const start = Math.max(from, t.at), end = Math.min(to, t.at + t.duration);
        for (let m = start; m < end; m++) {
          const n = m - t.at;
          if (!t.silent.some(([s0, s1]) => n >= s0 && n < s1)) out[m - from] = t.aLow * Math.sin(t.wLow * n + t.phLow) + t.aHigh * Math.sin(t.wHigh * n + t.phHigh);
        }
      }
      for (const { amplitude, w, phase } of steady) for (let n = from; n < to; n++) out[n - from] += amplitude * Math.sin(w * n + phase);
      if (noisy) for (let n = from; n < to; n++) out[n - from] += sigma * gaussian();
      yield out;
    }
  }
  return { sampleRate: rate, totalSamples: total, tones, blocks };
}

/** Samples (full scale = 1) in an encoding the detector takes; out-of-range samples clip. */
export function encodeSamples(samples: Float32Array, encoding: "pcm16"): Int16Array;
export function encodeSamples(samples: Float32Array, encoding: "float32"): Float32Array;
export function encodeSamples(samples: Float32Array, encoding: "mulaw" | "alaw"): Uint8Array;
export function encodeSamples(samples: Float32Array, encoding: Encoding): Int16Array | Float32Array | Uint8Array;
export function encodeSamples(samples: Float32Array, encoding: Encoding): Int16Array | Float32Array | Uint8Array {
  const pcm = (x: number) => Math.max(-FULL_SCALE_16, Math.min(FULL_SCALE_16 - 1, Math.round(x * FULL_SCALE_16)));
  switch (encoding) {
    case "float32": return Float32Array.from(samples, (x) => Math.max(-1, Math.min(1, x)));
    case "pcm16": return Int16Array.from(samples, pcm);
    case "mulaw": return Uint8Array.from(samples, (x) => linearToUlaw(pcm(x)));
    case "alaw": return Uint8Array.from(samples, (x) => linearToAlaw(pcm(x)));
    default: throw new DtmfOptionError("encoding", "one of pcm16, float32, mulaw, alaw", encoding);
  }
}
