/**
 * The detection algorithm of assembly/ (filterbank.ts, window.ts, tones.ts, press.ts) written
 * as plain TypeScript: float64, one sample at a time, no SIMD, no WebAssembly. It exists to
 * show what WebAssembly buys (bench/) and as an independent reference for the core
 * (test/reference.test.ts): the two must find the same key presses with the same edges.
 *
 * It shares the core's rule constants (assembly/rules.ts, which tsc and AssemblyScript both
 * compile) and conventions (src/conventions.ts); the algorithm is written again, on purpose,
 * in the plainest form. It takes float samples (full scale = 1) at one rate and reports
 * `dtmf` events only. Not part of the published package: `npm run build` compiles it to
 * build/reference/ for the bench (tsconfig.reference.json).
 */
import * as RULES from "../assembly/rules.js";
import { type DtmfDigit, COL_HZ, KEY_ORDER, ROW_HZ } from "../src/keys.js";
import { DEFAULT_TUNING, type DetectorTuning, resolveTuning } from "../src/options.js";
import { DBM0_REF_POWER, dbm0ToPower } from "../src/levels.js";

/** The rule constants (assembly/rules.ts). */
export type Rules = { -readonly [K in keyof typeof RULES]: number };
/** Press purity a late candidate needs (assembly/rules.ts LATE_PRESS_PURITY). */
export const LATE_PRESS_PURITY = RULES.LATE_PRESS_PURITY;
const BINS = ROW_HZ.length + COL_HZ.length;
const IDLE = 0, CANDIDATE = 1, ACTIVE = 2;
const DIAL_WATCH = 0, DIAL_TRIAL = 1, DIAL_ON = 2, DIAL_WAIT = 3;
/** classify's verdict for a window of key k that fails the twist test alone: TWISTED + k. */
const TWISTED = 16;
/** classify's verdict for a window without a key that looks like a steady tone (assembly/window.ts TONE_LIKE). */
const TONE_LIKE = -2;
/** As assembly/window.ts HELD: HELD + key, a window that carries the tracked key on but never confirms it. */
const HELD = 32;
/** As assembly/window.ts CONTINUED: a continued hop of the tracked key (continued). */
const CONTINUED = 48;

export interface PlainPress {
  digit: DtmfDigit;
  startSample: number;
  durationSamples: number;
  /** Stream position at which the key was confirmed. */
  keydownSample: number;
  lowDbm0: number;
  highDbm0: number;
}

/** A candidate the reference confirmed, as `bench/candidates.mjs` studies them. */
export interface ConfirmedCandidate {
  digit: DtmfDigit;
  startSample: number;
  /** Stream position at which it was confirmed (the keydown). */
  confirmSample: number;
  /** Its onset lay at the far end of the magnitude history (assembly/press.ts). */
  late: boolean;
  /** Its tones filled the whole history when it started: confirmed as a steady pair only (assembly/press.ts). */
  stale: boolean;
  /** Share of the power the two tones held over the tone's full hops (linear). */
  pressPurity: number;
  lowErrorPct: number;
  highErrorPct: number;
  /** Confirmed by the steady-pair tests (assembly/press.ts steadyPair), not the press purity. */
  busyLine: boolean;
  /** Phase coherence of the less coherent tone, |Σz|/Σ|z| (1: one frequency throughout). */
  coherence: number;
  /** Amplitude steadiness of the less steady tone, (Σ|T|)²/(n·Σ|T|²) (1: constant amplitude). */
  steadiness: number;
  /** The same coherence measured on the 2-hop windows' DFTs (assembly/tones.ts windowCoherence). */
  windowCoherence: number;
  /** Full hops behind the levels and the purity. */
  fullHops: number;
  /** Hops of the tone whose windows failed the twist alone (classify's TWISTED verdict). */
  twistedHops: number;
}

/** Hooks for studying the confirmation tests (bench/candidates.mjs) and the rules (test/rules.perturb.ts). */
export interface CandidateProbe {
  /** Replaces LATE_PRESS_PURITY; 0 turns the late rule off. */
  latePressPurity?: number;
  /** Called for each candidate confirmed. */
  onConfirm?: (candidate: ConfirmedCandidate) => void;
  /** Rule constants to use instead of assembly/rules.ts (on this side only: the perturbation test). */
  rules?: Partial<Rules>;
}

type Complex = [number, number];

/** The largest leak of a tone near `toneHz` (±LEAK_OFFSET) into the bin at `binHz`, image included. */
function leakBound(toneHz: number, binHz: number, rate: number, window: number, { LEAK_OFFSET, LEAK_OFFSET_STEP }: Rules): number {
  const amplitude = (delta: number) => {
    const half = Math.sin(delta / 2);
    return Math.abs(half) < 1e-12 ? 1 : Math.abs(Math.sin((delta * window) / 2) / (window * half));
  };
  let worst = 0;
  for (let e = -LEAK_OFFSET; e <= LEAK_OFFSET + 1e-9; e += LEAK_OFFSET_STEP) {
    const f = toneHz * (1 + e);
    worst = Math.max(worst, amplitude((2 * Math.PI * (binHz - f)) / rate) + amplitude((2 * Math.PI * (binHz + f)) / rate));
  }
  return worst;
}

/** K(Δ) = (1/H) Σ_{n<H} e^{jΔn}. */
function kernel(delta: number, hop: number): Complex {
  let re = 0, im = 0;
  for (let n = 0; n < hop; n++) { re += Math.cos(delta * n); im += Math.sin(delta * n); }
  return [re / hop, im / hop];
}

/** |Σz|/Σ|z| of the less coherent of two tones (assembly/tones.ts coherenceOf). */
function coherenceOf(row: Complex, absRow: number, col: Complex, absCol: number): number {
  return Math.min(Math.hypot(...row) / absRow, Math.hypot(...col) / absCol);
}

