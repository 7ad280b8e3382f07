/**
 * Redacting compressed recordings (src/redact/reencode.ts): MP3, Ogg Vorbis, Ogg Opus and FLAC
 * with keys over speech, made here with ffmpeg from the generator and a committed speech
 * excerpt, redacted and written back in their own format. The decoded output holds no key even
 * for the detector at its most sensitive, keeps the input's length, rate, channels, bit rate
 * and tags; the audit names the codec and says what it can of the samples outside the spans
 * (FLAC: identical, checked here too; lossy: not, with the reason). Without ffmpeg the cases
 * that need it are skipped, saying so; the missing-ffmpeg error is tested either way.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import wavefile from "wavefile";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeCompressed } from "../src/compressed/decode.js";
import { encodedParams } from "../src/compressed/probe.js";
import { type CompressedFormat, sniff } from "../src/compressed/sniff.js";
import type { DtmfEngine } from "../src/engine.js";
import { DtmfFileError } from "../src/errors.js";
import { generateDtmf } from "../src/generator.js";
import { MOST_SENSITIVE_TUNING } from "../src/options.js";
import type { RedactAudit } from "../src/redact/audit.js";
import { redactFile } from "../src/redact/offline.js";
import { AudioReader } from "../src/wav/reader.js";
import { encodeWav } from "../src/wav/write.js";
import { runCli, testEngine } from "./helpers.js";

const hasFfmpeg = spawnSync("ffmpeg", ["-version"]).status === 0 && spawnSync("ffprobe", ["-version"]).status === 0;
if (!hasFfmpeg) console.warn("test/redact-compressed.test.ts: ffmpeg/ffprobe not installed (apt-get install ffmpeg): the MP3, Ogg Vorbis, Opus and FLAC redaction cases are skipped; the missing-ffmpeg error is still tested");

const DIR = mkdtempSync(join(tmpdir(), "dtmf-redact-compressed-"));
const SPEECH = new URL("../audio-fixtures/talkoff/speech-en-espeak.wav", import.meta.url);
const KEYS = "4111111111111111";
const TITLE = "call 42 (redaction test)";
let engine: DtmfEngine;
beforeAll(async () => { engine = await testEngine(); });

/** Keys at −10 dBm0 over speech (× `gain`: 0.1 ≈ 20 dB under the keys), at `rate`, mono or stereo (keys on channel 0, the same speech alone on channel 1). */
function keysOverSpeech(rate: number, channels: 1 | 2, gain: number): Uint8Array {
  const w = new wavefile.WaveFile(readFileSync(SPEECH));
  if (rate !== 8000) w.toSampleRate(rate);
  const speech = w.getSamples(false, Float64Array) as unknown as Float64Array;
  const keys = generateDtmf({ keys: KEYS, sampleRate: rate, toneMs: 90, gapMs: 110, leadMs: 500, tailMs: 500 });
  const at = (i: number, offset: number) => gain * (speech[(i + offset) % speech.length]! / 32768);
  const left = Float32Array.from(keys.samples, (v, i) => v + at(i, rate));
  const right = Float32Array.from(keys.samples, (_, i) => at(i, rate));
  return encodeWav(channels === 2 ? [left, right] : [left], rate, "pcm16");
}

interface Case { file: string; format: CompressedFormat; rate: number; channels: 1 | 2; args: string[]; lossless: boolean; gain?: number }
const CASES: Case[] = [
  { file: "call.mp3", format: "mp3", rate: 8000, channels: 1, args: ["-c:a", "libmp3lame", "-b:a", "16k"], lossless: false },
  { file: "stereo-vbr.mp3", format: "mp3", rate: 44100, channels: 2, args: ["-c:a", "libmp3lame", "-q:a", "6"], lossless: false },
  { file: "call.ogg", format: "vorbis", rate: 8000, channels: 1, args: ["-c:a", "libvorbis", "-q:a", "2"], lossless: false },
  { file: "call.opus", format: "opus", rate: 16000, channels: 1, args: ["-c:a", "libopus", "-b:a", "24k"], lossless: false },
  { file: "call.flac", format: "flac", rate: 8000, channels: 1, args: ["-c:a", "flac"], lossless: true },
  // Samples over half full scale (keys +6 dB) and 24-bit: the decoder's scale is 2^(bits−1) − 1, not 2^(bits−1).
  { file: "loud.flac", format: "flac", rate: 8000, channels: 1, args: ["-af", "volume=6dB", "-c:a", "flac"], lossless: true, gain: 0.05 },
  { file: "stereo-24.flac", format: "flac", rate: 48000, channels: 2, args: ["-c:a", "flac", "-sample_fmt", "s32", "-bits_per_raw_sample", "24"], lossless: true },
  // Louder speech: LAME's long blocks leave the keys' tones 15-26 dB down for ≈ 40 ms after each
  // key, which the most sensitive detector reads as a key without the MP3 codec guard.
  { file: "loud-speech.mp3", format: "mp3", rate: 8000, channels: 1, args: ["-c:a", "libmp3lame", "-b:a", "16k"], lossless: false, gain: 0.3 },
];

