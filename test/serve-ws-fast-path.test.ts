/**
 * The WebSocket fast path (ws-connection.ts, ws-frames.ts) against the `ws` library's own
 * reading of the same bytes: each case feeds one byte stream, cut into chunks in a given way,
 * to a real `ws` WebSocket on an in-memory socket (so the chunks arrive exactly as cut), once
 * with the fast path on and once with it off, and requires the same outcome: the payloads, the
 * keys with their times, the call's stats, the warnings, the bad-message and refusal counts,
 * and what the server wrote back (pongs, the close code). The fast path's frame counter shows
 * that it took the frames when on (and none when off), so each case can tell the two apart.
 */
import { Duplex } from "node:stream";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import WebSocket from "ws";
import { Call } from "../src/server/call.js";
import { type DtmfServer, startServer } from "../src/server/server.js";
import { StreamConnection, wsFastPath } from "../src/server/ws-connection.js";
import { callAudio, frames, mulaw, pcm16le } from "./serve-helpers.js";

const MAX_MESSAGE_BYTES = 100_000;
let server: DtmfServer;

beforeAll(async () => {
  server = await startServer({ port: 0, maxMessageBytes: MAX_MESSAGE_BYTES, maxBadMessages: 5 });
});
afterAll(async () => { wsFastPath.enabled = true; await server.close(); });

const MASK = Buffer.from([0x3c, 0xa5, 0x0f, 0x96]);

/** A client frame (masked unless `mask` is null); `lengthBytes` forces the 16- or 64-bit length form. */
function frame(opcode: number, payload: Buffer | string, o: { fin?: boolean; mask?: Buffer | null; lengthBytes?: 0 | 2 | 8; rsv?: number } = {}): Buffer {
  const data = typeof payload === "string" ? Buffer.from(payload) : payload;
  const mask = o.mask === undefined ? MASK : o.mask;
  const n = data.length;
  const lengthBytes = o.lengthBytes ?? (n < 126 ? 0 : n < 65536 ? 2 : 8);
  const head = Buffer.alloc(2 + lengthBytes + (mask ? 4 : 0));
  head[0] = (o.fin === false ? 0 : 0x80) | (o.rsv ?? 0) | opcode;
  head[1] = (mask ? 0x80 : 0) | (lengthBytes === 0 ? n : lengthBytes === 2 ? 126 : 127);
  if (lengthBytes === 2) head.writeUInt16BE(n, 2);
  if (lengthBytes === 8) head.writeBigUInt64BE(BigInt(n), 2);
  const body = Buffer.from(data);
  if (mask) { mask.copy(head, 2 + lengthBytes); for (let i = 0; i < n; i++) body[i] ^= mask[i & 3]; }
  return Buffer.concat([head, body]);
}
const text = (s: string | object, o = {}) => frame(0x1, typeof s === "string" ? s : JSON.stringify(s), o);
const binary = (b: Buffer, o = {}) => frame(0x2, b, o);
const closeFrame = (code: number) => { const b = Buffer.alloc(2); b.writeUInt16BE(code); return frame(0x8, b); };

/** Cuts `bytes` at the given offsets. */
function cut(bytes: Buffer, at: number[]): Buffer[] {
  const out: Buffer[] = [];
  let from = 0;
  for (const a of [...at, bytes.length]) { if (a > from) out.push(bytes.subarray(from, a)); from = Math.max(from, a); }
  return out;
}
/** Cuts `bytes` every `step` bytes. */
const every = (bytes: Buffer, step: number) => cut(bytes, Array.from({ length: Math.ceil(bytes.length / step) }, (_, k) => k * step));

/** Offsets of every frame's start (a client's frames, as framed here). */
function cutsAtFrames(bytes: Buffer): number[] {
  const out: number[] = [];
  for (let at = 0; at + 2 <= bytes.length;) {
    out.push(at);
    let n = bytes[at + 1] & 0x7f, p = at + 2;
    if (n === 126) { n = bytes.readUInt16BE(p); p += 2; } else if (n === 127) { n = Number(bytes.readBigUInt64BE(p)); p += 8; }
    at = p + ((bytes[at + 1] & 0x80) ? 4 : 0) + n;
  }
  return out;
}

