/**
 * Audio plumbing for the bench: 16-bit conversion, G.711 round trips, WAV reading, speech
 * levels, and the stream builder that lays many test cases end to end so that each detector
 * runs once per stream (spandsp runs as a separate process: one launch per stream, not per case).
 */
import { dbm0ToPower, generateDtmf, linearToAlaw, linearToUlaw, powerToDbm0 } from "../../dist/index.js";
import { alawToLinear, ulawToLinear } from "../../dist/g711.js";
import { FULL_SCALE_16 } from "../../dist/levels.js";
import { AudioReader } from "../../dist/wav/reader.js";

export const RATE = 8000;
export const msOf = (samples) => (samples * 1000) / RATE;
export const samplesOf = (ms) => Math.round((ms * RATE) / 1000);
export { dbm0ToPower, powerToDbm0 };

/** Float samples (full scale = 1) → 16-bit PCM, rounded and clipped as encodeSamples(…, "pcm16"). */
export function toPcm16(samples, into = new Int16Array(samples.length), at = 0) {
  for (let i = 0; i < samples.length; i++) {
    const x = Math.round(samples[i] * FULL_SCALE_16);
    into[at + i] = x > FULL_SCALE_16 - 1 ? FULL_SCALE_16 - 1 : x < -FULL_SCALE_16 ? -FULL_SCALE_16 : x;
  }
  return into;
}

const ULAW = Int16Array.from({ length: 256 }, (_, code) => ulawToLinear(code));
const ALAW = Int16Array.from({ length: 256 }, (_, code) => alawToLinear(code));

/**
 * A G.711 round trip: float → 16-bit → μ-law or A-law bytes (the library's compressor) →
 * back to linear with G.711's expansion (dist/g711.js), as a far end's codec would.
 */
export function g711RoundTrip(samples, law) {
  const compress = law === "mulaw" ? linearToUlaw : linearToAlaw;
  const expand = law === "mulaw" ? ULAW : ALAW;
  const pcm = toPcm16(samples);
  const out = new Float32Array(samples.length);
  for (let i = 0; i < pcm.length; i++) out[i] = expand[compress(pcm[i])] / FULL_SCALE_16;
  return out;
}

/**
 * Reads a 16-bit PCM WAV file whole through the library's reader (dist/wav/reader.js, the one
 * WAV reader of the project): { sampleRate, channels, samples: Int16Array (first channel) }.
 */
export async function readWav(path) {
  const reader = await AudioReader.open({ path });
  if (reader.encoding !== "pcm16" || reader.decimation !== 1) throw new Error(`${path}: only 16-bit PCM WAV at 8-48 kHz is read here`);
  const parts = [];
  for await (const block of reader.blocks()) {
    const bytes = block.channels[0];
    parts.push(new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)));
  }
  const samples = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (samples.set(p, at), at + p.length), 0);
  return { sampleRate: reader.sampleRate, channels: reader.format.channels, samples };
}

/** The same, as float samples (full scale = 1). */
export async function readWavFloat(path) {
  const { sampleRate, samples } = await readWav(path);
  return { sampleRate, samples: Float32Array.from(samples, (v) => v / FULL_SCALE_16) };
}

/**
 * Active level of speech (dBm0): mean power of the 20 ms frames above −50 dBm0, so that the
 * pauses between prompts do not dilute it (a simple stand-in for ITU-T P.56's active level).
 */
export function activeLevelDbm0(samples) {
  const frame = samplesOf(20);
  const floor = dbm0ToPower(-50);
  let sum = 0, frames = 0;
  for (let at = 0; at + frame <= samples.length; at += frame) {
    let p = 0;
    for (let i = at; i < at + frame; i++) { const x = samples[i] / FULL_SCALE_16; p += x * x; }
    p /= frame;
    if (p >= floor) { sum += p; frames++; }
  }
  return frames ? powerToDbm0(sum / frames) : -Infinity;
}

/** Silence between two cases of a stream: every detector has settled by then. */
const SEPARATOR_MS = 200;

/**
 * Lays cases end to end as one 16-bit stream. Each case brings its float samples and its
 * true tones (the generator's); the builder keeps where every case and tone lands.
 * finish() appends a sentinel key (not scored), so that a detector that reports a key only
 * when the next one starts (dtmf-detection-stream) still reports the last case's last key.
 */
export class StreamBuilder {
  constructor() {
    this.parts = [];
    this.cases = [];
    this.tones = [];
    this.length = 0;
  }

  /** Adds a case: `info` is kept as is; `tones` are the generator's (startSample, durationSamples). */
  add(info, samples, tones) {
    const start = this.length + samplesOf(SEPARATOR_MS);
    this.parts.push({ at: start, pcm: samples instanceof Int16Array ? samples : toPcm16(samples) });
    const index = this.cases.length;
    this.cases.push({ info, spanStartMs: msOf(this.length), startMs: msOf(start), endMs: msOf(start + samples.length) });
    for (const t of tones) {
      this.tones.push({ digit: t.digit, startMs: msOf(start + t.startSample), durationMs: msOf(t.durationSamples), endMs: msOf(start + t.startSample + t.durationSamples), caseIndex: index });
    }
    this.length = start + samples.length;
  }

  get caseCount() {
    return this.cases.length;
  }

  finish() {
    const sentinel = generateDtmf({ keys: "D", toneMs: 100, leadMs: 0, tailMs: 300, levelDbm0: -10, seed: 99 });
    this.add({ sentinel: true }, sentinel.samples, sentinel.tones);
    const pcm = new Int16Array(this.length + samplesOf(SEPARATOR_MS));
    for (const part of this.parts) pcm.set(part.pcm, part.at);
    return { pcm, tones: this.tones, cases: this.cases, durationMs: msOf(pcm.length) };
  }
}
