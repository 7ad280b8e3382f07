/**
 * `dtmf-wasm serve` with the binary streams: Vonage (JSON first frame, then 16-bit PCM),
 * jambonz listen (stereo: which party pressed), mod_audio_fork (metadata, then L16; payloads
 * come back on its socket), Asterisk AudioSocket over TCP and RTP over UDP (PCMU + RFC 4733),
 * each over a real socket on 127.0.0.1 with the platform's own framing.
 */
import { createSocket } from "node:dgram";
import { connect } from "node:net";
import { Ajv } from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeTelephoneEvent } from "../src/rtp/telephone-event.js";
import { digitsCollectedPayloadSchema, dtmfPayloadSchema, dtmfReceivedPayloadSchema } from "../src/payloads/index.js";
import { audioSocketMessage } from "../src/server/audiosocket.js";
import { type DtmfServer, startServer } from "../src/server/server.js";
import { callAudio, callEnded, frames, mulaw, open, pcm16le, recordPayloads, rtpPacket, stereo16le, summary } from "./serve-helpers.js";

const ajv = new Ajv({ strict: true, allErrors: true });
const valid = { dtmf: ajv.compile(dtmfPayloadSchema), collected: ajv.compile(digitsCollectedPayloadSchema), received: ajv.compile(dtmfReceivedPayloadSchema) };

let server: DtmfServer;
let payloads: Map<string, Record<string, unknown>[]>;
const records: { callId: string; party?: string; kind: string }[] = [];

beforeAll(async () => {
  server = await startServer({ port: 0, audiosocketPort: 0, rtpPort: 0, rtpIdleMs: 300 });
  payloads = recordPayloads(server);
  server.on("payload", (r: { callId: string; party?: string; kind: string }) => records.push(r));
});
afterAll(async () => { await server.close(); });

describe("Vonage Voice API WebSocket", () => {
  it("websocket:connected with audio/l16;rate=16000 and the NCCO headers, binary PCM, websocket:dtmf; per-call payloads: dtmf_received (A left out)", async () => {
    const audio = callAudio({ keys: "1A#", sampleRate: 16000, toneMs: 100, gapMs: 300, leadMs: 400, tailMs: 500 });
    const bytes = frames(pcm16le(audio), 640);
    const client = await open(`${server.url}/socket`);
    const ended = callEnded(server, "vonage-uuid-1");
    client.json({ event: "websocket:connected", "content-type": "audio/l16;rate=16000", uuid: "vonage-uuid-1", from: "447700900000", to: "447700900001",
      direction: "inbound", account_id: "acc-1", dtmf_payloads: "dtmf_received,digits.collected" });
    client.json({ event: "collect", collect: { command_uid: "any", terminators: "#", regex: "" } });
    const oneEnds = Math.ceil((audio.tones[0].startMs + audio.tones[0].durationMs) / 20);
    for (let i = 0; i < bytes.length; i++) {
      client.binary(bytes[i]);
      if (i === oneEnds) client.json({ event: "websocket:dtmf", digit: "1", duration: 100 });
    }
    client.close();
    const s = await ended;
    expect(s.protocol).toBe("vonage");
    const got = payloads.get("vonage-uuid-1")!;
    expect(summary(got)).toEqual(["R1", "R#", "c[1A#:success]"]);
    expect(got[0]).toEqual({ type: "dtmf_received", digit: "1", session: { id: "vonage-uuid-1", account_id: "acc-1", phone_number: "447700900001", direction: "inbound", from_phone_number: "447700900000", to_phone_number: "447700900001" } });
    expect(valid.received(got[0]) && valid.received(got[1]) && valid.collected(got[2])).toBe(true);
    expect((s.stats as Record<string, number>).duplicateReports).toBe(1);
  });
});

