/**
 * `startServer(options)`: the media-stream server behind `dtmf-wasm serve`. One HTTP server
 * carries the WebSocket streams and the control routes; AudioSocket (TCP) and RTP (UDP)
 * listen on their own ports when asked. All calls share one DtmfEngine (one WebAssembly
 * instance; a few hundred bytes of state per channel). Each call's state is its own: nothing
 * is shared between calls but the engine and the sinks, so an error in one call ends (at
 * most) that call. Default bind: 127.0.0.1.
 */
import { nodePost } from "./http-post.js";
import { EventEmitter } from "node:events";
import { type IntervalHistogram, monitorEventLoopDelay } from "node:perf_hooks";
import { type IncomingMessage, type Server as HttpServer, createServer } from "node:http";
import type { Server as TcpServer } from "node:net";
import type { Writable } from "node:stream";
import { WebSocketServer } from "ws";
import { DtmfEngine } from "../engine.js";
import type { DetectorTuning } from "../options.js";
import { WebhookSink, type WebhookOptions } from "../webhook.js";
import { createAudioSocketServer } from "./audiosocket.js";
import { allowList, authenticateUpgrade, checkBindPolicy, controlTokenOf } from "./auth.js";
import { ConnectionGuard } from "./connection-guard.js";
import { ForwardHub } from "./forward.js";
import { AudioSocketForwarder, tcpTransport } from "./forward-audiosocket.js";
import { RtpForwarder, udpTransport } from "./forward-rtp.js";
import { StreamForwarder, webSocketTransport } from "./forward-ws.js";
import { ServerMetrics } from "./metrics.js";
import { OutboxWebhookSink, webhookSignature } from "./webhook-outbox-sink.js";
import { Call, type CallHost, type CallSettings, type CallStart } from "./call.js";
import { DtmfLimitError, DtmfProtocolError, messageOf } from "./errors.js";
import { type Authorize, bearerAuthorize, controlHandler } from "./http-control.js";
import { type ServeOptionValues, type ServeSettings, resolveServeOptions } from "./options.js";
import type { BuiltPayload } from "./payload-formats.js";
import { protocolForPath } from "./protocols/detect.js";
import { type RtpListener, createRtpListener } from "./rtp.js";
import { type DeliveryRecord, NdjsonSink, type PayloadSink, WebhookPayloadSink, recordIterator } from "./sinks.js";
import { CLOSE_TRY_LATER, StreamConnection } from "./ws-connection.js";

export interface StartServerOptions extends ServeOptionValues {
  /** The engine to run detectors on (default: a new one). */
  engine?: DtmfEngine;
  /** Detector tuning for every call. */
  tuning?: DetectorTuning;
  /** Decides whether an HTTP control request may proceed (default: bearer `controlToken` if set, else open). */
  authorize?: Authorize;
  /** Where `stdout: true` writes (default: process.stdout). */
  stdoutStream?: Writable;
  /** Extra WebhookSink options (timeouts, headers, an injected fetch…). */
  webhookOptions?: Omit<WebhookOptions, "url">;
  /** More sinks of your own. */
  sinks?: PayloadSink[];
  /**
   * The wall clock, ms since the epoch (default Date.now): the one place the server reads the
   * time of day, for signed-URL expiry, webhook signatures and Bandwidth's eventTime and start
   * time. Detection, collection and their timeouts run on media time and never read it.
   */
  clock?: () => number;
}

/** Server counters (GET /stats). */
export interface ServerTotals {
  calls: number;
  refusedCalls: number;
  keys: number;
  payloads: number;
  delivered: number;
  webhookFailures: number;
  badMessages: number;
  warnings: number;
  /** Media frames and samples of the calls that have ended (open calls are added in stats()). */
  framesEnded: number;
  samplesEnded: number;
}

