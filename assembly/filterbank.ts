// The Goertzel filter bank: complex DFT values of each hop at the eight DTMF frequencies.
//
// Time is cut into hops of H samples (HOP_MS = 6.375 ms: 51 samples at 8 kHz, the rate the
// Q.24 figures are written for; H scales with the sample rate so every rate sees the same
// hop in milliseconds). A second-order Goertzel resonator per frequency runs over the hop;
// at the hop's end its two states give Y_k, the DFT of that hop referenced to the hop start.
// The decision logic combines two hops into a 2H window (12.75 ms, bin spacing 78 Hz at
// 8 kHz) and measures each tone's frequency from the phase advance between hops.
//
// The Goertzel recurrence s[n] = x[n] + c·s[n−1] − s[n−2] (c = 2 cos ω) is latency-bound: a
// sample waits for the multiply and add of the one before. So each frequency runs as two
// independent chains, one over the hop's even-position samples and one over its odd-position
// samples, each a Goertzel at 2ω (the even samples are x sampled at fs/2):
//   Y(ω) = Σ_m x[2m] e^{−j2ωm} + e^{−jω} Σ_m x[2m+1] e^{−j2ωm}
// Both chains advance one step per sample pair, so the dependency chain is one multiply-add
// per two samples; the eight frequencies run side by side as f32x4 vectors (low group, high
// group), four chains of vectors in all. Coefficients live in a per-rate table that all
// channels at that rate share; a channel holds only its chain states.

import { CH_ACC_E, CH_ACC_S, CH_E, CH_EVEN1, CH_EVEN2, CH_ODD1, CH_ODD2, CH_S } from "./channels";

/** Hop length in milliseconds; H = round(rate × HOP_MS / 1000) samples. */
export const HOP_MS: f64 = 6.375;
/** DTMF frequencies in Hz (ITU-T Q.23): rows 697-941 (low group), columns 1209-1633. */
export const ROW_HZ: StaticArray<f64> = [697.0, 770.0, 852.0, 941.0];
export const COL_HZ: StaticArray<f64> = [1209.0, 1336.0, 1477.0, 1633.0];
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
export const R_COSQ: usize = 608;   // cos, sin of ω(2Mo−1): odd chain's DFT → hop start
export const R_SINQ: usize = 768;   //   (Mo = ⌊H/2⌋ odd-position samples in a hop)
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
const RATE_RECORD_BYTES: usize = 800;
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
  const evenSamples = (hop + 1) >> 1, oddSamples = hop >> 1;
  for (let b = 0; b < BINS; b++) {
    const w = 2.0 * Math.PI * binHz(b) / <f64>rate;
    const lane = <usize>b << 2;
    store<f32>(r + R_COEF + lane, <f32>(2.0 * Math.cos(2.0 * w)));
    store<f32>(r + R_COSW + lane, <f32>Math.cos(2.0 * w));
    store<f32>(r + R_SINW + lane, <f32>Math.sin(2.0 * w));
    store<f32>(r + R_COSP + lane, <f32>Math.cos(2.0 * w * <f64>(evenSamples - 1)));
    store<f32>(r + R_SINP + lane, <f32>Math.sin(2.0 * w * <f64>(evenSamples - 1)));
    store<f32>(r + R_COSQ + lane, <f32>Math.cos(w * <f64>(2 * oddSamples - 1)));
    store<f32>(r + R_SINQ + lane, <f32>Math.sin(w * <f64>(2 * oddSamples - 1)));
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
 * The hot loop: runs `n` samples (n even) of f32 input at `src` through the channel's chains
 * and accumulates the hop's energy Σx² and sum Σx (the sum lets the window energy be measured
 * with its DC offset removed). Pairs are always aligned to the hop start (see index.ts): the
 * first sample of a pair is at an even position of the hop, so it feeds the even chains, and
 * every split of the input performs exactly the same arithmetic.
 */
