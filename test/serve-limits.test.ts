/**
 * The server-side limits of the reliability issue, each against the real server on 127.0.0.1:
 * message and body sizes refused before they are read, a claimed timestamp gap that never
 * allocates or processes in proportion to the claim, errors in one call or request that end
 * nothing else, a client that never reads, call ids that cannot be taken over, odd sample
 * rates that cannot fill the engine's table, bad-message and call-count limits, credentials.
 */
import { EventEmitter } from "node:events";
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DtmfServer, startServer } from "../src/server/server.js";
import { StreamConnection } from "../src/server/ws-connection.js";
import { FRAME_MS, callAudio, callEnded, frames, mulaw, open, recordPayloads, summary } from "./serve-helpers.js";

let server: DtmfServer;
let payloads: Map<string, Record<string, unknown>[]>;
const warnings: string[] = [];

beforeAll(async () => {
  server = await startServer({
    port: 0, maxMessageBytes: 4096, maxBodyBytes: 1024, maxBadMessages: 5, controlToken: "s3cret", maxCalls: 50,
    sinks: [{ name: "throws", deliver() { throw new Error("a broken sink"); }, drain: () => Promise.resolve() }],
  });
  payloads = recordPayloads(server);
  server.on("warning", (w: { message: string }) => warnings.push(w.message));
});
afterAll(async () => { await server.close(); });

const start = (callSid: string, sampleRate = 8000, custom: Record<string, unknown> = {}) => ({
  event: "start", sequenceNumber: "1", streamSid: `MZ${callSid}`,
  start: { callSid, streamSid: `MZ${callSid}`, accountSid: "AC", tracks: ["inbound"], mediaFormat: { encoding: "audio/x-mulaw", sampleRate, channels: 1 }, customParameters: custom },
});
const media = (callSid: string, i: number, payload: Uint8Array, timestampMs = i * FRAME_MS) => ({
  event: "media", sequenceNumber: String(i + 2), streamSid: `MZ${callSid}`, media: { track: "inbound", chunk: String(i + 1), timestamp: String(timestampMs), payload: Buffer.from(payload).toString("base64") },
});

/** Streams a short call with key `key`; resolves with its payload summary. */
async function healthyCall(callSid: string, key = "4"): Promise<string[]> {
  const audio = callAudio({ keys: key, toneMs: 100, leadMs: 200, tailMs: 300 }, 0);
  const c = await open(`${server.url}/twilio`);
  const ended = callEnded(server, callSid);
  c.json(start(callSid));
  frames(mulaw(audio), 160).forEach((f, i) => c.json(media(callSid, i, f)));
  c.json({ event: "stop", streamSid: `MZ${callSid}` });
  await ended;
  return summary(payloads.get(callSid) ?? []);
}

