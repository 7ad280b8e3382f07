/**
 * How a compressed file was encoded, as far as its own headers say: what an encoder needs to
 * write a copy close to it (the redaction re-encodes MP3, Ogg Vorbis, Ogg Opus and FLAC in
 * their own format). Read from the file's first bytes; the average bit rate needs the decoded
 * duration.
 */
import type { CompressedFormat } from "./sniff.js";

/** Bytes read for the headers: from the file's start, or an MP3's from the end of its ID3v2 tag (id3v2Length). */
export const PROBE_BYTES = 16 * 1024;

export interface EncodedParams {
  /** Bit rate, bit/s: an MP3's first frame, a Vorbis stream's nominal rate; else the file's average. */
  bitRate: number;
  /**
   * MP3: "cbr" when the first frame is no Xing/VBRI header (or a LAME "Info" one); "abr" or
   * "vbr" as its LAME tag says (bitRate: the ABR target; vbrQuality: LAME's -V), else "abr" at
   * the file's average. Opus, Vorbis, FLAC: "vbr" (the encoder's own mode).
   */
  mode: "cbr" | "abr" | "vbr";
  /** MP3 VBR only: LAME's quality, 0 (best) to 9, from its Xing header. */
  vbrQuality?: number;
  /** FLAC only: bits per sample (8-32). */
  bitsPerSample?: number;
  /**
   * Opus only: the rate its encoder was fed (OpusHead's input rate), when one libopus takes
   * below 48 kHz: encoding at it again keeps the stream's bandwidth (and bit rate; fed 48 kHz,
   * libopus codes full band and overshoots the average asked for).
   */
  encoderRate?: number;
}

/** MPEG-1 and MPEG-2/2.5 Layer III bit rates, kbit/s, by the header's index. */
const MPEG1_L3_KBPS = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const MPEG2_L3_KBPS = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];

const ascii = (b: Uint8Array, at: number, text: string): boolean =>
  b.length >= at + text.length && [...text].every((c, i) => b[at + i] === c.charCodeAt(0));

/** Bytes of the ID3v2 tag at the start of `b` (its first 10 bytes are enough), 0 without one. */
export function id3v2Length(b: Uint8Array): number {
  if (!ascii(b, 0, "ID3") || b.length < 10) return 0;
  return 10 + (((b[6]! & 0x7f) << 21) | ((b[7]! & 0x7f) << 14) | ((b[8]! & 0x7f) << 7) | (b[9]! & 0x7f)) + (b[5]! & 0x10 ? 10 : 0);
}

/** Offset of the first MPEG audio frame in `b` (after an ID3v2 tag held in it), or −1. */
function firstMpegFrame(b: Uint8Array): number {
  let at = id3v2Length(b);
  for (; at + 4 <= b.length; at++) {
    if (b[at] === 0xff && (b[at + 1]! & 0xe0) === 0xe0 && ((b[at + 1]! >> 1) & 3) !== 0 && (b[at + 2]! >> 4) !== 15 && (b[at + 2]! >> 4) !== 0) return at;
  }
  return -1;
}

/** Sample rates by the header's version (3 MPEG-1, 2 MPEG-2, 0 MPEG-2.5) and rate index. */
const MPEG_RATES: Readonly<Record<number, readonly number[]>> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

interface MpegFrame { kbps: number; bytes: number; tag: "Xing" | "Info" | "VBRI" | undefined }

/** The Layer III frame at `at`: bit rate, length, and whether it is a Xing/Info/VBRI header instead of audio. */
function mpegFrame(b: Uint8Array, at: number): MpegFrame | undefined {
  if (at + 4 > b.length || b[at] !== 0xff || (b[at + 1]! & 0xe0) !== 0xe0 || ((b[at + 1]! >> 1) & 3) !== 1) return undefined;
  const version = (b[at + 1]! >> 3) & 3;
  const rate = MPEG_RATES[version]?.[(b[at + 2]! >> 2) & 3];
  const kbps = (version === 3 ? MPEG1_L3_KBPS : MPEG2_L3_KBPS)[b[at + 2]! >> 4];
  if (rate === undefined || !kbps) return undefined;
  const padding = (b[at + 2]! >> 1) & 1;
  const mono = b[at + 3]! >> 6 === 3;
  const sideInfo = version === 3 ? (mono ? 17 : 32) : mono ? 9 : 17;
  const tagAt = at + 4 + sideInfo;
  const tag = ascii(b, tagAt, "Xing") ? "Xing" : ascii(b, tagAt, "Info") ? "Info" : ascii(b, at + 4 + 32, "VBRI") ? "VBRI" : undefined;
  return { kbps, bytes: Math.floor(((version === 3 ? 144_000 : 72_000) * kbps) / rate) + padding, tag };
}

/**
 * What the LAME tag after the Xing header at `tagAt` says: VBR with its -V quality, ABR with its
 * target; undefined without one (another encoder, or the fields left out).
 */
