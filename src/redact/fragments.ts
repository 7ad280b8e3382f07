/**
 * The fragment finder (`fragments` option): DTMF-like pairs too short for the detector to
 * confirm a key. The detector cannot report a tone under ≈ 28 ms whatever its tuning (it
 * needs three full analysis hops of phase to measure the frequencies: assembly/decision.ts
 * MIN_PHASE_PAIRS), yet the leading 20 ms of a key a receiver rejected, or a key tapped too
 * briefly, is still a tone a lenient decoder may read (dtmf-detection-stream accepts 10 ms).
 *
 * So this is a small separate scan, on the spans' side of the pipeline, in TypeScript (see
 * the note in the redact README section: a core option to report unconfirmed candidates would
 * move it into the WASM core): windows of 16 ms every 8 ms (two staggered Goertzel banks at
 * the eight DTMF frequencies); a window is DTMF-like when one low-group and one high-group
 * frequency are each above the level, each stands FRAGMENT_PEAK_RATIO_DB over the rest of its
 * group, their twist is within the detector's relaxed limits, and together they hold
 * FRAGMENT_PURITY of the window's power. A run of such windows with the same pair is a
 * fragment from its first window's start to its last window's end.
 */
import type { AudioChunk } from "../detector.js";
import { alawToLinear, ulawToLinear } from "../g711.js";
import { COL_HZ, KEY_ORDER, ROW_HZ } from "../keys.js";
import type { Encoding } from "../options.js";
import { dbm0ToPower } from "../levels.js";
import type { FoundKey } from "./spans.js";

/** Window length, ms: 62.5 Hz bins at any rate, so 697 and 770 Hz (73 Hz apart) are told apart. */
const WINDOW_MS = 16;
/**
 * Windows start every half window, ms: a tone's onset lies at most this much before the first
 * window found to hold it (the window before it, half a window earlier, did not), so a span
 * opened on a candidate starts this much (plus the guard) before that window.
 */
export const FRAGMENT_HOP_MS = WINDOW_MS / 2;
/** Each frequency of the pair must exceed the others of its group by this, dB. */
const FRAGMENT_PEAK_RATIO_DB = 6;
/**
 * Share of the window's power the pair must hold (−1.5 dB). On the committed speech and music
 * excerpts (200 s) 50 % let 80 windows of speech or music through, 70 % 9, while tones of
 * 12-60 ms up to 3 % off frequency are still found.
 */
const FRAGMENT_PURITY = 0.7;
/** Twist limits, dB (high − low): the verification's, 4 dB wider than the detector's defaults. */
const TWIST_MIN_DB = -14;
const TWIST_MAX_DB = 10;

/** Each frequency is looked at nominal and ±2 % off (62.5 Hz bins would lose up to 6 dB at 3.5 % off): three Goertzels. */
const OFFSETS = [0.98, 1, 1.02];
const ALL_HZ = [...ROW_HZ, ...COL_HZ].flatMap((f) => OFFSETS.map((o) => f * o));
const BINS = ALL_HZ.length;

/** One channel's fragment finder: samples in (full scale 1), fragments out as they end. */
export class FragmentScanner {
  private readonly window: number;
  private readonly coef: Float64Array;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  /** Two banks: Goertzel state s1, s2 per frequency, energy, samples done, start position. */
  private readonly s1 = [new Float64Array(BINS), new Float64Array(BINS)];
  private readonly s2 = [new Float64Array(BINS), new Float64Array(BINS)];
  private readonly energy = [0, 0];
  private readonly count: number[];
  private readonly startAt: number[];
  private readonly minPower: number;
  private position = 0;
  private run: { key: number; start: number; end: number; low: number; high: number } | undefined;

  constructor(readonly rate: number, levelDbm0: number) {
    this.window = Math.round((WINDOW_MS * rate) / 1000);
    const w = ALL_HZ.map((f) => (2 * Math.PI * f) / rate);
    this.coef = Float64Array.from(w, (x) => 2 * Math.cos(x));
    this.cos = Float64Array.from(w, (x) => Math.cos(x));
    this.sin = Float64Array.from(w, (x) => Math.sin(x));
    this.minPower = dbm0ToPower(levelDbm0);
    const half = this.window >> 1;
    // Bank 1 starts half a window late: a window ends every half window.
    this.count = [0, -half];
    this.startAt = [0, half];
  }

