/**
 * One press per key press, whatever reported it. The in-band detector hears the tone; the
 * platform may also report the key out of band (Twilio's and Telnyx's `dtmf` messages,
 * Vonage's `websocket:dtmf`, AudioSocket's DTMF frame, RFC 4733 telephone-events), with its
 * onset and duration (RFC 4733), only a duration (Vonage), or nothing but the digit (Twilio).
 * Counting both ways is the classic "1234" → "11223344" bug; dropping the out-of-band report
 * loses keys on calls whose audio carries no tone (muted by a gateway, a codec that kills it).
 *
 * Rules (media time in samples, per party):
 *
 * | report                                   | joins                                               | passed on            |
 * |------------------------------------------|-----------------------------------------------------|----------------------|
 * | in-band keydown                          | an out-of-band press of the key near it, not yet in-band | keydown, unless sent |
 * | in-band dtmf                             | its keydown's press                                 | dtmf (in-band timing) |
 * | out-of-band report                       | the nearest press of the key with no out-of-band report, | keydown, unless sent; |
 * |                                          | in-band, that it overlaps (± windowSamples)         | nothing more          |
 * | … that joins nothing                     | a new press, held `holdSamples` past its end         | keydown now; dtmf when the hold expires |
 * |                                          | for an in-band report to join (in-band is preferred) | (its own timing)      |
 *
 * A press takes one report per source, so two real presses of one key never merge. The held
 * press ends at advance() past its hold, or at flush() (end of call).
 */
import type { DtmfDigit } from "../keys.js";

/** advance()'s answer when nothing is released (most frames). */
const NONE: readonly MergedKey[] = Object.freeze([]);

export type KeySource = "inband" | "platform" | "rfc4733";

/** A key report from outside the audio. Times in media samples; unknown ones undefined. */
export interface OutOfBandKey {
  source: Exclude<KeySource, "inband">;
  digit: DtmfDigit;
  /** Onset, if the report carries it (RFC 4733). */
  startSample?: number;
  /** Duration, if the report carries it (RFC 4733 end, Vonage `duration`). */
  durationSamples?: number;
  /** Whether the press is over (a Twilio `dtmf` message is; an RFC 4733 first packet is not). */
  ended: boolean;
  /** Media time at which the report arrived. */
  atSample: number;
}

/** What the merger passes on: one keydown and one dtmf per press. */
export interface MergedKey {
  type: "keydown" | "dtmf";
  pressId: number;
  digit: DtmfDigit;
  /** The press's onset: stable for the press (the first report's), so keydown and dtmf pair. */
  startSample: number;
  /** Media time at which this event was decided. */
  detectedSample: number;
  /** dtmf only: the press's duration (in-band when heard, else the out-of-band report's, else 0). */
  durationSamples: number;
  /** Sources that reported the press so far. */
  sources: KeySource[];
  /** dtmf only: where the duration came from. */
  timing?: KeySource;
}

interface Press {
  id: number;
  digit: DtmfDigit;
  start: number;
  /** End as known (start + duration), for overlap tests. */
  end: number;
  inband: boolean;
  /** An in-band press whose tone is still on (keydown, no dtmf yet): it overlaps anything after its start. */
  sounding: boolean;
  inbandStart?: number;
  outOfBand?: OutOfBandKey;
  keydownSent: boolean;
  dtmfSent: boolean;
  /** Held out-of-band-only press: released at this media time. */
  holdUntil?: number;
}

export interface KeyMergerOptions {
  /** How far apart the two reports of one press may be, samples. */
  windowSamples: number;
  /** How long an out-of-band-only press waits for an in-band report after its end, samples. */
  holdSamples: number;
  /** How long after an in-band press's end a report without timing (Twilio's dtmf message) may still be of it, samples. */
  lateSamples: number;
  /** How long a finished press stays joinable, samples. */
  retainSamples: number;
}

export class KeyMerger {
  private presses: Press[] = [];
  private nextId = 1;
  /** Reports not passed on because their press had been reported already. */
  duplicates = 0;

  constructor(private readonly options: KeyMergerOptions) {}

  inband(event: { type: "keydown" | "dtmf"; digit: DtmfDigit; startSample: number; detectedSample: number; durationSamples?: number }): MergedKey[] {
    const out: MergedKey[] = [];
    let press = this.presses.find((p) => p.inband && p.inbandStart === event.startSample && p.digit === event.digit);
    if (!press) press = this.joinable(event.digit, event.startSample, event.startSample + (event.durationSamples ?? 0), (p) => !p.inband && !p.dtmfSent);
    if (!press) press = this.open(event.digit, event.startSample);
    press.inband = true;
    press.inbandStart = event.startSample;
    press.holdUntil = undefined;
    press.sounding = event.type === "keydown";
    if (event.type === "keydown") {
      if (!press.keydownSent) out.push(this.keydown(press, event.detectedSample)); else this.duplicates++;
      return out;
    }
    press.end = Math.max(press.end, event.startSample + (event.durationSamples ?? 0));
    if (!press.keydownSent) out.push(this.keydown(press, event.detectedSample));
    if (!press.dtmfSent) out.push(this.dtmf(press, event.detectedSample, event.durationSamples ?? 0, "inband")); else this.duplicates++;
    return out;
  }

