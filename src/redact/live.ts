/**
 * Live redaction: audio passes through with its keys removed, at a fixed delay. The detector
 * confirms a key ≈ 31 ms (at most ≈ 35.4 ms) after its onset, and reports the onset itself; the
 * delay line holds the audio long enough that, by then, the onset and the guard before it have
 * not been sent yet. So the output never carries the key's leading fragment, as long as the
 * delay covers keydown latency + guard (LIVE_DELAY_MS, below).
 *
 * Bytes outside the spans come out exactly as they went in, delayed by `delaySamples`; each
 * process() returns as many samples as it took (the first `delaySamples` of the stream are
 * silence), flush() returns the last `delaySamples`. Events are the detector's, at once, in
 * the media time of the input.
 */
import type { AudioChunk, Detector } from "../detector.js";
import { type DtmfEngine, defaultEngine } from "../engine.js";
import { DtmfInputError, DtmfOptionError } from "../errors.js";
import type { DetectorEvent, DtmfEvent, KeyDownEvent } from "../events.js";
import { keyFrequencies } from "../keys.js";
import { type DetectorTuning, type Encoding, checkNumber, resolveOptions } from "../options.js";
import { dbm0ToPower } from "../levels.js";
import { type SampleCodec, encodingCodec } from "./codec.js";
import { followTone } from "./tones.js";
import { FRAGMENT_HOP_MS, FragmentScanner } from "./fragments.js";
import { ComfortNoise, DEFAULT_METHOD, DEFAULT_NOTCH_FALLBACK, METHODS, NOTCH_FALLBACKS, type NotchFallback, type RedactMethod, applyMethod, type KeyJob, notchLeftDb, notchUncertaintyDb } from "./methods.js";
import { FRAGMENT_LEVEL_DBM0, type FoundKey, GUARD_AFTER_MS, GUARD_BEFORE_MS, MAX_GUARD_MS, msToSamples, notchDoubt } from "./spans.js";

/**
 * Default delay, ms: keydown latency is at most 35.4 ms after the true onset (README
 * "Latency"; p95 34.1 ms), plus the 4 ms guard before the onset: 39.4 ms; 40 ms covers it.
 * `npm run bench -- --only redact` measures the leak (tone samples sent before their key was
 * known) at this delay.
 */
export const LIVE_DELAY_MS = 40;
/** The detector's analysis hop, ms (README "How it works"). */
const HOP_MS = 6.375;
/** The shortest tone the fragment finder reports, ms. */
const MIN_FRAGMENT_MS = 12;
/** Largest delay accepted, ms. */
const MAX_DELAY_MS = 1000;
/** Input is handled in pieces of at most this, ms (one RTP frame), so the delay line stays small. */
const PIECE_MS = 20;
/** The notch fits on up to this much of a key's tone before the part being sent, ms. */
const FIT_BACK_MS = 250;
/** Sent spans remembered for the leak count (a key confirmed late looks back at most the delay). */
const SENT_SPANS_KEPT = 8;
/** Surrounding level for comfort noise: the last 20 blocks of 10 ms outside spans. */
const LEVEL_BLOCKS = 20;
const LEVEL_BLOCK_MS = 10;

const BYTES: Record<Encoding, number> = { pcm16: 2, float32: 4, mulaw: 1, alaw: 1 };

