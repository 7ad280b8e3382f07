// Window tests: does the 2-hop window that ends with the current hop hold a DTMF key? All on
// mean powers in full-scale² units (a full-scale sine has 0.5), from the filter bank
// (filterbank.ts WIN_POWER) and the channel's configuration (config.ts):
//   level      each tone's power ≥ CFG_MIN_POWER             (Q.24 operate range 0 .. −25 dBm0)
//   purity     (P_row + P_col) ≥ CFG_TONE_TOTAL × P_total, P_total measured without DC
//              (white noise at S/N 10 dB leaves 0.91; speech and music rarely reach it), or
//              the same share of the band power (filterbank.ts WIN_BAND: y = x[n] − x[n−2],
//              the tones weighted by its gains, rates.ts R_BAND_GAIN), which leaves out the
//              speech and music below the keys (with the held windows and the press rules of
//              issue #14, keys over speech 8/3/0 dB 95.5/85.6/77.7 → 96.1/88.3/81.2 % and
//              white noise at S/N 3 dB 94.0 → 96.0 % with it: `node bench/speech-lab.mjs
//              speech,noise`, the reference with its band gains set to 0 for the first figures)
//   twist      P_col/P_row within [CFG_TWIST_LO, CFG_TWIST_HI] (Q.24: +4 dB reverse, 8 dB normal);
//              a window that fails the twist alone, by at most TWIST_SPAN, is "twisted": the
//              key's tones off balance, as a codec's onset leaves them (press.ts, rules.ts)
//   peaks      the second bin of each group ≤ CFG_REL_PEAK × the peak (frequency selectivity),
//              on amplitudes less the other group's leak (rates.ts R_LEAK, rules.ts LEAK_SHARE)
//   keys       the key is in CFG_KEY_MASK
// The cheap tests go first, so speech, music, noise and silence (nearly every window) cost a
// few vector operations. A new test is one more early return in classify().
// While a key is tracked, a window without a key may still hold it (held(), rules.ts
// HOLD_PURITY): the key goes on but is not confirmed by that window (press.ts).
import {
  CFG_KEY_MASK, CFG_MIN_POWER, CFG_REL_PEAK, CFG_TONE_TOTAL, CFG_TWIST_HI, CFG_TWIST_LO,
} from "./config";
import { CH_HOPS, CH_KEY, configOf } from "./channels";
import { WIN_BAND, WIN_POWER } from "./filterbank";
import { magSlot } from "./history";
import { R_BAND_GAIN, R_LEAK, R_WIN_NORM } from "./rates";
import { BACKGROUND_OWN_SHARE, BACKGROUND_SHARE, HOLD_PURITY, HOLD_REL_PEAK, MAG_HOPS, TONE_GROUP_RATIO, TWIST_SPAN } from "./rules";

/** classify's verdict for a window of key k that fails the twist test alone: TWISTED + k. */
export const TWISTED: i32 = 16;
/**
 * classify's verdict for a window without a key that fails the level or purity test while one
 * group's strongest bin is TONE_GROUP_RATIO over the other's: a steady tone's look, for the
 * tone watch (dialtone.ts). White noise and speech fill both groups alike.
 */
export const TONE_LIKE: i32 = -2;
/** held()'s verdict for a window that carries the tracked key k on without confirming it: HELD + k. */
export const HELD: i32 = 32;
/** A continued hop of the tracked key k (tones.ts continued): CONTINUED + k, a held window that may confirm. */
export const CONTINUED: i32 = 48;
/** TWIST_SPAN above the reverse twist limit and below the normal one. */
const TWIST_SPAN_UP: f32 = <f32>TWIST_SPAN;
const TWIST_SPAN_DOWN: f32 = <f32>(1.0 / TWIST_SPAN);

/**
 * The largest of a vector's four lanes (two shuffles, two maxima: no branches). The lanes are
 * powers (never NaN), so the pseudo-maximum serves: it is one instruction on x86 and ARM,
 * where f32x4.max must also order NaN and −0 and costs several.
 */
