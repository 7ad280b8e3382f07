/**
 * The webhook sink against a real HTTP server on 127.0.0.1 (port 0): each test scripts the
 * server's answers (503 then 200, a reset connection, 400…) and checks what arrived, how many
 * requests were made and which backoff delays were asked of the injected sleep. No clock is
 * read and nothing waits for real except the one request-timeout case (a 100 ms abort).
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import { getEventListeners } from "node:events";
import type { AddressInfo } from "node:net";
import { Ajv } from "ajv";
import { afterEach, describe, expect, it } from "vitest";
import { DigitCollector } from "../src/collector.js";
import { DtmfInputError, DtmfOptionError } from "../src/errors.js";
import { buildDigitsCollectedPayload, digitsCollectedPayloadSchema } from "../src/payloads/index.js";
import { WebhookFailedError, WebhookRejectedError, WebhookSink } from "../src/webhook.js";

/** What the scripted server does with one request. */
type Answer = number | "reset" | "hang";

interface Received { method: string; url: string; headers: IncomingMessage["headers"]; body: string }

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

/** Starts a server answering requests with `answers` in turn (the last one repeats). */
async function scriptedServer(answers: Answer[]): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => { body += chunk; });
    req.on("end", () => {
      received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      const answer = answers[Math.min(received.length, answers.length) - 1];
      if (answer === "reset") { req.socket.destroy(); return; }
      if (answer === "hang") return;
      res.statusCode = answer;
      res.end(answer === 204 ? undefined : `status ${answer}`);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/dtmf`, received };
}

/** A sleep that records the delays asked of it and returns at once. */
function recordingSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return { delays, sleep: async (ms) => { delays.push(ms); } };
}

const payload = buildDigitsCollectedPayload({ digits: "1234", terminator: "#", status: "success" }, { sessionUuid: "s-1", commandUid: "c-1" });

describe("delivery", () => {
  it("503, 503, then 200: delivered on the 3rd request after backoff delays of 100 and 200 ms", async () => {
    const server = await scriptedServer([503, 503, 200]);
    const { sleep, delays } = recordingSleep();
    const delivery = await new WebhookSink({ url: server.url, baseDelayMs: 100, sleep }).send(payload);
    expect(delivery).toEqual({ url: server.url, status: 200, attempts: 3 });
    expect(delays).toEqual([100, 200]);
    expect(server.received).toHaveLength(3);
    for (const r of server.received) {
      expect(r).toMatchObject({ method: "POST", url: "/hooks/dtmf" });
      expect(r.headers["content-type"]).toBe("application/json");
      expect(JSON.parse(r.body)).toEqual(payload);
    }
    expect(new Ajv().validate(digitsCollectedPayloadSchema, JSON.parse(server.received[2].body))).toBe(true);
  });

  it("204 is done at once", async () => {
    const server = await scriptedServer([204]);
    const { sleep, delays } = recordingSleep();
    expect(await new WebhookSink({ url: server.url, sleep }).send(payload)).toMatchObject({ status: 204, attempts: 1 });
    expect(delays).toEqual([]);
  });

  it("a payload from a real collection arrives as the exact JSON", async () => {
    const server = await scriptedServer([200]);
    const result = new DigitCollector({ minDigits: 1, maxDigits: 4 }).end(6000 * 8);
    const sent = buildDigitsCollectedPayload(result, { sessionUuid: "s-2", commandUid: "c-2" });
    await new WebhookSink({ url: server.url }).send(sent);
    expect(server.received[0].body).toBe(JSON.stringify(sent));
    expect(JSON.parse(server.received[0].body)).toMatchObject({ status: "timeout", digits: "" });
  });

  it("extra headers are sent", async () => {
    const server = await scriptedServer([200]);
    await new WebhookSink({ url: server.url, headers: { authorization: "Bearer t0k3n" } }).send(payload);
    expect(server.received[0].headers.authorization).toBe("Bearer t0k3n");
  });
});

describe("failures are reported, never dropped", () => {
  it("400: WebhookRejectedError naming status and URL, no retry", async () => {
    const server = await scriptedServer([400, 200]);
    const { sleep, delays } = recordingSleep();
    const error = await new WebhookSink({ url: server.url, sleep }).send(payload).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebhookRejectedError);
    expect(error).toMatchObject({ status: 400, url: server.url, attempts: 1, code: "ERR_DTMF_WEBHOOK_REJECTED" });
    expect((error as Error).message).toBe(`webhook ${server.url} refused the payload with HTTP 400 (attempt 1; not retried)`);
    expect(server.received).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it("a 4xx after 5xx retries is still final", async () => {
    const server = await scriptedServer([502, 404]);
    const error = await new WebhookSink({ url: server.url, sleep: recordingSleep().sleep }).send(payload).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 404, attempts: 2 });
    expect(server.received).toHaveLength(2);
  });

  it("500 every time: WebhookFailedError after maxAttempts, delays doubling up to maxDelayMs", async () => {
    const server = await scriptedServer([500]);
    const { sleep, delays } = recordingSleep();
    const error = await new WebhookSink({ url: server.url, maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 250, sleep }).send(payload).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebhookFailedError);
    expect(error).toMatchObject({ attempts: 5, lastStatus: 500, url: server.url, code: "ERR_DTMF_WEBHOOK_FAILED" });
    expect((error as Error).message).toBe(`webhook ${server.url}: not delivered after 5 attempts (last: HTTP 500)`);
    expect(delays).toEqual([100, 200, 250, 250]);
    expect(server.received).toHaveLength(5);
  });

  it("a reset connection (network error) is retried", async () => {
    const server = await scriptedServer(["reset", 200]);
    const { sleep, delays } = recordingSleep();
    expect(await new WebhookSink({ url: server.url, baseDelayMs: 10, sleep }).send(payload)).toMatchObject({ status: 200, attempts: 2 });
    expect(delays).toEqual([10]);
  });

  it("a refused connection every time: WebhookFailedError with no status and the cause", async () => {
    const server = await scriptedServer([200]);
    const closed = servers.pop()!;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { sleep, delays } = recordingSleep();
    const error = await new WebhookSink({ url: server.url, maxAttempts: 3, baseDelayMs: 1, sleep }).send(payload).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebhookFailedError);
    expect(error).toMatchObject({ attempts: 3, lastStatus: undefined });
    expect((error as Error).cause).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/^webhook .*: not delivered after 3 attempts \(last: network error: /);
    expect(delays).toEqual([1, 2]);
  });

  it("a server that never answers is aborted after timeoutMs and counts as a network error", async () => {
    const server = await scriptedServer(["hang", 200]);
    const delivery = await new WebhookSink({ url: server.url, timeoutMs: 100, sleep: recordingSleep().sleep }).send(payload);
    expect(delivery).toMatchObject({ status: 200, attempts: 2 });
  });

  it("each request's signal: a TimeoutError on the hung one only, and none left listening on the sink's closing signal", async () => {
    const server = await scriptedServer(["reset", 503, "hang", 200]);
    const signals: AbortSignal[] = [];
    const sink = new WebhookSink({
      url: server.url, timeoutMs: 100, maxAttempts: 4, sleep: recordingSleep().sleep,
      fetch: (url, init) => { signals.push(init!.signal!); return fetch(url, init); },
    });
    expect(await sink.send(payload)).toMatchObject({ status: 200, attempts: 4 });
    expect(signals.map((s) => s.aborted)).toEqual([false, false, true, false]);
    expect((signals[2].reason as Error).name).toBe("TimeoutError");
    const closing = (sink as unknown as { closing: AbortController }).closing.signal;
    expect(getEventListeners(closing, "abort")).toHaveLength(0);
  });

  it("a payload that is not JSON is refused before any request", async () => {
    const server = await scriptedServer([200]);
    const sink = new WebhookSink({ url: server.url });
    await expect(sink.send({ big: 1n })).rejects.toThrow(DtmfInputError);
    await expect(sink.send(undefined)).rejects.toThrow(DtmfInputError);
    expect(server.received).toHaveLength(0);
  });
});

describe("options", () => {
  const url = "http://127.0.0.1:9/x";
  it("url must be an absolute http(s) URL", () => {
    for (const bad of ["", "/relative", "ftp://host/x", 42]) {
      expect(() => new WebhookSink({ url: bad as string }), String(bad)).toThrow(/url must be an absolute http\(s\) URL/);
    }
    expect(new WebhookSink({ url: new URL("https://example.test/h") }).url).toBe("https://example.test/h");
  });

  const ranges: [string, number, number, boolean][] = [
    ["maxAttempts", 1, 20, true],
    ["baseDelayMs", 0, 60_000, false],
    ["timeoutMs", 100, 120_000, false],
  ];
  for (const [name, min, max, integer] of ranges) {
    it(`${name}: ${min} and ${max} accepted; outside, NaN and ±Infinity refused`, () => {
      for (const ok of [min, max]) expect(new WebhookSink({ url, [name]: ok })[name as "maxAttempts"]).toBe(ok);
      for (const bad of [min - 1, max + 1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, ...(integer ? [min + 0.5] : [])]) {
        expect(() => new WebhookSink({ url, [name]: bad }), `${name} ${bad}`).toThrow(new RegExp(`^${name} must be an? \\w+ from ${min} to ${max}; received`));
      }
    });
  }

  it("maxDelayMs from baseDelayMs to 600000", () => {
    expect(() => new WebhookSink({ url, baseDelayMs: 500, maxDelayMs: 499 })).toThrow("maxDelayMs must be a number from 500 to 600000; received 499");
    expect(new WebhookSink({ url, baseDelayMs: 500, maxDelayMs: 600_000 }).maxDelayMs).toBe(600_000);
    expect(new WebhookSink({ url, baseDelayMs: 60_000 }).maxDelayMs).toBe(60_000);
  });

  it("unknown options, bad headers and non-function sleep/fetch are refused", () => {
    expect(() => new WebhookSink({ url, retries: 3 } as never)).toThrow(DtmfOptionError);
    expect(() => new WebhookSink({ url, headers: { a: 1 } as never })).toThrow("headers must be an object of string header values");
    expect(() => new WebhookSink({ url, sleep: 5 as never })).toThrow("sleep must be a function");
    expect(() => new WebhookSink({ url, fetch: "x" as never })).toThrow("fetch must be a function");
  });
});
