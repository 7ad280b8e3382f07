/**
 * From received RFC 4733 packets to key presses: `keydown` when an event's first packet
 * arrives, `dtmf` (with its duration) when it ends. The events have the detector's shape
 * (digit, startSample, detectedSample, durationSamples, ms), in timestamp units of media time
 * (0 at `timestampOrigin`), so a DigitCollector or a DtmfMerger takes them as they are. Events
 * always come in press order, each press's `dtmf` before the next press's `keydown`.
 *
 * How packets are told apart (timestamps unwrapped past 2^32 as RFC 3550 does: the nearest to
 * the highest seen, so a wrap is a small step forward):
 *
 * | packet                                                   | taken as                                        |
 * |----------------------------------------------------------|-------------------------------------------------|
 * | timestamp of the current event, not ended                | an update: duration = the largest seen          |
 * | … with the E bit                                         | the end: duration = this packet's; one `dtmf`   |
 * | timestamp of the current or a recent event that has ended | a retransmitted end or late update: ignored     |
 * | same key, timestamp = current + k × 0xFFFF, not ended    | the next segment of a long event (§2.5.1.3)     |
 * | a later timestamp                                        | a new event (see "held" below)                  |
 * | a timestamp more than MAX_JUMP_MS past all media time    | on probation: a new event once a second packet  |
 * |                                                          | with that timestamp confirms it; else discarded |
 * | an earlier timestamp, by at most LATE_WINDOW_MS          | late: ignored                                   |
 * | an earlier timestamp, after it in sequence order, or by  | the sender's time base moved (a restart): media |
 * |   more than LATE_WINDOW_MS; or a new `ssrc`              | time continues from where it was                |
 * | an event code above 15 (fax, modem tones)                | ignored, changing nothing                       |
 * | the same sequence number as one of the last 64           | a network duplicate: ignored                    |
 *
 * Held new events (reordering): a packet that would start a new event while the current one
 * has not ended (its end packets may be late), or that follows a gap in the sequence numbers
 * (the packets of an earlier press may be late), is held instead of cutting the current event
 * short. Packets of the current event still count meanwhile. With sequence numbers the held
 * packets are taken in sequence order as the gap fills; a missing number counts as lost once
 * REORDER_PACKETS packets have arrived after it was missed, or advance() passes the held ones by
 * REORDER_MS, or at flush(). Without sequence numbers they are taken once the current event
 * ends (or after REORDER_PACKETS packets). In order and without loss nothing is ever held. In a
 * stream that mixes audio and telephone-events, give advance() the audio packets' sequence
 * numbers too, so their numbers are not taken for gaps. Limit: the first packet of a source
 * (the first one received, or after a new SSRC) has no number before it to wait for, so a
 * press whose every packet arrives after it is taken as late.
 *
 * Lost packets: a lost first packet means the `keydown` comes with the first packet that
 * arrives (the duration still counts from the event's timestamp); lost updates change
 * nothing; if every end packet is lost the event ends when the next event is taken, when
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
  /** RTP sequence number, 0 to 65535 (network duplicates and reordering are recognised by it). */
  sequence?: number;
  /** RTP SSRC, 0 to 2^32 − 1: a new one is a new source, whose time base is its own. */
  ssrc?: number;
}

/** RTP header fields of an audio packet, for advance(). */
export type RtpAudioInfo = Omit<RtpInfo, "timestamp">;

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
  /** Times the source's time base moved (new SSRC, or timestamps moving back in sequence order). */
  restarts: number;
  /** Packets far ahead of media time that no second packet confirmed. */
  discarded: number;
  /** New-event packets held for reordering (taken later, in sequence order). */
  held: number;
}

interface Current {
  code: number;
  digit: DtmfDigit;
  /** First segment's media time, units. */
  start: number;
  /** RTP timestamp of the first segment. */
  timestamp: number;
  /** Current segment's media time, units. */
  segment: number;
  /** Largest duration seen in the current segment. */
  duration: number;
  volume: number;
  ended: boolean;
}

/** A DTMF packet on its way in. */
interface Packet {
  event: TelephoneEvent;
  timestamp: number;
  sequence: number | undefined;
}

