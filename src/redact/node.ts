/**
 * A Node.js Transform that redacts live audio: bytes in (s16le, f32le, μ-law or A-law), the
 * same bytes out `delayMs` later (40 ms by default) with every key removed; the detector's
 * events come out beside the audio as "dtmf-event" events (and through `onEvent`). A chunk of
 * whole samples gives an output chunk of the same length; at the end the last `delayMs` of
 * audio follow. Errors are the library's typed errors.
 *
 * ```js
 * const redact = await createRedactTransform({ encoding: "mulaw", method: "notch" });
 * redact.on("dtmf-event", (e) => console.log(e.type, e.digit));
 * await pipeline(callAudio, redact, transcriptionSocketStream);
 * ```
 */
import { Transform, type TransformCallback } from "node:stream";
import { type DtmfEngine, defaultEngine } from "../engine.js";
import { DtmfInputError, DtmfOptionError } from "../errors.js";
import { ByteRedactor } from "./bytes.js";
import { LiveRedactor, type LiveRedactorOptions } from "./live.js";

export interface RedactTransformOptions extends LiveRedactorOptions {
  /**
   * What to do when the input ends inside a sample: "error" (default: the stream fails with a
   * DtmfInputError after the last audio and events) or "ignore".
   */
  partialSample?: "error" | "ignore";
}

export class RedactTransform extends Transform {
  readonly redactor: LiveRedactor;
  private readonly input: ByteRedactor;
  private readonly partialSample: "error" | "ignore";

  constructor(options: RedactTransformOptions) {
    if (options === null || typeof options !== "object") throw new DtmfOptionError("options", "an object", options);
    const { partialSample = "error", ...rest } = options;
    if (partialSample !== "error" && partialSample !== "ignore") throw new DtmfOptionError("partialSample", "one of error, ignore", partialSample);
    const redactor = new LiveRedactor(rest);
    super({ decodeStrings: false });
    this.redactor = redactor;
    this.input = new ByteRedactor(redactor);
    this.partialSample = partialSample;
  }

  /** The fixed delay of the output, samples. */
  get delaySamples(): number { return this.redactor.delaySamples; }

  override _transform(chunk: unknown, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (typeof chunk === "string") {
      callback(new DtmfInputError("a redacting stream takes audio bytes (Buffer/Uint8Array); received a string"));
      return;
    }
    let result: ReturnType<ByteRedactor["push"]>;
    try {
      result = this.input.push(chunk);
    } catch (error) {
      callback(error as Error);
      return;
    }
    for (const event of result.events) this.emit("dtmf-event", event);
    callback(null, result.audio.length ? Buffer.from(result.audio.buffer, result.audio.byteOffset, result.audio.byteLength) : undefined);
  }

  override _flush(callback: TransformCallback): void {
    let result: ReturnType<ByteRedactor["finish"]>;
    try {
      result = this.input.finish();
    } catch (error) {
      callback(error as Error);
      return;
    }
    for (const event of result.events) this.emit("dtmf-event", event);
    if (result.audio.length) this.push(Buffer.from(result.audio.buffer, result.audio.byteOffset, result.audio.byteLength));
    callback(result.error !== undefined && this.partialSample === "error" ? result.error : null);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.input.close();
    callback(error);
  }
}

export type CreateRedactTransformOptions = Omit<RedactTransformOptions, "engine"> & { engine?: DtmfEngine };

/** A RedactTransform on `options.engine`, or on the shared default engine. */
export async function createRedactTransform(options: CreateRedactTransformOptions = {}): Promise<RedactTransform> {
  if (options === null || typeof options !== "object") throw new DtmfOptionError("options", "an object", options);
  return new RedactTransform({ ...options, engine: options.engine ?? (await defaultEngine()) });
}
