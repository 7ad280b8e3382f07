/**
 * The stream adapters with real streams: Node's pipeline() and Web Streams' pipeThrough() move
 * generated audio as bytes (s16le, f32le, μ-law, A-law), split anywhere (1-byte chunks, odd
 * sizes, slices at odd byte offsets of a larger buffer), and the events must equal the
 * detector's own on the same samples. Backpressure is checked by counting what the stream
 * has taken in while nobody reads; sharing is checked with 1000 streams on one engine.
 */
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { DtmfEngine } from "../src/engine.js";
import { DtmfInputError, DtmfOptionError } from "../src/errors.js";
import type { DetectorEvent } from "../src/events.js";
import { encodeSamples, generateDtmf, seededRandom } from "../src/generator.js";
import type { Encoding } from "../src/options.js";
import { DtmfTransform, createDtmfTransform } from "../src/streams/node.js";
import { DtmfTransformStream, createDtmfTransformStream } from "../src/streams/web.js";
import { testEngine } from "./helpers.js";

const KEYS = "147*2580369#ABCD";
const audio = generateDtmf({ keys: KEYS, toneMs: 70, gapMs: 60, snrDb: 25, seed: 11, sampleRate: 8000 });
const ENCODINGS: Encoding[] = ["pcm16", "float32", "mulaw", "alaw"];

/** The encoded audio as little-endian bytes. */
function bytesOf(encoding: Encoding, samples = audio.samples): Uint8Array {
  const data = encodeSamples(samples, encoding);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** What the detector itself reports for these bytes in one piece (the reference). */
async function reference(encoding: Encoding, bytes: Uint8Array, sampleRate = 8000): Promise<DetectorEvent[]> {
  const detector = (await testEngine()).createDetector({ sampleRate, encoding });
  const events = [...detector.process(bytes), ...detector.flush()];
  detector.close();
  return events;
}

/** Splits bytes into chunks of the given sizes (cycled), each a slice at an odd offset of a bigger Buffer. */
function chunked(bytes: Uint8Array, sizes: number[]): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = Math.min(sizes[i % sizes.length], bytes.length - at);
    const holder = Buffer.alloc(size + 5);
    holder.set(bytes.subarray(at, at + size), 3);
    chunks.push(holder.subarray(3, 3 + size));
    at += size;
  }
  return chunks;
}

function randomSizes(seed: number, count: number, max: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => 1 + Math.floor(random() * max));
}

async function collect(readable: AsyncIterable<DetectorEvent>): Promise<DetectorEvent[]> {
  const events: DetectorEvent[] = [];
  for await (const event of readable) events.push(event);
  return events;
}

const digitsOf = (events: DetectorEvent[]) => events.filter((e) => e.type === "dtmf").map((e) => e.digit).join("");

