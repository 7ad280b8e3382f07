/**
 * A Node.js Transform: audio bytes in (s16le, f32le, μ-law or A-law at the detector's rate),
 * the detector's events out as objects. Backpressure is Node's own: when the reader falls
 * behind (more than readableHighWaterMark events waiting), the Transform stops taking input
 * and write() returns false until it drains. Chunks may split samples anywhere; the stream
 * flushes the detector at its end (a press still open is reported) and frees its channel when
 * it ends or is destroyed. Errors are the library's typed errors.
 *
 * ```js
 * await pipeline(createReadStream("call.ulaw"), await createDtmfTransform({ encoding: "mulaw" }),
 *   async function* (events) { for await (const e of events) console.log(e.type, e.digit); });
 * ```
 */
import { Transform, type TransformCallback } from "node:stream";
import { type DtmfEngine, defaultEngine } from "../engine.js";
import { DtmfInputError, DtmfOptionError } from "../errors.js";
import type { DetectorEvent } from "../events.js";
import { checkNumber } from "../options.js";
import { ByteDetector, type DetectStreamOptions, splitStreamOptions } from "./core.js";

export type { DetectStreamOptions, StreamEvents } from "./core.js";

export interface DtmfTransformOptions extends DetectStreamOptions {
  /** Events buffered for a slow reader before backpressure sets in, 1 to 65536. Default 16. */
  readableHighWaterMark?: number;
  /** Input bytes buffered before write() returns false, 1 to 2^24. Default 16384. */
  writableHighWaterMark?: number;
  /**
   * What to do when the input ends inside a sample (an odd byte of s16le…): "error" (default:
   * the stream fails with a DtmfInputError after passing on every event) or "ignore".
   */
  partialSample?: "error" | "ignore";
}

/** How often a failing stream checks that its last events were read, ms (a wait, not a deadline). */
const DELIVERY_POLL_MS = 1;

const EXTRA = ["readableHighWaterMark", "writableHighWaterMark", "partialSample"] as const;
const DEFAULT_READABLE_HWM = 16;
const DEFAULT_WRITABLE_HWM = 16384;
const MAX_READABLE_HWM = 65536;
const MAX_WRITABLE_HWM = 2 ** 24;

export class DtmfTransform extends Transform {
  private readonly input: ByteDetector;
  private readonly partialSample: "error" | "ignore";

  constructor(options: DtmfTransformOptions) {
    const { engine, events, detector, rest } = splitStreamOptions(options, EXTRA);
    const readableHighWaterMark = checkNumber("readableHighWaterMark", rest.readableHighWaterMark ?? DEFAULT_READABLE_HWM, 1, MAX_READABLE_HWM, true);
    const writableHighWaterMark = checkNumber("writableHighWaterMark", rest.writableHighWaterMark ?? DEFAULT_WRITABLE_HWM, 1, MAX_WRITABLE_HWM, true);
    const partialSample = rest.partialSample ?? "error";
    if (partialSample !== "error" && partialSample !== "ignore") throw new DtmfOptionError("partialSample", "one of error, ignore", partialSample);
    // The channel is opened before the stream exists, so a bad option throws here, typed.
    const input = new ByteDetector(engine, detector, events);
    super({ readableObjectMode: true, writableObjectMode: false, decodeStrings: false, readableHighWaterMark, writableHighWaterMark });
    this.input = input;
    this.partialSample = partialSample;
  }

  /** Sample rate and encoding in force, with the tuning (defaults filled in). */
  get settings() { return this.input.detector.settings; }
  /** Samples taken in so far: media time of the stream's input, in samples. */
  get positionSamples(): number { return this.input.positionSamples; }
  /** Bytes of an incomplete sample held for the next chunk (0 to bytes-per-sample − 1). */
  get leftoverBytes(): number { return this.input.leftoverBytes; }

  override _transform(chunk: unknown, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (typeof chunk === "string") {
      callback(new DtmfInputError("a DTMF stream takes audio bytes (Buffer/Uint8Array); received a string"));
      return;
    }
    let events: readonly DetectorEvent[];
    try {
      events = this.input.push(chunk as Uint8Array);
    } catch (error) {
      callback(error as Error);
      return;
    }
    for (const event of events) this.push(event);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    let result: ReturnType<ByteDetector["finish"]>;
    try {
      result = this.input.finish();
    } catch (error) {
      callback(error as Error);
      return;
    }
    for (const event of result.events) this.push(event);
    if (result.error !== undefined && this.partialSample === "error") this.failAfterDelivery(result.error, callback);
    else callback(null);
  }

  /**
   * Fails the stream with `error` once every event already pushed has been read. Failing at
   * once would destroy the stream with those events still buffered, and a reader such as
   * pipeline()'s async-generator stage would never see them. The readable buffer is checked
   * every DELIVERY_POLL_MS (not by listening for 'data', which would switch the stream
   * to flowing mode); the wait ends when it is empty or the stream is destroyed.
   */
  private failAfterDelivery(error: Error, callback: TransformCallback): void {
    const attempt = () => {
      if (this.destroyed) return;
      if (this.readableLength === 0) callback(error);
      else setTimeout(attempt, DELIVERY_POLL_MS);
    };
    attempt();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.input.close();
    callback(error);
  }
}

/** Options of createDtmfTransform: the engine may be left out (the shared default engine). */
export type CreateDtmfTransformOptions = Omit<DtmfTransformOptions, "engine"> & { engine?: DtmfEngine };

/** A DtmfTransform on `options.engine`, or on the shared default engine (loaded on first use). */
export async function createDtmfTransform(options: CreateDtmfTransformOptions = {}): Promise<DtmfTransform> {
  if (options === null || typeof options !== "object") throw new DtmfOptionError("options", "an object", options);
  return new DtmfTransform({ ...options, engine: options.engine ?? (await defaultEngine()) });
}
