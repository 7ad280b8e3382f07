// The shared per-rate tables: everything the filter bank, the window tests and the tone
// measurement need that depends only on the sample rate, computed once per rate and shared
// by every channel at that rate (a channel holds only its state, channels.ts).
import { COL_HZ, ROW_HZ } from "../src/conventions";
import { HOP_MS, LEAK_OFFSET, LEAK_OFFSET_STEP, LEAK_SHARE, NOTCH_HIGH_HZ, NOTCH_LOW_HZ, NOTCH_Q } from "./rules";

export const BINS: i32 = 8;

// Rate record layout (bytes). Each v128 pair holds lanes for bins 0-3 (rows) then 4-7 (cols).
export const R_COEF: usize = 0;     // 2 cos 2ω          (feedback of the half-rate chains)
export const R_COSW: usize = 32;    // cos 2ω, sin 2ω    (final step of each chain's DFT)
export const R_SINW: usize = 64;
export const R_COSP: usize = 96;    // cos, sin of 2ω(Me−1): even chain's DFT → hop start
export const R_SINP: usize = 128;   //   (Me = ⌈H/2⌉ even-position samples in a hop)
export const R_COST: usize = 160;   // cos, sin of ωH     (twiddle e^{−jωH} between hops)
export const R_SINT: usize = 192;
export const R_HZ: usize = 224;     // f32[8] bin frequencies, Hz
export const R_RATE: usize = 256;   // i32 sample rate, Hz
export const R_HOP: usize = 260;    // i32 H, samples
export const R_RAD_PER_HZ: usize = 264; // f32 phase advance per hop per Hz of offset: 2πH/fs
export const R_HOP_NORM: usize = 268;   // f32 2/H²: |Y|² → mean power of a sine over a hop
export const R_WIN_NORM: usize = 272;   // f32 2/(2H)²: |X|² → mean power over the 2H window
export const R_INV_WIN: usize = 276;    // f32 1/(2H): a sum over the window → its mean
export const R_INV_HOP: usize = 280;    // f32 1/H: a sum over a hop → its mean
export const R_USERS: usize = 284;      // i32 open channels using the record (0: free for another rate)
export const R_COSQ: usize = 608;   // cos, sin of ω(2Mo−1): odd chain's DFT → hop start
export const R_SINQ: usize = 768;   //   (Mo = ⌊H/2⌋ odd-position samples in a hop)
// Leakage kernels K(Δ) = (1/H) Σ_{n<H} e^{jΔn} (re, im f32 pairs), used to cancel what one tone
// of a key leaks into the other tone's hop DFT and each tone's negative-frequency image (tones.ts):
export const R_KDIFF: usize = 288;  // [row][col] K(ω_col − ω_row)
export const R_KSUM: usize = 416;   // [row][col] K(−(ω_row + ω_col))
export const R_KSELF: usize = 544;  // [bin]      K(−2ω_bin)
// Cross-group leakage discounts of the peak test (window.ts), [tone bin 0-7][bin of the other
// group 0-3] f32 (a v128 a tone): LEAK_SHARE of the largest amplitude share a tone within
// ±LEAK_OFFSET of its frequency puts into each bin of the other group over the 2H window,
// negative-frequency image included (the bound is 0.024 … 0.105).
export const R_LEAK: usize = 640;
// The dial-tone filter's two notch sections (dialtone.ts): b0, b1, b2, a1, a2 (a0 = 1) each, f32.
export const R_NOTCH: usize = 800;
// Band gains of the bins (window.ts): |H|² = 2 − 2 cos 2ω of the band measure y[n] = x[n] − x[n−2]
// (filterbank.ts) at each bin's frequency, f32 rows then columns (1.08 … 3.67 at 8 kHz).
export const R_BAND_GAIN: usize = 848;
const RATE_RECORD_BYTES: usize = 880;
export const MAX_RATES: i32 = 64;

let rateTable: usize = 0;
let rateCount: i32 = 0;

export function initRates(): void {
  rateTable = heap.alloc(<usize>MAX_RATES * RATE_RECORD_BYTES);
}

