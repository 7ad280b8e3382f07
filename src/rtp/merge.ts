/**
 * One call, two reports of the same keys: the in-band detector hears the tones in the audio,
 * and the far end also sends them as RFC 4733 telephone-events (many gateways do both, or
 * leak the first 40 ms of tone before muting it). Counting both is a classic bug: "1234"
 * becomes "11223344". A DtmfMerger takes the events of both sources as they come and passes
 * on each key press once, as soon as either source reports it.
 *
 * Matching: an event opens a press, or joins the press of the *other* source with the same
 * key whose start is nearest to its own, within `windowMs` (default 60 ms), that has no event
 * of this source yet. Each press holds at most one report per source (one-to-one), so two
 * real presses of a key are never merged into one, whatever the window: the window only
 * bounds how far apart the two sources' onsets may be. 60 ms covers the far end's own
 * detection delay (Q.24 lets a receiver take the 40 ms minimum tone to confirm a key) plus a
 * 20 ms packet; a key pressed twice starts ≥ 80 ms apart (40 ms tone + 40 ms pause, the Q.24
 * minimums), so with offsets under 40 ms the nearest-start rule also pairs the right reports.
 * A larger offset between the paths (a jitter buffer on one of them) needs a larger window.
 *
 * What is passed on, per press: the first `keydown` (from either source) and the first `dtmf`.
 * Both carry the press's start (the first report's `startSample`/`startMs`), so downstream
 * code that pairs a keydown with its dtmf by start (the DigitCollector does) sees one press.
 * Each passed event gains `source` ("inband" or "rfc4733") and `pressId`. Times must be media
 * time of the same call in ms: give the receiver the RTP timestamp of the first audio sample
 * fed to the detector as `timestampOrigin`.
 */
import { DtmfInputError, DtmfOptionError } from "../errors.js";
import type { DetectorEvent } from "../events.js";
import { checkNumber, rejectUnknown } from "../options.js";
import type { RtpDtmfReceiverEvent } from "./receiver.js";

export type DtmfSource = "inband" | "rfc4733";
/** A detector event or a receiver event. */
export type AnyDtmfEvent = DetectorEvent | RtpDtmfReceiverEvent;
/** An event passed on by the merger. */
export type MergedEvent = AnyDtmfEvent & { source: DtmfSource; pressId: number };

export interface DtmfMergerOptions {
  /** Largest distance between the onsets of the two reports of one press, ms, 0 to 1000. Default 60. */
  windowMs?: number;
  /** How long a press is remembered after its last report, ms, 1000 to 600000. Default 10000. */
  retainMs?: number;
}

interface Press {
  id: number;
  digit: string;
  /** Onset as first reported (ms); what passed events carry. */
  startMs: number;
  startSample: number;
  /** Each source's report of this press: its onset, ms. */
  onsets: Partial<Record<DtmfSource, number>>;
  keydownSent: boolean;
  dtmfSent: boolean;
  /** Media time of the latest report, ms. */
  lastMs: number;
}

const KNOWN = new Set(["windowMs", "retainMs"]);
const SOURCES: readonly DtmfSource[] = ["inband", "rfc4733"];

export class DtmfMerger {
  readonly windowMs: number;
  readonly retainMs: number;
  private presses: Press[] = [];
  private nextId = 1;
  private suppressed = 0;
  private newestMs = 0;

  constructor(options: DtmfMergerOptions = {}) {
    if (options === null || typeof options !== "object") throw new DtmfOptionError("options", "an object", options);
    rejectUnknown(options, KNOWN, "merger");
    this.windowMs = checkNumber("windowMs", options.windowMs ?? 60, 0, 1000);
    this.retainMs = checkNumber("retainMs", options.retainMs ?? 10_000, 1000, 600_000);
  }

  /** Events not passed on because the press had already been reported. */
  get duplicates(): number { return this.suppressed; }

  /** Takes one event of `source`; returns it (annotated) to pass on, or undefined for a duplicate. */
  push(source: DtmfSource, event: AnyDtmfEvent): MergedEvent | undefined {
    if (!SOURCES.includes(source)) throw new DtmfOptionError("source", `one of ${SOURCES.join(", ")}`, source);
    const e = event as unknown as Record<string, unknown> | null;
    if (e === null || typeof e !== "object" || (e.type !== "keydown" && e.type !== "dtmf") || typeof e.digit !== "string" ||
        typeof e.startMs !== "number" || !Number.isFinite(e.startMs)) {
      throw new DtmfInputError(`a merger takes keydown and dtmf events with digit and startMs; received ${JSON.stringify(e) ?? String(e)}`);
    }
    const eventEndMs = event.type === "dtmf" ? event.startMs + event.durationMs : event.detectedMs;
    this.newestMs = Math.max(this.newestMs, eventEndMs);
    this.prune();
    const press = this.find(source, event) ?? this.open(source, event);
    press.onsets[source] = event.startMs;
    press.lastMs = Math.max(press.lastMs, eventEndMs);
    const first = event.type === "keydown" ? !press.keydownSent : !press.dtmfSent;
    if (event.type === "keydown") press.keydownSent = true; else press.dtmfSent = true;
    if (!first) { this.suppressed++; return undefined; }
    return { ...event, startSample: press.startSample, startMs: press.startMs, source, pressId: press.id } as MergedEvent;
  }

  /** The press this event belongs to: its own source's (same onset), or the nearest free one of the other source. */
  private find(source: DtmfSource, event: AnyDtmfEvent): Press | undefined {
    const own = this.presses.find((p) => p.digit === event.digit && p.onsets[source] === event.startMs);
    if (own) return own;
    let best: Press | undefined;
    let bestDistance = Number.POSITIVE_INFINITY;
    for (const p of this.presses) {
      if (p.digit !== event.digit || p.onsets[source] !== undefined) continue;
      for (const other of SOURCES) {
        const onset = p.onsets[other];
        if (other === source || onset === undefined) continue;
        const distance = Math.abs(onset - event.startMs);
        if (distance <= this.windowMs && distance < bestDistance) { best = p; bestDistance = distance; }
      }
    }
    return best;
  }

  private open(source: DtmfSource, event: AnyDtmfEvent): Press {
    const press: Press = {
      id: this.nextId++, digit: event.digit, startMs: event.startMs, startSample: event.startSample, onsets: { [source]: event.startMs },
      keydownSent: false, dtmfSent: false, lastMs: event.startMs,
    };
    this.presses.push(press);
    return press;
  }

  private prune(): void {
    const before = this.newestMs - this.retainMs;
    if (this.presses.length > 0 && this.presses[0].lastMs < before) this.presses = this.presses.filter((p) => p.lastMs >= before);
  }
}
