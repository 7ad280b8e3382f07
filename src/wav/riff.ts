/**
 * The WAV header, parsed from a stream: the RIFF/RIFX/RF64 preamble, the 'fmt ' chunk (plain,
 * WAVEFORMATEX and WAVE_FORMAT_EXTENSIBLE) and, for RF64, the 'ds64' chunk; every other chunk
 * before 'data' (LIST, fact, cue, bext, JUNK, …) is skipped without being held. Parsing stops at
 * the first byte of audio, so the data can be streamed from there. Chunks after the data (cue,
 * LIST…) are never read.
 */
import type { ByteReader } from "./bytes.js";
import { WavFileError } from "./errors.js";
import {
  type PcmFormat, SUPPORTED_ENCODINGS, UNSUPPORTED_FORMAT_NAMES, WAVE_FORMAT_ALAW, WAVE_FORMAT_EXTENSIBLE,
  WAVE_FORMAT_IEEE_FLOAT, WAVE_FORMAT_MULAW, WAVE_FORMAT_PCM,
} from "./format.js";

export type Container = "RIFF" | "RIFX" | "RF64";

export interface WavHeader {
  container: Container;
  format: PcmFormat;
  /**
   * Audio bytes the header announces; undefined when the writer could not know them (a WAV
   * streamed to a pipe leaves 0xFFFFFFFF there): read to the end of the stream then.
   */
  dataBytes: number | undefined;
  /** Offset of the first audio byte in the file. */
  dataOffset: number;
  /** Damage the header had that did not stop the reading (an odd chunk without its pad byte). */
  warnings: WavFileError[];
}

/** "RIFF" + size + "WAVE". */
const PREAMBLE_BYTES = 12;
/** Chunk id + size. */
const CHUNK_HEADER_BYTES = 8;
/** PCMWAVEFORMAT: tag, channels, rate, byte rate, block align, bits. */
const FMT_MIN_BYTES = 16;
/** WAVEFORMATEXTENSIBLE: 18 bytes of WAVEFORMATEX + 22 of extension. */
const FMT_EXTENSIBLE_BYTES = 40;
/** A 'fmt ' chunk is at most a few dozen bytes; anything this large is not one. */
const FMT_MAX_BYTES = 4096;
/** ds64: RIFF size, data size, sample count (64 bits each), then an optional table. */
const DS64_MIN_BYTES = 24;
/** A 32-bit size field the writer could not fill in (streamed output, RF64). */
const SIZE_UNKNOWN = 0xffffffff;
/** More channels than this is taken as a corrupt header. */
export const MAX_CHANNELS = 256;
/** The KSDATAFORMAT_SUBTYPE_* GUID after its first 4 bytes (the format tag): -0000-0010-8000-00AA00389B71. */
const SUBFORMAT_GUID_TAIL = [0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];
const SUBFORMAT_TAG_OFFSET = 24;
const TWO_POW_32 = 2 ** 32;

