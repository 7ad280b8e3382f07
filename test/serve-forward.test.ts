/**
 * `dtmf-wasm serve --forward-url`: the redacted copy of each stream goes to another WebSocket
 * (here a recorder on 127.0.0.1) in the protocol it came in. For a Twilio call and a stereo
 * mod_audio_fork call: as many frames of the same sizes, the same text messages but the key
 * reports, no key left in the forwarded audio (the detector at its most sensitive: MOST_SENSITIVE_TUNING) where
 * the original had them, the forwarded audio exactly what a LiveRedactor makes of the same
 * frames, and (candidates off) every sample outside the keys' spans identical, 40 ms later.
 * Then the bounds: a target that never answers (frames dropped and counted, or the forward
 * closed), and one that drops the connection (reconnect, preamble sent again).
 * Every loop is bounded by the audio's length; no wall-clock assertions.
 */
import { type AddressInfo, type Server as TcpServer, createServer as createTcpServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { DtmfEngine } from "../src/engine.js";
import type { DetectorTuning, Encoding } from "../src/options.js";
import { type DtmfServer, startServer } from "../src/server/server.js";
import { expectForwardTotals, expectRedactedCopy, keysFound, liveRedacted } from "./forward-helpers.js";
import { FRAME_MS, callAudio, callEnded, frames, mulaw, open, pcm16le, stereo16le } from "./serve-helpers.js";

interface Recorded { path: string; messages: { data: Buffer; binary: boolean }[]; closed: Promise<void> }

/** A forward target: every connection's path and messages, in order. */
class Recorder {
  readonly wss: WebSocketServer;
  readonly connections: Recorded[] = [];
  private waiters: (() => void)[] = [];
  /** When set, a connection is closed by the target after this many messages (the first connection only). */
  dropFirstAfter?: number;

  constructor() {
    this.wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    this.wss.on("connection", (ws, req) => {
      let close!: () => void;
      const rec: Recorded = { path: req.url ?? "", messages: [], closed: new Promise((r) => { close = r; }) };
      const index = this.connections.length;
      this.connections.push(rec);
      ws.on("message", (data: Buffer, binary: boolean) => {
        rec.messages.push({ data: Buffer.from(data), binary });
        if (index === 0 && this.dropFirstAfter !== undefined && rec.messages.length === this.dropFirstAfter) ws.close(1011, "test: dropped");
      });
      ws.on("close", () => close());
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Resolves once it listens. */
  ready(): Promise<this> {
    return this.wss.address() ? Promise.resolve(this) : new Promise((r) => this.wss.once("listening", () => r(this)));
  }

  get url(): string { return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}`; }

  /** Resolves once `n` connections have been made. */
  async connected(n: number): Promise<Recorded> {
    while (this.connections.length < n) await new Promise<void>((r) => this.waiters.push(r));
    return this.connections[n - 1];
  }

  close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    return new Promise((r) => this.wss.close(() => r()));
  }
}

let engine: DtmfEngine;
beforeAll(async () => { engine = await DtmfEngine.create(); });

/** Keys in `bytes`; by default at the most sensitive setting. */
const decodeKeys = (bytes: Uint8Array, encoding: Encoding, sampleRate = 8000, tuning?: DetectorTuning) => keysFound(engine, bytes, encoding, sampleRate, tuning);
const expected = (chunks: Uint8Array[], encoding: Encoding, sampleRate: number, candidates: boolean) => liveRedacted(engine, chunks, encoding, sampleRate, candidates);

function twilioMedia(streamSid: string, i: number, payload: Buffer) {
  return { event: "media", sequenceNumber: String(i + 2), streamSid, media: { track: "inbound", chunk: String(i + 1), timestamp: String(i * FRAME_MS), payload: payload.toString("base64") } };
}

/** One Twilio call: connected, start, the frames (a dtmf report and a mark in the middle), stop. Returns the messages sent. */
async function twilioCall(server: DtmfServer, callSid: string, chunks: Buffer[], options: { beforeRest?: (i: number) => Promise<void> | undefined } = {}): Promise<string[]> {
  const client = await open(`${server.url}/twilio`);
  const ended = callEnded(server, callSid);
  const sent: string[] = [];
  const send = (m: unknown) => { const text = JSON.stringify(m); sent.push(text); client.text(text); };
  send({ event: "connected", protocol: "Call", version: "1.0.0" });
  send({ event: "start", sequenceNumber: "1", streamSid: "MZ1", start: { accountSid: "AC1", streamSid: "MZ1", callSid, tracks: ["inbound"], mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 } } });
  for (let i = 0; i < chunks.length; i++) {
    await options.beforeRest?.(i);
    send(twilioMedia("MZ1", i, chunks[i]));
    if (i === 40) send({ event: "dtmf", streamSid: "MZ1", dtmf: { track: "inbound_track", digit: "4" } });
    if (i === 41) send({ event: "mark", streamSid: "MZ1", mark: { name: "prompt-1" } });
  }
  send({ event: "stop", streamSid: "MZ1", stop: { accountSid: "AC1", callSid } });
  await ended;
  client.close();
  return sent;
}

describe("serve --forward-url: Twilio (JSON, base64 μ-law)", () => {
  let recorder: Recorder;
  let server: DtmfServer;
  beforeAll(async () => {
    recorder = await new Recorder().ready();
    server = await startServer({ port: 0, engine, forwardUrl: `${recorder.url}/recorder/{protocol}/{callId}`, redactCandidates: false });
  });
  afterAll(async () => { await server.close(); await recorder.close(); });

  it("same messages and frame sizes but the dtmf report, no key left, the rest identical 40 ms later", async () => {
    const audio = callAudio({ keys: "4111", toneMs: 90, gapMs: 400, leadMs: 500, tailMs: 600 }, 0.3);
    const bytes = mulaw(audio);
    const chunks = frames(bytes, 160);
    const sent = await twilioCall(server, "CA-fwd-1", chunks);
    const rec = await recorder.connected(1);
    await rec.closed;
    expect(rec.path).toBe("/recorder/twilio/CA-fwd-1");
    const got = rec.messages.map((m) => JSON.parse(m.data.toString()) as Record<string, any>);
    const want = sent.map((t) => JSON.parse(t) as Record<string, any>).filter((m) => m.event !== "dtmf");
    expect(got.map((m) => m.event)).toEqual(want.map((m) => m.event));
    expect(got.filter((m) => m.event === "media")).toHaveLength(chunks.length);
    // Every message as sent but the payload, which has the same length.
    for (let i = 0; i < got.length; i++) {
      if (got[i].event !== "media") { expect(got[i]).toEqual(want[i]); continue; }
      expect({ ...got[i], media: { ...got[i].media, payload: "" } }).toEqual({ ...want[i], media: { ...want[i].media, payload: "" } });
      expect(got[i].media.payload.length).toBe(want[i].media.payload.length);
    }
    const forwarded = Buffer.concat(got.filter((m) => m.event === "media").map((m) => Buffer.from(m.media.payload, "base64")));
    expect(forwarded.length).toBe(bytes.length);
    expectRedactedCopy(engine, { original: bytes, chunks, forwarded, encoding: "mulaw", rate: 8000, digits: "4111" });
    await expectForwardTotals(server, chunks.length, bytes.length);
  });
});

describe("serve --forward-url: mod_audio_fork stereo (binary L16, 16 kHz)", () => {
  let recorder: Recorder;
  let server: DtmfServer;
  beforeAll(async () => {
    recorder = await new Recorder().ready();
    // The test sends faster than real time, before the target has answered: room for the whole call.
    server = await startServer({ port: 0, engine, forwardUrl: `${recorder.url}/{callId}`, forwardMaxBufferedBytes: 1 << 20 });
  });
  afterAll(async () => { await server.close(); await recorder.close(); });

  it("binary frames of the same sizes; the caller's keys removed; the callee's channel (no keys) identical 40 ms later", async () => {
    const caller = callAudio({ keys: "9876", toneMs: 80, gapMs: 300, leadMs: 400, tailMs: 500, sampleRate: 16000 }, 0.3);
    const callee = callAudio({ keys: "", leadMs: 2500, sampleRate: 16000 }, 0.3, 6);
    const bytes = stereo16le(caller, callee);
    const chunks = frames(bytes, 1280);
    const client = await open(`${server.url}/audio_fork`);
    const ended = callEnded(server, "fork-1");
    client.json({ uuid: "fork-1", sampleRate: 16000, mixType: "stereo" });
    for (const c of chunks) client.binary(c);
    client.json({ event: "dtmf", dtmf: "9" });
    client.close();
    await ended;
    const rec = await recorder.connected(1);
    await rec.closed;
    expect(rec.path).toBe("/fork-1");
    expect(rec.messages.filter((m) => !m.binary).map((m) => JSON.parse(m.data.toString()))).toEqual([{ uuid: "fork-1", sampleRate: 16000, mixType: "stereo" }]);
    const binary = rec.messages.filter((m) => m.binary);
    expect(binary.map((m) => m.data.length)).toEqual(chunks.map((c) => c.length));
    const forwarded = Buffer.concat(binary.map((m) => m.data));
    const channel = (b: Buffer, c: number) => { const out = Buffer.alloc(b.length / 2); for (let i = 0; i < b.length / 4; i++) out.writeInt16LE(b.readInt16LE(4 * i + 2 * c), 2 * i); return out; };
    const keysIn = decodeKeys(channel(bytes, 0), "pcm16", 16000, {});
    expect(keysIn.map((k) => k.digit).join("")).toBe("9876");
    expect(decodeKeys(channel(forwarded, 0), "pcm16", 16000)).toEqual([]);
    const delay = 640;
    const calleeIn = channel(bytes, 1), calleeOut = channel(forwarded, 1);
    expect(calleeOut.subarray(delay * 2).equals(calleeIn.subarray(0, calleeIn.length - delay * 2))).toBe(true);
    // The caller's channel is what a LiveRedactor (defaults: candidates on) makes of it.
    expect(channel(forwarded, 0).equals(expected(frames(channel(bytes, 0), 640), "pcm16", 16000, true))).toBe(true);
  });
});

describe("serve --forward-url: Telnyx (JSON, base64 big-endian L16, 16 kHz)", () => {
  it("the forwarded payloads stay big-endian: what a LiveRedactor makes of the little-endian audio, swapped back", async () => {
    const recorder = await new Recorder().ready();
    const server = await startServer({ port: 0, engine, forwardUrl: `${recorder.url}/{protocol}/{callId}`, forwardMaxBufferedBytes: 1 << 20 });
    const audio = callAudio({ keys: "73", toneMs: 80, gapMs: 300, leadMs: 400, tailMs: 500, sampleRate: 16000 }, 0.3);
    const le = frames(pcm16le(audio), 640);
    const client = await open(`${server.url}/telnyx`);
    const ended = callEnded(server, "v3:call-1");
    client.json({ event: "connected", version: "1.0.0" });
    client.json({ event: "start", sequence_number: "1", stream_id: "s-1", start: { call_control_id: "v3:call-1", media_format: { encoding: "L16", sample_rate: 16000, channels: 1 } } });
    le.forEach((f, i) => client.json({ event: "media", sequence_number: String(i + 2), stream_id: "s-1", media: { track: "inbound", chunk: String(i + 1), timestamp: String(i * 20), payload: Buffer.from(f).swap16().toString("base64") } }));
    client.json({ event: "stop", stream_id: "s-1" });
    await ended;
    client.close();
    const rec = await recorder.connected(1);
    await rec.closed;
    expect(rec.path).toBe(`/telnyx/${encodeURIComponent("v3:call-1")}`);
    const media = rec.messages.map((m) => JSON.parse(m.data.toString())).filter((m) => m.event === "media");
    expect(media).toHaveLength(le.length);
    const forwardedBe = Buffer.concat(media.map((m) => Buffer.from(m.media.payload, "base64")));
    expect(forwardedBe.equals(expected(le, "pcm16", 16000, true).swap16())).toBe(true);
    expect(decodeKeys(Buffer.from(forwardedBe).swap16(), "pcm16", 16000)).toEqual([]);
    expect(decodeKeys(pcm16le(audio), "pcm16", 16000, {}).map((k) => k.digit).join("")).toBe("73");
    await server.close();
    await recorder.close();
  });
});

describe("serve --forward-url: Vonage (binary L16 mono)", () => {
  it("websocket:connected forwarded, websocket:dtmf not; binary frames of the same sizes, redacted", async () => {
    const recorder = await new Recorder().ready();
    const server = await startServer({ port: 0, engine, forwardUrl: `${recorder.url}/{protocol}/{callId}`, forwardMaxBufferedBytes: 1 << 20 });
    const audio = callAudio({ keys: "08", toneMs: 80, gapMs: 300, leadMs: 400, tailMs: 500, sampleRate: 16000 }, 0.3);
    const le = frames(pcm16le(audio), 640);
    const client = await open(`${server.url}/vonage`);
    const ended = callEnded(server, "vonage-1");
    const connected = { event: "websocket:connected", "content-type": "audio/l16;rate=16000", uuid: "vonage-1" };
    client.json(connected);
    le.forEach((f, i) => { client.binary(f); if (i === 30) client.json({ event: "websocket:dtmf", digit: "0", duration: 80 }); });
    client.close();
    await ended;
    const rec = await recorder.connected(1);
    await rec.closed;
    expect(rec.path).toBe("/vonage/vonage-1");
    expect(rec.messages.filter((m) => !m.binary).map((m) => JSON.parse(m.data.toString()))).toEqual([connected]);
    const binary = rec.messages.filter((m) => m.binary);
    expect(binary.map((m) => m.data.length)).toEqual(le.map((f) => f.length));
    const forwarded = Buffer.concat(binary.map((m) => m.data));
    expect(forwarded.equals(expected(le, "pcm16", 16000, true))).toBe(true);
    expect(decodeKeys(forwarded, "pcm16", 16000)).toEqual([]);
    expect(decodeKeys(pcm16le(audio), "pcm16", 16000, {}).map((k) => k.digit).join("")).toBe("08");
    await server.close();
    await recorder.close();
  });
});

describe("serve --forward-url: bounds", () => {
  it("a target that never answers the handshake: frames beyond forwardMaxBufferedBytes are dropped and counted", async () => {
    // A TCP listener that takes the connection and says nothing (the WebSocket handshake never ends).
    const silent: TcpServer = createTcpServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", () => r()));
    const port = (silent.address() as AddressInfo).port;
    for (const overflow of ["drop", "close"] as const) {
      const server = await startServer({ port: 0, engine, forwardUrl: `ws://127.0.0.1:${port}/x`, forwardMaxBufferedBytes: 2048, forwardOverflow: overflow });
      const chunks = frames(mulaw(callAudio({ keys: "5", leadMs: 400, tailMs: 400 }, 0.2)), 160);
      const sent = await twilioCall(server, `CA-slow-${overflow}`, chunks);
      // Which media messages fit in 2048 bytes, in order.
      let queued = 0, fit = 0;
      for (const t of sent) { const m = JSON.parse(t); if (m.event !== "media") continue; if (queued + t.length > 2048) break; queued += t.length; fit++; }
      const f = (server.stats() as { forward: { droppedOverflow: number; droppedDisconnected: number; frames: number; open: number } }).forward;
      expect(fit).toBeGreaterThan(0);
      expect(f.frames).toBe(0);
      if (overflow === "drop") {
        // Every frame past the bound is dropped (the queue stays at what fits: nothing grows).
        expect(f.droppedOverflow).toBe(chunks.length - fit);
      } else {
        // The first frame past the bound closes the forward for this call; the rest are not forwarded.
        expect(f.droppedOverflow).toBe(1);
        expect(f.droppedDisconnected).toBe(chunks.length - 1);
        expect(f.open).toBe(0);
      }
      await server.close();
    }
    await new Promise<void>((r) => silent.close(() => r()));
  });

  it("text messages are never dropped: past twice the bound they close the forward, and the frames after are counted", async () => {
    const silent: TcpServer = createTcpServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", () => r()));
    const server = await startServer({ port: 0, engine, forwardUrl: `ws://127.0.0.1:${(silent.address() as AddressInfo).port}/x`, forwardMaxBufferedBytes: 1024 });
    const client = await open(`${server.url}/twilio`);
    const ended = callEnded(server, "CA-marks");
    client.json({ event: "start", streamSid: "MZ9", start: { callSid: "CA-marks", streamSid: "MZ9", mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 } } });
    const frame = Buffer.alloc(160, 0xff).toString("base64");
    client.json(twilioMedia("MZ9", 0, Buffer.alloc(160, 0xff)));
    // 40 marks of ≈ 60 bytes: ≈ 2400 bytes of text, past 2 × 1024.
    for (let i = 0; i < 40; i++) client.json({ event: "mark", streamSid: "MZ9", mark: { name: `m${i}` } });
    for (let i = 1; i <= 5; i++) client.json({ event: "media", streamSid: "MZ9", media: { track: "inbound", chunk: String(i + 1), timestamp: String(i * 20), payload: frame } });
    client.json({ event: "stop", streamSid: "MZ9" });
    await ended;
    client.close();
    const f = (server.stats() as { forward: { droppedOverflow: number; droppedDisconnected: number; open: number } }).forward;
    expect(f.droppedOverflow).toBe(0);
    // The first frame was queued and is dropped with the forward; the 5 after it were never taken.
    expect(f.droppedDisconnected).toBe(6);
    expect(f.open).toBe(0);
    await server.close();
    await new Promise<void>((r) => silent.close(() => r()));
  });

  it("the target drops the connection: opened again once, the preamble (connected, start) sent again first", async () => {
    const recorder = await new Recorder().ready();
    recorder.dropFirstAfter = 5; // connected, start, 3 frames
    const server = await startServer({ port: 0, engine, forwardUrl: `${recorder.url}/{callId}`, forwardMaxReconnects: 1 });
    const chunks = frames(mulaw(callAudio({ keys: "12", leadMs: 400, tailMs: 400 }, 0.2)), 160);
    // Half the call, then wait for the second connection before the rest (so the call is still streaming).
    await twilioCall(server, "CA-drop", chunks, { beforeRest: (i) => (i === chunks.length >> 1 ? recorder.connected(2).then(() => undefined) : undefined) });
    const second = await recorder.connected(2);
    await second.closed;
    const events = second.messages.map((m) => JSON.parse(m.data.toString()).event as string);
    expect(events.slice(0, 2)).toEqual(["connected", "start"]);
    expect(events[events.length - 1]).toBe("stop");
    const f = (server.stats() as { forward: { reconnects: number; failures: number } }).forward;
    expect(f.reconnects).toBe(1);
    expect(f.failures).toBe(1);
    await server.close();
    await recorder.close();
  });

  it("refuses a forwardUrl that is not ws(s), naming the option", async () => {
    await expect(startServer({ port: 0, engine, forwardUrl: "http://127.0.0.1:1/x" })).rejects.toThrow(/forwardUrl.*ws\(s\) URL/);
    await expect(startServer({ port: 0, engine, forwardOverflow: "grow" })).rejects.toThrow(/forwardOverflow.*drop, close/);
  });
});

