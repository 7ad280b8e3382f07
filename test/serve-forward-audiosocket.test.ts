/**
 * `dtmf-wasm serve --forward-audiosocket-url`: each AudioSocket call, its keys removed, goes on
 * to a TCP target (here a recorder on 127.0.0.1) as an AudioSocket stream: the UUID first, as
 * many audio messages of the same types and sizes, no DTMF message (it carries the digit), the
 * hang-up last; no key in the forwarded audio for the detector at its most sensitive while the
 * input had them; the audio exactly what a LiveRedactor makes of the same frames, and
 * (candidates off) every sample outside the keys' spans identical, 40 ms later. Then the
 * bounds: a target that refuses (frames past forwardMaxBufferedBytes dropped and counted, or
 * the forward closed), and one that drops the connection (reconnect, the UUID sent again
 * first). Bad target URLs: serve-units.test.ts. Every loop is bounded by the audio's length;
 * no wall-clock assertions.
 */
import { type AddressInfo, type Server, type Socket, connect, createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DtmfEngine } from "../src/engine.js";
import { audioSocketMessage } from "../src/server/audiosocket.js";
import { type DtmfServer, startServer } from "../src/server/server.js";
import { expectForwardTotals, expectRedactedCopy, keysFound, liveRedacted } from "./forward-helpers.js";
import { callAudio, callEnded, frames, pcm16le, sleep } from "./serve-helpers.js";

interface Message { type: number; payload: Buffer }
interface Received { bytes: Buffer[]; closed: Promise<void>; socket: Socket }

/**
 * AudioSocket messages back from bytes (the test's own parser: type, 2-byte big-endian length,
 * payload). `whole`: no partial message at the end (false for a connection the target cut).
 */
function parse(bytes: Buffer, whole = true): Message[] {
  const out: Message[] = [];
  let at = 0;
  while (at + 3 <= bytes.length && at + 3 + bytes.readUInt16BE(at + 1) <= bytes.length) {
    const length = bytes.readUInt16BE(at + 1);
    out.push({ type: bytes[at], payload: bytes.subarray(at + 3, at + 3 + length) });
    at += 3 + length;
  }
  if (whole) expect(at).toBe(bytes.length);
  return out;
}

/** A TCP forward target: every connection's bytes, in order. */
class Recorder {
  readonly server: Server;
  readonly connections: Received[] = [];
  private waiters: (() => void)[] = [];
  /** When set, the first connection is closed by the target once it has this many bytes. */
  dropFirstAfterBytes?: number;