export class PlainDetector {
  readonly hop: number;
  private readonly w: Float64Array;
  private readonly coef: Float64Array;
  private readonly kdiff: Complex[] = [];
  private readonly ksum: Complex[] = [];
  private readonly kself: Complex[] = [];
  /** [tone bin][bin of the other group]: leakBound. */
  private readonly leak: number[][] = [];
  private readonly tuning: Required<DetectorTuning>;
  private readonly minPower: number;
  private readonly twistLo: number;
  private readonly twistHi: number;
  private readonly onsetTwistLo: number;
  private readonly onsetTwistHi: number;
  private readonly relPeak: number;
  private readonly purity: number;
  private readonly pressPurity: number;
  private readonly minConfirm: number;
  private readonly gapMax: number;
  private readonly keyMask: number;
  // Stream state.
  private readonly s1 = new Float64Array(BINS);
  private readonly s2 = new Float64Array(BINS);
  private readonly yRe = new Float64Array(BINS);
  private readonly yIm = new Float64Array(BINS);
  private readonly prevRe = new Float64Array(BINS);
  private readonly prevIm = new Float64Array(BINS);
  private readonly power = new Float64Array(BINS);
  /** The window's DFT per bin (the window tests' X), and the previous hop's. */
  private readonly xRe = new Float64Array(BINS); private readonly xIm = new Float64Array(BINS);
  private readonly xPrevRe = new Float64Array(BINS); private readonly xPrevIm = new Float64Array(BINS);
  private pos = 0;
  private hopStart = 0;
  private hops = 0;
  private energy = 0; private sum = 0; private prevEnergy = 0; private prevSum = 0;
  /**
   * The band measure (assembly/filterbank.ts): Σ x[n]·x[n−2] of the hop, the last two samples,
   * the previous hop's band energy 2(Σx² − Σx[n]x[n−2]), the window's band power, the bins' gains.
   */
  private lag2 = 0; private xm2 = 0; private xm1 = 0; private prevBand = 0; private bandPower = 0;
  private readonly bandGain = new Float64Array(BINS);
  private state = IDLE; private key = 0; private onset = 0; private toneEnd = 0; private ref = 0; private refN = 0;
  /**
   * Why the last confirmation attempt failed, for the bench's diagnostics (bench/codec-misses.mjs):
   * "" after an acceptance; else short, pairs, freq, offFreq, pureCoherence, or purity+ (or
   * stale+) the busy-line reason (late, stale, twisted, busy:hops|freq|purity|coherence|steadiness).
   */
  rejection = "";
  private busyRejection = "";
  private inGap = false; private masked = false; private prevA = 0; private pairs = 0; private late = false; private stale = false;
  private refLow = 0; private twistedHops = 0; private hitRun = 0;
  /** The last press that ended was reported (assembly/press.ts FLAG_REPORTED). */
  private reported = false;
  private zr: Complex = [0, 0]; private zc: Complex = [0, 0];
  private powR = 0; private powC = 0; private pressTotal = 0; private fullHops = 0; private keydownAt = 0;
  private absTr = 0; private absTc = 0; private absZr = 0; private absZc = 0;
  /** As assembly/channels.ts heldHops: held windows over full hops since the candidate started. */
  private heldHops = 0;
  /** A hop whose two tones went on (continued) was measured: the late purity or BUSY_MIN_FULL_HOPS (assembly/press.ts FLAG_BOTH_GO_ON). */
  private bothGoOn = false;
  /** Σ band power of the full hops (assembly/tones.ts accumulate; the busy line's purity floor). */
  private pressBand = 0;
  /** Σ window phase-advance phasor per tone, Σ its magnitude, and whether the last measured hop made a phase pair. */
  private wzr: Complex = [0, 0]; private wzc: Complex = [0, 0]; private absWr = 0; private absWc = 0; private windowPair = false; private windowPairs = 0;
  /** Dial-tone engagement (assembly/dialtone.ts): mode, its counter, the hop's Σx² before the filter. */
  private dialMode = DIAL_WATCH; private dialCount = 0; private dialRaw = 0;
  /**
   * The tone filter (assembly/dialtone.ts): while trying or on (dialMode), the notch runs at a
   * steady off-grid tone's frequency instead of the dial tone's; its watch: phasors of the
   * strongest bin over quiet hops in a row.
   */
  private toneFilter = false; private toneNotch = { c: [1, 0, 1, 0, 0], z: [0, 0] as [number, number] };
  private toneHop = -2; private toneCount = 0; private toneBin = 0; private tonePrev: Complex = [0, 0]; private toneZ: Complex = [0, 0]; private toneAbs = 0;
  /** The dial-tone filter's sections (assembly/dialtone.ts): [b0, b1, b2, a1, a2] and states [z1, z2]. */
  private readonly notches: { c: number[]; z: [number, number] }[] = [];
  private t: [number, number, number, number] = [0, 0, 0, 0];
  private tPrev: [number, number, number, number] = [0, 0, 0, 0];
  private tKey = -1; private tPrevKey = -1;
  private peakRow = 0; private peakCol = 4;
  private out: PlainPress[] = [];

  private readonly latePressPurity: number;
  private readonly onConfirm?: (candidate: ConfirmedCandidate) => void;
  private readonly r: Rules;
  private readonly mag: Float64Array;

  constructor(readonly sampleRate: number, tuning: DetectorTuning = {}, probe: CandidateProbe = {}) {
    this.tuning = resolveTuning(tuning, DEFAULT_TUNING);
    this.r = { ...RULES, ...probe.rules };
    this.latePressPurity = probe.latePressPurity ?? this.r.LATE_PRESS_PURITY;
    this.onConfirm = probe.onConfirm;
    this.mag = new Float64Array(BINS * this.r.MAG_HOPS);
    this.hop = Math.round((sampleRate * this.r.HOP_MS) / 1000);
    {
      for (const hz of [this.r.NOTCH_LOW_HZ, this.r.NOTCH_HIGH_HZ]) {
        const w = (2 * Math.PI * hz) / sampleRate, alpha = Math.sin(w) / (2 * this.r.NOTCH_Q), a0 = 1 + alpha;
        this.notches.push({ c: [1 / a0, (-2 * Math.cos(w)) / a0, 1 / a0, (-2 * Math.cos(w)) / a0, (1 - alpha) / a0], z: [0, 0] });
      }
    }
    const hz = [...ROW_HZ, ...COL_HZ];
    this.w = Float64Array.from(hz, (f) => (2 * Math.PI * f) / sampleRate);
    this.coef = this.w.map((w) => 2 * Math.cos(w));
    for (let b = 0; b < BINS; b++) this.bandGain[b] = 2 - 2 * Math.cos(2 * this.w[b]);
    for (let r = 0; r < 4; r++) {
      for (let c = 0; c < 4; c++) {
        this.kdiff.push(kernel(this.w[4 + c] - this.w[r], this.hop));
        this.ksum.push(kernel(-(this.w[r] + this.w[4 + c]), this.hop));
      }
    }
    for (let b = 0; b < BINS; b++) this.kself.push(kernel(-2 * this.w[b], this.hop));
    for (let t = 0; t < BINS; t++) {
      this.leak.push([0, 1, 2, 3].map((k) => this.r.LEAK_SHARE * leakBound(hz[t], hz[t < 4 ? 4 + k : k], sampleRate, 2 * this.hop, this.r)));
    }
    const t = this.tuning;
    this.minPower = dbm0ToPower(t.minLevelDbm0);
    this.twistLo = 10 ** (-t.normalTwistDb / 10);
    this.twistHi = 10 ** (t.reverseTwistDb / 10);
    this.onsetTwistLo = this.twistLo / this.r.TWIST_SPAN;
    this.onsetTwistHi = this.twistHi * this.r.TWIST_SPAN;
    this.relPeak = 10 ** (-t.peakRatioDb / 10);
    this.purity = 10 ** (t.purityDb / 10);
    this.pressPurity = 10 ** (t.pressPurityDb / 10);
    this.minConfirm = Math.round((t.minToneMs * sampleRate) / 1000);
    this.gapMax = Math.round((t.gapMs * sampleRate) / 1000);
    this.keyMask = [...t.keys].reduce((m, k) => m | (1 << KEY_ORDER.indexOf(k)), 0);
  }

