/**
 * Writing WAV files (for `dtmf-wasm generate` and the fixtures): samples in one of the
 * detector's encodings, through wavefile, which writes the headers of every such format.
 * encodeWav makes a whole file in memory (test calls of seconds to minutes); wavHeader and
 * encodeFrames write the same bytes a block at a time (an hour-long `generate`).
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

/**
 * The header of the WAV file `encodeWav` writes for `frames` frames of `channels` channels:
 * wavefile's own header (made for one frame), with the RIFF, fact and data sizes set for
 * `frames`, so that a file streamed as this header and then its samples (`encodeFrames`) is
 * byte for byte the file encodeWav would write. (wavefile writes no pad byte after odd data.)
 */
export function wavHeader(channels: number, sampleRate: number, encoding: Encoding, frames: number): Uint8Array {
  const one = encodeWav(Array.from({ length: channels }, () => new Float32Array(1)), sampleRate, encoding);
  const view = new DataView(one.buffer, one.byteOffset, one.byteLength);
  const dataBytes = frames * channels * BYTES[encoding];
  let at = 12;
  while (at + 8 <= one.length) {
    const id = String.fromCharCode(...one.subarray(at, at + 4));
    const size = view.getUint32(at + 4, true);
    if (id === "fact") view.setUint32(at + 8, frames * channels, true);
    if (id === "data") {
      view.setUint32(at + 4, dataBytes, true);
      view.setUint32(4, at + 8 - 8 + dataBytes, true);
      return one.slice(0, at + 8);
    }
    at += 8 + size + (size & 1);
  }
  throw new Error("wavHeader: wavefile wrote no data chunk");
}

/** Bytes a sample in each encoding's WAV data. */
const BYTES: Readonly<Record<Encoding, number>> = { pcm16: 2, float32: 4, mulaw: 1, alaw: 1 };

/**
 * The WAV data bytes of one block of frames: `channels` (samples with full scale 1, all the
 * same length) encoded as `encoding` and interleaved, little-endian, as encodeWav writes them.
 */
export function encodeFrames(channels: Float32Array[], encoding: Encoding): Uint8Array {
  const encoded = channels.map((samples) => encodeSamples(samples, encoding));
  const n = channels.length, frames = channels[0]?.length ?? 0, bytes = BYTES[encoding];
  const out = new Uint8Array(frames * n * bytes);
  const view = new DataView(out.buffer);
  for (let c = 0; c < n; c++) {
    const e = encoded[c];
    for (let i = 0; i < frames; i++) {
      const at = (i * n + c) * bytes;
      if (bytes === 1) out[at] = e[i];
      else if (bytes === 2) view.setInt16(at, e[i], true);
      else view.setFloat32(at, e[i], true);
    }
  }
  return out;
}
