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
// Start: the onset is found by walking back the magnitude history (history.ts). If the key's
// tones fill the whole history (MAG_HOPS hops, the oldest ≥ STALE_COVER full) the candidate is
// stale: a key press starts from the key's absence, while chords of music and speech harmonics
// mostly grow into a DTMF-like pair out of a sound already there (`npm run bench`: music false
// keys on the talk-off corpus 8 → 0 when stale candidates were dropped). But over speech a
// genuine key is stale too when its first windows failed for five hops or more (speech holds
// power the window purity counts): a stale candidate is therefore kept, and confirmed only if it
// is a steady pair (steadyPair) that holds the press purity as well, or else sits closer to the
// key's frequencies with a higher window coherence (rules.ts STALE_IMPURE_*); its onset is the largest
// step up of the key's magnitude in the history (STALE_RISE), else the history's far end, and a
// step up while it waits starts it anew. A stale candidate of the key just reported, within
// STALE_REPEAT_HOPS of that press's end, is that press back after a gap: dropped.
// A candidate whose onset lies at the far end of the history is late (it needs
// LATE_PRESS_PURITY), unless the walk-back, bounded also by what noise in the other six bins of
// each hop would give (MASKED_NOISE_RATIO), stops inside the history: in white noise the key's
// bins hold ≈ 0.2 of its magnitude before it starts, enough for COVER_MIN. Such a candidate is
// masked: onset where the bounded walk stopped, the late purity or else the busy line.
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
// Continued hops (rules.ts CONT_MIN_COS): a hop whose window does not pass (it fails, or only
// holds the tracked key), right after one that had it, carries it on if one of its tones goes on as
// measured (tones.ts continued) and the other's bin still holds it: as a held window, except
// that a candidate without twisted windows may be confirmed there, and a pure one (measured
// hops at LATE_PRESS_PURITY, neither stale, late nor masked) on one phase pair. Over speech a
// syllable starting during a key hides one of its groups, and the key's clean start is often
// too short to confirm by itself. A hop whose two tones both go on, each within
// CONT_MEASURE_COS, while the window still carries the key (window.ts carriesKey) is measured
// as a window of the key, for a candidate neither stale nor twisted; such a candidate needs the
// late purity, or else the busy line from BUSY_MIN_FULL_HOPS measured hops.
//
// Confirmation (toneAccepted): the tone has lasted CFG_MIN_CONFIRM samples, its measured
// frequencies (tones.ts) are within CFG_FREQ_TOL, and over its full hops the two tones hold
// CFG_PRESS_PURITY of the power (LATE_PRESS_PURITY if the onset was found at the far end of
// the history, late or masked), or else (never for a late one) it is a steady pair (steadyPair,
// the busy-line tests); a stale candidate must be both, or a steady pair held to
// STALE_IMPURE_*. A candidate that ends first is dropped: this is how tones of 23 ms and less
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
  CH_CODEC_RUN, CH_FLAGS, CH_HELD_HOPS, CH_IN_GAP, CH_KEY, CH_ONSET,
  CH_PREV_A, CH_REF, CH_REF_N, CH_STATE, CH_TONE_END, U16_MAX, configOf, streamPosition,
} from "./channels";
import { CFG_FREQ_TOL, CFG_GAP_MAX, CFG_MIN_CONFIRM, CFG_PRESS_PURITY } from "./config";
import { toneLikeHop } from "./dialtone";
import { EVENT_KEYDOWN, EVENT_KEYUP, emit } from "./events";
import { WIN_POWER } from "./filterbank";
import { CONTINUED, HELD, TONE_LIKE, TWISTED, carriesKey } from "./window";
import { hopsAvailable, keyMagnitude, noiseMagnitude } from "./history";
import { R_BAND_GAIN, R_HOP, R_HZ } from "./rates";
import {
  BUSY_COHERENCE, BUSY_FREQ_TOL, BUSY_MEASURED_HOPS, BUSY_MIN_FULL_HOPS, BUSY_NOISE_LOSS, BUSY_PRESS_PURITY, BUSY_STEADINESS,
  BUSY_STEADY_NOISE_LOSS, COVER_FULL, COVER_MIN, LATE_PRESS_PURITY, MAG_HOPS, MASKED_NOISE_RATIO, MIN_PHASE_PAIRS,
  OFF_FREQ_HOPS, OFF_FREQ_STEADINESS, OFF_FREQ_TOL, PURE_COHERENCE, REF_FLOOR,
  REF_RESET_HOPS, REF_SHARE,
  STALE_COVER, STALE_IMPURE_COHERENCE, STALE_IMPURE_FREQ_TOL, STALE_PURE_FULL_HOPS, STALE_PURE_PURITY, STALE_PURE_STEADINESS, STALE_REPEAT_HOPS, STALE_RISE, STALE_WINDOW_HOPS, TWISTED_CONFIRM_HITS, TWISTED_PRESS_PURITY,
  MIN_WINDOW_PAIRS,
} from "./rules";
import {
  accumulate, amplitudeSteadiness, bandPowerSum, clearToneSums, colErrorHz, continued, colPowerSum, fullHops, levelDbm0,
  meanColPower, meanRowPower, phaseCoherence, phasePairs, rowErrorHz, rowPowerSum, totalPowerSum, windowCoherence, windowPairs,
} from "./tones";

