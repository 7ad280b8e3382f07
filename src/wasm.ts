/**
 * Loading the WebAssembly core: compiled once per process (the default module is cached),
 * instantiated once per engine. The default core comes from `#core-source` (package.json
 * "imports"): in Node build/dtmf.wasm beside the package, in a browser bundle the bytes
 * embedded in the module (no separate file to serve). Any caller can also pass bytes, a URL,
 * a Response or a compiled Module.
 */
import { DtmfCapacityError, DtmfWasmError } from "./errors.js";
import { type Encoding, type ResolvedOptions, writeConfig } from "./options.js";

/**
 * A compiled core: a `WebAssembly.Module`. Spelled through `globalThis` so that these
 * declarations also compile in a Node-only project without the DOM lib (where TypeScript
 * has no WebAssembly types): there it is any object.
 */
export type CoreModule = typeof globalThis extends { WebAssembly: { Module: { prototype: infer M } } } ? M : object;

/** Anything the core can be loaded from: a compiled module, its bytes, a URL or a Response. */
export type WasmSource =
  | CoreModule
  | ArrayBuffer
  | ArrayBufferView
  | URL
  | string
  | Response
  | PromiseLike<Response>;

/** The functions assembly/index.ts exports (its constants are WebAssembly globals, below). */
interface CoreFunctions {
  inputAddress(): number;
  configAddress(): number;
  eventsAddress(): number;
  channelsOpen(): number;
  bytesPerSample(encoding: number): number;
  open(rate: number, encoding: number): number;
  configure(handle: number): number;
  close(handle: number): number;
  reset(handle: number): number;
  position(handle: number): number;
  process(handle: number, samples: number): number;
  flush(handle: number): number;
}

/** The exports of assembly/index.ts (a debug build adds probes: assembly/debug.ts). @internal */
export type CoreExports = CoreFunctions & { memory: WebAssembly.Memory } & Record<string, unknown>;

const CONFIG_FIELDS = {
  minPower: "CFG_MIN_POWER", twistLo: "CFG_TWIST_LO", twistHi: "CFG_TWIST_HI", relPeak: "CFG_REL_PEAK",
  toneTotal: "CFG_TONE_TOTAL", freqTol: "CFG_FREQ_TOL", minConfirm: "CFG_MIN_CONFIRM", gapMax: "CFG_GAP_MAX",
  keyMask: "CFG_KEY_MASK", pressPurity: "CFG_PRESS_PURITY", dialToneFilter: "CFG_DIAL_TONE_FILTER",
} as const;
const EVENT_FIELDS = {
  type: "EV_TYPE", key: "EV_KEY", start: "EV_START", duration: "EV_DURATION", decided: "EV_DECIDED",
  lowDbm0: "EV_LOW_DBM0", highDbm0: "EV_HIGH_DBM0", lowErrHz: "EV_LOW_ERR_HZ", highErrHz: "EV_HIGH_ERR_HZ",
} as const;
const ENCODING_CODES = { pcm16: "ENCODING_PCM16", float32: "ENCODING_FLOAT32", mulaw: "ENCODING_ULAW", alaw: "ENCODING_ALAW" } as const;
const ERROR_CODES = {
  rate: "ERR_RATE", encoding: "ERR_ENCODING", channels: "ERR_CHANNELS", rates: "ERR_RATES", handle: "ERR_HANDLE", length: "ERR_LENGTH",
} as const;

/**
 * The core's layout and codes, read once from its exports at instantiation: the only place
 * src/ learns them, so no TypeScript copy can drift from assembly/. @internal
 */
