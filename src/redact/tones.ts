/**
 * Sinusoids in a stretch of audio, by least squares: the measurement behind the `notch` method
 * (estimate the key's two tones, with their frequency, amplitude and phase, and subtract
 * exactly them), the comfort noise and masking tone (project the DTMF frequencies out), and the
 * audit's residual measurement. Float64 throughout, in TypeScript: these run on the spans only
 * (a few % of a recording), never on the whole stream, which stays in the WASM detector.
 *
 * Model over samples n of [from, to): x[n] ≈ Σ_k c_k·cos(ω_k·(n − origin)) + s_k·sin(ω_k·(n − origin)),
 * ω_k = 2π·hz_k / rate. Amplitude √(c² + s²), power (c² + s²) / 2 (full scale 1, as levels.ts).
 */

/** One fitted sinusoid. */
export interface Sinusoid {
  hz: number;
  c: number;
  s: number;
}

/** A set of sinusoids fitted on the same time origin (a sample index). */
export interface ToneModel {
  origin: number;
  tones: Sinusoid[];
}

type Samples = Float64Array | Float32Array;

/** Power of one fitted sinusoid (full-scale² units: a full-scale sine has 0.5). */
export function sinusoidPower(t: Sinusoid): number {
  return (t.c * t.c + t.s * t.s) / 2;
}

/**
 * A sample this close to full scale, or beyond (|x| ≥ CLIP_LEVEL), is taken as clipped: the
 * largest μ-law value is 32124/32768 = 0.980, A-law's 32256/32768 = 0.984, 16-bit's 1 − 2⁻¹⁵.
 * The tone fit leaves such samples out, and the notch interpolates the speech over them
 * (methods.ts declip): a key at 0 dBm0 per tone clips ≈ 19 % of its samples.
 */
export const CLIP_LEVEL = 0.979;

/**
 * Least-squares amplitudes of sinusoids at `hz` over x[from, to) (clipped samples left out) (joint fit: tones that leak
 * into each other over a short stretch are separated). Returns zeros if the stretch is too
 * short to tell them apart (singular normal equations).
 */
export function fitSinusoids(x: Samples, from: number, to: number, hz: readonly number[], rate: number, origin = from): ToneModel {
  const k = hz.length;
  const m = 2 * k;
  const gram = new Float64Array(m * m);
  const rhs = new Float64Array(m);
  const basis = new Float64Array(m);
  // Rotating phasors: (cr, ci) = e^{iω(n − origin)}, advanced by one multiply per sample.
  const cr = new Float64Array(k), ci = new Float64Array(k), dr = new Float64Array(k), di = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    const w = (2 * Math.PI * hz[j]) / rate;
    cr[j] = Math.cos(w * (from - origin));
    ci[j] = Math.sin(w * (from - origin));
    dr[j] = Math.cos(w);
    di[j] = Math.sin(w);
  }
  for (let n = from; n < to; n++) {
    const v = x[n];
    for (let j = 0; j < k; j++) {
      basis[2 * j] = cr[j];
      basis[2 * j + 1] = ci[j];
      const r = cr[j] * dr[j] - ci[j] * di[j];
      ci[j] = cr[j] * di[j] + ci[j] * dr[j];
      cr[j] = r;
    }
    // A clipped sample says only that the sum reached full scale: it is no sample of the model.
    if (v >= CLIP_LEVEL || v <= -CLIP_LEVEL) continue;
    for (let a = 0; a < m; a++) {
      const ba = basis[a];
      rhs[a] += ba * v;
      for (let b = a; b < m; b++) gram[a * m + b] += ba * basis[b];
    }
  }
  for (let a = 0; a < m; a++) for (let b = 0; b < a; b++) gram[a * m + b] = gram[b * m + a];
  const solution = solve(gram, rhs, m);
  return {
    origin,
    tones: hz.map((f, j) => ({ hz: f, c: solution ? solution[2 * j] : 0, s: solution ? solution[2 * j + 1] : 0 })),
  };
}

