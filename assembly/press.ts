// The key press state machine: per hop, turns the window verdicts (window.ts) into key
// presses with refined onset and duration, and reports them (events.ts).
//
//   state      on a hop whose window holds key k          otherwise
//   ─────────  ──────────────────────────────────────────  ──────────────────────────────────
//   IDLE       startCandidate(k), unless k's tones are     —
//              stale (below)
//   CANDIDATE  k tracked: extend the tone; confirm →       k missing: open a gap; another key
//              ACTIVE (keydown) once toneAccepted()         or a gap ≥ CFG_GAP_MAX drops it
//   ACTIVE     k tracked: extend the tone                  k missing: open a gap; the same key
//                                                          back within CFG_GAP_MAX of the
//                                                          tone's end bridges it (Q.24 drop-out
//                                                          ≤ 10 ms), otherwise the press ends
//                                                          (keyup); another key ends it at once
//
// Start: the onset is found by walking back the magnitude history (history.ts). No candidate
// starts if the key's tones fill the whole history (MAG_HOPS hops, the oldest ≥ STALE_COVER
// full): a key press starts from the key's absence, while chords of music and speech
// harmonics mostly grow into a DTMF-like pair out of a sound already there (`npm run bench`:
// music false keys on the talk-off corpus 8 → 0; the price is keys 10 dB over speech,
// 97.0 → 95.4 %, whose first windows failed and whose walk-back ran into speech at the key's
// frequencies; the Q.24 battery is unchanged).
//
// Codec onsets (rules.ts TWIST_SPAN, TWISTED_PRESS_PURITY, REF_RESET_HOPS): a window that
// fails the twist test alone (window.ts, TWISTED + key) starts a candidate, and for the tracked
// key counts as the tone going on and is measured, but never confirms; a candidate that took
// such windows (the one that started it included) needs TWISTED_PRESS_PURITY, confirms only
// after TWISTED_CONFIRM_HITS windows in a row within the limits, and has no busy line. Two hops in a row under REF_SHARE of the reference restart it (an onset overshoot).
// Lossy codecs (GSM 06.10 above all) unbalance a key's tones and overshoot its level for the
// first 20-40 ms; every window failed until then, and the key was dropped as stale (`npm run
// bench -- --only codecs`: GSM 92.1 → 99.5 %).
//
// Confirmation (toneAccepted): the tone has lasted CFG_MIN_CONFIRM samples, its measured
// frequencies (tones.ts) are within CFG_FREQ_TOL, and over its full hops the two tones hold
// CFG_PRESS_PURITY of the power (LATE_PRESS_PURITY if the onset was found at the far end of
// the history); a candidate that ends first is dropped: this is how tones of 23 ms and less
// are rejected. A new confirmation test is one more early return in toneAccepted().
//
// Press purity: the window test (purity ≥ 60 %) lets a pair of speech harmonics through now
// and then; averaged over the tone's full hops, with the powers corrected for the measured
// frequency errors, DTMF at S/N 10 dB holds ≥ 83 % (keys at −10 dBm0 under −15 dBm0 dial tone:
// 76 %) while most harmonic pairs of speech that passed the window tests held 54-67 %
// (the talk-off part of `npm run bench`). CFG_PRESS_PURITY defaults to 70 % (src/options.ts).
//
// Sub-hop edges: a hop the tone covers for a fraction a of its length gives |Y| ≈ a·|Y_full|
// (the DFT of a partial sinusoid grows linearly with its length), so with the magnitude of a
// full hop as reference the onset inside its first hop is hopEnd − a·H and the end inside its
// last hop is hopStart + a·H. This is what brings onset and duration errors well below a hop.
import {
  CH_CONFIG, CH_IN_GAP, CH_KEY, CH_LATE, CH_ONSET,
  CH_PREV_A, CH_REF, CH_REF_LOW, CH_REF_N, CH_STATE, CH_TONE_END, CH_TWISTED, U16_MAX, streamPosition,
} from "./channels";
import { CFG_FREQ_TOL, CFG_GAP_MAX, CFG_MIN_CONFIRM, CFG_PRESS_PURITY } from "./config";
import { EVENT_KEYDOWN, EVENT_KEYUP, emit } from "./events";
import { TWISTED } from "./window";
import { hopsAvailable, keyMagnitude } from "./history";
import { R_HOP, R_HZ } from "./rates";
import {
  BUSY_COHERENCE, BUSY_FREQ_TOL, BUSY_MIN_FULL_HOPS, BUSY_PRESS_PURITY, BUSY_STEADINESS,
  COVER_FULL, COVER_MIN, LATE_PRESS_PURITY, MAG_HOPS, MIN_PHASE_PAIRS, REF_FLOOR, REF_RESET_HOPS, REF_SHARE,
  STALE_COVER, TWISTED_CONFIRM_HITS, TWISTED_PRESS_PURITY,
} from "./rules";
import {
  accumulate, amplitudeSteadiness, clearToneSums, colErrorHz, colPowerSum, fullHops, levelDbm0,
  meanColPower, meanRowPower, phaseCoherence, phasePairs, rowErrorHz, rowPowerSum, totalPowerSum,
} from "./tones";