  /** Feeds float samples; returns the presses that ended. */
  process(samples: Float32Array | Float64Array): PlainPress[] {
    this.out = [];
    for (let i = 0; i < samples.length; i++) {
      let x = samples[i];
      x = x !== x ? 0 : x > 1 ? 1 : x < -1 ? -1 : x;
      if (this.tuning.dialToneFilter || this.dialMode === DIAL_TRIAL || this.dialMode === DIAL_ON) {
        if (!this.tuning.dialToneFilter && this.state === IDLE) this.dialRaw += x * x;
        for (const { c, z } of this.toneFilter ? [this.toneNotch] : this.notches) { // transposed direct form II, as assembly/dialtone.ts
          const y = c[0] * x + z[0];
          z[0] = c[1] * x - c[3] * y + z[1];
          z[1] = c[2] * x - c[4] * y;
          x = y;
        }
      }
      for (let b = 0; b < BINS; b++) {
        const s = x + this.coef[b] * this.s1[b] - this.s2[b];
        this.s2[b] = this.s1[b];
        this.s1[b] = s;
      }
      this.energy += x * x;
      this.sum += x;
      this.lag2 += x * this.xm2;
      this.xm2 = this.xm1; this.xm1 = x;
      if (++this.pos === this.hop) this.endHop();
    }
    return this.out;
  }

  /** End of stream. */
  flush(): PlainPress[] {
    this.out = [];
    if (this.state !== IDLE) {
      const end = this.hopStart + this.pos;
      if (!this.inGap && this.prevA >= this.r.COVER_FULL) this.toneEnd = end;
      if (this.state === CANDIDATE && this.toneAccepted(false)) {
        this.state = ACTIVE;
        this.keydownAt = end;
      }
      this.finish();
    }
    return this.out;
  }

  private endHop(): void {
    const H = this.hop;
    for (let b = 0; b < BINS; b++) {
      const w = this.w[b], a = this.s1[b], bb = this.s2[b];
      const u = a - bb * Math.cos(w), v = bb * Math.sin(w);
      const cp = Math.cos(w * (H - 1)), sp = Math.sin(w * (H - 1));
      this.yRe[b] = u * cp + v * sp;
      this.yIm[b] = v * cp - u * sp;
      const tc = Math.cos(w * H), ts = Math.sin(w * H);
      const xr = this.prevRe[b] + tc * this.yRe[b] + ts * this.yIm[b];
      const xi = this.prevIm[b] + tc * this.yIm[b] - ts * this.yRe[b];
      this.power[b] = ((xr * xr + xi * xi) * 2) / (4 * H * H);
      this.xRe[b] = xr; this.xIm[b] = xi;
      this.mag[(this.hops % this.r.MAG_HOPS) * BINS + b] = Math.hypot(this.yRe[b], this.yIm[b]);
      this.s1[b] = 0;
      this.s2[b] = 0;
    }
    const L = 2 * H;
    const e = this.prevEnergy + this.energy, s = this.prevSum + this.sum;
    const total = Math.max((e - (s * s) / L) / L, 0);
    const band = 2 * (this.energy - this.lag2);
    this.bandPower = Math.max(this.prevBand + band, 0) / L;
    let hit = this.classify(total);
    const tracked = this.state !== IDLE;
    if (hit < 0 && tracked && this.held(total)) hit = HELD + this.key;
    if (tracked || hit >= 0) this.correct(tracked ? this.key : hit & (TWISTED - 1));
    else this.tKey = -1;
    // Not passing (failing, or only held): one of the tracked key's tones may still go on as
    // measured (continued), from a hop that held it (never across a gap, as assembly/press.ts).
    // Both tones went on (2), the window carrying the key, neither stale nor twisted: measured as
    // a passing window (assembly/press.ts); else a continued hop.
    const going = (hit < 0 || hit === HELD + this.key) && tracked && !this.inGap ? this.continued() : 0;
    if (going === 2 && !this.stale && this.twistedHops === 0 && this.carriesKey()) { hit = this.key; this.bothGoOn = true; }
    else if (going > 0) hit = CONTINUED + this.key;
    if (!tracked) this.dialToneHop(total, hit >= 0);
    this.track(hit);
    if (this.state === IDLE) this.dialRaw = 0;
    this.prevRe.set(this.yRe);
    this.prevIm.set(this.yIm);
    this.xPrevRe.set(this.xRe); this.xPrevIm.set(this.xIm);
    this.tPrev = [...this.t];
    this.tPrevKey = this.tKey;
    this.prevEnergy = this.energy; this.prevSum = this.sum; this.energy = 0; this.sum = 0;
    this.prevBand = band; this.lag2 = 0;
    this.hops++;
    this.hopStart += H;
    this.pos = 0;
  }

  /**
   * As assembly/dialtone.ts dialToneHop: by default the dial-tone filter runs only while a dial
   * tone is on the line (watch, trial, on, wait); called at a hop's end while no key is tracked.
   */
  private dialToneHop(total: number, found: boolean): void {
    if (this.tuning.dialToneFilter) return;
    if (found && this.toneFilter) return; // a key's window: the tone filter holds, as while a key is tracked
    const { DIAL_BIN_SHARE, DIAL_OFF_HOPS, DIAL_WATCH_HOPS, DIAL_TRIAL_HOPS, DIAL_REMOVED_SHARE, DIAL_RETRY_HOPS } = this.r;
    const P = this.power;
    if (this.dialMode === DIAL_WAIT) {
      if (--this.dialCount <= 0) { this.dialMode = DIAL_WATCH; this.dialCount = 0; this.toneCount = 0; }
    } else if (this.dialMode === DIAL_WATCH) {
      const like = total >= this.minPower && P.reduce((a, b) => a + b, 0) <= DIAL_BIN_SHARE * total;
      this.dialCount = like ? this.dialCount + 1 : 0;
      if (this.dialCount >= DIAL_WATCH_HOPS) { this.dialMode = DIAL_TRIAL; this.dialCount = 0; this.toneFilter = false; this.toneCount = 0; }
    } else {
      const hp = (b: number) => this.yRe[b] ** 2 + this.yIm[b] ** 2; // the hop's |Y|²
      const pair = ((Math.max(hp(0), hp(1), hp(2), hp(3)) + Math.max(hp(4), hp(5), hp(6), hp(7))) * 2) / this.hop;
      const after = this.energy - pair, before = this.dialRaw - pair;
      const kept = before > 0 && after <= (1 - DIAL_REMOVED_SHARE) * before;
      if (this.dialMode === DIAL_TRIAL) {
        if (++this.dialCount >= DIAL_TRIAL_HOPS) {
          this.dialMode = kept ? DIAL_ON : DIAL_WAIT;
          this.dialCount = kept ? 0 : DIAL_RETRY_HOPS;
        }
      } else if (kept) {
        this.dialCount = 0;
      } else if (++this.dialCount >= (this.toneFilter ? this.r.TONE_OFF_HOPS : DIAL_OFF_HOPS)) {
        this.dialMode = DIAL_WATCH;
        this.dialCount = 0;
      }
      if (this.dialMode === DIAL_WATCH || this.dialMode === DIAL_WAIT) { this.toneFilter = false; this.toneCount = 0; }
    }
  }

