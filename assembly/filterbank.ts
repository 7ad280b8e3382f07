// The Goertzel filter bank: complex DFT values of each hop at the eight DTMF frequencies, and
// at the hop's end everything the window tests read: the 2-hop window's power per bin, its
// total power without DC, and the hop's |Y|² for the magnitude history.
//
// Time is cut into hops of H samples (rules.ts HOP_MS = 6.375 ms: 51 samples at 8 kHz; H
// scales with the sample rate so every rate sees the same hop in milliseconds). A
// second-order Goertzel resonator per frequency runs over the hop; at the hop's end its two
// states give Y_k, the DFT of that hop referenced to the hop start. Two hops make a 2H window
// (12.75 ms, bin spacing 78 Hz at 8 kHz): X = Y_prev + e^{−jωH}·Y.
//
// The Goertzel recurrence s[n] = x[n] + c·s[n−1] − s[n−2] (c = 2 cos ω) is latency-bound: a
// sample waits for the multiply and add of the one before. So each frequency runs as two
// independent chains, one over the hop's even-position samples and one over its odd-position
// samples, each a Goertzel at 2ω (the even samples are x sampled at fs/2):
//   Y(ω) = Σ_m x[2m] e^{−j2ωm} + e^{−jω} Σ_m x[2m+1] e^{−j2ωm}
// Both chains advance one step per sample pair, so the dependency chain is one multiply-add
// per two samples; the eight frequencies run side by side as f32x4 vectors (low group, high
// group), four chains of vectors in all. Coefficients live in the per-rate record (rates.ts)
// that all channels at that rate share; a channel holds only its chain states.
//
// The band measure: beside Σx², the hop's Σ x[n]·x[n−2], so that the window tests can also
// compare the tones with the power of y[n] = x[n] − x[n−2], Σy² ≈ 2(Σx² − Σx[n]·x[n−2]) (the
// two samples at each end aside). At 8 kHz y is a band-pass with zeros at DC and 4 kHz and
// |H(f)|² = 4 sin²(2πf/fs): 0.10 (−10 dB) at 200 Hz, 0.59 at 500 Hz, 1.1-3.7 over the keys'
// 697-1633 Hz, 2 for white noise on average. The voicing of speech and the bass of music, below
// the keys, mostly drop out of it, which the broadband power cannot do (window.ts). At higher
// rates the same two-sample lag is a high-pass below the keys (its zero at fs/2 moves up): it
// still takes out the low band. It costs a pass of its own over the samples (runBank), whose
// sums ride in the energy accumulator's lanes 2-3 and two fields of their own (CH_LAG_C,
// CH_LAG_D), and x[n−2], x[n−1] in the sum accumulator's lanes 2-3 from call to call.

import {
  CH_ACC_E, CH_ACC_S, CH_BAND_PREV, CH_LAG_C, CH_LAG_D, CH_E_PREV, CH_EVEN1, CH_EVEN2, CH_ODD1, CH_ODD2, CH_S_PREV,
  CH_YPREV_IM, CH_YPREV_RE,
} from "./channels";
import { recordHop } from "./history";
import {
  R_COEF, R_COSP, R_COSQ, R_COST, R_COSW, R_INV_WIN, R_SINP, R_SINQ, R_SINT, R_SINW, R_WIN_NORM,
} from "./rates";

// Scratch for the hop being decided: Y (re, im: rows then columns), the window's power per bin
// (rows, columns), the hop's Σx², Σx and band energy, the window's band power: the window tests
// (window.ts), the tone measurement (tones.ts) and the dial-tone engagement (dialtone.ts) read
// them until the next hop ends.
const SCRATCH = memory.data(176, 16);
/** Masks that keep lanes 0-1, 2-3 of a vector of f32 (runBank's lone pairs of lag-2 products). */
const LANES_LO = i32x4(-1, -1, 0, 0);
const LANES_HI = i32x4(0, 0, -1, -1);
export const Y_RE: usize = SCRATCH;
export const Y_IM: usize = SCRATCH + 32;
export const WIN_POWER: usize = SCRATCH + 64;
export const HOP_E: usize = SCRATCH + 96;     // f32 Σx² of the hop just ended
export const HOP_S: usize = SCRATCH + 100;    // f32 Σx of the hop just ended
export const WIN_BAND: usize = SCRATCH + 108; // f32 the window's band power (mean, full-scale² units)
export const WIN_X_RE: usize = SCRATCH + 112; // the window's DFT X per bin, re (rows, columns; tones.ts)
export const WIN_X_IM: usize = SCRATCH + 144; // same, im