export const STATE_IDLE: i32 = 0;
const STATE_CANDIDATE: i32 = 1;
const STATE_ACTIVE: i32 = 2;

// CH_FLAGS bits. LATE, STALE: of the tracked tone, set when its candidate starts. REPORTED:
// the last press that ended was reported (a keydown), kept while the next one is tracked.
const FLAG_LATE: u8 = 1;     // onset at the far end of the history: needs LATE_PRESS_PURITY
const FLAG_STALE: u8 = 2;    // the tones filled the history: pure and a steady pair, or nothing
const FLAG_REPORTED: u8 = 4;
const FLAG_MASKED: u8 = 8;   // late, but the noise-bounded walk-back stops inside the history: also the busy line
const FLAG_BOTH_GO_ON: u8 = 32; // a hop whose two tones went on (tones.ts continued) was measured: the late purity or BUSY_MIN_FULL_HOPS
// 16: tones.ts FLAG_WINDOW_PAIR (the window coherence's pairing), cleared with the others here.

// CH_CODEC_RUN (channels.ts), one byte for two small counters of the codec-onset rules: the
// twisted-window run in the low nibble (0: no twisted window taken; 1 + the windows within the
// twist limits in a row since the last twisted one, saturating at TWIST_RUN_MAX), the hops in a
// row under REF_SHARE of the reference in the high nibble (< REF_RESET_HOPS ≤ 15).
const TWIST_RUN_MAX: i32 = 0x0f;
@inline function twistRun(ch: usize): i32 { return <i32>load<u8>(ch, CH_CODEC_RUN) & TWIST_RUN_MAX; }
@inline function setTwistRun(ch: usize, run: i32): void {
  store<u8>(ch, <u8>((<i32>load<u8>(ch, CH_CODEC_RUN) & ~TWIST_RUN_MAX) | run), CH_CODEC_RUN);
}
@inline function refLowHops(ch: usize): i32 { return <i32>load<u8>(ch, CH_CODEC_RUN) >> 4; }
@inline function setRefLowHops(ch: usize, hops: i32): void {
  store<u8>(ch, <u8>((<i32>load<u8>(ch, CH_CODEC_RUN) & TWIST_RUN_MAX) | (hops << 4)), CH_CODEC_RUN);
}

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
 * The confirmation tests (`continuedNow`: called on a continued hop, where one phase pair may
 * do): the tone has lasted CFG_MIN_CONFIRM, it has enough phase pairs, both
 * frequencies are in tolerance, and it holds CFG_PRESS_PURITY of the power (a late candidate
 * at least LATE_PRESS_PURITY) or else is a steady pair; a stale candidate must be both, or
 * else a steady pair within STALE_IMPURE_FREQ_TOL with STALE_IMPURE_COHERENCE.
 */
