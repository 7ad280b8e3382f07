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
// still takes out the low band. Its products ride in the energy accumulator (runBank): one
// load more per sample pair, and x[n−2], x[n−1] kept in the sum accumulator's lanes 2-3 from
// call to call.

import {
  CH_ACC_E, CH_ACC_S, CH_BAND_PREV, CH_E_PREV, CH_EVEN1, CH_EVEN2, CH_ODD1, CH_ODD2, CH_S_PREV,
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
 * its sum Σx (the sum lets the window energy be measured with its DC offset removed). `src − 8`
 * must be writable: the two samples before the first, x[n−2] and x[n−1], kept in the record
 * from the call before, are written there, so that every pair's lag-2 partners are one load
 * away. Pairs are always aligned to
 * the hop start (hop.ts): the first sample of a pair is at an even position of the hop, so it
 * feeds the even chains, and every split of the input performs exactly the same arithmetic.
 * Inlined into feed: as a function of its own V8 no longer unrolled the loop below, and moved
 * the chains' states between registers at every step (≈ 10 % slower, `node bench/ab-cores.mjs`).
 */
@inline export function runBank(ch: usize, rate: usize, src: usize, n: i32): void {
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
  // The products: a pair [x0, x1] splat to [x0, x1, x0, x1] times the four samples ending with
  // it, [x[−2], x[−1], x0, x1], gives [x0·x[−2], x1·x[−1], x0², x1²]: the lag-2 products and
  // the squares by sample parity in one multiply (CH_ACC_E's lanes), each lane in time order,
  // so any split gives the same sums. Σx rides in lanes 0-1 of `sum` (lanes 2-3 are scratch
  // here: the stored state keeps x[n−2], x[n−1] there). The lag-2 products took a pass of their
  // own before, bound by its adds' latency (≈ 10 % of the core's time under `perf record`);
  // here they fill issue slots that the chains' latency leaves idle, for one load a pair. The
  // chains' inputs are lanes of the pair, not loads of their own: V8 keeps 15 vector registers
  // for the code and hoists the loop's loads to its top, so four loaded values at once spilled a
  // chain state to the stack at every step (0.94 of the speed with the separate pass). xEven
  // as a splat of lane 0 (one broadcast on x86) rather than a shuffle: ab-cores 1.018, 1.027.
  // Reading 16-bit PCM here, converted pair by pair, instead of decodePcm16's pass into the
  // scratch (≈ 6.5 % of the core's time under perf, bench/profile-core.mjs) ran slower in
  // ab-cores: 0.87 with Σx spilled to the stack at every pair, 0.92 with Σx summed apart and
  // nothing spilled. The loop is near the vector units' throughput, and the conversion's
  // shuffles cost more than the pass they replace.
  let energy = v128.load(ch, CH_ACC_E);
  let sum = v128.load(ch, CH_ACC_S);
  store<u64>(src - 8, i64x2.extract_lane(sum, 1)); // x[n−2], x[n−1] from the call before
  const end = src + (<usize>n << 2);
  for (let q = src - 8; q < end - 8; q += 8) { // the pair at q + 8, its four samples from q
    const pair = v128.load64_splat(q, 8); // [x0, x1, x0, x1]
    energy = f32x4.add(energy, f32x4.mul(pair, v128.load(q))); // × [x[−2], x[−1], x0, x1]
    sum = f32x4.add(sum, pair);
    const xEven = f32x4.splat(f32x4.extract_lane(pair, 0));
    const xOdd = v128.shuffle<f32>(pair, pair, 1, 1, 1, 1);
    const eLo = f32x4.add(f32x4.mul(cLo, even1Lo), f32x4.sub(xEven, even2Lo));
    const eHi = f32x4.add(f32x4.mul(cHi, even1Hi), f32x4.sub(xEven, even2Hi));
    const oLo = f32x4.add(f32x4.mul(cLo, odd1Lo), f32x4.sub(xOdd, odd2Lo));
    const oHi = f32x4.add(f32x4.mul(cHi, odd1Hi), f32x4.sub(xOdd, odd2Hi));
    even2Lo = even1Lo; even1Lo = eLo;
    even2Hi = even1Hi; even1Hi = eHi;
    odd2Lo = odd1Lo; odd1Lo = oLo;
    odd2Hi = odd1Hi; odd1Hi = oHi;
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
  // The last two samples: the last pair, or the two written at src − 8 when n is 0.
  v128.store(ch, v128.shuffle<f32>(sum, v128.load64_splat(end - 8), 0, 1, 6, 7), CH_ACC_S);
}

/**
 * The last sample of a hop of odd length: it sits at an even position, one even-chain step;
 * its lag-2 product and square go to the even lanes (runBank).
 */
export function runBankOne(ch: usize, rate: usize, x: f32): void {
  const xv = f32x4.splat(x);
  const s1Lo = v128.load(ch, CH_EVEN1), s1Hi = v128.load(ch, CH_EVEN1 + 16);
  v128.store(ch, f32x4.add(f32x4.mul(v128.load(rate, R_COEF), s1Lo), f32x4.sub(xv, v128.load(ch, CH_EVEN2))), CH_EVEN1);
  v128.store(ch, f32x4.add(f32x4.mul(v128.load(rate, R_COEF + 16), s1Hi), f32x4.sub(xv, v128.load(ch, CH_EVEN2 + 16))), CH_EVEN1 + 16);
  v128.store(ch, s1Lo, CH_EVEN2);
  v128.store(ch, s1Hi, CH_EVEN2 + 16);
  store<f32>(ch, load<f32>(ch, CH_ACC_E) + x * load<f32>(ch, CH_ACC_S + 8), CH_ACC_E); // lane 0: x·x[n−2]
  store<f32>(ch, load<f32>(ch, CH_ACC_E + 8) + x * x, CH_ACC_E + 8); // lane 2: x²
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
 * The end of a hop for one group (`lane` 0 rows, 16 columns): its Y (Y_RE, Y_IM), its chains
 * cleared for the next hop, its window power (WIN_POWER), and its Y kept as the previous hop's;
 * returns the group's |Y|² for the magnitude history.
 */
@inline function endGroup(ch: usize, rate: usize, lane: usize, winNorm: v128): v128 {
  const re = hopDft(ch, rate, lane, false), im = hopDft(ch, rate, lane, true);
  const zero = f32x4.splat(0);
  v128.store(ch + lane, zero, CH_EVEN1); v128.store(ch + lane, zero, CH_EVEN2);
  v128.store(ch + lane, zero, CH_ODD1); v128.store(ch + lane, zero, CH_ODD2);
  v128.store(Y_RE + lane, re);
  v128.store(Y_IM + lane, im);
  v128.store(WIN_POWER + lane, windowPower(ch, rate, lane, re, im, winNorm));
  v128.store(ch + lane, re, CH_YPREV_RE);
  v128.store(ch + lane, im, CH_YPREV_IM);
  return hopPower(re, im);
}

/**
 * Ends the filter bank's part of a hop: Y (Y_RE, Y_IM), the window's power per bin
 * (WIN_POWER) and band power (WIN_BAND), the hop's |Y|² into the magnitude history, and the
 * hop becomes the previous one for the next window. Returns the window's total mean power less
 * DC (≥ 0).
 */
export function endBankHop(ch: usize, rate: usize): f32 {
  const winNorm = f32x4.splat(load<f32>(rate, R_WIN_NORM));
  // One group after the other: each group's stores keep V8 from loading the other's inputs
  // before them, which with all four DFT halves at once spilled half of them to the stack.
  const powerLo = endGroup(ch, rate, 0, winNorm);
  const powerHi = endGroup(ch, rate, 16, winNorm);
  recordHop(ch, powerLo, powerHi);
  const zero = f32x4.splat(0);
  // The hop's sums: Σx², Σx from their parity lanes, the band energy 2(Σx² − Σx[n]·x[n−2]); the
  // accumulators cleared but for the last two samples (CH_ACC_S lanes 2-3).
  const e = v128.load(ch, CH_ACC_E);
  const s = v128.load(ch, CH_ACC_S);
  const hopE = f32x4.extract_lane(e, 2) + f32x4.extract_lane(e, 3);
  const hopS = f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1);
  const hopBand = <f32>2 * (hopE - (f32x4.extract_lane(e, 0) + f32x4.extract_lane(e, 1)));
  store<f32>(HOP_E, hopE);
  store<f32>(HOP_S, hopS);
  v128.store(ch, zero, CH_ACC_E);
  v128.store(ch, v128.shuffle<f32>(zero, s, 0, 1, 6, 7), CH_ACC_S);
  const perSample = load<f32>(rate, R_INV_WIN); // 1/(2H)
  const energy = load<f32>(ch, CH_E_PREV) + hopE;
  const sum = load<f32>(ch, CH_S_PREV) + hopS;
  const ac = (energy - sum * sum * perSample) * perSample; // mean power less DC, ≥ 0 but for rounding
  const band = load<f32>(ch, CH_BAND_PREV) + hopBand; // ≥ 0 but for the window's end samples
  store<f32>(WIN_BAND, band > 0 ? band * perSample : <f32>0);
  // Shift: this hop becomes the previous one (its Y: endGroup).
  store<f32>(ch, hopE, CH_E_PREV);
  store<f32>(ch, hopS, CH_S_PREV);
  store<f32>(ch, hopBand, CH_BAND_PREV);
  return ac > 0 ? ac : <f32>0;
}
