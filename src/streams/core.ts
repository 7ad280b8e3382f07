/**
 * What the Node and Web stream adapters share (no Node imports, so it runs in browsers): a
 * detector on a shared engine fed with raw bytes. Chunks may split a sample anywhere: up to
 * bytesPerSample − 1 bytes are carried into the next chunk (in a buffer made once), so the
 * detector sees exactly the byte stream it would see in one piece and gives the same events
 * whatever the chunking.
 */
import { DtmfEngine } from "../engine.js";
import type { Detector } from "../detector.js";
import { DtmfInputError, DtmfOptionError } from "../errors.js";
import type { DetectorEvent } from "../events.js";
import type { DetectorOptions } from "../options.js";

/** Which events a stream passes on. */
export type StreamEvents = "all" | "keydown" | "dtmf";

export interface DetectStreamOptions extends DetectorOptions {
  /** The engine whose channel the stream uses; share one across thousands of streams. */
  engine: DtmfEngine;
  /** Events to pass on: "all" (default), only "keydown", or only "dtmf" (finished presses). */
  events?: StreamEvents;
}

/** Bytes of one sample, little-endian: s16le, f32le, one G.711 byte. */
const STREAM_EVENTS: readonly StreamEvents[] = ["all", "keydown", "dtmf"];
const EMPTY: readonly DetectorEvent[] = Object.freeze([]);

/** Splits off the stream options; what remains is checked by the detector (unknown keys rejected). */
export function splitStreamOptions<T extends DetectStreamOptions>(options: T, extra: readonly string[] = []): {
  engine: DtmfEngine; events: StreamEvents; detector: DetectorOptions; rest: Record<string, unknown>;
} {
  if (options === null || typeof options !== "object") throw new DtmfOptionError("options", "an object", options);
  const { engine, events = "all", ...others } = options as DetectStreamOptions & Record<string, unknown>;
  if (!(engine instanceof DtmfEngine)) throw new DtmfOptionError("engine", "a DtmfEngine (await DtmfEngine.create())", engine);
  if (!STREAM_EVENTS.includes(events)) throw new DtmfOptionError("events", `one of ${STREAM_EVENTS.join(", ")}`, events);
  const rest: Record<string, unknown> = {};
  for (const name of extra) {
    if (name in others) { rest[name] = others[name]; delete others[name]; }
  }
  return { engine, events, detector: others as DetectorOptions, rest };
}

/** One channel fed with bytes. */
export class ByteDetector {
  readonly detector: Detector;
  readonly bytesPerSample: number;
  private readonly carry: Uint8Array;
  private carried = 0;
  private samples = 0;
  private readonly keep: StreamEvents;

  constructor(engine: DtmfEngine, detectorOptions: DetectorOptions, events: StreamEvents) {
    this.detector = engine.createDetector(detectorOptions);
    this.bytesPerSample = this.detector.bytesPerSample;
    this.carry = new Uint8Array(this.bytesPerSample);
    this.keep = events;
  }

  /** Samples handed to the detector so far (media time; not reset by finish()). */
  get positionSamples(): number { return this.samples; }
  /** Bytes of an incomplete sample waiting for the next chunk. */
  get leftoverBytes(): number { return this.carried; }
  get closed(): boolean { return this.detector.closed; }

  /** Feeds raw bytes (any length, any byteOffset); returns the events they completed. */
  push(chunk: Uint8Array): readonly DetectorEvent[] {
    const bps = this.bytesPerSample;
    let out: DetectorEvent[] | undefined;
    let at = 0;
    if (this.carried > 0) {
      const need = Math.min(bps - this.carried, chunk.length);
      this.carry.set(chunk.subarray(0, need), this.carried);
      this.carried += need;
      at = need;
      if (this.carried < bps) return EMPTY;
      out = this.take(this.detector.process(this.carry), out);
      this.samples += 1;
      this.carried = 0;
    }
    const rest = chunk.length - at;
    const whole = rest - (rest % bps);
    if (whole > 0) {
      out = this.take(this.detector.process(at === 0 && whole === chunk.length ? chunk : chunk.subarray(at, at + whole)), out);
      this.samples += whole / bps;
    }
    if (whole < rest) {
      this.carry.set(chunk.subarray(at + whole), 0);
      this.carried = rest - whole;
    }
    return out ?? EMPTY;
  }

  /**
   * End of stream: the detector reports the press still open, then the channel is freed.
   * A stream that ended inside a sample also gets a DtmfInputError naming the bytes left
   * over (the events are valid all the same: they come from the whole samples before).
   */
  finish(): { events: readonly DetectorEvent[]; error?: DtmfInputError } {
    const events = this.take(this.detector.flush(), undefined) ?? EMPTY;
    const leftover = this.carried;
    this.close();
    if (leftover === 0) return { events };
    const encoding = this.detector.encoding;
    return {
      events,
      error: new DtmfInputError(`the ${encoding} stream ended inside a sample: ${leftover} byte${leftover === 1 ? "" : "s"} left over of a ${this.bytesPerSample}-byte sample`),
    };
  }

  /** Frees the channel. Idempotent. */
  close(): void { this.detector.close(); }

  private take(events: readonly DetectorEvent[], out: DetectorEvent[] | undefined): DetectorEvent[] | undefined {
    if (events.length === 0) return out;
    out ??= [];
    for (const event of events) if (this.keep === "all" || event.type === this.keep) out.push(event);
    return out;
  }
}

/** A chunk as bytes, without copying: Uint8Array, any other typed array or DataView, or an ArrayBuffer. */
export function asBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  const got = chunk === null ? "null" : typeof chunk === "object" ? (chunk as object).constructor?.name ?? "an object" : typeof chunk;
  throw new DtmfInputError(`a DTMF stream takes audio bytes (Uint8Array, Buffer, ArrayBuffer or a typed array); received ${got}`);
}
