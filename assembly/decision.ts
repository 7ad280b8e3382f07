// Decision logic: per hop, (1) is the 2-hop window a DTMF key, and (2) the key state machine
// that turns those per-window answers into key presses with refined onset and duration.
//
// (1) Window tests, all on mean powers in full-scale² units (a full-scale sine has 0.5):
//   level      each tone's power ≥ CFG_MIN_POWER             (Q.24 operate range 0 .. −25 dBm0)
//   twist      P_col/P_row within [CFG_TWIST_LO, CFG_TWIST_HI] (Q.24: +4 dB reverse, 8 dB normal)
//   peaks      the second bin of each group ≤ CFG_REL_PEAK × the peak (frequency selectivity)
//   purity     (P_row + P_col) ≥ CFG_TONE_TOTAL × P_total, P_total measured without DC
//              (white noise at S/N 10 dB leaves 0.91; speech and music rarely reach it)
// (2) States, per hop:
//   IDLE       a window hit starts a CANDIDATE; its onset is found by walking back the
//              per-hop magnitude history (below). No candidate starts if the key's tones
//              fill the whole history (MAG_HOPS hops, the oldest ≥ STALE_COVER full): a key
//              press starts from the key's absence, while chords of music and speech
//              harmonics mostly grow into a DTMF-like pair out of a sound already there
//              (`npm run bench`: music false keys on the talk-off corpus 8 → 0; the price
//              is keys 10 dB over speech, 97.0 → 95.4 %, whose first windows failed and
//              whose walk-back ran into speech at the key's frequencies; the Q.24 battery
//              is unchanged)
//   CANDIDATE  becomes ACTIVE (emits keydown) once the tone has lasted CFG_MIN_CONFIRM
//              samples, its measured frequencies are within CFG_FREQ_TOL, and over its full
//              hops the two tones hold CFG_PRESS_PURITY of the power (LATE_PRESS_PURITY if
//              the onset was found at the far end of the history: see startCandidate); a
//              candidate that ends first is dropped: this is how tones of 23 ms and less are
//              rejected
//   ACTIVE     keeps the key while windows hit; missing windows open a gap; the same key back
//              within CFG_GAP_MAX of the tone's end bridges the gap (Q.24 drop-out ≤ 10 ms),
//              otherwise the press ends (emits keyup); another key ends it at once
//
// Sub-hop edges: a hop the tone covers for a fraction a of its length gives |Y| ≈ a·|Y_full|
// (the DFT of a partial sinusoid grows linearly with its length), so with the magnitude of a
// full hop as reference the onset inside its first hop is hopEnd − a·H and the end inside its
// last hop is hopStart + a·H. This is what brings onset and duration errors well below a hop.
//
// Frequency: the phase of Y_k advances by 2π(f_k+δ)H/fs from hop to hop; multiplying by the
// twiddle e^{−jω_kH} leaves 2πδH/fs. Summing that phasor over the tone's full hops averages
// the estimate (the error from the other tone's sidelobe alternates and cancels), and δ is
// tested against CFG_FREQ_TOL (default 1.8 %: Q.24 accepts 1.5 %; 0.3 % of margin covers the
// estimate's noise, and a limit close to 1.5 % keeps out musical notes that sit 1.6-2.5 % from
// DTMF frequencies, the main source of talk-off in the bench corpus).
//
// Press purity: the window test (purity ≥ 60 %) lets a pair of speech harmonics through now
// and then; averaged over the tone's full hops, with the powers corrected for the measured
// frequency errors, DTMF at S/N 10 dB holds ≥ 83 % (keys at −10 dBm0 under −15 dBm0 dial tone:
// 76 %) while most harmonic pairs of speech that passed the window tests held 54-67 %
// (the talk-off part of `npm run bench`). CFG_PRESS_PURITY defaults to 70 % (src/options.ts).

