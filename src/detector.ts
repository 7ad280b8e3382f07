/**
 * One channel: audio chunks in, events out. Chunks of any size give the same events, since
 * all filter and key state lives in the channel's record in WASM memory, not in the chunking.
 * Each chunk is written once into the core's input region (in pieces of at most its size)
 * and decoded there; nothing is allocated per chunk unless events come back.
 */
import { DtmfClosedError, DtmfInputError, DtmfOptionError } from "./errors.js";
import { type DetectorEvent, decodeEvent } from "./events.js";
import { DEFAULT_TUNING, type DetectorTuning, type Encoding, type ResolvedOptions, rejectUnknown, resolveOptions } from "./options.js";

/** The options configure() can change: the tuning, nothing else. */
const TUNING_NAMES: ReadonlySet<string> = new Set(Object.keys(DEFAULT_TUNING));
import type { ChannelPort } from "./wasm.js";

/** What process() takes for each encoding. */
export type AudioChunk = Int16Array | Float32Array | Uint8Array;

const EMPTY: readonly DetectorEvent[] = Object.freeze([]);
const ACCEPTED: Record<Encoding, string> = {
  pcm16: "an Int16Array, or a Uint8Array/Buffer of 16-bit little-endian bytes",
  float32: "a Float32Array, or a Uint8Array/Buffer of 32-bit float little-endian bytes",
  mulaw: "a Uint8Array/Buffer of G.711 μ-law bytes",
  alaw: "a Uint8Array/Buffer of G.711 A-law bytes",
};

export class Detector {
  readonly sampleRate: number;
  readonly encoding: Encoding;
  /** Bytes a sample of `encoding` takes when process() is given bytes (2, 4, or 1 for G.711). */
  readonly bytesPerSample: number;
  private handle: number;
  private options: ResolvedOptions;
  /** The engine's core, as far as a channel needs it (src/wasm.ts). */
  private readonly port: ChannelPort;
  private readonly onEvent: ((event: DetectorEvent) => void) | undefined;
  /** Bytes a sample; and which typed array carries samples directly (none for G.711). */
  private readonly bytes: number;
  private readonly typedSamples: typeof Int16Array | typeof Float32Array | undefined;

  private constructor(port: ChannelPort, handle: number, options: ResolvedOptions, onEvent?: (event: DetectorEvent) => void) {
    this.port = port;
    this.handle = handle;
    this.options = options;
    this.onEvent = onEvent;
    this.sampleRate = options.sampleRate;
    this.encoding = options.encoding;
    this.bytes = port.layout.bytesPerSample[options.encoding];
    this.bytesPerSample = this.bytes;
    this.typedSamples = options.encoding === "pcm16" ? Int16Array : options.encoding === "float32" ? Float32Array : undefined;
  }

  /** @internal The engine's way in: use engine.createDetector() or createDetector(). */
  static open(port: ChannelPort, handle: number, options: ResolvedOptions, onEvent?: (event: DetectorEvent) => void): Detector {
    return new Detector(port, handle, options, onEvent);
  }

  /** The options in force (defaults filled in). */
  get settings(): Readonly<ResolvedOptions> { return this.options; }

  get closed(): boolean { return this.handle === 0; }

  /** Samples processed since the stream started (or since the last flush/reset). */
  get positionSamples(): number { return this.port.position(this.live()); }
  get positionMs(): number { return (this.positionSamples * 1000) / this.sampleRate; }

  /**
   * Feeds a chunk of audio; returns the events it completed (keydown when a key is
   * confirmed, dtmf when a key press ends), in order. Media time runs on from the last chunk.
   */
  process(chunk: AudioChunk): readonly DetectorEvent[] {
    // The path every frame of a live call takes: the chunk is the detector's own sample type
    // and fits the input region in one piece.
    const views = this.port;
    const typed = this.typedSamples;
    if (this.handle !== 0) {
      if (typed !== undefined ? chunk instanceof typed : this.bytes === 1 && chunk instanceof Uint8Array) {
        const target = this.bytes === 2 ? views.i16 : this.bytes === 4 ? views.f32 : views.u8;
        if (chunk.length <= target.length) { // a detached view (memory grew) has length 0
          target.set(chunk);
          return this.run(this.handle, chunk.length, undefined) ?? EMPTY;
        }
      } else if (chunk instanceof Uint8Array && chunk.byteLength % this.bytes === 0 && chunk.byteLength <= views.u8.length) {
        // Bytes for a 16/32-bit encoding (a WebSocket's binary L16 frame): one copy, as above.
        views.u8.set(chunk);
        return this.run(this.handle, chunk.byteLength / this.bytes, undefined) ?? EMPTY;
      }
    }
    return this.processPieces(chunk);
  }