/** What the server wrote back: its frames' opcodes, and the close code. */
function serverFrames(out: Buffer): { opcodes: number[]; closeCode?: number } {
  const opcodes: number[] = [];
  let closeCode: number | undefined;
  for (let at = 0; at + 2 <= out.length;) {
    const op = out[at] & 0x0f;
    let n = out[at + 1] & 0x7f, p = at + 2;
    if (n === 126) { n = out.readUInt16BE(p); p += 2; } else if (n === 127) { n = Number(out.readBigUInt64BE(p)); p += 8; }
    opcodes.push(op);
    if (op === 0x8 && n >= 2) closeCode = out.readUInt16BE(p);
    at = p + n;
  }
  return { opcodes, closeCode };
}

interface Outcome {
  payloads: string[];
  keys: unknown;
  stats: unknown;
  warnings: string[];
  badMessages: number;
  refused: Record<string, number>;
  opcodes: number[];
  closeCode?: number;
  events: string[];
}

/**
 * Feeds `chunks` (copied: both runs must see the same masked bytes) to a StreamConnection on
 * a real ws WebSocket over an in-memory socket, then ends the socket; returns what came out.
 */
async function run(path: "vonage" | "twilio" | "jambonz" | "audio_fork" | undefined, chunks: Buffer[], fast: boolean, before?: (ws: WebSocket, chunk: number) => void): Promise<Outcome & { fastFrames: number }> {
  wsFastPath.enabled = fast;
  const written: Buffer[] = [];
  const socket = new Duplex({ read() {}, write(chunk, _e, cb) { written.push(Buffer.from(chunk)); cb(); } });
  const ws = new (WebSocket as unknown as new (a: null, b: undefined, o: object) => WebSocket)(null, undefined, { autoPong: true });
  (ws as unknown as { setSocket(s: Duplex, head: Buffer, o: object): void }).setSocket(socket, Buffer.alloc(0), { maxPayload: MAX_MESSAGE_BYTES, allowSynchronousEvents: true });
  const payloads: string[] = [], warnings: string[] = [], events: string[] = [];
  let summary: Record<string, unknown> | undefined;
  const onPayload = (r: { payload: Record<string, unknown> }) => payloads.push(`${r.payload.event}:${r.payload.digit ?? ""}`);
  // (the refusal log line numbers refusals since the server started)
  const onWarning = (w: { message: string }) => warnings.push(w.message.replace(/^refused \(\d+\)/, "refused"));
  const onEnded = (s: Record<string, unknown>) => { summary = s; };
  const onKey = (k: { party: string; key: { type: string; digit: string; startSample: number } }) => events.push(`${k.key.type}${k.key.digit}@${k.key.startSample}`);
  server.on("payload", onPayload); server.on("warning", onWarning); server.on("callEnded", onEnded); server.on("key", onKey);
  const bad0 = server.totals.badMessages, refused0 = { ...server.refusedBy }, frames0 = wsFastPath.frames;
  try {
    new StreamConnection(server, ws, new URLSearchParams(), path);
    chunks.forEach((c, i) => { before?.(ws, i); if (!socket.destroyed) socket.emit("data", Buffer.from(c)); });
    await new Promise((resolve) => setImmediate(resolve));
    socket.destroy();
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    server.off("payload", onPayload); server.off("warning", onWarning); server.off("callEnded", onEnded); server.off("key", onKey);
    wsFastPath.enabled = true;
  }
  const refused: Record<string, number> = {};
  for (const [k, v] of Object.entries(server.refusedBy)) if (v !== (refused0[k] ?? 0)) refused[k] = v - (refused0[k] ?? 0);
  const s = summary as { keys?: unknown; stats?: unknown } | undefined;
  return {
    payloads, warnings, events, keys: s?.keys, stats: s?.stats, badMessages: server.totals.badMessages - bad0, refused,
    ...serverFrames(Buffer.concat(written)), fastFrames: wsFastPath.frames - frames0,
  };
}