export interface LiveRedactorOptions extends DetectorTuning {
  /** Samples a second, 8000-48000. Default 8000. */
  sampleRate?: number;
  /** Default "pcm16". */
  encoding?: Encoding;
  /** Default "notch". */
  method?: RedactMethod;
  /** The fixed delay, ms (default 40). */
  delayMs?: number;
  guardBeforeMs?: number;
  guardAfterMs?: number;
  /** Also redact DTMF-like pairs shorter than a key. Default false. */
  fragments?: boolean;
  fragmentLevelDbm0?: number;
  /**
   * Redact from a key candidate's onset, not from its confirmation: any DTMF-like pair (the
   * fragment finder's test) with both tones above the detector's own level floor
   * (`minLevelDbm0`, default −45 dBm0) is removed while it lasts, whether or not the detector
   * confirms it. A key the detector confirms later than the delay allows is then already being
   * removed from its onset (the finder sees a pair within 24 ms: one 16 ms window and half a
   * window of stagger), so nothing of it leaks; the cost is the speech the finder takes for a
   * pair (measured by `npm run bench -- --only redact` on the talk-off excerpts: 0.18 % of
   * 210 s of speech and music muted). Default true: without it keys confirmed late leak their
   * start (1,301 tone samples over the bench battery); `false` redacts only the keys' own spans.
   */
  candidates?: boolean;
  /**
   * method "notch" only: what a span is redacted with, from the piece on where the notch's own
   * error is expected too close to the key (its tones' frequencies hold other sound: the
   * estimate and threshold of `redactFile`, spans.ts NOTCH_UNCERTAIN_DB); "none" keeps the
   * notch whatever it may leave. Default "noise". Live has no detector check after the notch
   * (the audio is sent by then), only this estimate.
   */
  notchFallback?: NotchFallback;
  /** Called with each redacted span once all of it has been sent (an audit of the stream; no digits). */
  onSpan?: (span: LiveSpanReport) => void;
  /** Called with each detector event, as process() returns them. */
  onEvent?: (event: DetectorEvent) => void;
  engine: DtmfEngine;
}

interface LiveKey extends FoundKey {
  /** End unknown yet (key still down). */
  open: boolean;
  /** Closed, and its tones followed past the reported end until they stopped (tones.ts followTone). */
  settled?: boolean;
}

interface LiveSpan {
  start: number;
  /** Infinity while a key in it is still open. */
  end: number;
  keys: LiveKey[];
  noiseRms: number;
  seed: number;
  /** The span's comfort noise (method noise, or a notch's noise fallback), continued piece after piece. */
  noise?: ComfortNoise;
  /** method notch: the pieces [from, to) (input samples) the fallback wrote, where the notch was uncertain. */
  fellBack: [number, number][];
}

/** A span of the output that was redacted, once it has been sent (LiveRedactorOptions.onSpan): never the digits. */
export interface LiveSpanReport {
  /** Input samples [startSample, endSample) (the output carries them delaySamples later). */
  startSample: number;
  endSample: number;
  /** The method applied: the span's method, or for a notched span part of which fell back "notch→noise" (or →silence, →tone). */
  method: string;
  /** method notch: the pieces [start, end) (input samples) that the fallback wrote, where the notch's error was expected too close to the key. */
  fellBack?: [number, number][];
  /** "key" when a confirmed key is in it, else "fragment" (a candidate or a DTMF-like pair that never became a key). */
  kind: "key" | "fragment";
}

export interface LiveResult<T extends AudioChunk = AudioChunk> {
  /** As many samples as went in (flush: the last delaySamples), same type as the input. */
  audio: T;
  /** The detector's events for this input, in order. */
  events: readonly DetectorEvent[];
}

const KNOWN = new Set(["sampleRate", "encoding", "method", "notchFallback", "onSpan", "delayMs", "guardBeforeMs", "guardAfterMs", "fragments", "fragmentLevelDbm0", "candidates", "onEvent", "engine",
  "minLevelDbm0", "normalTwistDb", "reverseTwistDb", "peakRatioDb", "purityDb", "pressPurityDb", "frequencyTolerancePct", "minToneMs", "gapMs", "keys"]);

export class LiveRedactor {
  readonly sampleRate: number;
  readonly encoding: Encoding;
  readonly method: RedactMethod;
  /** The fixed delay of the output, samples (and ms). */
  readonly delaySamples: number;
  readonly delayMs: number;
  /** Samples of tone sent before their key was known (the delay was too short for them). */
  leakedSamples = 0;
  /** Spans redacted so far (since creation). */
  spansRedacted = 0;
  /** method notch: spans that fell back to `notchFallback` (since creation). */
  spansFellBack = 0;
  readonly notchFallback: NotchFallback;

