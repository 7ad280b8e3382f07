/**
 * Headerless 32-bit float PCM encoded into MP3, Ogg Vorbis, Ogg Opus or FLAC by ffmpeg (Debian's
 * `ffmpeg` package has libmp3lame, libvorbis, libopus and flac), close to how another file was
 * encoded (./probe.ts) and with that file's tags (ID3, Vorbis comments) copied over. ffmpeg
 * reads the PCM from a file and writes the output as it goes: nothing is held in memory here.
 */
import { spawn } from "node:child_process";
import { createReadStream, createWriteStream } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DtmfFileError } from "../errors.js";
import { FFMPEG } from "./open.js";
import type { EncodedParams } from "./probe.js";
import { type CompressedFormat, FORMAT_NAMES } from "./sniff.js";

export interface Encoder {
  /** ffmpeg's name for the encoder. */
  encoder: string;
  /** ffmpeg's name for the container. */
  muxer: string;
  /** Decoding the output gives back exactly the samples encoded. */
  lossless: boolean;
}

export const ENCODERS: Readonly<Record<CompressedFormat, Encoder>> = {
  mp3: { encoder: "libmp3lame", muxer: "mp3", lossless: false },
  vorbis: { encoder: "libvorbis", muxer: "ogg", lossless: false },
  opus: { encoder: "libopus", muxer: "ogg", lossless: false },
  flac: { encoder: "flac", muxer: "flac", lossless: true },
};

/** Where ffmpeg comes from on Debian/Ubuntu, for messages. */
export const FFMPEG_PACKAGE = "Debian's ffmpeg package: apt-get install ffmpeg";
/** ffmpeg's stderr kept for an error message, bytes. */
const STDERR_BYTES = 4096;
/** Bit rates the encoders take, bit/s (libmp3lame's ABR, libopus). */
const MP3_ABR_RANGE = [8000, 320_000] as const;
const OPUS_RANGE_PER_CHANNEL = [3000, 256_000] as const;

export interface EncodeJob {
  format: CompressedFormat;
  params: EncodedParams;
  sampleRate: number;
  channels: number;
  /** Interleaved samples: f32le, or (FLAC, from flacIntegers) s16le / s32le. */
  pcmPath: string;
  pcmFormat: "f32le" | "s16le" | "s32le";
  /** The file whose tags are copied. */
  tagsFrom: string;
  output: string;
}

const clamp = (v: number, [lo, hi]: readonly [number, number]) => Math.round(Math.min(hi, Math.max(lo, v)));

/** The encoder's settings, as ffmpeg options. */
export function codecArgs(job: Pick<EncodeJob, "format" | "params" | "channels">): string[] {
  const { format, params, channels } = job;
  const args = ["-c:a", ENCODERS[format].encoder];
  switch (format) {
    case "mp3":
      // CBR keeps the frames' bit rate, VBR LAME's quality, ABR its target (or, with no LAME tag, the input's average).
      if (params.mode === "cbr") return [...args, "-b:a", String(params.bitRate)];
      if (params.mode === "vbr" && params.vbrQuality !== undefined) return [...args, "-q:a", String(params.vbrQuality)];
      return [...args, "-abr", "1", "-b:a", String(clamp(params.bitRate, MP3_ABR_RANGE))];
    case "vorbis":
      return [...args, "-b:a", String(params.bitRate)];
    case "opus":
      // Constrained VBR holds the average asked for (plain VBR overshot it by 1.5× on keys over speech).
      return [...args, "-b:a", String(clamp(params.bitRate, [OPUS_RANGE_PER_CHANNEL[0] * channels, OPUS_RANGE_PER_CHANNEL[1] * channels])), "-vbr", "constrained",
        ...(params.encoderRate !== undefined ? ["-ar", String(params.encoderRate)] : [])];
    case "flac": {
      const bits = params.bitsPerSample ?? 16;
      return bits <= 16 ? [...args, "-sample_fmt", "s16"] : [...args, "-sample_fmt", "s32", "-bits_per_raw_sample", String(bits)];
    }
  }
}

/**
 * FLAC's samples back on their integer grid, for a lossless re-encode: the FLAC decoder gives
 * each `bits`-bit sample as n / (2^(bits−1) − 1) in float32 (measured on 16- and 24-bit files;
 * not n / 2^(bits−1), which ffmpeg's float to integer conversion assumes and would move every
 * sample over half full scale, and every negative 24-bit one, by one step). Rounding x ×
 * (2^(bits−1) − 1) gives n back exactly (float32's error there is at most a quarter step), and a
 * redacted sample its nearest step. Written as s16le (≤ 16 bits) or s32le (n in the top bits).
 * Streams the file; returns the format written.
 */