function post(path: string, headers: Record<string, string | number>, body?: string | Buffer, chunks?: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${server.httpUrl}${path}`, { method: "POST", headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c) => { text += c; });
      res.on("end", () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on("error", (e) => (e as NodeJS.ErrnoException).code === "ECONNRESET" || (e as NodeJS.ErrnoException).code === "EPIPE" ? undefined : reject(e));
    if (body !== undefined) for (let k = 0; k < (chunks ?? 1); k++) req.write(body);
    if (chunks === undefined) req.end();
  });
}

describe("sizes are checked before anything is read", () => {
  it("a WebSocket message over maxMessageBytes closes that socket (1009) and nothing else", async () => {
    const c = await open(`${server.url}/twilio`);
    c.json(start("CA-big"));
    c.text(JSON.stringify({ event: "media", media: { payload: "A".repeat(50_000) } }));
    expect(await c.closed).toBe(1009);
    expect(await healthyCall("CA-after-big")).toEqual(["d4"]);
    expect(server.refusedBy["twilio|maxMessageBytes"]).toBe(1);
    expect(await server.metrics.text()).toMatch(/^dtmf_refused_total\{protocol="twilio",reason="maxMessageBytes"\} 1$/m);
  });

  it("an HTTP body announced larger than maxBodyBytes is refused (413) without reading it; a chunked one as soon as it passes the limit", async () => {
    const auth = { authorization: "Bearer s3cret" };
    const announced = await post("/calls/x/collect", { ...auth, "content-length": 536_870_912 });
    expect(announced.status).toBe(413);
    const chunked = await post("/calls/x/collect", { ...auth, "transfer-encoding": "chunked" }, Buffer.alloc(600, 0x20), 4);
    expect(chunked.status).toBe(413);
    expect(await healthyCall("CA-after-body")).toEqual(["d4"]);
  });
});

describe("a claimed timestamp gap", () => {
  it("100 hours ahead in a 101-byte message: no silence is made for it, the clock resets with a warning, keys after it keep their timing", async () => {
    const audio = callAudio({ keys: "12", toneMs: 100, gapMs: 500, leadMs: 300, tailMs: 400 }, 0);
    const bytes = frames(mulaw(audio), 160);
    const c = await open(`${server.url}/twilio`);
    const ended = callEnded(server, "CA-jump");
    c.json(start("CA-jump"));
    const jumpAt = 20; // between the two keys
    const before = process.memoryUsage().rss;
    bytes.forEach((f, i) => c.json(media("CA-jump", i, f, i < jumpAt ? i * FRAME_MS : 360_000_000 + i * FRAME_MS)));
    c.json({ event: "stop", streamSid: "MZCA-jump" });
    const s = await ended;
    const stats = s.stats as Record<string, number>;
    expect(stats.clockResets).toBe(1);
    expect(stats.gapSamples).toBe(0);
    expect(s.mediaMs).toBe(bytes.length * FRAME_MS); // media time = the audio received, not the claim
    expect(warnings.some((w) => /360000000 ms away .* media clock reset/.test(w))).toBe(true);
    expect(summary(payloads.get("CA-jump")!)).toEqual(["d1", "d2"]);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024); // 100 h of μ-law would be 2.9 GB
  });
});

describe("one call's error is that call's", () => {
  it("a sink that throws on every payload, junk, a refused format: other calls keep their keys and the process lives", async () => {
    const c = await open(`${server.url}/twilio`);
    c.json(start("CA-bad-rate", 7000));
    c.json({ event: "media", media: { payload: 12 } });
    expect(await healthyCall("CA-fine-1", "9")).toEqual(["d9"]);
    expect(warnings.some((w) => w.includes("sink throws: a broken sink"))).toBe(true);
    expect(warnings.some((w) => w.includes("sample rate must be one of 8000, 12000, 16000, 24000, 32000, 44100, 48000 Hz; received 7000"))).toBe(true);
    c.close();
  });

  it("70 streams announcing 70 different odd sample rates are refused; an 8 kHz call after them works (the engine's rate table is not filled)", async () => {
    for (let k = 0; k < 70; k++) {
      const c = await open(`${server.url}/twilio`);
      c.json(start(`CA-rate-${k}`, 8001 + k * 13));
      c.close();
    }
    expect(await healthyCall("CA-fine-2", "0")).toEqual(["d0"]);
  });

  it("a connection that sends maxBadMessages bad messages is closed (1008); the others go on", async () => {
    const c = await open(`${server.url}/twilio`);
    for (let k = 0; k < 10; k++) c.text(`junk ${k}`);
    expect(await c.closed).toBe(1008);
    expect(await healthyCall("CA-fine-3", "#")).toEqual(["d#"]);
    expect(server.refusedBy["twilio|maxBadMessages"]).toBe(1);
  });
});

describe("a client that never reads", () => {
  it("its socket is closed once maxBufferedBytes are queued to it, instead of buffering without bound", () => {
    const socket = Object.assign(new EventEmitter(), { OPEN: 1, readyState: 1, bufferedAmount: 0, sent: 0, terminated: false,
      send() { this.sent++; }, close() { this.readyState = 3; }, terminate() { this.terminated = true; this.readyState = 3; } });
    const host = {
      settings: { maxBadMessages: 1000, maxBufferedBytes: 4096, maxMessageBytes: 65536, socketSink: true },
      registerCall: () => { throw new Error("no calls here"); }, warn: () => undefined, countBad: () => undefined,
    };
    new StreamConnection(host, socket as never, new URLSearchParams(), "audio_fork");
    socket.emit("message", Buffer.from("{}"), false); // the metadata (then begin fails: a bad message, answered)
    socket.emit("message", Buffer.from("junk"), false);
    expect(socket.sent).toBe(2);
    socket.bufferedAmount = 5000; // the client stopped reading
    socket.emit("message", Buffer.from("junk"), false);
    expect(socket.terminated).toBe(true);
    expect(socket.sent).toBe(2);
  });
});

describe("control routes", () => {
  it("need the bearer token; a refused collect request still ends in digits.collected (failure, with the error)", async () => {
    const c = await open(`${server.url}/twilio`);
    c.json(start("CA-http"));
    await new Promise((r) => setTimeout(r, 50));
    const noToken = await fetch(`${server.httpUrl}/calls/CA-http/collect`, { method: "POST", body: "{}" });
    expect(noToken.status).toBe(401);
    const bad = await fetch(`${server.httpUrl}/calls/CA-http/collect`, { method: "POST", headers: { authorization: "Bearer s3cret" }, body: JSON.stringify({ command_uid: "pin", max_digits: 99 }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toBe("collect.max_digits must be an integer from 1 to 64; received 99");
    expect(payloads.get("CA-http")).toEqual([{ event: "digits.collected", session_uuid: "CA-http", command_uid: "pin", digits: "", terminator: "", status: "failure", error: "collect.max_digits must be an integer from 1 to 64; received 99" }]);
    const unknown = await fetch(`${server.httpUrl}/calls/CA-nobody/collect`, { method: "POST", headers: { authorization: "Bearer s3cret" }, body: "{}" });
    expect(unknown.status).toBe(404);
    expect((await fetch(`${server.httpUrl}/healthz`)).status).toBe(200);
    c.close();
  });
});

describe("shutdown", () => {
  it("a webhook that never answers does not keep close() waiting past drainTimeoutMs; the loss is named", async () => {
    const { createServer } = await import("node:http");
    const silent = createServer(() => { /* never answers */ });
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", () => r()));
    const port = (silent.address() as { port: number }).port;
    const s = await startServer({ port: 0, webhook: `http://127.0.0.1:${port}/`, webhookOptions: { timeoutMs: 60_000 } });
    const seen: string[] = [];
    s.on("warning", (w: { message: string }) => seen.push(w.message));
    const c = await open(`${s.url}/twilio`);
    const ended = callEnded(s, "CA-shutdown");
    c.json(start("CA-shutdown"));
    frames(mulaw(callAudio({ keys: "1", toneMs: 100, leadMs: 100, tailMs: 200 }, 0)), 160).forEach((f, i) => c.json(media("CA-shutdown", i, f)));
    c.json({ event: "stop", streamSid: "MZCA-shutdown" });
    await ended;
    await s.close({ drainTimeoutMs: 200 });
    expect(seen.some((m) => /shutdown: gave up waiting for the sinks after 200 ms \(1 webhook payloads not delivered\)/.test(m))).toBe(true);
    silent.closeAllConnections();
    silent.close();
  });
});

describe("user code", () => {
  it("a listener that throws (payload, callEnded) ends nothing: the error is a warning", async () => {
    const throwing = () => { throw new Error("listener bug"); };
    server.on("payload", throwing);
    server.on("callEnded", throwing);
    try {
      expect(await healthyCall("CA-listener", "6")).toEqual(["d6"]);
      expect(warnings.some((w) => w.includes('a "callEnded" listener threw: listener bug'))).toBe(true);
      expect(await healthyCall("CA-listener-2", "7")).toEqual(["d7"]);
    } finally {
      server.off("payload", throwing);
      server.off("callEnded", throwing);
    }
  });
});
