/**
 * Redact-and-forward, the transport-neutral core: each stream's audio, with its keys removed by
 * the live redactor (src/redact/live.ts), goes on to a target (a transcription or recording
 * service) in the protocol it came in. What is protocol-specific (which messages go, how a
 * frame's audio is redacted, how the target is reached) is in one file per protocol:
 *
 * | incoming (listener)                  | forwarded to                      | file                   |
 * |--------------------------------------|-----------------------------------|------------------------|
 * | WebSocket streams (Twilio-like JSON, Vonage, jambonz, mod_audio_fork) | `forwardUrl` (ws, wss) | forward-ws.ts |
 * | Asterisk AudioSocket (TCP)           | `forwardAudiosocketUrl` (tcp)     | forward-audiosocket.ts |
 * | RTP (UDP)                            | `forwardRtpUrl` (udp)             | forward-rtp.ts         |
 *
 * What is the same for all, here:
 *
 * The audio is delayed by the redactor's fixed delay (LIVE_DELAY_MS, 40 ms): the first 40 ms
 * of the forwarded stream are silence, each frame carries the audio of 40 ms before, and the
 * last 40 ms of the call are not sent (frames in = frames out, each of the same size; what is
 * left in the delay line at the end is dropped, never sent unredacted). Messages that carry a
 * key (a platform's DTMF report, AudioSocket's DTMF message, RFC 4733 telephone-events) are not
 * forwarded.
 *
 * Backpressure: what waits for the target (while it connects, or unsent in the transport) is
 * bounded by `forwardMaxBufferedBytes` per call; past it a media frame is dropped and counted
 * (`forwardOverflow: drop`, the default: the target sees a gap, the call goes on), or the
 * forward is closed for the rest of the call (`close`). Control messages (a WebSocket start,
 * mark, stop; AudioSocket's UUID and hang-up) are never dropped: they may fill twice the bound,
 * and one beyond it closes the forward for that call.
 *
 * Reconnects: if the target refuses or closes the connection while the call streams, it is
 * opened again after 250 ms, 500 ms, 1 s… (at most 5 s), at most `forwardMaxReconnects` times
 * per call; the control messages that preceded the first frame (a WebSocket stream's start, an
 * AudioSocket UUID) are sent again first, so the target sees a stream it can parse; frames
 * meanwhile are queued within the same byte bound. Audio is never sent unredacted, whatever
 * fails: a failure loses forwarded audio, never the redaction.
 */
import type { DtmfEngine } from "../engine.js";
import { LiveRedactor } from "../redact/live.js";
import type { RedactMethod } from "../redact/methods.js";
import type { Call } from "./call.js";
import { messageOf } from "./errors.js";

export const FORWARD_OVERFLOW = ["drop", "close"] as const;
export type ForwardOverflow = (typeof FORWARD_OVERFLOW)[number];

export interface ForwardSettings {
  /** ws(s) URL for the WebSocket streams; {callId} and {protocol} are replaced (URL-encoded). */
  forwardUrl?: string;
  /** tcp://host:port for the AudioSocket calls. */
  forwardAudiosocketUrl?: string;
  /** udp://host:port for the RTP calls. */
  forwardRtpUrl?: string;
  forwardHeaders?: Record<string, unknown>;
  redactMethod: RedactMethod;
  redactCandidates: boolean;
  forwardMaxBufferedBytes: number;
  forwardOverflow: ForwardOverflow;
  forwardMaxReconnects: number;
}

/** Counters (GET /stats `forward`, GET /metrics dtmf_forward_*), over every protocol. */
export interface ForwardTotals {
  /** Calls whose stream was forwarded (a connection was attempted). */
  calls: number;
  /** Media frames and bytes sent to targets. */
  frames: number;
  bytes: number;
  /** Media frames not sent: over the byte bound, or while the connection was given up (or a datagram the target refused). */
  droppedOverflow: number;
  droppedDisconnected: number;
  /** Connections refused or lost (each attempt counts once), and datagrams the network refused. */
  failures: number;
  reconnects: number;
}

/** Reconnect backoff, ms: first wait, and the longest. */
const RECONNECT_FIRST_MS = 250;
const RECONNECT_MAX_MS = 5000;
/** After the call ends, how long the target has to take what is queued before the transport is cut, ms. */
export const CLOSE_TIMEOUT_MS = 5000;
/** A connection (TCP connect, WebSocket handshake) must be made in this, ms. */
export const CONNECT_TIMEOUT_MS = 10_000;
/** Control messages kept to replay on a reconnect, at most (those before the first frame). */
const MAX_PREAMBLE = 16;