function lameMode(b: Uint8Array, tagAt: number): { mode: "abr"; kbps: number } | { mode: "vbr"; quality: number } | undefined {
  if (b.length < tagAt + 8) return undefined;
  const flags = new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(tagAt + 4);
  let at = tagAt + 8 + (flags & 1 ? 4 : 0) + (flags & 2 ? 4 : 0) + (flags & 4 ? 100 : 0);
  if (!(flags & 8) || b.length < at + 4 + 21) return undefined;
  const quality = new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at);
  at += 4;
  // The LAME extension: a 9-byte encoder string, then the VBR method in the low nibble, ... the ABR bit rate 20 bytes in.
  if (!ascii(b, at, "LAME") && !ascii(b, at, "Lavc") && !ascii(b, at, "Lavf")) return undefined;
  const method = b[at + 9]! & 15;
  if (method === 2 || method === 9) return b[at + 20] ? { mode: "abr", kbps: b[at + 20]! } : undefined;
  if (method >= 3 && method <= 6 && quality <= 100) return { mode: "vbr", quality: Math.min(9, Math.max(0, Math.floor((100 - quality) / 10))) };
  return undefined;
}

function mp3Params(b: Uint8Array): { mode: "cbr" | "abr" | "vbr"; bitRate: number; vbrQuality?: number } | undefined {
  const at = firstMpegFrame(b);
  const first = at < 0 ? undefined : mpegFrame(b, at);
  if (!first) return undefined;
  // A VBR file's first frame is a Xing (or Fraunhofer VBRI) header; a CBR file's from LAME says
  // "Info" and may have a higher bit rate than the audio (to hold the tag): the next frame tells.
  if (first.tag === "Xing") {
    const mpeg1 = ((b[at + 1]! >> 3) & 3) === 3, mono = b[at + 3]! >> 6 === 3;
    const lame = lameMode(b, at + 4 + (mpeg1 ? (mono ? 17 : 32) : mono ? 9 : 17));
    if (lame?.mode === "abr") return { mode: "abr", bitRate: lame.kbps * 1000 };
    if (lame?.mode === "vbr") return { mode: "vbr", bitRate: 0, vbrQuality: lame.quality };
  }
  if (first.tag === "Xing" || first.tag === "VBRI") return { mode: "abr", bitRate: 0 };
  const audio = first.tag === "Info" ? mpegFrame(b, at + first.bytes) : first;
  return audio ? { mode: "cbr", bitRate: audio.kbps * 1000 } : undefined;
}

/** The nominal bit rate in a Vorbis identification header (the first page's first packet), bit/s; 0 if unset. */
function vorbisNominal(b: Uint8Array): number {
  const packet = 27 + (b[26] ?? 0);
  if (b.length < packet + 24 || b[packet] !== 1 || !ascii(b, packet + 1, "vorbis")) return 0;
  const nominal = new DataView(b.buffer, b.byteOffset, b.byteLength).getInt32(packet + 20, true);
  return nominal > 0 ? nominal : 0;
}

/** Rates libopus encodes at below 48 kHz, Hz. */
const OPUS_RATES = [8000, 12000, 16000, 24000];

/** OpusHead's input sample rate, when it is one of OPUS_RATES. */
function opusInputRate(b: Uint8Array): number | undefined {
  const packet = 27 + (b[26] ?? 0);
  if (b.length < packet + 16 || !ascii(b, packet, "OpusHead")) return undefined;
  const rate = new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(packet + 12, true);
  return OPUS_RATES.includes(rate) ? rate : undefined;
}

/** Bits per sample in a FLAC STREAMINFO block (right after "fLaC"). */
function flacBits(b: Uint8Array): number | undefined {
  if (b.length < 22 || !ascii(b, 0, "fLaC") || (b[4]! & 0x7f) !== 0) return undefined;
  return (((b[20]! & 1) << 4) | (b[21]! >> 4)) + 1;
}

/**
 * The encoding of a `format` file whose first bytes are `head` (an MP3's: from the end of its
 * ID3v2 tag), `fileBytes` long, that decoded to `seconds` of audio (the average bit rate when
 * the headers give none).
 */
export function encodedParams(format: CompressedFormat, head: Uint8Array, fileBytes: number, seconds: number): EncodedParams {
  const average = seconds > 0 ? Math.round((fileBytes * 8) / seconds) : 0;
  switch (format) {
    case "mp3": {
      const p = mp3Params(head);
      if (p?.mode === "vbr") return { bitRate: average, mode: "vbr", vbrQuality: p.vbrQuality };
      // A VBR file without LAME's tag (or a layer I/II one, re-encoded as layer III) keeps its average.
      return p && p.bitRate > 0 ? { bitRate: p.bitRate, mode: p.mode } : { bitRate: average, mode: "abr" };
    }
    case "vorbis": return { bitRate: vorbisNominal(head) || average, mode: "vbr" };
    case "opus": {
      const encoderRate = opusInputRate(head);
      return { bitRate: average, mode: "vbr", ...(encoderRate !== undefined ? { encoderRate } : {}) };
    }
    case "flac": return { bitRate: average, mode: "vbr", bitsPerSample: flacBits(head) ?? 16 };
  }
}
