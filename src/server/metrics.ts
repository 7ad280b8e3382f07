/**
 * GET /metrics: Prometheus text format through prom-client, one Registry per server (so two
 * servers in one process do not share series). Nothing is counted on the frame path: every
 * value is read from the server's own counters when Prometheus scrapes.
 *
 * | metric                                   | type    | what                                          |
 * |------------------------------------------|---------|-----------------------------------------------|
 * | dtmf_calls_open                          | gauge   | calls streaming now                           |
 * | dtmf_calls_total                         | counter | calls started                                 |
 * | dtmf_refused_total{protocol,reason}      | counter | connections / calls refused (auth, limits)    |
 * | dtmf_frames_total, dtmf_samples_total    | counter | media frames and samples processed            |
 * | dtmf_keys_total                          | counter | keys reported                                 |
 * | dtmf_payloads_total                      | counter | payloads produced                             |
 * | dtmf_webhook_sent_total / _failed_total  | counter | webhook payloads delivered / dead-lettered or failed |
 * | dtmf_outbox_depth                        | gauge   | webhook payloads accepted, not yet delivered  |
 * | dtmf_outbox_limit                        | gauge   | outboxMaxRecords                              |
 * | dtmf_bad_messages_total{protocol}        | counter | messages that could not be used               |
 * | dtmf_timeouts_total{kind}                | counter | handshake / idle timeouts                     |
 * | dtmf_event_loop_lag_seconds{quantile}    | gauge   | event-loop delay p50 / p99 / max              |
 * | dtmf_forward_open                        | gauge   | calls being forwarded now (--forward-url, --forward-audiosocket-url, --forward-rtp-url) |
 * | dtmf_forward_frames_total, _bytes_total  | counter | redacted media frames / audio bytes sent to forward targets |
 * | dtmf_forward_dropped_total{reason}       | counter | frames not forwarded: overflow (target too slow), disconnected |
 * | dtmf_forward_failures_total, dtmf_forward_reconnects_total | counter | forward connections refused or lost, datagrams refused / connections opened again |
 * | process_* , nodejs_*                     |         | prom-client's default process metrics         |
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";

/** What the metrics read at scrape time. */
export interface MetricsSource {
  callsOpen(): number;
  totals(): { calls: number; keys: number; payloads: number; delivered: number; webhookFailures: number; frames: number; samples: number };
  refused(): Record<string, number>;
  badByProtocol(): Record<string, number>;
  timeouts(): { handshake: number; idle: number };
  outbox(): { depth: number; limit: number };
  loopLagSeconds(): { p50: number; p99: number; max: number };
  /** Redact-and-forward counters, when --forward-url is on. */
  forward?: () => { open: number; frames: number; bytes: number; droppedOverflow: number; droppedDisconnected: number; failures: number; reconnects: number };
}

export class ServerMetrics {
  readonly registry = new Registry();

  constructor(source: MetricsSource) {
    const r = [this.registry];
    const total = (name: string, help: string, read: () => number) =>
      new Counter({ name, help, registers: r, collect() { this.reset(); this.inc(read()); } });
    new Gauge({ name: "dtmf_calls_open", help: "calls streaming now", registers: r, collect() { this.set(source.callsOpen()); } });
    total("dtmf_calls_total", "calls started", () => source.totals().calls);
    total("dtmf_frames_total", "media frames processed", () => source.totals().frames);
    total("dtmf_samples_total", "media samples processed (per channel)", () => source.totals().samples);
    total("dtmf_keys_total", "keys reported", () => source.totals().keys);
    total("dtmf_payloads_total", "payloads produced", () => source.totals().payloads);
    total("dtmf_webhook_sent_total", "webhook payloads delivered (2xx)", () => source.totals().delivered);
    total("dtmf_webhook_failed_total", "webhook payloads that failed (dead letters)", () => source.totals().webhookFailures);
    new Gauge({ name: "dtmf_outbox_depth", help: "webhook payloads accepted and not yet delivered", registers: r, collect() { this.set(source.outbox().depth); } });
    new Gauge({ name: "dtmf_outbox_limit", help: "most undelivered webhook payloads kept (outboxMaxRecords)", registers: r, collect() { this.set(source.outbox().limit); } });
    new Counter({
      name: "dtmf_refused_total", help: "connections or calls refused", labelNames: ["protocol", "reason"], registers: r,
      collect() { this.reset(); for (const [key, n] of Object.entries(source.refused())) { const [protocol, reason] = key.split("|"); this.inc({ protocol, reason }, n); } },
    });
    new Counter({
      name: "dtmf_bad_messages_total", help: "messages that could not be used, per protocol", labelNames: ["protocol"], registers: r,
      collect() { this.reset(); for (const [protocol, n] of Object.entries(source.badByProtocol())) this.inc({ protocol }, n); },
    });
    new Counter({
      name: "dtmf_timeouts_total", help: "connections closed by the handshake or idle timeout", labelNames: ["kind"], registers: r,
      collect() { this.reset(); const t = source.timeouts(); this.inc({ kind: "handshake" }, t.handshake); this.inc({ kind: "idle" }, t.idle); },
    });
    new Gauge({
      name: "dtmf_event_loop_lag_seconds", help: "event-loop delay (in a cluster: the worst worker's)", labelNames: ["quantile"], registers: r, aggregator: "max",
      collect() { const l = source.loopLagSeconds(); this.set({ quantile: "0.5" }, l.p50); this.set({ quantile: "0.99" }, l.p99); this.set({ quantile: "1" }, l.max); },
    });
    const forward = source.forward;
    if (forward) {
      new Gauge({ name: "dtmf_forward_open", help: "streams being forwarded now", registers: r, collect() { this.set(forward().open); } });
      total("dtmf_forward_frames_total", "redacted media frames sent to forward targets", () => forward().frames);
      total("dtmf_forward_bytes_total", "redacted audio bytes sent to forward targets", () => forward().bytes);
      total("dtmf_forward_failures_total", "forward connections refused or lost", () => forward().failures);
      total("dtmf_forward_reconnects_total", "forward connections opened again", () => forward().reconnects);
      new Counter({
        name: "dtmf_forward_dropped_total", help: "media frames not forwarded, by reason", labelNames: ["reason"], registers: r,
        collect() { this.reset(); const f = forward(); this.inc({ reason: "overflow" }, f.droppedOverflow); this.inc({ reason: "disconnected" }, f.droppedDisconnected); },
      });
    }
    collectDefaultMetrics({ register: this.registry });
  }

  text(): Promise<string> { return this.registry.metrics(); }
  get contentType(): string { return this.registry.contentType; }
}