/** Both runs; they must agree; returns the outcome (with whether the fast path took frames). */
async function same(path: Parameters<typeof run>[0], chunks: Buffer[], before?: Parameters<typeof run>[3]): Promise<Outcome & { fastFrames: number }> {
  const viaWs = await run(path, chunks, false, before);
  const fast = await run(path, chunks, true, before);
  expect(viaWs.fastFrames).toBe(0);
  const { fastFrames: _a, ...a } = fast, { fastFrames: _b, ...b } = viaWs;
  expect(a).toEqual(b);
  return fast;
}

const audio = callAudio({ keys: "159#", toneMs: 100, gapMs: 300, leadMs: 200, tailMs: 300 }, 0.3);
const vonageStart = text({ event: "websocket:connected", "content-type": "audio/l16;rate=8000", uuid: "fast-1" });
const l16Frames = frames(pcm16le(audio), 320);
const vonageStream = Buffer.concat([vonageStart, ...l16Frames.map((f) => binary(f)), closeFrame(1000)]);
const twilioStart = text({ event: "start", streamSid: "MZfast", start: { callSid: "fast-t", mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 } } });
const mulawFrames = frames(mulaw(audio), 160);
const twilioMedia = (f: Buffer, i: number) => text(`{"event":"media","sequenceNumber":"${i + 2}","media":{"track":"inbound","chunk":"${i + 1}","timestamp":"${i * 20}","payload":"${f.toString("base64")}"},"streamSid":"MZfast"}`);

