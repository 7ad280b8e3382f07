/**
 * The media-stream server (startServer, as the example embeds it), end to end on real sockets: the server listens on
 * 127.0.0.1 (port 0), a webhook receiver (a real HTTP server) takes its POSTs, and ws clients
 * play the voice platform, streaming generated μ-law calls in 20 ms frames, several at once,
 * two in real time (one frame per 20 ms timer tick) and the rest as fast as the socket goes.
 * Every payload is checked: its JSON Schema, its session, its key, its duration against the
 * generated tone, and the order; the collections end in success, timeout, and failure for the
 * client that drops its connection mid-call.
 */
import { type IncomingMessage, type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { encodeSamples, generateDtmf, type GenerateOptions } from "../src/generator.js";
import { digitsCollectedPayloadSchema, dtmfPayloadSchema } from "../src/payloads/index.js";
import { type DtmfServer, startServer } from "../src/server/server.js";
// @ts-expect-error: a JavaScript example without type declarations
import { PlatformCall, streamCall } from "../examples/media-stream-server/client.mjs";

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ strict: true, allErrors: true }));
const validDtmf = ajv.compile(dtmfPayloadSchema);
const validCollected = ajv.compile(digitsCollectedPayloadSchema);

interface Payload { event: string; session_uuid: string; [field: string]: unknown }
interface CallSummary { callId: string; sessionUuid: string; reason: string; stats: Record<string, number>; keys: { digit: string }[] }

/** What a call sends and what must come back. */
interface Spec {
  callSid: string;
  gen: GenerateOptions;
  pace: "realtime" | "fast";
  encoding?: "audio/x-mulaw" | "audio/x-alaw";
  collect?: Record<string, unknown>;
  dropAfterFrame?: number;
  skipFrames?: Set<number>;
  customParameters?: Record<string, unknown>;
  /** The digits.collected fields expected, if a collection runs. */
  collected?: { command_uid: string; digits: string; terminator: string; status: string };
  /**
   * The order of the payloads when a collection runs: d = dtmf, c = digits.collected. Causal:
   * a collection decided by a key's keydown reports after that key's dtmf (sent when the press ends).
   */
  order?: string;
  /** Keys whose dtmf payloads must arrive (default: all the generated keys). */
  keys?: string;
  reason: "stop" | "disconnect";
}

const SPECS: Spec[] = [
  { callSid: "CA-rt-1", pace: "realtime", gen: { keys: "159#", toneMs: 80, gapMs: 100 }, reason: "stop" },
  {
    callSid: "CA-rt-2", pace: "realtime", gen: { keys: "D*0", toneMs: 150, gapMs: 120 }, reason: "stop",
    collect: { command_uid: "menu-1", min_digits: 2, max_digits: 3, terminators: "", regex: "[0-9A-D*]*", timeout: 3000 },
    collected: { command_uid: "menu-1", digits: "D*0", terminator: "", status: "success" }, order: "dddc",
  },
  {
    callSid: "CA-pin", pace: "fast", gen: { keys: "2468#", toneMs: 60, gapMs: 60 }, reason: "stop",
    collect: { command_uid: "collect-pin-001", min_digits: 4, max_digits: 8, terminators: "#" },
    collected: { command_uid: "collect-pin-001", digits: "2468", terminator: "#", status: "success" }, order: "dddddc",
  },
  { callSid: "CA-alaw", pace: "fast", encoding: "audio/x-alaw", gen: { keys: "0000", toneMs: 50, gapMs: 50 }, reason: "stop" },
  {
    // The caller hangs up (the socket drops, no stop) after "13", during a 4-digit collection.
    callSid: "CA-drop", pace: "fast", gen: { keys: "139", toneMs: 100, gapMs: 100 }, keys: "13", dropAfterFrame: 22, reason: "disconnect",
    collect: { command_uid: "pin-drop", min_digits: 4, max_digits: 4 },
    collected: { command_uid: "pin-drop", digits: "13", terminator: "", status: "failure" }, order: "ddc",
  },
  {
    // Nothing for 1.6 s: the 1000 ms timeout expires in media time; the late key is still reported.
    callSid: "CA-timeout", pace: "fast", gen: { keys: "5", leadMs: 1600 }, reason: "stop",
    collect: { command_uid: "t-1", min_digits: 1, max_digits: 4, timeout: 1000 },
    collected: { command_uid: "t-1", digits: "", terminator: "", status: "timeout" }, order: "cd",
  },
  {
    // Five 20 ms frames lost in the lead silence: media.timestamp shows the gap, filled with silence.
    callSid: "CA-lossy", pace: "fast", gen: { keys: "73", leadMs: 300 }, skipFrames: new Set([3, 4, 5, 6, 7]), reason: "stop",
    customParameters: { session_uuid: "acW68-f47ac10b-58cc-4372-a567-0e02b2c3d479" },
  },
];

