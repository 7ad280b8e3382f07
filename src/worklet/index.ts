/**
 * `dtmf-wasm/worklet`: DTMF detection in an AudioWorklet, set up from the main thread.
 *
 * ```js
 * const context = new AudioContext();
 * const dtmf = await createDtmfWorkletNode(context, { onEvent: (e) => console.log(e.type, e.digit) });
 * context.createMediaStreamSource(await navigator.mediaDevices.getUserMedia({ audio: true })).connect(dtmf.node);
 * ```
 *
 * The WebAssembly core is compiled here (worklets cannot fetch) and handed to the processor
 * as a compiled module; the processor runs it in the audio thread at the context's rate.
 */
import { DtmfError, DtmfOptionError } from "../errors.js";
import type { DetectorEvent } from "../events.js";
import { DEFAULT_TUNING, MAX_SAMPLE_RATE, MIN_SAMPLE_RATE, type DetectorTuning, rejectUnknown, resolveTuning } from "../options.js";
import { type WasmSource, compileCore } from "../wasm.js";
import { type DtmfProcessorOptions, type FromProcessor, PROCESSOR_NAME, type ToProcessor } from "./messages.js";

export { PROCESSOR_NAME, type DtmfProcessorOptions, type FromProcessor, type ToProcessor } from "./messages.js";

/** Where the processor module is: beside this file (dist/worklet/processor.js). */
export const PROCESSOR_URL = new URL("./processor.js", import.meta.url);

export interface DtmfWorkletOptions {
  /** The core: a compiled module, bytes, URL or Response. Default: the package's build/dtmf.wasm. */
  wasm?: WasmSource;
  /** The processor module's URL. Default: PROCESSOR_URL. */
  processorUrl?: string | URL;
  tuning?: DetectorTuning;
  /** Input channel to analyse, or "mix". Default 0. */
  channel?: number | "mix";
  /** Copy the analysed audio to the node's output. Default false (silent output). */
  passThrough?: boolean;
  /**
   * Connect the node to context.destination, which keeps the audio graph pulling it (its
   * output is silent unless passThrough). Default true.
   */
  connectToDestination?: boolean;
  /** Each event, with the media time (samples) at which the processor posted it. */
  onEvent?: (event: DetectorEvent, posted: { positionSamples: number }) => void;
  /** A failure in the audio thread (the processor has stopped). */
  onError?: (error: DtmfWorkletError) => void;
}

/** An error raised in the audio thread, carried over with its name and code. */
export class DtmfWorkletError extends DtmfError {
  constructor(readonly originalName: string, code: string, message: string) { super(code, `${originalName} in the DTMF worklet: ${message}`); }
}

const KNOWN = new Set(["wasm", "processorUrl", "tuning", "channel", "passThrough", "connectToDestination", "onEvent", "onError"]);

const modules = new WeakMap<BaseAudioContext, Map<string, Promise<void>>>();

/** Adds the processor module to `context` once (later calls reuse the same promise). */
export function addDtmfWorkletModule(context: BaseAudioContext, processorUrl: string | URL = PROCESSOR_URL): Promise<void> {
  const href = String(processorUrl instanceof URL ? processorUrl.href : processorUrl);
  let byUrl = modules.get(context);
  if (!byUrl) { byUrl = new Map(); modules.set(context, byUrl); }
  let added = byUrl.get(href);
  if (!added) {
    added = context.audioWorklet.addModule(href);
    byUrl.set(href, added);
    added.catch(() => byUrl!.delete(href));
  }
  return added;
}

export class DtmfWorkletNode {
  /** Connect sources to this node. */
  readonly node: AudioWorkletNode;
  readonly sampleRate: number;
  /** Settles when the engine runs in the audio thread (with the context frame of media time 0). */
  readonly ready: Promise<{ startFrame: number }>;
  private readonly flushes = new Map<number, (result: { events: DetectorEvent[]; positionSamples: number }) => void>();
  private nextFlush = 1;
  private failure: DtmfWorkletError | undefined;

