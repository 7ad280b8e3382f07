// The dial-tone filter: two notch sections at NOTCH_LOW_HZ and NOTCH_HIGH_HZ (rules.ts) run over
// the decoded f32 samples in place, before the filter bank, so that a dial tone above the keys
// neither holds the power the purity tests measure nor leaks into the low group's bins.
// Coefficients per rate (rates.ts R_NOTCH); each channel keeps the sections' two states
// (transposed direct form II: y = b0·x + z1, z1 ← b1·x − a1·y + z2, z2 ← b2·x − a2·y) in its
// record, so any split of the stream filters alike.
//
// When it runs: always with DetectorTuning.dialToneFilter; by default only while a dial tone is
// on the line (rules.ts "Dial-tone engagement"): dialToneHop() decides at each hop's end, from
// the window's powers and the hop's energy before and after the filter, whether the next hop
// is filtered. hop.ts filters hop by hop, so the decision falls on the same sample whatever
// the chunking.
//
// The tone filter: the same engagement for a steady tone off the DTMF grid (a 1 kHz test tone,
// a carrier), whose strongest bin's hop DFT turns by one frequency hop after hop (toneWatch):
// one notch section at that frequency (quality TONE_NOTCH_Q, cos ω in CH_TONE_COS) instead of the
// dial tone's two, on at once (the watch found the tone) and kept as they are, but for
// TONE_OFF_HOPS (TONE_BIT set in the mode).
import {
  CH_DIAL_COUNT, CH_DIAL_MODE, CH_DIAL_RAW, CH_HOPS, CH_NOTCH, CH_TONE_ABS, CH_TONE_COS, CH_TONE_HOP,
  CH_TONE_PREV, CH_TONE_WATCH, CH_TONE_Z, CH_TPREV_KEY, configOf,
} from "./channels";
import { CFG_DIAL_TONE_FILTER, CFG_MIN_POWER } from "./config";
import { HOP_E, WIN_POWER, Y_IM, Y_RE } from "./filterbank";
import { R_COST, R_HOP, R_HZ, R_NOTCH, R_RAD_PER_HZ, R_RATE, R_SINT } from "./rates";
import { laneMax } from "./window";
import {
  DIAL_BIN_SHARE, DIAL_OFF_HOPS, DIAL_REMOVED_SHARE, DIAL_RETRY_HOPS, DIAL_TRIAL_HOPS, DIAL_WATCH_HOPS,
  REF_SHARE, TONE_COHERENCE, TONE_NOTCH_Q, TONE_OFF_GRID, TONE_OFF_HOPS, TONE_WATCH_HOPS,
} from "./rules";

// Modes (CH_DIAL_MODE): bit 0 set <=> the filter runs.
/** Watching for a dial tone: the filter is off. */
export const DIAL_WATCH: i32 = 0;
/** Trying the filter for DIAL_TRIAL_HOPS hops. */
const DIAL_TRIAL: i32 = 1;
/** A trial failed: off for DIAL_RETRY_HOPS hops. */
const DIAL_WAIT: i32 = 2;
/** The filter runs: a dial tone is on the line. */
const DIAL_ON: i32 = 3;
/** The filter always runs (DetectorTuning.dialToneFilter): nothing to decide. */
const DIAL_ALWAYS: i32 = 5;
/** With DIAL_TRIAL or DIAL_ON: the tone filter's notch runs instead of the dial tone's. */
const TONE_BIT: i32 = 8;
/** Set in CH_TONE_HOP with the hop number (< 2^30, history.ts), so that a candidate's full-hop count, which shares it, never reads as one. */
const TONE_HOP_TAG: i32 = 0x40000000;

/** Sets the mode from the channel's configuration block (open, configure, reset: index.ts). */
export function configureDialTone(ch: usize): void {
  const always = load<u8>(configOf(ch), CFG_DIAL_TONE_FILTER) != 0;
  const was = <i32>load<u8>(ch, CH_DIAL_MODE) == DIAL_ALWAYS;
  if (always == was) return;
  store<u8>(ch, <u8>(always ? DIAL_ALWAYS : DIAL_WATCH), CH_DIAL_MODE);
  store<u8>(ch, 0, CH_DIAL_COUNT);
}

/** True if channel `ch`'s next samples go through the filter. */
@inline export function dialToneFiltering(ch: usize): bool {
  return (load<u8>(ch, CH_DIAL_MODE) & 1) != 0;
}

