/**
 * `dtmf-wasm serve` security and connection limits (issue 16): every protocol's credential
 * (Twilio's X-Twilio-Signature, a bearer / Basic token, a signed URL, the AudioSocket / RTP
 * source allow-list), refused before any audio is read; the HTTP routes behind the same token;
 * the loopback-only rule without credentials; handshake and idle timeouts; calls per client
 * address; signed outgoing webhooks. All on 127.0.0.1; every wait is bounded.
 */
import { createSocket } from "node:dgram";
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { DtmfOptionError } from "../src/errors.js";
import { allowList, checkBindPolicy, checkSignedUrl, signStreamUrl, twilioSignature } from "../src/server/auth.js";
import { type DtmfServer, type StartServerOptions, startServer } from "../src/server/server.js";
import { verifyWebhookSignature, webhookSignature } from "../src/server/webhook-outbox-sink.js";
import { FRAME_MS, callAudio, callEnded, frames, mulaw, pcm16le, sleep, webhookReceiver } from "./serve-helpers.js";

let server: DtmfServer | undefined;
afterEach(async () => { await server?.close({ drainTimeoutMs: 1000 }); server = undefined; });

/** The servers' wall clock: a fixed instant, so expiry and signature times are exact, not read from the machine. */
const CLOCK = Date.UTC(2026, 11, 2, 12, 0, 0);

async function serve(options: StartServerOptions): Promise<DtmfServer> {
  server = await startServer({ port: 0, host: "127.0.0.1", clock: () => CLOCK, ...options });
  return server;
}

/** Opens a WebSocket; resolves with the socket, or with the HTTP status that refused it. */
function connectWs(url: string, headers: Record<string, string> = {}): Promise<{ ws?: WebSocket; status?: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers, perMessageDeflate: false });
    ws.once("open", () => resolve({ ws }));
    ws.once("unexpected-response", (_req, res) => { resolve({ status: res.statusCode }); ws.terminate(); });
    ws.once("error", () => resolve({}));
  });
}

/** Plays a short Twilio call with keys `keys`; resolves with the digits the server found. */
async function twilioCall(server: DtmfServer, ws: WebSocket, callSid: string, keys: string): Promise<string> {
  const audio = callAudio({ keys, toneMs: 100, gapMs: 300, leadMs: 300, tailMs: 400 });
  const ended = callEnded(server, callSid);
  ws.send(JSON.stringify({ event: "connected", protocol: "Call", version: "1.0.0" }));
  ws.send(JSON.stringify({ event: "start", streamSid: `MZ${callSid}`, start: { streamSid: `MZ${callSid}`, callSid, tracks: ["inbound"], mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 } } }));
  frames(mulaw(audio), 160).forEach((payload, i) => ws.send(JSON.stringify({ event: "media", streamSid: `MZ${callSid}`, media: { track: "inbound", chunk: String(i + 1), timestamp: String(i * FRAME_MS), payload: payload.toString("base64") } })));
  ws.send(JSON.stringify({ event: "stop", streamSid: `MZ${callSid}` }));
  const summary = await ended;
  return (summary.keys as { digit: string }[]).map((k) => k.digit).join("");
}