function toneAccepted(ch: usize, rate: usize, window: bool, continuedNow: bool): bool {
  const cfg = configOf(ch);
  if (load<f64>(ch, CH_TONE_END) - load<f64>(ch, CH_ONSET) < <f64>load<i32>(cfg, CFG_MIN_CONFIRM)) return false;
  // One phase pair is enough only on a continued hop, for a pure candidate (below).
  const onePair = phasePairs(ch) < MIN_PHASE_PAIRS;
  if (onePair && !continuedNow) return false;
  const key = <i32>load<u8>(ch, CH_KEY);
  const tol = <f64>load<f32>(cfg, CFG_FREQ_TOL);
  const rowHz = <f64>load<f32>(rate + R_HZ + (<usize>(key >> 2) << 2));
  const colHz = <f64>load<f32>(rate + R_HZ + (<usize>(4 + (key & 3)) << 2));
  const rowErr = rowErrorHz(ch, rate);
  const colErr = colErrorHz(ch, rate);
  if (Math.abs(rowErr) > tol * rowHz || Math.abs(colErr) > tol * colHz) return false;
  // Off frequency by OFF_FREQ_TOL or more in either tone: only from OFF_FREQ_HOPS full hops.
  const offFrequency = Math.abs(rowErr) > OFF_FREQ_TOL * rowHz || Math.abs(colErr) > OFF_FREQ_TOL * colHz;
  if (offFrequency && fullHops(ch) < OFF_FREQ_HOPS) return false;
  const tone = rowPowerSum(ch, rate, rowErr) + colPowerSum(ch, rate, colErr);
  const total = totalPowerSum(ch);
  const onFrequency = Math.abs(rowErr) <= BUSY_FREQ_TOL * rowHz && Math.abs(colErr) <= BUSY_FREQ_TOL * colHz;
  const flags = load<u8>(ch, CH_FLAGS);
  let purity = <f64>load<f32>(cfg, CFG_PRESS_PURITY);
  // A candidate measured on a hop whose window failed but whose tones both went on (track) is
  // held to the late purity, or else to the busy line from BUSY_MIN_FULL_HOPS measured hops.
  if ((flags & (FLAG_LATE | FLAG_MASKED | FLAG_BOTH_GO_ON)) && purity < LATE_PRESS_PURITY) purity = LATE_PRESS_PURITY;
  const twisted = twistRun(ch) != 0;
  if (twisted && purity < TWISTED_PRESS_PURITY) purity = TWISTED_PRESS_PURITY;
  // On one phase pair (a continued hop, rules.ts CONT_MIN_COS): never stale, late, masked or
  // twisted, and as pure as a late candidate must be.
  if (onePair && ((flags & (FLAG_STALE | FLAG_LATE | FLAG_MASKED)) || twisted || tone < LATE_PRESS_PURITY * total)) return false;
  // A stale candidate must hold the press purity, or else sit within STALE_IMPURE_FREQ_TOL
  // with STALE_IMPURE_COHERENCE of window coherence (never with twisted windows), and be a
  // steady pair as well, without the noise allowance (held notes of music: 2 talk-off false
  // keys with it, BUSY_NOISE_LOSS).
  if (flags & FLAG_STALE) {
    if (tone < purity * total) {
      if (twisted || Math.abs(rowErr) > STALE_IMPURE_FREQ_TOL * rowHz || Math.abs(colErr) > STALE_IMPURE_FREQ_TOL * colHz) return false;
      if (windowPairs(ch) < MIN_WINDOW_PAIRS || <f64>windowCoherence(ch) < STALE_IMPURE_COHERENCE) return false;
    }
    return steadyPair(ch, rate, key, rowErr, colErr, tone, total, onFrequency, false);
  }
  // Pure, but confirmed only if its tones also keep one frequency (PURE_COHERENCE).
  // Off frequency, it must also keep one amplitude (OFF_FREQ_STEADINESS).
  if (tone >= purity * total) return <f64>phaseCoherence(ch) >= PURE_COHERENCE && (!offFrequency || amplitudeSteadiness(ch, rate) >= OFF_FREQ_STEADINESS);
  // A late candidate was sounding while its windows failed: it must be purer (LATE_PRESS_PURITY),
  // never less pure, so the busy line is not for it; nor for one that took twisted windows.
  if ((flags & FLAG_LATE) || twisted) return false;
  if ((flags & FLAG_BOTH_GO_ON) && fullHops(ch) < BUSY_MIN_FULL_HOPS) return false;
  return steadyPair(ch, rate, key, rowErr, colErr, tone, total, onFrequency, window);
}

