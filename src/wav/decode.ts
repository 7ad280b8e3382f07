/**
 * Frames of file bytes → what a detector takes, one channel at a time, with no allocation per
 * chunk. The cheapest route is chosen once per file:
 *
 * | file samples                         | detector gets                      | cost            |
 * |--------------------------------------|------------------------------------|-----------------|
 * | mono 16-bit LE, 32-bit float LE, G.711 | the file bytes themselves        | none            |
 * | multi-channel G.711                  | de-interleaved bytes (mulaw/alaw)  | one byte copy   |
 * | multi-channel or big-endian 16-bit   | de-interleaved Int16Array (pcm16)  | one copy        |
 * | anything else (8/24/32-bit int, float64, big-endian float…) | Float32Array, full scale 1 | one conversion |
 *
 * G.711 bytes go to the detector as they are, which expands them in WASM; they are expanded here
 * only when the audio must be decimated first (`float: true`).
 */
import type { AudioChunk } from "../detector.js";
import type { Encoding } from "../options.js";
import { alawToLinear, ulawToLinear } from "../g711.js";
import type { PcmFormat } from "./format.js";

/** 16-bit full scale: the detector's level reference (levels.ts). */
const FULL_SCALE_16 = 32768;
/** Offset of unsigned 8-bit WAV samples (silence = 128). */
const UNSIGNED_8_ZERO = 128;
const G711_CODES = 256;

type Converter = (bytes: Uint8Array, view: DataView, channel: number, frames: number) => AudioChunk;
type Buffers<T> = readonly T[];

/** One output buffer per channel, so every channel's chunk of a block stays valid together. */
function perChannel<T>(channels: number, make: () => T): Buffers<T> {
  return Array.from({ length: channels }, make);
}

export interface DecoderOptions {
  /** Deliver Float32Array for every format (for the decimator). */
  float?: boolean;
}

export class FrameDecoder {
  /** The encoding to open the detectors with. */
  readonly encoding: Encoding;
  private readonly convert: Converter;

  /** `maxFrames`: the most frames one call will be given. */
  constructor(readonly format: PcmFormat, maxFrames: number, options: DecoderOptions = {}) {
    const { kind, bytesPerSample: size, channels, bigEndian } = format;
    const le = !bigEndian;
    const stride = format.blockAlign;
    const mono = channels === 1;
    const g711 = kind === "mulaw" || kind === "alaw";

    if (options.float) {
      this.encoding = "float32";
      this.convert = toFloat(format, perChannel(channels, () => new Float32Array(maxFrames)));
    } else if (mono && (g711 || (le && ((kind === "int" && size === 2) || (kind === "float" && size === 4))))) {
      this.encoding = g711 ? kind : kind === "int" ? "pcm16" : "float32";
      this.convert = (bytes, _view, _channel, frames) => bytes.subarray(0, frames * stride);
    } else if (g711) {
      this.encoding = kind;
      const outs = perChannel(channels, () => new Uint8Array(maxFrames));
      this.convert = (bytes, _view, channel, frames) => {
        const out = outs[channel];
        for (let f = 0, at = channel; f < frames; f++, at += stride) out[f] = bytes[at];
        return out.subarray(0, frames);
      };
    } else if (kind === "int" && size === 2) {
      this.encoding = "pcm16";
      const outs = perChannel(channels, () => new Int16Array(maxFrames));
      this.convert = (_bytes, view, channel, frames) => {
        const out = outs[channel];
        for (let f = 0, at = channel * size; f < frames; f++, at += stride) out[f] = view.getInt16(at, le);
        return out.subarray(0, frames);
      };
    } else {
      this.encoding = "float32";
      this.convert = toFloat(format, perChannel(channels, () => new Float32Array(maxFrames)));
    }
  }

  /**
   * Channel `channel` of the first `frames` whole frames of `bytes`. The result is valid until
   * the same channel is asked for again (or, for mono input passed through, until `bytes` changes).
   */
  channel(bytes: Uint8Array, channel: number, frames: number): AudioChunk {
    return this.convert(bytes, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), channel, frames);
  }
}

/** A converter to float samples (full scale 1) for any format. */
function toFloat(format: PcmFormat, outs: Buffers<Float32Array>): Converter {
  const { kind, bytesPerSample: size, blockAlign: stride, bigEndian } = format;
  const le = !bigEndian;
  const fill = (read: (bytes: Uint8Array, view: DataView, at: number) => number): Converter =>
    (bytes, view, channel, frames) => {
      const out = outs[channel];
      for (let f = 0, at = channel * size; f < frames; f++, at += stride) out[f] = read(bytes, view, at);
      return out.subarray(0, frames);
    };
  if (kind === "mulaw" || kind === "alaw") {
    const expand = kind === "mulaw" ? ulawToLinear : alawToLinear;
    const table = Float32Array.from({ length: G711_CODES }, (_, code) => expand(code) / FULL_SCALE_16);
    return fill((bytes, _view, at) => table[bytes[at]]);
  }
  if (kind === "float") {
    return size === 4 ? fill((_b, view, at) => view.getFloat32(at, le)) : fill((_b, view, at) => view.getFloat64(at, le));
  }
  const scale = 1 / 2 ** (size * 8 - 1);
  switch (size) {
    case 1: return fill((bytes, _view, at) => (bytes[at] - UNSIGNED_8_ZERO) * scale);
    case 2: return fill((_b, view, at) => view.getInt16(at, le) * scale);
    case 3: return le
      ? fill((bytes, _view, at) => ((bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16)) << 8 >> 8) * scale)
      : fill((bytes, _view, at) => ((bytes[at + 2] | (bytes[at + 1] << 8) | (bytes[at] << 16)) << 8 >> 8) * scale);
    default: return fill((_b, view, at) => view.getInt32(at, le) * scale);
  }
}