/**
 * Filters `n` f32 samples at `buf` in place through channel `ch`'s notch sections. Unless a key
 * is `tracked` or the filter always runs, their Σx² before the filter goes to CH_DIAL_RAW (the
 * engagement's yardstick), which `fresh` (the hop's first samples) restarts.
 */
export function filterDialTone(ch: usize, rate: usize, buf: usize, n: i32, tracked: bool, fresh: bool): void {
  if (n <= 0) return;
  if (!tracked && <i32>load<u8>(ch, CH_DIAL_MODE) != DIAL_ALWAYS) {
    let raw: f32 = fresh ? <f32>0 : load<f32>(ch, CH_DIAL_RAW);
    const end = buf + (<usize>n << 2);
    for (let p = buf; p < end; p += 4) { const x = load<f32>(p); raw += x * x; }
    store<f32>(ch, raw, CH_DIAL_RAW);
  }
  if (<i32>load<u8>(ch, CH_DIAL_MODE) & TONE_BIT) { // the RBJ notch at cos ω, b2 = b0, a1 = b1
    const c = load<f32>(ch, CH_TONE_COS);
    const alpha = Mathf.sqrt(max(<f32>1 - c * c, <f32>0)) * <f32>(0.5 / <f64>TONE_NOTCH_Q);
    const a0 = <f32>1 / (<f32>1 + alpha);
    section(ch + CH_NOTCH, a0, <f32>-2 * c * a0, a0, <f32>-2 * c * a0, (<f32>1 - alpha) * a0, buf, n);
    return;
  }
  const c1 = rate + R_NOTCH, c2 = rate + R_NOTCH + 20;
  section(ch + CH_NOTCH, load<f32>(c1), load<f32>(c1, 4), load<f32>(c1, 8), load<f32>(c1, 12), load<f32>(c1, 16), buf, n);
  section(ch + CH_NOTCH + 8, load<f32>(c2), load<f32>(c2, 4), load<f32>(c2, 8), load<f32>(c2, 12), load<f32>(c2, 16), buf, n);
}

/** |Y|² of one group of the hop just ended (`lane` 0: rows, 16: columns). */
@inline function hopPower(lane: usize): v128 {
  const yr = v128.load(Y_RE + lane), yi = v128.load(Y_IM + lane);
  return f32x4.add(f32x4.mul(yr, yr), f32x4.mul(yi, yi));
}

/**
 * The engagement at the end of a hop whose window has total power `total` (WIN_POWER holds its
 * bins) and holds a key if `found` (then the tone filter holds); called only while no key is
 * tracked (a tracked key keeps the filter as it is, and CH_DIAL_RAW is then the press's). While
 * watching, a window that does not look like a dial tone and no count to reset cost a load and
 * two compares.
 */
export function dialToneHop(ch: usize, rate: usize, total: f32, found: bool): void {
  const mode = <i32>load<u8>(ch, CH_DIAL_MODE);
  if (mode != DIAL_WATCH) {
    if (mode != DIAL_ALWAYS) filterHop(ch, rate, mode, found);
    return;
  }
  let count = <i32>load<u8>(ch, CH_DIAL_COUNT);
  // A window that looks like a dial tone: loud, its eight bins holding at most DIAL_BIN_SHARE
  // of its power (no key: the purity test, CFG_TONE_TOTAL ≥ 0.1, fails on it).
  let like = total >= load<f32>(configOf(ch), CFG_MIN_POWER);
  if (like) {
    const s = f32x4.add(v128.load(WIN_POWER), v128.load(WIN_POWER + 16));
    like = f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3) <= <f32>DIAL_BIN_SHARE * total;
  }
  if (!like && count == 0) return; // the common case: nothing changes
  count = like ? count + 1 : 0;
  if (count >= DIAL_WATCH_HOPS) {
    store<u8>(ch, <u8>DIAL_TRIAL, CH_DIAL_MODE);
    store<u8>(ch, 0, CH_DIAL_COUNT);
    store<u16>(ch, 0, CH_TONE_WATCH);
    return;
  }
  store<u8>(ch, <u8>count, CH_DIAL_COUNT);
}

/**
 * The tone watch's part of a hop whose window looked like a steady tone (window.ts TONE_LIKE)
 * while no key is tracked, called by the state machine (press.ts) after dialToneHop: there the
 * verdict has been branched on already, so the common hop pays nothing more. Only while
 * watching (neither filter runs, nor always runs).
 */
