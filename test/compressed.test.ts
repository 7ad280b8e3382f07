/**
 * Compressed audio (src/compressed/): MP3, Ogg Vorbis, Ogg Opus and FLAC decoded in-process by
 * the WebAssembly decoders, other containers through ffmpeg (skipped, saying so, without it),
 * and the same typed errors as WAV input. The fixtures in audio-fixtures/compressed/ are the
 * WAV fixtures encoded by scripts/make-compressed-fixtures.sh; their truth is the WAV's .json.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { DtmfEngine } from "../src/engine.js";
import type { DtmfEvent } from "../src/events.js";
import { WavFileError } from "../src/wav/errors.js";
import { AudioReader, type AudioSource } from "../src/wav/reader.js";
import { encodeWav } from "../src/wav/write.js";
import { generateDtmf } from "../src/generator.js";
import { sniff } from "../src/compressed/sniff.js";

const ROOT = resolve(import.meta.dirname, "..");
const FIXTURES = join(ROOT, "audio-fixtures");
const COMPRESSED = join(FIXTURES, "compressed");
const CLI = join(ROOT, "dist", "cli", "main.js");
/**
 * Onset and duration tolerance against the WAV's truth, ms: lossy coding smears a tone's edges
 * (MP3's 1152-sample frames, Opus's 20 ms frames at low bitrate), so wider than the WAV's 5 ms.
 */
const LOSSY_TOLERANCE_MS = 12;
const hasFfmpeg = spawnSync("ffmpeg", ["-version"]).status === 0;
if (!hasFfmpeg) console.warn("test/compressed.test.ts: ffmpeg not installed: the M4A (ffmpeg) case is skipped; its 'not installed' message is still tested");

interface Truth { keys: string; tones: { channel: number; digit: string; start_ms: number; duration_ms: number }[] }
const truth = (name: string) => JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), "utf8")) as Truth;

/** Every press in `source`, per channel, through the reader and one detector per channel. */
async function presses(source: AudioSource): Promise<{ reader: AudioReader; events: (DtmfEvent & { channel: number })[]; maxBlockFrames: number }> {
  const reader = await AudioReader.open(source);
  const engine = await DtmfEngine.create();
  const detectors = Array.from({ length: reader.channels }, () => engine.createDetector({ sampleRate: reader.sampleRate, encoding: reader.encoding }));
  const events: (DtmfEvent & { channel: number })[] = [];
  let maxBlockFrames = 0;
  const keep = (channel: number) => (e: { type: string }) => { if (e.type === "dtmf") events.push({ ...(e as DtmfEvent), channel }); };
  for await (const block of reader.blocks()) {
    maxBlockFrames = Math.max(maxBlockFrames, block.frames);
    block.channels.forEach((chunk, c) => detectors[c]!.process(chunk).forEach(keep(c)));
  }
  detectors.forEach((d, c) => d.flush().forEach(keep(c)));
  return { reader, events, maxBlockFrames };
}

