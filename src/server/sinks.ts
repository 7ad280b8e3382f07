/**
 * Where payloads go. Every sink takes the same delivery record; the server hands each record
 * to every configured sink in the call's causal order.
 *
 * | sink     | what it sends                                   | order and limits                             |
 * |----------|-------------------------------------------------|----------------------------------------------|
 * | webhook  | the payload, POSTed as JSON (WebhookSink)       | per call one POST at a time, in order; at most `concurrency` in flight across calls |
 * | stdout   | the payload, one JSON line (NDJSON)             | in order                                     |
 * | socket   | {event:"dtmf-wasm", kind, payload} on the platform's own socket, where its protocol accepts messages | in order; a socket whose client does not read is closed at maxBufferedBytes |
 * | API      | the record, as a "payload" event and from `payloads()` (an async iterator) | in order; the iterator's queue is bounded |
 */
import type { Writable } from "node:stream";
import type { WebhookSink } from "../webhook.js";
import type { PayloadKind } from "./payload-formats.js";

/** One payload on its way out. */
export interface DeliveryRecord {
  callId: string;
  protocol: string;
  /** The party who pressed (stereo streams), if known. */
  party?: string;
  kind: PayloadKind;
  payload: Record<string, unknown>;
  /** Wall-clock time the server produced it, ms since 1970. */
  producedAt: number;
}

export interface PayloadSink {
  readonly name: string;
  deliver(record: DeliveryRecord): void;
  /** Resolves when everything handed over so far has been sent (or has failed). */
  drain(): Promise<void>;
}

/** POSTs every payload to a webhook, in order per call, with a cap on POSTs in flight. */
export class WebhookPayloadSink implements PayloadSink {
  readonly name = "webhook";
  private readonly chains = new Map<string, Promise<void>>();
  private running = 0;
  private readonly queue: (() => void)[] = [];
  delivered = 0;
  failed = 0;

  constructor(
    private readonly sink: WebhookSink,
    private readonly concurrency: number,
    private readonly onResult: (record: DeliveryRecord, error: unknown | undefined, latencyMs: number) => void,
  ) {}

  deliver(record: DeliveryRecord): void {
    const previous = this.chains.get(record.callId) ?? Promise.resolve();
    const next = previous.then(() => this.limited(() => this.sink.send(record.payload))).then(
      () => { this.delivered++; this.onResult(record, undefined, Date.now() - record.producedAt); },
      (error: unknown) => { this.failed++; this.onResult(record, error, Date.now() - record.producedAt); },
    );
    this.chains.set(record.callId, next);
    // Forget a call's chain once it has run out, so finished calls hold nothing.
    void next.then(() => { if (this.chains.get(record.callId) === next) this.chains.delete(record.callId); });
  }

  private limited<T>(task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        this.running++;
        task().then(resolve, reject).finally(() => { this.running--; this.queue.shift()?.(); });
      };
      if (this.running < this.concurrency) start(); else this.queue.push(start);
    });
  }

  async drain(): Promise<void> {
    while (this.chains.size > 0) await Promise.all([...this.chains.values()]);
  }
}

/** Writes each payload as one JSON line. */
export class NdjsonSink implements PayloadSink {
  readonly name = "stdout";
  constructor(private readonly stream: Writable) {}
  deliver(record: DeliveryRecord): void { this.stream.write(`${JSON.stringify(record.payload)}\n`); }
  drain(): Promise<void> { return Promise.resolve(); }
}

/** Raised by a payloads() iterator whose consumer fell more than its queue behind. */
export class PayloadQueueOverflow extends Error {
  constructor(limit: number) {
    super(`payloads(): the consumer fell ${limit} payloads behind; the iterator stopped (raise highWaterMark, or read faster)`);
    this.name = "PayloadQueueOverflow";
  }
}

/** An async iterator over delivery records with a bounded queue. */
export function recordIterator(subscribe: (push: (record: DeliveryRecord) => void) => () => void, highWaterMark: number): AsyncIterableIterator<DeliveryRecord> {
  const queue: DeliveryRecord[] = [];
  let waiting: ((result: IteratorResult<DeliveryRecord>) => void) | undefined;
  let failure: Error | undefined;
  let done = false;
  const unsubscribe = subscribe((record) => {
    if (done) return;
    if (waiting) { const w = waiting; waiting = undefined; w({ value: record, done: false }); return; }
    if (queue.length >= highWaterMark) { failure = new PayloadQueueOverflow(highWaterMark); queue.length = 0; finish(); return; }
    queue.push(record);
  });
  const finish = () => { done = true; unsubscribe(); if (waiting) { const w = waiting; waiting = undefined; w({ value: undefined, done: true }); } };
  const iterator: AsyncIterableIterator<DeliveryRecord> = {
    next() {
      if (queue.length > 0) return Promise.resolve({ value: queue.shift()!, done: false });
      if (failure) { const f = failure; failure = undefined; return Promise.reject(f); }
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => { waiting = resolve; });
    },
    return() { finish(); queue.length = 0; return Promise.resolve({ value: undefined, done: true }); },
    [Symbol.asyncIterator]() { return iterator; },
  };
  return iterator;
}