function ffmpegFixture(c: Case): string {
  const wav = join(DIR, `${c.file}.wav`);
  writeFileSync(wav, keysOverSpeech(c.rate, c.channels, c.gain ?? 0.1));
  const path = join(DIR, c.file);
  const run = spawnSync("ffmpeg", ["-nostdin", "-loglevel", "error", "-y", "-i", wav, ...c.args, "-metadata", `title=${TITLE}`, path]);
  if (run.status !== 0) throw new Error(`ffmpeg: ${run.stderr}`);
  return path;
}

/** Keys found in a file (decoded), with `tuning`; and its decoded length, rate and channels. */
async function analyse(path: string, tuning = MOST_SENSITIVE_TUNING): Promise<{ keys: string[]; frames: number; rate: number; channels: number }> {
  const reader = await AudioReader.open({ path });
  const detectors = Array.from({ length: reader.channels }, () => engine.createDetector({ ...tuning, sampleRate: reader.sampleRate, encoding: reader.encoding }));
  const keys: string[] = [];
  const take = (c: number, events: readonly { type: string; digit?: string }[]) => { for (const e of events) if (e.type === "dtmf") keys.push(`${c}:${e.digit}`); };
  for await (const block of reader.blocks()) detectors.forEach((d, c) => take(c, d.process(block.channels[c])));
  detectors.forEach((d, c) => { take(c, d.flush()); d.close(); });
  return { keys, frames: reader.framesRead, rate: reader.format.sampleRate, channels: reader.channels };
}

/** A compressed file decoded whole (the fixtures are seconds long), one Float32Array per channel. */
async function decodeAll(format: CompressedFormat, path: string): Promise<Float32Array[]> {
  async function* bytes() { yield new Uint8Array(readFileSync(path)); }
  const parts: Float32Array[][] = [];
  for await (const block of decodeCompressed(format, bytes(), path, { damagedFrames: 0 })) parts.push(block.channelData.map((c) => Float32Array.from(c)));
  return parts[0]!.map((_, c) => {
    const out = new Float32Array(parts.reduce((n, p) => n + p[c]!.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p[c]!, at); at += p[c]!.length; }
    return out;
  });
}

/** What ffprobe reads of a file's first audio stream: its bit rate, the file's average, its bit depth. */
function probe(path: string): { streamBitRate: number; bitRate: number; bits: number } {
  const run = spawnSync("ffprobe", ["-v", "error", "-select_streams", "a:0", "-show_entries", "stream=bit_rate,bits_per_raw_sample:format=bit_rate", "-of", "json", path], { encoding: "utf8" });
  const json = JSON.parse(run.stdout) as { streams: { bit_rate?: string; bits_per_raw_sample?: string }[]; format: { bit_rate: string } };
  return { streamBitRate: Number(json.streams[0]?.bit_rate), bitRate: Number(json.format.bit_rate), bits: Number(json.streams[0]?.bits_per_raw_sample) };
}

const title = (path: string) => spawnSync("ffprobe", ["-v", "error", "-show_entries", "format_tags=title:stream_tags=title", "-of", "default=nw=1:nk=1", path], { encoding: "utf8" }).stdout.trim();

