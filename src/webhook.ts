/**
 * A webhook sink: POSTs each payload as JSON to a URL (global fetch), the way voice platforms
 * deliver their events. Any 2xx (200, 204…) means delivered. 5xx answers and network errors
 * (refused connection, reset, request timeout) are retried with exponential backoff:
 * baseDelayMs, 2×, 4×… capped at maxDelayMs, no jitter, so delays are predictable and
 * testable with an injected sleep. A 4xx (or any other non-2xx, non-5xx answer) is final.
 *
 * What the sink guarantees (issue 19):
 *
 * | situation                                  | what happens                                                   |
 * |--------------------------------------------|----------------------------------------------------------------|
 * | 301 / 302 / 303                            | not followed (fetch would turn the POST into a body-less GET): |
 * |                                            | WebhookRejectedError naming the Location; never "delivered"    |
 * | 307 / 308                                  | the same POST (same body and key) to the Location, at most     |
 * |                                            | MAX_REDIRECTS hops, http(s) only                               |
 * | a 2xx body                                 | read up to MAX_RESPONSE_BYTES, the rest discarded unread       |
 * | a retry (5xx, reset, timeout)              | the same `Idempotency-Key` header (SHA-256 of the body), so a  |
 * |                                            | receiver that got the first POST can drop the copy             |
 * | a payload given up                         | send() rejects with a typed error AND `onUndelivered` is called |
 * |                                            | (counted in `stats.undelivered`): no payload is dropped unseen |
 * | close()                                    | no new sends; in-flight ones get `closeGraceMs`, then are       |
 * |                                            | aborted (rejected, reported undelivered): close() is bounded    |
 */
import { DtmfError, DtmfInputError, DtmfOptionError } from "./errors.js";
import { checkNumber, rejectUnknown } from "./options.js";

export interface WebhookOptions {
  /** Where to POST: an absolute http(s) URL. */
  url: string | URL;
  /** Requests per payload, first one included, an integer from 1 to 20. Default 5. */
  maxAttempts?: number;
  /** Wait before the first retry, ms, 0 to 60000. Default 500; doubles on each retry. */
  baseDelayMs?: number;
  /** Longest wait between retries, ms, 0 to 600000 (≥ baseDelayMs). Default 30000. */
  maxDelayMs?: number;
  /** Time a request may take before it is aborted (and retried), ms, 100 to 120000. Default 10000. */
  timeoutMs?: number;
  /** Extra request headers (authorization, signatures…). */
  headers?: Record<string, string>;
  /** How to wait between retries (injectable for tests). Default: a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** The fetch to use. Default: the global fetch. */
  fetch?: typeof fetch;
  /**
   * Called once for every payload the sink gives up on (rejected, every attempt failed, or cut
   * by close()), with the typed error send() rejects with. Use it to store the payload for a
   * later replay; an exception it throws is ignored.
   */
  onUndelivered?: (error: WebhookRejectedError | WebhookFailedError, payload: unknown) => void;
  /** How long close() lets requests in flight finish before aborting them, ms, 0 to 60000. Default 2000. */
  closeGraceMs?: number;
}

/** Counts of what the sink did. */
export interface WebhookStats {
  delivered: number;
  /** Payloads given up (each also reported to onUndelivered and as a rejected send()). */
  undelivered: number;
  /** send() calls not settled yet. */
  inFlight: number;
}

/** A delivered payload. */
export interface WebhookDelivery {
  url: string;
  /** The 2xx status that accepted it. */
  status: number;
  /** Requests it took. */
  attempts: number;
}

/** The receiver refused the payload (4xx, a redirect, or another answer that retrying cannot fix). */
export class WebhookRejectedError extends DtmfError {
  constructor(readonly url: string, readonly status: number, readonly attempts: number, why = `refused the payload with HTTP ${status}`) {
    super("ERR_DTMF_WEBHOOK_REJECTED", `webhook ${url} ${why} (attempt ${attempts}; not retried)`);
  }
}

/** send() after close(). */
export class WebhookClosedError extends DtmfError {
  constructor(readonly url: string) {
    super("ERR_DTMF_WEBHOOK_CLOSED", `webhook ${url}: the sink is closed`);
  }
}

