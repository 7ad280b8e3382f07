/**
 * One call: its detectors (one per channel: a stereo stream carries each party on its own
 * channel), its media clock, the merge of in-band and out-of-band keys, its digit collection,
 * and its payloads in causal order. Everything runs on media time (samples received); the
 * wall clock (the host's `clock`) is read only for Bandwidth's eventTime and the start time.
 *
 * Order of payloads per call (what the sinks receive):
 *   keydown (extension) → dtmf / dtmf_received / bandwidth at the press's end → …
 *   digits.collected right after the dtmf of the key that ended the collection (the collection
 *   is decided at that key's keydown, while its tone still sounds; its result waits for the
 *   press), or at the deadline for a timeout, or at the end of the call.
 */
import type { CollectResult, CollectorEvent } from "../collector.js";
import type { Detector } from "../detector.js";
import type { DtmfEngine } from "../engine.js";
import type { DetectorEvent } from "../events.js";
import type { DtmfDigit } from "../keys.js";
import type { DetectorTuning } from "../options.js";
import { type CollectRequest, type TypeAhead, commandUidOf, parseCollectRequest } from "./collect-request.js";
import { DtmfProtocolError, messageOf } from "./errors.js";
import { KeyMerger, type MergedKey, type OutOfBandKey } from "./key-merger.js";
import { MediaClock } from "./media-clock.js";
import { type BuiltPayload, type CallMetadata, PayloadFormatter, type PayloadKind } from "./payload-formats.js";
import { decodeBase64Into } from "./protocols/base64-bytes.js";
import { unmaskTo } from "./ws-frames.js";

export type CallEncoding = "mulaw" | "alaw" | "pcm16";
/** Sample rates a call may use: the detector's range, limited to the rates platforms send, so no stream can fill the engine's table of rates. */
export const CALL_SAMPLE_RATES: readonly number[] = [8000, 12000, 16000, 24000, 32000, 44100, 48000];
export const PARTIES = ["caller", "callee"] as const;

export interface CallStart {
  protocol: string;
  metadata: CallMetadata;
  sampleRate: number;
  encoding: CallEncoding;
  /** 1, or 2 for a stereo stream (one party per channel, interleaved). */
  channels: 1 | 2;
  /** A collection requested in the start metadata. */
  collect?: unknown;
}

/** What a call needs from its server. */
export interface CallHost {
  readonly engine: DtmfEngine;
  readonly tuning: DetectorTuning;
  readonly settings: CallSettings;
  /** The wall clock (StartServerOptions.clock), for Bandwidth's eventTime and the start time. */
  readonly clock: () => number;
  deliver(call: Call, built: BuiltPayload, party: string | undefined): void;
  warn(call: Call | undefined, message: string): void;
  emit(event: string, data: unknown): void;
  ended(call: Call): void;
}

export interface CallSettings {
  payloads: readonly PayloadKind[];
  mapping: Readonly<Record<string, string>>;
  bandwidthCallUrl: string;
  maxGapFillMs: number;
  mergeWindowMs: number;
  outOfBandHoldMs: number;
  outOfBandLateMs: number;
  successRule: "seed" | "strict";
  typeAhead: TypeAhead;
  typeAheadMs: number;
  /** Add `party` to each payload of a stereo call (an extension field). */
  partyField: boolean;
}

export interface CallStats {
  frames: number;
  samples: number;
  gapSamples: number;
  clockResets: number;
  outOfOrder: number;
  badMessages: number;
  presses: number;
  duplicateReports: number;
  payloads: number;
}