export function runBank(ch: usize, rate: usize, src: usize, n: i32): void {
  const cLo = v128.load(rate, R_COEF);
  const cHi = v128.load(rate, R_COEF + 16);
  let even1Lo = v128.load(ch, CH_EVEN1);
  let even1Hi = v128.load(ch, CH_EVEN1 + 16);
  let even2Lo = v128.load(ch, CH_EVEN2);
  let even2Hi = v128.load(ch, CH_EVEN2 + 16);
  let odd1Lo = v128.load(ch, CH_ODD1);
  let odd1Hi = v128.load(ch, CH_ODD1 + 16);
  let odd2Lo = v128.load(ch, CH_ODD2);
  let odd2Hi = v128.load(ch, CH_ODD2 + 16);
  // Σx² and Σx accumulate lane-wise by sample parity: [x0, x1, x0, x1] comes from one load,
  // and each lane adds its samples in time order, so any split gives the same sums.
  let energy = v128.load(ch, CH_ACC_E);
  let sum = v128.load(ch, CH_ACC_S);
  const end = src + (<usize>n << 2);
  for (let p = src; p < end; p += 8) {
    const xEven = v128.load32_splat(p);
    const xOdd = v128.load32_splat(p, 4);
    const pair = v128.load64_splat(p);
    const eLo = f32x4.add(f32x4.mul(cLo, even1Lo), f32x4.sub(xEven, even2Lo));
    const eHi = f32x4.add(f32x4.mul(cHi, even1Hi), f32x4.sub(xEven, even2Hi));
    const oLo = f32x4.add(f32x4.mul(cLo, odd1Lo), f32x4.sub(xOdd, odd2Lo));
    const oHi = f32x4.add(f32x4.mul(cHi, odd1Hi), f32x4.sub(xOdd, odd2Hi));
    even2Lo = even1Lo; even1Lo = eLo;
    even2Hi = even1Hi; even1Hi = eHi;
    odd2Lo = odd1Lo; odd1Lo = oLo;
    odd2Hi = odd1Hi; odd1Hi = oHi;
    energy = f32x4.add(energy, f32x4.mul(pair, pair));
    sum = f32x4.add(sum, pair);
  }
  v128.store(ch, even1Lo, CH_EVEN1);
  v128.store(ch, even1Hi, CH_EVEN1 + 16);
  v128.store(ch, even2Lo, CH_EVEN2);
  v128.store(ch, even2Hi, CH_EVEN2 + 16);
  v128.store(ch, odd1Lo, CH_ODD1);
  v128.store(ch, odd1Hi, CH_ODD1 + 16);
  v128.store(ch, odd2Lo, CH_ODD2);
  v128.store(ch, odd2Hi, CH_ODD2 + 16);
  v128.store(ch, energy, CH_ACC_E);
  v128.store(ch, sum, CH_ACC_S);
}

/** The last sample of a hop of odd length: it sits at an even position, one even-chain step. */
export function runBankOne(ch: usize, rate: usize, x: f32): void {
  const xv = f32x4.splat(x);
  for (let lane: usize = 0; lane < 32; lane += 16) {
    const s1 = v128.load(ch + CH_EVEN1 + lane);
    v128.store(ch + CH_EVEN1 + lane, f32x4.add(f32x4.mul(v128.load(rate + R_COEF + lane), s1), f32x4.sub(xv, v128.load(ch + CH_EVEN2 + lane))));
    v128.store(ch + CH_EVEN2 + lane, s1);
  }
  store<f32>(ch, load<f32>(ch, CH_ACC_E) + x * x, CH_ACC_E); // lane 0: even positions
  store<f32>(ch, load<f32>(ch, CH_ACC_S) + x, CH_ACC_S);
}

/**
 * Ends a hop: turns the chain states into Y_k (DFT of the hop referenced to its first sample)
 * for the low (`lane` 0) or high (`lane` 16) vector. A chain of M steps at 2ω with final
 * states a = s[M−1], b = s[M−2] has the DFT e^{−j2ω(M−1)}·((a − b cos 2ω) + j b sin 2ω); the
 * even chain's starts at the hop start, the odd chain's one sample later, so
 *   Y = e^{−j2ω(Me−1)}·(u_e + j v_e) + e^{−jω(2Mo−1)}·(u_o + j v_o).
 * Writes re and im vectors to `outRe`, `outIm` and clears the chains for the next hop.
 */
export function hopDft(ch: usize, rate: usize, lane: usize, outRe: usize, outIm: usize): void {
  const cw = v128.load(rate + R_COSW + lane);
  const sw = v128.load(rate + R_SINW + lane);
  const bEven = v128.load(ch + CH_EVEN2 + lane);
  const bOdd = v128.load(ch + CH_ODD2 + lane);
  const uEven = f32x4.sub(v128.load(ch + CH_EVEN1 + lane), f32x4.mul(bEven, cw));
  const vEven = f32x4.mul(bEven, sw);
  const uOdd = f32x4.sub(v128.load(ch + CH_ODD1 + lane), f32x4.mul(bOdd, cw));
  const vOdd = f32x4.mul(bOdd, sw);
  const cp = v128.load(rate + R_COSP + lane), sp = v128.load(rate + R_SINP + lane);
  const cq = v128.load(rate + R_COSQ + lane), sq = v128.load(rate + R_SINQ + lane);
  v128.store(outRe, f32x4.add(
    f32x4.add(f32x4.mul(uEven, cp), f32x4.mul(vEven, sp)),
    f32x4.add(f32x4.mul(uOdd, cq), f32x4.mul(vOdd, sq))));
  v128.store(outIm, f32x4.add(
    f32x4.sub(f32x4.mul(vEven, cp), f32x4.mul(uEven, sp)),
    f32x4.sub(f32x4.mul(vOdd, cq), f32x4.mul(uOdd, sq))));
  const zero = f32x4.splat(0);
  v128.store(ch + CH_EVEN1 + lane, zero);
  v128.store(ch + CH_EVEN2 + lane, zero);
  v128.store(ch + CH_ODD1 + lane, zero);
  v128.store(ch + CH_ODD2 + lane, zero);
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
