/**
 * From detected in-band keys to RFC 4733 packets, for a server that must pass the keys on to
 * the far end as telephone-events (and usually mute the tone in the audio it forwards).
 *
 * | detector says                 | packets (all of one event share its RTP timestamp)            |
 * |-------------------------------|---------------------------------------------------------------|
 * | keydown (tone confirmed)      | the first packet, M bit set, duration so far                  |
 * | advance(): every 50 ms after  | an update with the duration so far                            |
 * | dtmf (the press has ended)    | the final packet, E bit set, exact duration, sent 3 times     |
 * | duration passes 0xFFFF units  | a packet of 0xFFFF ends the segment; the next segment's       |
 * |                               | timestamp is the old one + 0xFFFF, durations count from there |
 *
 * (RFC 4733 §2.5.1.2 updates, §2.5.1.3 long-duration events, §2.5.1.4 retransmitted end
 * packets; the M bit is set on the first packet of the event only, not on later segments.)
 *
 * Times: the events carry media time in samples at `sampleRate`; RTP timestamps run at
 * `clockRate` (8000 for telephone-event unless negotiated otherwise) from `timestampOrigin`,
 * the RTP timestamp of media sample 0. Each packet carries `sendSample`, the media time at
 * which it is due: send it once the audio has reached that point. Sequence numbers count on
 * from `firstSequence`, or come from `nextSequence` when telephone-events share the audio
 * stream's sequence space (they usually do: same SSRC, another payload type).
 *
 * Durations in updates are "so far": the detector knows a press has ended only `gapMs` (30 ms)
 * after the tone stops, so the last updates may exceed the final duration; the E packets carry
 * the exact one, which is what receivers keep (receiver.ts does).
 */
import { DtmfInputError, DtmfOptionError } from "../errors.js";
import type { DetectorEvent } from "../events.js";
import { MAX_SAMPLE_RATE, MIN_SAMPLE_RATE, checkNumber, rejectUnknown } from "../options.js";
import {
  MAX_EVENT_DURATION, MAX_VOLUME, type TelephoneEvent, digitToEvent, encodeTelephoneEvent, eventToDigit, volumeFromLevels,
} from "./telephone-event.js";

export interface TelephoneEventSenderOptions {
  /** Samples a second of the media time the events carry (the detector's rate). Default 8000. */
  sampleRate?: number;
  /** RTP clock rate of the telephone-event payload type, Hz, 8000 to 96000. Default 8000. */
  clockRate?: number;
  /** RTP timestamp of media sample 0, 0 to 2^32 − 1. Default 0. */
  timestampOrigin?: number;
  /** Interval between update packets, ms, 10 to 1000. Default 50 (RFC 4733 §2.5.1.2). */
  updateIntervalMs?: number;
  /** Times the final packet is sent, 1 to 10. Default 3 (RFC 4733 §2.5.1.4). */
  endPackets?: number;
  /** Volume (−dBm0) of every event, 0 to 63. Default: measured from each event's tone levels. */
  volume?: number;
  /** Sequence number of the first packet, 0 to 65535. Default 0; ignored with nextSequence. */
  firstSequence?: number;
  /** Hands out sequence numbers (when the packets share a stream's sequence space). */
  nextSequence?: () => number;
}

export interface TelephoneEventPacket {
  /** RTP sequence number, 0 to 65535. */
  sequence: number;
  /** RTP timestamp: the start of the event (of its segment, past 0xFFFF units), mod 2^32. */
  timestamp: number;
  /** RTP marker bit: set on the first packet of an event. */
  marker: boolean;
  /** The 4 payload bytes. */
  payload: Uint8Array;
  /** The payload, decoded. */
  event: TelephoneEvent;
  /** Media time at which the packet is due, samples at sampleRate. */
  sendSample: number;
}

/** A finished key press, as a detector `dtmf` event gives it. */
export interface KeyPress {
  digit: string;
  startSample: number;
  durationSamples: number;
  lowDbm0?: number;
  highDbm0?: number;
}

const KNOWN = new Set(["sampleRate", "clockRate", "timestampOrigin", "updateIntervalMs", "endPackets", "volume", "firstSequence", "nextSequence"]);
const DEFAULTS = { sampleRate: 8000, clockRate: 8000, timestampOrigin: 0, updateIntervalMs: 50, endPackets: 3, firstSequence: 0 };
const MAX_CLOCK_RATE = 96000;
const UINT32 = 2 ** 32;
const SEQUENCE_MASK = 0xffff;
const MS_PER_SECOND = 1000;
/** Volume used when an event carries no levels and none is configured: −10 dBm0. */
const FALLBACK_VOLUME = 10;

interface Active {
  digit: string;
  code: number;
  volume: number;
  startSample: number;
  /** Event start in timestamp units from the origin. */
  startUnits: number;
  /** Units from the event start to the current segment's start (a multiple of 0xFFFF). */
  segment: number;
  first: boolean;
  nextUpdate: number;
}