/** Every attempt failed with a 5xx or a network error. */
export class WebhookFailedError extends DtmfError {
  constructor(
    readonly url: string,
    readonly attempts: number,
    /** The last HTTP status, or undefined if the last attempt got no answer (see cause). */
    readonly lastStatus: number | undefined,
    cause?: unknown,
  ) {
    const last = lastStatus !== undefined ? `HTTP ${lastStatus}` : `network error: ${cause instanceof Error ? cause.message : String(cause)}`;
    super("ERR_DTMF_WEBHOOK_FAILED", `webhook ${url}: not delivered after ${attempts} attempt${attempts === 1 ? "" : "s"} (last: ${last})`, { cause });
  }
}

const KNOWN = new Set(["url", "maxAttempts", "baseDelayMs", "maxDelayMs", "timeoutMs", "headers", "sleep", "fetch", "onUndelivered", "closeGraceMs"]);
const DEFAULTS = { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000, timeoutMs: 10_000, closeGraceMs: 2000 };
const MAX_CLOSE_GRACE_MS = 60_000;
/** 307/308 hops followed per request at most (fetch's own limit is 20). */
export const MAX_REDIRECTS = 5;
/** Bytes of a 2xx answer's body read at most (the body is not used; reading lets the connection be reused). */
export const MAX_RESPONSE_BYTES = 64 * 1024;
/** The request header carrying the payload's key, the same on every retry (IETF httpapi idempotency-key draft). */
export const IDEMPOTENCY_HEADER = "idempotency-key";
const HTTP_REDIRECT_MIN = 300, HTTP_REDIRECT_MAX = 399, HTTP_REPOST = new Set([307, 308]);
const ATTEMPTS_RANGE = { min: 1, max: 20 };
const MAX_BASE_DELAY_MS = 60_000;
const MAX_DELAY_MS = 600_000;
const TIMEOUT_RANGE_MS = { min: 100, max: 120_000 };
const HTTP_OK_MIN = 200, HTTP_OK_MAX = 299, HTTP_SERVER_ERROR_MIN = 500, HTTP_SERVER_ERROR_MAX = 599;

const timerSleep = (ms: number) => new Promise<void>((resolve) => { setTimeout(resolve, ms); });

export class WebhookSink {
  readonly url: string;
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly timeoutMs: number;
  private readonly headers: Record<string, string>;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly fetch: typeof fetch;
  readonly closeGraceMs: number;
  private readonly onUndelivered?: WebhookOptions["onUndelivered"];
  /** Aborted by close() once the grace period is over: cuts requests and retry waits. */
  private readonly closing = new AbortController();
  private closed = false;
  private readonly running = new Set<Promise<unknown>>();
  private readonly counts = { delivered: 0, undelivered: 0 };