/**
 * The steady-pair tests, for a line that other sound shares (rules.ts, "Busy-line
 * confirmation"): over at least BUSY_MIN_FULL_HOPS (a stale candidate of STALE_PURE_PURITY:
 * STALE_PURE_FULL_HOPS, and STALE_PURE_STEADINESS for BUSY_STEADINESS) the two tones hold BUSY_PRESS_PURITY of the
 * power, sit within BUSY_FREQ_TOL of the key's frequencies (`onFrequency`, from the measured errors
 * `rowErr`, `colErr`, Hz), and keep one
 * frequency (BUSY_COHERENCE on the window coherence, on the hop coherence under
 * MIN_WINDOW_PAIRS window pairs or a stale pair's STALE_WINDOW_HOPS full hops; less what the noise in the window's other six bins would take from
 * it: BUSY_NOISE_LOSS; `window` false at the end of the stream, where WIN_POWER may be another
 * channel's) and one amplitude (BUSY_STEADINESS, less the same: BUSY_STEADY_NOISE_LOSS). The second way to confirm a
 * candidate that failed the press purity, and the only way for a stale one; late candidates
 * never get here (toneAccepted).
 */
function steadyPair(ch: usize, rate: usize, key: i32, rowErr: f64, colErr: f64, tone: f64, total: f64, onFrequency: bool, window: bool): bool {
  const stale = (load<u8>(ch, CH_FLAGS) & FLAG_STALE) != 0;
  // A pure stale pair: a key whose first windows the sound hid; from STALE_PURE_FULL_HOPS,
  // and one amplitude to within STALE_PURE_STEADINESS.
  const stalePure = stale && tone >= STALE_PURE_PURITY * total;
  // BUSY_MIN_FULL_HOPS full hops of the tone, BUSY_MEASURED_HOPS of them measured (the others held).
  const full = fullHops(ch);
  if (stalePure ? full < STALE_PURE_FULL_HOPS : full < BUSY_MEASURED_HOPS || full + <i32>load<u8>(ch, CH_HELD_HOPS) < BUSY_MIN_FULL_HOPS) return false;
  if (!onFrequency) return false;
  // The purity floor, on the broadband power or on the band power (filterbank.ts: y = x[n] −
  // x[n−2], the tones weighted by its gains, rates.ts R_BAND_GAIN), as the window's purity test
  // takes either: the voicing of speech below the keys counts against the first only.
  if (tone < BUSY_PRESS_PURITY * total) {
    const bandTone = <f64>load<f32>(rate + R_BAND_GAIN + (<usize>(key >> 2) << 2)) * rowPowerSum(ch, rate, rowErr)
      + <f64>load<f32>(rate + R_BAND_GAIN + (<usize>(4 + (key & 3)) << 2)) * colPowerSum(ch, rate, colErr);
    if (bandTone < BUSY_PRESS_PURITY * bandPowerSum(ch)) return false;
  }
  let need = BUSY_COHERENCE, needSteady = stalePure ? STALE_PURE_STEADINESS : BUSY_STEADINESS;
  if (window) { // the current window's powers (WIN_POWER: rows, columns) are the tone's
    // The six other bins: their sum, and the loudest of them (a tone's or harmonic's, maybe).
    const row = key >> 2, col = 4 + (key & 3);
    let rest: f64 = 0, loudest: f64 = 0;
    for (let i = 0; i < 8; i++) {
      if (i == row || i == col) continue;
      const p = <f64>load<f32>(WIN_POWER + (<usize>i << 2));
      rest += p;
      if (p > loudest) loudest = p;
    }
    // n/P: the noise per bin over the weaker tone's mean power over the press's full hops (the
    // span the coherence and the steadiness are measured over; rules.ts BUSY_NOISE_LOSS); for
    // the steadiness n leaves the loudest bin out (BUSY_STEADY_NOISE_LOSS).
    const weaker = Math.min(meanRowPower(ch, rate, rowErr), meanColPower(ch, rate, colErr));
    need = Math.min(need, 1.0 - BUSY_NOISE_LOSS * rest / (6.0 * weaker));
    needSteady = Math.min(needSteady, 1.0 - BUSY_STEADY_NOISE_LOSS * (rest - loudest) / (5.0 * weaker));
  }
  // The window coherence from MIN_WINDOW_PAIRS window pairs (a stale pair's from
  // STALE_WINDOW_HOPS full hops); before, the hop coherence.
  const coherence = (stale ? fullHops(ch) < STALE_WINDOW_HOPS : windowPairs(ch) < MIN_WINDOW_PAIRS) ? phaseCoherence(ch) : windowCoherence(ch);
  return coherence >= need && amplitudeSteadiness(ch, rate) >= needSteady;
}