  /**
   * As assembly/dialtone.ts toneWatch, on a hop whose window looks like one steady tone
   * (classify's TONE_LIKE) while watching: over such hops in a row (no key tracked or found in
   * the previous one) the strongest bin turns its hop DFT by one frequency (phase coherence
   * TONE_COHERENCE over TONE_WATCH_HOPS phasors), off the bin's by TONE_OFF_GRID or more: the
   * tone filter runs at that frequency.
   */
  private toneWatch(): void {
    const { TONE_WATCH_HOPS, TONE_COHERENCE, TONE_OFF_GRID, TONE_NOTCH_Q } = this.r;
    const P = this.power;
    let b = 0;
    for (let i = 1; i < BINS; i++) if (P[i] > P[b]) b = i;
    // The watch goes on only from the hop just before, and only if no key was tracked or found there.
    if (this.toneHop !== this.hops - 1 || this.tPrevKey !== -1) this.toneCount = 0;
    this.toneHop = this.hops;
    const yr = this.yRe[b], yi = this.yIm[b];
    const my = Math.hypot(yr, yi), mp = Math.hypot(...this.tonePrev);
    // A new bin, or a hop the tone does not fill as it filled the last (its onset, REF_SHARE): start here.
    if (this.toneCount === 0 || this.toneBin !== b || Math.min(my, mp) < this.r.REF_SHARE * Math.max(my, mp)) {
      this.toneCount = 1; this.toneBin = b; this.tonePrev = [yr, yi]; this.toneZ = [0, 0]; this.toneAbs = 0;
      return;
    }
    const [pr, pi] = this.tonePrev, H = this.hop;
    const ar = yr * pr + yi * pi, ai = yi * pr - yr * pi; // Y·conj(Y_prev)
    const tc = Math.cos(this.w[b] * H), ts = Math.sin(this.w[b] * H); // less the bin's own turn
    this.toneZ = [this.toneZ[0] + tc * ar + ts * ai, this.toneZ[1] + tc * ai - ts * ar];
    this.toneAbs += my * mp;
    this.tonePrev = [yr, yi];
    if (++this.toneCount <= TONE_WATCH_HOPS) return;
    const binHz = b < 4 ? ROW_HZ[b] : COL_HZ[b - 4];
    const offHz = this.errorHz(this.toneZ), coherent = Math.hypot(...this.toneZ) >= TONE_COHERENCE * this.toneAbs;
    // Decided: the next watch starts from this hop.
    this.toneCount = 1; this.toneZ = [0, 0]; this.toneAbs = 0;
    if (!coherent || Math.abs(offHz) < TONE_OFF_GRID * binHz) return;
    const w = (2 * Math.PI * (binHz + offHz)) / this.sampleRate, alpha = Math.sin(w) / (2 * TONE_NOTCH_Q), a0 = 1 + alpha;
    this.toneNotch = { c: [1 / a0, (-2 * Math.cos(w)) / a0, 1 / a0, (-2 * Math.cos(w)) / a0, (1 - alpha) / a0], z: [0, 0] };
    this.toneFilter = true;
    this.dialMode = DIAL_ON; // no trial: the watch found the tone, and its notch takes ≈ 2 hops to settle
    this.dialCount = 0;
  }

  /** The two tones hold `share` of the window's broadband power or of its band power (assembly/window.ts). */
  private pure(row: number, col: number, total: number, share: number): boolean {
    const P = this.power;
    return P[row] + P[col] >= share * total || this.bandGain[row] * P[row] + this.bandGain[col] * P[col] >= share * this.bandPower;
  }

  /** As assembly/window.ts carriesKey: the key's bins lead their groups (classify's peaks), above the level, within the twist limits. */
  private carriesKey(): boolean {
    const P = this.power, row = this.peakRow, col = this.peakCol;
    if ((row << 2) + col - 4 !== this.key || P[row] < this.minPower || P[col] < this.minPower) return false;
    return P[col] >= this.twistLo * P[row] && P[col] <= this.twistHi * P[row];
  }

  /**
   * As assembly/window.ts held(): a window with no key while `key` is tracked holds it if the
   * key's bins still lead their groups, above the level, within the twist limits, with
   * HOLD_PURITY of the power and no second bin within HOLD_REL_PEAK. It carries the tone on
   * but never confirms it (track).
   */
  private held(total: number): boolean {
    const row = this.peakRow, col = this.peakCol;
    if (!this.carriesKey()) return false;
    return this.pure(row, col, total, this.r.HOLD_PURITY) && this.peaked(row, col, this.r.HOLD_REL_PEAK);
  }

  /**
   * As assembly/window.ts peakedOverBackground (rules.ts BACKGROUND_OWN_SHARE, BACKGROUND_SHARE):
   * the peak test with each bin's background (its smallest hop magnitude 2 … MAG_HOPS − 1 hops
   * back, as window power 4|Y|²) taken off the amplitude of the bins it fills to
   * BACKGROUND_SHARE; the key's own bins must keep BACKGROUND_OWN_SHARE of their power over it.
   */
  private peakedOverBackground(row: number, col: number, ratio: number): boolean {
    const MH = this.r.MAG_HOPS, H = this.hop, P = this.power;
    if (this.hops < MH - 1) return false;
    const background = Array.from({ length: BINS }, (_, b) => {
      let m = Infinity;
      for (let k = 2; k < MH; k++) m = Math.min(m, this.mag[((this.hops - k) % MH) * BINS + b]);
      return (4 * m * m * 2) / (4 * H * H);
    });
    const over = (b: number): number => Math.max(0, Math.sqrt(P[b]) - Math.sqrt(background[b])); // amplitude over it
    const own = this.r.BACKGROUND_OWN_SHARE;
    if (over(row) ** 2 < own * P[row] || over(col) ** 2 < own * P[col]) return false;
    return this.peaked(row, col, ratio, (b) => (background[b] >= this.r.BACKGROUND_SHARE * P[b] ? over(b) : Math.sqrt(P[b])));
  }