/** The target, as one forwarder sees it: a connection (WebSocket, TCP) or a socket (UDP). */
export interface ForwardTransport {
  /** Bytes handed over and not yet on the wire. */
  readonly bufferedBytes: number;
  /**
   * Sends one message. `sent`, when given, is called once the message is on its way (at once
   * where the transport cannot tell; on completion for a datagram), with the error if it was not.
   */
  send(data: string | Buffer, sent?: (error?: Error) => void): void;
  /** Ends once what is queued has gone (cut after CLOSE_TIMEOUT_MS). */
  end(): void;
  /** Cuts at once. */
  destroy(): void;
}

/** What a transport reports; calls after the forwarder has moved on are ignored. */
export interface TransportEvents {
  /** Ready to send. */
  opened(): void;
  /** Refused, lost or closed by the target: the forwarder reconnects (or gives up). */
  failed(why: string): void;
  /** The network refused a message already sent (UDP: ICMP port unreachable); counted as a failure, the transport kept. */
  refused(why: string): void;
}

/** Opens a transport to the target of `call` (may throw: counted as a failed attempt). */
export type OpenTransport = (call: Call, events: TransportEvents) => ForwardTransport;

/** A message to send: `bytes` its size on the wire, `audio` the audio bytes it carries (media). */
interface Item { data: string | Buffer; media: boolean; bytes: number; audio: number }

export interface ForwardHost {
  warn(call: Call | undefined, message: string): void;
}

/** The server's side: settings, the engine, the counters, the open forwarders (closed at shutdown). */
export class ForwardHub {
  readonly totals: ForwardTotals = { calls: 0, frames: 0, bytes: 0, droppedOverflow: 0, droppedDisconnected: 0, failures: 0, reconnects: 0 };
  readonly open = new Set<Forwarder>();

  constructor(readonly settings: ForwardSettings, readonly engine: DtmfEngine, readonly host: ForwardHost) {}

  /** Streams being forwarded now: their call has started and forwarding has not ended (dtmf_forward_open). */
  get active(): number {
    let n = 0;
    for (const f of this.open) if (f.forwarding) n++;
    return n;
  }

  /** Shutdown: every forward transport is cut. */
  closeAll(): void {
    for (const f of [...this.open]) f.terminate();
  }
}

/**
 * One stream's forward: the state (waiting for its call, connecting, open, backing off, done),
 * the replayed preamble, the bounded queue, the reconnects, the redactors. A protocol's
 * forwarder (forward-ws.ts…) feeds it control messages and redacted frames.
 */
export abstract class Forwarder {
  protected call?: Call;
  private transport?: ForwardTransport;
  private state: "waiting" | "connecting" | "open" | "backoff" | "done" = "waiting";
  private ending = false;
  private readonly preamble: Item[] = [];
  private preambleBytes = 0;
  private sawMedia = false;
  private queue: Item[] = [];
  private queuedBytes = 0;
  private attempts = 0;
  private timer?: NodeJS.Timeout;
  private readonly redactors = new Map<string, LiveRedactor>();
  /** Datagrams refused this call (only the first is logged). */
  private refusals = 0;

  protected constructor(protected readonly hub: ForwardHub, private readonly openTransport: OpenTransport) {
    hub.open.add(this);
  }

  /** Whether this stream's call has started and its forwarding has not ended. */
  get forwarding(): boolean { return this.call !== undefined && this.state !== "done"; }

  /** Whether forwarding has ended (given up, or the call is over): nothing more is sent. */
  protected get stopped(): boolean { return this.state === "done"; }

  /** The stream ended: what is queued goes out, then the transport ends. */
  end(): void {
    if (this.ending || this.state === "done") return;
    this.ending = true;
    // The message that ended the stream (a stop, a hang-up) may be handed over after this, in the same turn.
    queueMicrotask(() => this.finish());
  }

  /** Cut at once (shutdown). */
  terminate(): void {
    const transport = this.transport;
    this.transport = undefined;
    this.done();
    transport?.destroy();
  }

  /** The call has started: the target is connected. */
  protected begin(call: Call): void {
    this.call = call;
    this.hub.totals.calls++;
    this.connect();
  }

  /** A media frame arrived after forwarding was given up (not after the call ended): counted as not forwarded. */
  protected notForwarded(): void {
    if (this.call && !this.ending) this.hub.totals.droppedDisconnected++;
  }

  protected warn(message: string): void {
    this.hub.host.warn(this.call, `forward: ${message}`);
  }

  /** This stream's redactor `name` (one per track or channel), made on first use. */
  protected redactor(name: string): LiveRedactor {
    let r = this.redactors.get(name);
    if (!r) {
      const call = this.call!;
      r = new LiveRedactor({ engine: this.hub.engine, sampleRate: call.sampleRate, encoding: call.encoding, method: this.hub.settings.redactMethod, candidates: this.hub.settings.redactCandidates });
      this.redactors.set(name, r);
    }
    return r;
  }

