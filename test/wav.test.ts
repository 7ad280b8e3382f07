/**
 * The streaming WAV reader: every format decodes the same keys as the 16-bit original (variants
 * written by wavefile, or assembled here where wavefile cannot write them), any split of the
 * byte stream gives identical events, memory stays bounded, and each kind of damage gives a
 * WavFileError naming the file and the problem.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import wavefile from "wavefile";
import { DtmfFileError } from "../src/errors.js";
import type { DtmfEvent } from "../src/events.js";
import { type GeneratedAudio, encodeSamples, generateDtmf, seededRandom } from "../src/generator.js";
import { Decimator, MAX_FILE_SAMPLE_RATE, decimationFactor, designLowPass, planRate } from "../src/wav/decimate.js";
import { RESAMPLED_RATE, Resampler } from "../src/wav/resample.js";

/** Longest decimation filter any readable rate may need: 5.5 × 768 kHz / 16 kHz transition. */
const MAX_TAPS = 265;
import { WavFileError, type WavProblem, faultMessage } from "../src/wav/errors.js";
import type { RawOptions } from "../src/wav/raw.js";
import { AudioReader } from "../src/wav/reader.js";
import { encodeWav } from "../src/wav/write.js";
import { ALL, testEngine } from "./helpers.js";

/** Stated tolerance of onsets and durations against the generator's truth, ms (issue #3: p95 ≤ 5 ms). */
const TOLERANCE_MS = 5;
const NAME = "call.wav";
const RATE = 8000;

const original = generateDtmf({ keys: ALL, toneMs: 60, gapMs: 60, sampleRate: RATE, seed: 3 });
const pcm16 = encodeWav([original.samples], RATE, "pcm16");
const silence = (n: number) => new Float32Array(n);

interface Decoded {
  reader: AudioReader;
  /** Finished key presses per channel. */
  presses: DtmfEvent[][];
  digits: string[];
}

/** Bytes in pieces of the given sizes (the rest in one piece). */
async function* pieces(bytes: Uint8Array, sizes: number[] = []): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (const size of sizes) {
    if (at >= bytes.length) return;
    yield bytes.slice(at, at + size);
    at += size;
  }
  if (at < bytes.length) yield bytes.slice(at);
}

/** Reads `bytes` as a stream through the reader and one detector per channel. */
async function decode(bytes: Uint8Array, options: { sizes?: number[]; chunkBytes?: number; raw?: RawOptions; file?: boolean } = {}): Promise<Decoded> {
  // A file (`file`) has a size; a stream does not, and a WAV header's length on a stream is an estimate.
  const source = options.file ? { path: writeScratch(bytes), name: NAME } : { stream: pieces(bytes, options.sizes), name: NAME };
  const reader = await AudioReader.open(source, { chunkBytes: options.chunkBytes, raw: options.raw });
  const engine = await testEngine();
  const detectors = Array.from({ length: reader.channels }, () => engine.createDetector({ sampleRate: reader.sampleRate, encoding: reader.encoding }));
  const presses: DtmfEvent[][] = detectors.map(() => []);
  const keep = (c: number, events: readonly { type: string }[]) => presses[c].push(...events.filter((e): e is DtmfEvent => e.type === "dtmf"));
  for await (const block of reader.blocks()) block.channels.forEach((chunk, c) => keep(c, detectors[c].process(chunk)));
  detectors.forEach((d, c) => { keep(c, d.flush()); d.close(); });
  return { reader, presses, digits: presses.map((p) => p.map((e) => e.digit).join("")) };
}

let scratchDir: string | undefined;
function writeScratch(bytes: Uint8Array): string {
  scratchDir ??= mkdtempSync(join(tmpdir(), "dtmf-wav-file-"));
  const path = join(scratchDir, `${Math.random().toString(36).slice(2)}.wav`);
  writeFileSync(path, bytes);
  return path;
}

/** The presses match the generator's truth: same keys, onsets and durations within TOLERANCE_MS. */
function expectTruth(presses: DtmfEvent[], audio: GeneratedAudio): void {
  expect(presses.map((e) => e.digit).join("")).toBe(audio.tones.map((t) => t.digit).join(""));
  presses.forEach((e, i) => {
    expect(Math.abs(e.startMs - audio.tones[i].startMs)).toBeLessThanOrEqual(TOLERANCE_MS);
    expect(Math.abs(e.durationMs - audio.tones[i].durationMs)).toBeLessThanOrEqual(TOLERANCE_MS);
  });
}

/** A wavefile object holding the 16-bit original, to convert. */
const fromOriginal = () => new wavefile.WaveFile(pcm16);