/** Ends the tracked press: a confirmed one is reported, a candidate is dropped. */
function finish(ch: usize, rate: usize, decided: f64): void {
  const reported = <i32>load<u8>(ch, CH_STATE) == STATE_ACTIVE;
  if (reported) emitKey(ch, rate, EVENT_KEYUP, decided);
  store<u8>(ch, reported ? FLAG_REPORTED : 0, CH_FLAGS);
  store<u8>(ch, STATE_IDLE, CH_STATE);
}

/**
 * Starts tracking `key`, found in the window that ends with the current hop. If the key's tones
 * are stale (they already held the whole magnitude history, MAG_HOPS hops, with the oldest hop
 * at least STALE_COVER full) the candidate is flagged stale, its onset put at the largest step
 * up (STALE_RISE) or the far end of the history: a key press starts from the key's absence, and
 * the tones of a musical chord or of speech usually grow into a DTMF-like pair out of a sound
 * already present, so it will have to be a steady pair as well as pure to be confirmed; unless
 * it is the key of the press just reported, ended within STALE_REPEAT_HOPS (CH_KEY and
 * CH_TONE_END still hold that press's): then nothing starts. If the onset lies in the oldest hop but less than STALE_COVER of it, the candidate is
 * late: it will need LATE_PRESS_PURITY to be confirmed.
 */