const KNOWN = new Set(["clockRate", "timestampOrigin", "inactivityMs"]);
const UINT32 = 2 ** 32;
const HALF_UINT32 = 2 ** 31;
const UINT16 = 0x10000;
const MS_PER_SECOND = 1000;
/** Sequence numbers remembered for duplicates and gaps. */
const RECENT_SEQUENCES = 64;
/** Ended events remembered, so their retransmissions and late updates are recognised. */
const RECENT_EVENTS = 16;
/**
 * RFC 3550 A.1: a sequence number more than MAX_DROPOUT ahead or MAX_MISORDER behind the
 * highest seen is a restart of the sequence, not a gap or a late packet.
 */
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;
/** Packets that may arrive after a missing one before it counts as lost (a held event is then taken). */
export const REORDER_PACKETS = 8;
/** Media time past a held packet after which advance() takes it, ms (6 packets at 50 ms, plus jitter). */
export const REORDER_MS = 400;
/** How much earlier than the current event a packet may be and still be a late one, ms. */
export const LATE_WINDOW_MS = 2000;
/** A new event this far ahead of all media time seen needs a second packet to be believed, ms. */
export const MAX_JUMP_MS = 60_000;
const round1 = (v: number) => Math.round(v * 10) / 10;
/** a − b as a signed 16-bit sequence distance. */
const seqDistance = (a: number, b: number) => ((((a - b) % UINT16) + UINT16 + UINT16 / 2) % UINT16) - UINT16 / 2;

export class TelephoneEventReceiver {
  readonly clockRate: number;
  readonly inactivityMs: number;
  private origin: number | undefined;
  /** RTP timestamp and media time of the current time base's anchor. */
  private anchorTimestamp = 0;
  private anchorMedia = 0;
  /** Highest unwrapped offset from the anchor committed (by a packet taken or advance()). */
  private lastOffset = 0;
  /** Highest media time known: event ends, advance() positions. Never goes back. */
  private mediaReached = 0;
  private reanchor = false;
  private ssrc: number | undefined;
  private current: Current | undefined;
  private readonly ended: Current[] = [];
  private readonly seenSequences: number[] = [];
  private highestSequence: number | undefined;
  /** The highest sequence number before the last one recorded (where a gap begins). */
  private highestBefore: number | undefined;
  /** An audio timestamp far ahead, waiting for a second one to agree. */
  private audioJump: number | undefined;
  /** New-event packets held for reordering. */
  private held: Packet[] = [];
  /** With sequence numbers: the first number not yet accounted for (seen, or given up as lost). */
  private cursor: number | undefined;
  private heldFor = 0;
  /** The missing sequence number the held packets wait for, and the packet count when that began. */
  private waitingFor: number | undefined;
  private waitingSince = 0;
  private probation: { packet: Packet; at: number } | undefined;
  private readonly inactivity: number;
  private readonly units: (ms: number) => number;
  private readonly counts: ReceiverStats = {
    packets: 0, events: 0, repeatedEnds: 0, late: 0, duplicates: 0, otherEvents: 0, endsLost: 0, restarts: 0, discarded: 0, held: 0,
  };

  constructor(options: TelephoneEventReceiverOptions = {}) {
    if (options === null || typeof options !== "object") throw new DtmfOptionError("options", "an object", options);
    rejectUnknown(options, KNOWN, "telephone-event receiver");
    this.clockRate = checkNumber("clockRate", options.clockRate ?? 8000, 8000, 96000, true);
    this.origin = options.timestampOrigin === undefined ? undefined : checkNumber("timestampOrigin", options.timestampOrigin, 0, UINT32 - 1, true);
    if (this.origin !== undefined) this.anchorTimestamp = this.origin;
    this.inactivityMs = checkNumber("inactivityMs", options.inactivityMs ?? 200, 50, 10000);
    this.units = (ms: number) => Math.round((ms * this.clockRate) / MS_PER_SECOND);
    this.inactivity = this.units(this.inactivityMs);
  }

  get stats(): Readonly<ReceiverStats> { return { ...this.counts }; }
  /** The RTP timestamp of media time 0 (undefined until the first packet when not given). */
  get timestampOrigin(): number | undefined { return this.origin; }