  constructor(context: BaseAudioContext, module: WebAssembly.Module, options: DtmfWorkletOptions) {
    const processorOptions: DtmfProcessorOptions = {
      wasm: module, tuning: options.tuning, channel: options.channel ?? 0, passThrough: options.passThrough ?? false,
    };
    this.sampleRate = context.sampleRate;
    this.node = new AudioWorkletNode(context, PROCESSOR_NAME, {
      numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1], processorOptions,
    });
    let resolveReady!: (value: { startFrame: number }) => void;
    let rejectReady!: (error: Error) => void;
    this.ready = new Promise((resolve, reject) => { resolveReady = resolve; rejectReady = reject; });
    this.ready.catch(() => undefined);
    this.node.port.onmessage = (message: MessageEvent<FromProcessor>) => {
      const data = message.data;
      if (data.type === "ready") resolveReady({ startFrame: data.startFrame });
      else if (data.type === "events") {
        for (const event of data.events) options.onEvent?.(event, { positionSamples: data.positionSamples });
      } else if (data.type === "flushed") {
        for (const event of data.events) options.onEvent?.(event, { positionSamples: data.positionSamples });
        this.flushes.get(data.id)?.({ events: data.events, positionSamples: data.positionSamples });
        this.flushes.delete(data.id);
      } else if (data.type === "error") {
        this.failure = new DtmfWorkletError(data.name, data.code, data.message);
        rejectReady(this.failure);
        options.onError?.(this.failure);
      }
    };
    if (options.connectToDestination ?? true) this.node.connect(context.destination);
  }

  /**
   * End of stream: the processor reports the press still open and stops. Resolves once every
   * event posted before has been delivered (the port keeps order).
   */
  flush(): Promise<{ events: DetectorEvent[]; positionSamples: number }> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextFlush++;
    return new Promise((resolve) => {
      this.flushes.set(id, resolve);
      this.post({ type: "flush", id });
    });
  }

  /** Changes the tuning from the next analysis hop on. */
  configure(tuning: DetectorTuning): void { this.post({ type: "configure", tuning }); }

  /** Stops the processor and disconnects the node. */
  close(): void {
    this.post({ type: "close" });
    this.node.disconnect();
  }

  private post(message: ToProcessor): void { this.node.port.postMessage(message); }
}

/** Compiles the core (cached for the default source), adds the processor module, makes the node. */
export async function createDtmfWorkletNode(context: BaseAudioContext, options: DtmfWorkletOptions = {}): Promise<DtmfWorkletNode> {
  if (options === null || typeof options !== "object") throw new DtmfOptionError("options", "an object", options);
  rejectUnknown(options, KNOWN, "worklet");
  // Checked here, so a bad value throws on the main thread rather than in the audio thread.
  if (options.tuning !== undefined) {
    if (options.tuning === null || typeof options.tuning !== "object") throw new DtmfOptionError("tuning", "an object", options.tuning);
    rejectUnknown(options.tuning, new Set(Object.keys(DEFAULT_TUNING)), "tuning");
    resolveTuning(options.tuning);
  }
  const channel = options.channel ?? 0;
  if (channel !== "mix" && (!Number.isInteger(channel) || channel < 0)) throw new DtmfOptionError("channel", `an integer ≥ 0 or "mix"`, channel);
  for (const name of ["onEvent", "onError"] as const) {
    if (options[name] !== undefined && typeof options[name] !== "function") throw new DtmfOptionError(name, "a function", options[name]);
  }
  const rate = context.sampleRate;
  if (rate < MIN_SAMPLE_RATE || rate > MAX_SAMPLE_RATE || !Number.isInteger(rate)) {
    throw new DtmfOptionError("context.sampleRate", `an integer from ${MIN_SAMPLE_RATE} to ${MAX_SAMPLE_RATE} (make the context with { sampleRate: 48000 })`, rate);
  }
  const [module] = await Promise.all([compileCore(options.wasm), addDtmfWorkletModule(context, options.processorUrl)]);
  return new DtmfWorkletNode(context, module, options);
}
