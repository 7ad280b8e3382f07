/**
 * Headerless audio (`--raw`): the `.ul`/`.al`/`.sln` files media servers write, described by
 * options instead of a header.
 */
import { DtmfOptionError } from "../errors.js";
import type { PcmFormat } from "./format.js";
import { MAX_CHANNELS } from "./riff.js";

export const RAW_ENCODINGS = ["mulaw", "alaw", "s16le", "f32le"] as const;
export type RawEncoding = (typeof RAW_ENCODINGS)[number];

export interface RawOptions {
  /** Frames a second, Hz. */
  sampleRate: number;
  encoding: RawEncoding;
  /** Interleaved channels. Default 1. */
  channels?: number;
}

const LAYOUT: Readonly<Record<RawEncoding, Pick<PcmFormat, "kind" | "bytesPerSample">>> = {
  mulaw: { kind: "mulaw", bytesPerSample: 1 },
  alaw: { kind: "alaw", bytesPerSample: 1 },
  s16le: { kind: "int", bytesPerSample: 2 },
  f32le: { kind: "float", bytesPerSample: 4 },
};

/** File name extensions media servers give headerless audio, and what they hold. */
const EXTENSIONS: Readonly<Record<string, RawEncoding>> = {
  ul: "mulaw", ulaw: "mulaw", mulaw: "mulaw", pcmu: "mulaw", mu: "mulaw",
  al: "alaw", alaw: "alaw", pcma: "alaw",
  sln: "s16le", s16: "s16le",
  f32: "f32le",
};

/** The encoding a headerless file's extension implies (`call.ul` → mulaw), if it implies one. */
export function rawEncodingOf(path: string): RawEncoding | undefined {
  const dot = path.lastIndexOf(".");
  if (dot < 0 || dot < path.lastIndexOf("/")) return undefined;
  return EXTENSIONS[path.slice(dot + 1).toLowerCase()];
}

/** The sample format of headerless audio. Throws DtmfOptionError for bad options. */
export function rawFormat(options: RawOptions): PcmFormat {
  const { sampleRate, encoding, channels = 1 } = options;
  if (!RAW_ENCODINGS.includes(encoding)) throw new DtmfOptionError("encoding", `one of ${RAW_ENCODINGS.join(", ")}`, encoding);
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) throw new DtmfOptionError("rate", "a positive integer (Hz)", sampleRate);
  if (!Number.isInteger(channels) || channels < 1 || channels > MAX_CHANNELS) {
    throw new DtmfOptionError("channels", `an integer from 1 to ${MAX_CHANNELS}`, channels);
  }
  const { kind, bytesPerSample } = LAYOUT[encoding];
  return { kind, bytesPerSample, validBits: bytesPerSample * 8, channels, sampleRate, blockAlign: channels * bytesPerSample, bigEndian: false };
}