  /** Takes one received telephone-event payload with its RTP timestamp, sequence number and SSRC. */
  receive(payload: Uint8Array, rtp: RtpInfo): RtpDtmfReceiverEvent[] {
    if (rtp === null || typeof rtp !== "object") throw new DtmfOptionError("rtp", "an object with timestamp and sequence", rtp);
    const event = decodeTelephoneEvent(payload);
    const timestamp = checkNumber("rtp.timestamp", rtp.timestamp, 0, UINT32 - 1, true);
    const sequence = rtp.sequence === undefined ? undefined : checkNumber("rtp.sequence", rtp.sequence, 0, 0xffff, true);
    const ssrc = rtp.ssrc === undefined ? undefined : checkNumber("rtp.ssrc", rtp.ssrc, 0, UINT32 - 1, true);
    this.counts.packets++;
    const out: RtpDtmfReceiverEvent[] = [];
    this.source(ssrc, out);
    let gapBefore = false;
    if (sequence !== undefined) {
      if (this.seenSequences.includes(sequence)) { this.counts.duplicates++; return out; }
      gapBefore = this.sequenceSeen(sequence);
    }
    if (event.digit === undefined) {
      this.counts.otherEvents++;
    } else {
      const packet: Packet = { event, timestamp, sequence };
      const startsEvent = this.wouldStartEvent(packet) || this.held.some((h) => h.timestamp === timestamp);
      const beforeCursor = sequence !== undefined && this.cursor !== undefined && seqDistance(sequence, this.cursor) < 0;
      if (this.held.length > 0 && startsEvent && !beforeCursor) {
        this.hold(packet);
      } else if (this.held.length === 0 && startsEvent && (sequence !== undefined ? gapBefore : this.current !== undefined && !this.current.ended)) {
        // With sequence numbers only a gap can hide late packets; without, an open event may.
        this.cursor = sequence !== undefined && this.highestBefore !== undefined ? (this.highestBefore + 1) % UINT16 : undefined;
        this.hold(packet);
      } else {
        this.take(packet, out);
      }
    }
    this.drain(out, false);
    return out;
  }

  /**
   * Media time has reached RTP timestamp `timestamp` (call it with each audio packet's, and
   * their sequence numbers and SSRC when the stream mixes audio and events): ends an event
   * whose end packets were lost once it is `inactivityMs` past its known end, and takes held
   * packets REORDER_MS past their time.
   */
  advance(timestamp: number, rtp: RtpAudioInfo = {}): RtpDtmfReceiverEvent[] {
    checkNumber("timestamp", timestamp, 0, UINT32 - 1, true);
    if (rtp === null || typeof rtp !== "object") throw new DtmfOptionError("rtp", "an object with sequence and ssrc", rtp);
    const out: RtpDtmfReceiverEvent[] = [];
    this.source(rtp.ssrc === undefined ? undefined : checkNumber("rtp.ssrc", rtp.ssrc, 0, UINT32 - 1, true), out);
    if (rtp.sequence !== undefined) {
      const sequence = checkNumber("rtp.sequence", rtp.sequence, 0, 0xffff, true);
      if (!this.seenSequences.includes(sequence)) this.sequenceSeen(sequence);
    }
    if (this.reanchor) return out; // a new source: its time base is set by its first event
    if (this.origin === undefined) this.setOrigin(timestamp);
    const offset = this.offsetOf(timestamp);
    const at = this.anchorMedia + offset;
    // A jump far ahead is believed once a second audio packet agrees with it (within 1 s).
    if (at - this.mediaReached > this.units(MAX_JUMP_MS)) {
      const agrees = this.audioJump !== undefined && Math.abs(at - this.audioJump) <= this.units(MS_PER_SECOND);
      this.audioJump = at;
      if (!agrees) return out;
    }
    this.audioJump = undefined;
    this.lastOffset = Math.max(this.lastOffset, offset);
    this.mediaReached = Math.max(this.mediaReached, at);
    if (this.held.length > 0) {
      const first = this.held[0];
      this.drain(out, at > this.mediaOf(first.timestamp) + first.event.duration + this.units(REORDER_MS));
    }
    const current = this.current;
    if (current && !current.ended && at > current.segment + current.duration + this.inactivity) {
      out.push(this.endEvent(current, current.segment + current.duration, at, false));
    }
    return out;
  }

  /** End of the stream: takes held packets and ends an event still open (endReceived false). */
  flush(): RtpDtmfReceiverEvent[] {
    const out: RtpDtmfReceiverEvent[] = [];
    this.release(out);
    this.dropProbation();
    const current = this.current;
    if (current && !current.ended) {
      const end = current.segment + current.duration;
      out.push(this.endEvent(current, end, end, false));
    }
    return out;
  }

  /** A new SSRC: what the old source left is settled, and the next event sets the time base. */
  private source(ssrc: number | undefined, out: RtpDtmfReceiverEvent[]): void {
    if (ssrc === undefined) return;
    if (this.ssrc !== undefined && ssrc !== this.ssrc) {
      out.push(...this.flush());
      this.restart();
      this.seenSequences.length = 0;
      this.highestSequence = undefined;
    }
    this.ssrc = ssrc;
  }