describe("jambonz listen and mod_audio_fork", () => {
  it("jambonz stereo: each channel detected, the party named; the collection follows the caller", async () => {
    const caller = callAudio({ keys: "12", toneMs: 100, gapMs: 600, leadMs: 300, tailMs: 800 });
    const callee = callAudio({ keys: "5", toneMs: 100, leadMs: 650, tailMs: 300 }, 0);
    const bytes = frames(stereo16le(caller, callee), 640);
    const client = await open(`${server.url}/listen`, "audio.jambonz.org");
    const ended = callEnded(server, "9fb35c28-9688-4531-943c-e280b04f3adf");
    client.json({ callSid: "9fb35c28-9688-4531-943c-e280b04f3adf", accountSid: "4bfe85c1", applicationSid: "app-1", from: "+15083084809", to: "+15083728299",
      direction: "inbound", callId: "d8907723-0bc7", sampleRate: 8000, mixType: "stereo", metadata: { collect: { command_uid: "two", min_digits: 2, max_digits: 2 } } });
    for (const f of bytes) client.binary(f);
    client.close();
    const s = await ended;
    expect(s.protocol).toBe("jambonz");
    const got = payloads.get("9fb35c28-9688-4531-943c-e280b04f3adf")!;
    expect(got.map((p) => `${p.event}:${p.digit ?? p.digits}:${p.party ?? "-"}`)).toEqual(["dtmf:1:caller", "dtmf:5:callee", "dtmf:2:caller", "digits.collected:12:-"]);
    const parties = records.filter((r) => r.callId === "9fb35c28-9688-4531-943c-e280b04f3adf" && r.kind === "dtmf").map((r) => r.party);
    expect(parties).toEqual(["caller", "callee", "caller"]);
  });

  it("mod_audio_fork: metadata, 16 kHz from the URL, L16 frames; payloads and error replies back on its socket", async () => {
    const audio = callAudio({ keys: "8", sampleRate: 16000, toneMs: 100, leadMs: 300, tailMs: 400 });
    const client = await open(`${server.url}/audio_fork?rate=16000`);
    const ended = callEnded(server, "fs-uuid-1");
    client.json({ uuid: "fs-uuid-1", caller_id_number: "1000", destination_number: "2000", session_uuid: "fs-sess" });
    client.text("not json at all");
    for (const f of frames(pcm16le(audio), 640)) client.binary(f);
    await new Promise((r) => setTimeout(r, 100));
    client.close();
    await ended;
    expect(summary(payloads.get("fs-uuid-1")!)).toEqual(["d8"]);
    await new Promise((r) => setTimeout(r, 50));
    expect(client.received).toContainEqual({ event: "dtmf-wasm", kind: "dtmf", payload: { event: "dtmf", session_uuid: "fs-sess", digit: "8", duration_ms: expect.any(Number) } });
    expect(client.received.some((m) => (m as { event?: string }).event === "dtmf-wasm:error")).toBe(true);
  });
});

describe("Asterisk AudioSocket (TCP)", () => {
  it("UUID, slin frames, a DTMF message (merged), junk, hang-up; every key once", async () => {
    const audio = callAudio({ keys: "6#", toneMs: 100, gapMs: 300, leadMs: 300, tailMs: 400 });
    const id = "40325ec2-5efd-4bd3-805f-53576e581d13";
    const ended = callEnded(server, id);
    const socket = connect(server.audiosocketPort!, "127.0.0.1");
    await new Promise((r) => socket.once("connect", r));
    const chunks: Buffer[] = [audioSocketMessage(0x01, Buffer.from(id.replace(/-/g, ""), "hex"))];
    const sixEnds = Math.ceil((audio.tones[0].startMs + audio.tones[0].durationMs) / 20);
    frames(pcm16le(audio), 320).forEach((f, i) => {
      chunks.push(audioSocketMessage(0x10, f));
      if (i === sixEnds) chunks.push(audioSocketMessage(0x03, Buffer.from("6")));
      if (i === 3) chunks.push(audioSocketMessage(0x42, Buffer.from("junk")));
    });
    chunks.push(audioSocketMessage(0x00));
    // Across TCP segment boundaries: messages split at odd places.
    const all = Buffer.concat(chunks);
    for (let at = 0; at < all.length; at += 1001) socket.write(all.subarray(at, at + 1001));
    const s = await ended;
    expect(s.reason).toBe("hangup");
    expect(summary(payloads.get(id)!)).toEqual(["d6", "d#"]);
    expect(s.stats).toMatchObject({ badMessages: 1, duplicateReports: 1 });
    socket.destroy();
  });
});