export interface CoreLayout {
  inputBytes: number;
  configBytes: number;
  /** Byte offsets of the configuration block's fields (assembly/config.ts). */
  config: Record<keyof typeof CONFIG_FIELDS, number>;
  /** f64 index of each field in an event record (assembly/events.ts). */
  event: Record<keyof typeof EVENT_FIELDS, number>;
  eventFields: number;
  eventCapacity: number;
  /** EV_TYPE of a keydown record (any other is a finished press, assembly/events.ts). */
  keydown: number;
  /** Encoding codes of open() and the bytes a sample of each takes in the input region. */
  encoding: Record<Encoding, number>;
  bytesPerSample: Record<Encoding, number>;
  /** The negative results of open/process/flush/... (assembly/index.ts ERR_*). */
  error: Record<keyof typeof ERROR_CODES, number>;
  maxChannels: number;
  maxRates: number;
  channelBytes: number;
}

function readLayout(exports: CoreExports): CoreLayout {
  const value = (name: string): number => {
    const global = exports[name];
    if (!(global instanceof WebAssembly.Global)) throw new DtmfWasmError(`the WebAssembly core does not export ${name}: it is not this version's build/dtmf.wasm`);
    return Number(global.value);
  };
  const table = <K extends string>(names: Record<K, string>): Record<K, number> =>
    Object.fromEntries(Object.entries<string>(names).map(([k, name]) => [k, value(name)])) as Record<K, number>;
  const encoding = table(ENCODING_CODES);
  return {
    inputBytes: value("INPUT_BYTES"),
    configBytes: value("CONFIG_BYTES"),
    config: table(CONFIG_FIELDS),
    event: table(EVENT_FIELDS),
    eventFields: value("EVENT_FIELDS"),
    eventCapacity: value("EVENT_CAPACITY"),
    keydown: value("EVENT_KEYDOWN"),
    encoding,
    bytesPerSample: Object.fromEntries(Object.entries(encoding).map(([k, code]) => [k, exports.bytesPerSample(code)])) as Record<Encoding, number>,
    error: table(ERROR_CODES),
    maxChannels: value("MAX_CHANNELS"),
    maxRates: value("MAX_RATES"),
    channelBytes: value("CHANNEL_BYTES"),
  };
}

/**
 * What a Detector needs of the core, and no more: the input views it writes samples into,
 * the event records it reads, and the per-channel calls. The engine hands its CoreInstance
 * to each detector under this type. @internal
 */
export interface ChannelPort {
  readonly layout: CoreLayout;
  readonly u8: Uint8Array;
  readonly i16: Int16Array;
  readonly f32: Float32Array;
  readonly events: Float64Array;
  refresh(): void;
  /** Events decided (≥ 0), or throws a typed error for a negative code. */
  process(handle: number, samples: number): number;
  flush(handle: number): number;
  reset(handle: number): void;
  configure(handle: number, options: ResolvedOptions): void;
  /** Closes the channel and forgets `owner` (the detector), so that its finalizer does not run. */
  close(handle: number, owner?: object): void;
  position(handle: number): number;
}

/**
 * One instance of the core: its exports, its layout and the typed-array views over its
 * memory (the input region, the event records, the configuration block). The views are
 * rebuilt when the memory grows (growth detaches them): refresh() after any call that can
 * grow it (open), and before reading events after a callback that may have opened channels.
 * @internal
 */
export class CoreInstance implements ChannelPort {
  readonly layout: CoreLayout;
  /**
   * Closes the channels of detectors dropped without close(): their slots (and rate records)
   * come back when the garbage collector reclaims the detector. close() unregisters.
   */
  private readonly dropped = new FinalizationRegistry<number>((handle) => { this.exports.close(handle); });
  u8!: Uint8Array;
  i16!: Int16Array;
  f32!: Float32Array;
  events!: Float64Array;
  config!: DataView;

  /** The per-chunk call, held directly: a lookup on the exports object costs more per call. */
  private readonly processCall: (handle: number, samples: number) => number;

  constructor(readonly exports: CoreExports) {
    this.layout = readLayout(exports);
    this.processCall = exports.process;
    this.refresh();
  }