describe("credentials", () => {
  it("computes Twilio's signature as its documentation's example does", () => {
    const params = { CallSid: "CA1234567890ABCDE", Caller: "+12349013030", Digits: "1234", From: "+12349013030", To: "+18005551212" };
    expect(twilioSignature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", params)).toBe("0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
    expect(twilioSignature("12346", "https://mycompany.com/myapp.php?foo=1&bar=2", params)).not.toBe("0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
  });

  it("Twilio: a stream with a valid X-Twilio-Signature is served; a wrong or missing one gets 401 and no call", async () => {
    const s = await serve({ twilioAuthToken: "tw-secret", publicUrl: "wss://dtmf.example.test" });
    const good = twilioSignature("tw-secret", "wss://dtmf.example.test/twilio");
    expect((await connectWs(`${s.url}/twilio`, { "x-twilio-signature": twilioSignature("other", "wss://dtmf.example.test/twilio") })).status).toBe(401);
    expect((await connectWs(`${s.url}/twilio`)).status).toBe(401);
    // Signed for another path: refused.
    expect((await connectWs(`${s.url}/twilio`, { "x-twilio-signature": twilioSignature("tw-secret", "wss://dtmf.example.test/other") })).status).toBe(401);
    expect(s.totals.calls).toBe(0);
    const { ws } = await connectWs(`${s.url}/twilio`, { "x-twilio-signature": good });
    expect(await twilioCall(s, ws!, "CA-auth", "47")).toBe("47");
    expect(s.totals.calls).toBe(1);
    expect(s.refusedBy["twilio|unauthorized"]).toBe(3);
  });

  it("a browser page (an Origin header) may open a stream only from allowedOrigins: 403 before any audio, and the right credentials do not change that", async () => {
    const s = await serve({ authToken: "tok", allowedOrigins: ["https://app.example.test"] });
    const auth = { authorization: "Bearer tok" };
    expect((await connectWs(`${s.url}/twilio`, { ...auth, origin: "https://evil.example.test" })).status).toBe(403);
    expect((await connectWs(`${s.url}/twilio`, { ...auth, origin: "null" })).status).toBe(403);
    expect(s.refusedBy["twilio|origin"]).toBe(2);
    expect(s.totals.calls).toBe(0);
    // An allowed page, and a platform's server (no Origin header at all), are served.
    const page = await connectWs(`${s.url}/twilio`, { ...auth, origin: "https://app.example.test" });
    expect(await twilioCall(s, page.ws!, "CA-page", "3")).toBe("3");
    const platform = await connectWs(`${s.url}/twilio`, auth);
    expect(await twilioCall(s, platform.ws!, "CA-platform", "8")).toBe("8");
  });

  it("without allowedOrigins every handshake that carries an Origin is refused (platforms send none)", async () => {
    const s = await serve({});
    expect((await connectWs(`${s.url}/twilio`, { origin: "http://127.0.0.1:3000" })).status).toBe(403);
    const { ws } = await connectWs(`${s.url}/twilio`);
    expect(await twilioCall(s, ws!, "CA-no-origin", "5")).toBe("5");
  });

  it("bearer and Basic tokens; signed URLs (expired and tampered ones refused)", async () => {
    const s = await serve({ authToken: "tok-123", urlSigningKey: "url-key" });
    expect((await connectWs(`${s.url}/twilio`, { authorization: "Bearer tok-124" })).status).toBe(401);
    const bearer = await connectWs(`${s.url}/twilio`, { authorization: "Bearer tok-123" });
    expect(await twilioCall(s, bearer.ws!, "CA-bearer", "1")).toBe("1");
    const basic = await connectWs(`${s.url}/twilio`, { authorization: `Basic ${Buffer.from("jambonz:tok-123").toString("base64")}` });
    expect(basic.ws).toBeDefined();
    basic.ws!.close();
    const future = new Date(CLOCK + 600_000);
    const signed = signStreamUrl(`${s.url}/twilio?tenant=7`, "url-key", future);
    const viaUrl = await connectWs(signed);
    expect(await twilioCall(s, viaUrl.ws!, "CA-signed", "9")).toBe("9");
    expect((await connectWs(signStreamUrl(`${s.url}/twilio?tenant=7`, "url-key", new Date(CLOCK - 1000)))).status).toBe(401);
    expect((await connectWs(signed.replace("tenant=7", "tenant=8"))).status).toBe(401);
    expect((await connectWs(signStreamUrl(`${s.url}/twilio`, "wrong-key", future))).status).toBe(401);
    expect(s.totals.calls).toBe(2);
  });

  it("checks signed URLs by path and query", () => {
    const url = signStreamUrl("/vonage?a=1", "k", new Date(2_000_000_000_000));
    expect(checkSignedUrl(url, "k", 1_999_999_999_000)).toBeUndefined();
    expect(checkSignedUrl(url, "k", 2_000_000_001_000)).toMatch(/expired/);
    expect(checkSignedUrl(url.replace("a=1", "a=2"), "k", 0)).toMatch(/does not match/);
    expect(checkSignedUrl("/vonage?a=1", "k", 0)).toMatch(/no signature/);
  });

  it("HTTP routes: /stats, /metrics and /calls need the token; /healthz and /readyz do not", async () => {
    const s = await serve({ authToken: "tok-h" });
    const get = (path: string, token?: string) => fetch(`${s.httpUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    expect((await get("/stats")).status).toBe(401);
    expect((await get("/metrics")).status).toBe(401);
    expect((await get("/calls", "nope")).status).toBe(401);
    expect((await get("/healthz")).status).toBe(200);
    expect(await (await get("/readyz")).json()).toEqual({ ready: true });
    expect((await get("/stats", "tok-h")).status).toBe(200);
    const metrics = await (await get("/metrics", "tok-h")).text();
    expect(metrics).toMatch(/^dtmf_calls_open 0$/m);
    expect(metrics).toMatch(/^dtmf_refused_total\{protocol="websocket",reason="unauthorized"\} 0$|^# TYPE dtmf_refused_total counter$/m);
  });

  it("without credentials: loopback only, unless insecure; the refusal names what is open", async () => {
    await expect(startServer({ port: 0, host: "0.0.0.0" })).rejects.toThrow(DtmfOptionError);
    await expect(startServer({ port: 0, host: "0.0.0.0" })).rejects.toThrow(/--insecure/);
    expect(() => checkBindPolicy({ host: "10.1.2.3", insecure: false, authToken: "t" })).not.toThrow();
    expect(() => checkBindPolicy({ host: "10.1.2.3", insecure: false, authToken: "t", audiosocketPort: 9 })).toThrow(/AudioSocket\/RTP/);
    expect(() => checkBindPolicy({ host: "10.1.2.3", insecure: false, authToken: "t", audiosocketPort: 9, allowFrom: ["10.0.0.0/8"] })).not.toThrow();
    expect(checkBindPolicy({ host: "10.1.2.3", insecure: true })).toHaveLength(2);
    expect(checkBindPolicy({ host: "127.0.0.1", insecure: false })).toHaveLength(2);
  });

  it("AudioSocket: a source outside allowFrom is cut before a byte is read; inside it is served", async () => {
    const s = await serve({ audiosocketPort: 0, allowFrom: ["10.0.0.0/8"] });
    const audio = callAudio({ keys: "5", toneMs: 100, gapMs: 200, leadMs: 200, tailMs: 300 });
    const socket = connect(s.audiosocketPort!, "127.0.0.1");
    const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    socket.on("error", () => undefined);
    const pcm = pcm16le(audio);
    const message = Buffer.alloc(3 + 320);
    message[0] = 0x10; message.writeUInt16BE(320, 1); pcm.copy(message, 3, 0, 320);
    socket.write(message);
    await closed;
    expect(s.totals.calls).toBe(0);
    expect(s.refusedBy["audiosocket|source"]).toBe(1);
  });

  it("RTP: datagrams from outside allowFrom are dropped unparsed", async () => {
    const s = await serve({ rtpPort: 0, allowFrom: ["192.168.0.0/16"] });
    const udp = createSocket("udp4");
    const packet = Buffer.alloc(12 + 160, 0xff);
    packet[0] = 0x80; packet[1] = 0;
    for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => udp.send(packet, s.rtpPort!, "127.0.0.1", () => resolve()));
    for (let i = 0; i < 100 && (s.refusedBy["rtp|source"] ?? 0) < 3; i++) await sleep(10);
    udp.close();
    expect(s.refusedBy["rtp|source"]).toBe(3);
    expect(s.totals.calls).toBe(0);
    expect(s.totals.badMessages).toBe(0);
  });

  it("allow-lists match addresses, CIDR blocks and IPv4-mapped IPv6", () => {
    const allowed = allowList(["10.0.0.0/8", "192.0.2.7", "2001:db8::/32"])!;
    expect(allowed("10.200.3.4")).toBe(true);
    expect(allowed("::ffff:10.1.1.1")).toBe(true);
    expect(allowed("192.0.2.7")).toBe(true);
    expect(allowed("192.0.2.8")).toBe(false);
    expect(allowed("2001:db8::1")).toBe(true);
    expect(allowed("127.0.0.1")).toBe(false);
    expect(() => allowList(["10.0.0.0/40"])).toThrow(DtmfOptionError);
    expect(() => allowList(["example.com"])).toThrow(DtmfOptionError);
  });
});

describe("connection limits", () => {
  it("a connection that never starts its call is closed at the handshake timeout", async () => {
    const s = await serve({ handshakeTimeoutMs: 200 });
    const { ws } = await connectWs(`${s.url}/twilio`);
    const code = await new Promise<number>((resolve) => ws!.once("close", (c) => resolve(c)));
    expect(code).toBe(1008);
    expect(s.stats()).toMatchObject({ connections: 0 });
    const metrics = await s.metrics.text();
    expect(metrics).toMatch(/^dtmf_timeouts_total\{kind="handshake"\} 1$/m);
  });

  it("AudioSocket: a connection that sends nothing is cut at the handshake timeout, and counted", async () => {
    const s = await serve({ audiosocketPort: 0, handshakeTimeoutMs: 200 });
    const socket = connect(s.audiosocketPort!, "127.0.0.1");
    socket.on("error", () => undefined);
    await new Promise<void>((resolve) => socket.on("close", () => resolve()));
    expect(await s.metrics.text()).toMatch(/^dtmf_timeouts_total\{kind="handshake"\} 1$/m);
    expect(s.totals.calls).toBe(0);
  });

  it("a call that goes silent is ended at the idle timeout, its keys reported", async () => {
    const s = await serve({ idleTimeoutMs: 300 });
    const { ws } = await connectWs(`${s.url}/twilio`);
    const audio = callAudio({ keys: "3", toneMs: 100, gapMs: 100, leadMs: 200, tailMs: 200 });
    const ended = callEnded(s, "CA-idle");
    ws!.send(JSON.stringify({ event: "start", streamSid: "MZ1", start: { streamSid: "MZ1", callSid: "CA-idle", mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 } } }));
    frames(mulaw(audio), 160).forEach((payload, i) => ws!.send(JSON.stringify({ event: "media", streamSid: "MZ1", media: { chunk: String(i + 1), timestamp: String(i * FRAME_MS), payload: payload.toString("base64") } })));
    const summary = await ended;
    expect(summary.reason).toBe("idle-timeout");
    expect((summary.keys as { digit: string }[]).map((k) => k.digit).join("")).toBe("3");
  });

  it("maxCallsPerAddress: the next connection from that address gets 429", async () => {
    const s = await serve({ maxCallsPerAddress: 2 });
    const a = await connectWs(`${s.url}/twilio`), b = await connectWs(`${s.url}/twilio`);
    expect(a.ws && b.ws).toBeTruthy();
    expect((await connectWs(`${s.url}/twilio`)).status).toBe(429);
    const closed = new Promise((resolve) => a.ws!.once("close", resolve));
    a.ws!.close();
    await closed;
    for (let i = 0; i < 100 && s.stats().connections !== 1; i++) await sleep(10);
    const c = await connectWs(`${s.url}/twilio`);
    expect(c.ws).toBeDefined();
    b.ws!.close(); c.ws!.close();
    expect(s.refusedBy["twilio|maxCallsPerAddress"]).toBe(1);
  });
});

describe("signed webhooks", () => {
  it("signs every POST; the documented check accepts it and refuses a changed body or an old timestamp", async () => {
    const receiver = await webhookReceiver();
    const seen: { body: string; signature?: string }[] = [];
    const s = await serve({
      webhook: receiver.url, webhookSecret: "hook-secret",
      webhookOptions: { fetch: async (url, init) => { seen.push({ body: String(init?.body), signature: new Headers(init?.headers).get("x-dtmf-signature") ?? undefined }); return fetch(url, init); } },
    });
    const { ws } = await connectWs(`${s.url}/twilio`);
    expect(await twilioCall(s, ws!, "CA-hook", "8")).toBe("8");
    await s.drain();
    expect(seen.length).toBeGreaterThan(0);
    for (const { body, signature } of seen) {
      expect(signature).toMatch(new RegExp(`^t=${CLOCK / 1000},v1=[0-9a-f]{64}$`)); // stamped by the server's clock
      expect(verifyWebhookSignature("hook-secret", body, signature, CLOCK)).toBe(true);
      expect(verifyWebhookSignature("hook-secret", `${body} `, signature, CLOCK)).toBe(false);
      expect(verifyWebhookSignature("other", body, signature, CLOCK)).toBe(false);
      expect(verifyWebhookSignature("hook-secret", body, signature, CLOCK + 3_600_000)).toBe(false);
    }
    await receiver.close();
  });

  it("the signature is over timestamp.body", () => {
    expect(webhookSignature("k", "{}", 1700000000)).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature("k", "{}", webhookSignature("k", "{}", 1700000000), 1700000000_000)).toBe(true);
  });
});
