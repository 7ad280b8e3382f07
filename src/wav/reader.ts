/**
 * A WAV (or headerless) file as a stream of audio blocks ready for detectors: one chunk per
 * channel per block of at most CHUNK_BYTES of file data, in the encoding and at the sample rate
 * the detectors are opened with. Memory is bounded by the block size whatever the file's
 * length, so multi-hour, multi-GB recordings stream through.
 *
 * Damage that still leaves audio to analyse (data shorter than the header says, a partial last
 * frame) is reported in `warnings`; everything else throws WavFileError.
 */
import type { AudioChunk } from "../detector.js";
import { MAX_SAMPLE_RATE, MIN_SAMPLE_RATE, type Encoding } from "../options.js";
import { ByteReader } from "./bytes.js";
import { Decimator, MAX_FILE_SAMPLE_RATE, designLowPass, planRate } from "./decimate.js";
import { FrameDecoder } from "./decode.js";
import { RESAMPLED_RATE, Resampler } from "./resample.js";
import { WavFileError } from "./errors.js";
import type { PcmFormat } from "./format.js";
import { type RawOptions, rawFormat } from "./raw.js";
import { type WavHeader, readWavHeader } from "./riff.js";
import { type ByteSource, CHUNK_BYTES, openFile, streamSource } from "./source.js";
import { decodedSource, ffmpegSource } from "../compressed/open.js";
import { SNIFF_BYTES, sniff } from "../compressed/sniff.js";

const MS_PER_SECOND = 1000;

/** Where to read from: a path, or a stream (stdin) with the name errors should use. */
export type AudioSource = { path: string; name?: string } | { stream: AsyncIterable<Uint8Array | string>; name: string };

export interface ReaderOptions {
  /** Headerless input in this format instead of a WAV. */
  raw?: RawOptions;
  /** File bytes per block (default 64 KiB; rounded down to whole frames). */
  chunkBytes?: number;
}

export interface AudioBlock {
  /** The block's samples, one chunk per channel (reused by the next block). */
  channels: AudioChunk[];
  /** File frames this block covers (0 for the decimators' final output). */
  frames: number;
}

export class AudioReader {
  /** Damage found so far that did not stop the reading (filled while the blocks are read). */
  warnings: WavFileError[] = [];
  /** The detectors' sample rate: the file's, or the file's divided by `decimation`. */
  readonly sampleRate: number;
  /** The encoding to open the detectors with. */
  readonly encoding: Encoding;
  /** 1, or the ratio by which a rate above 48 kHz is brought down (an integer factor, or file rate / 48 kHz). */
  readonly decimation: number;
  /** Frames delivered so far. */
  framesRead = 0;
  /**
   * Read from a pipe or stream (no file size): a WAV header's length is then an estimate
   * (sox and ffmpeg write one they cannot correct on a pipe), so audio ending before it is
   * not reported as truncated.
   */
  private streamed = false;

  private readonly decoder: FrameDecoder;
  /** Per channel, when the file rate is above 48 kHz. */
  private readonly decimators: (Decimator | Resampler)[];
  private readonly block: Uint8Array;

  private constructor(
    readonly name: string,
    readonly format: PcmFormat,
    /** The WAV header; undefined for raw input. */
    readonly header: WavHeader | undefined,
    /** Audio bytes expected (header or file size), undefined when unknown (streams). */
    readonly dataBytes: number | undefined,
    private readonly bytes: ByteReader,
    chunkBytes: number,
    /** The compressed format decoded into `format` ("MP3", "M4A/AAC"…), when not a WAV or raw input. */
    readonly decodedFrom?: string,
  ) {
    const plan = planRate(format.sampleRate);
    if (plan === undefined) {
      throw new WavFileError(name, "unsupported-rate",
        `unsupported sample rate ${format.sampleRate} Hz: dtmf-wasm reads ${MIN_SAMPLE_RATE} to ${MAX_FILE_SAMPLE_RATE} Hz ` +
        `(rates above ${MAX_SAMPLE_RATE} Hz are converted down to the detector's range)`);
    }
    const frames = Math.max(1, Math.floor(chunkBytes / format.blockAlign));
    this.block = new Uint8Array(frames * format.blockAlign);
    this.decoder = new FrameDecoder(format, frames, { float: plan.kind !== "none" });
    this.encoding = this.decoder.encoding;
    if (plan.kind === "decimate") {
      this.sampleRate = format.sampleRate / plan.factor;
      const h = designLowPass(format.sampleRate, plan.factor);
      this.decimators = Array.from({ length: format.channels }, () => new Decimator(plan.factor, h, frames));
    } else if (plan.kind === "resample") {
      this.sampleRate = RESAMPLED_RATE;
      this.decimators = Array.from({ length: format.channels }, () => new Resampler(format.sampleRate, frames));
    } else {
      this.sampleRate = format.sampleRate;
      this.decimators = [];
    }
    this.decimation = format.sampleRate / this.sampleRate;
  }