  constructor(options: WebhookOptions) {
    if (options === null || typeof options !== "object") throw new DtmfOptionError("options", "an object", options);
    rejectUnknown(options, KNOWN, "webhook");
    let url: URL | undefined;
    try { url = new URL(String(options.url)); } catch { url = undefined; }
    if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || (typeof options.url !== "string" && !(options.url instanceof URL))) {
      throw new DtmfOptionError("url", "an absolute http(s) URL", options.url);
    }
    this.url = url.href;
    this.maxAttempts = checkNumber("maxAttempts", options.maxAttempts ?? DEFAULTS.maxAttempts, ATTEMPTS_RANGE.min, ATTEMPTS_RANGE.max, true);
    this.baseDelayMs = checkNumber("baseDelayMs", options.baseDelayMs ?? DEFAULTS.baseDelayMs, 0, MAX_BASE_DELAY_MS);
    this.maxDelayMs = checkNumber("maxDelayMs", options.maxDelayMs ?? Math.max(DEFAULTS.maxDelayMs, this.baseDelayMs), this.baseDelayMs, MAX_DELAY_MS);
    this.timeoutMs = checkNumber("timeoutMs", options.timeoutMs ?? DEFAULTS.timeoutMs, TIMEOUT_RANGE_MS.min, TIMEOUT_RANGE_MS.max);
    const headers = options.headers ?? {};
    if (headers === null || typeof headers !== "object" || Object.values(headers).some((v) => typeof v !== "string")) {
      throw new DtmfOptionError("headers", "an object of string header values", headers);
    }
    this.headers = { "content-type": "application/json", ...headers };
    this.closeGraceMs = checkNumber("closeGraceMs", options.closeGraceMs ?? DEFAULTS.closeGraceMs, 0, MAX_CLOSE_GRACE_MS);
    for (const name of ["sleep", "fetch", "onUndelivered"] as const) {
      if (options[name] !== undefined && typeof options[name] !== "function") throw new DtmfOptionError(name, "a function", options[name]);
    }
    this.sleep = options.sleep ?? timerSleep;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.onUndelivered = options.onUndelivered;
  }

  get stats(): WebhookStats { return { ...this.counts, inFlight: this.running.size }; }

  /** Wait before retry `retry` (1-based), ms: baseDelayMs × 2^(retry−1), at most maxDelayMs. */
  delayBeforeRetry(retry: number): number {
    return Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (retry - 1));
  }

  /**
   * POSTs `payload` as JSON until a 2xx; rejects with a typed error otherwise (and reports the
   * payload to onUndelivered). Throws WebhookClosedError after close().
   */
  async send(payload: unknown): Promise<WebhookDelivery> {
    if (this.closed) throw new WebhookClosedError(this.url);
    let body: string | undefined;
    try { body = JSON.stringify(payload); } catch (error) {
      throw new DtmfInputError(`a webhook payload must be serialisable as JSON (${(error as Error).message})`);
    }
    if (body === undefined) throw new DtmfInputError(`a webhook payload must be serialisable as JSON; received ${typeof payload}`);
    const task = this.deliver(body);
    this.running.add(task);
    try {
      const delivery = await task;
      this.counts.delivered++;
      return delivery;
    } catch (error) {
      if (error instanceof WebhookRejectedError || error instanceof WebhookFailedError) {
        this.counts.undelivered++;
        try { this.onUndelivered?.(error, payload); } catch { /* the caller's handler: nothing to do here */ }
      }
      throw error;
    } finally {
      this.running.delete(task);
    }
  }

  /**
   * Stops the sink: send() refuses new payloads at once; requests in flight get closeGraceMs
   * to finish, then are aborted (their send() rejects with WebhookFailedError, reported to
   * onUndelivered). Resolves once every send() has settled: at most closeGraceMs plus the
   * time an abort takes, never the minutes a silent receiver could hold a request.
   */
  async close(): Promise<void> {
    this.closed = true;
    const settled = Promise.allSettled([...this.running]);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<void>((resolve) => { timer = setTimeout(resolve, this.closeGraceMs); });
    await Promise.race([settled, grace]);
    clearTimeout(timer);
    this.closing.abort(new Error("the webhook sink was closed"));
    await settled;
  }

  private async deliver(body: string): Promise<WebhookDelivery> {
    const headers = { ...this.headers, [IDEMPOTENCY_HEADER]: await idempotencyKey(body) };
    let lastStatus: number | undefined;
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      if (attempt > 1) await this.wait(this.delayBeforeRetry(attempt - 1));
      if (this.closing.signal.aborted) {
        lastStatus = undefined;
        lastError = this.closing.signal.reason;
        break;
      }
      let response: Response;
      let url = this.url;
      // One signal per request (each hop's), in force until its body is read.
      let request: RequestSignal | undefined;
      try {
        for (let hop = 0; ; hop++) {
          request?.done();
          request = requestSignal(this.timeoutMs, this.closing.signal);
          response = await this.fetch(url, { method: "POST", headers, body, redirect: "manual", signal: request.signal });
          const status = response.status;
          if (status < HTTP_REDIRECT_MIN || status > HTTP_REDIRECT_MAX) break;
          await discard(response);
          const location = response.headers.get("location");
          const next = location ? safeUrl(location, url) : undefined;
          if (!HTTP_REPOST.has(status) || !next || hop >= MAX_REDIRECTS) {
            const why = !HTTP_REPOST.has(status)
              ? `answered HTTP ${status}, a redirect${location ? ` to ${location}` : ""}: not followed (it would re-send the POST as a GET without the payload)`
              : !next ? `answered HTTP ${status}, a redirect without a usable http(s) Location` : `answered HTTP ${status}: redirected more than ${MAX_REDIRECTS} times`;
            throw new WebhookRejectedError(this.url, status, attempt, why);
          }
          url = next;
        }
      } catch (error) {
        request?.done();
        if (error instanceof WebhookRejectedError) throw error;
        lastStatus = undefined;
        lastError = error;
        continue;
      }
      const status = response.status;
      // Read (a bounded part of) the body so the connection can be reused.
      try { await discard(response); } finally { request.done(); }
      if (status >= HTTP_OK_MIN && status <= HTTP_OK_MAX) return { url: this.url, status, attempts: attempt };
      if (status < HTTP_SERVER_ERROR_MIN || status > HTTP_SERVER_ERROR_MAX) throw new WebhookRejectedError(this.url, status, attempt);
      lastStatus = status;
      lastError = undefined;
    }
    throw new WebhookFailedError(this.url, this.maxAttempts, lastStatus, lastError);
  }

  /** The retry wait, cut short by close(). */
  private async wait(ms: number): Promise<void> {
    const signal = this.closing.signal;
    if (signal.aborted) return;
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<void>((resolve) => { onAbort = resolve; signal.addEventListener("abort", onAbort, { once: true }); });
    try {
      await Promise.race([this.sleep(ms), aborted]);
    } finally {
      signal.removeEventListener("abort", onAbort!);
    }
  }
}

