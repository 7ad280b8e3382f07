/**
 * The multi-channel engine: one WebAssembly instance whose linear memory holds the input
 * region, the event records and the state of every channel (`bytesPerChannel`, 512 bytes). Creating an
 * engine is the only asynchronous step; everything after it is synchronous.
 */
import { Detector } from "./detector.js";
import { DtmfCapacityError, DtmfOptionError, DtmfWasmError } from "./errors.js";
import { type DetectorOptions, ENCODINGS, resolveOptions, writeConfig } from "./options.js";
import type { DetectorEvent } from "./events.js";
import { type CoreExports, type WasmSource, compileCore, instantiateCore } from "./wasm.js";

export interface EngineOptions {
  /** Where to load the core from (default: the package's build/dtmf.wasm, compiled once). */
  wasm?: WasmSource;
}

export interface ChannelOptions extends DetectorOptions {
  /** Called with each event as it is decided, in addition to process()'s return value. */
  onEvent?: (event: DetectorEvent) => void;
}

// Error codes of assembly/index.ts.
const ERR_RATE = -1, ERR_ENCODING = -2, ERR_CHANNELS = -3, ERR_RATES = -4;

/** Typed-array views over the core's memory; rebuilt when the memory grows (growth detaches them). */
export class CoreViews {
  buffer!: ArrayBuffer;
  u8!: Uint8Array;
  i16!: Int16Array;
  f32!: Float32Array;
  events!: Float64Array;
  config!: DataView;
  readonly inputBytes: number;
  readonly eventFields: number;

  constructor(readonly core: CoreExports) {
    this.inputBytes = core.INPUT_BYTES.value as number;
    this.eventFields = core.eventFields();
    this.refresh();
  }

  /**
   * Rebuilds the views if opening a channel grew the memory. Growth detaches the old buffer,
   * which leaves every view over it with length 0: that field read is the cheap test the
   * per-chunk path uses (reading `memory.buffer` costs more than processing 20 samples).
   */
  refresh(): void {
    if (this.u8 !== undefined && this.u8.length !== 0) return;
    const buffer = this.core.memory.buffer;
    this.buffer = buffer;
    const input = this.core.inputAddress();
    this.u8 = new Uint8Array(buffer, input, this.inputBytes);
    this.i16 = new Int16Array(buffer, input, this.inputBytes >> 1);
    this.f32 = new Float32Array(buffer, input, this.inputBytes >> 2);
    this.events = new Float64Array(buffer, this.core.eventRecordsAddress(), this.core.eventCapacity() * this.eventFields);
    this.config = new DataView(buffer, this.core.configAddress(), 64);
  }
}

export class DtmfEngine {
  /** @internal */ readonly views: CoreViews;

  private constructor(readonly core: CoreExports) {
    this.views = new CoreViews(core);
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
    writeConfig(this.views.config, 0, resolved);
    const handle = this.core.open(resolved.sampleRate, ENCODINGS[resolved.encoding]);
    this.views.refresh();
    if (handle === ERR_CHANNELS) throw new DtmfCapacityError(`this engine has ${this.core.maxChannels()} channels open, its maximum`);
    if (handle === ERR_RATES) throw new DtmfCapacityError("this engine already serves 64 different sample rates, its maximum");
    if (handle === ERR_RATE || handle === ERR_ENCODING || handle <= 0) throw new DtmfWasmError(`open() failed with code ${handle}`);
    return new Detector(this, handle, resolved, onEvent);
  }

  /** Channels open now. */
  get channelsOpen(): number { return this.core.channelsOpen(); }
  /** Bytes of WASM memory each channel's state takes. */
  get bytesPerChannel(): number { return this.core.channelBytes(); }
  /** Bytes of linear memory the engine holds (grows with the largest number of channels open at once). */
  get memoryBytes(): number { return this.core.memory.buffer.byteLength; }
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
