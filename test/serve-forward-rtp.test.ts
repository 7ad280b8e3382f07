/**
 * `dtmf-wasm serve --forward-rtp-url`: each RTP call, its keys removed, goes on to a UDP target
 * (here a receiver on 127.0.0.1) from a socket of its own: one datagram per audio packet, in
 * sequence order, the same header bytes (SSRC, sequence number, timestamp, marker) and length,
 * the payload redacted in its own encoding (PCMU; L16 big-endian); no RFC 4733
 * telephone-event (it carries the digit); no key in the forwarded audio for the detector at its
 * most sensitive while the input had them; the audio exactly what a LiveRedactor makes of the
 * same payloads, and (candidates off) every sample outside the keys' spans identical, 40 ms
 * later. Then the bounds (the byte bound while the socket opens and on a full send queue, with
 * a transport stand-in: UDP on loopback never queues), and a target whose port is closed
 * (refused datagrams counted). Bad target URLs: serve-units.test.ts. Every loop is bounded; no
 * wall-clock assertions.
 */
import { type Socket as UdpSocket, createSocket } from "node:dgram";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DtmfEngine } from "../src/engine.js";
import { encodeTelephoneEvent } from "../src/rtp/telephone-event.js";
import type { Call } from "../src/server/call.js";
import { ForwardHub, type ForwardTransport, type TransportEvents } from "../src/server/forward.js";
import { RtpForwarder } from "../src/server/forward-rtp.js";
import { resolveServeOptions } from "../src/server/options.js";
import { type DtmfServer, startServer } from "../src/server/server.js";
import { expectForwardTotals, expectRedactedCopy, keysFound, liveRedacted } from "./forward-helpers.js";
import { callAudio, callEnded, frames, mulaw, pcm16be, rtpPacket, sleep } from "./serve-helpers.js";

/** A UDP forward target: every datagram and the port it came from, in arrival order. */
class Receiver {
  readonly socket: UdpSocket = createSocket({ type: "udp4", recvBufferSize: 1 << 20 });
  readonly datagrams: { data: Buffer; port: number }[] = [];
  private waiters: { n: number; resolve: () => void }[] = [];

  constructor() {
    this.socket.on("message", (data, remote) => {
      this.datagrams.push({ data: Buffer.from(data), port: remote.port });
      this.waiters = this.waiters.filter((w) => (this.datagrams.length >= w.n ? (w.resolve(), false) : true));
    });
  }

  async bind(): Promise<this> {
    await new Promise<void>((r) => this.socket.bind(0, "127.0.0.1", () => r()));
    return this;
  }

  get url(): string { return `udp://127.0.0.1:${this.socket.address().port}`; }

