/**
 * Rates above the detector's 48 kHz (88.2, 96, 176.4, 192 kHz…) are brought down by an integer
 * factor with a linear-phase low-pass FIR, applied without delay (each output sample is centred
 * on its input sample), so onsets keep their media time.
 *
 * DTMF and everything the detector looks at lies below 4 kHz, so the filter only has to keep
 * 0-4 kHz flat and stop what would alias into it: frequencies from (output rate − 4 kHz) up.
 * With the output rate ≥ 24 kHz that leaves a wide transition band and a short filter.
 */
import { MAX_SAMPLE_RATE, MIN_SAMPLE_RATE } from "../options.js";

/** Top of the band the detector uses, Hz (the 8 kHz telephone band). */
export const BAND_EDGE_HZ = 4000;
/** Blackman window: transition width ≈ 5.5 / taps of the sample rate, stop band ≈ −74 dB. */
export const BLACKMAN_TRANSITION = 5.5;
/**
 * Highest file sample rate read, Hz: 768 kHz, the top rate of current audio interfaces. Above
 * it a header is taken as damaged and refused ("unsupported-rate"); up to it every rate is
 * read (integer decimation, or resample.ts), with a filter of at most ~270 taps.
 */
export const MAX_FILE_SAMPLE_RATE = 768_000;
/**
 * Lowest rate integer decimation may produce, Hz. Keeping the output ≥ 24 kHz keeps the
 * transition band ≥ 16 kHz wide, so the filter stays short (its length is 5.5 × rate /
 * transition); rates no factor brings into [24, 48] kHz are resampled to 48 kHz instead.
 */
export const MIN_DECIMATED_RATE = 24_000;

/** How a file rate reaches the detector. */
export type RatePlan =
  | { kind: "none" }
  | { kind: "decimate"; factor: number }
  | { kind: "resample" };

/**
 * The conversion for a file at `rate` Hz, or undefined when it is refused (below the
 * detector's minimum or above MAX_FILE_SAMPLE_RATE).
 */
export function planRate(rate: number): RatePlan | undefined {
  if (!Number.isFinite(rate) || rate < MIN_SAMPLE_RATE || rate > MAX_FILE_SAMPLE_RATE) return undefined;
  if (rate <= MAX_SAMPLE_RATE) return { kind: "none" };
  const factor = decimationFactor(rate);
  return factor === undefined ? { kind: "resample" } : { kind: "decimate", factor };
}

/**
 * The integer factor that brings `rate` into [MIN_DECIMATED_RATE, MAX_SAMPLE_RATE] (1 for rates
 * already ≤ 48 kHz), or undefined if none does (those rates are resampled).
 */
export function decimationFactor(rate: number): number | undefined {
  if (rate <= MAX_SAMPLE_RATE) return 1;
  for (let factor = Math.ceil(rate / MAX_SAMPLE_RATE); rate / factor >= MIN_DECIMATED_RATE; factor++) {
    if (rate % factor === 0) return factor;
  }
  return undefined;
}

/** A windowed-sinc low-pass for decimating `rate` by `factor`: odd length, unit gain at DC. */
export function designLowPass(rate: number, factor: number): Float32Array {
  const outRate = rate / factor;
  const transition = (outRate - 2 * BAND_EDGE_HZ) / rate;
  const taps = (Math.ceil(BLACKMAN_TRANSITION / transition) | 1);
  const cutoff = outRate / 2 / rate; // cycles per input sample, midway through the transition band
  const middle = (taps - 1) / 2;
  const h = new Float64Array(taps);
  let sum = 0;
  for (let n = 0; n < taps; n++) {
    const x = n - middle;
    const sinc = x === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * x) / (Math.PI * x);
    const w = 0.42 - 0.5 * Math.cos((2 * Math.PI * n) / (taps - 1)) + 0.08 * Math.cos((4 * Math.PI * n) / (taps - 1));
    h[n] = sinc * w;
    sum += h[n];
  }
  return Float32Array.from(h, (v) => v / sum);
}

/**
 * One channel's decimator. Output sample k is Σ h[j]·x[k·factor + j − middle], with x = 0
 * before the first and after the last input sample; push() returns what can be computed so far
 * and flush() the rest, so any split of the input gives the same output.
 */
export class Decimator {
  private readonly h: Float32Array;
  private readonly middle: number;
  /** Inputs still needed: from the first input of the next output on. */
  private work: Float32Array;
  /** Absolute index of work[0] (negative at first: the zeros before the stream). */
  private workStart: number;
  private workLength: number;
  private nextOutput = 0;
  private inputs = 0;
  private out: Float32Array;

  constructor(readonly factor: number, h: Float32Array, maxChunk: number) {
    this.h = h;
    this.middle = (h.length - 1) / 2;
    this.work = new Float32Array(h.length + maxChunk + factor);
    this.workStart = -this.middle;
    this.workLength = this.middle;
    this.out = new Float32Array(Math.ceil((maxChunk + h.length) / factor) + 1);
  }

  /** Feeds input samples; returns the output samples they complete (reused by the next call). */
  push(input: Float32Array): Float32Array {
    this.compact();
    if (this.workLength + input.length > this.work.length) this.grow(this.workLength + input.length);
    this.work.set(input, this.workLength);
    this.workLength += input.length;
    this.inputs += input.length;
    return this.produce(this.inputs);
  }

  /** End of stream: the outputs that needed samples past the end (taken as 0). */
  flush(): Float32Array {
    this.compact();
    const zeros = this.middle + this.factor;
    if (this.workLength + zeros > this.work.length) this.grow(this.workLength + zeros);
    this.work.fill(0, this.workLength, this.workLength + zeros);
    this.workLength += zeros;
    const last = Math.ceil(this.inputs / this.factor);
    return this.produce(this.inputs, last);
  }

  /** Computes outputs whose inputs are all present (and, at the end, up to `last`). */
  private produce(available: number, last?: number): Float32Array {
    const { h, factor, middle, work } = this;
    const taps = h.length;
    let count = 0;
    for (;;) {
      const k = this.nextOutput;
      if (last === undefined ? k * factor + middle >= available : k >= last) break;
      const from = k * factor - middle - this.workStart;
      let acc = 0;
      for (let j = 0; j < taps; j++) acc += h[j] * work[from + j];
      if (count === this.out.length) this.out = growTo(this.out, count * 2);
      this.out[count++] = acc;
      this.nextOutput++;
    }
    return this.out.subarray(0, count);
  }

  /** Drops inputs no future output needs. */
  private compact(): void {
    const keepFrom = this.nextOutput * this.factor - this.middle - this.workStart;
    if (keepFrom <= 0) return;
    const drop = Math.min(keepFrom, this.workLength);
    this.work.copyWithin(0, drop, this.workLength);
    this.workLength -= drop;
    this.workStart += drop;
  }

  private grow(length: number): void {
    this.work = growTo(this.work, length);
  }
}

function growTo(array: Float32Array, length: number): Float32Array {
  const bigger = new Float32Array(Math.max(length, array.length * 2));
  bigger.set(array);
  return bigger;
}