describe("compressed recordings are redacted and written back in their own format", () => {
  for (const c of CASES) {
    it.skipIf(!hasFfmpeg)(`${c.file} (${c.format}, ${c.rate} Hz, ${c.channels === 1 ? "mono" : "stereo"}${c.gain ? `, speech ×${c.gain}` : ""}): no key left at the most sensitive tuning, same format, length, rate, channels, bit rate and tags`, async () => {
      const input = ffmpegFixture(c);
      const before = await analyse(input);
      expect(before.keys, "the fixture's keys (and none in its speech)").toEqual(Array(KEYS.length).fill(0).map((_, i) => `0:${KEYS[i]}`));
      const output = join(DIR, `redacted-${c.file}`);
      const audit: RedactAudit = await redactFile(input, output, engine);

      expect(sniff(readFileSync(output).subarray(0, 64))).toMatchObject({ kind: "compressed", format: c.format });
      const after = await analyse(output);
      expect(after.keys, "keys in the decoded output, MOST_SENSITIVE_TUNING").toEqual([]);
      expect([after.frames, after.rate, after.channels]).toEqual([before.frames, before.rate, before.channels]);
      // The bit rate kept: an MP3 CBR's exactly, FLAC's bit depth, a VBR stream's average within
      // −40 % … +25 % (the silenced spans cost a VBR encoder fewer bits than the keys did).
      const [p, q] = [probe(input), probe(output)];
      if (c.format === "flac") expect(q.bits).toBe(p.bits);
      else if (c.args.includes("-b:a") && c.format === "mp3") expect(q.streamBitRate).toBe(p.streamBitRate);
      else expect(q.bitRate / p.bitRate).toBeGreaterThan(0.6), expect(q.bitRate / p.bitRate).toBeLessThan(1.25);
      expect(title(output)).toBe(TITLE);

      expect(audit.reencoded).toBe(c.format);
      expect(audit.spans.reduce((n, s) => n + s.keys, 0), "keys in the spans").toBe(KEYS.length);
      expect(audit.spans.every((s) => s.channel === 0)).toBe(true);
      expect(audit.output.audio_ms).toBe(audit.audio_ms);
      expect(audit.verification.keys_found).toBe(0);
      expect(audit.verification.passed).toBe(true);
      expect(audit.verification.outside_spans_identical).toBe(c.lossless);
      if (c.lossless) {
        expect(audit.verification.outside_spans_reason).toBeUndefined();
        // Checked here too: every decoded sample outside the spans is the input's.
        const [a, b] = [await decodeAll(c.format, input), await decodeAll(c.format, output)];
        expect(b.map((x) => x.length)).toEqual(a.map((x) => x.length));
        let changedInside = 0;
        for (let ch = 0; ch < a.length; ch++) {
          const spans = audit.spans.filter((s) => s.channel === ch);
          const inSpan = (n: number) => spans.some((s) => n >= s.start_sample && n < s.end_sample);
          for (let n = 0; n < a[ch]!.length; n++) {
            if (inSpan(n)) { if (a[ch]![n] !== b[ch]![n]) changedInside++; continue; }
            if (a[ch]![n] !== b[ch]![n]) expect.fail(`channel ${ch} sample ${n} outside the spans changed: ${a[ch]![n]} -> ${b[ch]![n]}`);
          }
        }
        expect(changedInside).toBeGreaterThan(0);
      } else {
        expect(audit.verification.outside_spans_reason).toMatch(/lossy: encoding the redacted audio again changes every sample/);
      }
      if (c.format === "mp3") expect(audit.codec_guard_ms?.after).toBeGreaterThan(0);
    });
  }

  it.skipIf(!hasFfmpeg)("CLI: redact in.mp3 -o out.mp3, and --out-dir keeping each input's name and format", async () => {
    const [mp3, flac] = [ffmpegFixture(CASES[0]!), ffmpegFixture(CASES[4]!)];
    const one = await runCli(["redact", mp3, "-o", join(DIR, "cli-out.mp3")], DIR);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stderr).toMatch(/verified: no key left; re-encoded as MP3, 16 kbit\/s CBR, 8000 Hz, mono \(ffmpeg libmp3lame\), lossy/);
    const audit = JSON.parse(readFileSync(join(DIR, "cli-out.mp3.audit.json"), "utf8")) as RedactAudit;
    expect(audit).toMatchObject({ reencoded: "mp3", verification: { passed: true, outside_spans_identical: false } });
    const many = await runCli(["redact", "-q", "--out-dir", join(DIR, "clean"), mp3, flac], DIR);
    expect(many.code, many.stderr).toBe(0);
    for (const [file, format] of [["call.mp3", "mp3"], ["call.flac", "flac"]] as const) {
      expect(sniff(readFileSync(join(DIR, "clean", file)).subarray(0, 64)), file).toMatchObject({ format });
      expect(existsSync(join(DIR, "clean", `${file}.audit.json`)), file).toBe(true);
    }
  });
});