/**
 * The hot loop: runs `n` samples (n even) of f32 input at `src` through the channel's chains
 * and accumulates the hop's energy Σx², its lag-2 products Σx[n]·x[n−2] (the band measure) and
 * its sum Σx (the sum lets the window energy be measured with its DC offset removed); `pos` is
 * the position in the hop of the first sample. Pairs are always aligned to the hop start
 * (hop.ts): the first sample of a pair is at an even position of the hop, so it feeds the even
 * chains, and every split of the input performs exactly the same arithmetic. Inlined into
 * feed: as a function of its own V8 no longer unrolled the loop below, and moved the chains'
 * states between registers at every step (≈ 10 % slower, `node bench/ab-cores.mjs`).
 */
@inline export function runBank(ch: usize, rate: usize, src: usize, n: i32, pos: i32): void {
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
  // and each lane adds its samples in time order, so any split gives the same sums (lanes 2-3
  // of these running sums are scratch here: the stored state keeps the band measure there).
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
  // The band measure's lag-2 products x[n]·x[n−2] in a pass of their own, four samples a step,
  // summed in four lanes by the sample's position n in the hop mod 4, each lane in time order:
  // the same sums for any split of the input, since a split falls only between pairs and a pair
  // at n ≡ 2, 3 (mod 4) where a segment starts, or at n ≡ 0, 1 where it ends, is added alone.
  // In the loop above, as a shuffle of the previous pair into the squares' multiply, they cost
  // the core a quarter of its time (the loop runs out of vector registers); as a pass of pairs
  // in two lanes, bound by its adds' latency, 12 % (`node bench/ab-cores.mjs` against a core
  // without it). The stored state keeps the n ≡ 0, 1 sums in lanes 2-3 of CH_ACC_E, the n ≡ 2, 3
  // sums in CH_LAG_C, CH_LAG_D, and x[n−2], x[n−1] in lanes 2-3 of CH_ACC_S.
  const stored = v128.load(ch, CH_ACC_S);
  const accE = v128.load(ch, CH_ACC_E);
  let last = v128.shuffle<f32>(stored, stored, 2, 3, 2, 3); // lanes 2-3: x[n−2], x[n−1]
  let lag = f32x4.replace_lane(f32x4.replace_lane(v128.shuffle<f32>(accE, accE, 2, 3, 2, 3),
    2, load<f32>(ch, CH_LAG_C)), 3, load<f32>(ch, CH_LAG_D));
  let p = src;
  if ((pos & 2) != 0 && p < end) { // a pair at n ≡ 2, 3: lanes 2-3 alone
    const pair = v128.load64_splat(p);
    lag = f32x4.add(lag, v128.and(f32x4.mul(pair, v128.shuffle<f32>(last, last, 2, 3, 2, 3)), LANES_HI));
    last = pair;
    p += 8;
  }
  for (; p + 16 <= end; p += 16) {
    const quad = v128.load(p);
    lag = f32x4.add(lag, f32x4.mul(quad, v128.shuffle<f32>(last, quad, 2, 3, 4, 5)));
    last = quad;
  }
  if (p < end) { // a pair at n ≡ 0, 1 left: lanes 0-1 alone
    const pair = v128.load64_splat(p);
    lag = f32x4.add(lag, v128.and(f32x4.mul(pair, v128.shuffle<f32>(last, last, 2, 3, 2, 3)), LANES_LO));
    last = pair;
  }
  v128.store(ch, v128.shuffle<f32>(energy, lag, 0, 1, 4, 5), CH_ACC_E);
  store<f32>(ch, f32x4.extract_lane(lag, 2), CH_LAG_C);
  store<f32>(ch, f32x4.extract_lane(lag, 3), CH_LAG_D);
  v128.store(ch, v128.shuffle<f32>(sum, last, 0, 1, 6, 7), CH_ACC_S);
}