  /** A control message (never dropped); those before the first frame are kept to replay on a reconnect. */
  protected control(data: string | Buffer): void {
    const item: Item = { data, media: false, bytes: typeof data === "string" ? Buffer.byteLength(data) : data.length, audio: 0 };
    // Kept for replay within the same byte bound as the queue (a message is at most 64 KiB here).
    if (!this.sawMedia && this.preamble.length < MAX_PREAMBLE && this.preambleBytes + item.bytes <= this.hub.settings.forwardMaxBufferedBytes) {
      this.preamble.push(item);
      this.preambleBytes += item.bytes;
      if (this.state === "open") this.sendNow(item);
      return;
    }
    this.send(item);
  }

  /** A redacted media frame: `audio` the audio bytes it carries (default: all of it). */
  protected media(data: string | Buffer, audio = (data as Buffer).length): void {
    this.sawMedia = true;
    this.send({ data, media: true, bytes: data.length, audio });
  }

  private connect(): void {
    const call = this.call!;
    this.state = "connecting";
    let failed = false;
    let transport: ForwardTransport | undefined;
    const events: TransportEvents = {
      opened: () => {
        if (failed || this.transport !== transport || this.state === "done") return;
        this.state = "open";
        for (const item of this.preamble) transport!.send(item.data);
        const queued = this.queue;
        this.queue = [];
        this.queuedBytes = 0;
        for (const item of queued) this.sendNow(item);
        if (this.ending) this.finish();
      },
      failed: (why) => {
        if (failed || transport === undefined || this.transport !== transport) return;
        failed = true;
        this.failed(why);
      },
      refused: (why) => { if (!failed && this.transport === transport) this.refused(why); },
    };
    try {
      transport = this.openTransport(call, events);
    } catch (error) {
      this.failed(`cannot open ${messageOf(error)}`);
      return;
    }
    this.transport = transport;
  }

  /** The connection failed or was lost: back off and reconnect while the call streams and attempts are left. */
  private failed(why: string): void {
    this.transport = undefined;
    if (this.state === "done") return;
    this.hub.totals.failures++;
    if (this.ending || this.attempts >= this.hub.settings.forwardMaxReconnects) {
      this.warn(`${why}; ${this.ending ? "the call has ended" : `giving up after ${this.attempts} reconnect(s)`}`);
      this.done();
      return;
    }
    const wait = Math.min(RECONNECT_MAX_MS, RECONNECT_FIRST_MS * 2 ** this.attempts);
    this.attempts++;
    this.warn(`${why}; reconnecting in ${wait} ms (${this.attempts} of ${this.hub.settings.forwardMaxReconnects})`);
    this.state = "backoff";
    this.timer = setTimeout(() => { this.timer = undefined; if (this.state === "backoff") { this.hub.totals.reconnects++; this.connect(); } }, wait);
    this.timer.unref();
  }

  private finish(): void {
    if (this.state === "done") return;
    if (this.state === "open" && this.transport) {
      const transport = this.transport;
      this.transport = undefined;
      this.done();
      transport.end();
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

  private send(item: Item): void {
    if (this.state === "done") { if (item.media) this.hub.totals.droppedDisconnected++; return; }
    if (this.state === "open") { this.sendNow(item); return; }
    if (this.queuedBytes + item.bytes > this.bound(item)) { this.overflow(item.media); return; }
    this.queue.push(item);
    this.queuedBytes += item.bytes;
  }

  private sendNow(item: Item): void {
    const transport = this.transport!;
    if (transport.bufferedBytes + item.bytes > this.bound(item)) { this.overflow(item.media); return; }
    if (!item.media) { transport.send(item.data); return; }
    const totals = this.hub.totals;
    transport.send(item.data, (error) => {
      if (error === undefined) { totals.frames++; totals.bytes += item.audio; return; }
      // A datagram not sent (UDP: the target's port was reported unreachable): lost, the socket kept.
      totals.droppedDisconnected++;
      this.refused(messageOf(error));
    });
  }

  /** A datagram refused: counted; the first of the call logged. */
  private refused(why: string): void {
    this.hub.totals.failures++;
    if (this.refusals++ === 0) this.warn(`${why} (datagrams refused are counted in dtmf_forward_failures_total; only the first is logged per call)`);
  }

  /** Bytes that may wait before `item`: frames fill up to forwardMaxBufferedBytes, control messages have as much again on top (a mark behind a full queue of frames still goes). */
  private bound(item: Item): number {
    return (item.media ? 1 : 2) * this.hub.settings.forwardMaxBufferedBytes;
  }

  /** Past the byte bound: a frame is dropped (or, with forwardOverflow close, ends the forward); a control message is never dropped, so it ends the forward. */
  private overflow(media: boolean): void {
    if (media) this.hub.totals.droppedOverflow++;
    if (this.hub.settings.forwardOverflow === "close" || !media) {
      this.warn(`more than ${this.hub.settings.forwardMaxBufferedBytes} bytes wait for the target: forwarding stops for this call (${media ? "forwardOverflow close" : "a control message does not fit"})`);
      this.terminate();
    }
  }
}