  private readonly detector: Detector;
  private readonly scanner: FragmentScanner | undefined;
  readonly candidates: boolean;
  /** Spans already sent, [start, end), the last few: what of a late key's onset they covered is not a leak. */
  private readonly sentSpans: [number, number][] = [];
  private readonly codec: SampleCodec;
  private readonly bps: number;
  private readonly guardBefore: number;
  private readonly guardAfter: number;
  private readonly capacity: number;
  private readonly ringBytes: Uint8Array;
  private readonly ringView: DataView;
  private readonly ring: Float64Array;
  private readonly piece: number;
  private readonly fitBack: number;
  private readonly silence: Uint8Array;
  private readonly onEvent?: (event: DetectorEvent) => void;
  private readonly onSpan?: (span: LiveSpanReport) => void;
  private inPos = 0;
  /** Next sample to send (negative during the first delaySamples: silence). */
  private outPos: number;
  private spans: LiveSpan[] = [];
  private readonly levels: number[] = [];
  private levelSum = 0;
  private levelCount = 0;
  private readonly levelBlock: number;
  /** How far before the newest sample an open key's tone is surely still there: gapMs + a hop + 1 ms, samples. */
  private readonly openTail: number;
  /** A keydown means the tone lasted minToneMs from its onset; a fragment, at least 12 ms (fragments.ts). */
  private readonly minTone: number;
  private readonly minFragment: number;
  /** Candidates: how much earlier than the guard alone a candidate's span starts (FRAGMENT_HOP_MS), samples. */
  private readonly candidateLead: number;