/**
 * The last sample of a hop of odd length: it sits at an even position `pos`, one even-chain
 * step; its lag-2 product goes to the lane of pos mod 4 (runBank).
 */
export function runBankOne(ch: usize, rate: usize, x: f32, pos: i32): void {
  const xv = f32x4.splat(x);
  for (let lane: usize = 0; lane < 32; lane += 16) {
    const s1 = v128.load(ch + CH_EVEN1 + lane);
    v128.store(ch + CH_EVEN1 + lane, f32x4.add(f32x4.mul(v128.load(rate + R_COEF + lane), s1), f32x4.sub(xv, v128.load(ch + CH_EVEN2 + lane))));
    v128.store(ch + CH_EVEN2 + lane, s1);
  }
  store<f32>(ch, load<f32>(ch, CH_ACC_E) + x * x, CH_ACC_E); // lane 0: even positions
  const lagAt = ch + ((pos & 2) != 0 ? CH_LAG_C : CH_ACC_E + 8); // n ≡ 2 or 0 (mod 4): x·x[n−2]
  store<f32>(lagAt, load<f32>(lagAt) + x * load<f32>(ch, CH_ACC_S + 8));
  store<f32>(ch, load<f32>(ch, CH_ACC_S) + x, CH_ACC_S);
  store<f32>(ch, load<f32>(ch, CH_ACC_S + 12), CH_ACC_S + 8); // x[n−2], x[n−1] ← x[n−1], x
  store<f32>(ch, x, CH_ACC_S + 12);
}

/**
 * Ends a hop for the low (`lane` 0) or high (`lane` 16) vector: Y_k, the DFT of the hop
 * referenced to its first sample, from the chain states. A chain of M steps at 2ω with final
 * states a = s[M−1], b = s[M−2] has the DFT e^{−j2ω(M−1)}·((a − b cos 2ω) + j b sin 2ω); the
 * even chain's starts at the hop start, the odd chain's one sample later, so
 *   Y = e^{−j2ω(Me−1)}·(u_e + j v_e) + e^{−jω(2Mo−1)}·(u_o + j v_o).
 * Returns re (`im` false) or im: inlined into endBankHop, which keeps Y in registers.
 */
@inline function hopDft(ch: usize, rate: usize, lane: usize, im: bool): v128 {
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
  return im
    ? f32x4.add(f32x4.sub(f32x4.mul(vEven, cp), f32x4.mul(uEven, sp)), f32x4.sub(f32x4.mul(vOdd, cq), f32x4.mul(uOdd, sq)))
    : f32x4.add(f32x4.add(f32x4.mul(uEven, cp), f32x4.mul(vEven, sp)), f32x4.add(f32x4.mul(uOdd, cq), f32x4.mul(vOdd, sq)));
}

/**
 * Window power per bin of one group (`lane` 0 rows, 16 columns) from the hop's Y (yr, yi):
 * X = Y_prev + e^{−jωH}·Y (kept in WIN_X_RE, WIN_X_IM for the tone measurement), |X|²
 * normalised to a sine's mean power over the window.
 */
@inline function windowPower(ch: usize, rate: usize, lane: usize, yr: v128, yi: v128, winNorm: v128): v128 {
  const tc = v128.load(rate + R_COST + lane);
  const ts = v128.load(rate + R_SINT + lane);
  const xr = f32x4.add(v128.load(ch + CH_YPREV_RE + lane), f32x4.add(f32x4.mul(tc, yr), f32x4.mul(ts, yi)));
  const xi = f32x4.add(v128.load(ch + CH_YPREV_IM + lane), f32x4.sub(f32x4.mul(tc, yi), f32x4.mul(ts, yr)));
  v128.store(WIN_X_RE + lane, xr);
  v128.store(WIN_X_IM + lane, xi);
  return f32x4.mul(f32x4.add(f32x4.mul(xr, xr), f32x4.mul(xi, xi)), winNorm);
}