@inline export function laneMax(v: v128): f32 {
  const m = f32x4.pmax(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(f32x4.pmax(m, v128.shuffle<f32>(m, m, 1, 0, 3, 2)), 0);
}

/** TONE_LIKE if one group's strongest bin power is TONE_GROUP_RATIO over the other's, else −1. */
@inline function toneLike(pr: f32, pc: f32): i32 {
  // Compares, not f32.min/max (which must order NaN and −0: several instructions each).
  return <i32>(pr >= <f32>TONE_GROUP_RATIO * pc) | <i32>(pc >= <f32>TONE_GROUP_RATIO * pr) ? TONE_LIKE : -1;
}

/** The lane (0-3) holding `value`, which is one of `v`'s lanes. */
@inline function laneOf(v: v128, value: f32): i32 {
  return ctz(i32x4.bitmask(f32x4.eq(v, f32x4.splat(value))));
}

/**
 * The purity test: the pair (lanes `row`, `col` of the window's powers, `pr`, `pc`) holds
 * `share` of the window's total power, or of its band power with the tones weighted by the
 * band's gains (filterbank.ts, rates.ts R_BAND_GAIN).
 */
@inline function pure(rate: usize, row: i32, col: i32, pr: f32, pc: f32, totalPower: f32, share: f32): bool {
  if (pr + pc >= share * totalPower) return true;
  const gr = load<f32>(rate + R_BAND_GAIN + (<usize>row << 2));
  const gc = load<f32>(rate + R_BAND_GAIN + (<usize>(4 + col) << 2));
  return gr * pr + gc * pc >= share * load<f32>(WIN_BAND);
}

/**
 * The peak test: no bin but the peak of each group (lanes `row`, `col`) holds more than `ratio`
 * of the group's peak power, on amplitudes less part of what the other group's tone can leak
 * into each bin (R_LEAK): at −8 dB twist the strong tone's sidelobe would otherwise count as a
 * second tone in the weak group. Peak lane zeroed, maximum again.
 */
@inline function peaked(rate: usize, lo: v128, hi: v128, pr: f32, pc: f32, row: i32, col: i32, ratio: f32): bool {
  return peakedOn(rate, f32x4.sqrt(lo), f32x4.sqrt(hi), lo, hi, pr, pc, row, col, ratio);
}

/**
 * The peak test on the bins' amplitudes `loAmp`, `hiAmp`: the window's (peaked), or less their
 * background (peakedOverBackground); `lo`, `hi` are the window's powers, which locate the peaks.
 */
@inline function peakedOn(rate: usize, loAmp: v128, hiAmp: v128, lo: v128, hi: v128, pr: f32, pc: f32, row: i32, col: i32, ratio: f32): bool {
  const zero = f32x4.splat(0);
  const loLeak = f32x4.mul(v128.load(rate + R_LEAK + (<usize>(4 + col) << 4)), f32x4.splat(Mathf.sqrt(pc)));
  const hiLeak = f32x4.mul(v128.load(rate + R_LEAK + (<usize>row << 4)), f32x4.splat(Mathf.sqrt(pr)));
  const loRest = f32x4.pmax(zero, f32x4.sub(loAmp, loLeak));
  const hiRest = f32x4.pmax(zero, f32x4.sub(hiAmp, hiLeak));
  const rowSecond = laneMax(v128.bitselect(zero, f32x4.mul(loRest, loRest), f32x4.eq(lo, f32x4.splat(pr))));
  const colSecond = laneMax(v128.bitselect(zero, f32x4.mul(hiRest, hiRest), f32x4.eq(hi, f32x4.splat(pc))));
  return rowSecond <= ratio * pr && colSecond <= ratio * pc;
}

/**
 * Background window powers of four bins (`at`: 0 rows, 8 columns): the smallest |Y|² over the
 * history hops 2 … MAG_HOPS − 1 back, times `scale` (4 × the window norm: rules.ts
 * BACKGROUND_OWN_SHARE).
 */
@inline function background(ch: usize, hops: i32, at: usize, scale: v128): v128 {
  let m = f32x4.splat(Infinity);
  for (let k = 2; k < MAG_HOPS; k++) {
    // The slot's bfloat16 powers (history.ts) back to f32: each u16 into the top half of a lane.
    m = f32x4.pmin(m, i32x4.shl(i32x4.extend_low_i16x8_u(v128.load64_zero(magSlot(ch, hops - k) + at)), 16));
  }
  return f32x4.mul(m, scale);
}

/**
 * The peak test over the background (rules.ts BACKGROUND_OWN_SHARE, BACKGROUND_SHARE), for a
 * window that failed the peak test: each bin's amplitude over its background, the key's own bins
 * keeping BACKGROUND_OWN_SHARE of their power so; then the peak test (peakedOn) on the bins'
 * amplitudes, over the background where it fills BACKGROUND_SHARE of a bin's power, else as they
 * are. Not before the history holds MAG_HOPS hops. Called only when the peak test fails, so it
 * stays out of the inlined tests.
 */
function peakedOverBackground(ch: usize, rate: usize, lo: v128, hi: v128, pr: f32, pc: f32, row: i32, col: i32, ratio: f32): bool {
  const hops = load<i32>(ch, CH_HOPS);
  if (hops < MAG_HOPS - 1) return false;
  const scale = f32x4.splat(<f32>4 * load<f32>(rate, R_WIN_NORM));
  const bgLo = background(ch, hops, 0, scale), bgHi = background(ch, hops, 8, scale);
  const zero = f32x4.splat(0);
  const loAmp = f32x4.sqrt(lo), hiAmp = f32x4.sqrt(hi);
  const loOver = f32x4.pmax(zero, f32x4.sub(loAmp, f32x4.sqrt(bgLo)));
  const hiOver = f32x4.pmax(zero, f32x4.sub(hiAmp, f32x4.sqrt(bgHi)));
  const rowOver = laneAt(loOver, row), colOver = laneAt(hiOver, col);
  if (rowOver * rowOver < <f32>BACKGROUND_OWN_SHARE * pr || colOver * colOver < <f32>BACKGROUND_OWN_SHARE * pc) return false;
  const share = f32x4.splat(<f32>BACKGROUND_SHARE);
  const loNet = v128.bitselect(loOver, loAmp, f32x4.ge(bgLo, f32x4.mul(lo, share)));
  const hiNet = v128.bitselect(hiOver, hiAmp, f32x4.ge(bgHi, f32x4.mul(hi, share)));
  return peakedOn(rate, loNet, hiNet, lo, hi, pr, pc, row, col, ratio);
}

/** Lane `i` (0-3) of `v` (lanes ≥ 0). */
@inline function laneAt(v: v128, i: i32): f32 {
  return laneMax(v128.bitselect(v, f32x4.splat(0), i32x4.eq(i32x4(0, 1, 2, 3), i32x4.splat(i))));
}

/**
 * The window tests on the window's powers (WIN_POWER: rows, columns) and its total power
 * `totalPower`: the key 0-15 the window holds, TWISTED + key if it fails the twist test alone
 * (within TWIST_SPAN), TONE_LIKE (−2) or −1. Inlined (into hop.ts endHop) as the optimizer did
 * by itself before TONE_LIKE made it larger: called, it cost ≈ 5 % (`node bench/ab-cores.mjs`).
 */
@inline export function classify(ch: usize, rate: usize, totalPower: f32): i32 {
  const cfg = configOf(ch);
  const lo = v128.load(WIN_POWER);
  const hi = v128.load(WIN_POWER + 16);
  const pr = laneMax(lo);
  const pc = laneMax(hi);
  const minPower = load<f32>(cfg, CFG_MIN_POWER);
  if (pr < minPower || pc < minPower) return <i32>(pr >= minPower) | <i32>(pc >= minPower) ? toneLike(pr, pc) : -1;
  const row = laneOf(lo, pr);
  const col = laneOf(hi, pc);
  if (!pure(rate, row, col, pr, pc, totalPower, load<f32>(cfg, CFG_TONE_TOTAL))) return toneLike(pr, pc);
  // Twist: a window within TWIST_SPAN beyond the limits still goes through the peak test, and
  // a key found there is reported as TWISTED + key (the state machine's use: press.ts).
  const twistLo = load<f32>(cfg, CFG_TWIST_LO) * pr, twistHi = load<f32>(cfg, CFG_TWIST_HI) * pr;
  let twisted = 0;
  if (pc < twistLo || pc > twistHi) {
    if (pc < twistLo * TWIST_SPAN_DOWN || pc > twistHi * TWIST_SPAN_UP) return -1;
    twisted = TWISTED;
  }
  const relPeak = load<f32>(cfg, CFG_REL_PEAK);
  if (!peaked(rate, lo, hi, pr, pc, row, col, relPeak) && !peakedOverBackground(ch, rate, lo, hi, pr, pc, row, col, relPeak)) return -1;
  const key = (row << 2) | col;
  return (load<i32>(cfg, CFG_KEY_MASK) >> key) & 1 ? twisted + key : -1;
}

/**
 * True if the window (WIN_POWER) still carries the tracked key's tones as a key's: its two bins
 * lead their groups, each above the level, within the twist limits (held's first tests; press.ts
 * measures a hop whose two tones went on only so).
 */
export function carriesKey(ch: usize): bool {
  const lo = v128.load(WIN_POWER);
  const hi = v128.load(WIN_POWER + 16);
  return carries(configOf(ch), <i32>load<u8>(ch, CH_KEY), lo, hi, laneMax(lo), laneMax(hi));
}

/** carriesKey on the window's powers `lo`, `hi` and their group peaks `pr`, `pc` (held has them at hand). */
function carries(cfg: usize, key: i32, lo: v128, hi: v128, pr: f32, pc: f32): bool {
  if (laneOf(lo, pr) != key >> 2 || laneOf(hi, pc) != (key & 3)) return false;
  const minPower = load<f32>(cfg, CFG_MIN_POWER);
  if (pr < minPower || pc < minPower) return false;
  return pc >= load<f32>(cfg, CFG_TWIST_LO) * pr && pc <= load<f32>(cfg, CFG_TWIST_HI) * pr;
}

/**
 * A window without a key while the channel tracks one (rules.ts HOLD_PURITY): true if the
 * tracked key's two bins still lead their groups (WIN_POWER), each above the level, within the
 * twist limits, with HOLD_PURITY of the power (pure()) and no second bin within HOLD_REL_PEAK.
 */
export function held(ch: usize, rate: usize, totalPower: f32): bool {
  const cfg = configOf(ch);
  const key = <i32>load<u8>(ch, CH_KEY);
  const row = key >> 2, col = key & 3;
  const lo = v128.load(WIN_POWER);
  const hi = v128.load(WIN_POWER + 16);
  const pr = laneMax(lo);
  const pc = laneMax(hi);
  if (!carries(cfg, key, lo, hi, pr, pc)) return false;
  if (!pure(rate, row, col, pr, pc, totalPower, <f32>HOLD_PURITY)) return false;
  return peaked(rate, lo, hi, pr, pc, row, col, <f32>HOLD_REL_PEAK);
}
