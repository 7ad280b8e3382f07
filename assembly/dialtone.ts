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
import { CH_CONFIG, CH_DIAL_COUNT, CH_DIAL_MODE, CH_DIAL_RAW, CH_E, CH_NOTCH } from "./channels";
import { CFG_DIAL_TONE_FILTER, CFG_MIN_POWER } from "./config";
import { WIN_POWER, Y_IM, Y_RE } from "./filterbank";
import { R_HOP, R_NOTCH } from "./rates";
import { laneMax } from "./window";
import { DIAL_BIN_SHARE, DIAL_OFF_HOPS, DIAL_REMOVED_SHARE, DIAL_RETRY_HOPS, DIAL_TRIAL_HOPS, DIAL_WATCH_HOPS } from "./rules";

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

/** Sets the mode from the channel's configuration block (open, configure, reset: index.ts). */
export function configureDialTone(ch: usize): void {
  const always = load<u8>(ch + CH_CONFIG, CFG_DIAL_TONE_FILTER) != 0;
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
  section(ch + CH_NOTCH, rate + R_NOTCH, buf, n);
  section(ch + CH_NOTCH + 8, rate + R_NOTCH + 20, buf, n);
}

/** |Y|² of one group of the hop just ended (`lane` 0: rows, 16: columns). */
@inline function hopPower(lane: usize): v128 {
  const yr = v128.load(Y_RE + lane), yi = v128.load(Y_IM + lane);
  return f32x4.add(f32x4.mul(yr, yr), f32x4.mul(yi, yi));
}

/**
 * The engagement at the end of a hop whose window has total power `total` (WIN_POWER holds its
 * bins); called only while no key is tracked (a tracked key keeps the filter as it is, and
 * CH_DIAL_RAW is then the press's). While watching, a window that does not look like a dial
 * tone and no count to reset cost a load and two compares.
 */
export function dialToneHop(ch: usize, rate: usize, total: f32): void {
  let mode = <i32>load<u8>(ch, CH_DIAL_MODE);
  let count = <i32>load<u8>(ch, CH_DIAL_COUNT);
  if (mode == DIAL_WATCH) {
    // A window that looks like a dial tone: loud, its eight bins holding at most DIAL_BIN_SHARE
    // of its power (no key: the purity test, CFG_TONE_TOTAL ≥ 0.1, fails on it).
    let like = total >= load<f32>(ch + CH_CONFIG, CFG_MIN_POWER);
    if (like) {
      const s = f32x4.add(v128.load(WIN_POWER), v128.load(WIN_POWER + 16));
      like = f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3) <= <f32>DIAL_BIN_SHARE * total;
    }
    if (!like && count == 0) return; // the common case: nothing changes
    count = like ? count + 1 : 0;
    if (count >= DIAL_WATCH_HOPS) { mode = DIAL_TRIAL; count = 0; }
  } else if (mode == DIAL_ALWAYS) {
    return;
  } else if (mode == DIAL_WAIT) {
    if (--count <= 0) { mode = DIAL_WATCH; count = 0; }
  } else {
    // The filter ran over this hop: CH_E is its energy after the filter, CH_DIAL_RAW before,
    // both less the energy of the hop's strongest pair of bins (a key starting under the dial
    // tone passes the filter and must not switch it off): a sine's hop DFT |Y|² is H²/4 × its
    // amplitude², so its energy over the hop (H × amplitude²/2) is (2/H)·|Y|².
    const lo = hopPower(0), hi = hopPower(16);
    const pair = (laneMax(lo) + laneMax(hi)) * (<f32>2 / <f32>load<i32>(rate, R_HOP));
    // At a key's first hop the pair's DFT energy falls short of its share of the hop (a tone
    // filling a share a of the hop gives a² of the full hop's |Y|², not a): that hop may fail,
    // so the filter stops only after DIAL_OFF_HOPS failing hops in a row.
    const after = load<f32>(ch, CH_E) - pair;
    const before = load<f32>(ch, CH_DIAL_RAW) - pair;
    const kept = before > 0 && after <= (<f32>1 - <f32>DIAL_REMOVED_SHARE) * before;
    if (mode == DIAL_TRIAL) {
      if (++count >= DIAL_TRIAL_HOPS) {
        if (kept) mode = DIAL_ON;
        else mode = DIAL_WAIT;
        count = kept ? 0 : DIAL_RETRY_HOPS;
      }
    } else if (kept) {
      count = 0;
    } else if (++count >= DIAL_OFF_HOPS) {
      mode = DIAL_WATCH;
      count = 0;
    }
  }
  store<u8>(ch, <u8>mode, CH_DIAL_MODE);
  store<u8>(ch, <u8>count, CH_DIAL_COUNT);
}

/** One biquad section: coefficients b0, b1, b2, a1, a2 at `coef`, states z1, z2 at `state`. */
function section(state: usize, coef: usize, buf: usize, n: i32): void {
  const b0 = load<f32>(coef), b1 = load<f32>(coef, 4), b2 = load<f32>(coef, 8);
  const a1 = load<f32>(coef, 12), a2 = load<f32>(coef, 16);
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