  /** As assembly/window.ts peaked(): no other bin of either group over `ratio` of its peak, less the other group's leak. */
  private peaked(row: number, col: number, ratio: number, amp = (b: number): number => Math.sqrt(this.power[b])): boolean {
    // `amp`: each bin's amplitude, the window's or less its background (peakedOverBackground).
    const P = this.power;
    const rest = (a: number, leak: number, other: number) => Math.max(0, a - leak * Math.sqrt(other)) ** 2;
    for (let i = 0; i < 4; i++) if (i !== row && rest(amp(i), this.leak[col][i], P[col]) > ratio * P[row]) return false;
    for (let i = 4; i < 8; i++) if (i !== col && rest(amp(i), this.leak[row][i - 4], P[row]) > ratio * P[col]) return false;
    return true;
  }

  private classify(total: number): number {
    const P = this.power;
    let row = 0, col = 4;
    for (let i = 1; i < 4; i++) if (P[i] > P[row]) row = i;
    for (let i = 5; i < 8; i++) if (P[i] > P[col]) col = i;
    this.peakRow = row; this.peakCol = col;
    // A steady tone's look (assembly/window.ts TONE_LIKE): one group's strongest bin
    // TONE_GROUP_RATIO over the other's, in a window failing the level or the purity test.
    const R = this.r.TONE_GROUP_RATIO, toneLike = P[row] >= R * P[col] || P[col] >= R * P[row] ? TONE_LIKE : -1;
    if (P[row] < this.minPower || P[col] < this.minPower) return P[row] >= this.minPower || P[col] >= this.minPower ? toneLike : -1;
    if (!this.pure(row, col, total, this.purity)) return toneLike;
    const twisted = P[col] < this.twistLo * P[row] || P[col] > this.twistHi * P[row];
    if (twisted && (P[col] < this.onsetTwistLo * P[row] || P[col] > this.onsetTwistHi * P[row])) return -1;
    if (!this.peaked(row, col, this.relPeak) && !this.peakedOverBackground(row, col, this.relPeak)) return -1;
    const key = (row << 2) | (col - 4);
    if (!((this.keyMask >> key) & 1)) return -1;
    // A window that fails the twist alone (within TWIST_SPAN more): the key's tones, off balance.
    return twisted ? TWISTED + key : key;
  }

  /**
   * As assembly/tones.ts continued (rules.ts CONT_MIN_COS): after a phase pair, one tone's T
   * turns from the last hop's as its phase pairs measured, with CONT_MAG_SHARE of its mean |T|
   * over the full hops, and the other tone's bin holds CONT_MAG_SHARE of its own. 0 (none),
   * 1 (a continued hop) or 2 (both within CONT_MEASURE_COS: measured; before a phase pair, on
   * the nominal frequencies, and only 2).
   */
  private continued(): number {
    // As assembly/tones.ts: before a phase pair, the nominal frequencies (a zero turn), for both tones within CONT_MEASURE_COS only.
    const nominal = this.pairs < 1;
    if (this.tPrevKey !== this.key || this.fullHops < 1) return 0;
    const { CONT_MIN_COS, CONT_MAG_SHARE, CONT_MEASURE_COS } = this.r;
    let close = 0;
    const H = this.hop, [trRe, trIm, tcRe, tcIm] = this.t;
    const meanR = this.absTr / this.fullHops, meanC = this.absTc / this.fullHops;
    const goesOn = (b: number, re: number, im: number, pr: number, pi: number, z: Complex, mean: number): boolean => {
      if (Math.hypot(re, im) < CONT_MAG_SHARE * mean) return false;
      const w = this.w[b], tc = Math.cos(w * H), ts = Math.sin(w * H);
      const wr = tc * re + ts * im, wi = tc * im - ts * re; // e^{−jωH}·T
      const ar = wr * pr + wi * pi, ai = wi * pr - wr * pi; // this hop's phasor
      const [zr, zi] = nominal ? [1, 0] : z;
      const dot = ar * zr + ai * zi, norm = Math.hypot(ar, ai) * Math.hypot(zr, zi);
      if (dot > CONT_MEASURE_COS * norm) close++;
      return dot > CONT_MIN_COS * norm;
    };
    const rowThere = Math.hypot(trRe, trIm) >= CONT_MAG_SHARE * meanR, colThere = Math.hypot(tcRe, tcIm) >= CONT_MAG_SHARE * meanC;
    const going = Number(colThere && goesOn(this.key >> 2, trRe, trIm, this.tPrev[0], this.tPrev[1], this.zr, meanR))
      + Number(rowThere && goesOn(4 + (this.key & 3), tcRe, tcIm, this.tPrev[2], this.tPrev[3], this.zc, meanC));
    // As assembly/tones.ts: 2 if both tones go on within CONT_MEASURE_COS (the hop is measured), else 1 if any goes on.
    return close === 2 ? 2 : nominal ? 0 : Math.min(going, 1);
  }

  private correct(key: number): void {
    this.tKey = key;
    const r = key >> 2, c = 4 + (key & 3);
    const [yrRe, yrIm, ycRe, ycIm] = [this.yRe[r], this.yIm[r], this.yRe[c], this.yIm[c]];
    const [dRe, dIm] = this.kdiff[key], [sRe, sIm] = this.ksum[key];
    const [rRe, rIm] = this.kself[r], [cRe, cIm] = this.kself[c];
    this.t = [
      yrRe - (dRe * ycRe - dIm * ycIm) - (sRe * ycRe + sIm * ycIm) - (rRe * yrRe + rIm * yrIm),
      yrIm - (dRe * ycIm + dIm * ycRe) - (sIm * ycRe - sRe * ycIm) - (rIm * yrRe - rRe * yrIm),
      ycRe - (dRe * yrRe + dIm * yrIm) - (sRe * yrRe + sIm * yrIm) - (cRe * ycRe + cIm * ycIm),
      ycIm - (dRe * yrIm - dIm * yrRe) - (sIm * yrRe - sRe * yrIm) - (cIm * ycRe - cRe * ycIm),
    ];
  }

  private keyMag(back: number, key: number): number {
    const slot = ((this.hops - back) % this.r.MAG_HOPS) * BINS;
    return this.mag[slot + (key >> 2)] + this.mag[slot + 4 + (key & 3)];
  }

  /** What noise as strong as in the other six bins would give keyMag: 2·rms of their magnitudes. */
  private noiseMag(back: number, key: number): number {
    const slot = ((this.hops - back) % this.r.MAG_HOPS) * BINS, r = key >> 2, c = 4 + (key & 3);
    let rest = 0;
    for (let b = 0; b < BINS; b++) if (b !== r && b !== c) rest += this.mag[slot + b] ** 2;
    return 2 * Math.sqrt(rest / (BINS - 2));
  }