  /**
   * Feeds samples; returns the fragments that ended in them. Each bank runs over the samples up
   * to its next window end at a time, bin by bin (the same operations per bin, in the same
   * order, as sample by sample: the same results, with the state in registers).
   */
  push(x: ArrayLike<number>, into: FoundKey[] = []): FoundKey[] {
    const n = this.window;
    const coef = this.coef;
    for (let i = 0; i < x.length;) {
      let step = x.length - i;
      for (let b = 0; b < 2; b++) step = Math.min(step, this.count[b] < 0 ? -this.count[b] : n - this.count[b]);
      const end = i + step;
      for (let b = 0; b < 2; b++) {
        if (this.count[b] < 0) { this.count[b] += step; continue; }
        const s1 = this.s1[b], s2 = this.s2[b];
        for (let k = 0; k < BINS; k++) {
          const c = coef[k];
          let a = s1[k], z = s2[k];
          for (let j = i; j < end; j++) { const s = x[j] + c * a - z; z = a; a = s; }
          s1[k] = a;
          s2[k] = z;
        }
        let e = this.energy[b];
        for (let j = i; j < end; j++) e += x[j] * x[j];
        this.energy[b] = e;
        this.count[b] += step;
      }
      this.position += step;
      i = end;
      for (let b = 0; b < 2; b++) if (this.count[b] === n) this.finish(b, into);
    }
    return into;
  }

  /** The fragment being found now (its end so far), for the live redactor; undefined if none. */
  get open(): FoundKey | undefined {
    return this.run ? this.toKey(this.run) : undefined;
  }

  /** End of stream: a run still going ends here. */
  flush(into: FoundKey[] = []): FoundKey[] {
    this.close(into);
    return into;
  }

  private finish(b: number, into: FoundKey[]): void {
    const n = this.window;
    const s1 = this.s1[b], s2 = this.s2[b];
    const power = new Float64Array(8);
    for (let k = 0; k < BINS; k++) {
      const re = s1[k] - this.cos[k] * s2[k], im = this.sin[k] * s2[k];
      // |X|² of a sinusoid of amplitude A is (A·n/2)²: its power A²/2 is 2|X|²/n².
      const f = Math.floor(k / OFFSETS.length);
      power[f] = Math.max(power[f], (2 * (re * re + im * im)) / (n * n));
    }
    const start = this.startAt[b];
    const total = this.energy[b] / n;
    s1.fill(0);
    s2.fill(0);
    this.energy[b] = 0;
    this.count[b] = 0;
    this.startAt[b] = start + n;
    const best = (from: number) => {
      let k = from;
      for (let j = from + 1; j < from + 4; j++) if (power[j] > power[k]) k = j;
      return k;
    };
    const r = best(0), c = best(4);
    const ratio = 10 ** (-FRAGMENT_PEAK_RATIO_DB / 10);
    let ok = power[r] >= this.minPower && power[c] >= this.minPower && power[r] + power[c] >= FRAGMENT_PURITY * total;
    for (let j = 0; j < 4 && ok; j++) {
      if (j !== r && power[j] > ratio * power[r]) ok = false;
      if (j + 4 !== c && power[j + 4] > ratio * power[c]) ok = false;
    }
    const twist = 10 * Math.log10(power[c] / power[r]);
    if (ok && (twist < TWIST_MIN_DB || twist > TWIST_MAX_DB)) ok = false;
    const key = r * 4 + (c - 4);
    if (ok && this.run && this.run.key === key && start <= this.run.end) {
      this.run.end = start + n;
      this.run.low = Math.max(this.run.low, power[r]);
      this.run.high = Math.max(this.run.high, power[c]);
      return;
    }
    if (this.run && start >= this.run.end - (n >> 1)) this.close(into);
    if (ok && !this.run) this.run = { key, start, end: start + n, low: power[r], high: power[c] };
  }

  private close(into: FoundKey[]): void {
    const run = this.run;
    if (!run) return;
    this.run = undefined;
    into.push(this.toKey(run));
  }

  private toKey(run: { key: number; start: number; end: number; low: number; high: number }): FoundKey {
    const digit = KEY_ORDER[run.key];
    return {
      kind: "fragment", digit, t0: run.start, t1: run.end,
      lowHz: ROW_HZ[run.key >> 2], highHz: COL_HZ[run.key & 3],
      lowDbm0: 10 * Math.log10(run.low / dbm0ToPower(0)), highDbm0: 10 * Math.log10(run.high / dbm0ToPower(0)),
    };
  }
}

const G711 = { mulaw: Float64Array.from({ length: 256 }, (_, c) => ulawToLinear(c) / 32768), alaw: Float64Array.from({ length: 256 }, (_, c) => alawToLinear(c) / 32768) };

/** A detector-ready chunk (any encoding, typed or bytes) as float samples, full scale 1. */
export function chunkToFloat(chunk: AudioChunk, encoding: Encoding): Float64Array {
  if (chunk instanceof Float32Array || chunk instanceof Int16Array) {
    const scale = chunk instanceof Int16Array ? 1 / 32768 : 1;
    return Float64Array.from(chunk, (v) => v * scale);
  }
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  switch (encoding) {
    case "pcm16": return Float64Array.from({ length: chunk.length >> 1 }, (_, i) => view.getInt16(2 * i, true) / 32768);
    case "float32": return Float64Array.from({ length: chunk.length >> 2 }, (_, i) => view.getFloat32(4 * i, true));
    default: {
      const table = G711[encoding];
      return Float64Array.from(chunk, (c) => table[c]);
    }
  }
}