// DtmfServer is the calls' CallHost; the members that make it one are internal (stripped), so the
// published class cannot name the interface (stripInternal would leave it unfulfilled). The
// check below keeps the guarantee at compile time without publishing it.
export class DtmfServer extends EventEmitter {
  readonly settings: ServeSettings & CallSettings;
  /** The wall clock (StartServerOptions.clock). */
  readonly clock: () => number;
  readonly calls = new Map<string, Call>();
  readonly totals: ServerTotals = { calls: 0, refusedCalls: 0, keys: 0, payloads: 0, delivered: 0, webhookFailures: 0, badMessages: 0, warnings: 0, framesEnded: 0, samplesEnded: 0 };
  /** Refusals by "protocol|reason" (auth, allow-list, limits). */
  readonly refusedBy: Record<string, number> = {};
  readonly guard: ConnectionGuard;
  readonly allowed?: (address: string) => boolean;
  readonly metrics: ServerMetrics;
  /** @internal Redact-and-forward (--forward-url, --forward-audiosocket-url, --forward-rtp-url), when on; its counters are in stats().forward and /metrics. */
  readonly forwarding?: ForwardHub;
  /** What listens without credentials (loopback, or --insecure). */
  openWithoutCredentials: string[] = [];
  private outboxSink?: OutboxWebhookSink;
  /** Set by joinCluster() in a `--workers` worker. */
  locateCall?: (id: string) => Promise<number | undefined>;
  clusterMetrics?: () => Promise<{ text: string; contentType: string }>;
  private privateHttp?: HttpServer;
  private handler?: (req: IncomingMessage, res: import("node:http").ServerResponse) => Promise<void>;
  readonly badByProtocol: Record<string, number> = {};
  /** ws://host:port (any path; /twilio, /vonage… name the protocol). */
  url = "";
  httpUrl = "";
  port = 0;
  audiosocketPort?: number;
  rtpPort?: number;
  private readonly sinks: PayloadSink[] = [];
  private http!: HttpServer;
  private wss!: WebSocketServer;
  private audiosocket?: TcpServer;
  private rtp?: RtpListener;
  private closing = false;
  /** Event-loop delay, and the last webhook latencies (payload produced → 2xx), for /stats. */
  private readonly loopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private readonly webhookLatencies: number[] = [];
  /** Closes the webhook transport's keep-alive connections (http-post.ts). */
  private readonly closeTransport?: () => void;

  /** @internal Use startServer(). */
  constructor(readonly engine: DtmfEngine, settings: ServeSettings, readonly tuning: DetectorTuning, private readonly options: StartServerOptions) {
    super();
    this.clock = options.clock ?? Date.now;
    this.settings = settings;
    // A warning nobody listens to must not throw (EventEmitter throws on unhandled "error" only; we never emit "error").
    this.guard = new ConnectionGuard(settings);
    this.allowed = allowList(settings.allowFrom);
    if (settings.forwardUrl || settings.forwardAudiosocketUrl || settings.forwardRtpUrl) this.forwarding = new ForwardHub(settings, engine, this);
    this.metrics = new ServerMetrics({
      callsOpen: () => this.calls.size,
      totals: () => this.mediaTotals(),
      refused: () => this.refusedBy,
      badByProtocol: () => this.badByProtocol,
      timeouts: () => ({ handshake: this.guard.handshakeTimeouts, idle: this.guard.idleTimeouts }),
      outbox: () => ({ depth: this.outboxDepth, limit: settings.outboxMaxRecords }),
      forward: this.forwarding ? () => ({ ...this.forwarding!.totals, open: this.forwarding!.active }) : undefined,
      loopLagSeconds: () => ({ p50: this.loopDelay.percentile(50) / 1e9, p99: this.loopDelay.percentile(99) / 1e9, max: this.loopDelay.max / 1e9 }),
    });
    // The webhook's transport: node:http keep-alive (http-post.ts) unless a fetch is given.
    const post = settings.webhook && !options.webhookOptions?.fetch ? nodePost(settings.webhookConcurrency) : undefined;
    this.closeTransport = post?.close;
    const transport = options.webhookOptions?.fetch ?? post?.fetch ?? fetch;
    if (settings.webhook && settings.outboxDir) {
      this.outboxSink = new OutboxWebhookSink({
        url: settings.webhook, dir: settings.outboxDir, concurrency: settings.webhookConcurrency, maxRecords: settings.outboxMaxRecords,
        maxDelayMs: settings.webhookMaxDelayMs, secret: settings.webhookSecret, timeoutMs: options.webhookOptions?.timeoutMs,
        headers: options.webhookOptions?.headers, fetch: transport, clock: this.clock,
        onDelivered: (record, latencyMs) => {
          this.totals.delivered++;
          if (this.webhookLatencies.length >= LATENCY_SAMPLES) this.webhookLatencies.splice(0, LATENCY_SAMPLES / 2);
          this.webhookLatencies.push(latencyMs);
          this.emit("delivered", { record, latencyMs });
        },
        onFailed: (record, reason) => { this.totals.webhookFailures++; this.emit("webhookError", { record, error: new Error(reason) }); },
        warn: (message) => this.warn(undefined, message),
      });
      this.sinks.push(this.outboxSink);
    } else if (settings.webhook) {
      const signed = settings.webhookSecret ? signingFetch(settings.webhookSecret, transport, this.clock) : undefined;
      const sink = new WebhookSink({ maxAttempts: settings.webhookMaxAttempts, ...(options.webhookOptions ?? {}), fetch: signed ?? transport, url: settings.webhook });
      this.sinks.push(new WebhookPayloadSink(sink, settings.webhookConcurrency, (record, error, latencyMs) => {
        if (error === undefined) {
          this.totals.delivered++;
          if (this.webhookLatencies.length >= LATENCY_SAMPLES) this.webhookLatencies.splice(0, LATENCY_SAMPLES / 2);
          this.webhookLatencies.push(latencyMs);
          this.emit("delivered", { record, latencyMs });
        } else {
          this.totals.webhookFailures++;
          this.emit("webhookError", { record, error });
        }
      }));
    }
    if (settings.stdout) this.sinks.push(new NdjsonSink(options.stdoutStream ?? process.stdout));
    this.sinks.push(...(options.sinks ?? []));
    this.loopDelay.enable();
  }