export function toneLikeHop(ch: usize, rate: usize): void {
  if (<i32>load<u8>(ch, CH_DIAL_MODE) == DIAL_WATCH) toneWatch(ch, rate);
}

/** dialToneHop while the filter waits, is tried or runs (mode DIAL_WAIT, DIAL_TRIAL, DIAL_ON, with TONE_BIT or not). */
function filterHop(ch: usize, rate: usize, mode: i32, found: bool): void {
  if (found && (mode & TONE_BIT)) return; // a key's window: the tone filter holds, as while a key is tracked
  let count = <i32>load<u8>(ch, CH_DIAL_COUNT);
  if (mode == DIAL_WAIT) {
    if (--count <= 0) { mode = DIAL_WATCH; count = 0; store<u16>(ch, 0, CH_TONE_WATCH); }
  } else {
    // The filter ran over this hop: HOP_E is its energy after the filter, CH_DIAL_RAW before,
    // both less the energy of the hop's strongest pair of bins (a key starting under the dial
    // tone passes the filter and must not switch it off): a sine's hop DFT |Y|² is H²/4 × its
    // amplitude², so its energy over the hop (H × amplitude²/2) is (2/H)·|Y|².
    const lo = hopPower(0), hi = hopPower(16);
    const pair = (laneMax(lo) + laneMax(hi)) * (<f32>2 / <f32>load<i32>(rate, R_HOP));
    // At a key's first hop the pair's DFT energy falls short of its share of the hop (a tone
    // filling a share a of the hop gives a² of the full hop's |Y|², not a): that hop may fail,
    // so the filter stops only after DIAL_OFF_HOPS failing hops in a row.
    const after = load<f32>(HOP_E) - pair;
    const before = load<f32>(ch, CH_DIAL_RAW) - pair;
    const kept = before > 0 && after <= (<f32>1 - <f32>DIAL_REMOVED_SHARE) * before;
    const tone = mode & TONE_BIT; // the same decisions for the tone filter, which keeps its bit
    mode &= ~TONE_BIT;
    if (mode == DIAL_TRIAL) {
      if (++count >= DIAL_TRIAL_HOPS) {
        if (kept) mode = DIAL_ON | tone;
        else mode = DIAL_WAIT;
        count = kept ? 0 : DIAL_RETRY_HOPS;
      } else {
        mode |= tone;
      }
    } else if (kept) {
      mode |= tone;
      count = 0;
    } else if (++count >= (tone ? TONE_OFF_HOPS : DIAL_OFF_HOPS)) {
      mode = DIAL_WATCH;
      count = 0;
      store<u16>(ch, 0, CH_TONE_WATCH);
    } else {
      mode |= tone;
    }
  }
  store<u8>(ch, <u8>mode, CH_DIAL_MODE);
  store<u8>(ch, <u8>count, CH_DIAL_COUNT);
}

/**
 * The tone watch, at the end of a hop while watching (no key tracked, the dial tone's filter
 * off) whose window looks like one steady tone (window.ts TONE_LIKE: TONE_GROUP_RATIO): over
 * such hops in a row (neither a key tracked nor a window holding one in the previous hop:
 * CH_TPREV_KEY −1) the strongest bin of the window must turn its hop DFT by one frequency, TONE_COHERENCE over TONE_WATCH_HOPS hop-to-hop phasors,
 * and that frequency must lie off the bin's by TONE_OFF_GRID or more (a key's tone never does):
 * then the tone filter runs at it.
 */