export const STATE_IDLE: i32 = 0;
const STATE_CANDIDATE: i32 = 1;
const STATE_ACTIVE: i32 = 2;

/** Hop coverage: magnitude `m` as a share of the full-hop reference `ref`, at most 1. */
@inline function coverage(m: f32, ref: f32): f32 {
  const a = m / ref;
  return a < 1 ? a : <f32>1; // a select: f32.min would also order NaN, at a cost per hop
}

/** True while a key is tracked (a candidate or a confirmed press). */
export function tracking(ch: usize): bool {
  return <i32>load<u8>(ch, CH_STATE) != STATE_IDLE;
}

/** The key tracked (valid while tracking()). */
export function trackedKey(ch: usize): i32 {
  return <i32>load<u8>(ch, CH_KEY);
}

function emitKey(ch: usize, rate: usize, type: f64, decided: f64): void {
  // A confirmed key has ≥ MIN_PHASE_PAIRS pairs, so ≥ 3 full hops behind its levels.
  const key = <i32>load<u8>(ch, CH_KEY);
  const rowErr = rowErrorHz(ch, rate);
  const colErr = colErrorHz(ch, rate);
  const onset = load<f64>(ch, CH_ONSET);
  emit(type, key, onset, load<f64>(ch, CH_TONE_END) - onset, decided,
    levelDbm0(meanRowPower(ch, rate, rowErr)), levelDbm0(meanColPower(ch, rate, colErr)), rowErr, colErr);
}

/**
 * The confirmation tests: the tone has lasted CFG_MIN_CONFIRM, it has enough phase pairs, both
 * frequencies are in tolerance, and it holds CFG_PRESS_PURITY of the power (a late candidate
 * at least LATE_PRESS_PURITY).
 */
function toneAccepted(ch: usize, rate: usize): bool {
  const cfg = ch + CH_CONFIG;
  if (load<f64>(ch, CH_TONE_END) - load<f64>(ch, CH_ONSET) < <f64>load<i32>(cfg, CFG_MIN_CONFIRM)) return false;
  if (phasePairs(ch) < MIN_PHASE_PAIRS) return false;
  const key = <i32>load<u8>(ch, CH_KEY);
  const tol = <f64>load<f32>(cfg, CFG_FREQ_TOL);
  const rowHz = <f64>load<f32>(rate + R_HZ + (<usize>(key >> 2) << 2));
  const colHz = <f64>load<f32>(rate + R_HZ + (<usize>(4 + (key & 3)) << 2));
  const rowErr = rowErrorHz(ch, rate);
  const colErr = colErrorHz(ch, rate);
  if (Math.abs(rowErr) > tol * rowHz || Math.abs(colErr) > tol * colHz) return false;
  const tone = rowPowerSum(ch, rate, rowErr) + colPowerSum(ch, rate, colErr);
  const total = totalPowerSum(ch);
  let purity = <f64>load<f32>(cfg, CFG_PRESS_PURITY);
  if (load<u8>(ch, CH_LATE) && purity < LATE_PRESS_PURITY) purity = LATE_PRESS_PURITY;
  if (load<u8>(ch, CH_TWISTED) && purity < TWISTED_PRESS_PURITY) purity = TWISTED_PRESS_PURITY;
  if (tone >= purity * total) return true;
  // A late candidate was sounding while its windows failed: it must be purer (LATE_PRESS_PURITY),
  // never less pure, so the busy line is not for it; nor for one that took twisted windows.
  if (load<u8>(ch, CH_LATE) | load<u8>(ch, CH_TWISTED)) return false;
  return busyLineAccepted(ch, rate, tone, total,
    Math.abs(rowErr) <= BUSY_FREQ_TOL * rowHz && Math.abs(colErr) <= BUSY_FREQ_TOL * colHz);
}