  /** Resolves once `n` datagrams have arrived. */
  received(n: number): Promise<void> {
    return this.datagrams.length >= n ? Promise.resolve() : new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  close(): Promise<void> { return new Promise((r) => this.socket.close(() => r())); }
}

/** A platform's RTP sender on 127.0.0.1. */
async function sender(): Promise<UdpSocket> {
  const udp = createSocket("udp4");
  await new Promise<void>((r) => udp.bind(0, "127.0.0.1", () => r()));
  return udp;
}

/** The packets, sent `batch` at a time; before each batch the receiver has had the forwarded audio packets sent until then (less the reorder window). */
async function play(udp: UdpSocket, port: number, packets: Buffer[], receiver: Receiver, isAudio: (p: Buffer) => boolean, batch = 8): Promise<void> {
  let audio = 0;
  for (let at = 0; at < packets.length; at += batch) {
    await receiver.received(Math.max(0, audio - 4));
    for (const p of packets.slice(at, at + batch)) { udp.send(p, port, "127.0.0.1"); if (isAudio(p)) audio++; }
  }
}

let engine: DtmfEngine;
beforeAll(async () => { engine = await DtmfEngine.create(); });

const PT_EVENT = 101;
const isAudioPacket = (p: Buffer) => (p[1] & 0x7f) !== PT_EVENT;
const sequenceOf = (p: Buffer) => p.readUInt16BE(2);

describe("serve --forward-rtp-url: PCMU with RFC 4733 telephone-events, candidates off", () => {
  let receiver: Receiver;
  let server: DtmfServer;
  beforeAll(async () => {
    receiver = await new Receiver().bind();
    server = await startServer({ port: 0, rtpPort: 0, rtpIdleMs: 200, engine, forwardRtpUrl: receiver.url, redactCandidates: false });
  });
  afterAll(async () => { await server.close(); await receiver.close(); });

  it("each audio packet once, in sequence order, same header and length; no telephone-event; no key left; the rest identical 40 ms later", async () => {
    const audio = callAudio({ keys: "4111", toneMs: 90, gapMs: 400, leadMs: 500, tailMs: 600 }, 0.3);
    const pcmu = frames(mulaw(audio), 160);
    const udp = await sender();
    const callId = `rtp-127.0.0.1:${udp.address().port}`;
    const ended = callEnded(server, callId);
    const ssrc = 0x1234abcd, ts0 = 4_000_000_000; // the timestamp wraps past 2^32 during the call
    let seq = 65500; // the sequence number wraps too
    const packets: Buffer[] = [];
    const keyEnds = new Map(audio.tones.map((t) => [Math.ceil((t.startMs + t.durationMs) / 20), t]));
    for (let i = 0; i < pcmu.length; i++) {
      packets.push(rtpPacket(0, seq++, ts0 + i * 160, ssrc, pcmu[i], i === 0));
      const tone = keyEnds.get(i);
      if (tone) {
        // The key as telephone-events too (sharing the sequence space), the end sent 3 times.
        const startFrame = Math.round(tone.startMs / 20), n = Math.round(tone.durationMs / 20);
        for (let k = 1; k <= n; k++) {
          const payload = encodeTelephoneEvent({ digit: tone.digit, end: k === n, volume: 10, duration: k * 160 });
          for (let r = 0; r < (k === n ? 3 : 1); r++) packets.push(rtpPacket(PT_EVENT, seq++, ts0 + startFrame * 160, ssrc, payload, k === 1));
        }
      }
    }
    expect(packets.slice(10, 12).every(isAudioPacket)).toBe(true);
    [packets[10], packets[11]] = [packets[11], packets[10]]; // reordered on the way: forwarded in sequence order
    await play(udp, server.rtpPort!, packets, receiver, isAudioPacket);
    await ended; // rtpIdleMs after the last packet
    udp.close();
    const audioIn = packets.filter(isAudioPacket).sort((a, b) => ((sequenceOf(a) - sequenceOf(b) + 98304) % 65536) - 32768);
    expect(packets.length - audioIn.length).toBeGreaterThan(0);
    await receiver.received(audioIn.length);
    const got = receiver.datagrams;
    expect(got).toHaveLength(audioIn.length);
    expect(new Set(got.map((d) => d.port)).size).toBe(1); // one socket for the call
    expect(got.some((d) => (d.data[1] & 0x7f) === PT_EVENT)).toBe(false);
    for (let i = 0; i < got.length; i++) {
      expect(got[i].data.length).toBe(audioIn[i].length);
      expect(got[i].data.subarray(0, 12).equals(audioIn[i].subarray(0, 12))).toBe(true); // marker, PT, sequence, timestamp, SSRC
    }
    const chunks = audioIn.map((p) => p.subarray(12));
    const original = Buffer.concat(chunks);
    const forwarded = Buffer.concat(got.map((d) => d.data.subarray(12)));
    expectRedactedCopy(engine, { original, chunks, forwarded, encoding: "mulaw", rate: 8000, digits: "4111" });
    await expectForwardTotals(server, audioIn.length, original.length);
    expect((server.stats() as { forward: { open: number } }).forward.open).toBe(0);
  });
});

describe("serve --forward-rtp-url: L16 at 16 kHz on a dynamic payload type, defaults", () => {
  it("the payloads stay big-endian: what a LiveRedactor (candidates on) makes of the little-endian audio, swapped back", async () => {
    const receiver = await new Receiver().bind();
    const server = await startServer({ port: 0, rtpPort: 0, rtpEncoding: "l16", rtpRate: 16000, rtpIdleMs: 200, engine, forwardRtpUrl: receiver.url });
    const audio = callAudio({ keys: "7B", sampleRate: 16000, toneMs: 100, gapMs: 200, leadMs: 300, tailMs: 400 }, 0.3);
    const be = frames(pcm16be(audio), 640);
    const udp = await sender();
    const ended = callEnded(server, `rtp-127.0.0.1:${udp.address().port}`);
    const packets = be.map((f, k) => rtpPacket(118, k, k * 320, 0x55, f));
    await play(udp, server.rtpPort!, packets, receiver, () => true);
    await ended;
    udp.close();
    await receiver.received(packets.length);
    expect(receiver.datagrams.map((d) => d.data.length)).toEqual(packets.map((p) => p.length));
    const forwardedBe = Buffer.concat(receiver.datagrams.map((d) => d.data.subarray(12)));
    const le = be.map((f) => Buffer.from(f).swap16());
    expect(forwardedBe.equals(liveRedacted(engine, le, "pcm16", 16000, true).swap16())).toBe(true);
    expect(keysFound(engine, Buffer.concat(le), "pcm16", 16000, {}).map((k) => k.digit).join("")).toBe("7B");
    expect(keysFound(engine, Buffer.from(forwardedBe).swap16(), "pcm16", 16000)).toEqual([]);
    await server.close();
    await receiver.close();
  });
});

/** A stand-in transport: opens when told, with a send queue of `queued` bytes. */
class StandIn implements ForwardTransport {
  events?: TransportEvents;
  queued = 0;
  readonly sent: Buffer[] = [];
  ended = false;
  get bufferedBytes(): number { return this.queued; }
  send(data: string | Buffer, sent?: (error?: Error) => void): void { this.sent.push(Buffer.from(data)); sent?.(); }
  end(): void { this.ended = true; }
  destroy(): void { this.ended = true; }
}

describe("serve --forward-rtp-url: bounds", () => {
  const call = { id: "rtp-test", protocol: "rtp", sampleRate: 8000, encoding: "mulaw", channels: 1 } as unknown as Call;
  const packet = (i: number) => rtpPacket(0, i, i * 160, 7, Buffer.alloc(160, 0xff));

  it("while the socket opens, then on a full send queue: frames past forwardMaxBufferedBytes are dropped and counted (drop), or the forward is closed (close)", async () => {
    for (const overflow of ["drop", "close"] as const) {
      const hub = new ForwardHub(resolveServeOptions([{ values: { forwardMaxBufferedBytes: 2048, forwardOverflow: overflow }, source: "option" }]), engine, { warn: () => undefined });
      const t = new StandIn();
      const f = new RtpForwarder(hub, call, (_c, events) => { t.events = events; return t; });
      const fit = Math.floor(2048 / 172);
      for (let i = 0; i < 20; i++) { const p = packet(i); f.audio(p, p.subarray(12)); }
      if (overflow === "drop") {
        expect(hub.totals).toMatchObject({ droppedOverflow: 20 - fit, frames: 0 });
        t.events!.opened(); // the queue goes out
        expect(hub.totals).toMatchObject({ frames: fit, bytes: fit * 160 });
        expect(t.sent.map(sequenceOf)).toEqual(Array.from({ length: fit }, (_, i) => i));
        t.queued = 2048; // the socket's send queue is full: every frame past it is dropped
        for (let i = 20; i < 25; i++) { const p = packet(i); f.audio(p, p.subarray(12)); }
        expect(hub.totals).toMatchObject({ droppedOverflow: 20 - fit + 5, frames: fit });
        expect(hub.active).toBe(1);
        f.end();
        await Promise.resolve();
        expect(t.ended).toBe(true);
      } else {
        expect(hub.totals).toMatchObject({ droppedOverflow: 1, droppedDisconnected: 19, frames: 0 });
        expect(t.ended).toBe(true);
      }
      expect(hub.active).toBe(0);
      expect(hub.totals.calls).toBe(1);
    }
  });

  it("a target whose port is closed: refused datagrams are counted as failures and dropped; the call goes on", async () => {
    const closed = await new Receiver().bind();
    const url = closed.url;
    await closed.close();
    const server = await startServer({ port: 0, rtpPort: 0, rtpIdleMs: 200, engine, forwardRtpUrl: url });
    const warnings: string[] = [];
    server.on("warning", (w: { message: string }) => { if (w.message.startsWith("forward:")) warnings.push(w.message); });
    const udp = await sender();
    const ended = callEnded(server, `rtp-127.0.0.1:${udp.address().port}`);
    const packets = frames(mulaw(callAudio({ keys: "5", leadMs: 400, tailMs: 400 }, 0.2)), 160).map((f, i) => rtpPacket(0, i, i * 160, 9, f));
    for (let at = 0; at < packets.length; at += 8) {
      for (const p of packets.slice(at, at + 8)) udp.send(p, server.rtpPort!, "127.0.0.1");
      await sleep(2);
    }
    const summary = await ended;
    udp.close();
    expect((summary.stats as { frames: number }).frames).toBe(packets.length); // the call itself had every packet
    // Every send has completed once the forward's socket has closed (it waits for them).
    for (let i = 0; i < 400 && (server.stats() as { forward: { frames: number; droppedDisconnected: number } }).forward.frames + (server.stats() as { forward: { droppedDisconnected: number } }).forward.droppedDisconnected < packets.length; i++) await sleep(5);
    const f = (server.stats() as { forward: Record<string, number> }).forward;
    expect(f.failures).toBeGreaterThan(0);
    // A refusal read back on the socket counts too (that datagram had gone): failures ≥ dropped.
    expect(f.failures).toBeGreaterThanOrEqual(f.droppedDisconnected);
    expect(f.frames + f.droppedDisconnected).toBe(packets.length);
    // The socket (its source port) is kept: no reconnect, and one warning for the call.
    expect(f.reconnects).toBe(0);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/ECONNREFUSED.*only the first is logged per call/);
    await server.close();
  });
});
