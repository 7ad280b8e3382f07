/**
 * `dtmf-wasm serve`, Twilio Media Streams and the platforms of the same shape (SignalWire,
 * Telnyx, Plivo), driven over a real WebSocket on 127.0.0.1 with the platforms' documented
 * messages: keys over speech, a lost frame, two frames swapped, junk, the platform's own
 * dtmf message (a duplicate of an in-band key, and a key only it saw), mark echoes, stop.
 * Every payload is checked against its JSON Schema, and their order.
 */
import { Ajv } from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digitsCollectedPayloadSchema, dtmfPayloadSchema } from "../src/payloads/index.js";
import { type DtmfServer, startServer } from "../src/server/server.js";
import {
  FRAME_MS, type Receiver, alaw, callAudio, callEnded, frames, mulaw, open, pcm16be, pcm16le, recordPayloads, summary, webhookReceiver,
} from "./serve-helpers.js";

const ajv = new Ajv({ strict: true, allErrors: true });
const validDtmf = ajv.compile(dtmfPayloadSchema);
const validCollected = ajv.compile(digitsCollectedPayloadSchema);

let server: DtmfServer;
let receiver: Receiver;
let payloads: Map<string, Record<string, unknown>[]>;
const warnings: string[] = [];

beforeAll(async () => {
  receiver = await webhookReceiver();
  server = await startServer({ port: 0, webhook: receiver.url, payloads: ["dtmf", "digits.collected", "reprompt"] });
  payloads = recordPayloads(server);
  server.on("warning", (w: { message: string }) => warnings.push(w.message));
});
afterAll(async () => { await server.close(); await receiver.close(); });

/** Twilio's media message for frame `i` (chunk i+1, timestamp i × 20 ms). */
function twilioMedia(streamSid: string, seq: number, i: number, payload: Buffer) {
  return { event: "media", sequenceNumber: String(seq), streamSid, media: { track: "inbound", chunk: String(i + 1), timestamp: String(i * FRAME_MS), payload: payload.toString("base64") } };
}

describe("Twilio Media Streams", () => {
  it("keys over speech, a lost and two swapped frames, junk, Twilio's own dtmf: each key once, collection in causal order", async () => {
    const audio = callAudio({ keys: "12#", toneMs: 100, gapMs: 400, leadMs: 600, tailMs: 1200 });
    const bytes = frames(mulaw(audio), 160);
    const callSid = "CA0001", streamSid = "MZ0001";
    const client = await open(`${server.url}/twilio`);
    const ended = callEnded(server, callSid);
    let seq = 1;
    client.json({ event: "connected", protocol: "Call", version: "1.0.0" });
    client.json({
      event: "start", sequenceNumber: String(seq++), streamSid,
      start: {
        accountSid: "AC0001", streamSid, callSid, tracks: ["inbound"], mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 },
        customParameters: { session_uuid: "sess-twilio", collect: JSON.stringify({ command_uid: "pin-1", max_digits: 8, terminators: "#" }) },
      },
    });
    const twoEnds = Math.ceil((audio.tones[1].startMs + audio.tones[1].durationMs) / FRAME_MS);
    const lost = 5, swapped = 12;
    for (let i = 0; i < bytes.length; i++) {
      if (i === lost) continue; // in silence before the first key: the timestamp gap is filled
      if (i === swapped) { client.json(twilioMedia(streamSid, seq++, i + 1, bytes[i + 1])); client.json(twilioMedia(streamSid, seq++, i, bytes[i])); i++; continue; }
      client.json(twilioMedia(streamSid, seq++, i, bytes[i]));
      if (i === 20) client.text("{not json");
      if (i === twoEnds) client.json({ event: "dtmf", streamSid, sequenceNumber: String(seq++), dtmf: { track: "inbound_track", digit: "2" } });
      if (i === bytes.length - 40) client.json({ event: "dtmf", streamSid, sequenceNumber: String(seq++), dtmf: { track: "inbound_track", digit: "9" } });
    }
    client.json({ event: "stop", sequenceNumber: String(seq++), streamSid, stop: { accountSid: "AC0001", callSid } });
    const summaryOf = await ended;
    expect(await client.closed).toBe(1000);
    const got = payloads.get(callSid)!;
    expect(summary(got)).toEqual(["d1", "d2", "d#", "c[12#:success]", "d9"]);
    for (const p of got) expect(p.event === "dtmf" ? validDtmf(p) : validCollected(p), JSON.stringify(p)).toBe(true);
    expect(got[0]).toMatchObject({ session_uuid: "sess-twilio" });
    // In-band timing wins where the tone was heard: the 100 ms tones.
    for (const p of got.slice(0, 3)) expect(Math.abs((p.duration_ms as number) - 100)).toBeLessThanOrEqual(15);
    expect(got[4].duration_ms).toBe(0); // only Twilio saw the 9, and its message has no duration
    const stats = summaryOf.stats as Record<string, number>;
    expect(stats.gapSamples).toBe(160);
    expect(stats.outOfOrder).toBeGreaterThanOrEqual(1);
    expect(stats.badMessages).toBe(1);
    expect(stats.duplicateReports).toBe(1);
    // The webhook got the same payloads, in the same order.
    await server.drain();
    expect(receiver.bodies.filter((b) => b.session_uuid === "sess-twilio")).toEqual(got);
  });

  it("a second socket announcing a call id that is streaming is refused; the first keeps its call and its collect requests", async () => {
    const audio = callAudio({ keys: "7", toneMs: 100, gapMs: 100, leadMs: 400, tailMs: 400 });
    const bytes = frames(mulaw(audio), 160);
    const start = (streamSid: string) => ({ event: "start", sequenceNumber: "1", streamSid, start: { accountSid: "AC", streamSid, callSid: "CA-owned", tracks: ["inbound"], mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 }, customParameters: {} } });
    const owner = await open(`${server.url}/twilio`);
    const ended = callEnded(server, "CA-owned");
    owner.json(start("MZ-a"));
    owner.json(twilioMedia("MZ-a", 2, 0, bytes[0]));
    await new Promise((r) => setTimeout(r, 50));
    const thief = await open(`${server.url}/twilio`);
    thief.json(start("MZ-b"));
    for (let i = 0; i < 5; i++) thief.json(twilioMedia("MZ-b", 3 + i, i, bytes[i]));
    await new Promise((r) => setTimeout(r, 50));
    const response = await fetch(`${server.httpUrl}/calls/CA-owned/collect`, { method: "POST", body: JSON.stringify({ command_uid: "own-1", max_digits: 1 }) });
    expect(response.status).toBe(202);
    for (let i = 1; i < bytes.length; i++) owner.json(twilioMedia("MZ-a", 10 + i, i, bytes[i]));
    owner.json({ event: "stop", sequenceNumber: "999", streamSid: "MZ-a", stop: {} });
    await ended;
    expect(summary(payloads.get("CA-owned")!)).toEqual(["d7", "c[7:success]"]);
    expect(warnings.some((w) => w.includes('call "CA-owned" is already streaming on another connection; refused'))).toBe(true);
    thief.close();
  });
});