describe("RTP over UDP (Asterisk External Media): PCMU + RFC 4733", () => {
  it("a key both in-band and as telephone-events is one press; a key only as telephone-events is still one; loss and reordering handled", async () => {
    // "5" sounds in the audio and is sent as events; "3" only as events (the gateway muted the tone).
    const audio = callAudio({ keys: "5", toneMs: 120, leadMs: 400, tailMs: 1400 });
    const pcmu = frames(mulaw(audio), 160);
    const udp = createSocket("udp4");
    await new Promise<void>((r) => udp.bind(0, "127.0.0.1", () => r()));
    const callId = `rtp-127.0.0.1:${udp.address().port}`;
    const ended = callEnded(server, callId);
    const ssrc = 0x1234abcd, ts0 = 4_000_000_000; // wraps past 2^32 during the call
    const packets: Buffer[] = [];
    let seq = 65500; // wraps too
    const event = (digit: string, startFrame: number, frames: number) => {
      const out: Buffer[] = [];
      for (let k = 1; k <= frames; k++) {
        const end = k === frames;
        const payload = encodeTelephoneEvent({ digit, end, volume: 10, duration: k * 160 });
        for (let r = 0; r < (end ? 3 : 1); r++) out.push(rtpPacket(101, seq++, ts0 + startFrame * 160, ssrc, payload, k === 1));
      }
      return out;
    };
    const fiveAt = Math.round(audio.tones[0].startMs / 20), threeAt = fiveAt + 40;
    for (let i = 0; i < pcmu.length; i++) {
      if (i === 10) { seq++; continue; } // lost
      packets.push(rtpPacket(0, seq++, ts0 + i * 160, ssrc, pcmu[i]));
      if (i === fiveAt + 1) packets.push(...event("5", fiveAt, 6));
      if (i === threeAt + 4) packets.push(...event("3", threeAt, 5));
    }
    [packets[30], packets[31]] = [packets[31], packets[30]]; // reordered
    for (const p of packets) udp.send(p, server.rtpPort!, "127.0.0.1");
    const s = await ended;
    udp.close();
    const got = payloads.get(callId)!;
    expect(summary(got)).toEqual(["d5", "d3"]);
    expect(Math.abs((got[0].duration_ms as number) - 120)).toBeLessThanOrEqual(15); // in-band timing
    expect(got[1].duration_ms).toBe(100); // the telephone-events' (5 × 20 ms)
    // The 5's telephone-events (its start, then its end) were not passed on: the in-band press had them.
    expect(s.stats).toMatchObject({ gapSamples: 160, duplicateReports: 2 });
    expect((s.stats as Record<string, number>).outOfOrder).toBeGreaterThanOrEqual(1);
    expect(valid.dtmf(got[0]) && valid.dtmf(got[1])).toBe(true);
  });
});

/** The server's wall clock in the Bandwidth test: a fixed instant (StartServerOptions.clock). */
const WALL_CLOCK = Date.UTC(2026, 11, 2, 12, 30, 0);

describe("RTP L16 (Asterisk External Media slin16) with server-wide Bandwidth and dtmf_received payloads", () => {
  it("big-endian L16 at 16 kHz on a dynamic payload type; Bandwidth eventTime is the wall clock at the key", async () => {
    const { bandwidthDtmfPayloadSchema } = await import("../src/payloads/index.js");
    const validBandwidth = ajv.compile(bandwidthDtmfPayloadSchema);
    const s2 = await startServer({ port: 0, rtpPort: 0, rtpEncoding: "l16", rtpRate: 16000, rtpIdleMs: 300, payloads: ["bandwidth", "dtmf_received"],
      mapping: { "bandwidth.applicationId": "=app-42" }, clock: () => WALL_CLOCK });
    const got: Record<string, unknown>[] = [];
    s2.on("payload", (r: { payload: Record<string, unknown> }) => got.push(r.payload));
    const audio = callAudio({ keys: "7B", sampleRate: 16000, toneMs: 100, gapMs: 200, leadMs: 300, tailMs: 400 });
    const { pcm16be } = await import("./serve-helpers.js");
    const udp = createSocket("udp4");
    await new Promise<void>((r) => udp.bind(0, "127.0.0.1", () => r()));
    const ended = callEnded(s2, `rtp-127.0.0.1:${udp.address().port}`);
    frames(pcm16be(audio), 640).forEach((f, k) => udp.send(rtpPacket(118, k, k * 320, 0x55, f), s2.rtpPort!, "127.0.0.1"));
    await ended;
    udp.close();
    await s2.close();
    // Bandwidth gets both keys; seed 000's dtmf_received leaves B out.
    expect(got.map((p) => (p.eventType ? `B${p.digit}` : `R${p.digit}`))).toEqual(["R7", "B7", "BB"]);
    for (const p of got.filter((x) => x.eventType)) {
      expect(validBandwidth(p), JSON.stringify(validBandwidth.errors)).toBe(true);
      expect(p).toMatchObject({ applicationId: "app-42", direction: "inbound", callId: expect.stringMatching(/^rtp-127\.0\.0\.1:\d+$/) });
      expect(p.eventTime).toBe(new Date(WALL_CLOCK).toISOString()); // the server's clock at the key
      expect(p.startTime).toBe(new Date(WALL_CLOCK).toISOString());
    }
  });
});