  /** The time base moved: the current event (already ended) and the recent ones are forgotten. */
  private restart(): void {
    this.counts.restarts++;
    this.reanchor = true;
    this.ended.length = 0;
    // The next event starts after every earlier one, even one with no duration known.
    if (this.current) this.mediaReached = Math.max(this.mediaReached, this.current.start + 1);
    this.current = undefined;
  }

  /** Records a sequence number; returns whether packets are missing just before it. */
  private sequenceSeen(sequence: number): boolean {
    this.seenSequences.push(sequence);
    if (this.seenSequences.length > RECENT_SEQUENCES) this.seenSequences.shift();
    const highest = this.highestSequence;
    this.highestBefore = highest;
    if (highest === undefined) { this.highestSequence = sequence; return false; }
    const d = seqDistance(sequence, highest);
    if (d > MAX_DROPOUT || d < -MAX_MISORDER) { this.highestSequence = sequence; return false; } // a new sequence
    if (d > 0) this.highestSequence = sequence;
    return d > 1;
  }

  /** Whether the packet would begin an event (it is none of the current or recent ones). */
  private wouldStartEvent(packet: Packet): boolean {
    if (this.reanchor || this.origin === undefined) return false;
    const at = this.mediaOf(packet.timestamp);
    const current = this.current;
    if (!current) return true;
    if (at === current.segment || this.ended.some((e) => e.start === at || e.segment === at)) return false;
    if (!current.ended && packet.event.event === current.code && at > current.segment && (at - current.segment) % MAX_EVENT_DURATION === 0) return false;
    return true;
  }

  private hold(packet: Packet): void {
    if (this.held.length === 0) this.heldFor = 0;
    this.held.push(packet);
    this.counts.held++;
  }

  /**
   * Takes what the wait is over for. With sequence numbers: the held packets in sequence order
   * up to the first number not yet seen; a number REORDER_PACKETS behind the highest seen (or
   * every number, when `giveUp`) counts as lost. Without: all of them once the current event
   * has ended, after REORDER_PACKETS packets, or when `giveUp`.
   */
  private drain(out: RtpDtmfReceiverEvent[], giveUp: boolean): void {
    if (this.held.length === 0) return;
    this.heldFor++;
    if (this.cursor === undefined || this.held.some((h) => h.sequence === undefined)) {
      if (giveUp || this.heldFor > REORDER_PACKETS || !this.current || this.current.ended) this.release(out, this.held.length);
      return;
    }
    const highest = this.highestSequence!;
    const byDistance = (a: Packet, b: Packet) => seqDistance(a.sequence!, this.cursor!) - seqDistance(b.sequence!, this.cursor!);
    // A missing number is waited for during REORDER_PACKETS arrivals; then it and the missing
    // ones right after it count as lost.
    let skipping = giveUp;
    for (;;) {
      this.held.sort(byDistance);
      if (seqDistance(highest, this.cursor) < 0) break;
      const seen = this.seenSequences.includes(this.cursor);
      if (seen) {
        skipping = giveUp;
      } else if (!skipping) {
        if (this.waitingFor !== this.cursor) { this.waitingFor = this.cursor; this.waitingSince = this.counts.packets; }
        if (this.counts.packets - this.waitingSince <= REORDER_PACKETS) break;
        skipping = true;
      }
      const at = this.held.findIndex((h) => h.sequence === this.cursor);
      if (at >= 0) this.take(this.held.splice(at, 1)[0], out);
      this.cursor = (this.cursor + 1) % UINT16;
      if (this.held.length === 0) break;
    }
    if (this.held.length === 0) this.cursor = undefined;
  }

  /** Takes the first `count` held packets (in sequence order when they have numbers). */
  private release(out: RtpDtmfReceiverEvent[], count = this.held.length): void {
    if (this.held.length === 0) return;
    const base = this.held[0].sequence;
    const held = base === undefined || this.held.some((p) => p.sequence === undefined)
      ? this.held
      : [...this.held].sort((a, b) => seqDistance(a.sequence!, base) - seqDistance(b.sequence!, base));
    this.held = held.slice(count);
    for (const packet of held.slice(0, count)) this.take(packet, out);
    if (this.held.length === 0) this.cursor = undefined;
  }