/** Builds a RIFF file from chunks (pad bytes added after odd-sized ones). */
function riff(chunks: [string, Uint8Array, number?][], id = "RIFF", form = "WAVE"): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const [chunkId, body, declared] of chunks) {
    const header = new Uint8Array(8);
    header.set(ascii(chunkId));
    new DataView(header.buffer).setUint32(4, declared ?? body.length, id !== "RIFX");
    parts.push(header, body);
    if (body.length & 1) parts.push(new Uint8Array(1));
  }
  const size = parts.reduce((n, p) => n + p.length, 4);
  const out = new Uint8Array(8 + size);
  out.set(ascii(id));
  new DataView(out.buffer).setUint32(4, id === "RF64" ? 0xffffffff : size, id !== "RIFX");
  out.set(ascii(form), 8);
  let at = 12;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

interface FmtFields { tag: number; channels: number; rate: number; bits: number; blockAlign?: number; extensible?: { validBits: number; subTag: number; guidTail?: number[] } }
const GUID_TAIL = [0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

function fmt(f: FmtFields): Uint8Array {
  const body = new Uint8Array(f.extensible ? 40 : 16);
  const v = new DataView(body.buffer);
  const blockAlign = f.blockAlign ?? f.channels * Math.ceil(f.bits / 8);
  v.setUint16(0, f.extensible ? 0xfffe : f.tag, true);
  v.setUint16(2, f.channels, true);
  v.setUint32(4, f.rate, true);
  v.setUint32(8, f.rate * blockAlign, true);
  v.setUint16(12, blockAlign, true);
  v.setUint16(14, f.bits, true);
  if (f.extensible) {
    v.setUint16(16, 22, true);
    v.setUint16(18, f.extensible.validBits, true);
    v.setUint32(20, 0, true);
    v.setUint32(24, f.extensible.subTag, true);
    body.set(f.extensible.guidTail ?? GUID_TAIL, 28);
  }
  return body;
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const pcm16Data = bytesOf(encodeSamples(original.samples, "pcm16"));
const float32Data = bytesOf(encodeSamples(original.samples, "float32"));

async function expectProblem(bytes: Uint8Array, problem: WavProblem, message: RegExp): Promise<void> {
  const error = await decode(bytes).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(DtmfFileError);
  expect(error).toBeInstanceOf(WavFileError);
  expect((error as WavFileError).problem).toBe(problem);
  expect((error as Error).message).toMatch(new RegExp(`^${NAME}: `));
  expect((error as Error).message).toMatch(message);
  expect((error as Error).message).not.toContain("\n");
}

describe("every WAV format decodes the same keys as the 16-bit original", async () => {
  const reference = await decode(pcm16);

  it("the 16-bit original matches the generator's truth", () => {
    expect(reference.reader.format).toMatchObject({ kind: "int", bytesPerSample: 2, channels: 1, sampleRate: RATE });
    expectTruth(reference.presses[0], original);
  });

  const variants: [string, () => Uint8Array, Partial<{ kind: string; bytesPerSample: number; bigEndian: boolean }>][] = [
    ["8-bit unsigned PCM (wavefile)", () => { const w = fromOriginal(); w.toBitDepth("8"); return w.toBuffer(); }, { kind: "int", bytesPerSample: 1 }],
    ["24-bit PCM (wavefile)", () => { const w = fromOriginal(); w.toBitDepth("24"); return w.toBuffer(); }, { kind: "int", bytesPerSample: 3 }],
    ["32-bit PCM (wavefile)", () => { const w = fromOriginal(); w.toBitDepth("32"); return w.toBuffer(); }, { kind: "int", bytesPerSample: 4 }],
    ["32-bit float (wavefile)", () => { const w = fromOriginal(); w.toBitDepth("32f"); return w.toBuffer(); }, { kind: "float", bytesPerSample: 4 }],
    ["64-bit float (wavefile)", () => { const w = fromOriginal(); w.toBitDepth("64"); return w.toBuffer(); }, { kind: "float", bytesPerSample: 8 }],
    ["μ-law (wavefile's encoder)", () => { const w = fromOriginal(); w.toMuLaw(); return w.toBuffer(); }, { kind: "mulaw", bytesPerSample: 1 }],
    ["A-law (wavefile's encoder)", () => { const w = fromOriginal(); w.toALaw(); return w.toBuffer(); }, { kind: "alaw", bytesPerSample: 1 }],
    ["μ-law (the library's encoder)", () => encodeWav([original.samples], RATE, "mulaw"), { kind: "mulaw" }],
    ["A-law (the library's encoder)", () => encodeWav([original.samples], RATE, "alaw"), { kind: "alaw" }],
    ["RIFX big-endian 16-bit (wavefile)", () => { const w = fromOriginal(); w.toRIFX(); return w.toBuffer(); }, { kind: "int", bigEndian: true }],
    ["RIFX big-endian 24-bit (wavefile)", () => { const w = fromOriginal(); w.toBitDepth("24"); w.toRIFX(); return w.toBuffer(); }, { bytesPerSample: 3, bigEndian: true }],
    ["RIFX big-endian 32-bit float (wavefile)", () => { const w = fromOriginal(); w.toBitDepth("32f"); w.toRIFX(); return w.toBuffer(); }, { kind: "float", bigEndian: true }],
    ["WAVE_FORMAT_EXTENSIBLE 32-bit float (assembled)", () => riff([["fmt ", fmt({ tag: 3, channels: 1, rate: RATE, bits: 32, extensible: { validBits: 32, subTag: 3 } })], ["data", float32Data]]), { kind: "float" }],
    ["WAVE_FORMAT_EXTENSIBLE 16-bit PCM (assembled)", () => riff([["fmt ", fmt({ tag: 1, channels: 1, rate: RATE, bits: 16, extensible: { validBits: 16, subTag: 1 } })], ["data", pcm16Data]]), { kind: "int" }],
    ["WAVEFORMATEX with cbSize 0 (18-byte fmt)", () => riff([["fmt ", Uint8Array.from([...fmt({ tag: 1, channels: 1, rate: RATE, bits: 16 }), 0, 0])], ["data", pcm16Data]]), { kind: "int" }],
    ["LIST, fact, JUNK (odd size, padded) and bext chunks before the data", () => riff([
      ["LIST", Uint8Array.from([...ascii("INFOICMT"), 5, 0, 0, 0, ...ascii("hello"), 0])],
      ["fmt ", fmt({ tag: 1, channels: 1, rate: RATE, bits: 16 })],
      ["fact", Uint8Array.of(1, 2, 3, 4)], ["JUNK", Uint8Array.of(9, 9, 9)], ["bext", new Uint8Array(602)],
      ["data", pcm16Data]]), { kind: "int" }],
    ["LIST and cue chunks after the data (wavefile tags and cue points)", () => {
      const w = fromOriginal(); w.setTag("ICMT", "a test call"); w.setCuePoint({ position: 500, label: "key" }); return w.toBuffer();
    }, { kind: "int" }],
    ["RF64 with a ds64 chunk (assembled)", () => {
      const ds64 = new Uint8Array(28);
      new DataView(ds64.buffer).setUint32(8, pcm16Data.length, true);
      return riff([["ds64", ds64], ["fmt ", fmt({ tag: 1, channels: 1, rate: RATE, bits: 16 })], ["data", pcm16Data, 0xffffffff]], "RF64");
    }, { kind: "int" }],
    ["a WAV streamed with its sizes left at 0xFFFFFFFF", () => riff([["fmt ", fmt({ tag: 1, channels: 1, rate: RATE, bits: 16 })], ["data", pcm16Data, 0xffffffff]]), { kind: "int" }],
  ];

  it.each(variants)("%s", async (_name, make, format) => {
    const decoded = await decode(make());
    expect(decoded.reader.format).toMatchObject(format);
    expect(decoded.reader.warnings).toEqual([]);
    expect(decoded.digits).toEqual(reference.digits);
    expectTruth(decoded.presses[0], original);
  });

  it("lossless variants (24/32-bit int, 32/64-bit float) give exactly the original's events", async () => {
    for (const depth of ["24", "32", "32f", "64"]) {
      const w = fromOriginal();
      w.toBitDepth(depth);
      expect((await decode(w.toBuffer())).presses, depth).toEqual(reference.presses);
    }
  });

  it("samples with fewer valid bits than their container (wavefile's 20-bit) are read left-justified, as WAVE_FORMAT_EXTENSIBLE says", async () => {
    const w = fromOriginal();
    w.toBitDepth("20");
    const decoded = await decode(w.toBuffer());
    expect(decoded.reader.format).toMatchObject({ kind: "int", bytesPerSample: 3, validBits: 20 });
    expect(decoded.digits).toEqual(reference.digits);
    // wavefile stores 20-bit values right-justified, so they read 4 bits (24.1 dB) low.
    const drop = reference.presses[0][0].lowDbm0 - decoded.presses[0][0].lowDbm0;
    expect(drop).toBeGreaterThan(23.5);
    expect(drop).toBeLessThan(24.7);
  });

  it.each([11025, 16000, 22050, 32000, 44100, 48000])("%i Hz 16-bit (wavefile) at the file's own rate", async (rate) => {
    const audio = generateDtmf({ keys: ALL, toneMs: 60, gapMs: 60, sampleRate: rate, seed: 3 });
    const decoded = await decode(encodeWav([audio.samples], rate, "pcm16"));
    expect(decoded.reader.sampleRate).toBe(rate);
    expect(decoded.reader.decimation).toBe(1);
    expectTruth(decoded.presses[0], audio);
  });

  it.each([[88200, 2], [96000, 2], [176400, 4], [192000, 4]])("%i Hz is decimated by %i and keeps onsets", async (rate, factor) => {
    const audio = generateDtmf({ keys: ALL, toneMs: 60, gapMs: 60, sampleRate: rate, seed: 3 });
    const decoded = await decode(encodeWav([audio.samples], rate, "float32"));
    expect(decoded.reader.decimation).toBe(factor);
    expect(decoded.reader.sampleRate).toBe(rate / factor);
    expectTruth(decoded.presses[0], audio);
  });

  it("stereo 44.1 kHz with the keys on one channel: that channel has them, the other nothing", async () => {
    const audio = generateDtmf({ keys: "147*", sampleRate: 44100 });
    const decoded = await decode(encodeWav([silence(audio.samples.length), audio.samples], 44100, "pcm16"));
    expect(decoded.reader.channels).toBe(2);
    expect(decoded.digits[0]).toBe("");
    expectTruth(decoded.presses[1], audio);
  });

  it.each([
    ["16-bit PCM (extensible, wavefile)", "16"], ["24-bit PCM (extensible, wavefile)", "24"], ["32-bit float", "32f"], ["μ-law", "8m"], ["A-law", "8a"],
  ])("3 channels of %s, different keys on each", async (_name, depth) => {
    const tracks = ["123", "456", "789"].map((keys, i) => generateDtmf({ keys, sampleRate: RATE, seed: i + 1 }));
    const w = new wavefile.WaveFile();
    if (depth === "8m" || depth === "8a") {
      w.fromScratch(3, RATE, depth, tracks.map((t) => encodeSamples(t.samples, depth === "8m" ? "mulaw" : "alaw")));
    } else {
      w.fromScratch(3, RATE, "16", tracks.map((t) => encodeSamples(t.samples, "pcm16")));
      if (depth !== "16") w.toBitDepth(depth);
    }
    const decoded = await decode(w.toBuffer());
    expect(decoded.reader.channels).toBe(3);
    tracks.forEach((t, c) => expectTruth(decoded.presses[c], t));
  });
});

describe("raw (headerless) input", () => {
  it.each([["mulaw", "mulaw"], ["alaw", "alaw"], ["s16le", "pcm16"], ["f32le", "float32"]] as const)("%s decodes the same keys", async (raw, encoding) => {
    const decoded = await decode(bytesOf(encodeSamples(original.samples, encoding)), { raw: { sampleRate: RATE, encoding: raw } });
    expect(decoded.reader.header).toBeUndefined();
    expectTruth(decoded.presses[0], original);
  });

  it("interleaved stereo s16le at 16 kHz", async () => {
    const audio = generateDtmf({ keys: "90#", sampleRate: 16000 });
    const left = encodeSamples(audio.samples, "pcm16");
    const both = new Int16Array(left.length * 2);
    left.forEach((s, i) => { both[2 * i + 1] = s; });
    const decoded = await decode(bytesOf(both), { raw: { sampleRate: 16000, encoding: "s16le", channels: 2 } });
    expect(decoded.digits[0]).toBe("");
    expectTruth(decoded.presses[1], audio);
  });

  it("an odd byte count in s16le warns about the partial frame and keeps the keys", async () => {
    const data = bytesOf(encodeSamples(original.samples, "pcm16"));
    const decoded = await decode(data.subarray(0, data.length - 1), { raw: { sampleRate: RATE, encoding: "s16le" } });
    expect(decoded.reader.warnings.map((w) => w.problem)).toEqual(["truncated-data"]);
    expect(decoded.reader.warnings[0].message).toMatch(/call\.wav: the audio ends inside a frame: 1 trailing byte/);
    expect(decoded.digits).toEqual([ALL]);
  });

  it("empty raw input is an error", async () => {
    const error = await decode(new Uint8Array(0), { raw: { sampleRate: RATE, encoding: "mulaw" } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ problem: "empty", message: "call.wav: empty file (0 bytes)" });
  });
});

describe("any split of the byte stream gives identical events", async () => {
  const stereo24 = (() => {
    const a = generateDtmf({ keys: "1A2B3C", toneMs: 50, gapMs: 45, sampleRate: 22050, seed: 9, snrDb: 20 });
    const b = generateDtmf({ keys: "#0*D", toneMs: 70, gapMs: 55, leadMs: 300, sampleRate: 22050, seed: 4 });
    const w = new wavefile.WaveFile();
    const n = Math.max(a.samples.length, b.samples.length);
    const pad = (s: Float32Array) => { const out = new Float32Array(n); out.set(s); return encodeSamples(out, "pcm16"); };
    w.fromScratch(2, 22050, "16", [pad(a.samples), pad(b.samples)]);
    w.toBitDepth("24");
    w.setTag("ISFT", "test");
    return w.toBuffer();
  })();
  const files: [string, Uint8Array][] = [["16-bit mono", pcm16], ["24-bit stereo 22.05 kHz", stereo24], ["μ-law", encodeWav([original.samples], RATE, "mulaw")]];

  it.each(files)("%s: stream pieces of 1, 3, 7, 4096 bytes and random sizes", async (_name, bytes) => {
    const whole = await decode(bytes);
    expect(whole.presses.flat().length).toBeGreaterThan(0);
    const random = seededRandom(11);
    const splits = [
      Array.from({ length: 200 }, () => 1), Array.from({ length: bytes.length / 3 + 1 }, () => 3), Array.from({ length: 500 }, () => 7),
      [4096, 4096], Array.from({ length: 300 }, () => 1 + Math.floor(random() * 2000)),
    ];
    for (const sizes of splits) expect((await decode(bytes, { sizes })).presses).toEqual(whole.presses);
  });

  it.each(files)("%s: blocks of one frame, odd sizes and the whole file", async (_name, bytes) => {
    const whole = await decode(bytes);
    for (const chunkBytes of [1, 6, 1001, 65536, bytes.length]) {
      expect((await decode(bytes, { chunkBytes })).presses, `chunkBytes ${chunkBytes}`).toEqual(whole.presses);
    }
  });

  it("decimated input (96 kHz) gives identical events for any block size", async () => {
    const audio = generateDtmf({ keys: "58#", sampleRate: 96000, seed: 2 });
    const bytes = encodeWav([audio.samples], 96000, "pcm16");
    const whole = await decode(bytes);
    expectTruth(whole.presses[0], audio);
    for (const chunkBytes of [2, 998, 4096, 30000]) expect((await decode(bytes, { chunkBytes })).presses).toEqual(whole.presses);
  });

  it("the decimator's output does not depend on how its input is split", () => {
    const h = designLowPass(96000, 2);
    const input = Float32Array.from({ length: 5000 }, (_, i) => Math.sin(i * 0.01) + (i % 7) / 10);
    const run = (sizes: number[]) => {
      const d = new Decimator(2, h, 6000);
      const out: number[] = [];
      let at = 0;
      for (const size of sizes) { out.push(...d.push(input.subarray(at, at + size))); at += size; }
      out.push(...d.flush());
      return out;
    };
    const whole = run([5000]);
    expect(whole.length).toBe(2500);
    expect(run(Array.from({ length: 5000 }, () => 1))).toEqual(whole);
    expect(run([1, 2, 3, 997, 1, 3996])).toEqual(whole);
  });

  it("the decimation filter passes DTMF at unit gain and stops what would alias onto it", () => {
    for (const [rate, factor] of [[96000, 2], [192000, 4], [88200, 2]]) {
      const h = designLowPass(rate, factor);
      expect(h.length % 2).toBe(1);
      const gainDb = (hz: number) => {
        let re = 0, im = 0;
        h.forEach((v, n) => { re += v * Math.cos((2 * Math.PI * hz * n) / rate); im -= v * Math.sin((2 * Math.PI * hz * n) / rate); });
        return 10 * Math.log10(re * re + im * im);
      };
      for (const hz of [697, 941, 1209, 1633, 3300]) expect(Math.abs(gainDb(hz))).toBeLessThan(0.05);
      const outRate = rate / factor;
      for (const hz of [outRate - 1633, outRate - 697, outRate + 941]) expect(gainDb(hz)).toBeLessThan(-60);
    }
  });

  it("decimation factors: rates within range need none, others divide down or are refused", () => {
    expect(decimationFactor(8000)).toBe(1);
    expect(decimationFactor(48000)).toBe(1);
    expect(decimationFactor(96000)).toBe(2);
    expect(decimationFactor(352800)).toBe(8);
    expect(decimationFactor(50000)).toBe(2);
    expect(decimationFactor(48001)).toBeUndefined();
    expect(decimationFactor(376094)).toBeUndefined(); // 2 × 188047: no factor leaves 24-48 kHz
    expect(planRate(376094)).toEqual({ kind: "resample" });
    expect(planRate(96000)).toEqual({ kind: "decimate", factor: 2 });
    expect(planRate(MAX_FILE_SAMPLE_RATE + 1)).toBeUndefined();
  });

  it("every decimation filter a readable rate can need is short, whatever the rate's factors", () => {
    // The filter was sized by the factor found: 63,375,757 Hz asked for billions of taps.
    for (let rate = 48_001; rate <= MAX_FILE_SAMPLE_RATE; rate += 997) {
      const plan = planRate(rate);
      if (plan?.kind === "decimate") expect(designLowPass(rate, plan.factor).length, `${rate} Hz`).toBeLessThanOrEqual(MAX_TAPS);
    }
  });

  it.each([376_094, 767_999])("%i Hz (above the generator's range): a hand-made 5 is found at its onset", async (rate) => {
    const start = Math.round(0.05 * rate), length = Math.round(0.1 * rate);
    const samples = new Float32Array(Math.round(0.3 * rate));
    for (let i = 0; i < length; i++) {
      const t = i / rate;
      samples[start + i] = 0.2 * (Math.sin(2 * Math.PI * 770 * t) + Math.sin(2 * Math.PI * 1336 * t));
    }
    const decoded = await decode(encodeWav([samples], rate, "float32"));
    expect(decoded.reader.sampleRate).toBe(rate === 376_094 ? RESAMPLED_RATE : rate / 19); // 767,999 = 19 × 40,421
    expect(decoded.presses[0].map((e) => e.digit)).toEqual(["5"]);
    expect(Math.abs(decoded.presses[0][0].startMs - 50)).toBeLessThanOrEqual(TOLERANCE_MS);
    expect(Math.abs(decoded.presses[0][0].durationMs - 100)).toBeLessThanOrEqual(TOLERANCE_MS);
  });

  it.each([48_001, 96_001, 100_003, 191_999])("%i Hz (no integer factor) is resampled to 48 kHz and keeps onsets", async (rate) => {
    const audio = generateDtmf({ keys: "1#5D", toneMs: 60, gapMs: 60, sampleRate: rate, seed: 4 });
    const decoded = await decode(encodeWav([audio.samples], rate, "float32"));
    expect(decoded.reader.sampleRate).toBe(RESAMPLED_RATE);
    expect(decoded.reader.decimation).toBeCloseTo(rate / RESAMPLED_RATE, 9);
    expectTruth(decoded.presses[0], audio);
  });

  it("the resampler's output does not depend on how its input is split, and has the right length", () => {
    const input = Float32Array.from({ length: 7001 }, (_, i) => Math.sin(i * 0.013) + (i % 5) / 10);
    const run = (sizes: number[]) => {
      const r = new Resampler(100_003, 8000);
      const out: number[] = [];
      let at = 0;
      for (const size of sizes) { out.push(...r.push(input.subarray(at, at + size))); at += size; }
      out.push(...r.flush());
      return out;
    };
    const whole = run([7001]);
    expect(whole.length).toBe(Math.ceil((7001 * 48000) / 100_003));
    expect(run(Array.from({ length: 7001 }, () => 1))).toEqual(whole);
    expect(run([1, 2, 3, 997, 1, 5997])).toEqual(whole);
  });

  it("the resampler passes DTMF at unit gain and keeps a tone's frequency", () => {
    for (const rate of [48_001, 376_094, 767_999]) {
      const hz = 1209;
      const n = rate; // one second
      const input = Float32Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * hz * i) / rate));
      const r = new Resampler(rate, n);
      const out = Float32Array.from([...r.push(input), ...r.flush()]);
      // Correlate the middle half with the ideal 48 kHz tone: gain 1 (±0.05 dB) at phase 0.
      let re = 0, im = 0, count = 0;
      for (let k = out.length / 4; k < (3 * out.length) / 4; k++) {
        re += out[k] * Math.sin((2 * Math.PI * hz * k) / 48000);
        im += out[k] * Math.cos((2 * Math.PI * hz * k) / 48000);
        count++;
      }
      const gainDb = 20 * Math.log10((2 * Math.hypot(re, im)) / count);
      expect(Math.abs(gainDb), `${rate} Hz`).toBeLessThan(0.05);
      expect(Math.abs(im / re), `${rate} Hz phase`).toBeLessThan(0.01);
    }
  });
});