  constructor() {
    this.server = createServer((socket) => {
      let close!: () => void;
      const rec: Received = { bytes: [], socket, closed: new Promise((r) => { close = r; }) };
      const index = this.connections.length;
      this.connections.push(rec);
      let n = 0;
      socket.on("data", (chunk: Buffer) => {
        rec.bytes.push(Buffer.from(chunk));
        n += chunk.length;
        if (index === 0 && this.dropFirstAfterBytes !== undefined && n >= this.dropFirstAfterBytes) socket.destroy();
      });
      socket.on("end", () => socket.end());
      socket.on("close", () => close());
      for (const w of this.waiters.splice(0)) w();
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", () => r()));
    return this;
  }

  get url(): string { return `tcp://127.0.0.1:${(this.server.address() as AddressInfo).port}`; }

  /** Resolves once `n` connections have been made. */
  async connected(n: number): Promise<Received> {
    while (this.connections.length < n) await new Promise<void>((r) => this.waiters.push(r));
    return this.connections[n - 1];
  }

  /** The messages of connection `n` (1-based), once it has closed (`whole`: see parse). */
  async messages(n: number, whole = true): Promise<Message[]> {
    const rec = await this.connected(n);
    await rec.closed;
    return parse(Buffer.concat(rec.bytes), whole);
  }

  close(): Promise<void> {
    for (const c of this.connections) c.socket.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
}

let engine: DtmfEngine;
beforeAll(async () => { engine = await DtmfEngine.create(); });

const UUID = "40325ec2-5efd-4bd3-805f-53576e581d13";
const uuidBytes = (id: string) => Buffer.from(id.replace(/-/g, ""), "hex");
const TYPE_FOR_RATE: Record<number, number> = { 8000: 0x10, 16000: 0x12 };

/**
 * One AudioSocket call: the UUID, the frames (20 ms), a DTMF message after each key's end, the
 * hang-up. `beforeRest(i)` may hold frame i back. Returns the messages sent.
 */
async function audioSocketCall(server: DtmfServer, id: string, chunks: Buffer[], options: { rate?: number; dtmfAt?: Map<number, string>; beforeRest?: (i: number) => Promise<void> | undefined } = {}): Promise<Message[]> {
  const socket = connect(server.audiosocketPort!, "127.0.0.1");
  await new Promise((r) => socket.once("connect", r));
  const ended = callEnded(server, id);
  const sent: Message[] = [];
  const send = (type: number, payload: Buffer = Buffer.alloc(0)) => { sent.push({ type, payload }); socket.write(audioSocketMessage(type, payload)); };
  send(0x01, uuidBytes(id));
  for (let i = 0; i < chunks.length; i++) {
    await options.beforeRest?.(i);
    send(TYPE_FOR_RATE[options.rate ?? 8000], chunks[i]);
    const digit = options.dtmfAt?.get(i);
    if (digit) send(0x03, Buffer.from(digit));
  }
  send(0x00);
  await ended;
  socket.destroy();
  return sent;
}

/** After which 20 ms frame each key ends (where a platform would report it). */
function dtmfAfterKeys(audio: ReturnType<typeof callAudio>): Map<number, string> {
  return new Map(audio.tones.map((t) => [Math.ceil((t.startMs + t.durationMs) / 20), t.digit]));
}

describe("serve --forward-audiosocket-url: 8 kHz slin, candidates off", () => {
  let recorder: Recorder;
  let server: DtmfServer;
  beforeAll(async () => {
    recorder = await new Recorder().listen();
    // The test sends faster than real time, before the target has answered: room for the whole call.
    server = await startServer({ port: 0, audiosocketPort: 0, engine, forwardAudiosocketUrl: recorder.url, redactCandidates: false, forwardMaxBufferedBytes: 1 << 20 });
  });
  afterAll(async () => { await server.close(); await recorder.close(); });

  it("the UUID first, audio messages of the same sizes, no DTMF message, the hang-up last; no key left; the rest identical 40 ms later", async () => {
    const audio = callAudio({ keys: "4111", toneMs: 90, gapMs: 400, leadMs: 500, tailMs: 600 }, 0.3);
    const bytes = pcm16le(audio);
    const chunks = frames(bytes, 320);
    const sent = await audioSocketCall(server, UUID, chunks, { dtmfAt: dtmfAfterKeys(audio) });
    expect(sent.filter((m) => m.type === 0x03)).toHaveLength(4);
    const got = await recorder.messages(1);
    const want = sent.filter((m) => m.type !== 0x03);
    expect(got.map((m) => m.type)).toEqual(want.map((m) => m.type));
    expect(got[0].payload.equals(uuidBytes(UUID))).toBe(true);
    expect(got[got.length - 1]).toEqual({ type: 0x00, payload: Buffer.alloc(0) });
    const audioOut = got.filter((m) => m.type === 0x10);
    expect(audioOut.map((m) => m.payload.length)).toEqual(chunks.map((c) => c.length));
    const forwarded = Buffer.concat(audioOut.map((m) => m.payload));
    expectRedactedCopy(engine, { original: bytes, chunks, forwarded, encoding: "pcm16", rate: 8000, digits: "4111" });
    await expectForwardTotals(server, chunks.length, bytes.length);
  });
});

describe("serve --forward-audiosocket-url: 16 kHz slin (type 0x12), defaults", () => {
  it("what a LiveRedactor (candidates on) makes of the frames, in messages of type 0x12; no key left", async () => {
    const recorder = await new Recorder().listen();
    const server = await startServer({ port: 0, audiosocketPort: 0, engine, forwardAudiosocketUrl: recorder.url, forwardMaxBufferedBytes: 1 << 20 });
    const audio = callAudio({ keys: "9#", toneMs: 80, gapMs: 300, leadMs: 400, tailMs: 500, sampleRate: 16000 }, 0.3);
    const bytes = pcm16le(audio);
    const chunks = frames(bytes, 640);
    const id = "0f0e0d0c-0b0a-0908-0706-050403020100";
    await audioSocketCall(server, id, chunks, { rate: 16000, dtmfAt: dtmfAfterKeys(audio) });
    const got = await recorder.messages(1);
    expect(got.filter((m) => m.type === 0x03)).toEqual([]);
    const audioOut = got.filter((m) => m.type === 0x12);
    expect(audioOut.map((m) => m.payload.length)).toEqual(chunks.map((c) => c.length));
    const forwarded = Buffer.concat(audioOut.map((m) => m.payload));
    expect(forwarded.equals(liveRedacted(engine, chunks, "pcm16", 16000, true))).toBe(true);
    expect(keysFound(engine, bytes, "pcm16", 16000, {}).map((k) => k.digit).join("")).toBe("9#");
    expect(keysFound(engine, forwarded, "pcm16", 16000)).toEqual([]);
    await server.close();
    await recorder.close();
  });
});

/** A port on 127.0.0.1 that nothing listens on (a connection to it is refused). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Resolves once no stream is being forwarded (at most 400 polls, 5 ms apart). */
async function forwardsEnded(server: DtmfServer): Promise<void> {
  for (let i = 0; i < 400 && (server.stats() as { forward: { open: number } }).forward.open > 0; i++) await sleep(5);
}

describe("serve --forward-audiosocket-url: bounds", () => {
  it("a target that refuses: frames past forwardMaxBufferedBytes are dropped and counted (drop), or the forward is closed (close)", async () => {
    const port = await closedPort();
    const chunks = frames(pcm16le(callAudio({ keys: "5", leadMs: 400, tailMs: 400 }, 0.2)), 320);
    // Each audio message is 3 + 320 bytes on the wire; the UUID is the preamble, kept apart.
    const fit = Math.floor(2048 / 323);
    for (const overflow of ["drop", "close"] as const) {
      // Many reconnects: the forward is still backing off when the call ends (it never gives up during it).
      const server = await startServer({ port: 0, audiosocketPort: 0, engine, forwardAudiosocketUrl: `tcp://127.0.0.1:${port}`, forwardMaxBufferedBytes: 2048, forwardOverflow: overflow, forwardMaxReconnects: 100 });
      await audioSocketCall(server, UUID, chunks);
      // The attempt in flight when the call ended fails (refused) and ends the forward.
      await forwardsEnded(server);
      const f = (server.stats() as { forward: Record<string, number> }).forward;
      expect(f.frames).toBe(0);
      if (overflow === "drop") {
        expect(f.failures).toBeGreaterThanOrEqual(1);
        // Every frame past the bound is dropped; those that fit are dropped with the queue when the call ends.
        expect(f.droppedOverflow).toBe(chunks.length - fit);
        expect(f.droppedDisconnected).toBe(fit);
      } else {
        // The first frame past the bound closes the forward for this call; the rest are not forwarded.
        expect(f.droppedOverflow).toBe(1);
        expect(f.droppedDisconnected).toBe(chunks.length - 1);
      }
      expect(f.open).toBe(0);
      await server.close();
    }
  });

  it("the target drops the connection: opened again once, the UUID sent again first, the hang-up last", async () => {
    const recorder = await new Recorder().listen();
    recorder.dropFirstAfterBytes = 19 + 3 * 323; // the UUID and 3 frames
    const server = await startServer({ port: 0, audiosocketPort: 0, engine, forwardAudiosocketUrl: recorder.url, forwardMaxReconnects: 1 });
    const chunks = frames(pcm16le(callAudio({ keys: "12", leadMs: 400, tailMs: 400 }, 0.2)), 320);
    // Half the call, then wait for the second connection before the rest (so the call is still streaming).
    await audioSocketCall(server, UUID, chunks, { beforeRest: (i) => (i === chunks.length >> 1 ? recorder.connected(2).then(() => undefined) : undefined) });
    const second = await recorder.messages(2);
    expect(second[0].type).toBe(0x01);
    expect(second[0].payload.equals(uuidBytes(UUID))).toBe(true);
    expect(second.slice(1, -1).every((m) => m.type === 0x10 && m.payload.length === 320)).toBe(true);
    expect(second[second.length - 1].type).toBe(0x00);
    // Across the failure, nothing went unredacted: no key in what either connection got.
    const first = await recorder.messages(1, false);
    const heard = Buffer.concat([...first, ...second].filter((m) => m.type === 0x10).map((m) => m.payload));
    expect(keysFound(engine, Buffer.concat(chunks), "pcm16", 8000, {}).map((k) => k.digit).join("")).toBe("12");
    expect(keysFound(engine, heard, "pcm16", 8000)).toEqual([]);
    const f = (server.stats() as { forward: Record<string, number> }).forward;
    expect(f.reconnects).toBe(1);
    expect(f.failures).toBe(1);
    await server.close();
    await recorder.close();
  });
});