  private setOrigin(timestamp: number): void {
    this.origin = timestamp;
    this.anchorTimestamp = timestamp;
    this.anchorMedia = 0;
    this.lastOffset = 0;
  }

  /** Offset of `timestamp` from the anchor: the unwrapping nearest the highest committed (not committed). */
  private offsetOf(timestamp: number): number {
    const lastMod = (this.anchorTimestamp + this.lastOffset) % UINT32;
    let diff = timestamp - lastMod;
    if (diff >= HALF_UINT32) diff -= UINT32;
    else if (diff < -HALF_UINT32) diff += UINT32;
    return this.lastOffset + diff;
  }

  private mediaOf(timestamp: number): number {
    return this.anchorMedia + this.offsetOf(timestamp);
  }

  private dropProbation(): void {
    if (this.probation) { this.probation = undefined; this.counts.discarded++; }
  }

  private take(packet: Packet, out: RtpDtmfReceiverEvent[]): void {
    const { event, timestamp } = packet;
    if (this.origin === undefined) this.setOrigin(timestamp);
    if (this.reanchor) {
      // A new time base: media time goes on from where it had got to.
      this.reanchor = false;
      this.anchorTimestamp = timestamp;
      this.anchorMedia = this.mediaReached;
      this.lastOffset = 0;
    }
    let at = this.mediaOf(timestamp);
    const probation = this.probation;
    if (probation) {
      this.probation = undefined;
      if (probation.at === at) this.begin(probation.packet, at, out); // confirmed: a real event
      else this.counts.discarded++;
    }
    let current = this.current;
    if (current && at === current.segment) {
      if (current.ended) { this.counts.repeatedEnds++; return; }
      current.duration = event.end ? event.duration : Math.max(current.duration, event.duration);
      this.commit(timestamp, at + current.duration);
      if (event.end) out.push(this.endEvent(current, current.segment + current.duration, current.segment + current.duration, true));
      return;
    }
    if (this.ended.some((e) => e.start === at || e.segment === at)) { this.counts.late++; return; }
    if (current && !current.ended && event.event === current.code && at > current.segment && (at - current.segment) % MAX_EVENT_DURATION === 0) {
      current.segment = at;
      current.duration = event.duration;
      this.commit(timestamp, at + event.duration);
      if (event.end) out.push(this.endEvent(current, at + event.duration, at + event.duration, true));
      return;
    }
    if (current && at < current.segment) {
      const inSequence = packet.sequence !== undefined && this.highestSequence === packet.sequence;
      if (!inSequence && current.segment - at <= this.units(LATE_WINDOW_MS)) { this.counts.late++; return; }
      // Earlier, yet after the current event in sequence order, or far earlier: the sender's
      // time base moved. Settle the current event and go on from the media time reached.
      if (!current.ended) out.push(this.endEvent(current, current.segment + current.duration, current.segment + current.duration, false));
      this.restart();
      this.take(packet, out);
      return;
    }
    if (at - this.mediaReached > this.units(MAX_JUMP_MS)) {
      this.dropProbation();
      this.probation = { packet, at };
      return;
    }
    this.begin(packet, at, out);
  }

  /** A new event at media time `at`; the current one, if open, ends there with what was known. */
  private begin(packet: Packet, at: number, out: RtpDtmfReceiverEvent[]): void {
    const { event, timestamp } = packet;
    const previous = this.current;
    if (previous && !previous.ended) out.push(this.endEvent(previous, previous.segment + previous.duration, at, false));
    if (previous) {
      this.ended.push(previous);
      if (this.ended.length > RECENT_EVENTS) this.ended.shift();
    }
    const current: Current = {
      code: event.event, digit: event.digit as DtmfDigit, start: at, timestamp, segment: at, duration: event.duration, volume: event.volume, ended: false,
    };
    this.current = current;
    this.counts.events++;
    this.commit(timestamp, at + event.duration);
    out.push({ type: "keydown", ...this.common(current, at + event.duration) });
    if (event.end) out.push(this.endEvent(current, at + event.duration, at + event.duration, true));
  }

  /** A packet taken: its timestamp moves the unwrapping on, its end the media time reached. */
  private commit(timestamp: number, end: number): void {
    this.lastOffset = Math.max(this.lastOffset, this.offsetOf(timestamp));
    this.mediaReached = Math.max(this.mediaReached, end);
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
      detectedSample: detected, detectedMs: ms(detected), timestamp: current.timestamp, volumeDbm0: -current.volume,
    };
  }
}