/** Adds `sign` × the model to y[from, to) (sign −1 subtracts it). */
export function addModel(y: Float64Array, from: number, to: number, model: ToneModel, rate: number, sign = 1): void {
  for (const t of model.tones) {
    const w = (2 * Math.PI * t.hz) / rate;
    let cr = Math.cos(w * (from - model.origin)), ci = Math.sin(w * (from - model.origin));
    const dr = Math.cos(w), di = Math.sin(w);
    const c = sign * t.c, s = sign * t.s;
    for (let n = from; n < to; n++) {
      y[n] += c * cr + s * ci;
      const r = cr * dr - ci * di;
      ci = cr * di + ci * dr;
      cr = r;
    }
  }
}

/** Shortest stretch a frequency is refined on: ±1/(2·16 ms) = ±31 Hz of phase ambiguity per step. */
const REFINE_FIRST_SECONDS = 0.016;
/** Corrections are trusted up to this, Hz (the first step's unambiguous range is ±rate/length). */
const MAX_CORRECTION_HZ = 60;

/**
 * Refines the frequencies of the sinusoids present over x[from, to): the joint fit on the first
 * and the second half of a stretch gives each tone's phase twice; their difference over half
 * the stretch is the frequency error. The stretch starts at 16 ms (unambiguous for errors up to
 * ±60 Hz, more than DTMF's 3.5 % reject limit at 1633 Hz) and doubles up to the whole span, so
 * each step refines the previous one; with `known` frequencies (measured by the detector) it
 * takes the whole span at once. Returns the refined frequencies, Hz.
 */
export function refineFrequencies(x: Samples, from: number, to: number, hz: readonly number[], rate: number, known = false): number[] {
  const out = [...hz];
  const total = to - from;
  // Frequencies already measured (the detector's, to a few tenths of a hertz) need no coarse steps.
  let length = known ? total : Math.min(total, Math.round(REFINE_FIRST_SECONDS * rate));
  if (length < 8) return out;
  for (;;) {
    const half = length >> 1;
    const first = fitSinusoids(x, from, from + half, out, rate, from);
    const second = fitSinusoids(x, from + half, from + 2 * half, out, rate, from);
    for (let j = 0; j < out.length; j++) {
      const a = first.tones[j], b = second.tones[j];
      if (a.c === 0 && a.s === 0) continue;
      // c·cos θ + s·sin θ = A·cos(θ − φ), φ = atan2(s, c); a tone δ Hz above the model turns φ by −2πδ·half/rate.
      let dphi = Math.atan2(b.s, b.c) - Math.atan2(a.s, a.c);
      dphi -= 2 * Math.PI * Math.round(dphi / (2 * Math.PI));
      const delta = (-dphi * rate) / (2 * Math.PI * half);
      if (Math.abs(delta) <= MAX_CORRECTION_HZ) out[j] += delta;
    }
    if (length === total) break;
    length = Math.min(total, length * 2);
  }
  return out;
}

/**
 * Where a tone described by `model` really starts and ends near the detector's estimates
 * [t0, t1): the cut that removes the most squared error when the model is subtracted only
 * inside it. g[n] = 2·x[n]·m[n] − m[n]² is the error removed at n; the onset is the point in
 * [t0 − search, t0 + search] after which Σg is largest, the end likewise.
 */
export function refineEdges(
  x: Samples, t0: number, t1: number, model: ToneModel, rate: number, search: number, lo: number, hi: number,
): [number, number] {
  const gain = (from: number, to: number): Float64Array => {
    const m = new Float64Array(to - from);
    addModel(m, 0, to - from, { origin: model.origin - from, tones: model.tones }, rate);
    const g = new Float64Array(to - from);
    for (let i = 0; i < g.length; i++) g[i] = 2 * x[from + i] * m[i] - m[i] * m[i];
    return g;
  };
  let start = t0, end = t1;
  const a0 = Math.max(lo, t0 - search), a1 = Math.min(hi, t0 + search, t1);
  if (a1 > a0) {
    const g = gain(a0, a1);
    // best onset τ maximises Σ_{n ≥ τ} g over the window: scan from the right.
    let sum = 0, best = 0;
    start = a1;
    for (let i = g.length - 1; i >= 0; i--) {
      sum += g[i];
      if (sum > best) { best = sum; start = a0 + i; }
    }
  }
  const b0 = Math.max(lo, t1 - search, start), b1 = Math.min(hi, t1 + search);
  if (b1 > b0) {
    const g = gain(b0, b1);
    let sum = 0, best = 0;
    end = b0;
    for (let i = 0; i < g.length; i++) {
      sum += g[i];
      if (sum > best) { best = sum; end = b0 + i + 1; }
    }
  }
  return [start, Math.max(start, end)];
}