function run(args: string[], input?: Uint8Array, env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: COMPRESSED, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on("data", (c: Buffer) => { stderr += c.toString(); });
    child.on("error", fail);
    child.on("close", (code) => done({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe("compressed audio decoded in-process", () => {
  for (const [file, name] of [["demo.mp3", "MP3"], ["demo.ogg", "Ogg Vorbis"], ["demo.opus", "Ogg Opus"], ["demo.flac", "FLAC"]] as const) {
    it(`${file} (${name}): the WAV's keys, onsets and durations`, async () => {
      const { reader, events } = await presses({ path: join(COMPRESSED, file) });
      expect(reader.decodedFrom).toBe(name);
      expect(reader.channels).toBe(1);
      const tones = truth("demo").tones;
      expect(events.map((e) => e.digit).join("")).toBe(truth("demo").keys);
      events.forEach((e, i) => {
        expect(Math.abs(e.startMs - tones[i]!.start_ms), `${file} key ${i} onset`).toBeLessThanOrEqual(LOSSY_TOLERANCE_MS);
        expect(Math.abs(e.durationMs - tones[i]!.duration_ms), `${file} key ${i} duration`).toBeLessThanOrEqual(LOSSY_TOLERANCE_MS);
      });
      expect(reader.warnings).toEqual([]);
    });
  }

  it("a 44.1 kHz stereo MP3 keeps its channels: keys on channel 1 only", async () => {
    const { reader, events } = await presses({ path: join(COMPRESSED, "stereo-44k.mp3") });
    expect([reader.channels, reader.format.sampleRate]).toEqual([2, 44100]);
    expect(events.map((e) => `${e.channel}:${e.digit}`)).toEqual([..."147*"].map((d) => `1:${d}`));
  });

  it("streams in bounded memory: 40 MP3s back to back through a stream give 40 × the keys, in blocks of the reader's size", async () => {
    const mp3 = readFileSync(join(COMPRESSED, "demo.mp3"));
    const copies = 40;
    async function* stream() { for (let i = 0; i < copies; i++) yield new Uint8Array(mp3); }
    const { events, maxBlockFrames } = await presses({ stream: stream(), name: "-" });
    expect(events.map((e) => e.digit).join("")).toBe(truth("demo").keys.repeat(copies));
    // A block is at most the reader's 64 KiB of decoded float32 (16384 frames mono), whatever the stream's length.
    expect(maxBlockFrames).toBeLessThanOrEqual(16384);
  });

  it("tells the formats apart by their first bytes, not their names", async () => {
    const head = (file: string) => sniff(readFileSync(join(COMPRESSED, file)).subarray(0, 64));
    expect(["demo.mp3", "demo.ogg", "demo.opus", "demo.flac", "demo.m4a"].map((f) => { const s = head(f); return "name" in s ? s.name : s.kind; }))
      .toEqual(["MP3", "Ogg Vorbis", "Ogg Opus", "FLAC", "MP4/M4A (AAC or ALAC)"]);
    expect(sniff(readFileSync(join(FIXTURES, "demo.wav")).subarray(0, 64)).kind).toBe("wav");
    expect(sniff(new Uint8Array(64)).kind).toBe("unknown");
  });

  it("damaged or empty compressed input is a typed error naming the file, never a crash", async () => {
    const flac = readFileSync(join(COMPRESSED, "demo.flac"));
    const cases: [string, Uint8Array][] = [
      ["header-only.flac", flac.subarray(0, 42)],
      ["id3-then-noise.mp3", Uint8Array.from([0x49, 0x44, 0x33, 3, 0, 0, 0, 0, 0, 0, ...Array.from({ length: 2000 }, (_, i) => (i * 37) & 0x7f)])],
    ];
    for (const [name, bytes] of cases) {
      async function* one() { yield bytes; }
      const error = await presses({ stream: one(), name }).then(() => undefined, (e: unknown) => e);
      expect(error, name).toBeInstanceOf(WavFileError);
      expect((error as Error).message.startsWith(`${name}: `), name).toBe(true);
    }
  });

  it("damaged MP3 frames: one warning with the count (the decoder's own per-frame printing is silenced), the keys elsewhere", async () => {
    const mp3 = new Uint8Array(readFileSync(join(COMPRESSED, "demo.mp3")));
    for (let i = 3000; i < 6000; i += 2) mp3[i] = 0;
    const result = await run(["analyze", "-d", "-"], mp3);
    expect(result.code).toBe(0);
    const lines = result.stderr.trim().split("\n");
    expect(lines[0]).toMatch(/^dtmf-wasm analyze: warning: -: \d+ MP3 frame\(s\) could not be decoded \(.*\): gaps in the audio; keys found elsewhere are reported$/);
    expect(lines).toHaveLength(2); // the warning and the summary: no decoder output
    expect(result.stderr).not.toMatch(/mpg123-decoder/);
    expect(result.stdout.trim().length).toBeGreaterThan(0);
  });

  it("analyze reads them: files and a pipe (analyze -)", async () => {
    const files = await run(["analyze", "-d", "demo.mp3", "demo.ogg", "demo.opus", "demo.flac"]);
    expect(files.code).toBe(0);
    expect(files.stdout.trim().split("\n").map((l) => l.split("\t").slice(-1)[0])).toEqual(Array(4).fill("5550123#"));
    expect(files.stderr).toMatch(/4 files/);
    const piped = await run(["analyze", "-d", "-"], readFileSync(join(COMPRESSED, "demo.opus")));
    expect([piped.code, piped.stdout.trim()]).toEqual([0, "5550123#"]);
  });
});

describe("other containers through ffmpeg", () => {
  it.skipIf(!hasFfmpeg)("an M4A (AAC) file through ffmpeg", async () => {
    const { reader, events } = await presses({ path: join(COMPRESSED, "demo.m4a") });
    expect(reader.decodedFrom).toBe("MP4/M4A (AAC or ALAC)");
    expect(events.map((e) => e.digit).join("")).toBe(truth("demo").keys);
  });

  it("without ffmpeg, the error names the format and says ffmpeg is not installed", async () => {
    const result = await run(["analyze", "demo.m4a"], undefined, { ...process.env, DTMF_WASM_FFMPEG: "/nonexistent/ffmpeg" });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/demo\.m4a: MP4\/M4A \(AAC or ALAC\): dtmf-wasm decodes WAV, MP3, Ogg Vorbis, Ogg Opus and FLAC itself and other formats through ffmpeg, which is not installed/);
  });
});

describe("a WAV on a pipe", () => {
  /** A WAV whose header announces 0.5 s more than it holds, as sox writes an estimate to a pipe. */
  function overstated(): Uint8Array {
    const audio = generateDtmf({ keys: "42", sampleRate: 8000 });
    const wav = new Uint8Array(encodeWav([audio.samples], 8000, "pcm16"));
    const view = new DataView(wav.buffer);
    const extra = 8000; // 0.5 s of 16-bit mono
    view.setUint32(4, view.getUint32(4, true) + extra, true);
    view.setUint32(40, view.getUint32(40, true) + extra, true);
    return wav;
  }

  it("is not called truncated when it ends before its header's estimated length; a file still is", async () => {
    const wav = overstated();
    expect(new TextDecoder().decode(wav.subarray(36, 40))).toBe("data");
    const piped = await presses({ stream: Readable.from([wav]), name: "-" });
    expect(piped.events.map((e) => e.digit).join("")).toBe("42");
    expect(piped.reader.warnings).toEqual([]);
    const path = join(mkdtempSync(join(tmpdir(), "dtmf-pipe-")), "short.wav");
    writeFileSync(path, wav);
    const file = await presses({ path });
    expect(file.reader.warnings.map((w) => w.problem)).toEqual(["truncated-data"]);
  });
});
