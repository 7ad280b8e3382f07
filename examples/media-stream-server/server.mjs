#!/usr/bin/env node
/**
 * A media-stream server: voice platforms stream call audio to an application over a
 * WebSocket as JSON messages, and this server finds the DTMF keys in it.
 *
 *   connected  {"event":"connected","protocol":"Call","version":"1.0.0"}
 *   start      {"event":"start","sequenceNumber":"1","streamSid":"MZ…","start":{"streamSid":"MZ…","callSid":"CA…",
 *               "accountSid":"AC…","tracks":["inbound"],"customParameters":{…},
 *               "mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}}}
 *   media      {"event":"media","sequenceNumber":"2","streamSid":"MZ…","media":{"track":"inbound","chunk":"1",
 *               "timestamp":"0","payload":"<base64 μ-law, 160 bytes = 20 ms>"}}
 *   stop       {"event":"stop","sequenceNumber":"99","streamSid":"MZ…","stop":{"callSid":"CA…"}}
 *
 * One detector per call, all on one shared DtmfEngine (one WebAssembly instance for every
 * call). Each key press becomes a `dtmf` payload (seed 001: event, session_uuid, digit,
 * duration_ms); a digit collection (play_and_get_digits semantics) runs on request and ends in a
 * `digits.collected` payload (success, timeout, or failure when the caller hangs up or the
 * socket drops mid-collection). Payloads are POSTed to a webhook (retried on 5xx and network
 * errors, in order per call) and emitted as "payload" events.
 *
 * A collection is requested either in the stream, starting at the media time it arrives:
 *   {"event":"collect","streamSid":"MZ…","collect":{"command_uid":"pin-1","min_digits":4,"max_digits":4,
 *    "terminators":"#","timeout":5000}}
 * or over HTTP: POST /calls/<callSid>/collect with the `collect` object as the body, or at the
 * start of the call with customParameters.collect (an object or its JSON). Its fields are the
 * CM.com DTMF request's (seed 003), snake_case: min_digits, max_digits, max_attempts, timeout,
 * inter_digit_timeout, terminators, regex, prompt_ms.
 *
 * All timing is media time: the sample count of the audio received (gaps in media.timestamp
 * are filled with silence), so a recording streamed 100× faster than real time gives the same
 * payloads as a live call.
 *
 * Run: node examples/media-stream-server/server.mjs [--port 8081] [--host 127.0.0.1] [--webhook URL] [--quiet]
 * (after `npm run build`; in an application, import the same names from "dtmf-wasm").
 */
import { EventEmitter } from "node:events";
import { createServer } from "node:http";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { WebSocketServer } from "ws";
import {
  DigitCollector, DtmfEngine, WebhookSink, buildDigitsCollectedPayload, buildDtmfPayload,
} from "../../dist/index.js";

const FORMATS = { "audio/x-mulaw": "mulaw", "audio/x-alaw": "alaw" };
/** Samples a second of the audio the platforms stream (μ-law 8 kHz). */
const DEFAULT_RATE = 8000;
/** Gaps in media.timestamp shorter than this are jitter in the sender's clock, not lost audio, ms. */
const GAP_TOLERANCE_MS = 1;
const SILENCE = { mulaw: 0xff, alaw: 0xd5 };
const MS_PER_SECOND = 1000;
const COLLECT_FIELDS = {
  command_uid: "commandUid", min_digits: "minDigits", max_digits: "maxDigits", max_attempts: "maxAttempts", timeout: "timeout",
  inter_digit_timeout: "interDigitTimeout", terminators: "terminators", regex: "regex", prompt_ms: "promptMs",
};

/** A collection request (snake_case, as sent by the application) → DigitCollector options. */
function collectorOptions(request, sampleRate, startSample) {
  if (request === null || typeof request !== "object" || Array.isArray(request)) throw new TypeError("collect must be an object");
  const options = { sampleRate, startSample };
  let commandUid;
  for (const [key, value] of Object.entries(request)) {
    const name = COLLECT_FIELDS[key];
    if (name === undefined) throw new TypeError(`collect.${key} is not a known field (${Object.keys(COLLECT_FIELDS).join(", ")})`);
    if (name === "commandUid") commandUid = value;
    else options[name] = value;
  }
  if (typeof commandUid !== "string" || commandUid.length === 0) throw new TypeError("collect.command_uid must be a non-empty string");
  return { commandUid, options };
}