  constructor(options: LiveRedactorOptions) {
    if (options === null || typeof options !== "object") throw new DtmfOptionError("options", "an object", options);
    for (const key of Object.keys(options)) if (!KNOWN.has(key)) throw new DtmfOptionError(key, "one of the live redactor options", "an unknown option");
    const { engine, method = DEFAULT_METHOD, delayMs = LIVE_DELAY_MS, guardBeforeMs = GUARD_BEFORE_MS, guardAfterMs = GUARD_AFTER_MS,
      fragments = false, fragmentLevelDbm0, candidates = true, notchFallback = DEFAULT_NOTCH_FALLBACK, onSpan, onEvent, ...detectorOptions } = options;
    if (!METHODS.includes(method)) throw new DtmfOptionError("method", `one of ${METHODS.join(", ")}`, method);
    checkNumber("delayMs", delayMs, 0, MAX_DELAY_MS);
    checkNumber("guardBeforeMs", guardBeforeMs, 0, MAX_GUARD_MS);
    checkNumber("guardAfterMs", guardAfterMs, 0, MAX_GUARD_MS);
    if (fragmentLevelDbm0 !== undefined) checkNumber("fragmentLevelDbm0", fragmentLevelDbm0, -70, 0);
    if (typeof fragments !== "boolean") throw new DtmfOptionError("fragments", "true or false", fragments);
    if (typeof candidates !== "boolean") throw new DtmfOptionError("candidates", "true or false", candidates);
    if (!NOTCH_FALLBACKS.includes(notchFallback)) throw new DtmfOptionError("notchFallback", `one of ${NOTCH_FALLBACKS.join(", ")}`, notchFallback);
    this.notchFallback = notchFallback;
    if (onSpan !== undefined && typeof onSpan !== "function") throw new DtmfOptionError("onSpan", "a function", onSpan);
    this.onSpan = onSpan;
    if (onEvent !== undefined && typeof onEvent !== "function") throw new DtmfOptionError("onEvent", "a function", onEvent);
    if (typeof engine !== "object" || engine === null || typeof (engine as DtmfEngine).createDetector !== "function") {
      throw new DtmfOptionError("engine", "a DtmfEngine (await DtmfEngine.create())", engine);
    }
    const resolved = resolveOptions(detectorOptions);
    this.sampleRate = resolved.sampleRate;
    this.encoding = resolved.encoding;
    this.method = method;
    this.onEvent = onEvent;
    const rate = this.sampleRate;
    this.delaySamples = Math.round((delayMs * rate) / 1000);
    this.delayMs = (this.delaySamples * 1000) / rate;
    this.guardBefore = msToSamples(guardBeforeMs, rate);
    this.guardAfter = msToSamples(guardAfterMs, rate);
    this.piece = Math.round((PIECE_MS * rate) / 1000);
    this.fitBack = Math.round((FIT_BACK_MS * rate) / 1000);
    this.levelBlock = Math.round((LEVEL_BLOCK_MS * rate) / 1000);
    this.openTail = msToSamples(resolved.gapMs + HOP_MS + 1, rate);
    this.minTone = Math.floor((resolved.minToneMs * rate) / 1000);
    this.minFragment = Math.floor((MIN_FRAGMENT_MS * rate) / 1000);
    this.outPos = -this.delaySamples;
    this.capacity = this.delaySamples + this.fitBack + this.piece + 1;
    this.bps = BYTES[this.encoding];
    this.ringBytes = new Uint8Array(this.capacity * this.bps);
    this.ringView = new DataView(this.ringBytes.buffer);
    this.ring = new Float64Array(this.capacity);
    this.codec = encodingCodec(this.encoding);
    this.silence = new Uint8Array(this.bps);
    this.codec.silence(new DataView(this.silence.buffer), 0);
    this.detector = engine.createDetector(detectorOptions);
    // Candidates: the finder's floor is the detector's (what it could still confirm), unless a fragment level is given lower.
    const level = candidates ? Math.min(fragmentLevelDbm0 ?? resolved.minLevelDbm0, resolved.minLevelDbm0) : (fragmentLevelDbm0 ?? FRAGMENT_LEVEL_DBM0);
    this.candidates = candidates;
    this.candidateLead = candidates ? msToSamples(FRAGMENT_HOP_MS, rate) : 0;
    this.scanner = fragments || candidates ? new FragmentScanner(rate, level) : undefined;
  }

  /** Samples taken in so far (media time of the input). */
  get positionSamples(): number { return this.inPos; }

  /**
   * Takes a chunk (pcm16: Int16Array or bytes; float32: Float32Array or bytes; G.711: bytes),
   * returns as many samples, delayed by delaySamples and with the keys removed, in the same type,
   * and the detector's events.
   */
  process<T extends AudioChunk>(chunk: T): LiveResult<T> {
    const bytes = this.bytesOf(chunk);
    const out = new Uint8Array(bytes.length);
    const events: DetectorEvent[] = [];
    for (let at = 0; at < bytes.length; at += this.piece * this.bps) {
      const piece = bytes.subarray(at, Math.min(bytes.length, at + this.piece * this.bps));
      this.take(piece, events);
      this.emit(piece.length / this.bps, out.subarray(at, at + piece.length));
    }
    return { audio: this.asType(chunk, out), events };
  }

  /**
   * End of stream: reports the press still open and returns the last delaySamples of audio;
   * then media time restarts at 0 (the redactor can take a new stream).
   */
  flush(): LiveResult<Uint8Array> {
    const events: DetectorEvent[] = [];
    this.handle(this.detector.flush(), events);
    if (this.scanner) this.fragmentsEnded(this.scanner.flush());
    for (const span of this.spans) {
      for (const k of span.keys) if (k.open) { k.open = false; k.t1 = this.inPos; }
      if (span.end === Number.POSITIVE_INFINITY) span.end = Math.min(this.inPos, Math.max(...span.keys.map((k) => k.t1)) + this.guardAfter);
    }
    const out = new Uint8Array(this.delaySamples * this.bps);
    for (let at = 0; at < this.delaySamples; at += this.piece) {
      const n = Math.min(this.piece, this.delaySamples - at);
      this.emit(n, out.subarray(at * this.bps, (at + n) * this.bps));
    }
    this.inPos = 0;
    this.outPos = -this.delaySamples;
    this.spans = [];
    this.levels.length = 0;
    this.levelSum = this.levelCount = 0;
    return { audio: out, events };
  }