  /** @internal */
  async listen(): Promise<void> {
    const s = this.settings;
    this.openWithoutCredentials = checkBindPolicy(s);
    const token = controlTokenOf(s);
    const authorize = this.options.authorize ?? (token ? bearerAuthorize(token) : undefined);
    const handler = controlHandler(this, authorize);
    this.handler = handler;
    this.http = createServer({ headersTimeout: s.handshakeTimeoutMs, requestTimeout: s.handshakeTimeoutMs * 3 }, (req, res) => { void handler(req, res); });
    this.http.on("clientError", (_error, socket) => { if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\n\r\n"); else socket.destroy(); });
    // maxPayload: ws reads a frame's length from its header and closes (1009) before buffering more.
    this.wss = new WebSocketServer({ noServer: true, maxPayload: s.maxMessageBytes, perMessageDeflate: false });
    this.http.on("upgrade", (request: IncomingMessage, socket, head) => {
      const url = new URL(request.url ?? "/", "http://localhost");
      const protocol = protocolForPath(url.pathname) ?? "websocket";
      if (this.closing || this.calls.size >= s.maxCalls) {
        socket.end("HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\n\r\n");
        this.refuse(protocol, this.closing ? "shutdown" : "maxCalls");
        return;
      }
      // A browser page (it sends an Origin header; the platforms' servers send none) may open a
      // stream only from an allowed origin: otherwise any site a user visits could stream into,
      // or hijack the calls of, a server it can reach (cross-site WebSocket hijacking).
      const origin = request.headers.origin;
      if (origin !== undefined && !(s.allowedOrigins ?? []).includes(origin)) {
        socket.end("HTTP/1.1 403 Forbidden\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
        this.refuse(protocol, "origin", `${request.socket.remoteAddress}: Origin ${JSON.stringify(origin.slice(0, 200))} is not in allowedOrigins`);
        return;
      }
      // Before the upgrade: a stranger gets a 401 and no audio of theirs is read.
      const auth = authenticateUpgrade(request, s, this.clock());
      if (!auth.ok) {
        socket.end("HTTP/1.1 401 Unauthorized\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
        this.refuse(protocol, "unauthorized", `${request.socket.remoteAddress}: ${auth.reason}`);
        return;
      }
      const address = request.socket.remoteAddress;
      if (!this.guard.admit(address)) {
        socket.end("HTTP/1.1 429 Too Many Requests\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
        this.refuse(protocol, "maxCallsPerAddress", `${address} has ${s.maxCallsPerAddress} connections open`);
        return;
      }
      socket.once("close", () => this.guard.release(address));
      socket.on("error", () => socket.destroy());
      this.wss.handleUpgrade(request, socket, head, (ws) => {
        try {
          new StreamConnection(this, ws, url.searchParams, protocolForPath(url.pathname));
        } catch (error) {
          this.warn(undefined, messageOf(error));
          ws.close(CLOSE_TRY_LATER, "refused");
        }
      });
    });
    await listenOn(this.http, s.port, s.host);
    const address = this.http.address() as { address: string; port: number };
    this.port = address.port;
    const host = address.address.includes(":") ? `[${address.address}]` : address.address;
    this.url = `ws://${host}:${address.port}`;
    this.httpUrl = `http://${host}:${address.port}`;
    if (s.audiosocketPort !== undefined) {
      this.audiosocket = createAudioSocketServer(this);
      this.audiosocket.on("connection", (socket) => { if (this.closing || this.calls.size >= s.maxCalls) { this.totals.refusedCalls++; socket.destroy(); } });
      await listenOn(this.audiosocket, s.audiosocketPort, s.host);
      this.audiosocketPort = (this.audiosocket.address() as { port: number }).port;
    }
    if (s.rtpPort !== undefined) {
      this.rtp = createRtpListener(this);
      await new Promise<void>((resolve, reject) => {
        this.rtp!.socket.once("error", reject);
        this.rtp!.socket.bind(s.rtpPort, s.host, () => { this.rtp!.socket.off("error", reject); resolve(); });
      });
      this.rtpPort = this.rtp.socket.address().port;
    }
  }

  /**
   * @internal In a cluster worker: the control routes on a loopback port of this worker's own
   * (exclusive: not shared through the primary), where other workers forward requests for its calls.
   */
  async listenPrivate(): Promise<number> {
    const handler = this.handler!;
    this.privateHttp = createServer((req, res) => { void handler(req, res); });
    await new Promise<void>((resolve, reject) => {
      this.privateHttp!.once("error", reject);
      this.privateHttp!.listen({ port: 0, host: "127.0.0.1", exclusive: true }, () => resolve());
    });
    return (this.privateHttp.address() as { port: number }).port;
  }

  // ---- CallHost / connection server ----

  /**
   * @internal A call announces itself (`owner`: its connection): refused if its id is already
   * streaming on another connection (no hijacking), or too many calls are open.
   */
  registerCall(start: CallStart, _owner: object): Call {
    if (this.closing) throw new DtmfLimitError("shutdown", "the server is shutting down");
    const existing = this.calls.get(start.metadata.id);
    if (existing && existing.streaming) {
      this.totals.refusedCalls++;
      throw new DtmfProtocolError(start.protocol, `call ${JSON.stringify(start.metadata.id.slice(0, 80))} is already streaming on another connection; refused`);
    }
    if (this.calls.size >= this.settings.maxCalls) {
      this.totals.refusedCalls++;
      throw new DtmfLimitError("maxCalls", `${this.calls.size} calls are open, the limit`);
    }
    const call = new Call(this, start.collect === undefined && this.settings.collect ? { ...start, collect: this.settings.collect } : start);
    this.calls.set(call.id, call);
    this.totals.calls++;
    this.emit("callStarted", { callId: call.id, protocol: call.protocol, sampleRate: call.sampleRate, channels: call.channels, sessionUuid: call.formatter.sessionUuid });
    return call;
  }

  /** @internal The forward of a WebSocket stream connection (--forward-url), when on. */
  forwardStream(query: URLSearchParams): StreamForwarder | undefined {
    const hub = this.forwarding, url = this.settings.forwardUrl;
    return hub && url ? new StreamForwarder(hub, webSocketTransport(url, this.settings.forwardHeaders), query) : undefined;
  }

  /** @internal The forward of an AudioSocket connection (--forward-audiosocket-url), when on. */
  forwardAudioSocket(): AudioSocketForwarder | undefined {
    const hub = this.forwarding, url = this.settings.forwardAudiosocketUrl;
    return hub && url ? new AudioSocketForwarder(hub, tcpTransport(url)) : undefined;
  }

  /** @internal The forward of an RTP call (--forward-rtp-url), when on. */
  forwardRtp(call: Call): RtpForwarder | undefined {
    const hub = this.forwarding, url = this.settings.forwardRtpUrl;
    return hub && url ? new RtpForwarder(hub, call, udpTransport(url)) : undefined;
  }

  /** A call has ended (CallHost: called by the call itself, not by applications). */
  ended(call: Call): void {
    if (this.calls.get(call.id) === call) {
      this.calls.delete(call.id);
      this.totals.framesEnded += call.stats.frames;
      this.totals.samplesEnded += call.stats.samples;
    }
  }

  /** @internal A connection, call or datagram refused (counted by protocol and reason; the first few and every 1000th logged). */
  refuse(protocol: string, reason: string, detail?: string): void {
    this.totals.refusedCalls++;
    const key = `${protocol}|${reason.split(" ")[0].replace(/[^a-zA-Z-]/g, "") || "refused"}`;
    const n = (this.refusedBy[key] = (this.refusedBy[key] ?? 0) + 1);
    if (n <= REFUSALS_LOGGED || n % 1000 === 0) this.warn(undefined, `refused (${n}): ${detail ?? reason}`, protocol);
  }

  /** Frames, samples, keys and payloads so far (open calls included). */
  mediaTotals(): { calls: number; keys: number; payloads: number; delivered: number; webhookFailures: number; frames: number; samples: number } {
    let frames = this.totals.framesEnded, samples = this.totals.samplesEnded;
    for (const call of this.calls.values()) { frames += call.stats.frames; samples += call.stats.samples; }
    return { ...this.totals, frames, samples };
  }

  /** Webhook payloads accepted and not yet delivered (the durable outbox, or the in-memory sink). */
  get outboxDepth(): number {
    return this.outboxSink ? this.outboxSink.depth : Math.max(0, this.totals.payloads * (this.settings.webhook ? 1 : 0) - this.totals.delivered - this.totals.webhookFailures);
  }

  /** Ready for calls: listening and not shutting down. */
  get ready(): boolean { return !this.closing && this.port > 0; }

  /** A call hands over a payload for the sinks (CallHost: called by the call itself). */
  deliver(call: Call, built: BuiltPayload, party: string | undefined): void {
    const record: DeliveryRecord = { callId: call.id, protocol: call.protocol, party, kind: built.kind, payload: built.payload, producedAt: Date.now() };
    this.totals.payloads++;
    if (built.kind === "dtmf" || (built.kind === "dtmf_received" && !call.formatter.kinds.has("dtmf"))) this.totals.keys++;
    for (const sink of this.sinks) {
      try { sink.deliver(record); } catch (error) { this.warn(call, `sink ${sink.name}: ${messageOf(error)}`); }
    }
    if (call.reply) {
      try { call.reply({ event: "dtmf-wasm", kind: built.kind, payload: built.payload }); } catch (error) { this.warn(call, `socket sink: ${messageOf(error)}`); }
    }
    this.emit("payload", record);
  }

  /** Emits a "warning" (CallHost; also used by the connections). */
  warn(call: Call | undefined, message: string, protocol?: string): void {
    this.totals.warnings++;
    this.emit("warning", { callId: call?.id, protocol: protocol ?? call?.protocol, message });
  }

  /** @internal */
  countBad(protocol: string | undefined): void {
    this.totals.badMessages++;
    const key = protocol ?? "unknown";
    this.badByProtocol[key] = (this.badByProtocol[key] ?? 0) + 1;
  }

  /**
   * Events go to every listener as usual, but a listener that throws does not take a call (or
   * the process) down, nor keep the listeners after it from the event: its error becomes a
   * "warning" (a "warning" listener that throws is ignored).
   */
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    const listeners = this.rawListeners(event) as ((...a: unknown[]) => void)[];
    for (const listener of listeners) {
      try {
        listener.apply(this, args);
      } catch (error) {
        if (event !== "warning") this.emit("warning", { message: `a "${String(event)}" listener threw: ${messageOf(error)}` });
      }
    }
    return listeners.length > 0;
  }

  // ---- API ----

  /** Every payload from now on, as an async iterator; the queue holds at most `highWaterMark` unread records. */
  payloads(highWaterMark = 10_000): AsyncIterableIterator<DeliveryRecord> {
    return recordIterator((push) => { this.on("payload", push); return () => this.off("payload", push); }, highWaterMark);
  }

  /** Resolves when every payload handed to the sinks so far has been sent (or has failed). */
  async drain(): Promise<void> { await Promise.all(this.sinks.map((s) => s.drain())); }

  stats(): Record<string, unknown> {
    const memory = process.memoryUsage();
    const cpu = process.cpuUsage();
    const sorted = [...this.webhookLatencies].sort((a, b) => a - b);
    const at = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : null);
    const ms = (ns: number) => Math.round(ns / 1e5) / 10;
    return {
      cpuUserUs: cpu.user, cpuSystemUs: cpu.system,
      eventLoopDelayMs: { p50: ms(this.loopDelay.percentile(50)), p99: ms(this.loopDelay.percentile(99)), max: ms(this.loopDelay.max) },
      webhookLatencyMs: { p50: at(0.5), p99: at(0.99) },
      callsOpen: this.calls.size, ...this.totals, frames: this.mediaTotals().frames, samples: this.mediaTotals().samples,
      outboxDepth: this.outboxDepth, refusedBy: { ...this.refusedBy }, connections: this.guard.connections, badByProtocol: { ...this.badByProtocol }, channelsOpen: this.engine.channelsOpen,
      ...(this.forwarding ? { forward: { ...this.forwarding.totals, open: this.forwarding.active } } : {}),
      engineMemoryBytes: this.engine.memoryBytes, rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, uptimeS: process.uptime(),
    };
  }

  /**
   * Stops accepting calls, ends those open (their open presses and collections are reported),
   * and waits for the sinks, at most `drainTimeoutMs` (default 10 s): a webhook that never
   * answers cannot keep the process from exiting; what is still undelivered is named in a warning.
   */
  async close(options: { drainTimeoutMs?: number } = {}): Promise<void> {
    if (this.closing) return;
    const drainMs = options.drainTimeoutMs ?? this.settings.shutdownTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
    this.closing = true;
    this.loopDelay.disable();
    this.guard.stop();
    this.rtp?.endAll("shutdown");
    for (const call of [...this.calls.values()]) { try { call.end("shutdown"); } catch (error) { this.warn(call, messageOf(error)); } }
    for (const client of this.wss?.clients ?? []) client.terminate();
    this.forwarding?.closeAll();
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      this.drain().then(() => true),
      new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), drainMs); }),
    ]);
    clearTimeout(timer);
    if (!drained) this.warn(undefined, `shutdown: gave up waiting for the sinks after ${drainMs} ms (${this.outboxDepth} webhook payloads not delivered${this.outboxSink ? `; they stay in ${this.settings.outboxDir} and are sent after the restart` : ""})`);
    await this.outboxSink?.close();
    this.closeTransport?.();
    await new Promise<void>((done) => this.wss.close(() => done()));
    this.http.closeAllConnections();
    if (this.privateHttp) { this.privateHttp.closeAllConnections(); await new Promise<void>((done) => this.privateHttp!.close(() => done())); }
    await new Promise<void>((done) => this.http.close(() => done()));
    if (this.audiosocket) await new Promise<void>((done) => this.audiosocket!.close(() => done()));
    if (this.rtp) await new Promise<void>((done) => { try { this.rtp!.socket.close(() => done()); } catch { done(); } });
  }
}