/** Keydowns kept for type-ahead (the last presses; --type-ahead-ms picks those recent enough), presses. */
const TYPE_AHEAD_KEEP = 16;
/** How long a finished press stays joinable by a late out-of-band report, ms. */
const MERGE_RETAIN_MS = 10_000;
/** Silence fed per piece when a gap is filled, samples (bounded: one static buffer). */
const SILENCE_PIECE = 960;
const SILENCE_PCM16 = new Uint8Array(SILENCE_PIECE * 2);
const SILENCE_MULAW = new Uint8Array(SILENCE_PIECE).fill(0xff);
const SILENCE_ALAW = new Uint8Array(SILENCE_PIECE).fill(0xd5);
const BYTES: Record<CallEncoding, number> = { mulaw: 1, alaw: 1, pcm16: 2 };

/** The core's input region (Detector.inputRegion()) and a Buffer over it, for base64 decoding into it; renewed when the memory grows. */
let regionBytes: Uint8Array | undefined;
let regionBuffer: Buffer = Buffer.alloc(0);
/** The same region as 32-bit words (when it starts 4-byte aligned), for unmasking WebSocket frames into it. */
let regionWords: Int32Array | undefined;

function useRegion(region: Uint8Array): void {
  if (region === regionBytes) return;
  regionBytes = region;
  regionBuffer = Buffer.from(region.buffer, region.byteOffset, region.byteLength);
  regionWords = region.byteOffset % 4 === 0 ? new Int32Array(region.buffer, region.byteOffset, region.byteLength >>> 2) : undefined;
}

/** Channel scratch for de-interleaving stereo frames, grown to the largest frame (bounded by the message limit). */
let scratch = [new Int16Array(1024), new Int16Array(1024)];

interface Party {
  name: string;
  detector: Detector;
  /** Call media time of this detector's sample 0 (moves on after a clock reset's flush). */
  base: number;
  merger: KeyMerger;
}

interface Collection {
  request: CollectRequest;
  /** Presses whose keydown this collection took (their dtmf is fed; others are type-ahead or before it). */
  fed: Set<number>;
}

export class Call {
  readonly id: string;
  readonly protocol: string;
  readonly sampleRate: number;
  readonly encoding: CallEncoding;
  readonly channels: 1 | 2;
  readonly formatter: PayloadFormatter;
  readonly stats: CallStats = { frames: 0, samples: 0, gapSamples: 0, clockResets: 0, outOfOrder: 0, badMessages: 0, presses: 0, duplicateReports: 0, payloads: 0 };
  readonly startedAt: Date;
  /** Digits of the presses, in order (for the summary). */
  readonly keys: { digit: string; party: string; startMs: number; durationMs: number; sources: string[] }[] = [];
  readonly collections: { commandUid: string; status: string; digits: string; terminator: string; error?: string }[] = [];
  /** Sends a message back on the platform's socket, where the protocol allows it (set by the connection). */
  reply?: (message: Record<string, unknown>) => void;
  private readonly parties: Party[];
  private readonly clock: MediaClock;
  /** Call media time: samples received per channel (filled gaps included). */
  private position = 0;
  private collection?: Collection;
  /** digits.collected waiting for the dtmf of the press that decided it. */
  private waiting: { pressId: number; built: BuiltPayload[] }[] = [];
  private recentKeydowns: { key: MergedKey; ended: boolean }[] = [];
  private lastAttemptStatus = "timeout";
  private state: "streaming" | "ended" = "streaming";
  /** Whether base64 payloads may be decoded straight into the input region: mono, one byte a sample. */
  private readonly direct: boolean;
  /**
   * Party 0's detector's input region (Detector.inputRegion()), kept between frames: it is the
   * same view until the core's memory grows, which leaves it with length 0 (then it is asked
   * for again). Saves the detector's and the port's checks twice a frame.
   */
  private region: Uint8Array = new Uint8Array(0);
  /**
   * Party 0's detector and merger, held here: with many calls interleaved, every object a
   * frame touches is a cache miss, and the parties array and its record were two of them.
   */
  private readonly detector0: Detector;
  private readonly merger0: KeyMerger;