describe("bounded memory", () => {
  it("a 4 GB streamed WAV is read block by block: no more than a block ahead is ever pulled", async () => {
    const header = riff([["fmt ", fmt({ tag: 1, channels: 1, rate: RATE, bits: 16 })], ["data", new Uint8Array(0), 0xfffffff0]]);
    const chunk = 10_000;
    let pulled = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      yield header;
      pulled += header.length;
      const zeros = new Uint8Array(chunk);
      for (;;) {
        pulled += chunk;
        yield zeros;
      }
    }
    const reader = await AudioReader.open({ stream: endless(), name: "huge.wav" });
    expect(reader.dataBytes).toBe(0xfffffff0);
    const blockBytes = 65536;
    let blocks = 0;
    for await (const block of reader.blocks()) {
      expect(block.frames).toBe(blockBytes / 2);
      expect(pulled).toBeLessThanOrEqual(header.length + (blocks + 1) * blockBytes + chunk);
      if (++blocks === 20) break;
    }
    expect(reader.framesRead).toBe(20 * (blockBytes / 2));
  });

  it("stopping early closes the source", async () => {
    let closed = false;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        yield pcm16;
        yield new Uint8Array(1 << 20);
      } finally {
        closed = true;
      }
    }
    const reader = await AudioReader.open({ stream: source(), name: NAME });
    for await (const _block of reader.blocks()) break;
    expect(closed).toBe(true);
  });
});