/** |Y|² of one group. */
@inline function hopPower(yr: v128, yi: v128): v128 {
  return f32x4.add(f32x4.mul(yr, yr), f32x4.mul(yi, yi));
}

/**
 * Ends the filter bank's part of a hop: Y (Y_RE, Y_IM), the window's power per bin
 * (WIN_POWER) and band power (WIN_BAND), the hop's |Y|² into the magnitude history, and the
 * hop becomes the previous one for the next window. Returns the window's total mean power less
 * DC (≥ 0).
 */
export function endBankHop(ch: usize, rate: usize): f32 {
  const reLo = hopDft(ch, rate, 0, false), imLo = hopDft(ch, rate, 0, true);
  const reHi = hopDft(ch, rate, 16, false), imHi = hopDft(ch, rate, 16, true);
  const zero = f32x4.splat(0);
  for (let at: usize = 0; at < 128; at += 16) v128.store(ch + CH_EVEN1 + at, zero); // the chains, for the next hop
  v128.store(Y_RE, reLo); v128.store(Y_RE + 16, reHi);
  v128.store(Y_IM, imLo); v128.store(Y_IM + 16, imHi);
  // The hop's sums: Σx², Σx from their parity lanes, the band energy 2(Σx² − Σx[n]·x[n−2]); the
  // accumulators cleared but for the last two samples (CH_ACC_S lanes 2-3).
  const e = v128.load(ch, CH_ACC_E);
  const s = v128.load(ch, CH_ACC_S);
  const hopE = f32x4.extract_lane(e, 0) + f32x4.extract_lane(e, 1);
  const hopS = f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1);
  const lagEven = f32x4.extract_lane(e, 2) + load<f32>(ch, CH_LAG_C); // n ≡ 0 and 2 (mod 4)
  const lagOdd = f32x4.extract_lane(e, 3) + load<f32>(ch, CH_LAG_D);
  const hopBand = <f32>2 * (hopE - (lagEven + lagOdd));
  store<f32>(HOP_E, hopE);
  store<f32>(HOP_S, hopS);
  v128.store(ch, zero, CH_ACC_E);
  store<f32>(ch, 0, CH_LAG_C);
  store<f32>(ch, 0, CH_LAG_D);
  v128.store(ch, v128.shuffle<f32>(zero, s, 0, 1, 6, 7), CH_ACC_S);
  const winNorm = f32x4.splat(load<f32>(rate, R_WIN_NORM));
  v128.store(WIN_POWER, windowPower(ch, rate, 0, reLo, imLo, winNorm));
  v128.store(WIN_POWER + 16, windowPower(ch, rate, 16, reHi, imHi, winNorm));
  recordHop(ch, hopPower(reLo, imLo), hopPower(reHi, imHi));
  const perSample = load<f32>(rate, R_INV_WIN); // 1/(2H)
  const energy = load<f32>(ch, CH_E_PREV) + hopE;
  const sum = load<f32>(ch, CH_S_PREV) + hopS;
  const ac = (energy - sum * sum * perSample) * perSample; // mean power less DC, ≥ 0 but for rounding
  const band = load<f32>(ch, CH_BAND_PREV) + hopBand; // ≥ 0 but for the window's end samples
  store<f32>(WIN_BAND, band > 0 ? band * perSample : <f32>0);
  // Shift: this hop becomes the previous one.
  v128.store(ch + CH_YPREV_RE, reLo); v128.store(ch + CH_YPREV_RE + 16, reHi);
  v128.store(ch + CH_YPREV_IM, imLo); v128.store(ch + CH_YPREV_IM + 16, imHi);
  store<f32>(ch, hopE, CH_E_PREV);
  store<f32>(ch, hopS, CH_S_PREV);
  store<f32>(ch, hopBand, CH_BAND_PREV);
  return ac > 0 ? ac : <f32>0;
}