describe("the input's encoding, read from its headers (src/compressed/probe.ts)", () => {
  /** An MPEG-1 Layer III mono frame header (44.1 kHz, `index` the bit rate's) and, with `tag`, a Xing header with LAME's fields. */
  function mp3Head(index: number, tag?: { name: string; quality: number; encoder: string; method: number; abrKbps: number }): Uint8Array {
    const b = new Uint8Array(2048);
    b.set([0xff, 0xfb, (index << 4) | 0, 0xc0], 0);
    if (tag) {
      const at = 4 + 17;
      b.set([...tag.name].map((c) => c.charCodeAt(0)), at);
      new DataView(b.buffer).setUint32(at + 4, 8); // flags: only the quality field
      new DataView(b.buffer).setUint32(at + 8, tag.quality);
      b.set([...tag.encoder].map((c) => c.charCodeAt(0)), at + 12);
      b[at + 12 + 9] = tag.method;
      b[at + 12 + 20] = tag.abrKbps;
    }
    return b;
  }
  it("MP3: CBR from the audio frames, LAME's VBR quality and ABR target from its tag, else ABR at the average", () => {
    expect(encodedParams("mp3", mp3Head(5), 8000, 1)).toEqual({ bitRate: 64000, mode: "cbr" });
    expect(encodedParams("mp3", mp3Head(9, { name: "Xing", quality: 60, encoder: "LAME3.100", method: 4, abrKbps: 32 }), 9000, 1)).toEqual({ bitRate: 72000, mode: "vbr", vbrQuality: 4 });
    expect(encodedParams("mp3", mp3Head(9, { name: "Xing", quality: 0, encoder: "LAME3.100", method: 2, abrKbps: 96 }), 9000, 1)).toEqual({ bitRate: 96000, mode: "abr" });
    // ffmpeg's own tag leaves the method 0: the file's average.
    expect(encodedParams("mp3", mp3Head(9, { name: "Xing", quality: 0, encoder: "Lavc59.37", method: 0, abrKbps: 0 }), 9000, 1)).toEqual({ bitRate: 72000, mode: "abr" });
  });
});

describe("refused before anything is written", () => {
  it("an output named as another audio format (out.wav for an MP3) is a DtmfFileError naming the extension to use", async () => {
    const input = new URL("../audio-fixtures/compressed/demo.mp3", import.meta.url).pathname;
    const output = join(DIR, "demo.wav");
    await expect(redactFile(input, output, engine)).rejects.toThrow(/demo\.wav: .*demo\.mp3 is MP3 and is written back as MP3: name the output \.mp3, not \.wav$/);
    expect(existsSync(output)).toBe(false);
  });
});

describe("without ffmpeg", () => {
  it("redact --help names the compressed formats, ffmpeg and its package", async () => {
    const help = (await runCli(["redact", "--help"], DIR)).stdout;
    expect(help).toMatch(/MP3, Ogg Vorbis, Ogg Opus, FLAC\n\s+decoded, redacted, encoded back by ffmpeg \(apt-get install ffmpeg\)/);
    expect(help).toMatch(/dtmf-wasm redact call\.mp3 -o call\.redacted\.mp3/);
  });

  it("a compressed input fails with a DtmfFileError naming ffmpeg and its Debian package, nothing written (library and CLI)", async () => {
    const input = new URL("../audio-fixtures/compressed/demo.mp3", import.meta.url).pathname;
    const output = join(DIR, "never.mp3");
    const saved = { PATH: process.env.PATH, DTMF_WASM_FFMPEG: process.env.DTMF_WASM_FFMPEG };
    process.env.PATH = mkdtempSync(join(tmpdir(), "no-ffmpeg-"));
    delete process.env.DTMF_WASM_FFMPEG;
    try {
      const error = await redactFile(input, output, engine).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(DtmfFileError);
      expect((error as Error).message).toMatch(/^.*demo\.mp3: MP3 input is redacted as PCM and encoded back as MP3 with ffmpeg \(encoder libmp3lame\), which is not installed \(Debian's ffmpeg package: apt-get install ffmpeg; or convert the file to WAV first\)$/);
      const cli = await runCli(["redact", input, "-o", output], DIR);
      expect(cli.code).toBe(1);
      expect(cli.stderr).toMatch(/ffmpeg \(encoder libmp3lame\), which is not installed/);
    } finally {
      process.env.PATH = saved.PATH;
      if (saved.DTMF_WASM_FFMPEG !== undefined) process.env.DTMF_WASM_FFMPEG = saved.DTMF_WASM_FFMPEG;
    }
    expect(existsSync(output)).toBe(false);
    expect(existsSync(`${output}.audit.json`)).toBe(false);
  });
});
