/**
 * Junk on every entry point, with a fixed seed and a bounded count: random JSON of the
 * platforms' shapes with wrong types, truncated real messages, random binary, random
 * AudioSocket headers and RTP datagrams. The server must stay up and a healthy call after it
 * must keep its keys; nothing here may throw out of the server.
 */
import { createSocket } from "node:dgram";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seededRandom } from "../src/generator.js";
import { type DtmfServer, startServer } from "../src/server/server.js";
import { callAudio, callEnded, frames, mulaw, open, recordPayloads, sleep, summary } from "./serve-helpers.js";

let server: DtmfServer;
let payloads: Map<string, Record<string, unknown>[]>;
let warnings = 0;
const MESSAGES_PER_PATH = 150;

beforeAll(async () => {
  server = await startServer({ port: 0, audiosocketPort: 0, rtpPort: 0, maxBadMessages: 1000, rtpIdleMs: 200 });
  payloads = recordPayloads(server);
  server.on("warning", () => { warnings++; });
});
afterAll(async () => { await server.close(); });

const random = seededRandom(1915);
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
const VALUES: unknown[] = [null, true, 0, -1, 1e308, Number.MAX_SAFE_INTEGER, "", "x", "audio/x-mulaw", "L16", "%%%", [], {}, { a: 1 }, "A".repeat(300)];
const EVENTS = ["connected", "start", "media", "dtmf", "mark", "stop", "playedStream", "websocket:connected", "websocket:dtmf", "collect", "prompt_ended", undefined, 5];
const FIELDS = ["start", "media", "dtmf", "mark", "collect", "streamSid", "stream_id", "sequenceNumber", "callSid", "sampleRate", "mixType", "content-type", "uuid", "digit", "duration", "payload"];

function junkObject(depth = 0): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (random() < 0.8) o.event = pick(EVENTS);
  for (let k = 0; k < 1 + Math.floor(random() * 4); k++) o[pick(FIELDS)] = depth < 2 && random() < 0.4 ? junkObject(depth + 1) : pick(VALUES);
  return o;
}

function junkMessage(): string | Buffer {
  const r = random();
  if (r < 0.6) return JSON.stringify(junkObject());
  if (r < 0.75) { const s = JSON.stringify(junkObject()); return s.slice(0, Math.floor(random() * s.length)); }
  const b = Buffer.alloc(Math.floor(random() * 700));
  for (let i = 0; i < b.length; i++) b[i] = Math.floor(random() * 256);
  return b;
}

async function healthy(id: string): Promise<string[]> {
  const c = await open(`${server.url}/twilio`);
  const ended = callEnded(server, id);
  c.json({ event: "start", streamSid: `MZ${id}`, start: { callSid: id, streamSid: `MZ${id}`, mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 } } });
  frames(mulaw(callAudio({ keys: "5", toneMs: 100, leadMs: 200, tailMs: 300 }, 0)), 160).forEach((f, i) => c.json({ event: "media", streamSid: `MZ${id}`, media: { chunk: String(i + 1), timestamp: String(i * 20), payload: f.toString("base64") } }));
  c.json({ event: "stop", streamSid: `MZ${id}` });
  await ended;
  return summary(payloads.get(id)!);
}

describe("junk everywhere", () => {
  it.each(["/twilio", "/telnyx", "/plivo", "/vonage", "/jambonz", "/audio_fork", "/"])(`WebSocket %s: ${MESSAGES_PER_PATH} random messages, then a healthy call`, async (path) => {
    const c = await open(`${server.url}${path}`);
    for (let k = 0; k < MESSAGES_PER_PATH; k++) { const m = junkMessage(); if (typeof m === "string") c.text(m); else c.binary(m); }
    c.close();
    await c.closed;
    expect(await healthy(`CA-after-${path.replace(/\W/g, "") || "root"}`)).toEqual(["d5"]);
  });

  it("AudioSocket: random headers and payloads, split anywhere; RTP: random datagrams; then a healthy call", async () => {
    for (let n = 0; n < 10; n++) {
      const socket = connect(server.audiosocketPort!, "127.0.0.1");
      await new Promise((r) => socket.once("connect", r));
      socket.on("error", () => undefined);
      const b = Buffer.alloc(2000);
      for (let i = 0; i < b.length; i++) b[i] = Math.floor(random() * 256);
      for (let at = 0; at < b.length; at += 1 + Math.floor(random() * 300)) socket.write(b.subarray(at, at + 300));
      socket.end();
    }
    const udp = createSocket("udp4");
    for (let k = 0; k < 300; k++) {
      const b = Buffer.alloc(Math.floor(random() * 200));
      for (let i = 0; i < b.length; i++) b[i] = Math.floor(random() * 256);
      if (b.length > 0 && random() < 0.5) b[0] = 0x80 | (b[0] & 0x3f); // version 2: past the first check
      udp.send(b, server.rtpPort!, "127.0.0.1");
    }
    await sleep(300);
    udp.close();
    expect(await healthy("CA-after-binary")).toEqual(["d5"]);
    expect(warnings).toBeGreaterThan(0);
  });
});