  constructor(private readonly host: CallHost, start: CallStart) {
    this.startedAt = new Date(host.clock());
    if (!CALL_SAMPLE_RATES.includes(start.sampleRate)) {
      throw new DtmfProtocolError(start.protocol, `sample rate must be one of ${CALL_SAMPLE_RATES.join(", ")} Hz; received ${start.sampleRate}`);
    }
    this.id = start.metadata.id;
    this.protocol = start.protocol;
    this.sampleRate = start.sampleRate;
    this.encoding = start.encoding;
    this.channels = start.channels;
    this.direct = this.channels === 1 && BYTES[this.encoding] === 1;
    const s = host.settings;
    this.clock = new MediaClock(this.sampleRate, s.maxGapFillMs);
    this.formatter = new PayloadFormatter(start.metadata, {
      kinds: s.payloads, mapping: s.mapping, sampleRate: this.sampleRate, bandwidthCallUrl: s.bandwidthCallUrl, streamStartTime: this.startedAt.toISOString(),
    });
    for (const warning of this.formatter.warnings) host.warn(this, warning);
    const samples = (ms: number) => Math.round((ms * this.sampleRate) / 1000);
    const mergerOptions = {
      windowSamples: samples(s.mergeWindowMs), holdSamples: samples(s.outOfBandHoldMs), lateSamples: samples(s.outOfBandLateMs), retainSamples: samples(MERGE_RETAIN_MS),
    };
    this.parties = [];
    try {
      for (let c = 0; c < this.channels; c++) {
        const detector = host.engine.createDetector({ sampleRate: this.sampleRate, encoding: this.encoding, ...host.tuning });
        this.parties.push({ name: PARTIES[c], detector, base: 0, merger: new KeyMerger(mergerOptions) });
      }
    } catch (error) {
      for (const p of this.parties) p.detector.close();
      throw error;
    }
    this.detector0 = this.parties[0].detector;
    this.merger0 = this.parties[0].merger;
    if (start.collect !== undefined && start.collect !== null && start.collect !== "") {
      let request: unknown = start.collect;
      if (typeof request === "string") {
        try { request = JSON.parse(request); } catch { request = { command_uid: "", invalid: request }; }
      }
      try { this.collect(request, "metadata"); } catch { /* refused: answered with digits.collected (failure, error) */ }
    }
  }

  get streaming(): boolean { return this.state === "streaming"; }
  get positionSamples(): number { return this.position; }
  get positionMs(): number { return Math.round((this.position * 1000) / this.sampleRate); }
  /** Whether a collection is running. */
  get collecting(): boolean { return this.collection !== undefined; }

  /**
   * One frame of audio: `bytes` in the call's encoding (pcm16 little-endian; stereo
   * interleaved), stamped `timestampMs` by the platform when it stamps frames.
   */
  frame(bytes: Uint8Array, timestampMs?: number): void {
    if (this.state !== "streaming") return;
    const frameBytes = BYTES[this.encoding] * this.channels;
    if (bytes.byteLength % frameBytes !== 0) {
      throw new DtmfProtocolError(this.protocol, `an audio frame must be a multiple of ${frameBytes} bytes (${this.encoding}, ${this.channels} channel${this.channels === 1 ? "" : "s"}); received ${bytes.byteLength}`);
    }
    if (timestampMs !== undefined) this.place(timestampMs);
    this.stats.frames++;
    const samples = bytes.byteLength / frameBytes;
    if (this.channels === 1) {
      this.take(0, this.detector0.process(bytes));
    } else {
      if (scratch[0].length < samples) scratch = [new Int16Array(samples), new Int16Array(samples)];
      const [left, right] = scratch;
      for (let i = 0, b = 0; i < samples; i++, b += 4) {
        left[i] = (bytes[b] | (bytes[b + 1] << 8)) << 16 >> 16;
        right[i] = (bytes[b + 2] | (bytes[b + 3] << 8)) << 16 >> 16;
      }
      this.take(0, this.detector0.process(left.subarray(0, samples)));
      this.take(1, this.parties[1].detector.process(right.subarray(0, samples)));
    }
    this.advance(samples);
  }