  /** Frees the detector channels. Idempotent. */
  close(): void {
    this.detector.close();
  }

  private bytesOf(chunk: AudioChunk): Uint8Array {
    const ok = chunk instanceof Uint8Array || (this.encoding === "pcm16" && chunk instanceof Int16Array) || (this.encoding === "float32" && chunk instanceof Float32Array);
    if (!ok) {
      const got = ArrayBuffer.isView(chunk) ? (chunk as object).constructor.name : chunk === null ? "null" : typeof chunk;
      throw new DtmfInputError(`a ${this.encoding} redactor takes ${this.encoding === "pcm16" ? "an Int16Array or " : this.encoding === "float32" ? "a Float32Array or " : ""}a Uint8Array of bytes; received ${got}`);
    }
    const bytes = chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (bytes.length % this.bps !== 0) {
      throw new DtmfInputError(`${this.encoding} input given as bytes must be a multiple of ${this.bps} bytes long; received ${bytes.length} bytes`);
    }
    return bytes;
  }

  private asType<T extends AudioChunk>(chunk: T, out: Uint8Array): T {
    if (chunk instanceof Int16Array) return new Int16Array(out.buffer, 0, out.length / 2) as T;
    if (chunk instanceof Float32Array) return new Float32Array(out.buffer, 0, out.length / 4) as T;
    return out as T;
  }

  /** A piece into the delay line and through the detectors. */
  private take(piece: Uint8Array, events: DetectorEvent[]): void {
    const n = piece.length / this.bps;
    const view = new DataView(piece.buffer, piece.byteOffset, piece.byteLength);
    const floats = this.scanner ? new Float64Array(n) : undefined;
    // The bytes in at most two runs (the ring wraps once at most: a piece is shorter than the ring).
    const slot0 = this.inPos % this.capacity;
    const head = Math.min(n, this.capacity - slot0);
    this.ringBytes.set(piece.subarray(0, head * this.bps), slot0 * this.bps);
    if (head < n) this.ringBytes.set(piece.subarray(head * this.bps), 0);
    for (let i = 0; i < n; i++) {
      const v = this.codec.read(view, i * this.bps);
      this.ring[(slot0 + i) % this.capacity] = v;
      if (floats) floats[i] = v;
    }
    const detected = this.detector.process(piece);
    this.inPos += n;
    this.handle(detected, events);
    if (this.scanner && floats) {
      this.fragmentsEnded(this.scanner.push(floats));
      const open = this.scanner.open;
      if (open && this.overlapsKey(open.t0, Number.POSITIVE_INFINITY)) this.widenKeySpan(open);
      else if (open && !this.findFragment(open.t0)) this.open({ ...open, t1: Number.POSITIVE_INFINITY, open: true });
    }
  }

  private handle(detected: readonly DetectorEvent[], events: DetectorEvent[]): void {
    for (const e of detected) {
      events.push(e);
      this.onEvent?.(e);
      if (e.type === "keydown") this.open(liveKey(e));
      else this.closeKey(e);
    }
  }

  private findFragment(t0: number): { span: LiveSpan; key: LiveKey } | undefined {
    for (const span of this.spans) for (const key of span.keys) if (key.kind === "fragment" && key.t0 === t0) return { span, key };
    return undefined;
  }