describe("WebSocket fast path: the same outcome as ws", () => {
  it("several frames in one chunk (the whole Vonage call in one), and one frame per chunk", async () => {
    const whole = await same("vonage", [vonageStream]);
    expect(whole.fastFrames).toBe(l16Frames.length + 1);
    expect(whole.payloads.filter((p) => p.startsWith("dtmf:")).join(" ")).toBe("dtmf:1 dtmf:5 dtmf:9 dtmf:#");
    expect(whole.closeCode).toBe(1000);
    const perFrame = await same("vonage", [vonageStart, ...l16Frames.map((f) => binary(f)), closeFrame(1000)]);
    expect(perFrame.payloads).toEqual(whole.payloads);
    expect(perFrame.keys).toEqual(whole.keys);
  });

  it("frames split across chunks anywhere: inside the header, the length, the mask, the payload", async () => {
    for (const step of [1, 3, 7, 100, 333, 4096]) {
      const out = await same("vonage", every(vonageStream, step));
      expect(out.fastFrames, `every ${step} bytes`).toBeGreaterThan(l16Frames.length / 2);
      expect(out.payloads.filter((p) => p.startsWith("dtmf:")).length).toBe(4);
    }
    // A chunk that ends one byte into a frame, then the rest with several frames.
    const second = vonageStart.length + binary(l16Frames[0]).length;
    await same("vonage", cut(vonageStream, [second + 1, second + 2, second + 8, 20_000]));
  });

  it("masked text frames whose length is not a multiple of 4, at every alignment, Twilio's JSON path", async () => {
    const media = mulawFrames.map(twilioMedia);
    expect(new Set(media.map((m) => m.length % 4)).size).toBeGreaterThan(1);
    const stream = Buffer.concat([twilioStart, ...media, text({ event: "stop" })]);
    for (const chunks of [[stream], every(stream, 5), every(stream, 250), cut(stream, [1, 2, 3, 4, 5, 6, 7, 8, 9])]) {
      const out = await same("twilio", chunks);
      expect(out.fastFrames).toBeGreaterThan(media.length / 2);
      expect(out.payloads.filter((p) => p.startsWith("dtmf:")).join(" ")).toBe("dtmf:1 dtmf:5 dtmf:9 dtmf:#");
    }
    // Odd payload lengths of a binary frame: 1, 2, 3 bytes over whole samples (a bad message each for the odd ones).
    const odd = [321, 322, 323, 318].map((n) => binary(Buffer.from(pcm16le(audio).subarray(0, n))));
    const out = await same("vonage", [vonageStart, ...odd, ...l16Frames.slice(0, 20).map((f) => binary(f))]);
    expect(out.badMessages).toBe(2);
  });

  it("16-bit and 64-bit extended lengths, including a frame longer than the detector's input region", async () => {
    const pcm = pcm16le(callAudio({ keys: "159#", toneMs: 100, gapMs: 300, leadMs: 200, tailMs: 4000 }, 0.3));
    expect(pcm.length).toBeGreaterThan(740 + 70_000 + 1000);
    const forms = [
      binary(Buffer.from(pcm.subarray(0, 100))), // 7-bit length
      binary(Buffer.from(pcm.subarray(100, 420)), { lengthBytes: 8 }), // 64-bit form of a short length
      binary(Buffer.from(pcm.subarray(420, 740)), { lengthBytes: 2 }),
      binary(Buffer.from(pcm.subarray(740, 740 + 70_000))), // 64-bit: longer than 65,535
      binary(Buffer.from(pcm.subarray(740 + 70_000))),
    ];
    const stream = Buffer.concat([vonageStart, ...forms]);
    for (const chunks of [[stream], every(stream, 9), every(stream, 65_536)]) {
      const out = await same("vonage", chunks);
      expect(out.fastFrames).toBe(forms.length + 1);
      expect(out.payloads.filter((p) => p.startsWith("dtmf:")).join(" ")).toBe("dtmf:1 dtmf:5 dtmf:9 dtmf:#");
    }
  });

  it("ping, pong and close frames between data frames go to ws (a pong back; the close answered)", async () => {
    const f = l16Frames.map((b) => binary(b));
    const stream = Buffer.concat([vonageStart, ...f.slice(0, 10), frame(0x9, "ping!"), ...f.slice(10, 20), frame(0xa, "pong"), frame(0x9, ""), ...f.slice(20), closeFrame(4001), ...f.slice(0, 5)]);
    for (const chunks of [[stream], every(stream, 11), cut(stream, [vonageStart.length + f[0].length * 10 + 3])]) {
      const out = await same("vonage", chunks);
      expect(out.opcodes.filter((o) => o === 0xa).length).toBe(2);
      expect(out.closeCode).toBe(4001);
      expect(out.fastFrames).toBe(f.length + 1);
      expect((out.stats as { frames: number }).frames).toBe(f.length);
    }
  });

  it("a fragmented message (text and binary) is read by ws; the frames after it by the fast path again", async () => {
    const mark = JSON.stringify({ event: "websocket:dtmf", digit: "7", duration: 200 });
    const f = l16Frames.map((b) => binary(b));
    const stream = Buffer.concat([
      vonageStart, ...f.slice(0, 30),
      frame(0x1, mark.slice(0, 10), { fin: false }), frame(0x0, mark.slice(10, 20), { fin: false }), frame(0x9, "in between"), frame(0x0, mark.slice(20)),
      frame(0x2, l16Frames[30].subarray(0, 100), { fin: false }), frame(0x0, l16Frames[30].subarray(100)),
      ...f.slice(31),
    ]);
    // ws reads the fragments (and the ping between them) a frame at a time; the fast path every other frame.
    for (const chunks of [[stream], every(stream, 64), every(stream, 1000), cut(stream, cutsAtFrames(stream))]) {
      const out = await same("vonage", chunks);
      expect(out.payloads).toContain("dtmf:7");
      expect((out.stats as { frames: number }).frames).toBe(f.length);
      expect(out.fastFrames).toBe(f.length);
    }
  });

  it("an oversize frame is refused with 1009 (maxMessageBytes) before its payload, whatever came before it in the chunk", async () => {
    const big = binary(Buffer.alloc(MAX_MESSAGE_BYTES + 2));
    const stream = Buffer.concat([vonageStart, ...l16Frames.slice(0, 5).map((b) => binary(b)), big.subarray(0, 20)]);
    for (const chunks of [[stream], every(stream, 13)]) {
      const out = await same("vonage", chunks);
      expect(out.closeCode).toBe(1009);
      expect(out.refused).toEqual({ "vonage|maxMessageBytes": 1 });
      expect((out.stats as { frames: number }).frames).toBe(5);
    }
    // At the limit exactly: taken.
    const atLimit = await same("vonage", [vonageStart, binary(Buffer.alloc(MAX_MESSAGE_BYTES))]);
    expect(atLimit.refused).toEqual({});
    expect((atLimit.stats as { samples: number }).samples).toBe(MAX_MESSAGE_BYTES / 2);
  });

  it("junk: counted as bad messages, closed with 1008 after maxBadMessages; invalid UTF-8 gets 1007, an unmasked frame 1002", async () => {
    const junk = [binary(Buffer.from([1, 2, 3])), text("not json"), text("[1,2]"), text("{\"event\":\"media\",\"media\":{\"payload\":5}}"), binary(Buffer.alloc(3)), text("{}"), binary(Buffer.alloc(320))];
    const before = await same(undefined, [Buffer.concat(junk)]);
    expect(before.badMessages).toBe(5);
    expect(before.closeCode).toBe(1008);
    expect(before.refused).toEqual({ "websocket|maxBadMessages": 1 });
    const inCall = await same("twilio", every(Buffer.concat([twilioStart, ...mulawFrames.slice(0, 10).map(twilioMedia), ...junk, ...mulawFrames.slice(10).map(twilioMedia)]), 97));
    expect(inCall.badMessages).toBe(5);
    expect(inCall.closeCode).toBe(1008);
    const utf8 = await same("twilio", [Buffer.concat([twilioStart, twilioMedia(mulawFrames[0], 0), frame(0x1, Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), twilioMedia(mulawFrames[1], 1)])]);
    expect(utf8.closeCode).toBe(1007);
    expect((utf8.stats as { frames: number }).frames).toBe(1);
    const unmasked = await same("vonage", [Buffer.concat([vonageStart, binary(l16Frames[0]), binary(l16Frames[1], { mask: null }), binary(l16Frames[2])])]);
    expect(unmasked.closeCode).toBe(1002);
    const rsv = await same("vonage", [Buffer.concat([vonageStart, binary(l16Frames[0]), binary(l16Frames[1], { rsv: 0x40 })])]);
    expect(rsv.closeCode).toBe(1002);
    // Non-UTF-8 that is not ASCII but valid UTF-8 is taken as text.
    const accented = await same("vonage", [Buffer.concat([vonageStart, text({ event: "websocket:dtmf", digit: "3", note: "é€😀" })])]);
    expect(accented.payloads).toContain("dtmf:3");
  });

  it("another \"message\" listener on the socket: the fast path steps aside while it is there (it sees every message), and takes the frames again once it is gone", async () => {
    const media = mulawFrames.map(twilioMedia);
    const chunks = [twilioStart, ...media, text({ event: "stop" })];
    const half = Math.floor(chunks.length / 2);
    let seen = 0;
    const extra = () => { seen++; };
    const out = await same("twilio", chunks, (ws, i) => {
      if (i === 1) { seen = 0; ws.on("message", extra); }
      if (i === half) ws.off("message", extra);
    });
    expect(seen).toBe(half - 1);
    // The start (before the listener) and the frames from `half` on.
    expect(out.fastFrames).toBe(1 + chunks.length - half);
    expect(out.payloads.filter((p) => p.startsWith("dtmf:")).join(" ")).toBe("dtmf:1 dtmf:5 dtmf:9 dtmf:#");
    // once(): counted while it waits, gone after the message it takes.
    const once = await same("twilio", chunks, (ws, i) => { if (i === 1) ws.once("message", extra); });
    expect(once.fastFrames).toBe(chunks.length - 1);
  });

  it("stereo and jambonz/audio_fork L16 take the unmask-in-place path with the same result", async () => {
    const start = text({ callSid: "fast-j", sampleRate: 8000, mixType: "mono" });
    const out = await same("jambonz", every(Buffer.concat([start, ...l16Frames.map((f) => binary(f))]), 1000));
    expect(out.payloads.filter((p) => p.startsWith("dtmf:")).length).toBe(4);
    const fork = await same("audio_fork", [Buffer.concat([text({ uuid: "fast-f", mixType: "stereo" }), ...frames(Buffer.concat(l16Frames.map((f) => { const s = Buffer.alloc(f.length * 2); for (let i = 0; i < f.length / 2; i++) { f.copy(s, i * 4, i * 2, i * 2 + 2); } return s; })), 640).map((f) => binary(f))])]);
    expect(fork.payloads.filter((p) => p.startsWith("dtmf:")).length).toBe(4);
  });
});