class Call {
  constructor(server, socket) {
    this.server = server;
    this.socket = socket;
    this.state = "connected";
    this.streamSid = undefined;
    this.callSid = undefined;
    this.sessionUuid = undefined;
    this.detector = undefined;
    this.encoding = "mulaw";
    this.sampleRate = DEFAULT_RATE;
    this.position = 0;
    this.lastSequence = -1;
    this.collection = undefined;
    this.deliveries = Promise.resolve();
    this.stats = { frames: 0, samples: 0, gapSamples: 0, outOfOrder: 0, badMessages: 0, presses: 0, payloads: 0 };
    this.presses = [];
    this.collections = [];
  }

  onMessage(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      this.bad("a message that is not JSON");
      return;
    }
    try {
      switch (message?.event) {
        case "connected": break;
        case "start": this.start(message); break;
        case "media": this.media(message); break;
        case "collect": this.collect(message.collect); break;
        case "stop": this.end("stop"); break;
        default: break; // mark, dtmf, clear…: not ours
      }
    } catch (error) {
      this.bad(error instanceof Error ? error.message : String(error));
    }
  }

  bad(reason) {
    this.stats.badMessages++;
    this.server.emit("warning", { callSid: this.callSid, reason });
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify({ event: "error", message: reason }));
  }

  start(message) {
    if (this.state !== "connected") throw new Error("a second start message on one stream");
    const start = message.start ?? {};
    const format = start.mediaFormat ?? {};
    const encoding = FORMATS[format.encoding ?? "audio/x-mulaw"];
    if (!encoding) throw new Error(`mediaFormat.encoding must be one of ${Object.keys(FORMATS).join(", ")}; received ${JSON.stringify(format.encoding)}`);
    if ((format.channels ?? 1) !== 1) throw new Error(`mediaFormat.channels must be 1; received ${JSON.stringify(format.channels)}`);
    this.streamSid = message.streamSid ?? start.streamSid;
    this.callSid = start.callSid ?? this.streamSid;
    if (typeof this.callSid !== "string" || this.callSid.length === 0) throw new Error("start.callSid (or streamSid) must be a non-empty string");
    const custom = start.customParameters ?? {};
    this.sessionUuid = typeof custom.session_uuid === "string" && custom.session_uuid ? custom.session_uuid : this.callSid;
    this.encoding = encoding;
    this.sampleRate = format.sampleRate ?? DEFAULT_RATE;
    this.detector = this.server.engine.createDetector({ sampleRate: this.sampleRate, encoding, ...this.server.tuning });
    this.state = "streaming";
    this.server.register(this);
    if (custom.collect !== undefined) this.collect(typeof custom.collect === "string" ? JSON.parse(custom.collect) : custom.collect);
  }

  media(message) {
    if (this.state !== "streaming") throw new Error(`media before start (or after stop) on stream ${JSON.stringify(message.streamSid)}`);
    const media = message.media ?? {};
    const sequence = Number(message.sequenceNumber);
    if (Number.isFinite(sequence)) {
      // Frames arrive in order over one TCP connection; a repeated or older number is a replay.
      if (sequence <= this.lastSequence) { this.stats.outOfOrder++; return; }
      this.lastSequence = sequence;
    }
    if (typeof media.payload !== "string") throw new Error("media.payload must be a base64 string");
    const payload = Buffer.from(media.payload, "base64");
    const timestampMs = Number(media.timestamp);
    if (media.timestamp !== undefined && Number.isFinite(timestampMs)) {
      // Lost frames: fill with silence up to where this frame starts, so media time stays true.
      const due = Math.round((timestampMs * this.sampleRate) / MS_PER_SECOND);
      const tolerance = Math.round((GAP_TOLERANCE_MS * this.sampleRate) / MS_PER_SECOND);
      if (due - this.position > tolerance) {
        const gap = due - this.position;
        this.stats.gapSamples += gap;
        this.feed(Buffer.alloc(gap, SILENCE[this.encoding]));
      }
    }
    this.stats.frames++;
    this.feed(payload);
  }

  feed(bytes) {
    const events = this.detector.process(bytes);
    this.position += bytes.length;
    this.stats.samples += bytes.length;
    for (const event of events) this.onEvent(event);
    if (this.collection) this.afterCollector(this.collection.collector.advance(this.position));
  }

  onEvent(event) {
    if (event.type === "dtmf") {
      this.stats.presses++;
      this.server.totals.presses++;
      this.presses.push({ digit: event.digit, startMs: event.startMs, durationMs: event.durationMs });
      this.deliver(buildDtmfPayload(event, { sessionUuid: this.sessionUuid }));
    }
    this.server.emit("event", { callSid: this.callSid, event });
    if (this.collection) this.afterCollector(this.collection.collector.onEvent(event));
  }

  collect(request) {
    if (this.state !== "streaming") throw new Error("collect before start (or after stop)");
    const { commandUid, options } = collectorOptions(request, this.sampleRate, this.position);
    const collector = new DigitCollector(options); // throws a DtmfOptionError naming a bad field
    if (this.collection) this.collectionDone(this.collection.collector.cancel());
    this.collection = { commandUid, collector };
    this.server.emit("collect", { callSid: this.callSid, commandUid, startSample: this.position });
  }

  afterCollector(events) {
    for (const event of events) if (event.type === "done") this.collectionDone(event.result);
  }

  /** A collection has its result (success, timeout, or failure on hang-up / replacement). */
  collectionDone(result) {
    if (!this.collection) return;
    const { commandUid } = this.collection;
    this.collection = undefined;
    this.collections.push({ commandUid, status: result.status, digits: result.digits, terminator: result.terminator, endMs: result.endMs });
    this.deliver(buildDigitsCollectedPayload(result, { sessionUuid: this.sessionUuid, commandUid }));
  }

  deliver(payload) {
    this.stats.payloads++;
    this.server.emit("payload", { callSid: this.callSid, payload });
    const sink = this.server.sink;
    if (!sink) return;
    // In order per call: each POST waits for the one before (retries included); across calls at
    // most `webhookConcurrency` are in flight, so a burst of keys does not open a connection each.
    this.deliveries = this.deliveries.then(() => this.server.limit(() => sink.send(payload))).then(
      () => { this.server.totals.delivered++; },
      (error) => { this.server.totals.webhookFailures++; this.server.emit("webhookError", { callSid: this.callSid, payload, error }); },
    );
  }

  /** The call is over: "stop" (the platform said so) or "disconnect" (the socket went away first). */
  end(reason) {
    if (this.state === "ended") return;
    const wasStreaming = this.state === "streaming";
    this.state = "ended";
    if (wasStreaming) {
      for (const event of this.detector.flush()) this.onEvent(event);
      this.detector.close();
      if (this.collection) this.collectionDone(this.collection.collector.end(this.position));
      this.server.unregister(this);
    }
    if (reason === "stop" && this.socket.readyState === this.socket.OPEN) this.socket.close(1000, "stopped");
    if (!wasStreaming) return;
    const summary = {
      callSid: this.callSid, streamSid: this.streamSid, sessionUuid: this.sessionUuid, reason,
      mediaMs: (this.position * MS_PER_SECOND) / this.sampleRate, stats: { ...this.stats }, presses: this.presses, collections: this.collections,
    };
    this.server.ending.add(this.deliveries);
    void this.deliveries.then(() => {
      this.server.ending.delete(this.deliveries);
      this.server.emit("callEnded", summary);
    });
  }
}