export async function flacIntegers(f32Path: string, outPath: string, bits: number): Promise<"s16le" | "s32le"> {
  const scale = 2 ** (bits - 1) - 1;
  const wide = bits > 16;
  const shift = 2 ** ((wide ? 32 : 16) - bits);
  const [lo, hi] = [-scale - 1, scale];
  async function* integers(): AsyncGenerator<Uint8Array> {
    let carry = new Uint8Array(0);
    for await (const chunk of createReadStream(f32Path) as AsyncIterable<Buffer>) {
      const bytes = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      const whole = bytes.length - (bytes.length % 4);
      const x = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + whole));
      carry = Uint8Array.from(bytes.subarray(whole));
      const out = wide ? new Int32Array(x.length) : new Int16Array(x.length);
      for (let i = 0; i < x.length; i++) out[i] = Math.min(hi, Math.max(lo, Math.round(x[i]! * scale))) * shift;
      yield new Uint8Array(out.buffer);
    }
  }
  await pipeline(Readable.from(integers()), createWriteStream(outPath));
  return wide ? "s32le" : "s16le";
}

/** "MP3, 32 kbit/s CBR (libmp3lame)", "FLAC, 16-bit (flac)"… */
export function describeEncoding(format: CompressedFormat, params: EncodedParams, sampleRate: number, channels: number): string {
  const kbps = `${Math.round(params.bitRate / 100) / 10} kbit/s`;
  const how = format === "flac" ? `${params.bitsPerSample ?? 16}-bit`
    : format === "mp3" ? (params.mode === "vbr" && params.vbrQuality !== undefined ? `VBR -V ${params.vbrQuality} (input ${kbps} on average)` : `${kbps} ${params.mode.toUpperCase()}`)
    : `${kbps} ${format === "opus" ? "constrained VBR" : "VBR"}` +
    (params.encoderRate !== undefined ? `, encoded from ${params.encoderRate} Hz` : "");
  return `${FORMAT_NAMES[format]}, ${how}, ${sampleRate} Hz, ${channels === 1 ? "mono" : channels === 2 ? "stereo" : `${channels} channels`} (ffmpeg ${ENCODERS[format].encoder})`;
}

interface Run { code: number | null; stdout: string; stderr: string; error?: NodeJS.ErrnoException }

function ffmpeg(args: string[]): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(FFMPEG(), args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (t: string) => { stdout += t; });
    child.stderr.on("data", (t: string) => { if (stderr.length < STDERR_BYTES) stderr += t; });
    child.once("error", (error: NodeJS.ErrnoException) => done({ code: null, stdout, stderr, error }));
    child.once("close", (code) => done({ code, stdout, stderr }));
  });
}

/**
 * Checks that ffmpeg runs and has the format's encoder; else a DtmfFileError on `name` saying
 * what is missing and where it comes from.
 */
export async function checkEncoder(format: CompressedFormat, name: string, why: string): Promise<void> {
  const { encoder } = ENCODERS[format];
  const run = await ffmpeg(["-hide_banner", "-encoders"]);
  if (run.error) {
    const missing = run.error.code === "ENOENT";
    throw new DtmfFileError(name, `${why} with ffmpeg (encoder ${encoder}), which ${missing ? `is not installed (${FFMPEG_PACKAGE}; or convert the file to WAV first)` : `could not be started: ${run.error.message}`}`);
  }
  if (!new RegExp(`^\\s*A\\S*\\s+${encoder}\\s`, "m").test(run.stdout)) {
    throw new DtmfFileError(name, `${why} with ffmpeg's ${encoder} encoder, which this ffmpeg (${FFMPEG()}) does not have (${FFMPEG_PACKAGE})`);
  }
}

/** Encodes the job's PCM into `job.output` (created or replaced). Throws DtmfFileError on `name` when ffmpeg fails. */
export async function encodeWithFfmpeg(job: EncodeJob, name: string): Promise<void> {
  const { muxer } = ENCODERS[job.format];
  // Ogg keeps its Vorbis comments with the stream, MP3 (ID3) and FLAC with the file.
  const tags = muxer === "ogg" ? ["-map_metadata:s:a:0", "1:s:a:0"] : ["-map_metadata", "1"];
  const run = await ffmpeg([
    "-nostdin", "-hide_banner", "-loglevel", "error",
    "-f", job.pcmFormat, "-ar", String(job.sampleRate), "-ac", String(job.channels), "-i", job.pcmPath,
    "-i", job.tagsFrom, "-map", "0:a", ...tags,
    ...codecArgs(job), "-f", muxer, "-y", job.output,
  ]);
  if (run.error || run.code !== 0) {
    const why = run.error?.message ?? (run.stderr.trim().split("\n")[0] || `exit code ${run.code}`);
    throw new DtmfFileError(name, `ffmpeg could not encode the redacted audio as ${FORMAT_NAMES[job.format]} (${codecArgs(job).join(" ")}): ${why}`);
  }
}
