/**
 * MP3, Ogg Vorbis, Ogg Opus and FLAC decoded in-process by the wasm-audio-decoders family
 * (maintained WebAssembly builds of mpg123, libvorbis, libopus and libFLAC, from npm; they run
 * in browsers too and need no system tool). The file's bytes go in as they are read (a
 * bounded slice at a time) and decoded audio comes out per slice, so memory is bounded by
 * the slice, never by the file's length. Each decoder is imported only when a file needs it.
 */
import { WavFileError } from "../wav/errors.js";
import { type CompressedFormat, FORMAT_NAMES } from "./sniff.js";

/**
 * Compressed bytes handed to a decoder at a time: about 4 s of 128 kbit/s MP3, whose decoded
 * float32 stereo output (≈1.4 MB at 44.1 kHz) bounds the memory a block takes.
 */
export const DECODE_SLICE_BYTES = 64 * 1024;

/** Decoded audio: one Float32Array per channel, all the same length. */
export interface DecodedBlock {
  channelData: Float32Array[];
  sampleRate: number;
}

interface DecodeResult { channelData: Float32Array[]; samplesDecoded: number; sampleRate: number; errors: { message: string }[] }
interface Decoder {
  ready: Promise<void>;
  decode(data: Uint8Array): DecodeResult | Promise<DecodeResult>;
  flush?: () => Promise<DecodeResult>;
  free(): void | Promise<void>;
}

async function createDecoder(format: CompressedFormat): Promise<Decoder> {
  switch (format) {
    case "mp3": return new (await import("mpg123-decoder")).MPEGDecoder();
    case "vorbis": return new (await import("@wasm-audio-decoders/ogg-vorbis")).OggVorbisDecoder();
    case "opus": return new (await import("ogg-opus-decoder")).OggOpusDecoder();
    case "flac": return new (await import("@wasm-audio-decoders/flac")).FLACDecoder();
  }
}

/**
 * Runs a decoder call with console.error silenced: mpg123-decoder and the FLAC decoder print
 * every damaged frame there as well as returning it in `errors`, which the reader turns into
 * one warning; their printing would flood a CLI's stderr. Restored when the call settles.
 */
async function quietly<T>(call: () => T | Promise<T>): Promise<T> {
  const original = console.error;
  console.error = () => {};
  try {
    return await call();
  } finally {
    console.error = original;
  }
}

/** What went wrong decoding so far, for the reader's warnings. */
export interface DecodeReport {
  /** Frames the decoder could not decode (gaps in the audio), and the first message. */
  damagedFrames: number;
  firstDamage?: string;
}

/** Whether the first MPEG audio frame in `head` (after an ID3v2 tag) is mono; undefined if none is found. */
export function mpegMono(head: Uint8Array): boolean | undefined {
  let at = 0;
  if (head[0] === 0x49 && head[1] === 0x44 && head[2] === 0x33 && head.length >= 10) {
    at = 10 + (((head[6]! & 0x7f) << 21) | ((head[7]! & 0x7f) << 14) | ((head[8]! & 0x7f) << 7) | (head[9]! & 0x7f));
  }
  for (; at + 4 <= head.length; at++) {
    if (head[at] === 0xff && (head[at + 1]! & 0xe0) === 0xe0 && ((head[at + 1]! >> 1) & 3) !== 0 && (head[at + 2]! >> 4) !== 15) {
      return head[at + 3]! >> 6 === 3;
    }
  }
  return undefined;
}

/**
 * The decoded audio of `bytes` (a compressed file read in chunks), block by block. Throws
 * WavFileError when the decoder cannot start; damaged frames are counted in `report`.
 */
export async function* decodeCompressed(format: CompressedFormat, bytes: AsyncIterable<Uint8Array>, name: string, report: DecodeReport): AsyncGenerator<DecodedBlock> {
  let decoder: Decoder;
  try {
    decoder = await createDecoder(format);
    await decoder.ready;
  } catch (error) {
    throw new WavFileError(name, "unsupported-encoding", `cannot start the ${FORMAT_NAMES[format]} decoder: ${(error as Error).message}`, { cause: error });
  }
  // mpg123 always decodes to two channels: a mono MP3 keeps one (its first frame says mono).
  let mono: boolean | undefined;
  const take = (result: DecodeResult): DecodedBlock | undefined => {
    for (const e of result.errors) {
      report.damagedFrames++;
      report.firstDamage ??= e.message;
    }
    if (result.samplesDecoded === 0 || result.channelData.length === 0) return undefined;
    const length = result.samplesDecoded;
    const channels = mono && result.channelData.length > 1 ? result.channelData.slice(0, 1) : result.channelData;
    return { channelData: channels.map((c) => (c.length === length ? c : c.subarray(0, length))), sampleRate: result.sampleRate };
  };
  try {
    for await (const chunk of bytes) {
      if (format === "mp3") mono ??= mpegMono(chunk);
      for (let at = 0; at < chunk.length; at += DECODE_SLICE_BYTES) {
        // The decoders copy their input into their own memory: a view of the reused chunk is safe.
        const block = take(await quietly(() => decoder.decode(chunk.subarray(at, at + DECODE_SLICE_BYTES))));
        if (block) yield block;
      }
    }
    if (decoder.flush) {
      const flush = decoder.flush.bind(decoder);
      const block = take(await quietly(flush));
      if (block) yield block;
    }
  } finally {
    await decoder.free();
  }
}

/**
 * The decoded blocks as interleaved 32-bit float little-endian bytes (the reader's `f32le`
 * raw input), checking that the sample rate and channel count stay those of the first block.
 */
export async function* interleaved(blocks: AsyncIterable<DecodedBlock>, first: DecodedBlock, name: string, format: CompressedFormat): AsyncGenerator<Uint8Array> {
  const channels = first.channelData.length;
  const sampleRate = first.sampleRate;
  const toBytes = (block: DecodedBlock): Uint8Array => {
    if (block.channelData.length !== channels || block.sampleRate !== sampleRate) {
      throw new WavFileError(name, "unsupported-encoding",
        `the ${FORMAT_NAMES[format]} stream changes from ${channels} channel(s) at ${sampleRate} Hz to ${block.channelData.length} at ${block.sampleRate} Hz (a chained stream): split it first`);
    }
    const frames = block.channelData[0]!.length;
    const out = new Float32Array(frames * channels);
    for (let c = 0; c < channels; c++) {
      const data = block.channelData[c]!;
      for (let i = 0, j = c; i < frames; i++, j += channels) out[j] = data[i]!;
    }
    // Float32Array is in the platform's byte order; every platform Node and browsers run on is little-endian.
    return new Uint8Array(out.buffer);
  };
  yield toBytes(first);
  for await (const block of blocks) yield toBytes(block);
}
