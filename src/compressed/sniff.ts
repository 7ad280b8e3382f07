/**
 * What a file's first bytes say it is, when it is not a WAV: the compressed formats decoded
 * in-process (MP3, Ogg Vorbis, Ogg Opus, FLAC) and the containers only ffmpeg reads.
 */

/** Formats decoded here by WebAssembly decoders from npm (no system tool). */
export type CompressedFormat = "mp3" | "vorbis" | "opus" | "flac";

export type Sniffed =
  | { kind: "wav" }
  | { kind: "compressed"; format: CompressedFormat; name: string }
  /** A known audio container this package does not decode itself (ffmpeg can). */
  | { kind: "other"; name: string }
  | { kind: "unknown" };

/** Bytes enough to tell the formats apart (an Ogg page header and the codec's first packet). */
export const SNIFF_BYTES = 64;

export const FORMAT_NAMES: Readonly<Record<CompressedFormat, string>> = {
  mp3: "MP3", vorbis: "Ogg Vorbis", opus: "Ogg Opus", flac: "FLAC",
};

const ascii = (bytes: Uint8Array, at: number, text: string): boolean =>
  bytes.length >= at + text.length && [...text].every((c, i) => bytes[at + i] === c.charCodeAt(0));

/** True for an MPEG audio frame header (sync, a valid version/layer, bitrate and rate index). */
function mpegFrame(b: Uint8Array, at = 0): boolean {
  if (b.length < at + 4 || b[at] !== 0xff || (b[at + 1]! & 0xe0) !== 0xe0) return false;
  const version = (b[at + 1]! >> 3) & 3;
  const layer = (b[at + 1]! >> 1) & 3;
  const bitrate = b[at + 2]! >> 4;
  const rate = (b[at + 2]! >> 2) & 3;
  return version !== 1 && layer !== 0 && bitrate !== 15 && rate !== 3;
}

/** The format of a file starting with `head` (at least SNIFF_BYTES when the file is that long). */
export function sniff(head: Uint8Array): Sniffed {
  if (ascii(head, 0, "RIFF") || ascii(head, 0, "RIFX") || ascii(head, 0, "RF64")) return { kind: "wav" };
  if (ascii(head, 0, "ID3") || mpegFrame(head)) return { kind: "compressed", format: "mp3", name: FORMAT_NAMES.mp3 };
  if (ascii(head, 0, "fLaC")) return { kind: "compressed", format: "flac", name: FORMAT_NAMES.flac };
  if (ascii(head, 0, "OggS")) {
    // The first page's first packet follows its segment table (27 + segment count bytes).
    const packet = 27 + (head[26] ?? 0);
    if (ascii(head, packet, "OpusHead")) return { kind: "compressed", format: "opus", name: FORMAT_NAMES.opus };
    if (head[packet] === 1 && ascii(head, packet + 1, "vorbis")) return { kind: "compressed", format: "vorbis", name: FORMAT_NAMES.vorbis };
    if (ascii(head, packet, "\u007fFLAC")) return { kind: "other", name: "Ogg FLAC" };
    if (ascii(head, packet, "Speex")) return { kind: "other", name: "Ogg Speex" };
    return { kind: "other", name: "an Ogg stream of another codec" };
  }
  if (ascii(head, 4, "ftyp")) return { kind: "other", name: "MP4/M4A (AAC or ALAC)" };
  if (head[0] === 0xff && (head[1]! & 0xf6) === 0xf0) return { kind: "other", name: "AAC (ADTS)" };
  if (ascii(head, 0, "FORM") && (ascii(head, 8, "AIFF") || ascii(head, 8, "AIFC"))) return { kind: "other", name: "AIFF" };
  if (ascii(head, 0, "caff")) return { kind: "other", name: "Core Audio (CAF)" };
  if (ascii(head, 0, ".snd")) return { kind: "other", name: "Sun/NeXT AU" };
  if (ascii(head, 0, "#!AMR")) return { kind: "other", name: "AMR" };
  if (head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return { kind: "other", name: "WebM/Matroska" };
  if (head[0] === 0x30 && head[1] === 0x26 && head[2] === 0xb2 && head[3] === 0x75) return { kind: "other", name: "WMA/ASF" };
  if (ascii(head, 0, "wvpk")) return { kind: "other", name: "WavPack" };
  if (ascii(head, 0, "MAC ")) return { kind: "other", name: "Monkey's Audio" };
  return { kind: "unknown" };
}