describe("Telnyx, Plivo and SignalWire: Twilio's shape with their own fields", () => {
  it("Telnyx: stream_id / call_control_id, L16 at 16 kHz as RTP sends it (big-endian), its dtmf frame; detected from the first message", async () => {
    const audio = callAudio({ keys: "4*", sampleRate: 16000, toneMs: 90, gapMs: 300, leadMs: 500, tailMs: 600 });
    const bytes = frames(pcm16be(audio), 640);
    const id = "v3:telnyx-call-1";
    const client = await open(`${server.url}/media`);
    const ended = callEnded(server, id);
    client.json({ event: "connected", version: "1.0.0" });
    client.json({ event: "start", sequence_number: "1", stream_id: "32DE0DEA-53CB-4B21-89A4-9E1819C043BC",
      start: { user_id: "3e6f995f-85f7-4705-9741-53b116d28237", call_control_id: id, client_state: "aGF2ZSBhIG5pY2UgZGF5ID1d", from: "+13122222222", to: "+13128888888",
        media_format: { encoding: "L16", sample_rate: 16000, channels: 1 } } });
    for (let i = 0; i < bytes.length; i++) {
      client.json({ event: "media", sequence_number: String(i + 2), stream_id: "32DE0DEA", media: { track: "inbound", chunk: String(i + 1), timestamp: String(i * FRAME_MS), payload: bytes[i].toString("base64") } });
    }
    client.json({ event: "dtmf", stream_id: "32DE0DEA", occurred_at: "2024-03-06T16:48:21.551Z", sequence_number: "999", dtmf: { digit: "*" } });
    client.json({ event: "stop", sequence_number: "1000", stream_id: "32DE0DEA", stop: { user_id: "3e6f", call_control_id: id } });
    const s = await ended;
    expect(s.protocol).toBe("telnyx");
    expect(summary(payloads.get(id)!)).toEqual(["d4", "d*"]);
    expect((s.stats as Record<string, number>).duplicateReports).toBe(1);
  });

  it("Plivo: callId / streamId, audio/x-l16 at 16 kHz, Unix-ms timestamps, extra_headers, playedStream ending the prompt, a reprompt after a timeout", async () => {
    // The prompt plays until playedStream; the first attempt times out 1 s after it, the second gets "58".
    const audio = callAudio({ keys: [{ digit: "5", durationMs: 100, gapMs: 300 }, { digit: "8", durationMs: 100 }], sampleRate: 16000, leadMs: 3000, tailMs: 1600 });
    const bytes = frames(pcm16le(audio), 640);
    const callId = "12345678-1234-1234-1234-123456789abc";
    const client = await open(`${server.url}/plivo`);
    const ended = callEnded(server, callId);
    const collect = JSON.stringify({ command_uid: "acct", min_digits: 2, max_digits: 2, max_attempts: 2, timeout: 1000, prompt_mark: "menu" });
    client.json({ event: "start", sequenceNumber: 1, start: { callId, streamId: "87654321-4321-4321-4321-cba987654321", accountId: "MAXXXXXXXXXXXXXXXXXX", tracks: ["inbound"],
      mediaFormat: { encoding: "audio/x-l16", sampleRate: 16000 } }, extra_headers: `session_uuid=plivo-sess;collect=x` });
    const unix = 1_705_312_200_000;
    for (let i = 0; i < bytes.length; i++) {
      if (i === 10) client.json({ event: "collect", collect: JSON.parse(collect) }); // a collection requested in the stream
      if (i === 25) client.json({ event: "playedStream", sequenceNumber: 1000 + i, streamId: "8765", name: "other" }); // not our mark
      if (i === 50) client.json({ event: "playedStream", sequenceNumber: 1000 + i, streamId: "8765", name: "menu" }); // prompt over at 1 s: timeout at 2 s
      if (i === 110) client.json({ event: "playedStream", sequenceNumber: 1000 + i, streamId: "8765", name: "menu" });
      client.json({ event: "media", sequenceNumber: i + 2, streamId: "8765", media: { track: "inbound", timestamp: String(unix + i * FRAME_MS), chunk: i + 1, payload: bytes[i].toString("base64") }, extra_headers: "" });
    }
    client.close();
    const s = await ended;
    expect(s.protocol).toBe("plivo");
    // extra_headers' collect=x is no collection request: refused (failure, with the error); the stream's own collect runs.
    const got = payloads.get(callId)!;
    expect(got[0]).toMatchObject({ event: "digits.collected", session_uuid: "plivo-sess", status: "failure", command_uid: "" });
    expect(typeof got[0].error).toBe("string");
    expect(summary(got.slice(1))).toEqual(["r2", "d5", "d8", "c[58:success]"]);
    expect((s.stats as Record<string, number>).gapSamples).toBe(0);
  });

  it("SignalWire: Twilio's messages with L16 at 24 kHz (its <Stream codec>) on /signalwire; a-law on Twilio's shape", async () => {
    const audio = callAudio({ keys: "0#", sampleRate: 24000, toneMs: 80, gapMs: 200, leadMs: 300, tailMs: 400 });
    const bytes = frames(pcm16le(audio), 960);
    const client = await open(`${server.url}/signalwire`);
    const ended = callEnded(server, "sw-call");
    client.json({ event: "connected", protocol: "Call", version: "1.0.0" });
    client.json({ event: "start", sequenceNumber: "1", streamSid: "sw-stream", start: { accountSid: "sw-acct", streamSid: "sw-stream", callSid: "sw-call", tracks: ["inbound"],
      mediaFormat: { encoding: "audio/x-l16", sampleRate: 24000, channels: 1 }, customParameters: {} } });
    for (let i = 0; i < bytes.length; i++) client.json(twilioMedia("sw-stream", i + 2, i, bytes[i]));
    client.json({ event: "stop", sequenceNumber: "9999", streamSid: "sw-stream" });
    expect((await ended).protocol).toBe("signalwire");
    expect(summary(payloads.get("sw-call")!)).toEqual(["d0", "d#"]);

    const a = callAudio({ keys: "3", toneMs: 100, leadMs: 300, tailMs: 300 });
    const ab = frames(alaw(a), 160);
    const c2 = await open(`${server.url}/`);
    const e2 = callEnded(server, "CA-alaw");
    c2.json({ event: "start", sequenceNumber: "1", streamSid: "MZ-alaw", start: { callSid: "CA-alaw", streamSid: "MZ-alaw", mediaFormat: { encoding: "audio/x-alaw", sampleRate: 8000, channels: 1 } } });
    for (let i = 0; i < ab.length; i++) c2.json(twilioMedia("MZ-alaw", i + 2, i, ab[i]));
    c2.close();
    expect((await e2).reason).toBe("disconnect");
    expect(summary(payloads.get("CA-alaw")!)).toEqual(["d3"]);
  });
});
