// The Goertzel filter bank: complex DFT values of each hop at the eight DTMF frequencies.
//
// Time is cut into hops of H samples (HOP_MS = 6.375 ms: 51 samples at 8 kHz, the rate the
// Q.24 figures are written for; H scales with the sample rate so every rate sees the same
// hop in milliseconds). A second-order Goertzel resonator per frequency runs over the hop;
// at the hop's end its two states give Y_k, the DFT of that hop referenced to the hop start.
// The decision logic combines two hops into a 2H window (12.75 ms, bin spacing 78 Hz at
// 8 kHz) and measures each tone's frequency from the phase advance between hops.
//
// The eight resonators run side by side as two f32x4 vectors (low group, high group), so a
// sample costs one splat and 2 × (sub, mul, add). Coefficients live in a per-rate table that
// all channels at that rate share; a channel holds only its resonator state.

import { CH_ACC_E, CH_ACC_S, CH_E, CH_S, CH_S1_HI, CH_S1_LO, CH_S2_HI, CH_S2_LO } from "./channels";

/** Hop length in milliseconds; H = round(rate × HOP_MS / 1000) samples. */
export const HOP_MS: f64 = 6.375;
/** DTMF frequencies in Hz (ITU-T Q.23): rows 697-941 (low group), columns 1209-1633. */
export const ROW_HZ: StaticArray<f64> = [697.0, 770.0, 852.0, 941.0];
export const COL_HZ: StaticArray<f64> = [1209.0, 1336.0, 1477.0, 1633.0];
export const BINS: i32 = 8;

// Rate record layout (bytes). Each v128 pair holds lanes for bins 0-3 (rows) then 4-7 (cols).
export const R_COEF: usize = 0;     // 2 cos ω           (Goertzel feedback)
export const R_COSW: usize = 32;    // cos ω, sin ω      (final step of the DFT)
export const R_SINW: usize = 64;
export const R_COSP: usize = 96;    // cos, sin of ω(H−1) (reference the DFT to the hop start)
export const R_SINP: usize = 128;
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
export const R_COEF2: usize = 608;  // c² − 1 with c = 2 cos ω (the two-step recurrence), 2 × v128
// Cross-group leakage discounts, [tone bin 0-7][bin of the other group 0-3] f32 (a v128 a
// tone): LEAK_SHARE of the largest amplitude share a tone within ±2 % of its frequency puts
// into each bin of the other group over the 2H window, negative-frequency image included
// (the bound is 0.024 … 0.105).
export const R_LEAK: usize = 640;
/** Frequency error (fraction) over which R_LEAK takes its maximum, and the step of that search. */
const LEAK_OFFSET: f64 = 0.02;
const LEAK_OFFSET_STEP: f64 = 0.001;
/**
 * Share of the bound the peak test discounts. The bound assumes the worst offset and a
 * leak fully in phase with the bin's own content; a fifth of it is enough for the case it is
 * for (key 0 at −8 dB twist: 941 Hz leaking into the 1209 Hz bin beside the weak 1336 Hz
 * tone; 1920/1920 keys at −6…−8 dB twist over 40 edge positions), while the full bound let
 * speech with strong low harmonics through (talk-off corpus: 26 false keys against 16).
 */
const LEAK_SHARE: f32 = 0.2;
// Leakage kernels K(Δ) = (1/H) Σ_{n<H} e^{jΔn} (re, im f32 pairs), used to cancel what one tone
// of a key leaks into the other tone's hop DFT and each tone's negative-frequency image:
export const R_KDIFF: usize = 288;  // [row][col] K(ω_col − ω_row)
export const R_KSUM: usize = 416;   // [row][col] K(−(ω_row + ω_col))
export const R_KSELF: usize = 544;  // [bin]      K(−2ω_bin)
const RATE_RECORD_BYTES: usize = 768;
const MAX_RATES: i32 = 64;

let rateTable: usize = 0;
let rateCount: i32 = 0;

export function initFilterbank(): void {
  rateTable = heap.alloc(<usize>MAX_RATES * RATE_RECORD_BYTES);
}

export function binHz(bin: i32): f64 {
  return bin < 4 ? ROW_HZ[bin] : COL_HZ[bin - 4];
}

export function hopSamples(rate: i32): i32 {
  return <i32>Math.round(<f64>rate * HOP_MS / 1000.0);
}

