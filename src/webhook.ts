/**
 * A webhook sink: POSTs each payload as JSON to a URL (global fetch), the way voice platforms
 * deliver their events. Any 2xx (200, 204…) means delivered. 5xx answers and network errors
 * (refused connection, reset, request timeout) are retried with exponential backoff:
 * baseDelayMs, 2×, 4×… capped at maxDelayMs, no jitter, so delays are predictable and
 * testable with an injected sleep. A 4xx (or any other non-2xx, non-5xx answer) is final.
 * No payload is dropped silently: send() resolves only once delivered and otherwise rejects
 * with a WebhookRejectedError or WebhookFailedError naming the URL and the last status.
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
}

/** A delivered payload. */
export interface WebhookDelivery {
  url: string;
  /** The 2xx status that accepted it. */
  status: number;
  /** Requests it took. */
  attempts: number;
}

/** The receiver refused the payload (4xx, or another answer that retrying cannot fix). */
export class WebhookRejectedError extends DtmfError {
  constructor(readonly url: string, readonly status: number, readonly attempts: number) {
    super("ERR_DTMF_WEBHOOK_REJECTED", `webhook ${url} refused the payload with HTTP ${status} (attempt ${attempts}; not retried)`);
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

const KNOWN = new Set(["url", "maxAttempts", "baseDelayMs", "maxDelayMs", "timeoutMs", "headers", "sleep", "fetch"]);
const DEFAULTS = { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000, timeoutMs: 10_000 };
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
    for (const name of ["sleep", "fetch"] as const) {
      if (options[name] !== undefined && typeof options[name] !== "function") throw new DtmfOptionError(name, "a function", options[name]);
    }
    this.sleep = options.sleep ?? timerSleep;
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /** Wait before retry `retry` (1-based), ms: baseDelayMs × 2^(retry−1), at most maxDelayMs. */
  delayBeforeRetry(retry: number): number {
    return Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (retry - 1));
  }

  /** POSTs `payload` as JSON until a 2xx; rejects with a typed error otherwise. */
  async send(payload: unknown): Promise<WebhookDelivery> {
    let body: string | undefined;
    try { body = JSON.stringify(payload); } catch (error) {
      throw new DtmfInputError(`a webhook payload must be serialisable as JSON (${(error as Error).message})`);
    }
    if (body === undefined) throw new DtmfInputError(`a webhook payload must be serialisable as JSON; received ${typeof payload}`);
    let lastStatus: number | undefined;
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      if (attempt > 1) await this.sleep(this.delayBeforeRetry(attempt - 1));
      let response: Response;
      try {
        response = await this.fetch(this.url, {
          method: "POST", headers: this.headers, body, signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (error) {
        lastStatus = undefined;
        lastError = error;
        continue;
      }
      // Read the body to the end so the connection can be reused.
      await response.arrayBuffer().catch(() => undefined);
      const status = response.status;
      if (status >= HTTP_OK_MIN && status <= HTTP_OK_MAX) return { url: this.url, status, attempts: attempt };
      if (status < HTTP_SERVER_ERROR_MIN || status > HTTP_SERVER_ERROR_MAX) throw new WebhookRejectedError(this.url, status, attempt);
      lastStatus = status;
      lastError = undefined;
    }
    throw new WebhookFailedError(this.url, this.maxAttempts, lastStatus, lastError);
  }
}