function toneWatch(ch: usize, rate: usize): void {
  // A hop that never gets here (window.ts TONE_LIKE) stores nothing: the watch goes on only from
  // the hop just before (CH_TONE_HOP).
  const lo = v128.load(WIN_POWER), hi = v128.load(WIN_POWER + 16);
  const pr = laneMax(lo), pc = laneMax(hi);
  const hops = load<i32>(ch, CH_HOPS);
  let watch = <i32>load<u16>(ch, CH_TONE_WATCH); // (bin << 8) | phasors + 1
  if (load<i32>(ch, CH_TONE_HOP) != ((hops - 1) | TONE_HOP_TAG) || <i32>load<i8>(ch, CH_TPREV_KEY) != -1) watch = 0;
  store<i32>(ch, hops | TONE_HOP_TAG, CH_TONE_HOP);
  const b = pr >= pc
    ? ctz(i32x4.bitmask(f32x4.eq(lo, f32x4.splat(pr))))
    : 4 + ctz(i32x4.bitmask(f32x4.eq(hi, f32x4.splat(pc))));
  const at = <usize>b << 2;
  const yr = load<f32>(Y_RE + at), yi = load<f32>(Y_IM + at);
  const qr = load<f32>(ch, CH_TONE_PREV), qi = load<f32>(ch, CH_TONE_PREV + 4);
  const my = Mathf.sqrt(yr * yr + yi * yi), mq = Mathf.sqrt(qr * qr + qi * qi);
  // A new bin, or a hop the tone does not fill as it filled the last (its onset, REF_SHARE): start here.
  if (watch == 0 || (watch >> 8) != b || min(my, mq) < <f32>REF_SHARE * max(my, mq)) {
    store<f32>(ch, yr, CH_TONE_PREV); store<f32>(ch, yi, CH_TONE_PREV + 4);
    store<f32>(ch, 0, CH_TONE_Z); store<f32>(ch, 0, CH_TONE_Z + 4);
    store<f32>(ch, 0, CH_TONE_ABS);
    store<u16>(ch, <u16>((b << 8) | 1), CH_TONE_WATCH);
    return;
  }
  // e^{−jω_bH}·Y·conj(Y_prev): the tone's turn per hop less the bin's own.
  const ar = yr * qr + yi * qi, ai = yi * qr - yr * qi;
  const tc = load<f32>(rate + R_COST + at), ts = load<f32>(rate + R_SINT + at);
  const zr = load<f32>(ch, CH_TONE_Z) + (tc * ar + ts * ai);
  const zi = load<f32>(ch, CH_TONE_Z + 4) + (tc * ai - ts * ar);
  const abs = load<f32>(ch, CH_TONE_ABS) + my * mq;
  store<f32>(ch, yr, CH_TONE_PREV); store<f32>(ch, yi, CH_TONE_PREV + 4);
  store<f32>(ch, zr, CH_TONE_Z); store<f32>(ch, zi, CH_TONE_Z + 4);
  store<f32>(ch, abs, CH_TONE_ABS);
  watch++;
  if ((watch & 0xff) <= TONE_WATCH_HOPS) {
    store<u16>(ch, <u16>watch, CH_TONE_WATCH);
    return;
  }
  // Decided: the next watch starts from this hop (its DFT is CH_TONE_PREV already).
  store<u16>(ch, <u16>((b << 8) | 1), CH_TONE_WATCH);
  store<f32>(ch, 0, CH_TONE_Z); store<f32>(ch, 0, CH_TONE_Z + 4);
  store<f32>(ch, 0, CH_TONE_ABS);
  const binHz = <f64>load<f32>(rate + R_HZ + at);
  const offHz = zr == 0 && zi == 0 ? 0.0 : Math.atan2(<f64>zi, <f64>zr) / <f64>load<f32>(rate, R_RAD_PER_HZ);
  if (<f64>Mathf.sqrt(zr * zr + zi * zi) < TONE_COHERENCE * <f64>abs || Math.abs(offHz) < TONE_OFF_GRID * binHz) return;
  store<f32>(ch, <f32>Math.cos(2.0 * Math.PI * (binHz + offHz) / <f64>load<i32>(rate, R_RATE)), CH_TONE_COS);
  v128.store(ch, f32x4.splat(0), CH_NOTCH); // both sections' states: the tone's notch starts at rest
  store<u8>(ch, <u8>(DIAL_ON | TONE_BIT), CH_DIAL_MODE); // no trial: the watch found the tone, its notch settles in ≈ 2 hops
  store<u8>(ch, 0, CH_DIAL_COUNT);
}

/** One biquad section: coefficients b0, b1, b2, a1, a2, states z1, z2 at `state`. */
function section(state: usize, b0: f32, b1: f32, b2: f32, a1: f32, a2: f32, buf: usize, n: i32): void {
  let z1 = load<f32>(state), z2 = load<f32>(state, 4);
  const end = buf + (<usize>n << 2);
  for (let p = buf; p < end; p += 4) {
    const x = load<f32>(p);
    const y = b0 * x + z1;
    z1 = b1 * x - a1 * y + z2;
    z2 = b2 * x - a2 * y;
    store<f32>(p, y);
  }
  store<f32>(state, z1);
  store<f32>(state, z2, 4);
}