export class TelephoneEventSender {
  readonly sampleRate: number;
  readonly clockRate: number;
  readonly timestampOrigin: number;
  readonly updateIntervalMs: number;
  readonly endPackets: number;
  private readonly fixedVolume: number | undefined;
  private readonly updateSamples: number;
  private readonly nextSequence: () => number;
  private active: Active | undefined;
  private position = 0;

  constructor(options: TelephoneEventSenderOptions = {}) {
    if (options === null || typeof options !== "object") throw new DtmfOptionError("options", "an object", options);
    rejectUnknown(options, KNOWN, "telephone-event sender");
    this.sampleRate = checkNumber("sampleRate", options.sampleRate ?? DEFAULTS.sampleRate, MIN_SAMPLE_RATE, MAX_SAMPLE_RATE, true);
    this.clockRate = checkNumber("clockRate", options.clockRate ?? DEFAULTS.clockRate, MIN_SAMPLE_RATE, MAX_CLOCK_RATE, true);
    this.timestampOrigin = checkNumber("timestampOrigin", options.timestampOrigin ?? DEFAULTS.timestampOrigin, 0, UINT32 - 1, true);
    this.updateIntervalMs = checkNumber("updateIntervalMs", options.updateIntervalMs ?? DEFAULTS.updateIntervalMs, 10, 1000);
    this.endPackets = checkNumber("endPackets", options.endPackets ?? DEFAULTS.endPackets, 1, 10, true);
    this.fixedVolume = options.volume === undefined ? undefined : checkNumber("volume", options.volume, 0, MAX_VOLUME, true);
    this.updateSamples = Math.max(1, Math.round((this.updateIntervalMs * this.sampleRate) / MS_PER_SECOND));
    if (options.nextSequence !== undefined) {
      if (typeof options.nextSequence !== "function") throw new DtmfOptionError("nextSequence", "a function", options.nextSequence);
      const next = options.nextSequence;
      this.nextSequence = () => {
        const n = next();
        if (!Number.isInteger(n) || n < 0 || n > SEQUENCE_MASK) throw new DtmfOptionError("nextSequence()", "an integer from 0 to 65535", n);
        return n;
      };
    } else {
      let sequence = checkNumber("firstSequence", options.firstSequence ?? DEFAULTS.firstSequence, 0, SEQUENCE_MASK, true);
      this.nextSequence = () => { const n = sequence; sequence = (sequence + 1) & SEQUENCE_MASK; return n; };
    }
  }

  /** Whether an event is being sent (a key is down). */
  get sending(): boolean { return this.active !== undefined; }

  /** Takes one detector event; returns the packets it makes due (in order). */
  onEvent(event: DetectorEvent): TelephoneEventPacket[] {
    checkEvent(event);
    const out: TelephoneEventPacket[] = [];
    if (event.type === "keydown") {
      // A key before the previous one ended (not something the detector does): end that one.
      if (this.active) this.finish(this.active, event.startSample, event.startSample, out);
      const volume = this.fixedVolume ?? volumeFromLevels(event.lowDbm0, event.highDbm0);
      this.active = this.begin(event.digit, event.startSample, volume);
      this.packet(this.active, event.detectedSample, false, event.detectedSample, out);
      this.active.nextUpdate = event.detectedSample + this.updateSamples;
    } else {
      const end = event.startSample + event.durationSamples;
      const active = this.active;
      if (active && active.digit === event.digit && active.startSample === event.startSample) {
        this.updates(event.detectedSample, out, end);
        this.finish(active, end, event.detectedSample, out);
      } else {
        if (active) this.finish(active, event.startSample, event.startSample, out);
        // A press reported only when it ended: its whole sequence, due when it was reported.
        out.push(...this.wholePress(event, event.detectedSample));
      }
    }
    this.position = Math.max(this.position, event.detectedSample);
    return out;
  }

  /** Takes a batch of detector events (one process() result). */
  feed(events: Iterable<DetectorEvent>): TelephoneEventPacket[] {
    const out: TelephoneEventPacket[] = [];
    for (const event of events) out.push(...this.onEvent(event));
    return out;
  }

  /** The audio has reached `positionSamples`: the updates due by then. */
  advance(positionSamples: number): TelephoneEventPacket[] {
    checkNumber("positionSamples", positionSamples, 0, Number.MAX_SAFE_INTEGER);
    const out: TelephoneEventPacket[] = [];
    this.updates(positionSamples, out);
    this.position = Math.max(this.position, positionSamples);
    return out;
  }