describe("Node Transform (node:stream pipeline)", () => {
  for (const encoding of ENCODINGS) {
    for (const [name, sizes] of [["1-byte", [1]], ["3-byte", [3]], ["160-sample frames", [{ pcm16: 320, float32: 640, mulaw: 160, alaw: 160 }[encoding]]],
      ["random 1-997 bytes", randomSizes(7, 200, 997)], ["whole", [1 << 30]]] as [string, number[]][]) {
      it(`${encoding}, ${name} chunks: the detector's events exactly`, async () => {
        const bytes = bytesOf(encoding);
        const expected = await reference(encoding, bytes);
        expect(digitsOf(expected)).toBe(KEYS);
        const stream = new DtmfTransform({ engine: await testEngine(), sampleRate: 8000, encoding });
        const events: DetectorEvent[] = [];
        await pipeline(Readable.from(chunked(bytes, sizes)), stream, new Writable({
          objectMode: true,
          write(event: DetectorEvent, _encoding, done) { events.push(event); done(); },
        }));
        expect(events).toEqual(expected);
        expect(stream.positionSamples).toBe(audio.samples.length);
        expect(stream.leftoverBytes).toBe(0);
      });
    }
  }

  it("reads a real file through fs streams (s16le at 48 kHz)", async () => {
    const wide = generateDtmf({ keys: "90#", toneMs: 90, gapMs: 90, sampleRate: 48000 });
    const bytes = bytesOf("pcm16", wide.samples);
    const { mkdtemp, writeFile } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { createReadStream } = await import("node:fs");
    const file = join(await mkdtemp(join(tmpdir(), "dtmf-stream-")), "call.s16le");
    await writeFile(file, bytes);
    expect((await readFile(file)).length).toBe(bytes.length);
    const stream = await createDtmfTransform({ engine: await testEngine(), sampleRate: 48000, encoding: "pcm16" });
    // A small highWaterMark makes the file arrive in many 1001-byte reads (odd: samples split).
    const events = await collect(createReadStream(file, { highWaterMark: 1001 }).pipe(stream));
    expect(events).toEqual(await reference("pcm16", bytes, 48000));
    expect(digitsOf(events)).toBe("90#");
  });

  it("events option: only dtmf, or only keydown", async () => {
    const bytes = bytesOf("mulaw");
    const all = await reference("mulaw", bytes);
    for (const only of ["dtmf", "keydown"] as const) {
      const stream = new DtmfTransform({ engine: await testEngine(), encoding: "mulaw", events: only });
      const events = await collect(Readable.from(chunked(bytes, [160])).pipe(stream));
      expect(events).toEqual(all.filter((e) => e.type === only));
    }
  });

  it("backpressure: with no reader it stops taking input, then delivers everything once read", async () => {
    const bytes = bytesOf("pcm16");
    const expected = await reference("pcm16", bytes);
    const stream = new DtmfTransform({ engine: await testEngine(), encoding: "pcm16", readableHighWaterMark: 2, writableHighWaterMark: 320 });
    const chunks = chunked(bytes, [320]);
    let refused = 0;
    for (const chunk of chunks) if (!stream.write(chunk)) refused++;
    stream.end();
    // Let the stream run as far as it will with nobody reading.
    for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(refused).toBeGreaterThan(0);
    // It holds at most highWaterMark events plus one chunk's worth, and has stopped early.
    expect(stream.readableLength).toBeLessThanOrEqual(4);
    const takenWhileBlocked = stream.positionSamples;
    expect(takenWhileBlocked).toBeLessThan(audio.samples.length / 2);
    const events = await collect(stream);
    expect(events).toEqual(expected);
    expect(stream.positionSamples).toBe(audio.samples.length);
  });

  it("an input ending inside a sample: every event, then a DtmfInputError naming the bytes left", async () => {
    const bytes = bytesOf("float32");
    const cut = bytes.subarray(0, bytes.length - 2);
    const expected = await reference("float32", bytes.subarray(0, bytes.length - 4));
    const stream = new DtmfTransform({ engine: await testEngine(), encoding: "float32" });
    const events: DetectorEvent[] = [];
    const sink = new Writable({ objectMode: true, write(event: DetectorEvent, _e, done) { events.push(event); done(); } });
    const error = await pipeline(Readable.from(chunked(cut, [1000])), stream, sink).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(DtmfInputError);
    expect((error as Error).message).toBe("the float32 stream ended inside a sample: 2 bytes left over of a 4-byte sample");
    expect(events).toEqual(expected);
    // With partialSample "ignore" the same input ends cleanly.
    const lenient = new DtmfTransform({ engine: await testEngine(), encoding: "float32", partialSample: "ignore" });
    expect(await collect(Readable.from(chunked(cut, [1000])).pipe(lenient))).toEqual(expected);
  });

  it("pipeline() into an async-generator stage (the README's pattern) sees every event before the partial-sample error", async () => {
    const bytes = bytesOf("float32");
    const cut = bytes.subarray(0, bytes.length - 2);
    const expected = await reference("float32", bytes.subarray(0, bytes.length - 4));
    const events: DetectorEvent[] = [];
    const error = await pipeline(Readable.from(chunked(cut, [1000])), new DtmfTransform({ engine: await testEngine(), encoding: "float32" }), async function* (source: AsyncIterable<DetectorEvent>) {
      for await (const event of source) {
        events.push(event);
        await new Promise((done) => setTimeout(done, 0)); // a reader slower than the stream
      }
      yield* [];
    }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(DtmfInputError);
    expect(events).toEqual(expected);
  });

  it("strings and bad options are typed errors; a destroyed stream frees its channel", async () => {
    const engine = await DtmfEngine.create();
    const stream = new DtmfTransform({ engine, encoding: "mulaw" });
    expect(engine.channelsOpen).toBe(1);
    const failed = new Promise((resolve) => stream.once("error", resolve));
    stream.write("not audio");
    const error = await failed;
    expect(error).toBeInstanceOf(DtmfInputError);
    expect((error as Error).message).toBe("a DTMF stream takes audio bytes (Buffer/Uint8Array); received a string");
    await new Promise((resolve) => setImmediate(resolve));
    expect(engine.channelsOpen).toBe(0);
    expect(() => new DtmfTransform({ engine, sampleRate: 4000 })).toThrow(new DtmfOptionError("sampleRate", "an integer from 8000 to 48000", 4000));
    expect(() => new DtmfTransform({ engine, events: "all-of-them" as never })).toThrow("events must be one of all, keydown, dtmf; received \"all-of-them\"");
    expect(() => new DtmfTransform({ engine: {} as DtmfEngine })).toThrow("engine must be a DtmfEngine (await DtmfEngine.create()); received an object (Object)");
    expect(() => new DtmfTransform({ engine, readableHighWaterMark: 0 })).toThrow("readableHighWaterMark must be an integer from 1 to 65536; received 0");
    expect(() => new DtmfTransform({ engine, partialSample: "drop" as never })).toThrow("partialSample must be one of error, ignore; received \"drop\"");
    expect(() => new DtmfTransform({ engine, bogus: 1 } as never)).toThrow(DtmfOptionError);
    expect(engine.channelsOpen).toBe(0);
  });

  it("1000 streams at once share one engine; each gets its own keys; channels are freed at the end", async () => {
    const engine = await DtmfEngine.create();
    const keysets = ["123", "456", "789", "*0#", "ABCD"];
    const calls = keysets.map((keys, i) => bytesOf("mulaw", generateDtmf({ keys, toneMs: 60, gapMs: 60, seed: i + 1 }).samples));
    const streams = Array.from({ length: 1000 }, () => new DtmfTransform({ engine, encoding: "mulaw", events: "dtmf" }));
    expect(engine.channelsOpen).toBe(1000);
    const results = await Promise.all(streams.map(async (stream, i) => digitsOf(await collect(Readable.from(chunked(calls[i % calls.length], [160])).pipe(stream)))));
    results.forEach((digits, i) => expect(digits).toBe(keysets[i % keysets.length]));
    expect(engine.channelsOpen).toBe(0);
  });
});

/** A ReadableStream of the given chunks (pull-based, so it only produces what is asked for). */
function webSource(chunks: ArrayBufferView[] | ArrayBuffer[], pulled?: { count: number }): ReadableStream<ArrayBufferView | ArrayBuffer> {
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (pulled) pulled.count++;
      if (i < chunks.length) controller.enqueue(chunks[i++]);
      else controller.close();
    },
  }, { highWaterMark: 0 });
}