/**
 * Power of the component at `hz` over x[from, to), Blackman-Harris windowed (sidelobes −92 dB,
 * so a strong component 100+ Hz away, such as a masking tone or the other DTMF group, does not
 * leak into the figure), normalised so that a steady sinusoid of amplitude A gives A²/2.
 */
export function windowedTonePower(x: Samples, from: number, to: number, hz: number, rate: number): number {
  const n = to - from;
  if (n < 2) return 0;
  const w = (2 * Math.PI * hz) / rate;
  let re = 0, im = 0, sum = 0;
  let cr = 1, ci = 0;
  const dr = Math.cos(w), di = -Math.sin(w);
  // The window's cos(k·step·i) from one rotating phasor (wr, wi) and Chebyshev's cos 2θ, cos 3θ.
  const step = (2 * Math.PI) / (n - 1);
  let wr = 1, wi = 0;
  const sr = Math.cos(step), si = Math.sin(step);
  for (let i = 0; i < n; i++) {
    const c1 = wr, c2 = 2 * wr * wr - 1, c3 = (4 * wr * wr - 3) * wr;
    const win = 0.35875 - 0.48829 * c1 + 0.14128 * c2 - 0.01168 * c3;
    const t = wr * sr - wi * si;
    wi = wr * si + wi * sr;
    wr = t;
    const v = x[from + i] * win;
    re += v * cr;
    im += v * ci;
    sum += win;
    const r = cr * dr - ci * di;
    ci = cr * di + ci * dr;
    cr = r;
  }
  // |Σ w·A·cos(ωn+φ)·e^{−iωn}| ≈ A·Σw/2.
  const amplitude = (2 * Math.hypot(re, im)) / sum;
  return (amplitude * amplitude) / 2;
}

/** Neighbouring frequencies the fit error is estimated at, in bins of rate / length on each side of the tone. */
const ERROR_BINS = [1, 2, 3];

/**
 * The expected power of a least-squares tone fit's error, from what is left around the tone: a
 * fit of one sinusoid over N samples takes with it the interference's component at the tone's
 * frequency, whose expected power is the interference's spectral density there × rate / N (for
 * white noise of variance σ², 2σ²/N). That density is read off `residual` (the input with the
 * fitted tones removed) at the neighbouring frequencies hz ± m·rate/N (m in ERROR_BINS), where
 * a rectangular window of N samples measures exactly that: 2|X(f)|²/N², the tone power a fit at
 * f would find. The mean of the six is returned (full-scale² units, as sinusoidPower).
 */
export function fitErrorPower(residual: Samples, from: number, to: number, hz: number, rate: number): number {
  const n = to - from;
  if (n < 2) return 0;
  let total = 0, count = 0;
  for (const m of ERROR_BINS) {
    for (const side of [-1, 1]) {
      const f = hz + (side * m * rate) / n;
      if (f <= 0 || f >= rate / 2) continue;
      const w = (2 * Math.PI * f) / rate;
      let re = 0, im = 0, cr = 1, ci = 0;
      const dr = Math.cos(w), di = -Math.sin(w);
      for (let i = 0; i < n; i++) {
        const v = residual[from + i];
        re += v * cr;
        im += v * ci;
        const r = cr * dr - ci * di;
        ci = cr * di + ci * dr;
        cr = r;
      }
      total += (2 * (re * re + im * im)) / (n * n);
      count++;
    }
  }
  return count ? total / count : 0;
}

/** Mean square of x[from, to) (0 for an empty stretch). */
export function meanSquare(x: Samples, from: number, to: number): number {
  let sum = 0;
  for (let n = from; n < to; n++) sum += x[n] * x[n];
  return to > from ? sum / (to - from) : 0;
}

