// Tone measurement: for the tracked key (or the window's peak pair), each tone's hop DFT with
// the leakage of the other tone removed; the frequency of each tone from the phase advance of
// that corrected DFT between hops; and the tones' levels and share of the power over the
// tone's full hops, which the confirmation tests (press.ts) and the events read.
//
// Frequency: the phase of Y_k advances by 2π(f_k+δ)H/fs from hop to hop; multiplying by the
// twiddle e^{−jω_kH} leaves 2πδH/fs. Summing that phasor over the tone's full hops averages
// the estimate (the error from the other tone's sidelobe alternates and cancels), and δ is
// tested against CFG_FREQ_TOL (default 1.8 %: Q.24 accepts 1.5 %; 0.3 % of margin covers the
// estimate's noise, and a limit close to 1.5 % keeps out musical notes that sit 1.6-2.5 % from
// DTMF frequencies, the main source of talk-off in the bench corpus).
import {
  CH_ABS_TC, CH_ABS_TR, CH_ABS_WC, CH_ABS_WR, CH_ABS_ZC, CH_ABS_ZR, CH_FLAGS, CH_FULL_HOPS, CH_PAIRS, CH_POW_C, CH_POW_R,
  CH_BAND_PREV, CH_PRESS_BAND, CH_PRESS_TOTAL, CH_PREV_A, CH_TPREV, CH_TPREV_KEY, CH_W_PREV, CH_WINDOW_PAIRS, CH_WZC_RE, CH_WZR_RE, U16_MAX,
  CH_ZC_IM, CH_ZC_RE, CH_ZR_IM, CH_ZR_RE,
} from "./channels";
import { DBM0_REF_POWER } from "../src/conventions";
import { HOP_E, HOP_S, WIN_X_IM, WIN_X_RE, Y_IM, Y_RE } from "./filterbank";
import { R_COST, R_HOP_NORM, R_INV_HOP, R_KDIFF, R_KSELF, R_KSUM, R_RAD_PER_HZ, R_SINT, sine } from "./rates";
import { CONT_MAG_SHARE, CONT_MEASURE_COS, CONT_MIN_COS, COVER_FULL, OFFSET_LOSS_FLOOR, POWER_FLOOR } from "./rules";

// T: the corrected hop DFT of the tracked (or window's peak) row and column (re, im, re, im).
const T = memory.data(16, 16);
/** The key whose two tones T holds: the tracked key, else the window's peak pair; −1: none. */
let pairKey: i32 = 0;

/**
 * T for `key`: each of its tones' hop DFT with the leakage of the other tone and of both
 * negative-frequency images removed (one correction step with the raw values; the leakage is
 * ≤ 15 %, so what remains is ≤ 2 %). Without it, pairs such as 941/1336 Hz (2.5 bins apart)
 * swing the magnitudes ±12 % from hop to hop and bias the measured frequency by up to 5 Hz.
 */
export function correctPair(rate: usize, key: i32): void {
  pairKey = key;
  const r = <usize>(key >> 2) << 2, c = <usize>(4 + (key & 3)) << 2;
  const yrRe = load<f32>(Y_RE + r), yrIm = load<f32>(Y_IM + r);
  const ycRe = load<f32>(Y_RE + c), ycIm = load<f32>(Y_IM + c);
  const pair = rate + (<usize>key << 3);
  const dRe = load<f32>(pair + R_KDIFF), dIm = load<f32>(pair + R_KDIFF, 4);
  const sRe = load<f32>(pair + R_KSUM), sIm = load<f32>(pair + R_KSUM, 4);
  const rRe = load<f32>(rate + R_KSELF + (r << 1)), rIm = load<f32>(rate + R_KSELF + (r << 1), 4);
  const cRe = load<f32>(rate + R_KSELF + (c << 1)), cIm = load<f32>(rate + R_KSELF + (c << 1), 4);
  // row: Y_r − K_d·Y_c − K_s·conj(Y_c) − K_r·conj(Y_r)
  store<f32>(T, yrRe - (dRe * ycRe - dIm * ycIm) - (sRe * ycRe + sIm * ycIm) - (rRe * yrRe + rIm * yrIm));
  store<f32>(T, yrIm - (dRe * ycIm + dIm * ycRe) - (sIm * ycRe - sRe * ycIm) - (rIm * yrRe - rRe * yrIm), 4);
  // column: Y_c − conj(K_d)·Y_r − K_s·conj(Y_r) − K_c·conj(Y_c)
  store<f32>(T, ycRe - (dRe * yrRe + dIm * yrIm) - (sRe * yrRe + sIm * yrIm) - (cRe * ycRe + cIm * ycIm), 8);
  store<f32>(T, ycIm - (dRe * yrIm - dIm * yrRe) - (sIm * yrRe - sRe * yrIm) - (cIm * ycRe - cRe * ycIm), 12);
}

