/**
 * Writing WAV files (for `dtmf-wasm generate` and the fixtures): samples in one of the
 * detector's encodings, through wavefile, which writes the headers of every such format.
 * Whole files in memory: this is for test calls of seconds to minutes, not for recordings.
 */
import wavefile from "wavefile";
import { encodeSamples } from "../generator.js";
import type { Encoding } from "../options.js";

/** wavefile's bit-depth codes for each encoding. */
const BIT_DEPTH: Readonly<Record<Encoding, string>> = { pcm16: "16", float32: "32f", mulaw: "8m", alaw: "8a" };

/**
 * A WAV file holding `channels` (samples with full scale 1, all the same length), encoded as
 * `encoding` (G.711 with the library's own encoder, so files round-trip through the detector's
 * tables exactly).
 */
export function encodeWav(channels: Float32Array[], sampleRate: number, encoding: Encoding): Uint8Array {
  const encoded = channels.map((samples) => encodeSamples(samples, encoding));
  const wav = new wavefile.WaveFile();
  wav.fromScratch(channels.length, sampleRate, BIT_DEPTH[encoding], encoded.length === 1 ? encoded[0] : encoded);
  return wav.toBuffer();
}