/** The shared coefficient record for `rate`, made on first use; 0 when the table is full. */
export function rateRecord(rate: i32): usize {
  for (let i = 0; i < rateCount; i++) {
    const r = rateTable + <usize>i * RATE_RECORD_BYTES;
    if (load<i32>(r, R_RATE) == rate) return r;
  }
  if (rateCount == MAX_RATES) return 0;
  const r = rateTable + <usize>rateCount * RATE_RECORD_BYTES;
  rateCount++;
  const hop = hopSamples(rate);
  for (let b = 0; b < BINS; b++) {
    const w = 2.0 * Math.PI * binHz(b) / <f64>rate;
    const lane = <usize>b << 2;
    store<f32>(r + R_COEF + lane, <f32>(2.0 * Math.cos(w)));
    store<f32>(r + R_COEF2 + lane, <f32>(4.0 * Math.cos(w) * Math.cos(w) - 1.0));
    store<f32>(r + R_COSW + lane, <f32>Math.cos(w));
    store<f32>(r + R_SINW + lane, <f32>Math.sin(w));
    store<f32>(r + R_COSP + lane, <f32>Math.cos(w * <f64>(hop - 1)));
    store<f32>(r + R_SINP + lane, <f32>Math.sin(w * <f64>(hop - 1)));
    store<f32>(r + R_COST + lane, <f32>Math.cos(w * <f64>hop));
    store<f32>(r + R_SINT + lane, <f32>Math.sin(w * <f64>hop));
    store<f32>(r + R_HZ + lane, <f32>binHz(b));
  }
  for (let row = 0; row < 4; row++) {
    const wr = 2.0 * Math.PI * ROW_HZ[row] / <f64>rate;
    for (let col = 0; col < 4; col++) {
      const wc = 2.0 * Math.PI * COL_HZ[col] / <f64>rate;
      const at = <usize>((row << 2) | col) << 3;
      storeKernel(r + R_KDIFF + at, wc - wr, hop);
      storeKernel(r + R_KSUM + at, -(wr + wc), hop);
    }
  }
  for (let b = 0; b < BINS; b++) storeKernel(r + R_KSELF + (<usize>b << 3), -4.0 * Math.PI * binHz(b) / <f64>rate, hop);
  for (let t = 0; t < BINS; t++) {
    for (let k = 0; k < 4; k++) {
      const bin = t < 4 ? 4 + k : k;
      store<f32>(r + R_LEAK + (<usize>((t << 2) | k) << 2), <f32>leakBound(binHz(t), binHz(bin), rate, hop << 1) * LEAK_SHARE);
    }
  }
  store<i32>(r, rate, R_RATE);
  store<i32>(r, hop, R_HOP);
  store<f32>(r, <f32>(2.0 * Math.PI * <f64>hop / <f64>rate), R_RAD_PER_HZ);
  store<f32>(r, <f32>(2.0 / (<f64>hop * <f64>hop)), R_HOP_NORM);
  store<f32>(r, <f32>(2.0 / (4.0 * <f64>hop * <f64>hop)), R_WIN_NORM);
  store<f32>(r, <f32>(1.0 / (2.0 * <f64>hop)), R_INV_WIN);
  store<f32>(r, <f32>(1.0 / <f64>hop), R_INV_HOP);
  return r;
}

/** |(1/L) Σ_{n<L} e^{jΔn}| = |sin(ΔL/2) / (L sin(Δ/2))|: the window kernel's amplitude. */
function kernelAmplitude(delta: f64, window: i32): f64 {
  const half = Math.sin(delta * 0.5);
  if (Math.abs(half) < 1e-12) return 1.0;
  return Math.abs(Math.sin(delta * <f64>window * 0.5) / (<f64>window * half));
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
  for (let n = 0; n < hop; n++) { re += Math.cos(delta * <f64>n); im += Math.sin(delta * <f64>n); }
  store<f32>(at, <f32>(re / <f64>hop));
  store<f32>(at, <f32>(im / <f64>hop), 4);
}

/**
 * The hot loop: runs `n` samples (n even) of f32 input at `src` through the channel's eight
 * resonators and accumulates the hop's energy Σx² and sum Σx (the sum lets the window energy
 * be measured with its DC offset removed).
 *
 * The Goertzel recurrence s[n] = x[n] + c·s[n−1] − s[n−2] (c = 2 cos ω) is latency-bound:
 * each sample waits for a multiply and an add on s[n−1]. Taking two samples a step,
 *   s[n]   = (x[n] − s[n−2]) + c·s[n−1]
 *   s[n+1] = (x[n+1] + c·(x[n] − s[n−2])) + (c² − 1)·s[n−1]
 * both new states hang on s[n−1] by one multiply-add, so the chain advances two samples per
 * multiply-add latency. Pairs are always aligned to the hop start (see index.ts), so every
 * split of the input performs exactly the same arithmetic.
 */