/** No key this hop: T holds nothing (in speech, music and silence the correction is skipped). */
export function clearPair(): void { pairKey = -1; }

/**
 * Bit of the channel's flags (press.ts FLAG_*): the last measured hop made a hop phase pair, so
 * its window and the one before (CH_W_PREV, kept for the next hop) make a window phase pair.
 */
export const FLAG_WINDOW_PAIR: u8 = 16;

/**
 * Adds the window phase phasor (e^{−jωH}·X)·conj(X_prev) of one tone (`bin`: its lane's byte
 * offset; `prev`: its X_prev in the record, re and im) to its sums at `sum` (re, im), and
 * |X|·|X_prev| to `abs`. X is the window's DFT as the window tests measured it (filterbank.ts
 * WIN_X_RE, WIN_X_IM).
 */
function addWindowPhasor(ch: usize, rate: usize, bin: usize, prev: usize, sum: usize, abs: usize): void {
  const xr = load<f32>(WIN_X_RE + bin), xi = load<f32>(WIN_X_IM + bin);
  const tc = load<f32>(rate + R_COST + bin), ts = load<f32>(rate + R_SINT + bin);
  const wr = tc * xr + ts * xi, wi = tc * xi - ts * xr;
  const pr = load<f32>(ch + prev), pi = load<f32>(ch + prev, 4);
  store<f32>(ch + sum, load<f32>(ch + sum) + (wr * pr + wi * pi));
  store<f32>(ch + sum, load<f32>(ch + sum, 4) + (wi * pr - wr * pi), 4);
  store<f32>(ch + abs, load<f32>(ch + abs) + Mathf.sqrt((xr * xr + xi * xi) * (pr * pr + pi * pi)));
}

/** Ends the hop for the tone measurement: T and the pair's window DFT become the previous hop's. */
export function shiftPair(ch: usize): void {
  v128.store(ch + CH_TPREV, v128.load(T));
  store<i8>(ch, pairKey, CH_TPREV_KEY);
  if (pairKey < 0) return;
  const r = <usize>(pairKey >> 2) << 2, c = <usize>(4 + (pairKey & 3)) << 2;
  store<f32>(ch, load<f32>(WIN_X_RE + r), CH_W_PREV);
  store<f32>(ch, load<f32>(WIN_X_IM + r), CH_W_PREV + 4);
  store<f32>(ch, load<f32>(WIN_X_RE + c), CH_W_PREV + 8);
  store<f32>(ch, load<f32>(WIN_X_IM + c), CH_W_PREV + 12);
}

/**
 * Clears the sums of a new candidate: the phase pairs and the record's run of sums from the hop
 * phasors to the window magnitudes (channels.ts declares them in a row, zrRe … absWc).
 */
export function clearToneSums(ch: usize): void {
  store<u16>(ch, 0, CH_PAIRS);
  store<u16>(ch, 0, CH_WINDOW_PAIRS);
  memory.fill(ch + CH_ZR_RE, 0, CH_ABS_WC + 4 - CH_ZR_RE);
}

