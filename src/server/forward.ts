/**
 * Redact-and-forward (`--forward-url`): each WebSocket stream's audio, with its keys removed by
 * the live redactor (src/redact/live.ts), goes on to another WebSocket (a transcription or
 * recording service) in the protocol it came in:
 *
 * | incoming                                    | forwarded                                                    |
 * |---------------------------------------------|--------------------------------------------------------------|
 * | Twilio-shaped JSON (twilio, signalwire, telnyx, plivo) | the same text messages; in each `media` message only the base64 `payload` is replaced (same length: same bytes), every other field as sent |
 * | Vonage, jambonz, mod_audio_fork (binary L16) | the same text messages, each binary frame replaced by one of the same length (stereo: each channel redacted on its own) |
 * | DTMF reports (`dtmf`, `websocket:dtmf`) and dtmf-wasm's own control messages (`collect`, `prompt_ended`) | not forwarded: a `dtmf` message carries the digit |
 *
 * The audio is delayed by the redactor's fixed delay (LIVE_DELAY_MS, 40 ms): the first 40 ms
 * of the forwarded stream are silence, each frame carries the audio of 40 ms before, and the
 * last 40 ms of the call are not sent (frames in = frames out, each of the same size; what is
 * left in the delay line at the end is dropped, never sent unredacted). Frames are redacted and
 * forwarded in the order they arrive (a Telnyx frame out of order stays out of order). Each
 * Twilio track (inbound, outbound) and each stereo channel has its own redactor.
 *
 * Backpressure: what waits for the target (while it connects, or unsent in the socket) is
 * bounded by `forwardMaxBufferedBytes` per call; past it a media frame is dropped and counted
 * (`forwardOverflow: drop`, the default: the target sees a gap, the call goes on), or the
 * forward connection is closed for the rest of the call (`close`). Text messages (start, mark,
 * stop…) are never dropped: they may fill twice the bound, and one beyond it closes the forward
 * for that call.
 *
 * Reconnects: if the target refuses or closes the connection while the call streams, it is
 * opened again after 250 ms, 500 ms, 1 s… (at most 5 s), at most `forwardMaxReconnects` times
 * per call; the text messages that preceded the first frame (connected/start, the metadata,
 * websocket:connected) are sent again first, so the target sees a stream it can parse; frames
 * meanwhile are queued within the same byte bound. Audio is never sent unredacted, whatever
 * fails: a failure loses forwarded audio, never the redaction.
 */
import WebSocket from "ws";
import type { DtmfEngine } from "../engine.js";
import { LiveRedactor } from "../redact/live.js";
import type { RedactMethod } from "../redact/methods.js";
import type { Call } from "./call.js";
import { messageOf } from "./errors.js";
import { readMediaFast } from "./protocols/media-fast-path.js";
import { l16BigEndian } from "./protocols/twilio-like.js";

export const FORWARD_OVERFLOW = ["drop", "close"] as const;
export type ForwardOverflow = (typeof FORWARD_OVERFLOW)[number];

export interface ForwardSettings {
  /** ws(s) URL; {callId} and {protocol} are replaced (URL-encoded). */
  forwardUrl?: string;
  forwardHeaders?: Record<string, unknown>;
  redactMethod: RedactMethod;
  redactCandidates: boolean;
  forwardMaxBufferedBytes: number;
  forwardOverflow: ForwardOverflow;
  forwardMaxReconnects: number;
}

/** Counters (GET /stats `forward`, GET /metrics dtmf_forward_*). */
export interface ForwardTotals {
  /** Calls whose stream was forwarded (a connection was attempted). */
  calls: number;
  /** Media frames and bytes sent to targets. */
  frames: number;
  bytes: number;
  /** Media frames not sent: over the byte bound, or while the connection was given up. */
  droppedOverflow: number;
  droppedDisconnected: number;
  /** Connections refused or lost (each attempt counts once). */
  failures: number;
  reconnects: number;
}

/** Reconnect backoff, ms: first wait, and the longest. */
const RECONNECT_FIRST_MS = 250;
const RECONNECT_MAX_MS = 5000;
/** After the call ends, how long the target has to take what is queued before the socket is cut, ms. */
const CLOSE_TIMEOUT_MS = 5000;
/** The target's WebSocket handshake must finish in this, ms. */
const HANDSHAKE_TIMEOUT_MS = 10_000;
/** Text messages kept to replay on a reconnect, at most (those before the first frame). */
const MAX_PREAMBLE = 16;
/** Messages that are never forwarded: key reports (they carry the digit) and dtmf-wasm's own controls. */
const NOT_FORWARDED = new Set(["dtmf", "websocket:dtmf", "collect", "prompt_ended"]);
const TWILIO_LIKE = new Set(["twilio", "signalwire", "telnyx", "plivo"]);