export function runBank(ch: usize, rate: usize, src: usize, n: i32): void {
  const cLo = v128.load(rate, R_COEF);
  const cHi = v128.load(rate, R_COEF + 16);
  const dLo = v128.load(rate, R_COEF2);
  const dHi = v128.load(rate, R_COEF2 + 16);
  let s1Lo = v128.load(ch, CH_S1_LO);
  let s1Hi = v128.load(ch, CH_S1_HI);
  let s2Lo = v128.load(ch, CH_S2_LO);
  let s2Hi = v128.load(ch, CH_S2_HI);
  // Σx² and Σx accumulate lane-wise by sample parity: [x0, x1, x0, x1] comes from one load,
  // and each lane adds its samples in time order, so any split gives the same sums.
  let energy = v128.load(ch, CH_ACC_E);
  let sum = v128.load(ch, CH_ACC_S);
  const end = src + (<usize>n << 2);
  for (let p = src; p < end; p += 8) {
    const xa = v128.load32_splat(p);
    const xb = v128.load32_splat(p, 4);
    const pair = v128.load64_splat(p);
    const tLo = f32x4.sub(xa, s2Lo);
    const tHi = f32x4.sub(xa, s2Hi);
    const uLo = f32x4.add(xb, f32x4.mul(cLo, tLo));
    const uHi = f32x4.add(xb, f32x4.mul(cHi, tHi));
    s2Lo = f32x4.add(f32x4.mul(cLo, s1Lo), tLo);
    s2Hi = f32x4.add(f32x4.mul(cHi, s1Hi), tHi);
    s1Lo = f32x4.add(f32x4.mul(dLo, s1Lo), uLo);
    s1Hi = f32x4.add(f32x4.mul(dHi, s1Hi), uHi);
    energy = f32x4.add(energy, f32x4.mul(pair, pair));
    sum = f32x4.add(sum, pair);
  }
  v128.store(ch, s1Lo, CH_S1_LO);
  v128.store(ch, s1Hi, CH_S1_HI);
  v128.store(ch, s2Lo, CH_S2_LO);
  v128.store(ch, s2Hi, CH_S2_HI);
  v128.store(ch, energy, CH_ACC_E);
  v128.store(ch, sum, CH_ACC_S);
}

/** One plain Goertzel step, for the last sample of a hop of odd length. */
export function runBankOne(ch: usize, rate: usize, x: f32): void {
  const xv = f32x4.splat(x);
  const s1Lo = v128.load(ch, CH_S1_LO);
  const s1Hi = v128.load(ch, CH_S1_HI);
  v128.store(ch, f32x4.add(f32x4.mul(v128.load(rate, R_COEF), s1Lo), f32x4.sub(xv, v128.load(ch, CH_S2_LO))), CH_S1_LO);
  v128.store(ch, f32x4.add(f32x4.mul(v128.load(rate, R_COEF + 16), s1Hi), f32x4.sub(xv, v128.load(ch, CH_S2_HI))), CH_S1_HI);
  v128.store(ch, s1Lo, CH_S2_LO);
  v128.store(ch, s1Hi, CH_S2_HI);
  // The odd last sample of a hop sits at an even position: lane 0.
  store<f32>(ch, load<f32>(ch, CH_ACC_E) + x * x, CH_ACC_E);
  store<f32>(ch, load<f32>(ch, CH_ACC_S) + x, CH_ACC_S);
}

/**
 * Ends a hop: turns the resonator states into Y_k (DFT of the hop referenced to its first
 * sample) for the low (`lane` 0) or high (`lane` 16) vector. With a = s[H−1], b = s[H−2]:
 *   Y = e^{−jω(H−1)} · ((a − b cos ω) + j b sin ω).
 * Writes re and im vectors to `outRe`, `outIm` and clears the resonators for the next hop.
 */
export function hopDft(ch: usize, rate: usize, lane: usize, outRe: usize, outIm: usize): void {
  const a = v128.load(ch + CH_S1_LO + lane);
  const b = v128.load(ch + CH_S2_LO + lane);
  const u = f32x4.sub(a, f32x4.mul(b, v128.load(rate + R_COSW + lane)));
  const v = f32x4.mul(b, v128.load(rate + R_SINW + lane));
  const cp = v128.load(rate + R_COSP + lane);
  const sp = v128.load(rate + R_SINP + lane);
  v128.store(outRe, f32x4.add(f32x4.mul(u, cp), f32x4.mul(v, sp)));
  v128.store(outIm, f32x4.sub(f32x4.mul(v, cp), f32x4.mul(u, sp)));
  v128.store(ch + CH_S1_LO + lane, f32x4.splat(0));
  v128.store(ch + CH_S2_LO + lane, f32x4.splat(0));
}

/** Ends a hop's energy sums: CH_E, CH_S ← the two parity lanes, accumulators cleared. */
export function hopEnergy(ch: usize): void {
  const e = v128.load(ch, CH_ACC_E);
  const s = v128.load(ch, CH_ACC_S);
  store<f32>(ch, f32x4.extract_lane(e, 0) + f32x4.extract_lane(e, 1), CH_E);
  store<f32>(ch, f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1), CH_S);
  v128.store(ch, f32x4.splat(0), CH_ACC_E);
  v128.store(ch, f32x4.splat(0), CH_ACC_S);
}