/** How long close() waits for undelivered payloads by default, ms. */
const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;
/** Refusals logged per protocol and reason before only every 1000th is. */
const REFUSALS_LOGGED = 5;

/** A fetch that adds X-Dtmf-Signature over each body (the in-memory webhook path). */
function signingFetch(secret: string, inner: typeof fetch, clock: () => number): typeof fetch {
  return (input, init) => {
    const body = typeof init?.body === "string" ? init.body : "";
    const headers = new Headers(init?.headers);
    headers.set("x-dtmf-signature", webhookSignature(secret, body, Math.floor(clock() / 1000)));
    return inner(input, { ...init, headers });
  };
}

/** Webhook latencies kept for /stats' percentiles. */
const LATENCY_SAMPLES = 10_000;

function listenOn(server: HttpServer | TcpServer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => { server.off("error", reject); resolve(); });
  });
}

/**
 * Starts a media-stream server. Options are those of `dtmf-wasm serve` (camelCase, checked,
 * typed errors naming the option) plus `engine`, `tuning`, `authorize`, `stdoutStream`,
 * `webhookOptions` and `sinks`. Resolves once every listener is bound.
 *
 * ```js
 * import { startServer } from "dtmf-wasm";
 * const server = await startServer({ port: 8081, webhook: "https://example.test/dtmf" });
 * server.on("payload", ({ callId, payload }) => console.log(callId, payload));
 * ```
 */
export async function startServer(options: StartServerOptions = {}): Promise<DtmfServer> {
  const { engine, tuning, authorize, stdoutStream, webhookOptions, sinks, clock, ...values } = options;
  const settings = resolveServeOptions([{ values: values as Record<string, unknown>, source: "option" }]);
  const server = new DtmfServer(engine ?? (await DtmfEngine.create()), settings, tuning ?? {}, { authorize, stdoutStream, webhookOptions, sinks, clock });
  try {
    await server.listen();
  } catch (error) {
    await server.close().catch(() => undefined);
    throw error;
  }
  return server;
}

/** Compile-time check: a DtmfServer serves as every call's CallHost. */
const asCallHost: (server: DtmfServer) => CallHost = (server) => server;
void asCallHost;