  /** Fragments the scanner saw end: their spans close (or open and close, if never seen open). */
  private fragmentsEnded(ended: FoundKey[]): void {
    for (const f of ended) {
      if (this.overlapsKey(f.t0, f.t1)) { this.widenKeySpan(f); continue; }
      const found = this.findFragment(f.t0);
      if (!found) {
        this.open({ ...f, open: false });
        continue;
      }
      found.key.open = false;
      found.key.t1 = f.t1;
      if (found.span.keys.every((k) => !k.open)) found.span.end = Math.max(...found.span.keys.map((k) => k.t1)) + this.guardAfter;
    }
  }

  /** A key (or fragment) found: its span opens from onset − guard (what is already sent cannot be). */
  private open(key: LiveKey): void {
    const sent = this.outPos;
    const kind = key.kind;
    if (kind === "key") this.leakedSamples += this.uncovered(key.t0, Math.min(sent, key.t1));
    const start = Math.max(key.t0 - this.guardBefore - (kind === "fragment" ? this.candidateLead : 0), sent, 0);
    const last = this.spans[this.spans.length - 1];
    const end = key.open ? Number.POSITIVE_INFINITY : key.t1 + this.guardAfter;
    if (last && start <= last.end) {
      this.widen(last, start);
      last.end = key.open ? Number.POSITIVE_INFINITY : Math.max(last.end, end);
      if (kind === "key") last.keys = last.keys.filter((k) => k.kind === "key" || !(k.t0 < key.t1 && key.t0 < k.t1));
      last.keys.push(key);
    } else {
      this.spans.push({ start, end, keys: [key], noiseRms: this.surroundingRms(), seed: (Math.imul(start, 0x9e3779b1) >>> 0), fellBack: [] });
      this.spansRedacted++;
    }
  }

  /**
   * A span's start moved earlier (never over what is sent, nor into the span before it). With
   * this, a key's span starts at the earlier of its own onset − guard and an overlapping
   * pair's start − guard − lead, whichever of the two was found first: the output does not
   * depend on the chunking, which decides only the order in which they are seen.
   */
  private widen(span: LiveSpan, start: number): void {
    const i = this.spans.indexOf(span);
    const floor = Math.max(this.outPos, 0, i > 0 ? this.spans[i - 1].end : 0);
    span.start = Math.min(span.start, Math.max(start, floor));
  }

  /** A pair found over a key already known: the key's span starts no later than the pair's would. */
  private widenKeySpan(f: FoundKey): void {
    const t1 = f.t1;
    const span = this.spans.find((s) => s.keys.some((k) => k.kind === "key" && k.t0 < t1 && f.t0 < k.t1));
    if (span) this.widen(span, f.t0 - this.guardBefore - this.candidateLead);
  }

  /** A press over: its end, measured frequencies; the span closes at end + guard. */
  private closeKey(e: DtmfEvent): void {
    const kind = "key";
    const { lowHz, highHz } = keyFrequencies(e.digit);
    const end = e.startSample + e.durationSamples;
    let key: LiveKey | undefined;
    let span: LiveSpan | undefined;
    for (let i = this.spans.length - 1; i >= 0 && !key; i--) {
      key = this.spans[i].keys.find((k) => k.open && k.kind === kind && k.digit === e.digit);
      span = this.spans[i];
    }
    if (!key || !span) {
      // A press reported without its keydown (it cannot be, but be safe): redact what is still here.
      this.open({ ...liveKey(e), t1: end, lowHz: lowHz + e.lowErrorHz, highHz: highHz + e.highErrorHz, open: false });
      return;
    }
    key.open = false;
    key.t0 = e.startSample;
    key.t1 = end;
    key.lowHz = lowHz + e.lowErrorHz;
    key.highHz = highHz + e.highErrorHz;
    key.hzMeasured = true;
    if (span.keys.every((k) => !k.open)) span.end = Math.max(...span.keys.map((k) => k.t1)) + this.guardAfter;
  }