function startCandidate(ch: usize, hop: i32, hops: i32, key: i32, hopStart: f64): void {
  const available = hopsAvailable(hops);
  const m0 = keyMagnitude(ch, hops, 0, key);
  const m1 = available > 1 ? keyMagnitude(ch, hops, 1, key) : <f32>0;
  const ref = max(max(m0, m1), <f32>REF_FLOOR);
  // Onset: back from the stronger of the two window hops while hops still hold the tone.
  const first = m0 >= m1 ? 0 : 1;
  let j = first;
  while (j + 1 < available && keyMagnitude(ch, hops, j + 1, key) >= <f32>COVER_MIN * ref) j++;
  let aOn = coverage(keyMagnitude(ch, hops, j, key), ref);
  const H = <f64>hop;
  let flags = load<u8>(ch, CH_FLAGS) & FLAG_REPORTED;
  if (j == MAG_HOPS - 1) {
    if (aOn < <f32>STALE_COVER) {
      // Late, unless the walk-back bounded by what noise in the other bins would give
      // (MASKED_NOISE_RATIO) stops inside the history: masked, a key the noise hid.
      let k = first;
      while (k + 1 < available) {
        const m = keyMagnitude(ch, hops, k + 1, key);
        if (m < <f32>COVER_MIN * ref || m < <f32>MASKED_NOISE_RATIO * noiseMagnitude(ch, hops, k + 1, key)) break;
        k++;
      }
      if (k < j) {
        flags |= FLAG_MASKED;
        j = k;
        aOn = coverage(keyMagnitude(ch, hops, j, key), ref);
      } else {
        flags |= FLAG_LATE;
      }
    } else if ((flags & FLAG_REPORTED) && <i32>load<u8>(ch, CH_KEY) == key && hopStart - load<f64>(ch, CH_TONE_END) < <f64>STALE_REPEAT_HOPS * H) {
      store<u8>(ch, STATE_IDLE, CH_STATE);
      return;
    } else {
      flags |= FLAG_STALE;
      // Its onset: the hop where the key's magnitude stepped up most, by STALE_RISE at least (a
      // key over other sound in its bins), else the far end of the history. The walk-back kept
      // every older hop ≥ COVER_MIN·ref > 0, so the divisions are safe.
      let rise = <f32>STALE_RISE;
      for (let k = 0; k < MAG_HOPS - 1; k++) {
        const step = keyMagnitude(ch, hops, k, key) / keyMagnitude(ch, hops, k + 1, key);
        if (step >= rise) { rise = step; j = k; }
      }
      aOn = coverage(keyMagnitude(ch, hops, j, key), ref);
    }
  }
  store<u8>(ch, STATE_CANDIDATE, CH_STATE);
  store<u8>(ch, key, CH_KEY);
  store<u8>(ch, flags, CH_FLAGS);
  store<u8>(ch, 0, CH_IN_GAP);
  store<u8>(ch, 0, CH_CODEC_RUN);
  store<u8>(ch, 0, CH_HELD_HOPS);
  clearToneSums(ch);
  store<f32>(ch, ref, CH_REF);
  store<u16>(ch, 1, CH_REF_N);
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
    if (hit < 0) {
      if (hit == TONE_LIKE) toneLikeHop(ch, rate); // the tone watch (dialtone.ts)
      return;
    }
    startCandidate(ch, hop, hops, hit & (TWISTED - 1), hopStart);
    // Started by a twisted window: it takes part (a stale start leaves the channel idle, and the
    // next candidate clears the flag).
    if (hit >= TWISTED) setTwistRun(ch, 1);
    return;
  }
  const key = <i32>load<u8>(ch, CH_KEY);
  // Not passing (failing, or only held): one of the key's tones may still go on as measured
  // (tones.ts), from a hop that held it (never across a gap: the next key may share a tone with
  // it). A held window so continued may confirm as a continued hop does.
  // Both tones went on (2): the window failed for the sound beside the key, not for the key's
  // tones, so the hop is measured and may confirm as a passing window does; the candidate then
  // needs the late purity or BUSY_MIN_FULL_HOPS measured hops (toneAccepted). Only while the
  // window carries the key (window.ts carriesKey: a louder bin beside a tone is what the hop
  // would measure, and a pair beyond the twist limits is no key), never for a stale candidate
  // (a held chord's notes go on too) nor for one that took twisted windows (they never confirm
  // on a failing window); else a continued hop.
  const going = (hit < 0 || hit == HELD + key) && !load<u8>(ch, CH_IN_GAP) ? continued(ch, rate) : 0;
  const flags = load<u8>(ch, CH_FLAGS);
  if (going == 2 && !(flags & FLAG_STALE) && twistRun(ch) == 0 && carriesKey(ch)) {
    hit = key;
    store<u8>(ch, flags | FLAG_BOTH_GO_ON, CH_FLAGS);
  } else if (going > 0) {
    hit = CONTINUED + key;
  }
  // A held window (window.ts held) counts as the key's for everything but the confirmation; a
  // continued hop (tones.ts continued) as a held one, but it may confirm a pure candidate of one
  // phase pair (toneAccepted).
  const continuedNow = hit == CONTINUED + key;
  const heldNow = hit == HELD + key || continuedNow;
  if (heldNow) hit = key;
  // A twisted window of the tracked key (window.ts) holds its tones off balance, as a codec's
  // onset leaves them (rules.ts TWIST_SPAN): the tone goes on and is measured, but only a
  // window within the twist limits confirms it, at TWISTED_PRESS_PURITY.
  const on = hit == key || hit == TWISTED + key;
  if (hit >= TWISTED && !on) hit = -1;
  const m = keyMagnitude(ch, hops, 0, key);
  let ref = load<f32>(ch, CH_REF);
  // A stale candidate whose tones step up by STALE_RISE: a key starting over the sound that
  // made the candidate (a pair in music or speech that passed a window alone). It starts anew.
  if (state == STATE_CANDIDATE && hit == key && (load<u8>(ch, CH_FLAGS) & FLAG_STALE) && m >= <f32>STALE_RISE * ref) {
    startCandidate(ch, hop, hops, key, hopStart);
    return;
  }
  if (!on) {
    setRefLowHops(ch, 0);
  } else if (m >= <f32>REF_SHARE * ref) { // a hop the tone fills: refine the mean
    const n = min(<i32>load<u16>(ch, CH_REF_N) + 1, U16_MAX); // saturated: a running mean of the last 65,535 hops
    ref += (m - ref) / <f32>n;
    store<f32>(ch, ref, CH_REF);
    store<u16>(ch, n, CH_REF_N);
    setRefLowHops(ch, 0);
  } else if (!heldNow) { // a held window (the tone's tail, often) is no evidence of an overshoot
    const low = refLowHops(ch) + 1;
    if (low >= REF_RESET_HOPS) { // the reference came from an onset overshoot: restart it here
      ref = max(m, <f32>REF_FLOOR); // a hop without the tone must not make the coverage 0/0
      store<f32>(ch, ref, CH_REF);
      store<u16>(ch, 1, CH_REF_N);
      setRefLowHops(ch, 0);
    } else {
      setRefLowHops(ch, low);
    }
  }
  const a = coverage(m, ref);
  if (on) {
    store<u8>(ch, 0, CH_IN_GAP);
    if (a >= <f32>COVER_MIN) store<f64>(ch, hopStart + (a >= <f32>COVER_FULL ? H : <f64>a * H), CH_TONE_END);
    if (!heldNow) accumulate(ch, rate, key, a); // a held window carries the tone on, unmeasured,
    else if (a >= <f32>COVER_FULL) { // but counts for BUSY_MIN_FULL_HOPS over a full hop (BUSY_MEASURED_HOPS)
      const held = <i32>load<u8>(ch, CH_HELD_HOPS);
      if (held < 0xff) store<u8>(ch, <u8>(held + 1), CH_HELD_HOPS);
    }
    store<f32>(ch, a, CH_PREV_A);
    // The twisted-window run: 0, or 1 + the windows within the twist limits in a row since the last twisted one.
    const twisted = twistRun(ch);
    if (hit != key) {
      setTwistRun(ch, 1);
      return;
    }
    if (twisted > 0 && twisted < TWIST_RUN_MAX) setTwistRun(ch, twisted + 1);
    if (state == STATE_CANDIDATE && (!heldNow || (continuedNow && twisted == 0)) && (twisted == 0 || twisted >= TWISTED_CONFIRM_HITS) && toneAccepted(ch, rate, !continuedNow, continuedNow)) { // a continued hop's other bins hold the sound that hid it, not noise
      store<u8>(ch, STATE_ACTIVE, CH_STATE);
      emitKey(ch, rate, EVENT_KEYDOWN, hopEnd);
    }
    return;
  }
  if (twistRun(ch)) setTwistRun(ch, 1); // the run of windows within the limits ends
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
  } else if (hopEnd - load<f64>(ch, CH_TONE_END) >= <f64>load<i32>(configOf(ch), CFG_GAP_MAX)) {
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
  if (state == STATE_CANDIDATE && toneAccepted(ch, rate, false, false)) { // WIN_POWER: another channel's, maybe
    store<u8>(ch, STATE_ACTIVE, CH_STATE);
    emitKey(ch, rate, EVENT_KEYDOWN, streamEnd);
  }
  finish(ch, rate, streamEnd);
}