import {
  CFG_FREQ_TOL, CFG_GAP_MAX, CFG_KEY_MASK, CFG_MIN_CONFIRM, CFG_MIN_POWER, CFG_PRESS_PURITY, CFG_REL_PEAK,
  CFG_TONE_TOTAL, CFG_TWIST_HI, CFG_TWIST_LO, CH_CONFIG, CH_E, CH_E_PREV, CH_FULL_HOPS,
  CH_HOP_START, CH_HOPS, CH_IN_GAP, CH_KEY, CH_MAG, CH_ONSET, CH_REF_N, CH_PAIRS, CH_POW_C, CH_POW_R,
  CH_PREV_A, CH_REF, CH_S, CH_S_PREV, CH_STATE, CH_TONE_END, CH_YPREV_IM, CH_YPREV_RE,
  CH_ZC_IM, CH_ZC_RE, CH_ZR_IM, CH_ZR_RE, CH_MAG_LAST, MAG_HOP_BYTES, MAG_HOPS, CH_HOP_POS, CH_TPREV, CH_TPREV_KEY, CH_HAS_PENDING, CH_PRESS_TOTAL, CH_LATE,
} from "./channels";
import { EVENT_KEYDOWN, EVENT_KEYUP, emit } from "./events";
import {
  R_COST, R_HOP, R_HOP_NORM, R_HZ, R_INV_HOP, R_INV_WIN, R_KDIFF, R_LEAK, R_KSELF, R_KSUM, R_RAD_PER_HZ, R_SINT, R_WIN_NORM, hopDft, hopEnergy,
} from "./filterbank";

/** Hop coverage below which a hop holds none of the tone (noise at S/N 10 dB gives ≈ 0.1). */
const COVER_MIN: f32 = 0.2;
/** Hop coverage from which a hop counts as filled by the tone (phase and level use only these). */
const COVER_FULL: f32 = 0.8;
/** Coverage of the oldest history hop from which a key's tones count as stale (startCandidate). */
const STALE_COVER: f32 = 0.35;
/**
 * Press purity (linear power share, 0.8 = −0.97 dB) required of a late candidate: one whose
 * onset lies at the far end of the history (startCandidate). A genuine key passes the window
 * tests within one or two hops of its onset; a pair whose windows kept failing while it was
 * already sounding had other sound in the way, and must then be as clean as a key at S/N 7 dB.
 * `node bench/candidates.mjs` (confirmation tests relaxed): 15 of the 22 candidates from the
 * talk-off corpora were late, and the reference's default tests keep none; of 7,274 genuine keys
 * (noise to S/N 6 dB, dial tone, 1 kHz, twist, level and frequency edges, G.711, keys over
 * speech) 24 were late and this rule alone stops none.
 */
const LATE_PRESS_PURITY: f64 = 0.8;
/** Share of the reference magnitude from which a hop joins the reference mean. */
const REF_SHARE: f32 = 0.7;
/** Hop-to-hop phase pairs needed before a frequency verdict (2 pairs: 3 full hops, 19 ms). */
const MIN_PHASE_PAIRS: i32 = 2;
/** Mean power of a 0 dBm0 sine in full-scale² units: a full-scale sine (0.5) less 3.17 dB (G.711). */
const DBM0_REF_POWER: f64 = 0.5 * 0.48194779762512; // 10^(−3.17/10)
/** Floor for levels so that silence reports a finite dBm0, never −Infinity. */
const POWER_FLOOR: f64 = 1e-15;

const STATE_IDLE: i32 = 0;
const STATE_CANDIDATE: i32 = 1;
const STATE_ACTIVE: i32 = 2;

// Scratch for the hop being decided: Y (re, im), and T: the corrected hop DFT of the tracked
// (or window's peak) row and column (re, im, re, im).
const SCRATCH = memory.data(80, 16);
const Y_RE: usize = SCRATCH;
const Y_IM: usize = SCRATCH + 32;
const T: usize = SCRATCH + 64;
/** The key whose two tones T holds: the tracked key, else the window's peak pair. */
let pairKey: i32 = 0;

/**
 * The largest of a vector's four lanes (two shuffles, two maxima: no branches). The lanes are
 * powers (never NaN), so the pseudo-maximum serves: it is one instruction on x86 and ARM,
 * where f32x4.max must also order NaN and −0 and costs several.
 */