  /** Samples of [a, b) (already sent) that no span redacted. */
  private uncovered(a: number, b: number): number {
    if (b <= a) return 0;
    const covered = [...this.sentSpans, ...this.spans.map((s): [number, number] => [s.start, s.end])]
      .map(([s, e]): [number, number] => [Math.max(a, s), Math.min(b, e)]).filter(([s, e]) => e > s).sort((p, q) => p[0] - q[0]);
    let n = 0, at = a;
    for (const [s, e] of covered) { if (s > at) n += s - at; at = Math.max(at, e); }
    return n + Math.max(0, b - at);
  }

  private overlapsKey(t0: number, t1: number): boolean {
    return this.spans.some((s) => s.keys.some((k) => k.kind === "key" && k.t0 < t1 && t0 < k.t1));
  }

  /** Sends the next n samples (input delayed by delaySamples) into `out`, keys removed. */
  private emit(n: number, out: Uint8Array): void {
    const first = this.outPos;
    this.outPos += n;
    // The first delaySamples of a stream are silence; then the delayed bytes, in at most two runs of the ring.
    let i = 0;
    for (; i < n && first + i < 0; i++) out.set(this.silence, i * this.bps);
    while (i < n) {
      const slot = (first + i) % this.capacity;
      const run = Math.min(n - i, this.capacity - slot);
      out.set(this.ringBytes.subarray(slot * this.bps, (slot + run) * this.bps), i * this.bps);
      i += run;
    }
    const last = first + n;
    this.follow();
    for (const span of this.spans) {
      const a = Math.max(span.start, first), b = Math.min(span.end, last);
      if (b > a) this.redact(span, a, b, first, out);
    }
    this.track(first, last);
    // Spans wholly sent are done.
    while (this.spans.length && this.spans[0].end <= last) {
      const done = this.spans.shift()!;
      this.sentSpans.push([done.start, done.end]);
      this.onSpan?.({
        startSample: done.start, endSample: done.end, method: done.fellBack.length ? `${this.method}→${this.notchFallback}` : this.method,
        ...(done.fellBack.length ? { fellBack: done.fellBack } : {}),
        kind: done.keys.some((k) => k.kind === "key") ? "key" : "fragment",
      });
      if (this.sentSpans.length > SENT_SPANS_KEPT) this.sentSpans.shift();
    }
  }

  /**
   * Closed keys whose reported end may be early: the tones followed on the audio in the delay
   * line, 16 ms blocks at a time, the span stretched while they go on.
   */
  private follow(): void {
    for (const span of this.spans) {
      for (const key of span.keys) {
        if (key.open || key.settled || key.kind !== "key") continue;
        const block = Math.round(0.016 * this.sampleRate);
        if (key.t1 + block > this.inPos) continue;
        const from = key.t1;
        const x = new Float64Array(this.inPos - from);
        for (let p = from; p < this.inPos; p++) x[p - from] = this.ring[p % this.capacity];
        const end = from + followTone(x, 0, x.length, [key.lowHz, key.highHz], [dbm0ToPower(key.lowDbm0), dbm0ToPower(key.highDbm0)], this.sampleRate);
        if (end === from) { key.settled = true; continue; }
        // Still going: stretch to where it was last seen and look again when more audio is in.
        key.t1 = end - Math.round(block / 2);
        span.end = Math.max(span.end, key.t1 + this.guardAfter + block);
      }
    }
  }