/** Solves the m×m system in place by Gaussian elimination with partial pivoting; undefined if singular. */
function solve(a: Float64Array, b: Float64Array, m: number): Float64Array | undefined {
  let scale = 0;
  for (let i = 0; i < m; i++) scale = Math.max(scale, Math.abs(a[i * m + i]));
  if (scale === 0) return undefined;
  for (let col = 0; col < m; col++) {
    let pivot = col;
    for (let r = col + 1; r < m; r++) if (Math.abs(a[r * m + col]) > Math.abs(a[pivot * m + col])) pivot = r;
    if (Math.abs(a[pivot * m + col]) < scale * 1e-12) return undefined;
    if (pivot !== col) {
      for (let c = 0; c < m; c++) { const t = a[col * m + c]; a[col * m + c] = a[pivot * m + c]; a[pivot * m + c] = t; }
      const t = b[col]; b[col] = b[pivot]; b[pivot] = t;
    }
    for (let r = col + 1; r < m; r++) {
      const f = a[r * m + col] / a[col * m + col];
      if (f === 0) continue;
      for (let c = col; c < m; c++) a[r * m + c] -= f * a[col * m + c];
      b[r] -= f * b[col];
    }
  }
  const xs = new Float64Array(m);
  for (let r = m - 1; r >= 0; r--) {
    let v = b[r];
    for (let c = r + 1; c < m; c++) v -= a[r * m + c] * xs[c];
    xs[r] = v / a[r * m + r];
  }
  return xs;
}

/** Blocks of the robust fit, s: long enough to separate the two tones of a key (≥ 268 Hz apart). */
const ROBUST_BLOCK_S = 0.025;

/**
 * The fit of fitSinusoids made robust to what lies under the tones: the stretch is cut into
 * 25 ms blocks, each fitted on its own (same frequencies, same time origin), and each
 * coefficient is the median over the blocks. A steady tone gives the same coefficients in
 * every block; a speech harmonic passing through a tone's frequency biases only the blocks it
 * passes, which the median leaves out. Falls back to the plain fit below three blocks.
 */
export function fitSinusoidsRobust(x: Samples, from: number, to: number, hz: readonly number[], rate: number, origin = from): ToneModel {
  const block = Math.round(ROBUST_BLOCK_S * rate);
  const blocks = Math.floor((to - from) / block);
  if (blocks < 3) return fitSinusoids(x, from, to, hz, rate, origin);
  const fits: ToneModel[] = [];
  for (let b = 0; b < blocks; b++) {
    const a = from + Math.round((b * (to - from)) / blocks);
    const e = from + Math.round(((b + 1) * (to - from)) / blocks);
    fits.push(fitSinusoids(x, a, e, hz, rate, origin));
  }
  const median = (values: number[]) => {
    const v = [...values].sort((p, q) => p - q);
    return v.length & 1 ? v[v.length >> 1] : (v[(v.length >> 1) - 1] + v[v.length >> 1]) / 2;
  };
  return {
    origin,
    tones: hz.map((f, j) => ({ hz: f, c: median(fits.map((m) => m.tones[j].c)), s: median(fits.map((m) => m.tones[j].s)) })),
  };
}

/** Blocks the tone follower looks at, s (16 ms, every 8 ms): the pair's two tones told apart by the joint fit. */
const FOLLOW_BLOCK_S = 0.016;
/** A block continues the key when each tone holds at least this share of the key's power (−6 dB)… */
const FOLLOW_LEVEL = 0.25;
/** …and the pair at least this share of the block's power. */
const FOLLOW_PURITY = 0.5;

/**
 * Where a key's tones really stop, from `t1` on (at most `limit`): the detector can end a press
 * early (a long key near the edge of its frequency or twist tolerance, a drop-out it did not
 * bridge) and what is after the reported end would then be left in the audio. Returns the end
 * of the last 16 ms block, stepped by 8 ms from t1, in which the pair still holds the key's
 * level and dominates the block; t1 itself when the tone stopped where the detector said.
 */
export function followTone(x: Samples, t1: number, limit: number, hz: readonly [number, number], keyPower: readonly [number, number], rate: number): number {
  const block = Math.round(FOLLOW_BLOCK_S * rate);
  const step = block >> 1;
  let end = t1;
  for (let a = t1; a + block <= limit; a += step) {
    const fit = fitSinusoids(x, a, a + block, hz, rate, a);
    const low = sinusoidPower(fit.tones[0]), high = sinusoidPower(fit.tones[1]);
    if (low < FOLLOW_LEVEL * keyPower[0] || high < FOLLOW_LEVEL * keyPower[1] || low + high < FOLLOW_PURITY * meanSquare(x, a, a + block)) break;
    end = a + block;
  }
  return end;
}