/** Adds the current hop to the tracked key's phase and level sums (full hops only). */
export function accumulate(ch: usize, rate: usize, key: i32, a: f32): void {
  if (a < <f32>COVER_FULL || key != pairKey) return;
  const trRe = load<f32>(T), trIm = load<f32>(T, 4), tcRe = load<f32>(T, 8), tcIm = load<f32>(T, 12);
  const norm = load<f32>(rate, R_HOP_NORM);
  store<f32>(ch, load<f32>(ch, CH_POW_R) + (trRe * trRe + trIm * trIm) * norm, CH_POW_R);
  store<f32>(ch, load<f32>(ch, CH_POW_C) + (tcRe * tcRe + tcIm * tcIm) * norm, CH_POW_C);
  store<i32>(ch, load<i32>(ch, CH_FULL_HOPS) + 1, CH_FULL_HOPS);
  const magR = Mathf.sqrt(trRe * trRe + trIm * trIm), magC = Mathf.sqrt(tcRe * tcRe + tcIm * tcIm);
  store<f32>(ch, load<f32>(ch, CH_ABS_TR) + magR, CH_ABS_TR);
  store<f32>(ch, load<f32>(ch, CH_ABS_TC) + magC, CH_ABS_TC);
  const perSample = load<f32>(rate, R_INV_HOP);
  const e = load<f32>(HOP_E), s = load<f32>(HOP_S);
  const ac = (e - s * s * perSample) * perSample; // the hop's mean power less DC
  store<f32>(ch, load<f32>(ch, CH_PRESS_TOTAL) + (ac > 0 ? ac : <f32>0), CH_PRESS_TOTAL);
  // The hop's band power (filterbank.ts: endBankHop left this hop's band energy in CH_BAND_PREV),
  // for the busy line's purity floor on the band (press.ts steadyPair).
  const band = load<f32>(ch, CH_BAND_PREV) * perSample;
  store<f32>(ch, load<f32>(ch, CH_PRESS_BAND) + (band > 0 ? band : <f32>0), CH_PRESS_BAND);
  // A hop phase pair: the previous hop was full and measured T for this key. A window phase
  // pair: this hop and the last measured one both made a hop pair (this window spans this hop
  // and the previous, X_prev the two before).
  const pair = load<f32>(ch, CH_PREV_A) >= <f32>COVER_FULL && <i32>load<i8>(ch, CH_TPREV_KEY) == key;
  const flags = load<u8>(ch, CH_FLAGS);
  const r = <usize>(key >> 2) << 2, c = <usize>(4 + (key & 3)) << 2;
  if (pair && (flags & FLAG_WINDOW_PAIR)) {
    addWindowPhasor(ch, rate, r, CH_W_PREV, CH_WZR_RE, CH_ABS_WR);
    addWindowPhasor(ch, rate, c, CH_W_PREV + 8, CH_WZC_RE, CH_ABS_WC);
    store<u16>(ch, min(<i32>load<u16>(ch, CH_WINDOW_PAIRS) + 1, U16_MAX), CH_WINDOW_PAIRS);
  }
  store<u8>(ch, pair ? flags | FLAG_WINDOW_PAIR : flags & ~FLAG_WINDOW_PAIR, CH_FLAGS);
  if (!pair) return;
  // (e^{−jωH}·T)·conj(T_prev): its phase is 2πδH/fs for each of the two tones.
  const twr = load<f32>(rate + R_COST + r), tws = load<f32>(rate + R_SINT + r);
  const wrRe = twr * trRe + tws * trIm, wrIm = twr * trIm - tws * trRe;
  const pr = load<f32>(ch, CH_TPREV), pi = load<f32>(ch, CH_TPREV + 4);
  store<f32>(ch, load<f32>(ch, CH_ZR_RE) + wrRe * pr + wrIm * pi, CH_ZR_RE);
  store<f32>(ch, load<f32>(ch, CH_ZR_IM) + wrIm * pr - wrRe * pi, CH_ZR_IM);
  const twc = load<f32>(rate + R_COST + c), tsc = load<f32>(rate + R_SINT + c);
  const wcRe = twc * tcRe + tsc * tcIm, wcIm = twc * tcIm - tsc * tcRe;
  const qr = load<f32>(ch, CH_TPREV + 8), qi = load<f32>(ch, CH_TPREV + 12);
  store<f32>(ch, load<f32>(ch, CH_ZC_RE) + wcRe * qr + wcIm * qi, CH_ZC_RE);
  store<f32>(ch, load<f32>(ch, CH_ZC_IM) + wcIm * qr - wcRe * qi, CH_ZC_IM);
  store<u16>(ch, min(<i32>load<u16>(ch, CH_PAIRS) + 1, U16_MAX), CH_PAIRS);
  // |z| of each phasor added: |T|·|T_prev| (the twiddle has unit modulus).
  store<f32>(ch, load<f32>(ch, CH_ABS_ZR) + magR * Mathf.sqrt(pr * pr + pi * pi), CH_ABS_ZR);
  store<f32>(ch, load<f32>(ch, CH_ABS_ZC) + magC * Mathf.sqrt(qr * qr + qi * qi), CH_ABS_ZC);
}

/**
 * A continued hop of the tracked key (rules.ts CONT_MIN_COS, press.ts): after a phase pair, one
 * of its tones goes on as measured (its T turned from the last hop's, CH_TPREV, by the turn its
 * phase pairs measured, to within CONT_MIN_COS, with CONT_MAG_SHARE of its mean |T| over the
 * full hops) while the other's bin holds CONT_MAG_SHARE of its own mean. Returns 0 (no tone
 * goes on so), 1 (one or both do: a continued hop), or 2 (both do, each within
 * CONT_MEASURE_COS: press.ts measures the hop). After one measured hop, before any phase pair,
 * the nominal frequencies stand for the measured ones, for 2 only. Needs T of the tracked key
 * (correctPair). The two tones in a loop: one copy of the test (the core's size).
 */
