/**
 * From received RFC 4733 packets to key presses: `keydown` when an event's first packet
 * arrives, `dtmf` (with its duration) when it ends. The events have the detector's shape
 * (digit, startSample, detectedSample, durationSamples, ms), in timestamp units from
 * `timestampOrigin`, so a DigitCollector or a DtmfMerger takes them as they are.
 *
 * How packets are told apart (timestamps unwrapped past 2^32, in units from the origin):
 *
 * | packet                                                   | taken as                                        |
 * |----------------------------------------------------------|-------------------------------------------------|
 * | timestamp of the current event, not ended                | an update: duration = the largest seen          |
 * | … with the E bit                                         | the end: duration = this packet's; one `dtmf`   |
 * | timestamp of an event that has ended                     | a retransmitted end or late update: ignored     |
 * | same key, timestamp = current + k × 0xFFFF, not ended    | the next segment of a long event (§2.5.1.3)     |
 * | a later timestamp                                        | a new event (the current one, if its end packets |
 * |                                                          | were all lost, ends there with what was known)  |
 * | an earlier timestamp                                     | late: ignored                                   |
 * | an event code above 15 (fax, modem tones)                | ignored                                         |
 * | the same sequence number as one of the last 16           | a network duplicate: ignored                    |
 *
 * Lost packets: a lost first packet means the `keydown` comes with the first packet that
 * arrives (the duration still counts from the event's timestamp); lost updates change
 * nothing; if every end packet is lost the event ends when the next event starts, when
 * advance() (called with the timestamps of the audio packets) passes the known end by
 * `inactivityMs`, or at flush(). Those `dtmf` events have `endReceived: false`.
 */
import { DtmfOptionError } from "../errors.js";
import type { DtmfDigit } from "../keys.js";
import { checkNumber, rejectUnknown } from "../options.js";
import { MAX_EVENT_DURATION, type TelephoneEvent, decodeTelephoneEvent } from "./telephone-event.js";

export interface TelephoneEventReceiverOptions {
  /** RTP clock rate of the telephone-event payload type, Hz, 8000 to 96000. Default 8000. */
  clockRate?: number;
  /**
   * RTP timestamp of media time 0 (e.g. of the first audio sample fed to the in-band detector),
   * 0 to 2^32 − 1. Default: the first timestamp given to receive() or advance().
   */
  timestampOrigin?: number;
  /**
   * ms past an event's known end after which advance() ends an event whose end packets never
   * came, 50 to 10000. Default 200 (four update intervals of 50 ms).
   */
  inactivityMs?: number;
}

/** RTP header fields of a received telephone-event packet. */
export interface RtpInfo {
  /** RTP timestamp, 0 to 2^32 − 1. */
  timestamp: number;
  /** RTP sequence number, 0 to 65535 (network duplicates are recognised by it). */
  sequence?: number;
}

interface Common {
  source: "rfc4733";
  digit: DtmfDigit;
  /** Start of the event: timestamp units from the origin. */
  startSample: number;
  startMs: number;
  /** When it was known (the start plus the duration the packet carried). */
  detectedSample: number;
  detectedMs: number;
  /** RTP timestamp of the event's first segment. */
  timestamp: number;
  /** Tone power, dBm0 (minus the volume field). */
  volumeDbm0: number;
}

export interface RtpKeyDownEvent extends Common { type: "keydown" }
export interface RtpDtmfEvent extends Common {
  type: "dtmf";
  durationSamples: number;
  durationMs: number;
  /** Whether an end (E) packet arrived; false when the event was ended by loss handling. */
  endReceived: boolean;
}
export type RtpDtmfReceiverEvent = RtpKeyDownEvent | RtpDtmfEvent;

/** Counters of what the receiver saw. */
export interface ReceiverStats {
  packets: number;
  /** Events begun (keydowns). */
  events: number;
  /** End packets after the first of their event (retransmissions) and late updates of ended events. */
  repeatedEnds: number;
  /** Packets with a timestamp before the current event's. */
  late: number;
  /** Packets with a sequence number seen in the last 16. */
  duplicates: number;
  /** Packets for events other than DTMF (codes 16-255). */
  otherEvents: number;
  /** Events ended without an end packet (lost, or cut by the next event). */
  endsLost: number;
}

interface Current {
  code: number;
  digit: DtmfDigit;
  /** First segment's timestamp, units from the origin. */
  start: number;
  /** Current segment's timestamp, units from the origin. */
  segment: number;
  /** Largest duration seen in the current segment. */
  duration: number;
  volume: number;
  ended: boolean;
}

const KNOWN = new Set(["clockRate", "timestampOrigin", "inactivityMs"]);
const UINT32 = 2 ** 32;
const HALF_UINT32 = 2 ** 31;
const RECENT_SEQUENCES = 16;
const MS_PER_SECOND = 1000;
const round1 = (v: number) => Math.round(v * 10) / 10;

export class TelephoneEventReceiver {
  readonly clockRate: number;
  readonly inactivityMs: number;
  private origin: number | undefined;
  /** Last unwrapped timestamp (units from the origin), for unwrapping the next. */
  private last = 0;
  private current: Current | undefined;
  private readonly recent: number[] = [];
  private readonly inactivity: number;
  private readonly counts: ReceiverStats = { packets: 0, events: 0, repeatedEnds: 0, late: 0, duplicates: 0, otherEvents: 0, endsLost: 0 };