  private errorHz([re, im]: Complex): number {
    return re === 0 && im === 0 ? 0 : Math.atan2(im, re) / ((2 * Math.PI * this.hop) / this.sampleRate);
  }

  private offsetLoss(errHz: number): number {
    const x = (Math.PI * errHz * this.hop) / this.sampleRate;
    return Math.abs(x) < 1e-6 ? 1 : Math.max((Math.sin(x) / x) ** 2, this.r.OFFSET_LOSS_FLOOR);
  }

  /** The confirmation tests: duration, phase pairs, frequencies, press purity. */
  private toneAccepted(window = true, continuedNow = false): boolean {
    const no = (why: string): false => { this.rejection = why; return false; };
    if (this.toneEnd - this.onset < this.minConfirm) return no("short");
    // One phase pair is enough only on a continued hop, for a pure candidate (below; assembly/press.ts).
    const onePair = this.pairs < this.r.MIN_PHASE_PAIRS;
    if (onePair && !continuedNow) return no("pairs");
    const tol = this.tuning.frequencyTolerancePct / 100;
    const rowErr = this.errorHz(this.zr), colErr = this.errorHz(this.zc);
    if (Math.abs(rowErr) > tol * ROW_HZ[this.key >> 2] || Math.abs(colErr) > tol * COL_HZ[this.key & 3]) return no("freq");
    // Off frequency by OFF_FREQ_TOL or more: only from OFF_FREQ_HOPS full hops (assembly/press.ts).
    const off = this.r.OFF_FREQ_TOL;
    const offFrequency = Math.abs(rowErr) > off * ROW_HZ[this.key >> 2] || Math.abs(colErr) > off * COL_HZ[this.key & 3];
    if (offFrequency && this.fullHops < this.r.OFF_FREQ_HOPS) return no("offFreq");
    const tone = this.powR / this.offsetLoss(rowErr) + this.powC / this.offsetLoss(colErr);
    // A masked candidate (startCandidate) needs the late purity too, or else the busy line.
    // As assembly/press.ts: so is one measured on a hop whose tones both went on (continued), or else the busy line from BUSY_MIN_FULL_HOPS full hops.
    let purity = this.late || this.masked || this.bothGoOn ? Math.max(this.latePressPurity, this.pressPurity) : this.pressPurity;
    const twisted = this.twistedHops > 0;
    if (twisted) purity = Math.max(purity, this.r.TWISTED_PRESS_PURITY);
    if (onePair && (this.stale || this.late || this.masked || twisted || tone < this.r.LATE_PRESS_PURITY * this.pressTotal)) return no("pairs");
    const busyLine = tone < purity * this.pressTotal;
    if (!busyLine && !this.stale) {
      const { coherence, steadiness } = this.busyLineMeasures();
      // Pure, but not one frequency: not yet (assembly/press.ts PURE_COHERENCE).
      if (coherence < this.r.PURE_COHERENCE) return no("pureCoherence");
      // Off frequency, pure and coherent: one amplitude too (assembly/press.ts OFF_FREQ_STEADINESS).
      if (offFrequency && steadiness < this.r.OFF_FREQ_STEADINESS) return no("offFreqSteadiness");
    }
    if (busyLine) {
      if (this.late) return no("purity+late");
      if (twisted) return no("purity+twisted");
      if (this.bothGoOn && this.fullHops < this.r.BUSY_MIN_FULL_HOPS) return no("purity+bothGoOn");
      // As assembly/press.ts: under the press purity a stale candidate must sit within
      // STALE_IMPURE_FREQ_TOL with STALE_IMPURE_COHERENCE of window coherence (then the steady-pair tests below).
      if (this.stale) {
        const tol = this.r.STALE_IMPURE_FREQ_TOL;
        if (Math.abs(rowErr) > tol * ROW_HZ[this.key >> 2] || Math.abs(colErr) > tol * COL_HZ[this.key & 3]) return no("purity+stale:freq");
        if (this.windowPairs < this.r.MIN_WINDOW_PAIRS || this.windowCoherence() < this.r.STALE_IMPURE_COHERENCE) return no("purity+stale:coherence");
      } else if (!this.steadyPair(tone, rowErr, colErr, window)) return no(`purity+busy:${this.busyRejection}`);
    }
    if (this.stale && !this.steadyPair(tone, rowErr, colErr, false)) return no(`stale+busy:${this.busyRejection}`); // a steady pair as well, no noise allowance
    this.rejection = "";
    const { coherence, steadiness } = this.busyLineMeasures();
    const windowCoherence = this.windowCoherence();
    this.onConfirm?.({
      digit: KEY_ORDER[this.key] as DtmfDigit, startSample: this.onset, confirmSample: this.hopStart + this.pos, late: this.late, stale: this.stale, pressPurity: tone / this.pressTotal,
      lowErrorPct: (100 * rowErr) / ROW_HZ[this.key >> 2], highErrorPct: (100 * colErr) / COL_HZ[this.key & 3], busyLine,
      coherence, steadiness, windowCoherence, fullHops: this.fullHops, twistedHops: this.twistedHops,
    });
    return true;
  }