  /** Opens a file or stream and reads its header. Throws WavFileError. */
  static async open(source: AudioSource, options: ReaderOptions = {}): Promise<AudioReader> {
    const name = source.name ?? ("path" in source ? source.path : "-");
    const chunkBytes = options.chunkBytes ?? CHUNK_BYTES;
    const input: ByteSource = "path" in source ? await openFile(source.path, name, chunkBytes) : streamSource(source.stream, name);
    const bytes = new ByteReader(input.chunks);
    try {
      let reader: AudioReader;
      if (options.raw) {
        reader = new AudioReader(name, rawFormat(options.raw), undefined, input.size, bytes, chunkBytes);
      } else {
        // Not a WAV: MP3, Ogg Vorbis/Opus and FLAC are decoded in-process, other containers by ffmpeg (src/compressed/).
        const head = await bytes.read(SNIFF_BYTES);
        bytes.unread(head);
        const kind = sniff(head);
        if (kind.kind === "compressed") {
          const warnings: WavFileError[] = [];
          const decoded = await decodedSource(kind.format, bytes, name, (w) => warnings.push(w));
          reader = new AudioReader(name, rawFormat(decoded.raw), undefined, undefined, new ByteReader(decoded.chunks), chunkBytes, kind.name);
          reader.warnings = warnings;
          return reader;
        }
        const wav = kind.kind === "other" ? new ByteReader(await ffmpegSource(kind.name, bytes, name)) : bytes;
        const header = await readWavHeader(wav, name);
        const inFile = input.size === undefined || wav !== bytes ? undefined : input.size - header.dataOffset;
        reader = new AudioReader(name, header.format, header, header.dataBytes ?? inFile, wav, chunkBytes, kind.kind === "other" ? kind.name : undefined);
        reader.warnings.push(...header.warnings);
        reader.streamed = input.size === undefined;
      }
      if (reader.dataBytes === 0) {
        throw new WavFileError(name, "empty", reader.header ? "no audio: the 'data' chunk is empty" : "empty file (0 bytes)");
      }
      return reader;
    } catch (error) {
      await bytes.close();
      throw error;
    }
  }

  get channels(): number { return this.format.channels; }
  /** Bytes of the file consumed so far (header included). */
  get position(): number { return this.bytes.position; }
  /** Audio delivered so far, ms. */
  get durationMs(): number { return (this.framesRead * MS_PER_SECOND) / this.format.sampleRate; }
  /** Audio the header (or file size) announces, ms; undefined when unknown. */
  get expectedDurationMs(): number | undefined {
    if (this.dataBytes === undefined) return undefined;
    return (Math.floor(this.dataBytes / this.format.blockAlign) * MS_PER_SECOND) / this.format.sampleRate;
  }

  /** The audio, block by block; the file is closed at the end (or when the loop stops early). */
  async *blocks(): AsyncGenerator<AudioBlock> {
    const { blockAlign, channels } = this.format;
    let remaining = this.dataBytes ?? Number.POSITIVE_INFINITY;
    const out: AudioChunk[] = new Array<AudioChunk>(channels);
    try {
      let total = 0;
      while (remaining > 0) {
        const want = Math.min(this.block.length, remaining);
        const got = await this.bytes.fill(want === this.block.length ? this.block : this.block.subarray(0, want), 0);
        total += got;
        remaining -= got;
        const frames = Math.floor(got / blockAlign);
        if (frames > 0) {
          this.framesRead += frames;
          for (let c = 0; c < channels; c++) {
            const chunk = this.decoder.channel(this.block, c, frames);
            out[c] = this.decimators.length ? this.decimators[c].push(chunk as Float32Array) : chunk;
          }
          yield { channels: out, frames };
        }
        if (got < want || frames * blockAlign < got) {
          this.endedEarly(total, got - frames * blockAlign, got < want);
          break;
        }
      }
      if (this.decimators.length) {
        for (let c = 0; c < channels; c++) out[c] = this.decimators[c].flush();
        yield { channels: out, frames: 0 };
      }
    } finally {
      await this.bytes.close();
    }
  }

  /** Stops reading (closes the file). */
  async close(): Promise<void> {
    await this.bytes.close();
  }

  /** The data stopped short of the header's size, or in the middle of a frame. */
  private endedEarly(total: number, partialBytes: number, shortOfHeader: boolean): void {
    // Enough decimals that the two durations differ (a few bytes short must not read "2.1 s … after 2.1 s").
    const announced = this.expectedDurationMs ?? 0;
    let digits = 1;
    while (digits < 4 && (announced / MS_PER_SECOND).toFixed(digits) === (this.durationMs / MS_PER_SECOND).toFixed(digits)) digits++;
    const seconds = (ms: number) => `${(ms / MS_PER_SECOND).toFixed(digits)} s`;
    if (total === 0) {
      if (this.dataBytes === undefined || this.header === undefined) {
        throw new WavFileError(this.name, "empty", this.header ? "no audio after the WAV header" : "empty file (0 bytes)");
      }
      throw new WavFileError(this.name, "truncated-data",
        `truncated: the header announces ${seconds(this.expectedDurationMs ?? 0)} of audio but the file ends where it should start`);
    }
    if (shortOfHeader && this.dataBytes !== undefined && this.header !== undefined && !this.streamed) {
      this.warnings.push(new WavFileError(this.name, "truncated-data",
        `truncated: the header announces ${seconds(this.expectedDurationMs ?? 0)} of audio but the file ends after ${seconds(this.durationMs)}; keys found in that part are reported`));
    } else if (partialBytes > 0) {
      this.warnings.push(new WavFileError(this.name, "truncated-data",
        `the audio ends inside a frame: ${partialBytes} trailing byte(s) of a ${this.format.blockAlign}-byte frame ignored`));
    }
  }
}