  /**
   * Rebuilds the views if the memory grew. Growth detaches the old buffer, which leaves every
   * view over it with length 0: that field read is the cheap test the per-chunk path uses
   * (reading `memory.buffer` costs more than processing 20 samples).
   */
  refresh(): void {
    if (this.u8 !== undefined && this.u8.length !== 0) return;
    const buffer = this.exports.memory.buffer;
    const { inputBytes, eventCapacity, eventFields, configBytes } = this.layout;
    const input = this.exports.inputAddress();
    this.u8 = new Uint8Array(buffer, input, inputBytes);
    this.i16 = new Int16Array(buffer, input, inputBytes >> 1);
    this.f32 = new Float32Array(buffer, input, inputBytes >> 2);
    this.events = new Float64Array(buffer, this.exports.eventsAddress(), eventCapacity * eventFields);
    this.config = new DataView(buffer, this.exports.configAddress(), configBytes);
  }

  /** Opens a channel with `options`; the handle, or throws the typed error for the core's refusal. */
  open(options: ResolvedOptions): number {
    writeConfig(this.config, this.layout, options);
    const handle = this.exports.open(options.sampleRate, this.layout.encoding[options.encoding]);
    this.refresh();
    if (handle <= 0) this.fail("open", handle);
    return handle;
  }

  process(handle: number, samples: number): number {
    let count: number;
    try { count = this.processCall(handle, samples); } catch (error) { rethrowTrap("process", error); }
    if (count < 0) this.fail("process", count);
    return count;
  }

  flush(handle: number): number {
    let count: number;
    try { count = this.exports.flush(handle); } catch (error) { rethrowTrap("flush", error); }
    if (count < 0) this.fail("flush", count);
    return count;
  }

  reset(handle: number): void {
    const code = this.exports.reset(handle);
    if (code < 0) this.fail("reset", code);
  }

  configure(handle: number, options: ResolvedOptions): void {
    writeConfig(this.config, this.layout, options);
    const code = this.exports.configure(handle);
    if (code < 0) this.fail("configure", code);
  }

  close(handle: number, owner?: object): void {
    if (owner !== undefined) this.dropped.unregister(owner);
    this.exports.close(handle);
  }

  /** Closes `handle` once `owner` is garbage-collected, unless close(handle, owner) came first. */
  adopt(owner: object, handle: number): void {
    this.dropped.register(owner, handle, owner);
  }

  position(handle: number): number {
    return this.exports.position(handle);
  }

  get channelsOpen(): number { return this.exports.channelsOpen(); }

  /** The typed error for a negative result `code` of the core's `call`. */
  private fail(call: string, code: number): never {
    const e = this.layout.error;
    if (code === e.channels) throw new DtmfCapacityError(`this engine has ${this.layout.maxChannels} channels open, its maximum`);
    if (code === e.rates) throw new DtmfCapacityError(`this engine already serves ${this.layout.maxRates} different sample rates on open channels, its maximum (close channels to free them)`);
    const names: Record<number, string> = {
      [e.rate]: "sample rate out of range", [e.encoding]: "unknown encoding", [e.handle]: "not an open channel", [e.length]: "sample count out of range",
    };
    // The options and chunks are checked before every call, so only a bug gets here.
    throw new DtmfWasmError(`the core refused ${call}() with code ${code}${names[code] ? ` (${names[code]})` : ""}`);
  }
}

let defaultModule: Promise<WebAssembly.Module> | undefined;

/**
 * The package's `#core-source` (the Node or the browser variant, by the package.json
 * "imports" conditions), imported only when the default core or a file: URL is wanted: an
 * AudioWorklet processor, which is handed a compiled module and cannot resolve package
 * imports, never reaches it.
 */
function coreSource(): Promise<typeof import("#core-source")> {
  return import("#core-source");
}

async function compileFromUrl(url: URL): Promise<WebAssembly.Module> {
  if (url.protocol === "file:") return WebAssembly.compile(await (await coreSource()).readFileUrl(url));
  const response = await fetch(url);
  return compileResponse(response, url.href);
}