/** A message to send: `bytes` its size on the wire, `audio` the audio bytes it carries (media). */
interface Item { data: string | Buffer; media: boolean; bytes: number; audio: number }

export interface ForwardHost {
  warn(call: Call | undefined, message: string): void;
}

/** The server's side: settings, the engine, the counters, the open forwarders (closed at shutdown). */
export class ForwardHub {
  readonly totals: ForwardTotals = { calls: 0, frames: 0, bytes: 0, droppedOverflow: 0, droppedDisconnected: 0, failures: 0, reconnects: 0 };
  readonly open = new Set<StreamForwarder>();

  constructor(readonly settings: ForwardSettings & { forwardUrl: string }, readonly engine: DtmfEngine, readonly host: ForwardHost) {}

  /** A forwarder for one WebSocket stream connection. */
  connection(query: URLSearchParams): StreamForwarder {
    const f = new StreamForwarder(this, query);
    this.open.add(f);
    return f;
  }

  /** Streams being forwarded now: their call has started and forwarding has not ended (dtmf_forward_open). */
  get active(): number {
    let n = 0;
    for (const f of this.open) if (f.forwarding) n++;
    return n;
  }

  /** Shutdown: every forward socket is cut. */
  closeAll(): void {
    for (const f of [...this.open]) f.terminate();
  }
}

/** Fills a forwardUrl template for a call. */
export function forwardUrlFor(template: string, call: { id: string; protocol: string }): string {
  return template.replace(/\{callId\}/g, encodeURIComponent(call.id)).replace(/\{protocol\}/g, encodeURIComponent(call.protocol));
}

export class StreamForwarder {
  private call?: Call;
  private socket?: WebSocket;
  private state: "waiting" | "connecting" | "open" | "backoff" | "ending" | "done" = "waiting";
  private ending = false;
  private readonly preamble: Item[] = [];
  private preambleBytes = 0;
  private sawMedia = false;
  private queue: Item[] = [];
  private queuedBytes = 0;
  private attempts = 0;
  private timer?: NodeJS.Timeout;
  private readonly redactors = new Map<string, LiveRedactor>();
  private bigEndian = false;

  constructor(private readonly hub: ForwardHub, private readonly query: URLSearchParams) {}

  /** Whether this stream's call has started and its forwarding has not ended. */
  get forwarding(): boolean { return this.call !== undefined && this.state !== "done"; }

  /**
   * A message the connection has handled without error (so the call, once started, is known).
   * `parsed`: the JSON object when the connection parsed it (undefined on the media fast path).
   */
  message(data: Buffer, isBinary: boolean, call: Call | undefined, parsed?: Record<string, unknown>): void {
    if (this.state === "done") {
      // Given up during the call (overflow close, reconnects spent): its frames are counted as not forwarded.
      if (this.call && !this.ending && (isBinary || (parsed ? parsed.event === "media" : readMediaFast(data) !== undefined))) this.hub.totals.droppedDisconnected++;
      return;
    }
    try {
      if (call && !this.call) this.begin(call);
      if (isBinary) { if (this.call) this.binaryFrame(data); return; }
      const fast = parsed === undefined ? readMediaFast(data) : undefined;
      const event = parsed ? (parsed.event ?? parsed.type) : fast ? "media" : undefined;
      if (typeof event === "string" && NOT_FORWARDED.has(event)) return;
      if (event === "media" && this.call && TWILIO_LIKE.has(this.call.protocol)) { this.twilioFrame(data, parsed, fast?.payload, fast?.track); return; }
      if (event === "media") return; // media before the start: the protocol refused it already
      this.text(data.toString("utf8"));
    } catch (error) {
      this.hub.host.warn(this.call, `forward: ${messageOf(error)}`);
    }
  }

  /** The stream ended: what is queued goes out, then the forward socket closes. */
  end(): void {
    if (this.ending || this.state === "done") return;
    this.ending = true;
    // The message that ended the stream (a stop) is handed over after this, in the same turn.
    queueMicrotask(() => this.finish());
  }