  outOfBand(key: OutOfBandKey): MergedKey[] {
    const out: MergedKey[] = [];
    const start = key.startSample ?? (key.ended ? key.atSample - (key.durationSamples ?? 0) : key.atSample);
    const end = key.startSample !== undefined && key.durationSamples !== undefined ? key.startSample + key.durationSamples : key.atSample;
    // The same out-of-band press again (RFC 4733 keydown, then its end).
    let press = this.presses.find((p) => p.outOfBand?.source === key.source && p.digit === key.digit && !p.outOfBand.ended &&
      (key.startSample === undefined || p.outOfBand.startSample === key.startSample));
    if (!press) press = this.joinable(key.digit, start, end, (p) => p.outOfBand === undefined, key.startSample === undefined ? this.options.lateSamples : 0);
    if (press) {
      press.outOfBand = { ...key };
      press.end = Math.max(press.end, end);
      if (!press.keydownSent) out.push(this.keydown(press, key.atSample));
      if (press.inband) { this.duplicates++; return out; }
      if (key.ended) press.holdUntil = key.atSample + this.options.holdSamples;
      return out;
    }
    press = this.open(key.digit, start);
    press.end = end;
    press.outOfBand = { ...key };
    out.push(this.keydown(press, key.atSample));
    if (key.ended) press.holdUntil = key.atSample + this.options.holdSamples;
    return out;
  }

  /** Media time has reached `position`: held out-of-band presses whose hold expired end. */
  advance(position: number): readonly MergedKey[] {
    // Called on every frame: no array unless a held press is released, and no iterator (an indexed loop).
    const presses = this.presses;
    if (presses.length === 0) return NONE;
    let out: MergedKey[] | undefined;
    for (let i = 0; i < presses.length; i++) {
      const p = presses[i];
      if (p.holdUntil !== undefined && p.holdUntil <= position && !p.dtmfSent) (out ??= []).push(this.releaseHeld(p, position));
    }
    const before = position - this.options.retainSamples;
    if (this.presses[0].end < before) {
      this.presses = this.presses.filter((p) => p.end >= before || !p.dtmfSent);
    }
    return out ?? NONE;
  }

  /** End of call: every press still open gets its dtmf (out-of-band presses not yet ended included). */
  flush(position: number): MergedKey[] {
    const out: MergedKey[] = [];
    for (const p of this.presses) if (!p.dtmfSent && !p.inband) out.push(this.releaseHeld(p, position));
    this.presses = [];
    return out;
  }

  private releaseHeld(p: Press, position: number): MergedKey {
    p.holdUntil = undefined;
    const oob = p.outOfBand!;
    const duration = oob.durationSamples ?? (oob.startSample !== undefined ? Math.max(0, oob.atSample - oob.startSample) : 0);
    return this.dtmf(p, Math.max(position, oob.atSample), duration, oob.source);
  }

  /** The nearest press of `digit` accepted by `free` that overlaps [start, end] ± the window. */
  private joinable(digit: DtmfDigit, start: number, end: number, free: (p: Press) => boolean, late = 0): Press | undefined {
    const w = this.options.windowSamples;
    const after = Math.max(w, late);
    let best: Press | undefined;
    let bestDistance = Number.POSITIVE_INFINITY;
    for (const p of this.presses) {
      if (p.digit !== digit || !free(p)) continue;
      if (start > (p.sounding ? Number.POSITIVE_INFINITY : p.end + after) || end < p.start - w) continue;
      const distance = Math.abs(p.start - start);
      if (distance < bestDistance) { best = p; bestDistance = distance; }
    }
    return best;
  }

  private open(digit: DtmfDigit, start: number): Press {
    const press: Press = { id: this.nextId++, digit, start, end: start, inband: false, sounding: false, keydownSent: false, dtmfSent: false };
    this.presses.push(press);
    return press;
  }

  private sources(p: Press): KeySource[] {
    const s: KeySource[] = [];
    if (p.inband) s.push("inband");
    if (p.outOfBand) s.push(p.outOfBand.source);
    return s;
  }

  private keydown(p: Press, at: number): MergedKey {
    p.keydownSent = true;
    return { type: "keydown", pressId: p.id, digit: p.digit, startSample: p.start, detectedSample: at, durationSamples: 0, sources: this.sources(p) };
  }

  private dtmf(p: Press, at: number, duration: number, timing: KeySource): MergedKey {
    p.dtmfSent = true;
    return { type: "dtmf", pressId: p.id, digit: p.digit, startSample: p.start, detectedSample: at, durationSamples: duration, sources: this.sources(p), timing };
  }
}
