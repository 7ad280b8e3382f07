/**
 * Resampling by any rational ratio, for file rates above 48 kHz that no integer factor brings
 * into [MIN_DECIMATED_RATE, 48 kHz] (48,001 Hz, 376,094 Hz, a damaged header's odd rate…).
 *
 * The output is always RESAMPLED_RATE (48 kHz). Output sample k is centred on input position
 * k · inRate / outRate (kept as an exact integer and a remainder, so it never drifts however
 * long the file) and computed with a windowed-sinc low-pass evaluated at that fractional
 * position: PHASES tables of the kernel, linearly interpolated between the two nearest.
 *
 * The kernel's length depends only on inRate / outRate (the transition band is always
 * outRate − 8 kHz wide), never on how the rates factorise, and inRate is capped by
 * MAX_FILE_SAMPLE_RATE, so the filter has at most ~110 taps and the cost per output sample is
 * bounded: 376,094 Hz costs what 376,000 Hz does.
 */
import { BAND_EDGE_HZ, BLACKMAN_TRANSITION } from "./decimate.js";

/** The rate this resampler delivers, Hz: the detector's highest. */
export const RESAMPLED_RATE = 48_000;
/**
 * Fractional positions tabulated per input sample. Linear interpolation between tables leaves
 * an error of about (π·4 kHz / (PHASES·inRate))² relative: below −100 dB for any input rate.
 */
const PHASES = 256;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * The kernel tables: row p (0…PHASES) holds the N + 1 coefficients for an output at fractional
 * position p / PHASES past an input sample; each row sums to 1 (unit gain at DC).
 */
function designTables(inRate: number, outRate: number): { table: Float32Array; taps: number; middle: number } {
  const transition = (outRate - 2 * BAND_EDGE_HZ) / inRate;
  const n = Math.ceil(BLACKMAN_TRANSITION / transition) | 1;
  const middle = (n - 1) / 2;
  const cutoff = outRate / 2 / inRate;
  const taps = n + 1;
  const table = new Float32Array((PHASES + 1) * taps);
  const row = new Float64Array(taps);
  for (let p = 0; p <= PHASES; p++) {
    const frac = p / PHASES;
    let sum = 0;
    for (let j = 0; j < taps; j++) {
      const t = j - middle - frac; // distance from the output position, input samples
      let v = 0;
      if (t >= -middle && t <= middle) {
        const sinc = t === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * t) / (Math.PI * t);
        const u = (t + middle) / (n - 1); // 0…1 across the window
        v = sinc * (0.42 - 0.5 * Math.cos(2 * Math.PI * u) + 0.08 * Math.cos(4 * Math.PI * u));
      }
      row[j] = v;
      sum += v;
    }
    for (let j = 0; j < taps; j++) table[p * taps + j] = row[j] / sum;
  }
  return { table, taps, middle };
}

/**
 * One channel's resampler, with the Decimator's contract: push() returns the outputs its input
 * completes, flush() the rest (input after the end taken as 0), and any split of the input
 * gives the same output.
 */
export class Resampler {
  readonly outRate: number;
  private readonly table: Float32Array;
  private readonly taps: number;
  private readonly middle: number;
  /** Output positions advance by step / den input samples: whole part and remainder. */
  private readonly whole: number;
  private readonly remainder: number;
  private readonly den: number;
  /** Next output's position: input index and remainder (position = index + rem / den). */
  private index = 0;
  private rem = 0;
  private work: Float32Array;
  /** Absolute input index of work[0] (negative at first: the zeros before the stream). */
  private workStart: number;
  private workLength: number;
  private inputs = 0;
  private out: Float32Array;

  constructor(readonly inRate: number, maxChunk: number, outRate = RESAMPLED_RATE) {
    this.outRate = outRate;
    ({ table: this.table, taps: this.taps, middle: this.middle } = designTables(inRate, outRate));
    const g = gcd(inRate, outRate);
    this.den = outRate / g;
    const num = inRate / g;
    this.whole = Math.floor(num / this.den);
    this.remainder = num % this.den;
    this.work = new Float32Array(this.taps + maxChunk + 2);
    this.workStart = -this.middle;
    this.workLength = this.middle;
    this.out = new Float32Array(Math.ceil(((maxChunk + this.taps) * outRate) / inRate) + 2);
  }

  /** Feeds input samples; returns the output samples they complete (reused by the next call). */
  push(input: Float32Array): Float32Array {
    this.compact();
    this.ensure(this.workLength + input.length);
    this.work.set(input, this.workLength);
    this.workLength += input.length;
    this.inputs += input.length;
    return this.produce(false);
  }

  /** End of stream: the outputs centred before the last input that needed samples past it. */
  flush(): Float32Array {
    this.compact();
    const zeros = this.taps + 1;
    this.ensure(this.workLength + zeros);
    this.work.fill(0, this.workLength, this.workLength + zeros);
    this.workLength += zeros;
    return this.produce(true);
  }

  private produce(end: boolean): Float32Array {
    const { table, taps, middle, work, den } = this;
    const available = this.workStart + this.workLength; // absolute index past the last sample held
    let count = 0;
    for (;;) {
      if (end ? this.index >= this.inputs : this.index + middle + 1 >= available) break;
      const phase = (this.rem * PHASES) / den;
      const p = Math.floor(phase);
      const w = phase - p;
      const a = p * taps;
      const b = Math.min(p + 1, PHASES) * taps;
      const from = this.index - middle - this.workStart;
      let acc = 0;
      for (let j = 0; j < taps; j++) {
        const ha = table[a + j];
        acc += (ha + w * (table[b + j] - ha)) * work[from + j];
      }
      if (count === this.out.length) {
        const bigger = new Float32Array(count * 2);
        bigger.set(this.out);
        this.out = bigger;
      }
      this.out[count++] = acc;
      this.index += this.whole;
      this.rem += this.remainder;
      if (this.rem >= den) { this.rem -= den; this.index++; }
    }
    return this.out.subarray(0, count);
  }

  /** Drops inputs no future output needs. */
  private compact(): void {
    const keepFrom = this.index - this.middle - this.workStart;
    if (keepFrom <= 0) return;
    const drop = Math.min(keepFrom, this.workLength);
    this.work.copyWithin(0, drop, this.workLength);
    this.workLength -= drop;
    this.workStart += drop;
  }

  private ensure(length: number): void {
    if (length <= this.work.length) return;
    const bigger = new Float32Array(Math.max(length, this.work.length * 2));
    bigger.set(this.work.subarray(0, this.workLength));
    this.work = bigger;
  }
}