export function continued(ch: usize, rate: usize): i32 {
  if (<i32>load<i8>(ch, CH_TPREV_KEY) != pairKey) return 0;
  // Before a phase pair (one measured hop), the key's nominal frequencies stand for the measured
  // turn (a zero turn after the twiddle), and only both tones within CONT_MEASURE_COS count.
  const nominal = phasePairs(ch) < 1;
  const full = load<i32>(ch, CH_FULL_HOPS);
  if (full < 1) return 0;
  let going = 0, close = 0;
  const share = <f32>CONT_MAG_SHARE / <f32>full;
  for (let i = 0; i < 2; i++) {
    const self = <usize>i << 3, other = <usize>8 - self; // T's and CH_TPREV's byte offsets: row 0, column 8
    const re = load<f32>(T + self), im = load<f32>(T + self, 4);
    const ore = load<f32>(T + other), oim = load<f32>(T + other, 4);
    const abs = load<f32>(ch + (i == 0 ? CH_ABS_TR : CH_ABS_TC)), otherAbs = load<f32>(ch + (i == 0 ? CH_ABS_TC : CH_ABS_TR));
    if (re * re + im * im < (share * abs) * (share * abs) || ore * ore + oim * oim < (share * otherAbs) * (share * otherAbs)) continue;
    const bin = i == 0 ? <usize>(pairKey >> 2) << 2 : <usize>(4 + (pairKey & 3)) << 2;
    const tc = load<f32>(rate + R_COST + bin), ts = load<f32>(rate + R_SINT + bin);
    const wr = tc * re + ts * im, wi = tc * im - ts * re; // e^{−jωH}·T
    const pr = load<f32>(ch + CH_TPREV + self), pi = load<f32>(ch + CH_TPREV + self, 4);
    const ar = wr * pr + wi * pi, ai = wi * pr - wr * pi; // this hop's phasor
    const z = ch + (i == 0 ? CH_ZR_RE : CH_ZC_RE);
    const zr = nominal ? <f32>1 : load<f32>(z), zi = nominal ? <f32>0 : load<f32>(z, 4);
    // The cosine of its angle to the measured phasor, without atan2; strict, so that a zero
    // phasor never passes.
    const dot = ar * zr + ai * zi, norm = Mathf.sqrt((ar * ar + ai * ai) * (zr * zr + zi * zi));
    if (dot > <f32>CONT_MIN_COS * norm) going++;
    if (dot > <f32>CONT_MEASURE_COS * norm) close++;
  }
  return close == 2 ? 2 : nominal ? 0 : min(going, 1);
}

/** Frequency error in Hz of a tone from its accumulated phase-advance phasor. */
function errorHz(rate: usize, re: f32, im: f32): f64 {
  if (re == 0 && im == 0) return 0;
  return Math.atan2(<f64>im, <f64>re) / <f64>load<f32>(rate, R_RAD_PER_HZ);
}

/** Measured row frequency − nominal, Hz. */
export function rowErrorHz(ch: usize, rate: usize): f64 {
  return errorHz(rate, load<f32>(ch, CH_ZR_RE), load<f32>(ch, CH_ZR_IM));
}

/** Measured column frequency − nominal, Hz. */
export function colErrorHz(ch: usize, rate: usize): f64 {
  return errorHz(rate, load<f32>(ch, CH_ZC_RE), load<f32>(ch, CH_ZC_IM));
}

/** The power a hop-long DFT loses to a frequency error of `errHz`: sinc²(δH/fs). */
function offsetLoss(rate: usize, errHz: f64): f64 {
  const x = errHz * <f64>load<f32>(rate, R_RAD_PER_HZ) * 0.5; // π δ H / fs
  if (Math.abs(x) < 1e-6) return 1.0;
  const s = sine(x) / x;
  return Math.max(s * s, OFFSET_LOSS_FLOOR);
}

/** Σ row-tone power over the full hops, corrected for the measured frequency error. */
export function rowPowerSum(ch: usize, rate: usize, rowErr: f64): f64 {
  return <f64>load<f32>(ch, CH_POW_R) / offsetLoss(rate, rowErr);
}