/**
 * The second way to confirm a candidate, for a line that other sound shares (rules.ts, "Busy-
 * line confirmation"): it failed the press purity, but over at least BUSY_MIN_FULL_HOPS its two
 * tones hold BUSY_PRESS_PURITY of the power, sit within BUSY_FREQ_TOL of the key's frequencies
 * (`onFrequency`), and keep one frequency (BUSY_COHERENCE) and one amplitude (BUSY_STEADINESS).
 * Stale candidates never get here (startCandidate drops them), nor do late ones (toneAccepted).
 */
function busyLineAccepted(ch: usize, rate: usize, tone: f64, total: f64, onFrequency: bool): bool {
  if (fullHops(ch) < BUSY_MIN_FULL_HOPS || !onFrequency) return false;
  if (tone < BUSY_PRESS_PURITY * total) return false;
  return phaseCoherence(ch) >= BUSY_COHERENCE && amplitudeSteadiness(ch, rate) >= BUSY_STEADINESS;
}

/** Ends the tracked press: a confirmed one is reported, a candidate is dropped. */
function finish(ch: usize, rate: usize, decided: f64): void {
  if (<i32>load<u8>(ch, CH_STATE) == STATE_ACTIVE) emitKey(ch, rate, EVENT_KEYUP, decided);
  store<u8>(ch, STATE_IDLE, CH_STATE);
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
  const available = hopsAvailable(hops);
  const m0 = keyMagnitude(ch, hops, 0, key);
  const m1 = available > 1 ? keyMagnitude(ch, hops, 1, key) : <f32>0;
  const ref = max(max(m0, m1), <f32>REF_FLOOR);
  // Onset: back from the stronger of the two window hops while hops still hold the tone.
  let j = m0 >= m1 ? 0 : 1;
  while (j + 1 < available && keyMagnitude(ch, hops, j + 1, key) >= <f32>COVER_MIN * ref) j++;
  const aOn = coverage(keyMagnitude(ch, hops, j, key), ref);
  if (j == MAG_HOPS - 1 && aOn >= <f32>STALE_COVER) {
    store<u8>(ch, STATE_IDLE, CH_STATE);
    return;
  }
  store<u8>(ch, STATE_CANDIDATE, CH_STATE);
  store<u8>(ch, key, CH_KEY);
  store<u8>(ch, j == MAG_HOPS - 1 ? 1 : 0, CH_LATE);
  store<u8>(ch, 0, CH_IN_GAP);
  store<u8>(ch, 0, CH_REF_LOW);
  store<u8>(ch, 0, CH_TWISTED);
  clearToneSums(ch);
  store<f32>(ch, ref, CH_REF);
  store<u16>(ch, 1, CH_REF_N);
  const H = <f64>hop;
  store<f64>(ch, hopStart - <f64>j * H + (1.0 - <f64>aOn) * H, CH_ONSET);
  // End so far: inside the current hop if it holds the tone, else inside the previous one.
  const a0 = coverage(m0, ref);
  const a1 = coverage(m1, ref);
  let end: f64;
  if (a0 >= <f32>COVER_MIN) end = hopStart + (a0 >= <f32>COVER_FULL ? H : <f64>a0 * H);
  else end = hopStart - H + (a1 >= <f32>COVER_FULL ? H : <f64>a1 * H);
  store<f64>(ch, end, CH_TONE_END);
  store<f32>(ch, a1, CH_PREV_A);
}