  constructor(options: TelephoneEventReceiverOptions = {}) {
    if (options === null || typeof options !== "object") throw new DtmfOptionError("options", "an object", options);
    rejectUnknown(options, KNOWN, "telephone-event receiver");
    this.clockRate = checkNumber("clockRate", options.clockRate ?? 8000, 8000, 96000, true);
    this.origin = options.timestampOrigin === undefined ? undefined : checkNumber("timestampOrigin", options.timestampOrigin, 0, UINT32 - 1, true);
    this.inactivityMs = checkNumber("inactivityMs", options.inactivityMs ?? 200, 50, 10000);
    this.inactivity = Math.round((this.inactivityMs * this.clockRate) / MS_PER_SECOND);
  }

  get stats(): Readonly<ReceiverStats> { return { ...this.counts }; }
  /** The RTP timestamp of media time 0 (undefined until the first packet when not given). */
  get timestampOrigin(): number | undefined { return this.origin; }

  /** Takes one received telephone-event payload with its RTP timestamp and sequence number. */
  receive(payload: Uint8Array, rtp: RtpInfo): RtpDtmfReceiverEvent[] {
    if (rtp === null || typeof rtp !== "object") throw new DtmfOptionError("rtp", "an object with timestamp and sequence", rtp);
    const event = decodeTelephoneEvent(payload);
    const at = this.unwrap(checkNumber("rtp.timestamp", rtp.timestamp, 0, UINT32 - 1, true));
    this.counts.packets++;
    if (rtp.sequence !== undefined) {
      const sequence = checkNumber("rtp.sequence", rtp.sequence, 0, 0xffff, true);
      if (this.recent.includes(sequence)) { this.counts.duplicates++; return []; }
      this.recent.push(sequence);
      if (this.recent.length > RECENT_SEQUENCES) this.recent.shift();
    }
    if (event.digit === undefined) { this.counts.otherEvents++; return []; }
    return this.take(event, at);
  }

  /**
   * Media time has reached RTP timestamp `timestamp` (call it with each audio packet's): ends an
   * event whose end packets were lost once it is `inactivityMs` past its known end.
   */
  advance(timestamp: number): RtpDtmfReceiverEvent[] {
    const at = this.unwrap(checkNumber("timestamp", timestamp, 0, UINT32 - 1, true));
    const current = this.current;
    if (current && !current.ended && at > current.segment + current.duration + this.inactivity) {
      return [this.endEvent(current, current.segment + current.duration, at, false)];
    }
    return [];
  }

  /** End of the stream: ends an event still open (endReceived false). */
  flush(): RtpDtmfReceiverEvent[] {
    const current = this.current;
    if (current && !current.ended) {
      const end = current.segment + current.duration;
      return [this.endEvent(current, end, end, false)];
    }
    return [];
  }

  private take(event: TelephoneEvent, at: number): RtpDtmfReceiverEvent[] {
    const out: RtpDtmfReceiverEvent[] = [];
    let current = this.current;
    if (current && at < current.segment) {
      this.counts.late++;
      return out;
    }
    if (current && at === current.segment) {
      if (current.ended) { this.counts.repeatedEnds++; return out; }
      current.duration = event.end ? event.duration : Math.max(current.duration, event.duration);
      if (event.end) out.push(this.endEvent(current, current.segment + current.duration, current.segment + current.duration, true));
      return out;
    }
    // A later timestamp: the next segment of the current event, or a new event.
    if (current && !current.ended && event.event === current.code && (at - current.segment) % MAX_EVENT_DURATION === 0) {
      current.segment = at;
      current.duration = event.duration;
      if (event.end) out.push(this.endEvent(current, at + event.duration, at + event.duration, true));
      return out;
    }
    if (current && !current.ended) out.push(this.endEvent(current, current.segment + current.duration, at, false));
    current = { code: event.event, digit: event.digit as DtmfDigit, start: at, segment: at, duration: event.duration, volume: event.volume, ended: false };
    this.current = current;
    this.counts.events++;
    out.push({ type: "keydown", ...this.common(current, at + event.duration) });
    if (event.end) out.push(this.endEvent(current, at + event.duration, at + event.duration, true));
    return out;
  }

  private endEvent(current: Current, end: number, detected: number, endReceived: boolean): RtpDtmfEvent {
    current.ended = true;
    if (!endReceived) this.counts.endsLost++;
    const durationSamples = Math.max(0, end - current.start);
    return {
      type: "dtmf", ...this.common(current, Math.max(detected, end)),
      durationSamples, durationMs: round1((durationSamples * MS_PER_SECOND) / this.clockRate), endReceived,
    };
  }

  private common(current: Current, detected: number): Common {
    const ms = (units: number) => round1((units * MS_PER_SECOND) / this.clockRate);
    return {
      source: "rfc4733", digit: current.digit, startSample: current.start, startMs: ms(current.start),
      detectedSample: detected, detectedMs: ms(detected), timestamp: ((this.origin ?? 0) + current.start) % UINT32,
      volumeDbm0: -current.volume,
    };
  }

  /** RTP timestamp → units from the origin, across 2^32 wraps (the nearest to the last one). */
  private unwrap(timestamp: number): number {
    if (this.origin === undefined) {
      this.origin = timestamp;
      this.last = 0;
      return 0;
    }
    const lastMod = (((this.origin + this.last) % UINT32) + UINT32) % UINT32;
    let diff = timestamp - lastMod;
    if (diff >= HALF_UINT32) diff -= UINT32;
    else if (diff < -HALF_UINT32) diff += UINT32;
    const unwrapped = this.last + diff;
    if (unwrapped > this.last) this.last = unwrapped;
    return unwrapped;
  }
}
