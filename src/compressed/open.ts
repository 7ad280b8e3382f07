/**
 * A file that is not a WAV, turned into a byte stream the WAV reader takes: MP3, Ogg Vorbis,
 * Ogg Opus and FLAC through the in-process WebAssembly decoders (./decode.ts), as headerless
 * 32-bit float; the other audio containers (M4A/AAC, AIFF, WebM, …) through ffmpeg when it
 * is installed, as a WAV on its standard output. Both stream: the input is read a chunk at a
 * time and never held whole.
 */
import { spawn } from "node:child_process";
import type { ByteReader } from "../wav/bytes.js";
import { WavFileError } from "../wav/errors.js";
import { type RawOptions } from "../wav/raw.js";
import { CHUNK_BYTES } from "../wav/source.js";
import { type DecodeReport, type DecodedBlock, decodeCompressed, interleaved } from "./decode.js";
import { type CompressedFormat, FORMAT_NAMES } from "./sniff.js";

/** The formats read without any system tool, for messages. */
export const IN_PROCESS_FORMATS = "WAV, MP3, Ogg Vorbis, Ogg Opus and FLAC";
/** The ffmpeg the reader runs for other containers: $DTMF_WASM_FFMPEG, else `ffmpeg` on the PATH. */
export const FFMPEG = () => process.env.DTMF_WASM_FFMPEG || "ffmpeg";
/** ffmpeg's stderr kept for an error message, bytes. */
const FFMPEG_STDERR_BYTES = 4096;

/** The rest of a ByteReader as chunks of at most CHUNK_BYTES; stopping early closes it. */
async function* remaining(bytes: ByteReader): AsyncGenerator<Uint8Array> {
  try {
    for (;;) {
      const chunk = await bytes.read(CHUNK_BYTES);
      if (chunk.length === 0) return;
      yield chunk;
    }
  } finally {
    await bytes.close();
  }
}

/**
 * The decoded audio of a compressed file as headerless float32 (`raw`) and its bytes.
 * `warn` receives a warning at the end when frames could not be decoded.
 */
export async function decodedSource(format: CompressedFormat, bytes: ByteReader, name: string, warn: (w: WavFileError) => void): Promise<{ raw: RawOptions; chunks: AsyncIterable<Uint8Array> }> {
  const report: DecodeReport = { damagedFrames: 0 };
  const blocks = decodeCompressed(format, remaining(bytes), name, report);
  const first = await blocks.next();
  if (first.done) {
    throw new WavFileError(name, report.damagedFrames ? "bad-header" : "empty",
      report.damagedFrames ? `no ${FORMAT_NAMES[format]} audio could be decoded (${report.firstDamage ?? "damaged frames"})` : `no audio in the ${FORMAT_NAMES[format]} file`);
  }
  const block: DecodedBlock = first.value;
  async function* withReport(): AsyncGenerator<Uint8Array> {
    yield* interleaved(blocks, block, name, format);
    if (report.damagedFrames > 0) {
      warn(new WavFileError(name, "truncated-data", `${report.damagedFrames} ${FORMAT_NAMES[format]} frame(s) could not be decoded (${report.firstDamage ?? "damaged"}): gaps in the audio; keys found elsewhere are reported`));
    }
  }
  return { raw: { encoding: "f32le", sampleRate: block.sampleRate, channels: block.channelData.length }, chunks: withReport() };
}

/**
 * A container only ffmpeg reads, as the WAV ffmpeg writes to its standard output. Throws
 * WavFileError naming the format when ffmpeg is not installed.
 */
export async function ffmpegSource(formatName: string, bytes: ByteReader, name: string): Promise<AsyncIterable<Uint8Array>> {
  const child = spawn(FFMPEG(), ["-nostdin", "-hide_banner", "-loglevel", "error", "-i", "pipe:0", "-vn", "-f", "wav", "-c:a", "pcm_f32le", "pipe:1"], { stdio: ["pipe", "pipe", "pipe"] });
  const started = await new Promise<Error | undefined>((done) => {
    child.once("spawn", () => done(undefined));
    child.once("error", (error) => done(error));
  });
  if (started) {
    await bytes.close();
    const missing = (started as NodeJS.ErrnoException).code === "ENOENT";
    throw new WavFileError(name, "unsupported-encoding",
      `${formatName}: dtmf-wasm decodes ${IN_PROCESS_FORMATS} itself and other formats through ffmpeg, ` +
      (missing ? "which is not installed (install it, e.g. apt-get install ffmpeg, or convert the file to WAV)" : `which could not be started: ${started.message}`));
  }
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (text: string) => { if (stderr.length < FFMPEG_STDERR_BYTES) stderr += text; });
  const exited = new Promise<number | null>((done) => child.once("close", (code) => done(code)));
  // Feed the input as it is read; a closed stdin (ffmpeg stopped) ends the feeding.
  child.stdin.on("error", () => {});
  const feeding = (async () => {
    try {
      for await (const chunk of remaining(bytes)) {
        if (!child.stdin.write(chunk)) await new Promise((done) => { child.stdin.once("drain", done); child.stdin.once("close", done); });
        if (child.stdin.destroyed) break;
      }
    } finally {
      child.stdin.end();
    }
  })();
  async function* output(): AsyncGenerator<Uint8Array> {
    let any = false;
    try {
      for await (const chunk of child.stdout as AsyncIterable<Uint8Array>) { any = true; yield chunk; }
      const code = await exited;
      await feeding;
      if (code !== 0 && !any) {
        throw new WavFileError(name, "unsupported-encoding", `ffmpeg could not decode it as ${formatName}: ${stderr.trim().split("\n")[0] || `exit code ${code}`}`);
      }
    } finally {
      if (child.exitCode === null) child.kill();
    }
  }
  return output();
}