  /**
   * Bytes a base64 frame may decode to for frameBase64() to take it: a mono G.711 call's
   * (one byte a sample, so any length is whole samples); 0 when it cannot (stereo, L16).
   */
  get base64DirectBytes(): number {
    return this.direct && this.state === "streaming" ? this.inputRegion().length : 0;
  }

  /** Party 0's input region: the kept view while it is live (length 0 once the memory grew), else the detector's. */
  private inputRegion(): Uint8Array {
    const region = this.region;
    if (region.length !== 0) return region;
    return (this.region = this.detector0.inputRegion());
  }

  /**
   * frame() for a base64 payload, decoded straight into the core's input region (no scratch
   * buffer, no copy). Only when the payload's decoded size bound is at most base64DirectBytes.
   */
  frameBase64(payload: string, timestampMs?: number): void {
    if (this.state !== "streaming") return;
    // The media clock first: a gap fill processes silence through the same region.
    if (timestampMs !== undefined) this.place(timestampMs);
    const detector = this.detector0;
    const region = this.inputRegion();
    useRegion(region);
    const samples = regionBuffer.write(payload, 0, "base64");
    this.stats.frames++;
    this.take(0, detector.processInput(samples));
    this.advance(samples);
  }

  /**
   * Decodes base64 left in a message's bytes, `src[start, end)`, straight into the core's input
   * region (base64-bytes.ts: no string made) and returns the byte count; -1, with nothing done
   * but the region written, when the text is not canonical base64 (the caller then takes the
   * lenient path). For frameInput(), which processes it; only when the decoded size bound is at
   * most base64DirectBytes.
   */
  decodeToInput(src: Uint8Array, start: number, end: number): number {
    return decodeBase64Into(src, start, end, this.inputRegion());
  }

  /**
   * frameBase64() for the `samples` bytes decodeToInput() left in the input region from
   * `src[start, end)`: the media clock first, which may process a gap's silence through the same
   * region, after which the payload is decoded again (rare).
   */
  frameInput(samples: number, timestampMs: number | undefined, src: Uint8Array, start: number, end: number): void {
    if (this.state !== "streaming") return;
    const detector = this.detector0;
    if (timestampMs !== undefined && this.place(timestampMs)) decodeBase64Into(src, start, end, this.inputRegion());
    this.stats.frames++;
    this.take(0, detector.processInput(samples));
    this.advance(samples);
  }

  /**
   * frame() for the masked payload of a WebSocket binary frame (`n` bytes of `src` from `at`,
   * masking key `mask` as ws-frames.ts reads it): a mono L16 frame that fits the core's input
   * region is unmasked straight into it, the one write of its samples. Returns false, having
   * done nothing, for any other frame (the caller unmasks it and calls frame(), which also
   * gives the errors).
   */
  frameMasked(src: Uint8Array, at: number, n: number, mask: number): boolean {
    if (this.state !== "streaming" || this.channels !== 1 || this.encoding !== "pcm16" || (n & 1) !== 0) return false;
    const detector = this.detector0;
    const region = this.inputRegion();
    if (n > region.length) return false;
    useRegion(region);
    if (regionWords === undefined) return false;
    unmaskTo(src, at, n, mask, region, regionWords);
    const samples = n >>> 1;
    this.stats.frames++;
    this.take(0, detector.processInput(samples));
    this.advance(samples);
    return true;
  }