async function compileResponse(response: Response, where: string): Promise<WebAssembly.Module> {
  if (!response.ok) throw new DtmfWasmError(`cannot load the WebAssembly core from ${where}: HTTP ${response.status}`);
  const type = response.headers.get("content-type") ?? "";
  if (type.startsWith("application/wasm") && typeof WebAssembly.compileStreaming === "function") {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}

/** The compiled core module from `source`, or the package's own build/dtmf.wasm (cached). */
export async function compileCore(source?: WasmSource): Promise<CoreModule> {
  if (source === undefined) {
    defaultModule ??= coreSource().then(({ DEFAULT_CORE }) => DEFAULT_CORE.bytes().then((bytes) => WebAssembly.compile(bytes)).catch((error: unknown) => {
      throw new DtmfWasmError(`cannot load the WebAssembly core from ${DEFAULT_CORE.where}${DEFAULT_CORE.hint}`, { cause: error });
    })).catch((error: unknown) => {
      defaultModule = undefined;
      throw error;
    });
    return defaultModule;
  }
  if (source instanceof WebAssembly.Module) return source;
  if (source instanceof URL || typeof source === "string") return compileFromUrl(new URL(source, relativeBase()));
  if (ArrayBuffer.isView(source) || source instanceof ArrayBuffer) {
    return WebAssembly.compile(source as BufferSource).catch((error: unknown) => {
      throw new DtmfWasmError(`the bytes given are not a WebAssembly module: ${(error as Error).message}`, { cause: error });
    });
  }
  const response = await source;
  if (typeof Response !== "undefined" && response instanceof Response) return compileResponse(response, response.url || "a Response");
  throw new DtmfWasmError("the WebAssembly source must be a Module, bytes, a URL or a Response");
}

/** What a relative URL string is resolved against: the page in a browser, the working directory in Node. */
function relativeBase(): string {
  if (typeof location !== "undefined" && typeof location.href === "string") return location.href;
  const cwd = typeof globalThis.process?.cwd === "function" ? globalThis.process.cwd() : "/";
  return `file://${cwd.replace(/\\/g, "/").replace(/\/?$/, "/")}`;
}

/**
 * Rethrows what a core call threw; a trap (which only a bug in the core can cause) becomes a
 * DtmfWasmError naming the call instead of a bare RuntimeError. Used from inline try/catch,
 * so the hot path allocates no closure.
 */
/** @internal */
export function rethrowTrap(what: string, error: unknown): never {
  if (error instanceof WebAssembly.RuntimeError) {
    throw new DtmfWasmError(`the WebAssembly core trapped in ${what}: ${error.message}`, { cause: error });
  }
  throw error;
}

/** Reads an AssemblyScript string (UTF-16, byte length in the word before it). */
function readString(memory: WebAssembly.Memory, pointer: number): string {
  if (!pointer) return "";
  const bytes = new Uint32Array(memory.buffer, pointer - 4, 1)[0];
  return String.fromCharCode(...new Uint16Array(memory.buffer, pointer, bytes >>> 1));
}

/** Instantiates the core; an `abort` inside it surfaces as a DtmfWasmError naming the cause. @internal */
export async function instantiateCore(module: WebAssembly.Module): Promise<CoreInstance> {
  let memory: WebAssembly.Memory | undefined;
  const imports = {
    env: {
      abort(message: number, file: number, line: number, column: number): never {
        const text = memory ? `${readString(memory, message)} at ${readString(memory, file)}:${line}:${column}` : "unknown";
        throw new DtmfWasmError(`the WebAssembly core aborted: ${text}`);
      },
    },
  };
  const instance = await WebAssembly.instantiate(module, imports);
  const exports = instance.exports as unknown as CoreExports & { _start?: () => void };
  memory = exports.memory;
  // The core's start function (its tables and its layout checks) runs once the memory is
  // known here, so that an abort in it can be read (asconfig.json exportStart).
  if (typeof exports._start !== "function") throw new DtmfWasmError("the WebAssembly core does not export _start: it is not this version's build/dtmf.wasm");
  try { exports._start(); } catch (error) { rethrowTrap("start-up", error); }
  return new CoreInstance(exports);
}
