/**
 * Redacting a compressed recording (MP3, Ogg Vorbis, Ogg Opus, FLAC) and writing it back in its
 * own format:
 *
 * 1. the input decoded in-process (src/compressed/decode.ts) to a temporary headerless float32
 *    file, streamed;
 * 2. that PCM redacted exactly as a headerless file is (offline.ts redactPcm: find, follow,
 *    patch, the notch's check and fallback) into a second temporary file;
 * 3. the redacted PCM encoded back with ffmpeg in the input's codec and container, at its
 *    sample rate and channels, its bit rate (MP3 CBR kept, VBR as ABR at the input's average;
 *    Vorbis' nominal rate; Opus' average) or bit depth (FLAC), with its tags;
 * 4. the verification run on that output decoded again (a lossy codec must not bring a key
 *    back); for FLAC the decoded samples outside the spans are also compared with the input's.
 *    A lossy codec changes every sample: the audit says so (outside_spans_identical false, with
 *    the reason) rather than claim what cannot hold.
 *
 * Memory stays bounded as for a WAV (everything streams); the temporary files take 4 bytes per
 * sample per channel on disk in os.tmpdir() ($TMPDIR), twice (FLAC: four times, with its
 * integers and its output decoded again), and are removed at the end. ffmpeg is checked for before anything is written.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { type FileHandle, mkdtemp, open, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, extname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ENCODERS, checkEncoder, describeEncoding, encodeWithFfmpeg, flacIntegers } from "../compressed/encode.js";
import { decodedSource } from "../compressed/open.js";
import { PROBE_BYTES, encodedParams, id3v2Length } from "../compressed/probe.js";
import { type CompressedFormat, FORMAT_NAMES } from "../compressed/sniff.js";
import type { DtmfEngine } from "../engine.js";
import { DtmfError, DtmfFileError } from "../errors.js";
import { ByteReader } from "../wav/bytes.js";
import type { RawOptions } from "../wav/raw.js";
import { openFile, unreadable } from "../wav/source.js";
import type { RedactAudit } from "./audit.js";
import { type RedactPaths, type ResolvedRedactOptions, buildAudit, compareOutside, redactPcm, verify } from "./offline.js";

export interface ReencodeJob extends RedactPaths {
  format: CompressedFormat;
}

const round1 = (v: number) => Math.round(v * 10) / 10;

/**
 * Guard added before each onset and after each end for a lossy input, samples at its rate: its
 * codec spread each key's tones into the audio around it, where the detector's onset and end do
 * not reach. MP3 quantises a granule (576 samples) at a time, and after a key LAME's long blocks
 * leave the tones over −30 dB of the key for up to 86 ms at 16 kbit/s, 8 kHz (42 ms at 32 kbit/s,
 * 16 kHz): without this guard the most sensitive detector read a key there, after the spans,
 * in test/redact-compressed.test.ts. Before an onset LAME's attack detection switches to short
 * blocks (192 samples). Ogg Vorbis and Opus left nothing the most sensitive detector read with
 * the default guards. The measurements: `node bench/redact-smear.mjs` (docs/redaction.md,
 * "Compressed recordings").
 */
const CODEC_GUARD_SAMPLES: Readonly<Record<CompressedFormat, { before: number; after: number }>> = {
  mp3: { before: 192, after: 576 }, vorbis: { before: 0, after: 0 }, opus: { before: 0, after: 0 }, flac: { before: 0, after: 0 },
};

/** File name extensions each format is written under; another audio extension on the output is refused. */
const EXTENSIONS: Readonly<Record<CompressedFormat, readonly string[]>> = {
  mp3: [".mp3"], vorbis: [".ogg", ".oga"], opus: [".opus", ".ogg"], flac: [".flac"],
};
const AUDIO_EXTENSIONS = new Set([".wav", ".mp3", ".ogg", ".oga", ".opus", ".flac", ".m4a", ".aac", ".aiff", ".webm", ".ul", ".al", ".raw", ".sln"]);

