/**
 * One sample of any format the reader decodes, read from and written back to its bytes in
 * place (full scale 1). The redactor rewrites only the samples inside its spans, so every
 * other byte of a file or stream stays exactly as it was; and a sample whose value did not
 * change is not rewritten at all.
 */
import { alawToLinear, linearToAlaw, linearToUlaw, ulawToLinear } from "../g711.js";
import type { Encoding } from "../options.js";
import type { PcmFormat } from "../wav/format.js";

/** 16-bit full scale: G.711 codes expand to this range (levels.ts). */
const FULL_SCALE_16 = 32768;
/** Offset of unsigned 8-bit WAV samples (silence = 128). */
const UNSIGNED_8_ZERO = 128;
/** Codes that expand to 0: μ-law 0xFF (+0), A-law 0xD5 (+8/32768, the smallest step). */
const ULAW_SILENCE = 0xff;
const ALAW_SILENCE = 0xd5;

export interface SampleCodec {
  /** The sample at byte offset `at`, full scale 1. */
  read(view: DataView, at: number): number;
  /** Writes `value` (full scale 1; clipped) at byte offset `at`. */
  write(view: DataView, at: number, value: number): void;
  /** Writes the format's silence at `at` (exact zero, or G.711's code nearest 0). */
  silence(view: DataView, at: number): void;
}

const ULAW = Float64Array.from({ length: 256 }, (_, code) => ulawToLinear(code) / FULL_SCALE_16);
const ALAW = Float64Array.from({ length: 256 }, (_, code) => alawToLinear(code) / FULL_SCALE_16);
const g711In = (x: number) => Math.max(-FULL_SCALE_16, Math.min(FULL_SCALE_16 - 1, x * FULL_SCALE_16));

/** The codec of a file format (PcmFormat from the WAV header or --raw). */
export function sampleCodec(format: PcmFormat): SampleCodec {
  const le = !format.bigEndian;
  switch (format.kind) {
    case "mulaw":
      return {
        read: (v, at) => ULAW[v.getUint8(at)],
        write: (v, at, x) => v.setUint8(at, linearToUlaw(g711In(x))),
        silence: (v, at) => v.setUint8(at, ULAW_SILENCE),
      };
    case "alaw":
      return {
        read: (v, at) => ALAW[v.getUint8(at)],
        write: (v, at, x) => v.setUint8(at, linearToAlaw(g711In(x))),
        silence: (v, at) => v.setUint8(at, ALAW_SILENCE),
      };
    case "float":
      return format.bytesPerSample === 4
        ? { read: (v, at) => v.getFloat32(at, le), write: (v, at, x) => v.setFloat32(at, clip1(x), le), silence: (v, at) => v.setFloat32(at, 0, le) }
        : { read: (v, at) => v.getFloat64(at, le), write: (v, at, x) => v.setFloat64(at, clip1(x), le), silence: (v, at) => v.setFloat64(at, 0, le) };
    default:
      return intCodec(format.bytesPerSample, format.validBits, le);
  }
}

/** The codec of a stream encoding (little-endian, as the detector takes it). */
export function encodingCodec(encoding: Encoding): SampleCodec {
  return sampleCodec(ENCODING_FORMATS[encoding]);
}

export const ENCODING_FORMATS: Readonly<Record<Encoding, PcmFormat>> = {
  pcm16: { kind: "int", bytesPerSample: 2, validBits: 16, channels: 1, sampleRate: 8000, blockAlign: 2, bigEndian: false },
  float32: { kind: "float", bytesPerSample: 4, validBits: 32, channels: 1, sampleRate: 8000, blockAlign: 4, bigEndian: false },
  mulaw: { kind: "mulaw", bytesPerSample: 1, validBits: 8, channels: 1, sampleRate: 8000, blockAlign: 1, bigEndian: false },
  alaw: { kind: "alaw", bytesPerSample: 1, validBits: 8, channels: 1, sampleRate: 8000, blockAlign: 1, bigEndian: false },
};

function clip1(x: number): number {
  return x > 1 ? 1 : x < -1 ? -1 : x;
}

/**
 * Integer PCM of 1-4 bytes. Samples with fewer valid bits than their container are
 * left-justified (WAVE_FORMAT_EXTENSIBLE): values are rounded to the valid bits' step, the
 * unused low bits written as 0.
 */
function intCodec(size: number, validBits: number, le: boolean): SampleCodec {
  const full = 2 ** (size * 8 - 1);
  const step = 2 ** (size * 8 - Math.min(validBits, size * 8));
  const max = full - step;
  const quantise = (x: number) => {
    const q = Math.round((x * full) / step) * step;
    return q > max ? max : q < -full ? -full : q;
  };
  switch (size) {
    case 1:
      return {
        read: (v, at) => (v.getUint8(at) - UNSIGNED_8_ZERO) / full,
        write: (v, at, x) => v.setUint8(at, quantise(x) + UNSIGNED_8_ZERO),
        silence: (v, at) => v.setUint8(at, UNSIGNED_8_ZERO),
      };
    case 2:
      return {
        read: (v, at) => v.getInt16(at, le) / full,
        write: (v, at, x) => v.setInt16(at, quantise(x), le),
        silence: (v, at) => v.setInt16(at, 0, le),
      };
    case 3: {
      const get = (v: DataView, at: number) => {
        const b0 = v.getUint8(at), b1 = v.getUint8(at + 1), b2 = v.getUint8(at + 2);
        const u = le ? b0 | (b1 << 8) | (b2 << 16) : b2 | (b1 << 8) | (b0 << 16);
        return (u << 8) >> 8;
      };
      const set = (v: DataView, at: number, q: number) => {
        const u = q & 0xffffff;
        v.setUint8(at + (le ? 0 : 2), u & 0xff);
        v.setUint8(at + 1, (u >> 8) & 0xff);
        v.setUint8(at + (le ? 2 : 0), (u >> 16) & 0xff);
      };
      return { read: (v, at) => get(v, at) / full, write: (v, at, x) => set(v, at, quantise(x)), silence: (v, at) => set(v, at, 0) };
    }
    default:
      return {
        read: (v, at) => v.getInt32(at, le) / full,
        write: (v, at, x) => v.setInt32(at, quantise(x), le),
        silence: (v, at) => v.setInt32(at, 0, le),
      };
  }
}