/** Parses the header; leaves `reader` at the first audio byte. Throws WavFileError. */
export async function readWavHeader(reader: ByteReader, file: string): Promise<WavHeader> {
  const preamble = await reader.read(PREAMBLE_BYTES);
  if (preamble.length === 0) throw new WavFileError(file, "empty", "empty file (0 bytes)");
  const id = fourcc(preamble, 0);
  if (preamble.length < 4 && ["RIFF", "RIFX", "RF64"].some((magic) => magic.startsWith(id))) {
    throw new WavFileError(file, "truncated-header", `truncated WAV header: the file ends after ${preamble.length} bytes`);
  }
  if (id !== "RIFF" && id !== "RIFX" && id !== "RF64") {
    throw new WavFileError(file, "not-wav", `not a WAV file: it starts with ${showBytes(preamble)}${guessType(preamble)}, not "RIFF"`);
  }
  if (preamble.length < PREAMBLE_BYTES) {
    throw new WavFileError(file, "truncated-header", `truncated WAV header: the file ends after ${preamble.length} bytes`);
  }
  if (fourcc(preamble, 8) !== "WAVE") {
    throw new WavFileError(file, "not-wav", `not a WAV file: a ${id} file of type "${printable(fourcc(preamble, 8))}", not "WAVE"`);
  }
  const container = id;
  const bigEndian = container === "RIFX";
  const riffSize = dataView(preamble).getUint32(4, !bigEndian);
  let format: PcmFormat | undefined;
  let fmtAt = 0;
  let fmtBody: Uint8Array | undefined;
  let ds64DataBytes: number | undefined;
  const warnings: WavFileError[] = [];
  const pad = (size: number, chunk: string, at: number) => skipPad(reader, size, chunk, at, file, warnings);

  for (;;) {
    const at = reader.position;
    const header = await reader.read(CHUNK_HEADER_BYTES);
    const missing = format ? "'data'" : "'fmt '";
    if (header.length === 0) {
      throw new WavFileError(file, "truncated-header", `truncated WAV header: the file ends at byte ${at}, before the ${missing} chunk`);
    }
    if (header.length < CHUNK_HEADER_BYTES) {
      throw new WavFileError(file, "truncated-header", `truncated WAV header: the file ends inside a chunk header at byte ${at}`);
    }
    const chunk = fourcc(header, 0);
    const size = dataView(header).getUint32(4, !bigEndian);

    if (chunk === "data") {
      if (!format) throw new WavFileError(file, "bad-header", "bad WAV header: the 'data' chunk comes before the 'fmt ' chunk");
      let dataBytes: number | undefined = size;
      if (size === SIZE_UNKNOWN) dataBytes = container === "RF64" ? ds64DataBytes : undefined;
      else if (size === 0 && (riffSize === 0 || riffSize === SIZE_UNKNOWN)) dataBytes = undefined;
      return { container, format, dataBytes, dataOffset: reader.position, warnings };
    }

    if (chunk === "fmt ") {
      if (size < FMT_MIN_BYTES || size > FMT_MAX_BYTES) {
        throw new WavFileError(file, "bad-header", `bad WAV header: a 'fmt ' chunk of ${size} bytes (${FMT_MIN_BYTES} to ${FMT_MAX_BYTES} accepted)`);
      }
      const body = await readBody(reader, size, chunk, file);
      await pad(size, chunk, at);
      // Two 'fmt ' chunks: the same one repeated is harmless; two that differ leave the
      // format unknown, so the file is refused rather than one of them picked.
      if (fmtBody && !sameBytes(fmtBody, body)) {
        throw new WavFileError(file, "bad-header", `bad WAV header: two different 'fmt ' chunks (at bytes ${fmtAt} and ${at})`);
      }
      fmtAt = at;
      fmtBody = body;
      format = parseFmt(body, bigEndian, file);
      continue;
    }

    if (chunk === "ds64" && container === "RF64" && size >= DS64_MIN_BYTES && size <= FMT_MAX_BYTES) {
      const body = dataView(await readBody(reader, size, chunk, file));
      await pad(size, chunk, at);
      ds64DataBytes = body.getUint32(8, true) + body.getUint32(12, true) * TWO_POW_32;
      continue;
    }

    // LIST, fact, cue, bext, JUNK, iXML…: not needed to decode the samples.
    if ((await reader.skip(size)) < size) {
      throw new WavFileError(file, "truncated-header", `truncated WAV header: the file ends inside its '${printable(chunk)}' chunk (${size} bytes at byte ${at})`);
    }
    await pad(size, chunk, at);
  }
}

/** A chunk id as writers make them: four ASCII letters, digits, spaces or '_'/'-'. */
const CHUNK_ID = /^[A-Za-z0-9 _-]{4}$/;

/**
 * After a chunk of odd `size`: consumes its pad byte. A common writer bug leaves the pad out;
 * when the byte where the pad should be starts a chunk id and the byte after it does not, the
 * chunk is read as written (no pad) with a warning, as other readers do.
 */