  /** Cut at once (shutdown). */
  terminate(): void {
    this.done();
    this.socket?.terminate();
  }

  private begin(call: Call): void {
    this.call = call;
    this.bigEndian = l16BigEndian(call.protocol, call.encoding, this.query);
    this.hub.totals.calls++;
    this.connect();
  }

  private connect(): void {
    const call = this.call!;
    const s = this.hub.settings;
    this.state = "connecting";
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(s.forwardHeaders ?? {})) headers[k] = String(v);
    let socket: WebSocket;
    try {
      socket = new WebSocket(forwardUrlFor(s.forwardUrl, call), { headers, perMessageDeflate: false, handshakeTimeout: HANDSHAKE_TIMEOUT_MS });
    } catch (error) {
      this.failed(`cannot open ${messageOf(error)}`);
      return;
    }
    this.socket = socket;
    let failed = false;
    const fail = (why: string) => {
      if (failed || this.socket !== socket) return;
      failed = true;
      this.failed(why);
    };
    socket.on("open", () => {
      if (this.socket !== socket || this.state === "done") return;
      this.state = "open";
      for (const item of this.preamble) socket.send(item.data);
      const queued = this.queue;
      this.queue = [];
      this.queuedBytes = 0;
      for (const item of queued) this.sendNow(item);
      if (this.ending) this.finish();
    });
    socket.on("error", (error) => fail(messageOf(error)));
    socket.on("close", (code) => fail(`closed (${code})`));
    socket.on("unexpected-response", (_req, res) => { fail(`HTTP ${res.statusCode}`); socket.terminate(); });
  }

  /** The connection failed or was lost: back off and reconnect while the call streams and attempts are left. */
  private failed(why: string): void {
    this.socket = undefined;
    if (this.state === "done") return;
    this.hub.totals.failures++;
    if (this.ending || this.attempts >= this.hub.settings.forwardMaxReconnects) {
      this.hub.host.warn(this.call, `forward: ${why}; ${this.ending ? "the call has ended" : `giving up after ${this.attempts} reconnect(s)`}`);
      this.done();
      return;
    }
    const wait = Math.min(RECONNECT_MAX_MS, RECONNECT_FIRST_MS * 2 ** this.attempts);
    this.attempts++;
    this.hub.host.warn(this.call, `forward: ${why}; reconnecting in ${wait} ms (${this.attempts} of ${this.hub.settings.forwardMaxReconnects})`);
    this.state = "backoff";
    this.timer = setTimeout(() => { this.timer = undefined; if (this.state === "backoff") { this.hub.totals.reconnects++; this.connect(); } }, wait);
    this.timer.unref();
  }

  private finish(): void {
    if (this.state === "done") return;
    if (this.state === "open" && this.socket) {
      const socket = this.socket;
      this.socket = undefined;
      this.done();
      socket.close(1000, "stream ended");
      // A target that never answers the close is cut.
      setTimeout(() => socket.terminate(), CLOSE_TIMEOUT_MS).unref();
      return;
    }
    if (this.state === "waiting" || this.state === "backoff") { this.done(); return; }
    // connecting: the open handler finishes once the queue is out (or the failure ends it).
  }

  private done(): void {
    if (this.state === "done") return;
    this.state = "done";
    clearTimeout(this.timer);
    for (const r of this.redactors.values()) r.close();
    this.redactors.clear();
    if (this.queue.length > 0 && this.sawMedia) this.hub.totals.droppedDisconnected += this.queue.filter((i) => i.media).length;
    this.queue = [];
    this.queuedBytes = 0;
    this.hub.open.delete(this);
  }

  private text(text: string): void {
    const item: Item = { data: text, media: false, bytes: Buffer.byteLength(text), audio: 0 };
    // Kept for replay within the same byte bound as the queue (a text message is at most maxMessageBytes).
    if (!this.sawMedia && this.preamble.length < MAX_PREAMBLE && this.preambleBytes + item.bytes <= this.hub.settings.forwardMaxBufferedBytes) {
      this.preamble.push(item);
      this.preambleBytes += item.bytes;
      if (this.state === "open") this.sendNow(item);
      return;
    }
    this.send(item);
  }

  private redactor(name: string): LiveRedactor {
    let r = this.redactors.get(name);
    if (!r) {
      const call = this.call!;
      r = new LiveRedactor({ engine: this.hub.engine, sampleRate: call.sampleRate, encoding: call.encoding, method: this.hub.settings.redactMethod, candidates: this.hub.settings.redactCandidates });
      this.redactors.set(name, r);
    }
    return r;
  }

  /** A binary L16 frame (little-endian; stereo interleaved): redacted per channel, same length. */
  private binaryFrame(data: Buffer): void {
    const call = this.call!;
    const out = Buffer.allocUnsafe(data.length);
    if (call.channels === 1) {
      out.set(this.redactor("0").process(new Uint8Array(data.buffer, data.byteOffset, data.length)).audio);
    } else {
      const n = data.length >> 2;
      for (let c = 0; c < 2; c++) {
        const mono = new Uint8Array(n * 2);
        for (let i = 0; i < n; i++) { mono[2 * i] = data[4 * i + 2 * c]; mono[2 * i + 1] = data[4 * i + 2 * c + 1]; }
        const red = this.redactor(String(c)).process(mono).audio;
        for (let i = 0; i < n; i++) { out[4 * i + 2 * c] = red[2 * i]; out[4 * i + 2 * c + 1] = red[2 * i + 1]; }
      }
    }
    this.media(out);
  }

  /** A Twilio-shaped media message: its payload redacted, the rest of the message as it came. */
  private twilioFrame(data: Buffer, parsed: Record<string, unknown> | undefined, fastPayload: string | undefined, fastTrack: string | undefined): void {
    const media = parsed ? (parsed.media as Record<string, unknown>) : undefined;
    const payload = fastPayload ?? (typeof media?.payload === "string" ? media.payload : undefined);
    if (payload === undefined) return;
    const track = fastTrack ?? (typeof media?.track === "string" ? media.track : "inbound");
    const bytes = Buffer.from(payload, "base64");
    if (this.bigEndian) bytes.swap16();
    const red = Buffer.from(this.redactor(track).process(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length)).audio);
    if (this.bigEndian) red.swap16();
    const encoded = red.toString("base64");
    const text = data.toString("utf8");
    // The payload as written in the message (no escapes in base64 unless a sender wrote "\/"): replaced in place.
    const at = text.indexOf(`"${payload}"`);
    const out = at >= 0 && encoded.length === payload.length
      ? `${text.slice(0, at + 1)}${encoded}${text.slice(at + 1 + payload.length)}`
      : JSON.stringify({ ...(parsed ?? JSON.parse(text)), media: { ...(media ?? (JSON.parse(text) as { media: object }).media), payload: encoded } });
    this.media(out, red.length);
  }

  private media(data: string | Buffer, audio = (data as Buffer).length): void {
    this.sawMedia = true;
    this.send({ data, media: true, bytes: data.length, audio });
  }

  private send(item: Item): void {
    if (this.state === "done") { if (item.media) this.hub.totals.droppedDisconnected++; return; }
    if (this.state === "open") { this.sendNow(item); return; }
    if (this.queuedBytes + item.bytes > this.bound(item)) { this.overflow(item.media); return; }
    this.queue.push(item);
    this.queuedBytes += item.bytes;
  }

  private sendNow(item: Item): void {
    const socket = this.socket!;
    if (socket.bufferedAmount + item.bytes > this.bound(item)) { this.overflow(item.media); return; }
    socket.send(item.data);
    if (item.media) {
      this.hub.totals.frames++;
      this.hub.totals.bytes += item.audio;
    }
  }

  /** Bytes that may wait before `item`: frames fill up to forwardMaxBufferedBytes, text messages have as much again on top (a mark behind a full queue of frames still goes). */
  private bound(item: Item): number {
    return (item.media ? 1 : 2) * this.hub.settings.forwardMaxBufferedBytes;
  }

  /** Past the byte bound: a frame is dropped (or, with forwardOverflow close, ends the forward); a text message is never dropped, so it ends the forward. */
  private overflow(media: boolean): void {
    if (media) this.hub.totals.droppedOverflow++;
    if (this.hub.settings.forwardOverflow === "close" || !media) {
      this.hub.host.warn(this.call, `forward: more than ${this.hub.settings.forwardMaxBufferedBytes} bytes wait for the target: forwarding stops for this call (${media ? "forwardOverflow close" : "a text message does not fit"})`);
      const socket = this.socket;
      this.done();
      socket?.terminate();
    }
  }
}