/**
 * Starts the server. Options: port (default 8081; 0 = any free), host (127.0.0.1), path
 * ("/media"), webhookUrl (or webhook: WebhookSink options), webhookConcurrency (POSTs in flight
 * at once across all calls, default 8), engine (a DtmfEngine to share), tuning (detector options). Resolves with { url, port, server, engine, close(), stats() },
 * an EventEmitter: "payload", "event", "collect", "callEnded", "webhookError", "warning".
 */
export async function startMediaStreamServer(options = {}) {
  const { port = 8081, host = "127.0.0.1", path = "/media", webhookUrl, webhook, webhookConcurrency = 8, engine, tuning = {} } = options;
  if (!Number.isInteger(webhookConcurrency) || webhookConcurrency < 1) throw new RangeError(`webhookConcurrency must be an integer ≥ 1; received ${webhookConcurrency}`);
  const app = new EventEmitter();
  // A counting semaphore: run(task) starts the task when fewer than webhookConcurrency run.
  let running = 0;
  const waiting = [];
  app.limit = (task) => new Promise((resolveTask, rejectTask) => {
    const start = () => {
      running++;
      task().then(resolveTask, rejectTask).finally(() => {
        running--;
        waiting.shift()?.();
      });
    };
    if (running < webhookConcurrency) start(); else waiting.push(start);
  });
  app.engine = engine ?? (await DtmfEngine.create());
  app.tuning = tuning;
  app.sink = webhookUrl || webhook ? new WebhookSink({ ...(webhook ?? {}), url: webhook?.url ?? webhookUrl }) : undefined;
  app.calls = new Map();
  app.ending = new Set();
  app.totals = { calls: 0, presses: 0, delivered: 0, webhookFailures: 0 };
  app.register = (call) => { app.calls.set(call.callSid, call); app.totals.calls++; };
  app.unregister = (call) => { if (app.calls.get(call.callSid) === call) app.calls.delete(call.callSid); };

  const http = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    const json = (status, body) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(body));
    };
    if (request.method === "GET" && url.pathname === "/stats") return json(200, app.stats());
    const match = /^\/calls\/([^/]+)\/collect$/.exec(url.pathname);
    if (request.method === "POST" && match) {
      let body = "";
      request.setEncoding("utf8");
      request.on("data", (chunk) => { body += chunk; });
      request.on("end", () => {
        const call = app.calls.get(decodeURIComponent(match[1]));
        if (!call) return json(404, { error: `no call ${decodeURIComponent(match[1])} is streaming` });
        try {
          const request = JSON.parse(body);
          call.collect(request);
          json(202, { command_uid: request.command_uid, start_ms: (call.position * MS_PER_SECOND) / call.sampleRate });
        } catch (error) {
          json(400, { error: error instanceof Error ? error.message : String(error) });
        }
      });
      return undefined;
    }
    return json(404, { error: "not found" });
  });

  const wss = new WebSocketServer({ server: http, path });
  wss.on("connection", (socket) => {
    const call = new Call(app, socket);
    socket.on("message", (data, isBinary) => {
      if (isBinary) { call.bad("a binary message (the protocol is JSON text)"); return; }
      call.onMessage(data.toString());
    });
    socket.on("close", () => call.end("disconnect"));
    socket.on("error", () => call.end("disconnect"));
  });

  await new Promise((resolveListen, reject) => {
    http.once("error", reject);
    http.listen(port, host, () => { http.off("error", reject); resolveListen(); });
  });
  const address = http.address();
  app.port = address.port;
  app.url = `ws://${address.address}:${address.port}${path}`;
  app.httpUrl = `http://${address.address}:${address.port}`;
  app.server = http;
  app.stats = () => {
    const cpu = process.cpuUsage();
    let frames = 0, samples = 0;
    for (const call of app.calls.values()) { frames += call.stats.frames; samples += call.stats.samples; }
    return {
      callsActive: app.calls.size, callsTotal: app.totals.calls, channelsOpen: app.engine.channelsOpen, framesActive: frames, samplesActive: samples,
      presses: app.totals.presses, delivered: app.totals.delivered, webhookFailures: app.totals.webhookFailures, cpuUserUs: cpu.user, cpuSystemUs: cpu.system,
      uptimeS: process.uptime(), rssBytes: process.memoryUsage().rss, engineMemoryBytes: app.engine.memoryBytes,
    };
  };
  /** Stops accepting calls, ends those streaming (as disconnects), waits for their webhooks. */
  app.close = async () => {
    for (const client of wss.clients) client.terminate();
    for (const call of [...app.calls.values()]) call.end("disconnect");
    await Promise.all([...app.ending]);
    await new Promise((done) => wss.close(() => done()));
    http.closeAllConnections();
    await new Promise((done) => http.close(() => done()));
  };
  return app;
}

function argValue(args, name, fallback) {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const app = await startMediaStreamServer({
    port: Number(argValue(args, "--port", "8081")),
    host: argValue(args, "--host", "127.0.0.1"),
    webhookUrl: argValue(args, "--webhook", undefined),
  });
  const quiet = args.includes("--quiet");
  if (!quiet) {
    app.on("payload", ({ payload }) => console.log(JSON.stringify(payload)));
    app.on("callEnded", (s) => console.error(`call ${s.callSid} ended (${s.reason}): ${s.presses.map((p) => p.digit).join("") || "no keys"}, ${s.mediaMs} ms of audio`));
  }
  app.on("webhookError", ({ error }) => console.error(`webhook: ${error.message}`));
  console.log(JSON.stringify({ listening: app.url, stats: `${app.httpUrl}/stats` }));
  const shutdown = async () => { await app.close(); process.exit(0); };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}