  /**
   * As assembly/press.ts steadyPair: on frequency, coherent and steady over a longer press; the
   * coherence asked less what the noise in the current window's other six bins would take
   * (`window`: the current window's powers are the tone's; not at the end of the stream).
   */
  private steadyPair(tone: number, rowErr: number, colErr: number, window: boolean): boolean {
    const { BUSY_MIN_FULL_HOPS, BUSY_PRESS_PURITY, BUSY_FREQ_TOL, BUSY_COHERENCE, BUSY_STEADINESS, STALE_WINDOW_HOPS, MIN_WINDOW_PAIRS, STALE_PURE_PURITY, STALE_PURE_FULL_HOPS, STALE_PURE_STEADINESS } = this.r;
    const no = (why: string): false => { this.busyRejection = why; return false; };
    // As assembly/press.ts: a pure stale pair from STALE_PURE_FULL_HOPS, to within STALE_PURE_STEADINESS.
    const stalePure = this.stale && tone >= STALE_PURE_PURITY * this.pressTotal;
    // As assembly/press.ts: BUSY_MIN_FULL_HOPS full hops of the tone, BUSY_MEASURED_HOPS of them measured.
    if (stalePure ? this.fullHops < STALE_PURE_FULL_HOPS : this.fullHops < this.r.BUSY_MEASURED_HOPS || this.fullHops + this.heldHops < BUSY_MIN_FULL_HOPS) return no("hops");
    if (Math.abs(rowErr) > BUSY_FREQ_TOL * ROW_HZ[this.key >> 2] || Math.abs(colErr) > BUSY_FREQ_TOL * COL_HZ[this.key & 3]) return no("freq");
    // As assembly/press.ts: the purity floor on the broadband power or on the band power.
    const bandTone = this.bandGain[this.key >> 2] * this.powR / this.offsetLoss(rowErr) + this.bandGain[4 + (this.key & 3)] * this.powC / this.offsetLoss(colErr);
    if (tone < BUSY_PRESS_PURITY * this.pressTotal && bandTone < BUSY_PRESS_PURITY * this.pressBand) return no("purity");
    const measured = this.busyLineMeasures();
    // As assembly/press.ts: the window coherence, but under MIN_WINDOW_PAIRS window pairs (a stale pair: STALE_WINDOW_HOPS full hops) the hop coherence.
    const coherence = (this.stale ? this.fullHops < STALE_WINDOW_HOPS : this.windowPairs < MIN_WINDOW_PAIRS) ? measured.coherence : this.windowCoherence();
    const steadiness = measured.steadiness;
    let need = BUSY_COHERENCE, needSt = stalePure ? STALE_PURE_STEADINESS : BUSY_STEADINESS;
    if (window) {
      const P = this.power, r = this.key >> 2, c = 4 + (this.key & 3);
      let rest = 0, loudest = 0;
      for (let i = 0; i < BINS; i++) if (i !== r && i !== c) { rest += P[i]; loudest = Math.max(loudest, P[i]); }
      // P: the weaker tone's mean power over the press's full hops (assembly/press.ts steadyPair).
      const pr = this.powR / this.fullHops / this.offsetLoss(rowErr), pc = this.powC / this.fullHops / this.offsetLoss(colErr);
      const weaker = Math.min(pr, pc);
      need = Math.min(need, 1 - this.r.BUSY_NOISE_LOSS * rest / (6 * weaker));
      // For the steadiness the noise leaves the loudest of the six bins out (assembly/rules.ts BUSY_STEADY_NOISE_LOSS).
      needSt = Math.min(needSt, 1 - this.r.BUSY_STEADY_NOISE_LOSS * (rest - loudest) / (5 * weaker));
    }
    if (coherence < need) return no("coherence");
    if (steadiness < needSt) return no("steadiness");
    return true;
  }

  /** As assembly/tones.ts windowCoherence: |Σz|/Σ|z| of the window phasors, the less coherent tone (0 without data). */
  private windowCoherence(): number {
    return this.absWr > 0 && this.absWc > 0 ? coherenceOf(this.wzr, this.absWr, this.wzc, this.absWc) : 0;
  }

  /** Phase coherence and amplitude steadiness of the less coherent / less steady tone (0 without data). */
  private busyLineMeasures(): { coherence: number; steadiness: number } {
    if (this.absZr <= 0 || this.absZc <= 0 || this.fullHops <= 0 || this.powR <= 0 || this.powC <= 0) return { coherence: 0, steadiness: 0 };
    const coherence = coherenceOf(this.zr, this.absZr, this.zc, this.absZc);
    const norm = 2 / (this.hop * this.hop); // Σ|T|² = powR / norm
    const steadiness = Math.min((this.absTr ** 2 * norm) / (this.fullHops * this.powR), (this.absTc ** 2 * norm) / (this.fullHops * this.powC));
    return { coherence, steadiness };
  }

  /**
   * As assembly/press.ts: a candidate whose tones fill the whole history is stale (pure and a
   * steady pair, or nothing), unless it is the key just reported, ended within STALE_REPEAT_HOPS (then no
   * candidate); one whose onset lies at the far end of the history must be purer (late), unless
   * the walk-back bounded by the noise in the other bins (MASKED_NOISE_RATIO) stops inside the
   * history: then it is masked, a steady pair or nothing.
   */
  private startCandidate(key: number): void {
    const H = this.hop;
    const { MAG_HOPS, COVER_MIN, COVER_FULL, STALE_COVER, STALE_REPEAT_HOPS, REF_FLOOR } = this.r;
    const available = Math.min(this.hops + 1, MAG_HOPS);
    const m0 = this.keyMag(0, key), m1 = available > 1 ? this.keyMag(1, key) : 0;
    const ref = Math.max(m0, m1, REF_FLOOR);
    let j = m0 >= m1 ? 0 : 1;
    const j0 = j;
    while (j + 1 < available && this.keyMag(j + 1, key) >= COVER_MIN * ref) j++;
    let aOn = Math.min(this.keyMag(j, key) / ref, 1);
    const stale = j === MAG_HOPS - 1 && aOn >= STALE_COVER;
    // A late candidate whose walk-back, bounded by what noise in the other bins would give,
    // stops inside the history: masked, a key the noise hid (busy line only).
    let masked = false;
    if (j === MAG_HOPS - 1 && !stale) {
      let k = j0;
      while (k + 1 < available && this.keyMag(k + 1, key) >= COVER_MIN * ref && this.keyMag(k + 1, key) >= this.r.MASKED_NOISE_RATIO * this.noiseMag(k + 1, key)) k++;
      if (k < j) { masked = true; j = k; aOn = Math.min(this.keyMag(j, key) / ref, 1); }
    }
    if (stale && this.reported && this.key === key && this.hopStart - this.toneEnd < STALE_REPEAT_HOPS * H) { this.state = IDLE; return; }
    let on = j, aStart = aOn;
    if (stale) { // the onset: the largest step up by STALE_RISE or more, else the far end
      let rise = this.r.STALE_RISE;
      for (let k = 0; k < MAG_HOPS - 1; k++) {
        const step = this.keyMag(k, key) / this.keyMag(k + 1, key);
        if (step >= rise) { rise = step; on = k; }
      }
      aStart = Math.min(this.keyMag(on, key) / ref, 1);
    }
    Object.assign(this, { state: CANDIDATE, key, late: j === MAG_HOPS - 1 && !stale, stale, masked, inGap: false, pairs: 0, fullHops: 0, powR: 0, powC: 0, pressTotal: 0, pressBand: 0, bothGoOn: false, zr: [0, 0], zc: [0, 0], absTr: 0, absTc: 0, heldHops: 0, absZr: 0, absZc: 0, wzr: [0, 0], wzc: [0, 0], absWr: 0, absWc: 0, windowPair: false, windowPairs: 0 });
    this.ref = ref;
    this.refN = 1;
    this.refLow = 0;
    this.twistedHops = 0;
    this.hitRun = 0;
    this.onset = this.hopStart - on * H + (1 - aStart) * H;
    const a0 = Math.min(m0 / this.ref, 1), a1 = Math.min(m1 / this.ref, 1);
    this.toneEnd = a0 >= COVER_MIN ? this.hopStart + (a0 >= COVER_FULL ? H : a0 * H) : this.hopStart - H + (a1 >= COVER_FULL ? H : a1 * H);
    this.prevA = a1;
  }