describe("damaged and unsupported files", () => {
  const fmt16 = () => fmt({ tag: 1, channels: 1, rate: RATE, bits: 16 });

  it("zero-length file", () => expectProblem(new Uint8Array(0), "empty", /: empty file \(0 bytes\)$/));
  it("a data chunk of 0 bytes", () => expectProblem(riff([["fmt ", fmt16()], ["data", new Uint8Array(0)]]), "empty", /no audio: the 'data' chunk is empty/));
  it("not RIFF: text", () => expectProblem(ascii("hello, world\n"), "not-wav", /not a WAV file: it starts with "hell", not "RIFF"/));
  // An MP3 goes to the MP3 decoder (test/compressed.test.ts); one with no audio is a typed error.
  it("an MP3 with no audio", () => expectProblem(Uint8Array.from([...ascii("ID3"), 3, 0, 0, 0, 0, 0, 0]), "empty", /no audio in the MP3 file/));
  it("RIFF but not WAVE", () => expectProblem(riff([["avih", new Uint8Array(8)]], "RIFF", "AVI "), "not-wav", /a RIFF file of type "AVI ", not "WAVE"/));

  it.each([2, 4, 11, 12, 20, 30, 40])("header cut after %i bytes", (cut) =>
    expectProblem(pcm16.subarray(0, cut), "truncated-header", /truncated WAV header: the file ends/));

  it("a fmt chunk and no data chunk", () => expectProblem(riff([["fmt ", fmt16()], ["LIST", new Uint8Array(4)]]), "truncated-header", /before the 'data' chunk/));
  it("a chunk larger than the file", () => expectProblem(riff([["fmt ", fmt16()], ["LIST", new Uint8Array(10), 5000]]), "truncated-header", /ends inside its 'LIST' chunk/));
  it("data before fmt", () => expectProblem(riff([["data", pcm16Data], ["fmt ", fmt16()]]), "bad-header", /'data' chunk comes before the 'fmt ' chunk/));
  it("a fmt chunk of 8 bytes", () => expectProblem(riff([["fmt ", new Uint8Array(8)], ["data", pcm16Data]]), "bad-header", /a 'fmt ' chunk of 8 bytes/));
  it("0 channels", () => expectProblem(riff([["fmt ", fmt({ tag: 1, channels: 0, rate: RATE, bits: 16, blockAlign: 2 })], ["data", pcm16Data]]), "bad-header", /0 channels/));
  it("a block size that contradicts the channels", () => expectProblem(riff([["fmt ", fmt({ tag: 1, channels: 2, rate: RATE, bits: 16, blockAlign: 2 })], ["data", pcm16Data]]), "bad-header", /frames of 2 bytes do not hold 2 channel/));
  it("a sample rate of 0", () => expectProblem(riff([["fmt ", fmt({ tag: 1, channels: 1, rate: 0, bits: 16 })], ["data", pcm16Data]]), "bad-header", /sample rate of 0 Hz/));

  it.each([
    [0x0011, /IMA ADPCM \(format tag 0x0011\)/], [0x0055, /MPEG layer 3 \(MP3\) \(format tag 0x0055\)/], [0x0002, /Microsoft ADPCM/], [0x1234, /encoding: \(format tag 0x1234\)/],
  ])("format tag 0x%s is refused by name", (tag, message) =>
    expectProblem(riff([["fmt ", fmt({ tag, channels: 1, rate: RATE, bits: 4, blockAlign: 256 })], ["data", new Uint8Array(512)]]), "unsupported-encoding", message));

  it("the message lists what is supported", () => expectProblem(riff([["fmt ", fmt({ tag: 0x31, channels: 1, rate: RATE, bits: 0, blockAlign: 65 })], ["data", new Uint8Array(65)]]),
    "unsupported-encoding", /GSM 6\.10.*; dtmf-wasm reads 8\/16\/24\/32-bit integer PCM, 32\/64-bit float, G\.711 μ-law and A-law$/));
  it("16-bit float", () => expectProblem(riff([["fmt ", fmt({ tag: 3, channels: 1, rate: RATE, bits: 16 })], ["data", pcm16Data]]), "unsupported-encoding", /16-bit float/));
  it("an extensible sub-format that is not PCM/float/G.711", () => expectProblem(
    riff([["fmt ", fmt({ tag: 1, channels: 1, rate: RATE, bits: 16, extensible: { validBits: 16, subTag: 1, guidTail: GUID_TAIL.map((b) => b ^ 0xff) } })], ["data", pcm16Data]]),
    "unsupported-encoding", /WAVE_FORMAT_EXTENSIBLE with sub-format GUID \{00000001-ffff-ffef-/));

  it.each([4000, 7999, 768001, 63_375_757, 0xffffffff])("sample rate %i Hz is refused with the range", (rate) =>
    expectProblem(riff([["fmt ", fmt({ tag: 1, channels: 1, rate, bits: 16 })], ["data", pcm16Data]]), "unsupported-rate", new RegExp(`unsupported sample rate ${rate} Hz: dtmf-wasm reads 8000 to 768000 Hz`)));

  it("data cut where the audio should start", () => expectProblem(pcm16.subarray(0, 44), "truncated-data", /the header announces 2\.1 s of audio but the file ends where it should start/));

  it("truncated data: the keys of the part that is there, and a warning", async () => {
    const cutAt = 44 + 2 * Math.round(original.tones[8].startSample - 100);
    const decoded = await decode(pcm16.subarray(0, cutAt), { file: true });
    expect(decoded.digits).toEqual([ALL.slice(0, 8)]);
    expect(decoded.reader.warnings).toHaveLength(1);
    expect(decoded.reader.warnings[0]).toBeInstanceOf(DtmfFileError);
    expect(decoded.reader.warnings[0].problem).toBe("truncated-data");
    expect(decoded.reader.warnings[0].message).toBe("call.wav: truncated: the header announces 2.1 s of audio but the file ends after 1.0 s; keys found in that part are reported");
  });

  it("data cut inside a frame (24-bit stereo): the whole frames are analysed, with a truncation warning", async () => {
    const w = new wavefile.WaveFile();
    w.fromScratch(2, RATE, "24", [Int32Array.from(encodeSamples(original.samples, "pcm16"), (s) => s * 256), new Int32Array(original.samples.length)]);
    const bytes = w.toBuffer();
    const decoded = await decode(bytes.subarray(0, bytes.length - 4), { file: true });
    expect(decoded.reader.warnings.map((e) => e.message)).toEqual([expect.stringMatching(/truncated: the header announces 2\.0600 s of audio but the file ends after 2\.0599 s/)]);
    expect(decoded.digits[0]).toBe(ALL);
  });

  describe("files that cannot be read", () => {
    const dir = mkdtempSync(join(tmpdir(), "dtmf-wav-"));
    it("a missing file", async () => {
      const error = await AudioReader.open({ path: join(dir, "missing.wav"), name: "missing.wav" }).catch((e: unknown) => e);
      expect(error).toMatchObject({ problem: "unreadable", message: "missing.wav: cannot read: no such file" });
    });
    it("a directory", async () => {
      const error = await AudioReader.open({ path: dir, name: "somedir" }).catch((e: unknown) => e);
      expect(error).toMatchObject({ problem: "unreadable", message: "somedir: cannot read: is a directory" });
    });
    it("a file on disk is read in blocks and reports its size", async () => {
      const path = join(dir, "ok.wav");
      writeFileSync(path, pcm16);
      const reader = await AudioReader.open({ path });
      expect(reader.name).toBe(path);
      expect(reader.dataBytes).toBe(pcm16Data.length);
      expect(reader.expectedDurationMs).toBeCloseTo((original.samples.length * 1000) / RATE, 6);
      let frames = 0;
      for await (const block of reader.blocks()) frames += block.frames;
      expect(frames).toBe(original.samples.length);
      expect(reader.position).toBe(pcm16.length);
    });
  });
});

describe("header damage other readers accept, and clear messages", () => {
  const fmt16 = () => fmt({ tag: 1, channels: 1, rate: RATE, bits: 16 });
  /** The same file as riff() would build, but with no pad byte after odd-sized chunks. */
  function riffUnpadded(chunks: [string, Uint8Array][]): Uint8Array {
    const padded = riff(chunks);
    const parts: number[] = [...padded.subarray(0, 12)];
    let at = 12;
    for (const [, body] of chunks) {
      parts.push(...padded.subarray(at, at + 8 + body.length));
      at += 8 + body.length + (body.length & 1);
    }
    const out = Uint8Array.from(parts);
    new DataView(out.buffer).setUint32(4, out.length - 8, true);
    return out;
  }

  it("an odd-sized chunk without its pad byte: read as written, with a warning", async () => {
    const bytes = riffUnpadded([["fmt ", fmt16()], ["LIST", ascii("INFOISFT\x05\x00\x00\x00abcde")], ["data", pcm16Data]]);
    const decoded = await decode(bytes);
    expect(decoded.digits[0]).toBe(ALL);
    expect(decoded.reader.warnings.map((w) => w.problem)).toEqual(["missing-pad"]);
    expect(decoded.reader.warnings[0].message).toMatch(/^call\.wav: the 'LIST' chunk at byte 36 has an odd size \(17\) but no pad byte after it; read as written$/);
  });

  it("an odd-sized chunk with its pad byte: no warning", async () => {
    const decoded = await decode(riff([["fmt ", fmt16()], ["LIST", ascii("INFOISFT\x05\x00\x00\x00abcde")], ["data", pcm16Data]]));
    expect(decoded.digits[0]).toBe(ALL);
    expect(decoded.reader.warnings).toEqual([]);
  });

  it("two different fmt chunks: refused, naming both", () => expectProblem(
    riff([["fmt ", fmt16()], ["fmt ", fmt({ tag: 1, channels: 1, rate: 16000, bits: 16 })], ["data", pcm16Data]]),
    "bad-header", /two different 'fmt ' chunks \(at bytes 12 and 36\)/));

  it("the same fmt chunk twice: read", async () => {
    expect((await decode(riff([["fmt ", fmt16()], ["fmt ", fmt16()], ["data", pcm16Data]]))).digits[0]).toBe(ALL);
  });

  it.each([8, 15, 4097])("a fmt chunk of %i bytes: the message gives the accepted range", (size) =>
    expectProblem(riff([["fmt ", new Uint8Array(size)], ["data", pcm16Data]]), "bad-header", new RegExp(`a 'fmt ' chunk of ${size} bytes \\(16 to 4096 accepted\\)`)));
});

describe("faultMessage: no bare engine messages", () => {
  it("allocation failures and WASM traps are put in words", () => {
    expect(faultMessage(new RangeError("Array buffer allocation failed"))).toMatch(/^out of memory while reading \(Array buffer allocation failed\)/);
    expect(faultMessage(new WebAssembly.RuntimeError("unreachable"))).toMatch(/^internal error in the detector core \(WebAssembly: unreachable\); please report it/);
    expect(faultMessage(new Error("plain"))).toBe("plain");
  });
});