  /** End of the stream at `positionSamples` (default: the position reached): ends an open event there. */
  end(positionSamples = this.position): TelephoneEventPacket[] {
    checkNumber("positionSamples", positionSamples, 0, Number.MAX_SAFE_INTEGER);
    const out: TelephoneEventPacket[] = [];
    if (this.active) {
      this.updates(positionSamples, out);
      this.finish(this.active, positionSamples, positionSamples, out);
    }
    return out;
  }

  /**
   * The whole packet sequence of a finished press, as if sent live from its onset: the first
   * packet at the onset (duration 0), updates every interval, the end packets at its end.
   * `sendSample` of each is that nominal time, or `dueSample` when that is later.
   */
  wholePress(press: KeyPress, dueSample = 0): TelephoneEventPacket[] {
    if (press === null || typeof press !== "object") throw new DtmfInputError(`a key press must be an object; received ${String(press)}`);
    checkNumber("startSample", press.startSample, 0, Number.MAX_SAFE_INTEGER);
    checkNumber("durationSamples", press.durationSamples, 0, Number.MAX_SAFE_INTEGER);
    const volume = this.fixedVolume ?? (press.lowDbm0 !== undefined && press.highDbm0 !== undefined ? volumeFromLevels(press.lowDbm0, press.highDbm0) : FALLBACK_VOLUME);
    const active = this.begin(press.digit, press.startSample, volume);
    const end = press.startSample + press.durationSamples;
    const out: TelephoneEventPacket[] = [];
    this.packet(active, press.startSample, false, Math.max(press.startSample, dueSample), out);
    for (let at = press.startSample + this.updateSamples; at < end; at += this.updateSamples) {
      this.packet(active, at, false, Math.max(at, dueSample), out);
    }
    this.endPacketsOf(active, end, Math.max(end, dueSample), out);
    return out;
  }

  private begin(digit: string, startSample: number, volume: number): Active {
    return {
      digit, code: digitToEvent(digit), volume, startSample, startUnits: this.units(startSample), segment: 0, first: true, nextUpdate: Number.POSITIVE_INFINITY,
    };
  }

  /** Media samples → timestamp units from the origin. */
  private units(sample: number): number { return Math.round((sample * this.clockRate) / this.sampleRate); }

  /** Updates due up to `position` (with durations no longer than `cap`, a known end). */
  private updates(position: number, out: TelephoneEventPacket[], cap = Number.POSITIVE_INFINITY): void {
    const active = this.active;
    if (!active) return;
    while (active.nextUpdate <= position) {
      this.packet(active, Math.min(active.nextUpdate, cap), false, active.nextUpdate, out);
      active.nextUpdate += this.updateSamples;
    }
  }

  private finish(active: Active, endSample: number, sendSample: number, out: TelephoneEventPacket[]): void {
    this.endPacketsOf(active, endSample, sendSample, out);
    this.active = undefined;
  }

  private endPacketsOf(active: Active, endSample: number, sendSample: number, out: TelephoneEventPacket[]): void {
    for (let i = 0; i < this.endPackets; i++) this.packet(active, endSample, true, sendSample, out);
  }

  /** One packet with the duration from the event's start to `at`, splitting segments as needed. */
  private packet(active: Active, at: number, end: boolean, sendSample: number, out: TelephoneEventPacket[]): void {
    const total = Math.max(0, this.units(at) - active.startUnits);
    while (total - active.segment > MAX_EVENT_DURATION) {
      // The segment is full: close it at 0xFFFF units, then go on from its end.
      out.push(this.make(active, MAX_EVENT_DURATION, false, sendSample));
      active.segment += MAX_EVENT_DURATION;
    }
    out.push(this.make(active, Math.max(0, total - active.segment), end, sendSample));
  }

  private make(active: Active, duration: number, end: boolean, sendSample: number): TelephoneEventPacket {
    const payload = encodeTelephoneEvent({ event: active.code, end, volume: active.volume, duration });
    const marker = active.first;
    active.first = false;
    return {
      sequence: this.nextSequence(),
      timestamp: (this.timestampOrigin + active.startUnits + active.segment) % UINT32,
      marker,
      payload,
      event: { event: active.code, digit: eventToDigit(active.code), end, volume: active.volume, duration },
      sendSample,
    };
  }
}

function checkEvent(event: DetectorEvent): void {
  const e = event as unknown as Record<string, unknown> | null;
  if (e === null || typeof e !== "object" || (e.type !== "keydown" && e.type !== "dtmf")) {
    throw new DtmfInputError(`a telephone-event sender takes detector events ({ type: "keydown" | "dtmf", … }); received ${JSON.stringify(e) ?? String(e)}`);
  }
  for (const field of e.type === "dtmf" ? ["startSample", "detectedSample", "durationSamples"] : ["startSample", "detectedSample"]) {
    const v = e[field];
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new DtmfInputError(`event ${field} must be a finite number of samples ≥ 0; received ${String(v)}`);
  }
}
