/**
 * Webhook delivery from the durable outbox (`outboxDir`): each payload is journaled first, then
 * POSTed, one at a time per call (in order), at most `concurrency` POSTs in flight across calls.
 *
 * | answer                         | what happens                                                       |
 * |--------------------------------|--------------------------------------------------------------------|
 * | 2xx                            | delivered; acknowledged in the journal                             |
 * | 429, 503                       | retried after `Retry-After` (seconds or an HTTP date; capped at maxDelayMs), else backoff |
 * | 408, other 5xx, network error, timeout | retried with exponential backoff and full jitter: a random wait in [d/2, d], d = min(maxDelayMs, 250 ms × 2^attempt); never given up (the outbox is durable) |
 * | other 4xx, 3xx                 | dead-lettered with the reason ("HTTP 400 …"); the call's next payload goes on |
 *
 * Every request carries `Idempotency-Key` (the same on every attempt and after a replay),
 * `X-Dtmf-Call-Id`, and with `secret` `X-Dtmf-Signature: t=<unix s>,v1=<hex HMAC-SHA256 of
 * "<t>.<body>">` (see webhookSignature / verifyWebhookSignature).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { DeliveryRecord, PayloadSink } from "./sinks.js";
import { Outbox, type OutboxRecord } from "./outbox.js";

/** First retry wait, ms (doubles per attempt up to maxDelayMs). */
export const RETRY_BASE_MS = 250;
/** The outbox warns when it is this full (and again after it fell below the re-arm level). */
export const OUTBOX_WARN_FRACTION = 0.8;
const OUTBOX_REARM_FRACTION = 0.7;
const HTTP_TOO_MANY = 429, HTTP_UNAVAILABLE = 503, HTTP_TIMEOUT = 408;

