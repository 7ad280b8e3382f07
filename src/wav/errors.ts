/**
 * What can be wrong with an audio file, as data: every problem is a DtmfFileError (message
 * "FILE: problem") that also carries a machine-readable `problem`, so the CLI can add a hint
 * and tests can check the kind without matching prose.
 */
import { DtmfFileError } from "../errors.js";

export type WavProblem =
  /** The file holds no bytes at all, or a WAV whose data chunk is empty. */
  | "empty"
  /** It does not start like a RIFF/RIFX/RF64 WAVE file. */
  | "not-wav"
  /** The file ends inside the header (before or inside the fmt/data chunk headers). */
  | "truncated-header"
  /** The header is there but contradicts itself (0 channels, block size ≠ channels × sample size…). */
  | "bad-header"
  /** A WAV encoding this reader does not decode (ADPCM, MP3, GSM…). */
  | "unsupported-encoding"
  /** A sample rate the detector cannot take, even after decimation. */
  | "unsupported-rate"
  /** The data chunk is shorter than its header says (a warning when some audio is there). */
  | "truncated-data"
  /** The file cannot be opened or read (missing, a directory, no permission, I/O error). */
  | "unreadable"
  /** A warning: an odd-sized chunk is not followed by its pad byte (read as written). */
  | "missing-pad";

export class WavFileError extends DtmfFileError {
  constructor(file: string, readonly problem: WavProblem, message: string, options?: { cause?: unknown }) {
    super(file, message, options);
    this.name = "DtmfFileError";
  }
}

/**
 * A failure that is not the file's fault, in words a user can act on, never a bare engine
 * message ("Array buffer allocation failed", WebAssembly "unreachable").
 */
export function faultMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof RangeError && /allocation failed|Invalid (typed )?array length|Invalid string length/i.test(message)) {
    return `out of memory while reading (${message}); try a smaller --jobs or a shorter file`;
  }
  if (error instanceof WebAssembly.RuntimeError) {
    return `internal error in the detector core (WebAssembly: ${message}); please report it with the file`;
  }
  return message;
}