describe("WebSocket fast path on a real socket", () => {
  it("takes the frames of a TCP client (raw handshake, frames written several per write)", async () => {
    const frames0 = wsFastPath.frames;
    const socket = connect(server.port, "127.0.0.1");
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    socket.write(`GET /vonage HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    await new Promise<void>((resolve) => { let got = ""; const on = (d: Buffer) => { got += d.toString("latin1"); if (got.includes("\r\n\r\n")) { socket.off("data", on); resolve(); } }; socket.on("data", on); });
    const ended = new Promise<Record<string, unknown>>((resolve) => { const on = (s: Record<string, unknown>) => { if (s.callId === "fast-tcp") { server.off("callEnded", on); resolve(s); } }; server.on("callEnded", on); });
    const payloads: string[] = [];
    const onPayload = (r: { callId: string; payload: Record<string, unknown> }) => { if (r.callId === "fast-tcp" && r.payload.event === "dtmf") payloads.push(String(r.payload.digit)); };
    server.on("payload", onPayload);
    socket.write(text({ event: "websocket:connected", "content-type": "audio/l16;rate=8000", uuid: "fast-tcp" }));
    for (let i = 0; i < l16Frames.length; i += 10) socket.write(Buffer.concat(l16Frames.slice(i, i + 10).map((f) => binary(f))));
    socket.write(closeFrame(1000));
    const s = await ended;
    server.off("payload", onPayload);
    socket.destroy();
    expect(payloads.join("")).toBe("159#");
    expect((s.stats as { frames: number }).frames).toBe(l16Frames.length);
    expect(wsFastPath.frames - frames0).toBeGreaterThan(l16Frames.length / 2);
  });
});

describe("Twilio media payloads read from the message's bytes: the same outcome as the full parse", () => {
  /**
   * The same call twice: compact media messages (the cheap reader, payload decoded from the
   * frame's bytes) and the same messages with a space after the first colon, which the cheap
   * reader declines (JSON.parse, then Node's base64 decoder: the path before it). `raw` is
   * the payload's JSON text as written (escapes, control characters kept as they are).
   */
  const call = (payloads: string[], o: { track?: (i: number) => string; stamp?: (i: number) => number } = {}) => (spaced: boolean) => Buffer.concat([
    twilioStart,
    ...payloads.map((raw, i) => text(`{"event":${spaced ? " " : ""}"media","sequenceNumber":"${i + 2}","media":{"track":"${o.track?.(i) ?? "inbound"}","chunk":"${i + 1}","timestamp":"${o.stamp?.(i) ?? i * 20}","payload":"${raw}"},"streamSid":"MZfast"}`)),
    text({ event: "stop" }),
  ]);
  async function agree(payloads: string[], o: Parameters<typeof call>[1] = {}): Promise<Outcome> {
    const { fastFrames: _a, ...fast } = await run("twilio", [call(payloads, o)(false)], true);
    const { fastFrames: _b, ...full } = await run("twilio", [call(payloads, o)(true)], true);
    expect(fast).toEqual(full);
    return fast;
  }
  const b64 = mulawFrames.map((f) => f.toString("base64"));

  it("canonical payloads of every padding (160, 161, 162 bytes a frame) and the empty payload", async () => {
    const bytes = Buffer.from(mulaw(audio));
    for (const size of [160, 161, 162]) {
      const p = frames(bytes, size).map((f) => f.toString("base64"));
      expect(new Set(p.map((s) => (s.match(/=*$/) ?? [""])[0].length)).size).toBe(1);
      const out = await agree(p);
      expect(out.payloads.filter((x) => x.startsWith("dtmf:")).join(" ")).toBe("dtmf:1 dtmf:5 dtmf:9 dtmf:#");
    }
    const out = await agree(["", ...b64.slice(0, 10), ""]);
    expect(out.badMessages).toBe(0);
  });

  it("non-canonical base64 (no padding, URL alphabet, whitespace, '=' inside, odd lengths) as Node's decoder reads it", async () => {
    const p = b64.slice();
    for (let i = 5; i < p.length; i += 9) {
      const s = p[i];
      const variant = (i / 9) % 8 | 0;
      p[i] = [
        s.replace(/=+$/, ""),
        s.replace(/\+/g, "-").replace(/\//g, "_"),
        `${s.slice(0, 10)} ${s.slice(10, 30)}  ${s.slice(30)}`,
        `${s.slice(0, 8)}==${s.slice(8)}`,
        `${s}A`,
        `${s.slice(0, -1)}`,
        `${s}AA`,
        "=".repeat(4),
      ][variant];
    }
    const out = await agree(p);
    expect(out.payloads.filter((x) => x.startsWith("dtmf:")).length).toBeGreaterThan(0);
  });

  it("escapes, control characters and non-ASCII in the payload: the full parse decides (same values, same errors)", async () => {
    const p = b64.slice(0, 60);
    p[3] = p[3].replace("/", "\\/");
    p[4] = `\\u0041${p[4].slice(1)}`;
    p[5] = `${p[5].slice(0, 4)}\t${p[5].slice(4)}`; // not JSON
    p[6] = `${p[6].slice(0, 4)}é${p[6].slice(4)}`;
    p[7] = `${p[7].slice(0, 4)}\\"${p[7].slice(4)}`;
    p[8] = `${p[8]}\\\\`;
    const out = await agree(p);
    expect(out.badMessages).toBe(1);
    // The outbound track is ignored, unless its message is not JSON.
    const outbound = await agree(p, { track: (i) => (i >= 3 && i < 9 ? "outbound" : "inbound") });
    expect(outbound.badMessages).toBe(1);
  });

  it("the core's memory grows mid-call (other channels opened): the call's kept input region is renewed, the same keys at the same times", async () => {
    const chunks = [twilioStart, ...mulawFrames.map(twilioMedia), text({ event: "stop" })];
    const plain = await same("twilio", chunks);
    // Detectors opened halfway through each run and kept until the end, so that each run needs
    // new slots (the second run cannot reuse the first's): the memory grows, the views detach.
    const opened: { close(): void }[] = [];
    const grew: boolean[] = [];
    // Every media frame still decoded straight into the (renewed) input region.
    const direct = vi.spyOn(Call.prototype, "frameInput");
    try {
      const grown = await same("twilio", chunks, (_ws, i) => {
        if (i !== chunks.length >> 1) return;
        const before = server.engine.memoryBytes;
        // As many as it takes (bounded): the memory grows by whole pages, which may hold several slabs.
        for (let k = 0; k < 10_000 && server.engine.memoryBytes === before; k++) opened.push(server.engine.createDetector({ sampleRate: 8000, encoding: "mulaw" }));
        grew.push(server.engine.memoryBytes > before);
      });
      expect(grew).toEqual([true, true]);
      expect(grown.fastFrames).toBe(chunks.length);
      expect(grown.payloads).toEqual(plain.payloads);
      expect(grown.events).toEqual(plain.events);
      expect(grown.keys).toEqual(plain.keys);
      expect(direct).toHaveBeenCalledTimes(2 * mulawFrames.length);
    } finally {
      direct.mockRestore();
      for (const d of opened) d.close();
    }
  });

  it("a payload larger than the detector's input region", async () => {
    const big = Buffer.from(mulaw(audio)).subarray(0, 20_000).toString("base64");
    const out = await agree([...b64.slice(0, 5), big, ...b64.slice(5, 20)]);
    expect(out.badMessages).toBe(0);
    expect((out.stats as { frames: number }).frames).toBe(21);
  });

  it("lost and reordered frames: the gap's silence goes through the input region before the frame", async () => {
    // Every 7th frame lost (its timestamp skipped), and a swapped pair: frames decoded before a fill are decoded again.
    const keep = b64.map((s, i) => ({ s, i })).filter(({ i }) => i % 7 !== 3);
    [keep[20], keep[21]] = [keep[21], keep[20]];
    const p = keep.map(({ s }) => s);
    const out = await agree(p, { stamp: (k) => keep[k].i * 20 });
    expect((out.stats as { gapSamples: number }).gapSamples).toBeGreaterThan(0);
    expect(out.payloads.filter((x) => x.startsWith("dtmf:")).join(" ")).toBe("dtmf:1 dtmf:5 dtmf:9 dtmf:#");
  });
});
