/**
 * Typed errors. Every message names the thing at fault (option, file, input), what is
 * allowed, and what was received, so a caller can fix the call without reading the source.
 */

/**
 * Base class of every error dtmf-wasm throws, option errors included:
 * `catch (e) { if (e instanceof DtmfError) … }` sees them all, and `code` tells them apart.
 */
export class DtmfError extends Error {
  /** Stable machine-readable code, e.g. `ERR_DTMF_INPUT`. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * An option or argument outside its allowed range or set (code `ERR_DTMF_OPTION`). It is a
 * DtmfError; before 0.2 it was a RangeError, which it no longer is.
 */
export class DtmfOptionError extends DtmfError {
  declare readonly code: "ERR_DTMF_OPTION";
  constructor(
    /** The option's name as the caller spelled it (`sampleRate`, `minDigits`, …). */
    readonly option: string,
    /** Human-readable allowed values, e.g. `an integer from 8000 to 48000`. */
    readonly allowed: string,
    /** What was received. */
    readonly received: unknown,
  ) {
    super("ERR_DTMF_OPTION", `${option} must be ${allowed}; received ${describe(received)}`);
  }
}

/** Audio handed to a detector that it cannot take (wrong array type, odd byte length…). */
export class DtmfInputError extends DtmfError {
  constructor(message: string) { super("ERR_DTMF_INPUT", message); }
}

/** A detector used after close(). */
export class DtmfClosedError extends DtmfError {
  constructor(what: string) { super("ERR_DTMF_CLOSED", `${what} is closed`); }
}

/** The engine cannot open more channels or sample rates. */
export class DtmfCapacityError extends DtmfError {
  constructor(message: string) { super("ERR_DTMF_CAPACITY", message); }
}

/** The WebAssembly core stopped on an internal check (a bug: please report it with the input). */
export class DtmfWasmError extends DtmfError {
  constructor(message: string, options?: { cause?: unknown }) { super("ERR_DTMF_WASM", message, options); }
}

/** A file that cannot be read as audio: not a WAV, unsupported encoding, truncated, empty. */
export class DtmfFileError extends DtmfError {
  constructor(readonly file: string, problem: string, options?: { cause?: unknown }) {
    super("ERR_DTMF_FILE", `${file}: ${problem}`, options);
  }
}

export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value == null) return String(value);
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as { length?: number }).length ?? value.byteLength})`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return typeof value === "object" ? `an object (${Object.prototype.toString.call(value).slice(8, -1)})` : typeof value;
}
