/**
 * The server's webhook transport (src/server/http-post.ts, node:http keep-alive in place of
 * global fetch): what the webhook sinks read of an answer (status, statusText, headers, the
 * body as a bounded stream or whole), the signal, and, through WebhookSink, the rules that
 * must not change with the transport: retry on 503, a 302 not followed, the idempotency key,
 * connections reused. All on 127.0.0.1; every wait is bounded.
 */
import { createHash } from "node:crypto";
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { nodePost } from "../src/server/http-post.js";
import { MAX_RESPONSE_BYTES, WebhookRejectedError, WebhookSink } from "../src/webhook.js";

interface Seen { method?: string; url?: string; headers: IncomingMessage["headers"]; body: string; socket: Socket }
const closers: (() => void)[] = [];
afterEach(() => { for (const c of closers.splice(0)) c(); });

async function receiver(answer: (req: IncomingMessage, res: ServerResponse, nth: number) => void): Promise<{ base: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => { body += c; });
    req.on("end", () => { seen.push({ method: req.method, url: req.url, headers: req.headers, body, socket: req.socket }); answer(req, res, seen.length); });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  closers.push(() => { server.closeAllConnections(); server.close(); });
  return { base: `http://127.0.0.1:${(server.address() as { port: number }).port}`, seen };
}

function transport() {
  const t = nodePost(4);
  closers.push(t.close);
  return t;
}

describe("nodePost: the slice of fetch the webhook sinks use", () => {
  it("POSTs the body with its headers (plain object or Headers); answers status, statusText, headers, body", async () => {
    const { base, seen } = await receiver((_req, res) => { res.writeHead(201, "Made", { "x-answer": "yes", "content-type": "text/plain" }); res.end("fine"); });
    const { fetch: post } = transport();
    const body = JSON.stringify({ event: "dtmf", digit: "5", note: "é" });
    const r = await post(`${base}/hook?a=1`, { method: "POST", headers: { "Content-Type": "application/json", "idempotency-key": "k1" }, body });
    expect([r.status, r.statusText, r.headers.get("X-Answer"), r.headers.get("missing")]).toEqual([201, "Made", "yes", null]);
    expect(Buffer.from(await r.arrayBuffer()).toString()).toBe("fine");
    const r2 = await post(`${base}/hook`, { method: "POST", headers: new Headers({ "x-two": "2" }), body: "{}" });
    const reader = r2.body!.getReader();
    const first = await reader.read();
    expect(Buffer.from(first.value!).toString()).toBe("fine");
    expect((await reader.read()).done).toBe(true);
    expect(seen.map((s) => [s.method, s.url, s.body])).toEqual([["POST", "/hook?a=1", body], ["POST", "/hook", "{}"]]);
    expect(seen[0].headers["content-type"]).toBe("application/json");
    expect(seen[0].headers["idempotency-key"]).toBe("k1");
    expect(seen[0].headers["content-length"]).toBe(String(Buffer.byteLength(body)));
    expect(seen[1].headers["x-two"]).toBe("2");
    expect(seen[1].socket).toBe(seen[0].socket); // keep-alive: one connection
  });

  it("a refused connection, and a signal that fires before the answer, reject", async () => {
    const { base } = await receiver(() => { /* never answers */ });
    const { fetch: post } = transport();
    await expect(post(`${base}/slow`, { method: "POST", body: "{}", signal: AbortSignal.timeout(100) })).rejects.toThrow();
    const closed = await receiver(() => {});
    closers.pop()!(); // closes it: the port refuses
    await expect(post(`${closed.base}/x`, { method: "POST", body: "{}" })).rejects.toThrow();
    await expect(post("ftp://127.0.0.1/x", { method: "POST", body: "{}" })).rejects.toThrow(/http\(s\)/);
  });
});

describe("WebhookSink over nodePost: the same rules as over fetch", () => {
  it("retries a 503 with the same key (SHA-256 of the body); a 302 is not followed; a big answer is read only in part", async () => {
    const big = Buffer.alloc(MAX_RESPONSE_BYTES * 8, 0x61);
    const { base, seen } = await receiver((req, res, nth) => {
      if (req.url === "/moved") { res.writeHead(302, { location: "/elsewhere" }); res.end(); return; }
      if (req.url === "/big") { res.writeHead(200); res.end(big); return; }
      res.writeHead(nth === 1 ? 503 : 204); res.end();
    });
    const { fetch: post } = transport();
    const payload = { event: "dtmf", digit: "7" };
    const delivery = await new WebhookSink({ url: `${base}/hook`, fetch: post, sleep: async () => {} }).send(payload);
    expect([delivery.status, delivery.attempts]).toEqual([204, 2]);
    const key = createHash("sha256").update(JSON.stringify(payload)).digest("hex");
    expect(seen.map((s) => s.headers["idempotency-key"])).toEqual([key, key]);
    await expect(new WebhookSink({ url: `${base}/moved`, fetch: post, sleep: async () => {} }).send(payload)).rejects.toBeInstanceOf(WebhookRejectedError);
    expect(seen.filter((s) => s.url === "/elsewhere")).toEqual([]);
    expect((await new WebhookSink({ url: `${base}/big`, fetch: post }).send(payload)).status).toBe(200);
  });
});
