/**
 * The webhook sink against receivers that misbehave, on a real HTTP server on 127.0.0.1:
 * redirects (a 302 used to be followed as a body-less GET and reported "delivered"), huge 2xx
 * bodies (read whole), retries that a receiver cannot recognise as copies (no idempotency
 * key), payloads given up with no report, and a receiver that never answers holding close().
 */
import { createHash } from "node:crypto";
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  IDEMPOTENCY_HEADER, MAX_RESPONSE_BYTES, WebhookClosedError, WebhookFailedError, WebhookRejectedError, WebhookSink,
} from "../src/webhook.js";

interface Received { method: string; url: string; headers: IncomingMessage["headers"]; body: string }
type Handler = (req: IncomingMessage, res: ServerResponse, nth: number) => void;

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

async function server(handler: Handler): Promise<{ base: string; received: Received[] }> {
  const received: Received[] = [];
  const s = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => { body += c; });
    req.on("end", () => {
      received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      handler(req, res, received.length);
    });
  });
  servers.push(s);
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  return { base: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, received };
}

const noWait = async () => {};
const payload = { event: "dtmf", digit: "5", call: "c-1" };
const BODY = JSON.stringify(payload);

describe("redirects", () => {
  for (const status of [301, 302, 303]) {
    it(`${status}: not followed, a WebhookRejectedError naming the Location, reported undelivered`, async () => {
      const { base, received } = await server((req, res) => {
        if (req.url === "/hook") { res.writeHead(status, { location: "/moved" }); res.end(); } else { res.writeHead(200); res.end("ok"); }
      });
      const undelivered: unknown[] = [];
      const sink = new WebhookSink({ url: `${base}/hook`, sleep: noWait, onUndelivered: (e, p) => undelivered.push([e, p]) });
      const error = await sink.send(payload).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WebhookRejectedError);
      expect((error as Error).message).toMatch(new RegExp(`answered HTTP ${status}, a redirect to /moved: not followed`));
      expect(received.map((r) => `${r.method} ${r.url}`)).toEqual(["POST /hook"]);
      expect(undelivered).toEqual([[error, payload]]);
      expect(sink.stats).toEqual({ delivered: 0, undelivered: 1, inFlight: 0 });
    });
  }

  for (const status of [307, 308]) {
    it(`${status}: the same POST (body and key) to the Location`, async () => {
      const { base, received } = await server((req, res) => {
        if (req.url === "/hook") { res.writeHead(status, { location: "/moved" }); res.end(); } else { res.writeHead(204); res.end(); }
      });
      const delivery = await new WebhookSink({ url: `${base}/hook`, sleep: noWait }).send(payload);
      expect(delivery.status).toBe(204);
      expect(received.map((r) => `${r.method} ${r.url} ${r.body}`)).toEqual([`POST /hook ${BODY}`, `POST /moved ${BODY}`]);
      expect(received[1].headers[IDEMPOTENCY_HEADER]).toBe(received[0].headers[IDEMPOTENCY_HEADER]);
    });
  }

  it("a 307 loop ends after a few hops as a rejection", async () => {
    const { base, received } = await server((_req, res) => { res.writeHead(307, { location: "/hook" }); res.end(); });
    await expect(new WebhookSink({ url: `${base}/hook`, sleep: noWait }).send(payload)).rejects.toThrow(/redirected more than 5 times/);
    expect(received.length).toBe(6);
  });
});

