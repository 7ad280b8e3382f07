/**
 * Loading the WebAssembly core: compiled once per process (the default module is cached),
 * instantiated once per engine. Works in Node (reads build/dtmf.wasm beside the package) and
 * in browsers (fetches the same file, or takes bytes, a URL, a Response or a compiled Module).
 */
import { DtmfWasmError } from "./errors.js";

/** Anything the core can be loaded from. */
export type WasmSource =
  | WebAssembly.Module
  | BufferSource
  | URL
  | string
  | Response
  | PromiseLike<Response>;

/** The exports of assembly/index.ts. */
export interface CoreExports {
  memory: WebAssembly.Memory;
  inputAddress(): number;
  configAddress(): number;
  eventRecordsAddress(): number;
  eventFields(): number;
  eventCapacity(): number;
  channelBytes(): number;
  maxChannels(): number;
  channelsOpen(): number;
  channelSlots(): number;
  selfCheck(code: number): number;
  ulawToLinear(code: number): number;
  alawToLinear(code: number): number;
  open(rate: number, encoding: number): number;
  configure(handle: number): number;
  close(handle: number): number;
  reset(handle: number): number;
  position(handle: number): number;
  process(handle: number, samples: number): number;
  flush(handle: number): number;
  INPUT_BYTES: WebAssembly.Global;
}

const DEFAULT_URL = new URL("../build/dtmf.wasm", import.meta.url);
let defaultModule: Promise<WebAssembly.Module> | undefined;

function isNode(): boolean {
  return typeof globalThis.process === "object" && typeof globalThis.process.versions?.node === "string";
}

async function compileFromUrl(url: URL): Promise<WebAssembly.Module> {
  if (url.protocol === "file:") {
    const { readFile } = await import("node:fs/promises");
    return WebAssembly.compile(await readFile(url));
  }
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
export async function compileCore(source?: WasmSource): Promise<WebAssembly.Module> {
  if (source === undefined) {
    defaultModule ??= compileFromUrl(DEFAULT_URL).catch((error: unknown) => {
      defaultModule = undefined;
      throw new DtmfWasmError(`cannot load the WebAssembly core from ${DEFAULT_URL.href}${isNode() ? " (run `npm run build`?)" : ""}`, { cause: error });
    });
    return defaultModule;
  }
  if (source instanceof WebAssembly.Module) return source;
  if (source instanceof URL || typeof source === "string") return compileFromUrl(new URL(source, DEFAULT_URL));
  if (ArrayBuffer.isView(source) || source instanceof ArrayBuffer) {
    return WebAssembly.compile(source).catch((error: unknown) => {
      throw new DtmfWasmError(`the bytes given are not a WebAssembly module: ${(error as Error).message}`, { cause: error });
    });
  }
  const response = await source;
  if (typeof Response !== "undefined" && response instanceof Response) return compileResponse(response, response.url || "a Response");
  throw new DtmfWasmError("the WebAssembly source must be a Module, bytes, a URL or a Response");
}

/**
 * Rethrows what a core call threw; a trap (which only a bug in the core can cause) becomes a
 * DtmfWasmError naming the call instead of a bare RuntimeError. Used from inline try/catch,
 * so the hot path allocates no closure.
 */
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

/** Instantiates the core; an `abort` inside it surfaces as a DtmfWasmError naming the cause. */
export async function instantiateCore(module: WebAssembly.Module): Promise<CoreExports> {
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
  const exports = instance.exports as unknown as CoreExports;
  memory = exports.memory;
  return exports;
}