  /**
   * Where a frame stamped `timestampMs` belongs: lost frames are filled (bounded), absurd jumps
   * reset the clock. Returns whether it ran the detectors (the input region is then overwritten).
   */
  private place(timestampMs: number): boolean {
    const decision = this.clock.place(timestampMs, this.position);
    if (decision.kind === "fill") {
      this.stats.gapSamples += decision.samples;
      const silence = this.encoding === "pcm16" ? SILENCE_PCM16 : this.encoding === "mulaw" ? SILENCE_MULAW : SILENCE_ALAW;
      const bytesPer = BYTES[this.encoding];
      for (let left = decision.samples; left > 0;) {
        const n = Math.min(left, SILENCE_PIECE);
        for (let c = 0; c < this.channels; c++) this.take(c, this.parties[c].detector.process(silence.subarray(0, n * bytesPer)));
        this.advance(n);
        left -= n;
      }
      return true;
    } else if (decision.kind === "reset") {
      // The audio in between is lost, or the timestamp lies: the press open ends where the audio did.
      this.stats.clockResets++;
      this.host.warn(this, `a timestamp ${decision.claimedGapMs} ms away from the audio received (more than the ${this.host.settings.maxGapFillMs} ms filled); media clock reset`);
      for (let c = 0; c < this.channels; c++) this.flushParty(c);
      return true;
    }
    return false;
  }

  private flushParty(c: number): void {
    const party = this.parties[c];
    const events = party.detector.flush();
    this.take(c, events);
    party.base = this.position;
  }

  private advance(samples: number): void {
    this.position += samples;
    this.stats.samples += samples;
    // Indexed loops: this runs on every frame, and advance() nearly always returns nothing.
    for (let c = 0; c < this.channels; c++) {
      const released = (c === 0 ? this.merger0 : this.parties[c].merger).advance(this.position);
      for (let i = 0; i < released.length; i++) this.merged(c, released[i]);
    }
    if (this.collection) this.collectorEvents(this.collection.request.collector.advance(this.position), undefined);
  }

  /** Detector events of channel `c` (in its own media time) into the merger. */
  private take(c: number, events: readonly DetectorEvent[]): void {
    if (events.length === 0) return;
    const party = this.parties[c];
    for (const e of events) {
      const merged = party.merger.inband({
        type: e.type, digit: e.digit, startSample: e.startSample + party.base, detectedSample: e.detectedSample + party.base,
        durationSamples: e.type === "dtmf" ? e.durationSamples : undefined,
      });
      for (const m of merged) this.merged(c, m);
    }
  }

  /**
   * A key reported out of band by the platform (its `dtmf` message, AudioSocket DTMF,
   * RFC 4733). Times in ms of media time when the report carries them.
   */
  outOfBand(digit: string, report: { source: OutOfBandKey["source"]; ended: boolean; durationMs?: number; startSample?: number; durationSamples?: number; party?: number }): void {
    if (this.state !== "streaming") return;
    const key = digit.toUpperCase();
    if (key.length !== 1 || !"0123456789*#ABCD".includes(key)) throw new DtmfProtocolError(this.protocol, `a dtmf digit must be one of 0-9, *, #, A-D; received ${JSON.stringify(digit).slice(0, 20)}`);
    const c = report.party ?? 0;
    const durationSamples = report.durationSamples ?? (report.durationMs !== undefined && Number.isFinite(report.durationMs) && report.durationMs >= 0
      ? Math.round((Math.min(report.durationMs, 60_000) * this.sampleRate) / 1000) : undefined);
    for (const m of this.parties[c].merger.outOfBand({
      source: report.source, digit: key as DtmfDigit, ended: report.ended, atSample: this.position, startSample: report.startSample, durationSamples,
    })) this.merged(c, m);
  }