@inline function laneMax(v: v128): f32 {
  const m = f32x4.pmax(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(f32x4.pmax(m, v128.shuffle<f32>(m, m, 1, 0, 3, 2)), 0);
}

/** The lane (0-3) holding `value`, which is one of `v`'s lanes. */
@inline function laneOf(v: v128, value: f32): i32 {
  return ctz(i32x4.bitmask(f32x4.eq(v, f32x4.splat(value))));
}

/**
 * Window tests on the row powers `lo` and column powers `hi`: the key 0-15 the window holds,
 * or −1. The group maxima come from branch-free lane reductions and the cheap tests go first,
 * so speech, music, noise and silence (nearly every window) cost a few vector operations.
 */
function classify(ch: usize, rate: usize, lo: v128, hi: v128, totalPower: f32): i32 {
  const cfg = ch + CH_CONFIG;
  const pr = laneMax(lo);
  const pc = laneMax(hi);
  const minPower = load<f32>(cfg, CFG_MIN_POWER);
  if (pr < minPower || pc < minPower) return -1;
  if (pr + pc < load<f32>(cfg, CFG_TONE_TOTAL) * totalPower) return -1;
  if (pc < load<f32>(cfg, CFG_TWIST_LO) * pr || pc > load<f32>(cfg, CFG_TWIST_HI) * pr) return -1;
  const row = laneOf(lo, pr);
  const col = laneOf(hi, pc);
  // The second strongest of each group, on amplitudes less part of what the other group's
  // tone can leak into each bin (R_LEAK): at −8 dB twist the strong tone's sidelobe would
  // otherwise count as a second tone in the weak group. Peak lane zeroed, maximum again.
  const zero = f32x4.splat(0);
  const loLeak = f32x4.mul(v128.load(rate + R_LEAK + (<usize>(4 + col) << 4)), f32x4.splat(Mathf.sqrt(pc)));
  const hiLeak = f32x4.mul(v128.load(rate + R_LEAK + (<usize>row << 4)), f32x4.splat(Mathf.sqrt(pr)));
  const loRest = f32x4.pmax(zero, f32x4.sub(f32x4.sqrt(lo), loLeak));
  const hiRest = f32x4.pmax(zero, f32x4.sub(f32x4.sqrt(hi), hiLeak));
  const rowSecond = laneMax(v128.bitselect(zero, f32x4.mul(loRest, loRest), f32x4.eq(lo, f32x4.splat(pr))));
  const colSecond = laneMax(v128.bitselect(zero, f32x4.mul(hiRest, hiRest), f32x4.eq(hi, f32x4.splat(pc))));
  const relPeak = load<f32>(cfg, CFG_REL_PEAK);
  if (rowSecond > relPeak * pr || colSecond > relPeak * pc) return -1;
  const key = (row << 2) | col;
  return (load<i32>(cfg, CFG_KEY_MASK) >> key) & 1 ? key : -1;
}

/** Hop coverage: magnitude `m` as a share of the full-hop reference `ref`, at most 1. */
@inline function coverage(m: f32, ref: f32): f32 {
  const a = m / ref;
  return a < 1 ? a : <f32>1; // a select: f32.min would also order NaN, at a cost per hop
}

/** |Y|² of bin 0-7 from a ring slot (bfloat16: the top half of the f32). */
@inline function ringPower(slot: usize, bin: i32): f32 {
  return reinterpret<f32>(<u32>load<u16>(slot + (<usize>bin << 1)) << 16);
}

/** Address of the magnitude ring's slot for hop number `hop` (≥ 0). */
@inline function magSlot(ch: usize, hop: i32): usize {
  const index = hop % MAG_HOPS;
  return index < MAG_HOPS - 1 ? ch + CH_MAG + <usize>(index * MAG_HOP_BYTES) : ch + CH_MAG_LAST;
}

/** |Y_row| + |Y_col| of `key` in the hop `back` hops before the current one (the ring holds |Y|²). */
function keyMagnitude(ch: usize, hops: i32, back: i32, key: i32): f32 {
  const slot = magSlot(ch, hops - back);
  return Mathf.sqrt(ringPower(slot, key >> 2)) + Mathf.sqrt(ringPower(slot, 4 + (key & 3)));
}

/** Rounds the f32 lanes of `v` (non-negative powers) to bfloat16: the top 16 bits, rounded. */
@inline function roundToBf16(v: v128): v128 {
  return i32x4.add(v, i32x4.splat(0x8000));
}

/**
 * T for `key`: each of its tones' hop DFT with the leakage of the other tone and of both
 * negative-frequency images removed (one correction step with the raw values; the leakage is
 * ≤ 15 %, so what remains is ≤ 2 %). Without it, pairs such as 941/1336 Hz (2.5 bins apart)
 * swing the magnitudes ±12 % from hop to hop and bias the measured frequency by up to 5 Hz.
 */
function correctPair(rate: usize, key: i32): void {
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

function levelDbm0(power: f64): f64 {
  return 10.0 * Math.log10(Math.max(power, POWER_FLOOR) / DBM0_REF_POWER);
}

/** Frequency error in Hz of bin `bin` from its accumulated phase-advance phasor. */
function errorHz(rate: usize, re: f32, im: f32): f64 {
  if (re == 0 && im == 0) return 0;
  return Math.atan2(<f64>im, <f64>re) / <f64>load<f32>(rate, R_RAD_PER_HZ);
}

/** The power a hop-long DFT loses to a frequency error of `errHz`: sinc²(δH/fs). */
function offsetLoss(rate: usize, errHz: f64): f64 {
  const x = errHz * <f64>load<f32>(rate, R_RAD_PER_HZ) * 0.5; // π δ H / fs
  if (Math.abs(x) < 1e-6) return 1.0;
  const s = Math.sin(x) / x;
  return Math.max(s * s, 0.25);
}

function emitKey(ch: usize, rate: usize, type: f64, decided: f64): void {
  // A confirmed key has ≥ MIN_PHASE_PAIRS pairs, so ≥ 3 full hops behind its levels.
  const key = load<i32>(ch, CH_KEY);
  const rowErr = errorHz(rate, load<f32>(ch, CH_ZR_RE), load<f32>(ch, CH_ZR_IM));
  const colErr = errorHz(rate, load<f32>(ch, CH_ZC_RE), load<f32>(ch, CH_ZC_IM));
  const full = <f64>load<i32>(ch, CH_FULL_HOPS);
  const rowPower = <f64>load<f32>(ch, CH_POW_R) / full / offsetLoss(rate, rowErr);
  const colPower = <f64>load<f32>(ch, CH_POW_C) / full / offsetLoss(rate, colErr);
  const onset = load<f64>(ch, CH_ONSET);
  emit(type, key, onset, load<f64>(ch, CH_TONE_END) - onset, decided,
    levelDbm0(rowPower), levelDbm0(colPower), rowErr, colErr);
}

/**
 * The confirmation tests: the tone has lasted CFG_MIN_CONFIRM, it has enough phase pairs, both
 * frequencies are in tolerance, and it holds CFG_PRESS_PURITY of the power (a late candidate
 * at least LATE_PRESS_PURITY).
 */
function toneAccepted(ch: usize, rate: usize): bool {
  const cfg = ch + CH_CONFIG;
  if (load<f64>(ch, CH_TONE_END) - load<f64>(ch, CH_ONSET) < <f64>load<i32>(cfg, CFG_MIN_CONFIRM)) return false;
  if (load<i32>(ch, CH_PAIRS) < MIN_PHASE_PAIRS) return false;
  const key = load<i32>(ch, CH_KEY);
  const tol = <f64>load<f32>(cfg, CFG_FREQ_TOL);
  const rowHz = <f64>load<f32>(rate + R_HZ + (<usize>(key >> 2) << 2));
  const colHz = <f64>load<f32>(rate + R_HZ + (<usize>(4 + (key & 3)) << 2));
  const rowErr = errorHz(rate, load<f32>(ch, CH_ZR_RE), load<f32>(ch, CH_ZR_IM));
  const colErr = errorHz(rate, load<f32>(ch, CH_ZC_RE), load<f32>(ch, CH_ZC_IM));
  if (Math.abs(rowErr) > tol * rowHz || Math.abs(colErr) > tol * colHz) return false;
  const tone = <f64>load<f32>(ch, CH_POW_R) / offsetLoss(rate, rowErr) + <f64>load<f32>(ch, CH_POW_C) / offsetLoss(rate, colErr);
  let purity = <f64>load<f32>(cfg, CFG_PRESS_PURITY);
  if (load<i32>(ch, CH_LATE) && purity < LATE_PRESS_PURITY) purity = LATE_PRESS_PURITY;
  return tone >= purity * <f64>load<f32>(ch, CH_PRESS_TOTAL);
}

/** Ends the tracked press: a confirmed one is reported, a candidate is dropped. */
function finish(ch: usize, rate: usize, decided: f64): void {
  if (load<i32>(ch, CH_STATE) == STATE_ACTIVE) emitKey(ch, rate, EVENT_KEYUP, decided);
  store<i32>(ch, STATE_IDLE, CH_STATE);
}

/**
 * Starts tracking `key`, found in the window that ends with the current hop, unless the key's
 * tones are stale: they already held the whole magnitude history (MAG_HOPS hops) with the
 * oldest hop at least STALE_COVER full, i.e. they were there for more than two hops before a
 * window first passed. A key press starts from the key's absence; the tones of a musical chord
 * or of speech usually grow into a DTMF-like pair out of a sound already present. If the onset
 * lies in the oldest hop but less than STALE_COVER of it, the candidate is late: it will need
 * LATE_PRESS_PURITY to be confirmed.
 */
function startCandidate(ch: usize, hop: i32, hops: i32, key: i32, hopStart: f64): void {
  const available = min(hops + 1, MAG_HOPS);
  const m0 = keyMagnitude(ch, hops, 0, key);
  const m1 = available > 1 ? keyMagnitude(ch, hops, 1, key) : <f32>0;
  const ref = max(max(m0, m1), <f32>1e-20);
  // Onset: back from the stronger of the two window hops while hops still hold the tone.
  let j = m0 >= m1 ? 0 : 1;
  while (j + 1 < available && keyMagnitude(ch, hops, j + 1, key) >= COVER_MIN * ref) j++;
  const aOn = coverage(keyMagnitude(ch, hops, j, key), ref);
  if (j == MAG_HOPS - 1 && aOn >= STALE_COVER) {
    store<i32>(ch, STATE_IDLE, CH_STATE);
    return;
  }
  store<i32>(ch, STATE_CANDIDATE, CH_STATE);
  store<i32>(ch, key, CH_KEY);
  store<i32>(ch, j == MAG_HOPS - 1 ? 1 : 0, CH_LATE);
  store<i32>(ch, 0, CH_IN_GAP);
  store<i32>(ch, 0, CH_PAIRS);
  store<i32>(ch, 0, CH_FULL_HOPS);
  store<f32>(ch, 0, CH_ZR_RE); store<f32>(ch, 0, CH_ZR_IM);
  store<f32>(ch, 0, CH_ZC_RE); store<f32>(ch, 0, CH_ZC_IM);
  store<f32>(ch, 0, CH_POW_R); store<f32>(ch, 0, CH_POW_C);
  store<f32>(ch, 0, CH_PRESS_TOTAL);
  store<f32>(ch, ref, CH_REF);
  store<i32>(ch, 1, CH_REF_N);
  const H = <f64>hop;
  store<f64>(ch, hopStart - <f64>j * H + (1.0 - <f64>aOn) * H, CH_ONSET);
  // End so far: inside the current hop if it holds the tone, else inside the previous one.
  const a0 = coverage(m0, ref);
  const a1 = coverage(m1, ref);
  let end: f64;
  if (a0 >= COVER_MIN) end = hopStart + (a0 >= COVER_FULL ? H : <f64>a0 * H);
  else end = hopStart - H + (a1 >= COVER_FULL ? H : <f64>a1 * H);
  store<f64>(ch, end, CH_TONE_END);
  store<f32>(ch, a1, CH_PREV_A);
}

/** Adds the current hop to the tracked key's phase and level sums (full hops only). */
function accumulate(ch: usize, rate: usize, key: i32, a: f32): void {
  if (a < COVER_FULL || key != pairKey) return;
  const trRe = load<f32>(T), trIm = load<f32>(T, 4), tcRe = load<f32>(T, 8), tcIm = load<f32>(T, 12);
  const norm = load<f32>(rate, R_HOP_NORM);
  store<f32>(ch, load<f32>(ch, CH_POW_R) + (trRe * trRe + trIm * trIm) * norm, CH_POW_R);
  store<f32>(ch, load<f32>(ch, CH_POW_C) + (tcRe * tcRe + tcIm * tcIm) * norm, CH_POW_C);
  store<i32>(ch, load<i32>(ch, CH_FULL_HOPS) + 1, CH_FULL_HOPS);
  const perSample = load<f32>(rate, R_INV_HOP);
  const e = load<f32>(ch, CH_E), s = load<f32>(ch, CH_S);
  const ac = (e - s * s * perSample) * perSample; // the hop's mean power less DC
  store<f32>(ch, load<f32>(ch, CH_PRESS_TOTAL) + (ac > 0 ? ac : <f32>0), CH_PRESS_TOTAL);
  if (load<f32>(ch, CH_PREV_A) < COVER_FULL || load<i32>(ch, CH_TPREV_KEY) != key) return;
  // (e^{−jωH}·T)·conj(T_prev): its phase is 2πδH/fs for each of the two tones.
  const r = <usize>(key >> 2) << 2, c = <usize>(4 + (key & 3)) << 2;
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
  store<i32>(ch, load<i32>(ch, CH_PAIRS) + 1, CH_PAIRS);
}

/** The key state machine for one hop whose window verdict is `hit`. */
function track(ch: usize, rate: usize, hit: i32, hops: i32, hopStart: f64): void {
  const hop = load<i32>(rate, R_HOP);
  const H = <f64>hop;
  const hopEnd = hopStart + H;
  let state = load<i32>(ch, CH_STATE);
  if (state == STATE_IDLE) {
    if (hit >= 0) startCandidate(ch, hop, hops, hit, hopStart);
    return;
  }
  const key = load<i32>(ch, CH_KEY);
  const m = keyMagnitude(ch, hops, 0, key);
  let ref = load<f32>(ch, CH_REF);
  if (hit == key && m >= REF_SHARE * ref) { // a hop the tone fills: refine the mean
    const n = load<i32>(ch, CH_REF_N) + 1;
    ref += (m - ref) / <f32>n;
    store<f32>(ch, ref, CH_REF);
    store<i32>(ch, n, CH_REF_N);
  }
  const a = coverage(m, ref);
  if (hit == key) {
    store<i32>(ch, 0, CH_IN_GAP);
    if (a >= COVER_MIN) store<f64>(ch, hopStart + (a >= COVER_FULL ? H : <f64>a * H), CH_TONE_END);
    accumulate(ch, rate, key, a);
    store<f32>(ch, a, CH_PREV_A);
    if (state == STATE_CANDIDATE && toneAccepted(ch, rate)) {
      store<i32>(ch, STATE_ACTIVE, CH_STATE);
      emitKey(ch, rate, EVENT_KEYDOWN, hopEnd);
    }
    return;
  }
  if (!load<i32>(ch, CH_IN_GAP)) {
    store<i32>(ch, 1, CH_IN_GAP);
    if (a >= COVER_MIN) { // the tone's tail inside this hop
      const tail = hopStart + <f64>a * H;
      if (tail > load<f64>(ch, CH_TONE_END)) store<f64>(ch, tail, CH_TONE_END);
    }
  }
  store<f32>(ch, 0, CH_PREV_A);
  if (hit >= 0) {
    finish(ch, rate, hopEnd);
    startCandidate(ch, hop, hops, hit, hopStart);
  } else if (hopEnd - load<f64>(ch, CH_TONE_END) >= <f64>load<i32>(ch + CH_CONFIG, CFG_GAP_MAX)) {
    finish(ch, rate, hopEnd);
  }
}

/** Called when the current hop is complete: DFT, window tests, state machine, hop shift. */
export function endHop(ch: usize, rate: usize): void {
  hopDft(ch, rate, 0, Y_RE, Y_IM);
  hopDft(ch, rate, 16, Y_RE + 16, Y_IM + 16);
  hopEnergy(ch);
  const hops = load<i32>(ch, CH_HOPS);
  const ringSlot = magSlot(ch, hops);
  const winNorm = f32x4.splat(load<f32>(rate, R_WIN_NORM));
  // Window DFT X = Y_prev + e^{−jωH}·Y, its power normalised to a sine's mean power; and |Y|².
  let yr = v128.load(Y_RE);
  let yi = v128.load(Y_IM);
  let tc = v128.load(rate, R_COST);
  let ts = v128.load(rate, R_SINT);
  let xr = f32x4.add(v128.load(ch, CH_YPREV_RE), f32x4.add(f32x4.mul(tc, yr), f32x4.mul(ts, yi)));
  let xi = f32x4.add(v128.load(ch, CH_YPREV_IM), f32x4.sub(f32x4.mul(tc, yi), f32x4.mul(ts, yr)));
  const lo = f32x4.mul(f32x4.add(f32x4.mul(xr, xr), f32x4.mul(xi, xi)), winNorm);
  const magLo = roundToBf16(f32x4.add(f32x4.mul(yr, yr), f32x4.mul(yi, yi)));
  yr = v128.load(Y_RE + 16);
  yi = v128.load(Y_IM + 16);
  tc = v128.load(rate, R_COST + 16);
  ts = v128.load(rate, R_SINT + 16);
  xr = f32x4.add(v128.load(ch, CH_YPREV_RE + 16), f32x4.add(f32x4.mul(tc, yr), f32x4.mul(ts, yi)));
  xi = f32x4.add(v128.load(ch, CH_YPREV_IM + 16), f32x4.sub(f32x4.mul(tc, yi), f32x4.mul(ts, yr)));
  const hi = f32x4.mul(f32x4.add(f32x4.mul(xr, xr), f32x4.mul(xi, xi)), winNorm);
  const magHi = roundToBf16(f32x4.add(f32x4.mul(yr, yr), f32x4.mul(yi, yi)));
  // The ring keeps the top halves of the eight f32 (little-endian bytes 2-3 of each lane).
  v128.store(ringSlot, v128.shuffle<u8>(magLo, magHi, 2, 3, 6, 7, 10, 11, 14, 15, 18, 19, 22, 23, 26, 27, 30, 31));
  const hop = load<i32>(rate, R_HOP);
  const perSample = load<f32>(rate, R_INV_WIN); // 1/(2H)
  const energy = load<f32>(ch, CH_E_PREV) + load<f32>(ch, CH_E);
  const sum = load<f32>(ch, CH_S_PREV) + load<f32>(ch, CH_S);
  const ac = (energy - sum * sum * perSample) * perSample; // mean power less DC, ≥ 0 but for rounding
  const total = ac > 0 ? ac : <f32>0;
  const hit = classify(ch, rate, lo, hi, total);
  // T is needed only while a key is tracked or about to be (its first phase pair uses the
  // previous hop's T); in speech, music and silence the correction is skipped.
  const tracked = load<i32>(ch, CH_STATE) != STATE_IDLE;
  if (tracked || hit >= 0) correctPair(rate, tracked ? load<i32>(ch, CH_KEY) : hit);
  else pairKey = -1;
  const hopStart = load<f64>(ch, CH_HOP_START);
  track(ch, rate, hit, hops, hopStart);
  // Shift: this hop becomes the previous one.
  for (let lane: usize = 0; lane < 32; lane += 16) {
    v128.store(ch + CH_YPREV_RE + lane, v128.load(Y_RE + lane));
    v128.store(ch + CH_YPREV_IM + lane, v128.load(Y_IM + lane));
  }
  v128.store(ch + CH_TPREV, v128.load(T));
  store<i32>(ch, pairKey, CH_TPREV_KEY);
  store<f32>(ch, load<f32>(ch, CH_E), CH_E_PREV);
  store<f32>(ch, load<f32>(ch, CH_S), CH_S_PREV);
  // The hop count only indexes the ring and says how much history exists; on overflow
  // (after 78 days at 8 kHz) it wraps to a value with the same ring position.
  const next = hops + 1;
  store<i32>(ch, next <= 0x3fffffff ? next : next % MAG_HOPS + MAG_HOPS, CH_HOPS);
  store<f64>(ch, hopStart + <f64>hop, CH_HOP_START);
  store<i32>(ch, 0, CH_HOP_POS);
}

/**
 * End of stream: a press still tracked ends where the stream ends (if the tone was still on
 * in the last hop) or where its tail was measured. A candidate long enough to confirm but cut
 * by the end of the stream is reported as a keydown and keyup together.
 */
export function endStream(ch: usize, rate: usize): void {
  const state = load<i32>(ch, CH_STATE);
  if (state == STATE_IDLE) return;
  const streamEnd = load<f64>(ch, CH_HOP_START) + <f64>(load<i32>(ch, CH_HOP_POS) + load<i32>(ch, CH_HAS_PENDING));
  if (!load<i32>(ch, CH_IN_GAP) && load<f32>(ch, CH_PREV_A) >= COVER_FULL) {
    store<f64>(ch, streamEnd, CH_TONE_END);
  }
  if (state == STATE_CANDIDATE && toneAccepted(ch, rate)) {
    store<i32>(ch, STATE_ACTIVE, CH_STATE);
    emitKey(ch, rate, EVENT_KEYDOWN, streamEnd);
  }
  finish(ch, rate, streamEnd);
}