describe("Web TransformStream (pipeThrough)", () => {
  for (const encoding of ENCODINGS) {
    it(`${encoding}: 1-byte, odd and random chunks give the detector's events`, async () => {
      const bytes = bytesOf(encoding);
      const expected = await reference(encoding, bytes);
      for (const sizes of [[1], [7], randomSizes(3, 100, 1500)]) {
        const stream = new DtmfTransformStream({ engine: await testEngine(), encoding });
        const events = await collect(webSource(chunked(bytes, sizes)).pipeThrough(stream));
        expect(events).toEqual(expected);
        expect(stream.positionSamples).toBe(audio.samples.length);
      }
    });
  }

  it("typed arrays of the encoding and ArrayBuffers are taken as their bytes", async () => {
    const pcm = encodeSamples(audio.samples, "pcm16");
    const f32 = encodeSamples(audio.samples, "float32");
    const expected16 = await reference("pcm16", bytesOf("pcm16"));
    const frames16 = Array.from({ length: Math.ceil(pcm.length / 160) }, (_, i) => pcm.subarray(i * 160, (i + 1) * 160));
    expect(await collect(webSource(frames16).pipeThrough(await createDtmfTransformStream({ engine: await testEngine(), encoding: "pcm16" })))).toEqual(expected16);
    const buffers = Array.from({ length: Math.ceil(f32.length / 333) }, (_, i) => f32.slice(i * 333, (i + 1) * 333).buffer);
    expect(await collect(webSource(buffers).pipeThrough(new DtmfTransformStream({ engine: await testEngine(), encoding: "float32" })))).toEqual(await reference("float32", bytesOf("float32")));
  });

  it("backpressure: nothing is pulled from the source beyond what the reader asks for", async () => {
    const bytes = bytesOf("mulaw");
    const chunks = chunked(bytes, [160]);
    const pulled = { count: 0 };
    const stream = new DtmfTransformStream({ engine: await testEngine(), encoding: "mulaw" });
    const events = webSource(chunks, pulled).pipeThrough(stream);
    const reader = events.getReader();
    const first = await reader.read();
    expect(first.value?.type).toBe("keydown");
    for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
    // The first keydown is in frame ~6; the pipe stops soon after, far from the 400+ frames.
    const pulledWhileIdle = pulled.count;
    expect(pulledWhileIdle).toBeLessThan(chunks.length / 4);
    expect(stream.positionSamples).toBeLessThan(bytes.length / 4);
    const rest: DetectorEvent[] = [first.value!];
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest.push(r.value);
    expect(rest).toEqual(await reference("mulaw", bytes));
    expect(pulled.count).toBeGreaterThan(chunks.length);
  });

  it("errors are typed and reach the reader; a partial sample errors after the last events", async () => {
    const engine = await DtmfEngine.create();
    const stream = new DtmfTransformStream({ engine, encoding: "pcm16" });
    const writer = stream.writable.getWriter();
    const reader = stream.readable.getReader();
    const wrote = writer.write("text" as never).catch((e: unknown) => e);
    const error = await reader.read().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DtmfInputError);
    expect((error as Error).message).toBe("a DTMF stream takes audio bytes (Uint8Array, Buffer, ArrayBuffer or a typed array); received string");
    expect(await wrote).toBe(error);
    expect(engine.channelsOpen).toBe(0);

    // The last press is still open when the input ends: its dtmf comes from the flush.
    const short = bytesOf("pcm16", generateDtmf({ keys: "37", toneMs: 80, gapMs: 80, tailMs: 10 }).samples);
    const cut = short.subarray(0, short.length - 1);
    const expected = await reference("pcm16", short.subarray(0, short.length - 2));
    expect(digitsOf(expected)).toBe("37");
    const got: DetectorEvent[] = [];
    let failure: unknown;
    try {
      for await (const event of webSource(chunked(cut, [999])).pipeThrough(new DtmfTransformStream({ engine, encoding: "pcm16" }))) got.push(event);
    } catch (e) {
      failure = e;
    }
    expect(failure).toBeInstanceOf(DtmfInputError);
    expect((failure as Error).message).toBe("the pcm16 stream ended inside a sample: 1 byte left over of a 2-byte sample");
    expect(got).toEqual(expected);
    const lenient = new DtmfTransformStream({ engine, encoding: "pcm16", partialSample: "ignore" });
    expect(await collect(webSource(chunked(cut, [999])).pipeThrough(lenient))).toEqual(expected);
    expect(engine.channelsOpen).toBe(0);
  });

  it("close() frees an abandoned stream's channel; 1000 web streams share one engine", async () => {
    const engine = await DtmfEngine.create();
    const abandoned = new DtmfTransformStream({ engine, encoding: "alaw" });
    expect(engine.channelsOpen).toBe(1);
    abandoned.close();
    abandoned.close();
    expect(engine.channelsOpen).toBe(0);
    const bytes = bytesOf("alaw", generateDtmf({ keys: "5#", toneMs: 60, gapMs: 60 }).samples);
    const streams = Array.from({ length: 1000 }, () => new DtmfTransformStream({ engine, encoding: "alaw", events: "dtmf" }));
    expect(engine.channelsOpen).toBe(1000);
    const results = await Promise.all(streams.map(async (s) => digitsOf(await collect(webSource(chunked(bytes, [160])).pipeThrough(s)))));
    expect(new Set(results)).toEqual(new Set(["5#"]));
    expect(engine.channelsOpen).toBe(0);
  });

  it("has no Node imports in its module graph (it runs in browsers)", async () => {
    const seen = new Set<string>();
    const nodeImports: string[] = [];
    const visit = async (url: URL) => {
      if (seen.has(url.href)) return;
      seen.add(url.href);
      const text = await readFile(url, "utf8");
      for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/gm)) {
        const spec = m[1];
        if (spec.startsWith("node:") || !spec.startsWith(".")) nodeImports.push(`${url.pathname.split("/src/")[1]} → ${spec}`);
        else await visit(new URL(spec.replace(/\.js$/, ".ts"), url));
      }
    };
    await visit(new URL("../src/streams/web.ts", import.meta.url));
    expect(seen.size).toBeGreaterThan(5);
    expect(nodeImports).toEqual([]);
  });
});