  /** process() for the other cases: byte input, chunks longer than the input region, errors. */
  private processPieces(chunk: AudioChunk): readonly DetectorEvent[] {
    const handle = this.live();
    const bytes = this.bytes;
    const views = this.port;
    views.refresh();
    let events: DetectorEvent[] | undefined;
    if (this.typedSamples !== undefined && chunk instanceof this.typedSamples) {
      const capacity = views.layout.inputBytes / bytes;
      for (let done = 0; done < chunk.length; done += capacity) {
        const n = Math.min(capacity, chunk.length - done);
        // An onEvent handler of the piece before may have opened channels and grown the
        // memory, which detaches the views: take them again for every piece.
        views.refresh();
        (bytes === 2 ? views.i16 : views.f32).set(n === chunk.length ? chunk : chunk.subarray(done, done + n));
        events = this.run(handle, n, events);
      }
    } else if (chunk instanceof Uint8Array) {
      if (chunk.byteLength % bytes !== 0) {
        throw new DtmfInputError(`${this.encoding} input given as bytes must be a multiple of ${bytes} bytes long; received ${chunk.byteLength} bytes`);
      }
      const inputBytes = views.layout.inputBytes;
      const capacity = inputBytes - (inputBytes % bytes);
      for (let done = 0; done < chunk.byteLength; done += capacity) {
        const n = Math.min(capacity, chunk.byteLength - done);
        views.refresh(); // as above: the memory may have grown in onEvent
        views.u8.set(n === chunk.byteLength ? chunk : chunk.subarray(done, done + n));
        events = this.run(handle, n / bytes, events);
      }
    } else {
      const got = ArrayBuffer.isView(chunk) ? (chunk as object).constructor.name : chunk === null ? "null" : typeof chunk;
      throw new DtmfInputError(`a ${this.encoding} detector takes ${ACCEPTED[this.encoding]}; received ${got}`);
    }
    return events ?? EMPTY;
  }

  /**
   * @internal The core's input region, as bytes: a caller that can produce the samples in
   * place (the server decodes a base64 payload straight into it) writes them at its start and
   * calls processInput(). Shared by every detector of the engine: valid until the next call
   * into any of them.
   */
  inputRegion(): Uint8Array {
    this.live();
    this.port.refresh();
    return this.port.u8;
  }

  /** @internal Processes the `samples` samples written at the start of inputRegion(), in this detector's encoding. */
  processInput(samples: number): readonly DetectorEvent[] {
    const handle = this.live();
    if (!Number.isInteger(samples) || samples < 0 || samples * this.bytes > this.port.u8.length) {
      throw new DtmfInputError(`processInput takes 0 to ${Math.floor(this.port.u8.length / this.bytes)} samples; received ${samples}`);
    }
    return this.run(handle, samples, undefined) ?? EMPTY;
  }

  /** End of stream: reports the key press still open, then restarts media time at 0. */
  flush(): readonly DetectorEvent[] {
    const handle = this.live();
    this.port.refresh();
    return this.collect(this.port.flush(handle), undefined) ?? EMPTY;
  }

  /** Forgets the stream without reporting anything; media time restarts at 0. */
  reset(): void {
    this.port.reset(this.live());
  }

  /**
   * Changes tuning options from the next hop (≈ 6 ms) on; the stream goes on. Only tuning
   * can change: `sampleRate`, `encoding`, `onEvent` or any other name throws a
   * DtmfOptionError (open another detector for another rate or encoding).
   */
  configure(tuning: DetectorTuning): void {
    const handle = this.live();
    if (tuning === null || typeof tuning !== "object") throw new DtmfOptionError("tuning", "an object of tuning options", tuning);
    rejectUnknown(tuning, TUNING_NAMES, "tuning (configure() cannot change sampleRate, encoding or onEvent: open another detector)");
    this.options = resolveOptions({ ...this.options, ...tuning });
    this.port.configure(handle, this.options);
  }

  /**
   * Frees the channel's state for reuse. Idempotent. (A detector dropped without close() is
   * closed when the garbage collector reclaims it; close() frees the slot at once.)
   */
  close(): void {
    if (this.handle === 0) return;
    this.port.close(this.handle, this);
    this.handle = 0;
  }

  private live(): number {
    if (this.handle === 0) throw new DtmfClosedError("this detector");
    return this.handle;
  }

  private run(handle: number, samples: number, events: DetectorEvent[] | undefined): DetectorEvent[] | undefined {
    return this.collect(this.port.process(handle, samples), events);
  }

  private collect(count: number, events: DetectorEvent[] | undefined): DetectorEvent[] | undefined {
    if (count === 0) return events;
    const port = this.port;
    events ??= [];
    const first = events.length;
    for (let r = 0; r < count; r++) events.push(decodeEvent(port.events, r, port.layout, this.sampleRate));
    if (this.onEvent) for (let i = first; i < events.length; i++) this.onEvent(events[i]);
    return events;
  }
}