/**
 * The u16 a channel record keeps for rate record `r` (channels.ts rateRec): its offset in the
 * table, < MAX_RATES × RATE_RECORD_BYTES = 56,320.
 */
export function rateOffset(r: usize): u16 {
  return <u16>(r - rateTable);
}

/** The rate record a channel record's u16 names (rateOffset). */
@inline export function rateRecord(offset: u16): usize {
  return rateTable + <usize>offset;
}

export function binHz(bin: i32): f64 {
  return bin < 4 ? unchecked(ROW_HZ[bin]) : unchecked(COL_HZ[bin - 4]); // bin 0-7: no bounds check needed
}

/**
 * sin x as cos(x − π/2), so that the core carries one trigonometric function of the library
 * instead of two (its sin is 940 of the core's 20,480 budgeted bytes). The error, ≈ ulp(x) +
 * 6·10⁻¹⁷ absolute for the few hundred radians at most that the tables and the tone
 * measurement ask for, is far below the f32 they are stored in.
 */
export function sine(x: f64): f64 {
  return Math.cos(x - Math.PI / 2);
}

export function hopSamples(rate: i32): i32 {
  return <i32>Math.round(<f64>rate * HOP_MS / 1000.0);
}

/**
 * The shared coefficient record for `rate`, with one more user (a channel opening); 0 when
 * MAX_RATES other rates are in use. A record whose last channel closed stays valid for its rate
 * (reopening that rate costs nothing) until another rate needs its place.
 */
export function acquireRate(rate: i32): usize {
  let free: usize = 0;
  for (let i = 0; i < rateCount; i++) {
    const r = rateTable + <usize>i * RATE_RECORD_BYTES;
    if (load<i32>(r, R_RATE) == rate) {
      store<i32>(r, load<i32>(r, R_USERS) + 1, R_USERS);
      return r;
    }
    if (free == 0 && load<i32>(r, R_USERS) == 0) free = r;
  }
  let r: usize;
  if (rateCount < MAX_RATES) r = rateTable + <usize>(rateCount++) * RATE_RECORD_BYTES;
  else if (free != 0) r = free;
  else return 0;
  makeRecord(r, rate);
  store<i32>(r, 1, R_USERS);
  return r;
}

/** One user fewer for rate record `r` (a channel closing). */
export function releaseRate(r: usize): void {
  store<i32>(r, load<i32>(r, R_USERS) - 1, R_USERS);
}

/** Computes the record at `r` for `rate`. */
function makeRecord(r: usize, rate: i32): void {
  const hop = hopSamples(rate);
  const evenSamples = (hop + 1) >> 1, oddSamples = hop >> 1;
  for (let b = 0; b < BINS; b++) {
    const w = 2.0 * Math.PI * binHz(b) / <f64>rate;
    const lane = <usize>b << 2;
    store<f32>(r + R_COEF + lane, <f32>(2.0 * Math.cos(2.0 * w)));
    store<f32>(r + R_COSW + lane, <f32>Math.cos(2.0 * w));
    store<f32>(r + R_SINW + lane, <f32>sine(2.0 * w));
    store<f32>(r + R_COSP + lane, <f32>Math.cos(2.0 * w * <f64>(evenSamples - 1)));
    store<f32>(r + R_SINP + lane, <f32>sine(2.0 * w * <f64>(evenSamples - 1)));
    store<f32>(r + R_COSQ + lane, <f32>Math.cos(w * <f64>(2 * oddSamples - 1)));
    store<f32>(r + R_SINQ + lane, <f32>sine(w * <f64>(2 * oddSamples - 1)));
    store<f32>(r + R_COST + lane, <f32>Math.cos(w * <f64>hop));
    store<f32>(r + R_SINT + lane, <f32>sine(w * <f64>hop));
    store<f32>(r + R_HZ + lane, <f32>binHz(b));
    store<f32>(r + R_BAND_GAIN + lane, <f32>(2.0 - 2.0 * Math.cos(2.0 * w)));
  }
  for (let row = 0; row < 4; row++) {
    const wr = 2.0 * Math.PI * unchecked(ROW_HZ[row]) / <f64>rate;
    for (let col = 0; col < 4; col++) {
      const wc = 2.0 * Math.PI * unchecked(COL_HZ[col]) / <f64>rate;
      const at = <usize>((row << 2) | col) << 3;
      storeKernel(r + R_KDIFF + at, wc - wr, hop);
      storeKernel(r + R_KSUM + at, -(wr + wc), hop);
    }
  }
  for (let b = 0; b < BINS; b++) storeKernel(r + R_KSELF + (<usize>b << 3), -4.0 * Math.PI * binHz(b) / <f64>rate, hop);
  for (let t = 0; t < BINS; t++) {
    for (let k = 0; k < 4; k++) {
      const bin = t < 4 ? 4 + k : k;
      store<f32>(r + R_LEAK + (<usize>((t << 2) | k) << 2), <f32>leakBound(binHz(t), binHz(bin), rate, hop << 1) * <f32>LEAK_SHARE);
    }
  }
  storeNotch(r + R_NOTCH, NOTCH_LOW_HZ, rate);
  storeNotch(r + R_NOTCH + 20, NOTCH_HIGH_HZ, rate);
  store<i32>(r, rate, R_RATE);
  store<i32>(r, hop, R_HOP);
  store<f32>(r, <f32>(2.0 * Math.PI * <f64>hop / <f64>rate), R_RAD_PER_HZ);
  store<f32>(r, <f32>(2.0 / (<f64>hop * <f64>hop)), R_HOP_NORM);
  store<f32>(r, <f32>(2.0 / (4.0 * <f64>hop * <f64>hop)), R_WIN_NORM);
  store<f32>(r, <f32>(1.0 / (2.0 * <f64>hop)), R_INV_WIN);
  store<f32>(r, <f32>(1.0 / <f64>hop), R_INV_HOP);
}