async function skipPad(reader: ByteReader, size: number, chunk: string, at: number, file: string, warnings: WavFileError[]): Promise<void> {
  if ((size & 1) === 0) return;
  const ahead = await reader.read(5);
  const asId = (from: number) => String.fromCharCode(...ahead.subarray(from, from + 4));
  const unpadded = ahead.length >= 4 && CHUNK_ID.test(asId(0)) && !(ahead.length === 5 && CHUNK_ID.test(asId(1)));
  if (unpadded) {
    reader.unread(ahead);
    warnings.push(new WavFileError(file, "missing-pad",
      `the '${printable(chunk)}' chunk at byte ${at} has an odd size (${size}) but no pad byte after it; read as written`));
  } else {
    reader.unread(ahead.subarray(1));
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Reads a chunk body (its pad byte is left to skipPad); throws if the file ends inside it. */
async function readBody(reader: ByteReader, size: number, chunk: string, file: string): Promise<Uint8Array> {
  const at = reader.position;
  const body = await reader.read(size);
  if (body.length < size) {
    throw new WavFileError(file, "truncated-header", `truncated WAV header: the file ends inside its '${chunk.trim()}' chunk (${size} bytes at byte ${at})`);
  }
  return body;
}

/** The 'fmt ' chunk → the sample format, or a WavFileError saying what is wrong with it. */
export function parseFmt(body: Uint8Array, bigEndian: boolean, file: string): PcmFormat {
  const view = dataView(body);
  const le = !bigEndian;
  let tag = view.getUint16(0, le);
  const channels = view.getUint16(2, le);
  const sampleRate = view.getUint32(4, le);
  const declaredBlockAlign = view.getUint16(12, le);
  const bits = view.getUint16(14, le);
  let validBits = bits;

  if (tag === WAVE_FORMAT_EXTENSIBLE) {
    if (body.length < FMT_EXTENSIBLE_BYTES) {
      throw new WavFileError(file, "bad-header", `bad WAV header: a WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk of ${body.length} bytes (${FMT_EXTENSIBLE_BYTES} expected)`);
    }
    validBits = view.getUint16(18, le) || bits;
    const subTag = view.getUint32(SUBFORMAT_TAG_OFFSET, le);
    const tail = body.subarray(SUBFORMAT_TAG_OFFSET + 4, FMT_EXTENSIBLE_BYTES);
    if (subTag > 0xffff || tail.some((b, i) => b !== SUBFORMAT_GUID_TAIL[i])) {
      throw new WavFileError(file, "unsupported-encoding",
        `unsupported encoding: WAVE_FORMAT_EXTENSIBLE with sub-format GUID ${guid(body.subarray(SUBFORMAT_TAG_OFFSET, FMT_EXTENSIBLE_BYTES))}; dtmf-wasm reads ${SUPPORTED_ENCODINGS}`);
    }
    tag = subTag;
  }

  if (channels === 0) throw new WavFileError(file, "bad-header", "bad WAV header: 0 channels");
  if (channels > MAX_CHANNELS) throw new WavFileError(file, "bad-header", `bad WAV header: ${channels} channels (at most ${MAX_CHANNELS} read)`);
  if (sampleRate === 0) throw new WavFileError(file, "bad-header", "bad WAV header: a sample rate of 0 Hz");

  const unsupported = (what: string) => new WavFileError(file, "unsupported-encoding",
    `unsupported encoding: ${what}; dtmf-wasm reads ${SUPPORTED_ENCODINGS}`);
  let kind: PcmFormat["kind"];
  switch (tag) {
    case WAVE_FORMAT_PCM:
      if (bits < 1 || bits > 32) throw unsupported(`${bits}-bit integer PCM`);
      kind = "int";
      break;
    case WAVE_FORMAT_IEEE_FLOAT:
      if (bits !== 32 && bits !== 64) throw unsupported(`${bits}-bit float`);
      kind = "float";
      break;
    case WAVE_FORMAT_MULAW:
    case WAVE_FORMAT_ALAW:
      if (bits !== 8) throw unsupported(`${bits}-bit G.711`);
      kind = tag === WAVE_FORMAT_MULAW ? "mulaw" : "alaw";
      break;
    default: {
      const name = UNSUPPORTED_FORMAT_NAMES[tag];
      throw unsupported(`${name ? `${name} ` : ""}(format tag 0x${tag.toString(16).padStart(4, "0")})`);
    }
  }
  const bytesPerSample = Math.ceil(bits / 8);
  const blockAlign = declaredBlockAlign || channels * bytesPerSample;
  if (blockAlign !== channels * bytesPerSample) {
    throw new WavFileError(file, "bad-header",
      `bad WAV header: frames of ${blockAlign} bytes do not hold ${channels} channel(s) of ${bits}-bit samples (${channels * bytesPerSample} bytes)`);
  }
  return { kind, bytesPerSample, validBits: Math.min(validBits, bits), channels, sampleRate, blockAlign, bigEndian };
}

function dataView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function fourcc(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(...bytes.subarray(at, at + 4));
}

/** Printable ASCII kept, other bytes as \xNN. */
function printable(text: string): string {
  return [...text].map((c) => (c >= " " && c <= "~" ? c : `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`)).join("");
}

/** The first bytes of a file, shown as a quoted string. */
function showBytes(bytes: Uint8Array): string {
  return `"${printable(String.fromCharCode(...bytes.subarray(0, 4)))}"`;
}

/** What the file might be instead, from its magic bytes. */
function guessType(bytes: Uint8Array): string {
  const head = String.fromCharCode(...bytes.subarray(0, 4));
  if (head.startsWith("ID3") || (bytes[0] === 0xff && (bytes[1] & 0xe0) === 0xe0)) return " (an MP3?)";
  if (head === "OggS") return " (an Ogg file?)";
  if (head === "fLaC") return " (a FLAC file?)";
  if (head === "FORM") return " (an AIFF file?)";
  if (head === ".snd") return " (a Sun/NeXT .au file?)";
  return "";
}

function guid(bytes: Uint8Array): string {
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0"));
  const le = (from: number, to: number) => hex.slice(from, to).reverse().join("");
  return `{${le(0, 4)}-${le(4, 6)}-${le(6, 8)}-${hex.slice(8, 10).join("")}-${hex.slice(10, 16).join("")}}`;
}