function audioOf(spec: Spec) {
  const audio = generateDtmf({ sampleRate: 8000, ...spec.gen });
  const bytes = encodeSamples(audio.samples, spec.encoding === "audio/x-alaw" ? "alaw" : "mulaw");
  return { audio, bytes };
}

let webhook: Server;
let webhookUrl: string;
const posted: { body: Payload; headers: IncomingMessage["headers"] }[] = [];
let app: DtmfServer;
let mediaUrl: string;
const emitted: { callSid: string; payload: Payload }[] = [];
const ended = new Map<string, CallSummary>();
const endedWaiters = new Map<string, (summary: CallSummary) => void>();

function callEnded(callSid: string): Promise<CallSummary> {
  const done = ended.get(callSid);
  if (done) return Promise.resolve(done);
  return new Promise((resolve) => endedWaiters.set(callSid, resolve));
}

beforeAll(async () => {
  if (!existsSync(new URL("../dist/index.js", import.meta.url))) throw new Error("dist/ is missing: run `npm run build` first");
  webhook = createServer((request, response) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => { body += chunk; });
    request.on("end", () => {
      posted.push({ body: JSON.parse(body) as Payload, headers: request.headers });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => webhook.listen(0, "127.0.0.1", resolve));
  webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook`;
  app = await startServer({ port: 0, host: "127.0.0.1", webhook: webhookUrl });
  mediaUrl = `${app.url}/media`;
  app.on("payload", ({ callId, payload }: { callId: string; payload: Payload }) => emitted.push({ callSid: callId, payload }));
  app.on("callEnded", (summary: CallSummary) => {
    ended.set(summary.callId, summary);
    endedWaiters.get(summary.callId)?.(summary);
  });
});

afterAll(async () => {
  await app?.close();
  webhook?.closeAllConnections();
  await new Promise<void>((resolve) => webhook?.close(() => resolve()) ?? resolve());
});

describe("media-stream server on 127.0.0.1", () => {
  it("streams 7 calls at once (2 in real time, 5 faster) and posts every payload right", async () => {
    expect(mediaUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/media$/);
    const runs = SPECS.map(async (spec) => {
      const { bytes } = audioOf(spec);
      await streamCall(mediaUrl, { callSid: spec.callSid, audio: bytes, encoding: spec.encoding, customParameters: spec.customParameters ?? {} }, {
        pace: spec.pace, collect: spec.collect, dropAfterFrame: spec.dropAfterFrame, skipFrames: spec.skipFrames,
      });
      return callEnded(spec.callSid);
    });
    const summaries = await Promise.all(runs);

    for (const [i, spec] of SPECS.entries()) {
      const { audio } = audioOf(spec);
      const summary = summaries[i];
      const session = (spec.customParameters?.session_uuid as string | undefined) ?? spec.callSid;
      expect(summary.reason, spec.callSid).toBe(spec.reason);
      expect(summary.sessionUuid).toBe(session);
      const mine = posted.map((p) => p.body).filter((p) => p.session_uuid === session);
      // Every payload the server emitted for this call reached the webhook, in order, as JSON.
      expect(mine).toEqual(emitted.filter((e) => e.callSid === spec.callSid).map((e) => e.payload));
      const dtmf = mine.filter((p) => p.event === "dtmf");
      const keys = spec.keys ?? audio.tones.map((t) => t.digit).join("");
      expect(dtmf.map((p) => p.digit).join(""), spec.callSid).toBe(keys);
      dtmf.forEach((payload, k) => {
        expect(validDtmf(payload), JSON.stringify(validDtmf.errors)).toBe(true);
        expect(Object.keys(payload)).toEqual(["event", "session_uuid", "digit", "duration_ms"]);
        // Media-time accuracy of the duration: within 10 ms of the generated tone.
        expect(Math.abs((payload.duration_ms as number) - audio.tones[k].durationMs), `${spec.callSid} key ${k}`).toBeLessThanOrEqual(10);
      });
      const collected = mine.filter((p) => p.event === "digits.collected");
      if (spec.collected) {
        expect(collected).toEqual([{ event: "digits.collected", session_uuid: session, ...spec.collected }]);
        expect(validCollected(collected[0]), JSON.stringify(validCollected.errors)).toBe(true);
        expect(mine.map((p) => (p.event === "dtmf" ? "d" : "c")).join(""), spec.callSid).toBe(spec.order);
      } else {
        expect(collected).toEqual([]);
      }
      expect(mine).toHaveLength(dtmf.length + collected.length);
    }
    expect(posted.every((p) => p.headers["content-type"] === "application/json")).toBe(true);
    const lossy = summaries[SPECS.findIndex((s) => s.callSid === "CA-lossy")];
    expect(lossy.stats.gapSamples).toBe(5 * 160);
    expect(summaries.find((s) => s.callId === "CA-rt-1")!.stats.frames).toBe(Math.ceil(audioOf(SPECS[0]).bytes.length / 160));
    expect(app.engine.channelsOpen).toBe(0);
  });

  it("runs a collection requested over HTTP (POST /calls/:callSid/collect)", async () => {
    const spec = { keys: "9", leadMs: 200 };
    const audio = encodeSamples(generateDtmf(spec).samples, "mulaw");
    const call = new PlatformCall(mediaUrl, { callSid: "CA-http", audio }) as {
      open(): Promise<void>; sendFrame(i: number): void; sendStop(): void; frames: number; closed: Promise<number>;
    };
    await call.open();
    // The start message is processed once this request finds the call (a 404 would say otherwise).
    let response: Response;
    do {
      response = await fetch(`${app.httpUrl}/calls/CA-http/collect`, {
        method: "POST", body: JSON.stringify({ command_uid: "http-1", min_digits: 1, max_digits: 1 }),
      });
    } while (response.status === 404);
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ command_uid: "http-1", start_ms: 0 });
    const bad = await fetch(`${app.httpUrl}/calls/CA-http/collect`, {
      method: "POST", body: JSON.stringify({ command_uid: "x", min_digits: 0, max_digits: 1 }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: "collect.min_digits must be an integer from 1 to 64; received 0" });
    for (let i = 0; i < call.frames; i++) call.sendFrame(i);
    call.sendStop();
    expect(await call.closed).toBe(1000);
    await callEnded("CA-http");
    await app.drain(); // the payloads are delivered after the call ends, not with it
    const mine = posted.map((p) => p.body).filter((p) => p.session_uuid === "CA-http");
    // The refused request is answered too (failure, with the error); the running collection goes on, and ends after its key's dtmf.
    expect(mine.map((p) => `${p.event}:${p.command_uid ?? p.digit}`)).toEqual(["digits.collected:x", "dtmf:9", "digits.collected:http-1"]);
    expect(mine[0]).toMatchObject({ status: "failure", error: "collect.min_digits must be an integer from 1 to 64; received 0" });
    expect(mine[2]).toEqual({ event: "digits.collected", session_uuid: "CA-http", command_uid: "http-1", digits: "9", terminator: "", status: "success" });
    const missing = await fetch(`${app.httpUrl}/calls/CA-none/collect`, { method: "POST", body: "{}" });
    expect(missing.status).toBe(404);
  });

  it("counts protocol errors, answers nothing on a Twilio socket (Twilio refuses unknown messages), keeps the call going", async () => {
    const audio = encodeSamples(generateDtmf({ keys: "8" }).samples, "mulaw");
    const call = new PlatformCall(mediaUrl, { callSid: "CA-errors", audio, encoding: "audio/x-mulaw" }) as {
      open(): Promise<void>; send(m: unknown): void; sendFrame(i: number): void; sendStop(): void; frames: number; closed: Promise<number>;
      socket: { on(e: string, l: (d: Buffer) => void): void };
    };
    const replies: unknown[] = [];
    await call.open();
    call.socket.on("message", (data: Buffer) => replies.push(JSON.parse(data.toString())));
    call.send("{not json");
    call.send({ event: "collect", collect: { command_uid: "c", min_digits: 1, max_digits: 2, colour: "red" } });
    for (let i = 0; i < call.frames; i++) call.sendFrame(i);
    call.sendStop();
    await call.closed;
    const summary = await callEnded("CA-errors");
    expect(replies).toEqual([]);
    expect(summary.stats.badMessages).toBe(1);
    expect(summary.keys.map((p) => p.digit)).toEqual(["8"]);
    const mine = emitted.filter((e) => e.callSid === "CA-errors").map((e) => e.payload);
    expect(mine[0]).toMatchObject({ event: "digits.collected", command_uid: "c", status: "failure" });
    expect(String(mine[0].error)).toMatch(/^collect\.colour must be one of the collect fields/);
  });

  it("GET /stats reports the calls handled and that every channel was freed", async () => {
    await app.drain(); // every payload delivered, so the counters are final
    const stats = await (await fetch(`${app.httpUrl}/stats`)).json() as Record<string, number>;
    expect(stats).toMatchObject({ callsOpen: 0, calls: SPECS.length + 2, channelsOpen: 0, webhookFailures: 0 });
    expect(stats.delivered).toBe(posted.length);
  });
});