/** The state machine for hop number `hops` (starting at `hopStart`), whose window verdict is `hit`. */
export function track(ch: usize, rate: usize, hit: i32, hops: i32, hopStart: f64): void {
  const hop = load<i32>(rate, R_HOP);
  const H = <f64>hop;
  const hopEnd = hopStart + H;
  let state = <i32>load<u8>(ch, CH_STATE);
  if (state == STATE_IDLE) {
    if (hit < 0) return;
    startCandidate(ch, hop, hops, hit & (TWISTED - 1), hopStart);
    // Started by a twisted window: it takes part (a stale start leaves the channel idle, and the
    // next candidate clears the flag).
    if (hit >= TWISTED) store<u8>(ch, 1, CH_TWISTED);
    return;
  }
  const key = <i32>load<u8>(ch, CH_KEY);
  // A twisted window of the tracked key (window.ts) holds its tones off balance, as a codec's
  // onset leaves them (rules.ts TWIST_SPAN): the tone goes on and is measured, but only a
  // window within the twist limits confirms it, at TWISTED_PRESS_PURITY.
  const on = hit == key || hit == TWISTED + key;
  if (hit >= TWISTED && !on) hit = -1;
  const m = keyMagnitude(ch, hops, 0, key);
  let ref = load<f32>(ch, CH_REF);
  if (!on) {
    store<u8>(ch, 0, CH_REF_LOW);
  } else if (m >= <f32>REF_SHARE * ref) { // a hop the tone fills: refine the mean
    const n = min(<i32>load<u16>(ch, CH_REF_N) + 1, U16_MAX); // saturated: a running mean of the last 65,535 hops
    ref += (m - ref) / <f32>n;
    store<f32>(ch, ref, CH_REF);
    store<u16>(ch, n, CH_REF_N);
    store<u8>(ch, 0, CH_REF_LOW);
  } else {
    const low = <i32>load<u8>(ch, CH_REF_LOW) + 1;
    if (low >= REF_RESET_HOPS) { // the reference came from an onset overshoot: restart it here
      ref = m;
      store<f32>(ch, ref, CH_REF);
      store<u16>(ch, 1, CH_REF_N);
      store<u8>(ch, 0, CH_REF_LOW);
    } else {
      store<u8>(ch, <u8>low, CH_REF_LOW);
    }
  }
  const a = coverage(m, ref);
  if (on) {
    store<u8>(ch, 0, CH_IN_GAP);
    if (a >= <f32>COVER_MIN) store<f64>(ch, hopStart + (a >= <f32>COVER_FULL ? H : <f64>a * H), CH_TONE_END);
    accumulate(ch, rate, key, a);
    store<f32>(ch, a, CH_PREV_A);
    // CH_TWISTED: 0, or 1 + the windows within the twist limits in a row since the last twisted one.
    const twisted = <i32>load<u8>(ch, CH_TWISTED);
    if (hit != key) {
      store<u8>(ch, 1, CH_TWISTED);
      return;
    }
    if (twisted > 0 && twisted < 255) store<u8>(ch, <u8>(twisted + 1), CH_TWISTED);
    if (state == STATE_CANDIDATE && (twisted == 0 || twisted >= TWISTED_CONFIRM_HITS) && toneAccepted(ch, rate)) {
      store<u8>(ch, STATE_ACTIVE, CH_STATE);
      emitKey(ch, rate, EVENT_KEYDOWN, hopEnd);
    }
    return;
  }
  if (load<u8>(ch, CH_TWISTED)) store<u8>(ch, 1, CH_TWISTED); // the run of windows within the limits ends
  if (!load<u8>(ch, CH_IN_GAP)) {
    store<u8>(ch, 1, CH_IN_GAP);
    if (a >= <f32>COVER_MIN) { // the tone's tail inside this hop
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

/**
 * End of stream: a press still tracked ends where the stream ends (if the tone was still on
 * in the last hop) or where its tail was measured. A candidate long enough to confirm but cut
 * by the end of the stream is reported as a keydown and keyup together.
 */
export function endStream(ch: usize, rate: usize): void {
  const state = <i32>load<u8>(ch, CH_STATE);
  if (state == STATE_IDLE) return;
  const streamEnd = streamPosition(ch);
  if (!load<u8>(ch, CH_IN_GAP) && load<f32>(ch, CH_PREV_A) >= <f32>COVER_FULL) {
    store<f64>(ch, streamEnd, CH_TONE_END);
  }
  if (state == STATE_CANDIDATE && toneAccepted(ch, rate)) {
    store<u8>(ch, STATE_ACTIVE, CH_STATE);
    emitKey(ch, rate, EVENT_KEYDOWN, streamEnd);
  }
  finish(ch, rate, streamEnd);
}
