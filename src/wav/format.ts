/**
 * The sample formats the reader decodes, as one small description shared by the RIFF parser,
 * the raw-input options and the decoder.
 */

/** How one sample is coded: two's-complement integer (unsigned for 8-bit), IEEE float, G.711. */
export type SampleKind = "int" | "float" | "mulaw" | "alaw";

export interface PcmFormat {
  kind: SampleKind;
  /** Bytes each sample takes in the file (the container: 1, 2, 3, 4 or 8). */
  bytesPerSample: number;
  /**
   * Bits that carry the signal (≤ 8 × bytesPerSample). Integer samples with fewer valid bits
   * are left-justified in their container (the WAVE_FORMAT_EXTENSIBLE rule), so they are
   * scaled by the container size like full-width samples.
   */
  validBits: number;
  channels: number;
  /** Frames a second, Hz. */
  sampleRate: number;
  /** Bytes of one frame (one sample of every channel). */
  blockAlign: number;
  /** RIFX files store multi-byte samples big-endian. */
  bigEndian: boolean;
}

/** WAVE format tags (Microsoft mmreg.h) the reader decodes. */
export const WAVE_FORMAT_PCM = 0x0001;
export const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
export const WAVE_FORMAT_ALAW = 0x0006;
export const WAVE_FORMAT_MULAW = 0x0007;
export const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/** Names of encodings people meet in WAV files but that the reader does not decode. */
export const UNSUPPORTED_FORMAT_NAMES: Readonly<Record<number, string>> = {
  0x0002: "Microsoft ADPCM",
  0x0011: "IMA ADPCM",
  0x0031: "GSM 6.10",
  0x0040: "G.721 ADPCM",
  0x0050: "MPEG audio",
  0x0055: "MPEG layer 3 (MP3)",
  0x0064: "G.726 ADPCM",
  0x0065: "G.722 ADPCM",
};

/** What the reader decodes, for error messages. */
export const SUPPORTED_ENCODINGS =
  "8/16/24/32-bit integer PCM, 32/64-bit float, G.711 μ-law and A-law";

const CHANNEL_NAMES: Readonly<Record<number, string>> = { 1: "mono", 2: "stereo" };

/** "16-bit PCM", "32-bit float", "μ-law"… */
export function encodingName(format: PcmFormat): string {
  switch (format.kind) {
    case "mulaw": return "μ-law";
    case "alaw": return "A-law";
    case "float": return `${format.bytesPerSample * 8}-bit float`;
    default: return `${format.validBits}-bit PCM`;
  }
}

/** "16-bit PCM, 8000 Hz, mono". */
export function describeFormat(format: PcmFormat): string {
  const channels = CHANNEL_NAMES[format.channels] ?? `${format.channels} channels`;
  return `${encodingName(format)}, ${format.sampleRate} Hz, ${channels}`;
}