  private merged(c: number, m: MergedKey): void {
    const party = this.parties[c].name;
    const extra: Record<string, unknown> = this.channels === 2 && this.host.settings.partyField ? { party } : {};
    if (m.type === "keydown") {
      for (const built of this.formatter.keydown(m, extra)) this.out(built, party);
      this.host.emit("key", { callId: this.id, party, key: m });
      if (c === 0) {
        this.recentKeydowns.push({ key: m, ended: false });
        if (this.recentKeydowns.length > TYPE_AHEAD_KEEP) this.recentKeydowns.shift();
        if (this.collection) {
          this.collection.fed.add(m.pressId);
          this.collectorEvents(this.collection.request.collector.onEvent(this.asDetectorEvent(m)), m.pressId, false);
        }
      }
      return;
    }
    this.stats.presses++;
    this.stats.duplicateReports = this.parties.reduce((n, p) => n + p.merger.duplicates, 0);
    const ms = (s: number) => Math.round((s * 1000) / this.sampleRate);
    this.keys.push({ digit: m.digit, party, startMs: ms(m.startSample), durationMs: ms(m.durationSamples), sources: m.sources });
    for (const built of this.formatter.press(m, new Date(this.host.clock()), extra)) this.out(built, party);
    this.host.emit("key", { callId: this.id, party, key: m });
    if (c === 0) for (const r of this.recentKeydowns) if (r.key.pressId === m.pressId) r.ended = true;
    if (c === 0 && this.collection && this.collection.fed.has(m.pressId)) {
      this.collectorEvents(this.collection.request.collector.onEvent(this.asDetectorEvent(m)), m.pressId);
    }
    const ready = this.waiting.filter((w) => w.pressId === m.pressId);
    if (ready.length > 0) {
      this.waiting = this.waiting.filter((w) => w.pressId !== m.pressId);
      for (const w of ready) for (const built of w.built) this.out(built, undefined);
    }
  }

  private asDetectorEvent(m: MergedKey): DetectorEvent {
    const ms = (s: number) => Math.round((s * 10000) / this.sampleRate) / 10;
    if (m.type === "keydown") {
      return { type: "keydown", digit: m.digit, startSample: m.startSample, startMs: ms(m.startSample), detectedSample: m.detectedSample, detectedMs: ms(m.detectedSample), lowDbm0: 0, highDbm0: 0 };
    }
    return {
      type: "dtmf", digit: m.digit, startSample: m.startSample, startMs: ms(m.startSample), durationSamples: m.durationSamples, durationMs: ms(m.durationSamples),
      detectedSample: m.detectedSample, detectedMs: ms(m.detectedSample), lowDbm0: 0, highDbm0: 0, twistDb: 0, lowErrorHz: 0, highErrorHz: 0,
    };
  }

  /** Collector events caused by press `pressId` (its keydown when `pressEnded` is false). */
  private collectorEvents(events: readonly CollectorEvent[], pressId: number | undefined, pressEnded = true): void {
    for (const e of events) {
      if (e.type === "attemptend") this.lastAttemptStatus = e.result.status;
      else if (e.type === "restart" && this.collection) {
        const built = this.formatter.reprompt(this.collection.request.commandUid, e.attempt, this.lastAttemptStatus === "timeout" ? "timeout" : "invalid");
        for (const b of built) this.out(b, undefined);
        this.host.emit("reprompt", { callId: this.id, commandUid: this.collection.request.commandUid, attempt: e.attempt });
      } else if (e.type === "done") this.finishCollection(e.result, pressId, pressEnded);
    }
  }

  /** The collection has its result; it waits for the dtmf of the press that decided it, if that press is still on. */
  private finishCollection(result: CollectResult, pressId: number | undefined, pressEnded = true): void {
    const c = this.collection;
    if (!c) return;
    this.collection = undefined;
    this.collections.push({ commandUid: c.request.commandUid, status: result.status, digits: result.digits, terminator: result.terminator });
    const built = this.formatter.collected(result, c.request.commandUid);
    this.host.emit("collected", { callId: this.id, commandUid: c.request.commandUid, result });
    const decidedByOpenKey = pressId !== undefined && !pressEnded && (result.endedBy === "terminator" || result.endedBy === "maxDigits");
    if (decidedByOpenKey) this.waiting.push({ pressId: pressId!, built });
    else for (const b of built) this.out(b, undefined);
  }