  /** Redacts samples [a, b) of `span` into `out` (whose first sample is `first`). */
  private redact(span: LiveSpan, a: number, b: number, first: number, out: Uint8Array): void {
    // The audio the method may look at: the span's part still in the delay line (and before a, for the fit).
    // Only the notch fits on context (before a, and the look-ahead after b); the other methods replace [a, b) from the span's own parameters.
    const oldest = Math.max(0, this.inPos - this.capacity + 1);
    const notch = this.method === "notch";
    const lo = notch ? Math.max(span.start, oldest, a - this.fitBack) : a;
    const hi = notch ? Math.min(span.end, this.inPos) : b;
    const x = new Float64Array(hi - lo);
    for (let p = lo; p < hi; p++) x[p - lo] = this.ring[p % this.capacity];
    const y = Float64Array.from(x);
    const keys: KeyJob[] = span.keys
      .filter((k) => !(k.kind === "fragment" && span.keys.some((o) => o.kind === "key" && o.t0 < k.t1 && k.t0 < o.t1)))
      .map((key) => ({
        key, t0: key.t0 - lo, t1: Math.min(key.t1, hi) - lo, startInside: key.t0 >= lo, endInside: !key.open && key.t1 <= hi,
        sureEnd: key.open ? Math.max(key.t0 + (key.kind === "key" ? this.minTone : this.minFragment), this.inPos - this.openTail) - lo : undefined,
      }));
    const job = {
      from: a - lo, to: b - lo, lo: 0, hi: hi - lo, keys, rate: this.sampleRate, noiseRms: span.noiseRms,
      seed: span.seed,
      noise: this.method === "noise" || (notch && this.notchFallback === "noise") ? (span.noise ??= new ComfortNoise(span.noiseRms, span.seed, this.sampleRate)) : undefined,
      offsetInSpan: a - span.start, spanLength: span.end === Number.POSITIVE_INFINITY ? undefined : span.end - span.start,
    };
    const measures = applyMethod(this.method, x, y, job);
    // The notch cannot promise the target over this piece (too little of the tone yet, or other sound at its frequencies),
    // or it left nothing to keep but the key's residue (or fitted nothing here: no estimate reads as nothing left): the fallback writes it.
    if (notch && this.notchFallback !== "none" && notchDoubt(notchUncertaintyDb(measures), notchLeftDb(measures)) !== undefined) {
      if (span.fellBack.length === 0) this.spansFellBack++;
      const last = span.fellBack[span.fellBack.length - 1];
      if (last && last[1] === a) last[1] = b;
      else span.fellBack.push([a, b]);
      y.set(x);
      applyMethod(this.notchFallback, x, y, job);
    }
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    for (let p = a; p < b; p++) {
      const v = y[p - lo];
      if (v !== x[p - lo]) this.codec.write(view, (p - first) * this.bps, v);
    }
  }

  /** The surrounding level: blocks of sent audio outside spans. */
  private track(first: number, last: number): void {
    for (let p = Math.max(0, first); p < last; p++) {
      if (this.spans.some((s) => p >= s.start && p < s.end)) continue;
      const v = this.ring[p % this.capacity];
      this.levelSum += v * v;
      if (++this.levelCount === this.levelBlock) {
        this.levels.push(this.levelSum / this.levelCount);
        if (this.levels.length > LEVEL_BLOCKS) this.levels.shift();
        this.levelSum = this.levelCount = 0;
      }
    }
  }

  private surroundingRms(): number {
    if (this.levels.length === 0) return 0;
    const sorted = [...this.levels].sort((p, q) => p - q);
    return Math.sqrt(sorted[sorted.length >> 1]);
  }
}

function liveKey(e: KeyDownEvent | DtmfEvent): LiveKey {
  const { lowHz, highHz } = keyFrequencies(e.digit);
  return { kind: "key", digit: e.digit, t0: e.startSample, t1: Number.POSITIVE_INFINITY, lowHz, highHz, lowDbm0: e.lowDbm0, highDbm0: e.highDbm0, open: true };
}

/** Options of createLiveRedactor: the engine may be left out (the shared default engine). */
export type CreateLiveRedactorOptions = Omit<LiveRedactorOptions, "engine"> & { engine?: DtmfEngine };

/**
 * A live redactor for one call (one channel): `process(chunk) → { audio, events }` per frame,
 * `flush()` at hang-up, `close()` to free its detector channel.
 */
export async function createLiveRedactor(options: CreateLiveRedactorOptions = {}): Promise<LiveRedactor> {
  if (options === null || typeof options !== "object") throw new DtmfOptionError("options", "an object", options);
  return new LiveRedactor({ ...options, engine: options.engine ?? (await defaultEngine()) });
}