describe("bounded reads", () => {
  it("a 2xx with a 50 MB body: delivered after reading at most a little past MAX_RESPONSE_BYTES", async () => {
    const TOTAL = 50 * 1024 * 1024, PIECE = 64 * 1024;
    let written = 0;
    let closedEarly!: () => void;
    const closed = new Promise<void>((resolve) => { closedEarly = resolve; });
    const { base } = await server((_req, res) => {
      res.writeHead(200, { "content-type": "application/octet-stream" });
      const piece = Buffer.alloc(PIECE, 120);
      res.on("close", closedEarly);
      const pump = () => {
        while (written < TOTAL && !res.destroyed) {
          written += PIECE;
          if (!res.write(piece)) { res.once("drain", pump); return; }
        }
        res.end();
      };
      pump();
    });
    const delivery = await new WebhookSink({ url: `${base}/hook`, sleep: noWait }).send(payload);
    expect(delivery.status).toBe(200);
    await closed;
    // Socket buffers on both sides hold a few MB; the point is that 50 MB were not all read.
    expect(written).toBeGreaterThan(MAX_RESPONSE_BYTES);
    expect(written).toBeLessThan(TOTAL / 2);
  });
});

describe("idempotency key", () => {
  it("a retried POST carries the same key, the SHA-256 of its body; another payload another key", async () => {
    const { base, received } = await server((_req, res, nth) => { res.writeHead(nth === 1 ? 503 : 200); res.end(); });
    const sink = new WebhookSink({ url: `${base}/hook`, sleep: noWait });
    expect((await sink.send(payload)).attempts).toBe(2);
    await sink.send({ ...payload, digit: "6" });
    const keys = received.map((r) => r.headers[IDEMPOTENCY_HEADER]);
    expect(keys[0]).toBe(createHash("sha256").update(BODY).digest("hex"));
    expect(keys[1]).toBe(keys[0]);
    expect(keys[2]).not.toBe(keys[0]);
  });
});

describe("no silent drop", () => {
  it("every attempt failing: send() rejects and onUndelivered gets the same typed error and the payload", async () => {
    const { base } = await server((_req, res) => { res.writeHead(500); res.end(); });
    const seen: [unknown, unknown][] = [];
    const sink = new WebhookSink({ url: `${base}/hook`, sleep: noWait, maxAttempts: 3, onUndelivered: (e, p) => { seen.push([e, p]); throw new Error("handler bug"); } });
    const error = await sink.send(payload).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebhookFailedError);
    expect(seen).toEqual([[error, payload]]);
    expect(sink.stats.undelivered).toBe(1);
  });
});

describe("close() is bounded", () => {
  it("a receiver that never answers: close() aborts the request after closeGraceMs, send() rejects, reported", async () => {
    const { base, received } = await server(() => { /* never answers */ });
    const seen: unknown[] = [];
    const sink = new WebhookSink({ url: `${base}/hook`, timeoutMs: 120_000, closeGraceMs: 20, onUndelivered: (e) => seen.push(e) });
    const sent = sink.send(payload).catch((e: unknown) => e);
    while (received.length === 0) await new Promise((r) => setTimeout(r, 5));
    await sink.close();
    const error = await sent;
    expect(error).toBeInstanceOf(WebhookFailedError);
    expect(seen).toEqual([error]);
    expect(sink.stats.inFlight).toBe(0);
    await expect(sink.send(payload)).rejects.toBeInstanceOf(WebhookClosedError);
  });

  it("a retry wait that would last minutes is cut by close()", async () => {
    const { base } = await server((_req, res) => { res.writeHead(503); res.end(); });
    const sink = new WebhookSink({ url: `${base}/hook`, closeGraceMs: 0, sleep: () => new Promise(() => { /* never */ }) });
    const sent = sink.send(payload).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    await sink.close();
    expect(await sent).toBeInstanceOf(WebhookFailedError);
  });

  it("close() with nothing in flight resolves at once; requests that finish in the grace period are delivered", async () => {
    const { base } = await server((_req, res) => { setTimeout(() => { res.writeHead(200); res.end(); }, 10); });
    const sink = new WebhookSink({ url: `${base}/hook`, closeGraceMs: 5000 });
    const sent = sink.send(payload);
    await sink.close();
    expect((await sent).status).toBe(200);
    expect(sink.stats).toEqual({ delivered: 1, undelivered: 0, inFlight: 0 });
  });
});
