/**
 * HTTP control routes, on the WebSocket port:
 *
 * | route                           | body                         | answer                                  |
 * |---------------------------------|------------------------------|-----------------------------------------|
 * | GET /healthz                    |                              | 200 {"ok":true} (no credentials asked)  |
 * | GET /readyz                     |                              | 200 {"ready":true}; 503 while starting or shutting down (no credentials asked) |
 * | GET /metrics                    |                              | 200 Prometheus text format (metrics.ts) |
 * | GET /stats                      |                              | 200 server counters                     |
 * | GET /calls                      |                              | 200 [{callId, protocol, mediaMs, collecting}] |
 * | POST /calls/:id/collect         | a collect request (seed 003 fields, snake_case) | 202 {command_uid, start_ms}; 400 naming the field (the call also gets digits.collected status failure with the error); 404 |
 * | POST /calls/:id/prompt_ended    | {} or {"name": mark}         | 202 {prompt_open_was: bool}; 404         |
 *
 * Every route but /healthz and /readyz goes through the `authorize` hook (default: a bearer token when
 * `controlToken` is set, else open; bind loopback then). A body larger than maxBodyBytes is
 * refused (413) from its Content-Length before it is read, or as soon as it grows past the
 * limit; a handler error answers 500 and ends nothing else.
 */
import { timingSafeEqual } from "node:crypto";
import { type IncomingMessage, type ServerResponse, request as httpRequest } from "node:http";
import type { Call } from "./call.js";
import { messageOf } from "./errors.js";

export type Authorize = (request: IncomingMessage) => boolean | Promise<boolean>;

export interface ControlServer {
  readonly settings: { maxBodyBytes: number };
  readonly calls: ReadonlyMap<string, Call>;
  stats(): Record<string, unknown>;
  readonly ready: boolean;
  readonly metrics: { text(): Promise<string>; readonly contentType: string };
  /** In a cluster: the whole cluster's metrics, and the private control port of the worker holding a call. */
  clusterMetrics?: () => Promise<{ text: string; contentType: string }>;
  locateCall?: (id: string) => Promise<number | undefined>;
  warn(call: Call | undefined, message: string): void;
}

/** The bearer-token check: constant-time comparison. */
export function bearerAuthorize(token: string): Authorize {
  const expected = Buffer.from(`Bearer ${token}`);
  return (request) => {
    const got = Buffer.from(String(request.headers.authorization ?? ""));
    return got.length === expected.length && timingSafeEqual(got, expected);
  };
}

class BodyTooLarge extends Error {}

function readBody(request: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(request.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) { request.pause(); reject(new BodyTooLarge()); return; }
      chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

/** Marks a request forwarded between cluster workers (never forwarded twice). */
const FORWARDED_HEADER = "x-dtmf-forwarded";

function forward(request: IncomingMessage, response: ServerResponse, port: number): void {
  const upstream = httpRequest({ host: "127.0.0.1", port, method: request.method, path: request.url, headers: { ...request.headers, [FORWARDED_HEADER]: "1" } }, (answer) => {
    response.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(response);
  });
  upstream.on("error", () => { if (!response.headersSent) { response.writeHead(502, { "content-type": "application/json" }); response.end('{"error":"the worker holding the call did not answer"}'); } });
  request.pipe(upstream);
}

export function controlHandler(server: ControlServer, authorize: Authorize | undefined) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const json = (status: number, body: unknown, close = false) => {
      if (response.headersSent) return;
      response.writeHead(status, { "content-type": "application/json", ...(close ? { connection: "close" } : {}) });
      response.end(JSON.stringify(body));
    };
    try {
      const url = new URL(request.url ?? "/", "http://localhost");
      if (request.method === "GET" && url.pathname === "/healthz") return json(200, { ok: true });
      if (request.method === "GET" && url.pathname === "/readyz") return json(server.ready ? 200 : 503, { ready: server.ready });
      if (authorize && !(await authorize(request))) return json(401, { error: "unauthorized" });
      if (request.method === "GET" && url.pathname === "/metrics") {
        const m = server.clusterMetrics ? await server.clusterMetrics() : { text: await server.metrics.text(), contentType: server.metrics.contentType };
        response.writeHead(200, { "content-type": m.contentType });
        response.end(m.text);
        return;
      }
      if (request.method === "GET" && url.pathname === "/stats") return json(200, server.stats());
      if (request.method === "GET" && url.pathname === "/calls") {
        return json(200, [...server.calls.values()].map((c) => ({ callId: c.id, protocol: c.protocol, mediaMs: c.positionMs, collecting: c.collecting })));
      }
      const match = /^\/calls\/([^/]+)\/(collect|prompt_ended)$/.exec(url.pathname);
      if (request.method !== "POST" || !match) return json(404, { error: "not found" });
      let id: string;
      try { id = decodeURIComponent(match[1]); } catch { return json(400, { error: "the call id is not valid percent-encoding" }); }
      // In a cluster the call may live in another worker: the request goes there as it is (once).
      if (!server.calls.get(id)?.streaming && server.locateCall && request.headers[FORWARDED_HEADER] === undefined) {
        const port = await server.locateCall(id);
        if (port !== undefined) return forward(request, response, port);
      }
      let text: string;
      try { text = await readBody(request, server.settings.maxBodyBytes); } catch (error) {
        if (error instanceof BodyTooLarge) return json(413, { error: `the body is larger than ${server.settings.maxBodyBytes} bytes` }, true);
        throw error;
      }
      const call = server.calls.get(id);
      if (!call || !call.streaming) return json(404, { error: `no call ${JSON.stringify(id.slice(0, 80))} is streaming` });
      let body: unknown = {};
      if (text.trim() !== "") {
        try { body = JSON.parse(text); } catch { body = undefined; }
      }
      if (match[2] === "prompt_ended") {
        const name = (body as { name?: unknown } | undefined)?.name;
        return json(202, { prompt_was_open: call.promptEnded(typeof name === "string" ? name : undefined) });
      }
      try {
        const started = call.collect(body === undefined ? { invalid_json: true } : body, "http");
        return json(202, { command_uid: started.commandUid, start_ms: started.startMs });
      } catch (error) {
        return json(400, { error: body === undefined ? "the body is not JSON" : messageOf(error) });
      }
    } catch (error) {
      server.warn(undefined, `HTTP ${request.method} ${String(request.url).slice(0, 80)}: ${messageOf(error)}`);
      json(500, { error: "internal error" });
    }
  };
}