/** Σ column-tone power over the full hops, corrected for the measured frequency error. */
export function colPowerSum(ch: usize, rate: usize, colErr: f64): f64 {
  return <f64>load<f32>(ch, CH_POW_C) / offsetLoss(rate, colErr);
}

/** Mean row-tone power over the full hops, corrected for the measured frequency error. */
export function meanRowPower(ch: usize, rate: usize, rowErr: f64): f64 {
  return <f64>load<f32>(ch, CH_POW_R) / <f64>load<i32>(ch, CH_FULL_HOPS) / offsetLoss(rate, rowErr);
}

/** Mean column-tone power over the full hops, corrected for the measured frequency error. */
export function meanColPower(ch: usize, rate: usize, colErr: f64): f64 {
  return <f64>load<f32>(ch, CH_POW_C) / <f64>load<i32>(ch, CH_FULL_HOPS) / offsetLoss(rate, colErr);
}

/** Σ total power (DC removed) over the same hops. */
export function totalPowerSum(ch: usize): f64 {
  return <f64>load<f32>(ch, CH_PRESS_TOTAL);
}

/** Σ band power (filterbank.ts: y = x[n] − x[n−2]) over the same hops. */
export function bandPowerSum(ch: usize): f64 {
  return <f64>load<f32>(ch, CH_PRESS_BAND);
}

/** |Σ z| / Σ |z| of the less coherent tone from the sums at `row` (re, im), `col` and the magnitudes at `absRow`, `absCol`. */
function coherenceOf(ch: usize, row: usize, col: usize, absRow: usize, absCol: usize): f64 {
  const sr = <f64>load<f32>(ch + absRow), sc = <f64>load<f32>(ch + absCol);
  if (sr <= 0 || sc <= 0) return 0;
  const rr = <f64>load<f32>(ch + row), ri = <f64>load<f32>(ch + row, 4);
  const cr = <f64>load<f32>(ch + col), ci = <f64>load<f32>(ch + col, 4);
  return Math.min(Math.sqrt(rr * rr + ri * ri) / sr, Math.sqrt(cr * cr + ci * ci) / sc);
}

/**
 * Phase coherence of the less coherent tone: |Σ z| / Σ |z| over the hop phase pairs (1: one
 * frequency throughout; 0 before any pair).
 */
export function phaseCoherence(ch: usize): f64 {
  return coherenceOf(ch, CH_ZR_RE, CH_ZC_RE, CH_ABS_ZR, CH_ABS_ZC);
}

/**
 * Phase coherence of the less coherent tone measured on the 2-hop windows (X of the window tests,
 * one hop apart): |Σ z| / Σ |z| over the window phase pairs (0 before any); the busy line's
 * measure (rules.ts BUSY_COHERENCE).
 */
export function windowCoherence(ch: usize): f64 {
  return coherenceOf(ch, CH_WZR_RE, CH_WZC_RE, CH_ABS_WR, CH_ABS_WC);
}

/**
 * Amplitude steadiness of the less steady tone over the full hops: (Σ|T|)² / (n·Σ|T|²), which
 * is 1/(1+cv²) for a coefficient of variation cv (1: constant amplitude; 0 without full hops).
 */
export function amplitudeSteadiness(ch: usize, rate: usize): f64 {
  const n = <f64>load<i32>(ch, CH_FULL_HOPS);
  const norm = <f64>load<f32>(rate, R_HOP_NORM); // Σ|T|² = powR / norm
  const pr = <f64>load<f32>(ch, CH_POW_R), pc = <f64>load<f32>(ch, CH_POW_C);
  if (n <= 0 || pr <= 0 || pc <= 0) return 0;
  const ar = <f64>load<f32>(ch, CH_ABS_TR), ac = <f64>load<f32>(ch, CH_ABS_TC);
  return Math.min(ar * ar * norm / (n * pr), ac * ac * norm / (n * pc));
}

/** Full hops in the level and purity sums. */
export function fullHops(ch: usize): i32 { return load<i32>(ch, CH_FULL_HOPS); }

/** Hop-to-hop phase pairs in the frequency estimate. */
export function phasePairs(ch: usize): i32 { return <i32>load<u16>(ch, CH_PAIRS); }

/** Window-to-window phase pairs in the window coherence. */
export function windowPairs(ch: usize): i32 { return <i32>load<u16>(ch, CH_WINDOW_PAIRS); }

export function levelDbm0(power: f64): f64 {
  return 10.0 * Math.log10(Math.max(power, POWER_FLOOR) / DBM0_REF_POWER);
}