interface RequestSignal { readonly signal: AbortSignal; done(): void }

/**
 * A request's signal: aborted after `timeoutMs` with a TimeoutError (as AbortSignal.timeout's),
 * or with the sink's closing reason when it closes; done() clears its timer and its listener.
 * What AbortSignal.any([AbortSignal.timeout(ms), closing]) did, without its cost: on Node 20 it
 * took 19.7 µs a request against 4.5 µs here (`node bench/abort-signal.mjs`), and left a
 * WeakRef per request on the closing signal and a timer running for the whole timeout
 * (AbortSignal.any and its signals were ~3 % of a Twilio --flat-out server profile's self time).
 */
function requestSignal(timeoutMs: number, closing: AbortSignal): RequestSignal {
  const controller = new AbortController();
  if (closing.aborted) { controller.abort(closing.reason); return { signal: controller.signal, done() {} }; }
  const onClose = () => controller.abort(closing.reason);
  const timer = setTimeout(() => controller.abort(new DOMException("The operation was aborted due to timeout", "TimeoutError")), timeoutMs);
  // As AbortSignal.timeout's, the timer does not keep the process alive.
  (timer as { unref?: () => void }).unref?.();
  closing.addEventListener("abort", onClose, { once: true });
  return { signal: controller.signal, done() { clearTimeout(timer); closing.removeEventListener("abort", onClose); } };
}

/**
 * Node's synchronous hash, where the runtime has it (process.getBuiltinModule: Node >= 20.16;
 * not in a browser): Web Crypto's digest costs a promise, a copy and a buffer transfer per
 * payload, which a bench/serve-load.mjs --flat-out profile showed at 8 % of the server's sampled time
 * (bench/profile-share.mjs; docs/serve.md, Load).
 */
const nodeHash = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.("node:crypto") as
  | { createHash(algorithm: "sha256"): { update(data: string, encoding: "utf8"): { digest(encoding: "hex"): string } } }
  | undefined;

/** The payload's key: SHA-256 of the exact body (its UTF-8 bytes), hex (the same on every retry of it). */
async function idempotencyKey(body: string): Promise<string> {
  if (nodeHash) return nodeHash.createHash("sha256").update(body, "utf8").digest("hex");
  const digest = await globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode(body));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Reads at most MAX_RESPONSE_BYTES of a body, then drops the rest. */
async function discard(response: Response): Promise<void> {
  const reader = response.body?.getReader();
  if (!reader) return;
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      total += value.byteLength;
      if (total > MAX_RESPONSE_BYTES) {
        await reader.cancel();
        return;
      }
    }
  } catch {
    // A body cut off after the status arrived changes nothing about the status.
  }
}

/** An absolute http(s) URL from a Location header, or undefined. */
function safeUrl(location: string, base: string): string | undefined {
  try {
    const url = new URL(location, base);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : undefined;
  } catch {
    return undefined;
  }
}
