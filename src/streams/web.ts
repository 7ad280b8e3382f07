/**
 * A WHATWG TransformStream (Node 20, browsers, Deno): audio bytes in, the detector's events
 * out. No Node imports. Chunks may be Uint8Array, any typed array or DataView (its bytes are
 * read: an Int16Array is s16le on every little-endian host), or ArrayBuffer, and may split
 * samples anywhere. Backpressure follows the queuing strategies: by default the transform
 * runs only while the reader wants events (readable high-water mark 0, as the Streams
 * standard's own default). The detector is flushed when the writable side closes and its
 * channel freed; an error (typed) errors both sides. Call close() on a stream you abandon
 * without closing or aborting it, to free its channel at once.
 *
 * ```js
 * const events = response.body.pipeThrough(await createDtmfTransformStream({ sampleRate: 8000, encoding: "mulaw" }));
 * for await (const e of events) console.log(e.type, e.digit);
 * ```
 */
import { type DtmfEngine, defaultEngine } from "../engine.js";
import { DtmfOptionError } from "../errors.js";
import type { DetectorEvent } from "../events.js";
import { ByteDetector, type DetectStreamOptions, asBytes, splitStreamOptions } from "./core.js";

export type { DetectStreamOptions, StreamEvents } from "./core.js";

/** What a DtmfTransformStream takes: bytes in any of these forms. */
export type AudioBytes = Uint8Array | ArrayBufferView | ArrayBuffer;

export interface DtmfTransformStreamOptions extends DetectStreamOptions {
  /**
   * What to do when the input ends inside a sample: "error" (default: the readable side errors
   * with a DtmfInputError after the final events are queued) or "ignore".
   */
  partialSample?: "error" | "ignore";
}

export class DtmfTransformStream extends TransformStream<AudioBytes, DetectorEvent> {
  private readonly input: ByteDetector;

  constructor(options: DtmfTransformStreamOptions, writableStrategy?: QueuingStrategy<AudioBytes>, readableStrategy?: QueuingStrategy<DetectorEvent>) {
    const { engine, events, detector, rest } = splitStreamOptions(options, ["partialSample"]);
    const partialSample = rest.partialSample ?? "error";
    if (partialSample !== "error" && partialSample !== "ignore") throw new DtmfOptionError("partialSample", "one of error, ignore", partialSample);
    const input = new ByteDetector(engine, detector, events);
    const transformer: Transformer<AudioBytes, DetectorEvent> & { cancel?: () => void } = {
      transform(chunk, controller) {
        try {
          for (const event of input.push(asBytes(chunk))) controller.enqueue(event);
        } catch (error) {
          input.close();
          throw error;
        }
      },
      flush(controller) {
        const { events: last, error } = input.finish();
        for (const event of last) controller.enqueue(event);
        if (error !== undefined && partialSample === "error") throw error;
      },
      // Called by runtimes that implement transformer.cancel (the readable side cancelled or
      // the writable side aborted); elsewhere close() frees the channel.
      cancel() { input.close(); },
    };
    super(transformer, writableStrategy, readableStrategy);
    this.input = input;
  }

  get settings() { return this.input.detector.settings; }
  /** Samples taken in so far (media time of the input). */
  get positionSamples(): number { return this.input.positionSamples; }
  get leftoverBytes(): number { return this.input.leftoverBytes; }
  /** Frees the detector's channel now (the stream then fails on further input). Idempotent. */
  close(): void { this.input.close(); }
}

export type CreateDtmfTransformStreamOptions = Omit<DtmfTransformStreamOptions, "engine"> & { engine?: DtmfEngine };

/** A DtmfTransformStream on `options.engine`, or on the shared default engine. */
export async function createDtmfTransformStream(
  options: CreateDtmfTransformStreamOptions = {}, writableStrategy?: QueuingStrategy<AudioBytes>, readableStrategy?: QueuingStrategy<DetectorEvent>,
): Promise<DtmfTransformStream> {
  if (options === null || typeof options !== "object") throw new DtmfOptionError("options", "an object", options);
  return new DtmfTransformStream({ ...options, engine: options.engine ?? (await defaultEngine()) }, writableStrategy, readableStrategy);
}