  private accumulate(a: number): void {
    const { COVER_FULL } = this.r;
    if (a < COVER_FULL || this.key !== this.tKey) return;
    const H = this.hop;
    const [trRe, trIm, tcRe, tcIm] = this.t;
    this.powR += ((trRe * trRe + trIm * trIm) * 2) / (H * H);
    this.powC += ((tcRe * tcRe + tcIm * tcIm) * 2) / (H * H);
    this.fullHops++;
    const magR = Math.hypot(trRe, trIm), magC = Math.hypot(tcRe, tcIm);
    this.absTr += magR; this.absTc += magC;
    this.pressTotal += Math.max(this.energy - (this.sum * this.sum) / H, 0) / H;
    this.pressBand += Math.max(2 * (this.energy - this.lag2), 0) / H;
    // As assembly/tones.ts accumulate: a window phasor (e^{−jωH}·X)·conj(X_prev) when this hop
    // and the last measured one both made a hop phase pair (X spans this hop and the one before).
    const pair = this.prevA >= COVER_FULL && this.tPrevKey === this.key;
    if (pair && this.windowPair) {
      const addW = (z: Complex, b: number): [Complex, number] => {
        const w = this.w[b], tc = Math.cos(w * H), ts = Math.sin(w * H);
        const re = this.xRe[b], im = this.xIm[b], pr = this.xPrevRe[b], pi = this.xPrevIm[b];
        const wr = tc * re + ts * im, wi = tc * im - ts * re;
        return [[z[0] + wr * pr + wi * pi, z[1] + wi * pr - wr * pi], Math.hypot(re, im) * Math.hypot(pr, pi)];
      };
      let m: number;
      [this.wzr, m] = addW(this.wzr, this.key >> 2); this.absWr += m;
      [this.wzc, m] = addW(this.wzc, 4 + (this.key & 3)); this.absWc += m;
      this.windowPairs++;
    }
    this.windowPair = pair;
    if (!pair) return;
    const add = (z: Complex, re: number, im: number, pr: number, pi: number, w: number): Complex => {
      const tc = Math.cos(w * H), ts = Math.sin(w * H);
      const wr = tc * re + ts * im, wi = tc * im - ts * re;
      return [z[0] + wr * pr + wi * pi, z[1] + wi * pr - wr * pi];
    };
    this.zr = add(this.zr, trRe, trIm, this.tPrev[0], this.tPrev[1], this.w[this.key >> 2]);
    this.zc = add(this.zc, tcRe, tcIm, this.tPrev[2], this.tPrev[3], this.w[4 + (this.key & 3)]);
    this.pairs++;
    this.absZr += magR * Math.hypot(this.tPrev[0], this.tPrev[1]);
    this.absZc += magC * Math.hypot(this.tPrev[2], this.tPrev[3]);
  }

  private finish(): void {
    this.reported = this.state === ACTIVE;
    if (this.state === ACTIVE) {
      const loss = (err: number) => this.offsetLoss(err);
      const n = Math.max(this.fullHops, 1);
      const dbm0 = (p: number) => 10 * Math.log10(Math.max(p, this.r.POWER_FLOOR) / DBM0_REF_POWER);
      this.out.push({
        digit: KEY_ORDER[this.key] as DtmfDigit,
        startSample: this.onset,
        durationSamples: this.toneEnd - this.onset,
        keydownSample: this.keydownAt,
        lowDbm0: dbm0(this.powR / n / loss(this.errorHz(this.zr))),
        highDbm0: dbm0(this.powC / n / loss(this.errorHz(this.zc))),
      });
    }
    this.state = IDLE;
  }

  private track(hit: number): void {
    const H = this.hop, hopEnd = this.hopStart + H;
    const { COVER_MIN, COVER_FULL, REF_SHARE } = this.r;
    if (this.state === IDLE) {
      if (hit < 0) {
        if (hit === TONE_LIKE && this.dialMode === DIAL_WATCH && !this.tuning.dialToneFilter) this.toneWatch(); // as assembly/press.ts
        return;
      }
      this.startCandidate(hit & (TWISTED - 1));
      if (hit >= TWISTED) this.twistedHops = 1; // started by a twisted window: it takes part
      return;
    }
    // A held window (held) counts as the key's for everything but the confirmation; a continued
    // hop (continued) as a held one, but it may confirm a pure candidate of one phase pair.
    const continuedNow = hit === CONTINUED + this.key;
    const heldNow = hit === HELD + this.key || continuedNow;
    if (heldNow) hit = this.key;
    // A twisted window of the key (classify) holds its tones off balance, as a codec's onset
    // leaves them: the tone goes on and is measured, but only a window within the twist limits
    // confirms it.
    const on = hit === this.key || hit === TWISTED + this.key;
    if (hit >= TWISTED && !on) hit = -1;
    const m = this.keyMag(0, this.key);
    if (this.state === CANDIDATE && hit === this.key && this.stale && m >= this.r.STALE_RISE * this.ref) { this.startCandidate(hit); return; }
    if (!on) this.refLow = 0;
    else if (m >= REF_SHARE * this.ref) {
      this.refN++;
      this.ref += (m - this.ref) / this.refN;
      this.refLow = 0;
    } else if (!heldNow && ++this.refLow >= this.r.REF_RESET_HOPS) {
      // The reference came from an onset overshoot: restart it from this hop (a held window,
      // often the tone's tail, is no evidence of one; a hop without the tone leaves REF_FLOOR).
      this.ref = Math.max(m, this.r.REF_FLOOR);
      this.refN = 1;
      this.refLow = 0;
    }
    const a = Math.min(m / this.ref, 1);
    if (on) {
      this.inGap = false;
      if (a >= COVER_MIN) this.toneEnd = this.hopStart + (a >= COVER_FULL ? H : a * H);
      if (!heldNow) this.accumulate(a); // a held window carries the tone on, unmeasured,
      else if (a >= COVER_FULL) this.heldHops = Math.min(this.heldHops + 1, 255); // but counts for BUSY_MIN_FULL_HOPS (BUSY_MEASURED_HOPS)
      this.prevA = a;
      if (hit !== this.key) { this.twistedHops++; this.hitRun = 0; } else this.hitRun++;
      if (this.state === CANDIDATE && hit === this.key && (!heldNow || (continuedNow && this.twistedHops === 0)) && (this.twistedHops === 0 || this.hitRun >= this.r.TWISTED_CONFIRM_HITS) && this.toneAccepted(!continuedNow, continuedNow)) { // no noise allowance on a continued hop (assembly/press.ts)
        this.state = ACTIVE;
        this.keydownAt = hopEnd;
      }
      return;
    }
    this.hitRun = 0;
    if (!this.inGap) {
      this.inGap = true;
      if (a >= COVER_MIN) this.toneEnd = Math.max(this.toneEnd, this.hopStart + a * H);
    }
    this.prevA = 0;
    if (hit >= 0) { this.finish(); this.startCandidate(hit); }
    else if (hopEnd - this.toneEnd >= this.gapMax) this.finish();
  }
}