/** The X-Dtmf-Signature value for `body` at `unixSeconds`. */
export function webhookSignature(secret: string, body: string, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${createHmac("sha256", secret).update(`${unixSeconds}.${body}`, "utf8").digest("hex")}`;
}

/**
 * What a webhook receiver runs: true when `header` signs `body` with `secret` and its
 * timestamp is within `toleranceS` of `nowMs` (replay protection).
 */
export function verifyWebhookSignature(secret: string, body: string, header: string | undefined, nowMs = Date.now(), toleranceS = 300): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? "");
  if (!m) return false;
  const t = Number(m[1]);
  if (Math.abs(nowMs / 1000 - t) > toleranceS) return false;
  const expected = Buffer.from(webhookSignature(secret, body, t).slice(m[1].length + 6), "hex");
  const given = Buffer.from(m[2], "hex");
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** Retry-After in ms (delta seconds or an HTTP date), or undefined. */
export function retryAfterMs(value: string | null, nowMs: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - nowMs) : undefined;
}

export interface OutboxSinkOptions {
  url: string;
  dir?: string;
  concurrency: number;
  maxRecords: number;
  maxDelayMs: number;
  timeoutMs?: number;
  secret?: string;
  headers?: Record<string, string>;
  fetch?: typeof fetch;
  random?: () => number;
  /** The wall clock for the signature's timestamp (default Date.now). */
  clock?: () => number;
  onDelivered(record: OutboxRecord, latencyMs: number): void;
  onFailed(record: OutboxRecord, reason: string): void;
  warn(message: string): void;
}

interface CallQueue { records: OutboxRecord[]; busy: boolean; attempts: number; timer?: NodeJS.Timeout }

export class OutboxWebhookSink implements PayloadSink {
  readonly name = "webhook";
  readonly outbox: Outbox;
  private readonly queues = new Map<string, CallQueue>();
  private readonly ready: string[] = [];
  private running = 0;
  private warned = false;
  private idle: (() => void)[] = [];
  delivered = 0;
  failed = 0;
  retries = 0;

  constructor(private readonly o: OutboxSinkOptions) {
    const { outbox, replay } = Outbox.open(o.dir);
    this.outbox = outbox;
    if (replay.length > 0) o.warn(`outbox: replaying ${replay.length} undelivered payloads from ${o.dir}`);
    for (const record of replay) this.enqueue(record);
  }

  get depth(): number { return this.outbox.depth; }

  deliver(record: DeliveryRecord): void {
    if (this.outbox.depth >= this.o.maxRecords) {
      this.failed++;
      const dead: OutboxRecord = { seq: 0, key: "", callId: record.callId, at: record.producedAt, payload: record.payload };
      this.outbox.deadLetter(dead, `outbox full (${this.o.maxRecords} undelivered payloads)`);
      this.o.onFailed(dead, "outbox full");
      return;
    }
    this.outbox.append(record.callId, record.payload, (stored, error) => {
      // The disk refused (full, gone): the payload is still sent, from memory, and the log says it is not durable.
      if (error) this.o.warn(`outbox: a payload of call ${record.callId} could not be journaled (${error.message}); sending it without durability`);
      this.enqueue(stored);
    });
    const full = this.outbox.depth / this.o.maxRecords;
    if (!this.warned && full >= OUTBOX_WARN_FRACTION) {
      this.warned = true;
      this.o.warn(`outbox: ${this.outbox.depth} undelivered payloads, ${Math.round(full * 100)} % of outboxMaxRecords (${this.o.maxRecords}); beyond it payloads are dead-lettered`);
    }
  }

  private enqueue(record: OutboxRecord): void {
    let q = this.queues.get(record.callId);
    if (!q) { q = { records: [], busy: false, attempts: 0 }; this.queues.set(record.callId, q); }
    q.records.push(record);
    if (!q.busy && q.records.length === 1 && !q.timer) this.ready.push(record.callId);
    this.pump();
  }

  private pump(): void {
    while (this.running < this.o.concurrency && this.ready.length > 0) {
      const callId = this.ready.shift()!;
      const q = this.queues.get(callId);
      if (!q || q.busy || q.records.length === 0) continue;
      q.busy = true;
      this.running++;
      void this.attempt(callId, q, q.records[0]);
    }
  }

  private async attempt(callId: string, q: CallQueue, record: OutboxRecord): Promise<void> {
    let retryIn: number | undefined;
    let deadReason: string | undefined;
    try {
      const body = JSON.stringify(record.payload);
      const headers: Record<string, string> = { ...(this.o.headers ?? {}), "content-type": "application/json", "idempotency-key": record.key, "x-dtmf-call-id": encodeURIComponent(callId) };
      if (this.o.secret) headers["x-dtmf-signature"] = webhookSignature(this.o.secret, body, Math.floor((this.o.clock ?? Date.now)() / 1000));
      const response = await (this.o.fetch ?? fetch)(this.o.url, { method: "POST", headers, body, redirect: "manual", signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000) });
      await response.arrayBuffer().catch(() => undefined);
      const status = response.status;
      if (status >= 200 && status <= 299) { /* delivered */ }
      else if (status === HTTP_TOO_MANY || status === HTTP_UNAVAILABLE) retryIn = Math.min(this.o.maxDelayMs, retryAfterMs(response.headers.get("retry-after"), Date.now()) ?? this.backoff(q.attempts));
      else if (status === HTTP_TIMEOUT || status >= 500) retryIn = this.backoff(q.attempts);
      else deadReason = `HTTP ${status} ${response.statusText}`.trim();
    } catch {
      retryIn = this.backoff(q.attempts);
    }
    this.running--;
    q.busy = false;
    if (retryIn !== undefined) {
      q.attempts++;
      this.retries++;
      q.timer = setTimeout(() => { q.timer = undefined; this.ready.push(callId); this.pump(); }, retryIn);
    } else {
      q.records.shift();
      q.attempts = 0;
      if (deadReason) { this.outbox.deadLetter(record, deadReason); this.failed++; this.o.onFailed(record, deadReason); }
      else { this.delivered++; this.o.onDelivered(record, Date.now() - record.at); }
      this.outbox.ack(record.seq);
      if (this.warned && this.outbox.depth < this.o.maxRecords * OUTBOX_REARM_FRACTION) this.warned = false;
      if (q.records.length > 0) this.ready.push(callId); else this.queues.delete(callId);
    }
    this.pump();
    if (this.outbox.depth === 0) { const waiting = this.idle; this.idle = []; for (const w of waiting) w(); }
  }

  /** Full jitter in [d/2, d], d = min(maxDelayMs, RETRY_BASE_MS × 2^attempt). */
  private backoff(attempt: number): number {
    const d = Math.min(this.o.maxDelayMs, RETRY_BASE_MS * 2 ** Math.min(attempt, 30));
    return d / 2 + (this.o.random ?? Math.random)() * (d / 2);
  }

  /** Resolves when the outbox is empty. */
  drain(): Promise<void> {
    if (this.outbox.depth === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Stops retrying (timers) and closes the journal; what is undelivered stays on disk. */
  async close(): Promise<void> {
    for (const q of this.queues.values()) if (q.timer) clearTimeout(q.timer);
    await this.outbox.close();
  }
}
