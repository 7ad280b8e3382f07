/**
 * Audio plumbing for the bench: 16-bit conversion, G.711 round trips, WAV reading, speech
 * levels, and the stream builder that lays many test cases end to end so that each detector
 * runs once per stream (spandsp runs as a separate process: one launch per stream, not per case).
 */
import { readFile } from "node:fs/promises";
import { DBM0_REF_POWER, generateDtmf, linearToAlaw, linearToUlaw } from "../../dist/index.js";
import { alawToLinear, ulawToLinear } from "../../dist/g711.js";

export const RATE = 8000;
export const msOf = (samples) => (samples * 1000) / RATE;
export const samplesOf = (ms) => Math.round((ms * RATE) / 1000);
export const dbm0ToPower = (dbm0) => DBM0_REF_POWER * 10 ** (dbm0 / 10);
export const powerToDbm0 = (power) => 10 * Math.log10(power / DBM0_REF_POWER);

/** Float samples (full scale = 1) → 16-bit PCM, rounded and clipped as encodeSamples(…, "pcm16"). */
export function toPcm16(samples, into = new Int16Array(samples.length), at = 0) {
  for (let i = 0; i < samples.length; i++) {
    const x = Math.round(samples[i] * 32768);
    into[at + i] = x > 32767 ? 32767 : x < -32768 ? -32768 : x;
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
  for (let i = 0; i < pcm.length; i++) out[i] = expand[compress(pcm[i])] / 32768;
  return out;
}

/** Reads a RIFF/WAVE file of 16-bit PCM: { sampleRate, channels, samples: Int16Array (first channel) }. */
export async function readWav(path) {
  const bytes = await readFile(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at) => String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
  if (tag(0) !== "RIFF" || tag(8) !== "WAVE") throw new Error(`${path}: not a RIFF/WAVE file`);
  let format = null;
  for (let at = 12; at + 8 <= bytes.length;) {
    const id = tag(at);
    const size = view.getUint32(at + 4, true);
    if (id === "fmt ") {
      format = { code: view.getUint16(at + 8, true), channels: view.getUint16(at + 10, true), sampleRate: view.getUint32(at + 12, true), bits: view.getUint16(at + 22, true) };
    } else if (id === "data") {
      if (!format) throw new Error(`${path}: data chunk before fmt chunk`);
      if ((format.code !== 1 && format.code !== 0xfffe) || format.bits !== 16) throw new Error(`${path}: only 16-bit PCM WAV is read here`);
      const frames = Math.floor(Math.min(size, bytes.length - at - 8) / (2 * format.channels));
      const samples = new Int16Array(frames);
      for (let i = 0; i < frames; i++) samples[i] = view.getInt16(at + 8 + 2 * i * format.channels, true);
      return { sampleRate: format.sampleRate, channels: format.channels, samples };
    }
    at += 8 + size + (size & 1);
  }
  throw new Error(`${path}: no data chunk`);
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
    for (let i = at; i < at + frame; i++) { const x = samples[i] / 32768; p += x * x; }
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
