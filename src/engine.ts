/**
 * The multi-channel engine: one WebAssembly instance whose linear memory holds the input
 * region, the event records and the state of every channel (`bytesPerChannel`, 512 bytes).
 * Creating an engine is the only asynchronous step; everything after it is synchronous.
 */
import { Detector } from "./detector.js";
import { DtmfOptionError } from "./errors.js";
import { type DetectorOptions, resolveOptions } from "./options.js";
import type { DetectorEvent } from "./events.js";
import { type CoreInstance, type WasmSource, compileCore, instantiateCore } from "./wasm.js";

export interface EngineOptions {
  /** Where to load the core from (default: the package's build/dtmf.wasm, compiled once). */
  wasm?: WasmSource;
}

export interface ChannelOptions extends DetectorOptions {
  /** Called with each event as it is decided, in addition to process()'s return value. */
  onEvent?: (event: DetectorEvent) => void;
}

export class DtmfEngine {
  /** The core instance: its exports, layout and memory views (src/wasm.ts). */
  readonly #core: CoreInstance;

  private constructor(core: CoreInstance) {
    this.#core = core;
  }

  /** Loads the core (compiled once per process for the default source) and makes an engine. */
  static async create(options: EngineOptions = {}): Promise<DtmfEngine> {
    return new DtmfEngine(await instantiateCore(await compileCore(options.wasm)));
  }

  /** Opens a channel: an independent detector whose state lives in this engine's memory. */
  createDetector(options: ChannelOptions = {}): Detector {
    const { onEvent, ...detectorOptions } = options;
    if (onEvent !== undefined && typeof onEvent !== "function") {
      throw new DtmfOptionError("onEvent", "a function", onEvent);
    }
    const resolved = resolveOptions(detectorOptions);
    const handle = this.#core.open(resolved);
    const detector = Detector.open(this.#core, handle, resolved, onEvent);
    this.#core.adopt(detector, handle); // a detector dropped without close() gives its slot back
    return detector;
  }

  /** Channels open now. */
  get channelsOpen(): number { return this.#core.channelsOpen; }
  /** Bytes of WASM memory each channel's state takes. */
  get bytesPerChannel(): number { return this.#core.layout.channelBytes; }
  /** Bytes of linear memory the engine holds (grows with the largest number of channels open at once). */
  get memoryBytes(): number { return this.#core.exports.memory.buffer.byteLength; }
}

let sharedEngine: Promise<DtmfEngine> | undefined;

/** The engine behind createDetector(): made on first use, then shared. */
export function defaultEngine(): Promise<DtmfEngine> {
  sharedEngine ??= DtmfEngine.create().catch((error: unknown) => { sharedEngine = undefined; throw error; });
  return sharedEngine;
}

/** One detector on the shared default engine: `const d = await createDetector({ sampleRate: 8000 })`. */
export async function createDetector(options: ChannelOptions = {}): Promise<Detector> {
  return (await defaultEngine()).createDetector(options);
}