/** |(1/L) Σ_{n<L} e^{jΔn}| = |sin(ΔL/2) / (L sin(Δ/2))|: the window kernel's amplitude. */
function kernelAmplitude(delta: f64, window: i32): f64 {
  const half = sine(delta * 0.5);
  if (Math.abs(half) < 1e-12) return 1.0;
  return Math.abs(sine(delta * <f64>window * 0.5) / (<f64>window * half));
}

/** Largest leak of a tone near `toneHz` (±LEAK_OFFSET) into the bin at `binHz`, image included. */
function leakBound(toneHz: f64, binHz: f64, rate: i32, window: i32): f64 {
  let worst: f64 = 0;
  for (let e = -LEAK_OFFSET; e <= LEAK_OFFSET + 1e-9; e += LEAK_OFFSET_STEP) {
    const f = toneHz * (1.0 + e);
    const leak = kernelAmplitude(2.0 * Math.PI * (binHz - f) / <f64>rate, window) +
      kernelAmplitude(2.0 * Math.PI * (binHz + f) / <f64>rate, window);
    if (leak > worst) worst = leak;
  }
  return worst;
}

function storeKernel(at: usize, delta: f64, hop: i32): void {
  let re: f64 = 0, im: f64 = 0;
  for (let n = 0; n < hop; n++) { re += Math.cos(delta * <f64>n); im += sine(delta * <f64>n); }
  store<f32>(at, <f32>(re / <f64>hop));
  store<f32>(at, <f32>(im / <f64>hop), 4);
}

/**
 * The coefficients of a notch biquad at `hz` (quality NOTCH_Q; the RBJ audio-EQ cookbook's
 * notch, normalised by a0): b0, b1, b2, a1, a2 as f32 at `at`.
 */
function storeNotch(at: usize, hz: f64, rate: i32): void {
  const w = 2.0 * Math.PI * hz / <f64>rate;
  const alpha = sine(w) / (2.0 * NOTCH_Q);
  const a0 = 1.0 + alpha;
  store<f32>(at, <f32>(1.0 / a0));
  store<f32>(at, <f32>(-2.0 * Math.cos(w) / a0), 4);
  store<f32>(at, <f32>(1.0 / a0), 8);
  store<f32>(at, <f32>(-2.0 * Math.cos(w) / a0), 12);
  store<f32>(at, <f32>((1.0 - alpha) / a0), 16);
}