  /**
   * Starts a collection now (a running one ends as failure first). `request` is the
   * application's snake_case object. A refused request still ends in digits.collected
   * (status failure, with `error`), so the application is never left waiting; the error is
   * thrown too, for the HTTP answer.
   */
  collect(request: unknown, via: "stream" | "http" | "metadata"): { commandUid: string; startMs: number } {
    if (this.state !== "streaming") throw new DtmfProtocolError(this.protocol, "collect after the call ended");
    let parsed: CollectRequest;
    try {
      parsed = parseCollectRequest(request, {
        sampleRate: this.sampleRate, startSample: this.position, successRule: this.host.settings.successRule, typeAhead: this.host.settings.typeAhead,
      });
    } catch (error) {
      const commandUid = commandUidOf(request);
      const message = messageOf(error);
      this.collections.push({ commandUid, status: "failure", digits: "", terminator: "", error: message });
      for (const b of this.formatter.collected({ digits: "", terminator: "", status: "failure" }, commandUid, message)) this.out(b, undefined);
      this.host.emit("collected", { callId: this.id, commandUid, error: message });
      throw error;
    }
    if (this.collection) this.finishCollection(this.collection.request.collector.cancel(), undefined);
    const collection: Collection = { request: parsed, fed: new Set() };
    this.collection = collection;
    this.host.emit("collect", { callId: this.id, commandUid: parsed.commandUid, via, startSample: this.position });
    if (parsed.typeAhead === "keep") {
      const from = this.position - Math.round((this.host.settings.typeAheadMs * this.sampleRate) / 1000);
      for (const { key: k, ended } of this.recentKeydowns) {
        if (k.detectedSample < from || this.collection !== collection) continue;
        if (!ended) collection.fed.add(k.pressId);
        // Taken as pressed at the start of the collection.
        this.collectorEvents(parsed.collector.onEvent({ ...this.asDetectorEvent(k), detectedSample: this.position } as DetectorEvent), k.pressId, ended);
      }
    }
    return { commandUid: parsed.commandUid, startMs: this.positionMs };
  }

  /**
   * The platform reports that the prompt finished playing (a mark echo named `mark`, a
   * prompt_ended message, an HTTP call). Returns whether a prompt was open.
   */
  promptEnded(mark?: string): boolean {
    const c = this.collection;
    if (!c || !c.request.collector.promptPlaying) return false;
    if (c.request.promptMark !== undefined && mark !== undefined && mark !== c.request.promptMark) return false;
    this.collectorEvents(c.request.collector.endPrompt(this.position), undefined);
    return true;
  }

  /** A message of the protocol was bad (counted; the connection decides when to give up). */
  bad(): void { this.stats.badMessages++; }

  /** The call is over: "stop" (the platform said so), "disconnect", "hangup", "error", "idle", "shutdown". */
  end(reason: string): void {
    if (this.state === "ended") return;
    this.state = "ended";
    try {
      for (let c = 0; c < this.channels; c++) {
        const party = this.parties[c];
        this.take(c, party.detector.flush());
        for (const m of party.merger.flush(this.position)) this.merged(c, m);
      }
      if (this.collection) this.finishCollection(this.collection.request.collector.end(this.position), undefined);
      for (const w of this.waiting) for (const b of w.built) this.out(b, undefined);
      this.waiting = [];
    } catch (error) {
      this.host.warn(this, `while ending the call: ${messageOf(error)}`);
    } finally {
      for (const p of this.parties) p.detector.close();
      this.host.emit("callEnded", this.summary(reason));
      this.host.ended(this);
    }
  }

  summary(reason?: string): Record<string, unknown> {
    this.stats.duplicateReports = this.parties.reduce((n, p) => n + p.merger.duplicates, 0);
    return {
      callId: this.id, protocol: this.protocol, reason, sessionUuid: this.formatter.sessionUuid, sampleRate: this.sampleRate, channels: this.channels,
      mediaMs: this.positionMs, stats: { ...this.stats }, keys: this.keys, collections: this.collections,
    };
  }

  private out(built: BuiltPayload, party: string | undefined): void {
    this.stats.payloads++;
    this.host.deliver(this, built, party);
  }
}
