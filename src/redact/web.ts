/**
 * A WHATWG TransformStream that redacts live audio (no Node imports): bytes in, the same bytes
 * out `delayMs` later with every key removed; the detector's events go to `onEvent`. A chunk of
 * whole samples gives an output chunk of the same length; when the writable side closes the
 * last `delayMs` of audio follow.
 *
 * ```js
 * const clean = micBytes.pipeThrough(await createRedactTransformStream({ sampleRate: 16000, onEvent: (e) => console.log(e.digit) }));
 * ```
 */
import { type DtmfEngine, defaultEngine } from "../engine.js";
import { DtmfOptionError } from "../errors.js";
import { ByteRedactor } from "./bytes.js";
import { LiveRedactor, type LiveRedactorOptions } from "./live.js";

export type AudioBytes = Uint8Array | ArrayBufferView | ArrayBuffer;

export interface RedactTransformStreamOptions extends LiveRedactorOptions {
  /** "error" (default): the readable side errors when the input ends inside a sample; or "ignore". */
  partialSample?: "error" | "ignore";
}

export class RedactTransformStream extends TransformStream<AudioBytes, Uint8Array> {
  readonly redactor: LiveRedactor;
  private readonly input: ByteRedactor;

  constructor(options: RedactTransformStreamOptions, writableStrategy?: QueuingStrategy<AudioBytes>, readableStrategy?: QueuingStrategy<Uint8Array>) {
    if (options === null || typeof options !== "object") throw new DtmfOptionError("options", "an object", options);
    const { partialSample = "error", ...rest } = options;
    if (partialSample !== "error" && partialSample !== "ignore") throw new DtmfOptionError("partialSample", "one of error, ignore", partialSample);
    const redactor = new LiveRedactor(rest);
    const input = new ByteRedactor(redactor);
    const transformer: Transformer<AudioBytes, Uint8Array> & { cancel?: () => void } = {
      transform(chunk, controller) {
        try {
          const { audio } = input.push(chunk);
          if (audio.length) controller.enqueue(audio);
        } catch (error) {
          input.close();
          throw error;
        }
      },
      flush(controller) {
        const { audio, error } = input.finish();
        if (audio.length) controller.enqueue(audio);
        if (error !== undefined && partialSample === "error") throw error;
      },
      cancel() { input.close(); },
    };
    super(transformer, writableStrategy, readableStrategy);
    this.redactor = redactor;
    this.input = input;
  }

  get delaySamples(): number { return this.redactor.delaySamples; }
  /** Frees the detector channel now. Idempotent. */
  close(): void { this.input.close(); }
}

export type CreateRedactTransformStreamOptions = Omit<RedactTransformStreamOptions, "engine"> & { engine?: DtmfEngine };

/** A RedactTransformStream on `options.engine`, or on the shared default engine. */
export async function createRedactTransformStream(
  options: CreateRedactTransformStreamOptions = {}, writableStrategy?: QueuingStrategy<AudioBytes>, readableStrategy?: QueuingStrategy<Uint8Array>,
): Promise<RedactTransformStream> {
  if (options === null || typeof options !== "object") throw new DtmfOptionError("options", "an object", options);
  return new RedactTransformStream({ ...options, engine: options.engine ?? (await defaultEngine()) }, writableStrategy, readableStrategy);
}