/** Redacts a compressed file into `output` in the same format (see the module's comment) and returns the audit. */
export async function redactReencoded(job: ReencodeJob, engine: DtmfEngine, o: ResolvedRedactOptions, chunkBytes?: number): Promise<RedactAudit> {
  const { input, inputName, output, outputName, format } = job;
  const name = FORMAT_NAMES[format];
  const ext = extname(output).toLowerCase();
  if (AUDIO_EXTENSIONS.has(ext) && !EXTENSIONS[format].includes(ext)) {
    throw new DtmfFileError(outputName, `${inputName} is ${name} and is written back as ${name}: name the output ${EXTENSIONS[format].join(" or ")}, not ${ext}`);
  }
  await checkEncoder(format, inputName, `${name} input is redacted as PCM and encoded back as ${name}`);
  const work = await mkdtemp(join(tmpdir(), "dtmf-wasm-redact-"));
  // ffmpeg writes beside the output, which appears whole or not at all.
  const partial = join(dirname(output), `.${basename(output)}.${process.pid}.partial`);
  try {
    const decodedPath = join(work, "input.f32"), redactedPath = join(work, "redacted.f32");
    const decoded = await decodeToFile(format, input, inputName, decodedPath);
    const inputHash = await hashFile(input, inputName);
    const { sampleRate, channels = 1 } = decoded.raw;
    const codecGuard = { before: round1((CODEC_GUARD_SAMPLES[format].before * 1000) / sampleRate), after: round1((CODEC_GUARD_SAMPLES[format].after * 1000) / sampleRate) };
    const guarded = { ...o, guardBeforeMs: o.guardBeforeMs + codecGuard.before, guardAfterMs: o.guardAfterMs + codecGuard.after };
    const pcm = { ...(await redactPcm({ input: decodedPath, inputName, output: redactedPath, outputName }, engine, guarded, decoded.raw, chunkBytes)), inputHash };
    const params = encodedParams(format, await readHead(format, input, inputName), inputHash.bytes, pcm.found.frames / sampleRate);
    // FLAC gets its integers back (lossless); the lossy encoders take the float samples.
    const integers = join(work, "redacted.int");
    const pcmFormat = format === "flac" ? await flacIntegers(redactedPath, integers, params.bitsPerSample ?? 16) : "f32le";
    await encodeWithFfmpeg({ format, params, sampleRate, channels, pcmPath: format === "flac" ? integers : redactedPath, pcmFormat, tagsFrom: input, output: partial }, outputName);
    try {
      await rename(partial, output);
    } catch (error) {
      throw new DtmfFileError(outputName, `cannot write: ${(error as Error).message}`, { cause: error });
    }

    const verified = await verify(output, outputName, engine, o.verifyTuning, undefined, chunkBytes);
    const outputHash = await hashFile(output, outputName);
    let identical = false, identicalReason: string | undefined;
    if (ENCODERS[format].lossless) {
      // Decoded again, the output must hold the input's samples outside the spans, every one.
      const checkPath = join(work, "output.f32");
      await decodeToFile(format, output, outputName, checkPath);
      identical = (await compareOutside(decodedPath, inputName, checkPath, outputName, pcm.found, pcm.spans)).identical;
    } else {
      identicalReason = `${name} is lossy: encoding the redacted audio again changes every sample, inside the spans and out; ` +
        "the verification ran on the output decoded again";
    }
    return await buildAudit(guarded, pcm, verified.keys, {
      input: { file: inputName, sha256: inputHash.sha256, bytes: inputHash.bytes, format: `${name} decoded to ${pcm.found.formatText}` },
      output: {
        file: outputName, sha256: outputHash.sha256, bytes: outputHash.bytes,
        format: describeEncoding(format, params, verified.format.sampleRate, verified.format.channels),
        audio_ms: round1((verified.frames * 1000) / verified.format.sampleRate),
      },
      identical, identicalReason, reencoded: format, warnings: decoded.warnings,
      ...(codecGuard.before || codecGuard.after ? { codecGuardMs: codecGuard } : {}),
    });
  } finally {
    await rm(work, { recursive: true, force: true });
    await rm(partial, { force: true });
  }
}

/** A compressed file decoded into a headerless f32le file at `path`: its format and the decoder's warnings. */
async function decodeToFile(format: CompressedFormat, input: string, name: string, path: string): Promise<{ raw: RawOptions; warnings: string[] }> {
  const source = await openFile(input, name);
  const warnings: string[] = [];
  const decoded = await decodedSource(format, new ByteReader(source.chunks), name, (w) => warnings.push(w.message));
  try {
    await pipeline(Readable.from(decoded.chunks, { objectMode: false }), createWriteStream(path));
  } catch (error) {
    if (error instanceof DtmfError) throw error;
    throw new DtmfFileError(name, `cannot decode to a temporary file (${path}): ${(error as Error).message}`, { cause: error });
  }
  return { raw: decoded.raw, warnings };
}

/** A file's SHA-256 and size. */
async function hashFile(path: string, name: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash("sha256");
  let bytes = 0;
  try {
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      bytes += chunk.length;
    }
  } catch (error) {
    throw unreadable(name, error);
  }
  return { sha256: hash.digest("hex"), bytes };
}

/** The bytes probe.ts reads the encoding from: the file's first, an MP3's after its ID3v2 tag. */
async function readHead(format: CompressedFormat, path: string, name: string): Promise<Uint8Array> {
  let handle: FileHandle;
  try { handle = await open(path, "r"); } catch (error) { throw unreadable(name, error); }
  try {
    const read = async (at: number, length: number) => {
      const bytes = new Uint8Array(length);
      const { bytesRead } = await handle.read(bytes, 0, length, at);
      return bytes.subarray(0, bytesRead);
    };
    const skip = format === "mp3" ? id3v2Length(await read(0, 10)) : 0;
    return await read(skip, PROBE_BYTES);
  } catch (error) {
    throw unreadable(name, error);
  } finally {
    await handle.close();
  }
}
