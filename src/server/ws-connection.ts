/**
 * One WebSocket from a platform: which protocol it speaks (its path, or its first message),
 * its call, and the limits that keep one connection from hurting the others: a message over
 * `maxMessageBytes` is refused by the WebSocket layer before it is read (close 1009); every
 * message is handled inside a try/catch, so a bad one is counted, never fatal; after
 * `maxBadMessages` the connection is closed (1008); replies (where the protocol takes them)
 * stop and the socket is closed when `maxBufferedBytes` are queued to a client that does not
 * read; error replies quote at most a few dozen characters of the input.
 */
import type { WebSocket } from "ws";
import type { Call, CallStart } from "./call.js";
import type { ConnectionGuard, Guarded } from "./connection-guard.js";
import { messageOf } from "./errors.js";
import type { StreamForwarder } from "./forward-ws.js";
import { detectProtocol, makeProtocol } from "./protocols/detect.js";
import { readMediaFast } from "./protocols/media-fast-path.js";
import type { ProtocolName, StreamHost, StreamProtocol } from "./protocols/protocol.js";

/** WebSocket close codes (RFC 6455 §7.4.1). */
export const CLOSE_NORMAL = 1000;
export const CLOSE_POLICY = 1008;
export const CLOSE_TRY_LATER = 1013;

/** What a connection needs from the server. */
export interface ConnectionServer {
  readonly settings: { maxBadMessages: number; maxBufferedBytes: number; maxMessageBytes: number; socketSink: boolean };
  registerCall(start: CallStart, owner: object): Call;
  warn(call: Call | undefined, message: string, protocol?: string): void;
  countBad(protocol: string | undefined): void;
  readonly guard?: ConnectionGuard;
  /** Counts a limit that closed a connection (metric dtmf_refused_total{reason}). */
  refuse?(protocol: string, reason: string, detail?: string): void;
  /** The redacted copy of a stream (--forward-url), when on. */
  forwardStream?(query: URLSearchParams): StreamForwarder | undefined;
}

export class StreamConnection implements StreamHost, Guarded {
  lastActivityAt = Date.now();
  readonly openedAt = this.lastActivityAt;
  private readonly unwatch?: () => void;
  private protocol?: StreamProtocol;
  private current?: Call;
  private badMessages = 0;
  private closed = false;
  /** The redacted copy of this stream going to --forward-url (forward.ts). */
  private readonly forward?: StreamForwarder;

  constructor(private readonly server: ConnectionServer, private readonly socket: WebSocket, readonly query: URLSearchParams, fixed: ProtocolName | undefined) {
    if (fixed) this.protocol = makeProtocol(fixed, this, server.settings.maxMessageBytes);
    this.forward = server.forwardStream?.(query);
    this.unwatch = server.guard?.watch(this);
    socket.on("message", (data: Buffer, isBinary: boolean) => { this.lastActivityAt = Date.now(); this.message(data, isBinary); });
    socket.on("close", () => { this.closed = true; this.unwatch?.(); this.endCall("disconnect"); });
    socket.on("error", (error) => {
      // ws closes with 1009 when a frame header announces more than maxMessageBytes, before reading it.
      if ((error as { code?: string }).code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") this.server.refuse?.(this.protocol?.name ?? "websocket", "maxMessageBytes", messageOf(error));
      this.server.warn(this.current, `socket error: ${messageOf(error)}`, this.protocol?.name);
      this.endCall("disconnect");
    });
  }

  get call(): Call | undefined { return this.current; }

  get started(): boolean { return this.current !== undefined; }

  /** The handshake or idle timeout ran out: the call (if any) ends and reports what is open. */
  expire(reason: "handshake-timeout" | "idle-timeout"): void {
    this.server.warn(this.current, `${reason}: closing the connection`, this.protocol?.name);
    this.endCall(reason);
    this.close(CLOSE_POLICY, reason);
  }

  private message(data: Buffer, isBinary: boolean): void {
    if (this.closed) return;
    try {
      if (isBinary) {
        if (!this.protocol) { this.bad("a binary message before any text message names the protocol"); return; }
        this.protocol.binary(data);
        this.forward?.message(data, true, this.current);
        return;
      }
      // Most messages are media frames: read by position where that is safe (media-fast-path.ts).
      if (this.current && this.protocol?.mediaFields) {
        const fields = readMediaFast(data);
        if (fields) { this.protocol.mediaFields(fields); this.forward?.message(data, false, this.current); return; }
      }
      let message: unknown;
      try { message = JSON.parse(data.toString("utf8")); } catch { this.bad("a text message that is not JSON"); return; }
      if (message === null || typeof message !== "object" || Array.isArray(message)) { this.bad("a JSON message that is not an object"); return; }
      if (!this.protocol) {
        this.protocol = detectProtocol(message as Record<string, unknown>, this, this.server.settings.maxMessageBytes);
        if (!this.protocol) { this.bad("a first message of no known protocol"); return; }
      }
      this.protocol.text(message as Record<string, unknown>);
      this.forward?.message(data, false, this.current, message as Record<string, unknown>);
    } catch (error) {
      this.bad(messageOf(error));
    }
  }

  /** A message that could not be used: counted; answered where the protocol takes replies; too many close the socket. */
  private bad(reason: string): void {
    this.badMessages++;
    this.current?.bad();
    this.server.countBad(this.protocol?.name);
    this.server.warn(this.current, reason, this.protocol?.name);
    if (this.protocol?.acceptsReplies) this.send({ event: "dtmf-wasm:error", message: reason.slice(0, 200) });
    if (this.badMessages >= this.server.settings.maxBadMessages) {
      this.server.refuse?.(this.protocol?.name ?? "websocket", "maxBadMessages", `${this.badMessages} bad messages`);
      this.close(CLOSE_POLICY, `${this.badMessages} bad messages`);
    }
  }

  begin(start: CallStart): Call {
    const call = this.server.registerCall(start, this);
    this.current = call;
    if (this.protocol?.acceptsReplies && this.server.settings.socketSink) call.reply = (m) => this.send(m);
    return call;
  }

  end(reason: string): void {
    this.endCall(reason);
    this.close(CLOSE_NORMAL, reason);
  }

  warn(message: string): void { this.server.warn(this.current, message, this.protocol?.name); }

  /** Sends JSON back, unless the client has stopped reading: then the socket is closed. */
  send(message: Record<string, unknown>): void {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > this.server.settings.maxBufferedBytes) {
      this.server.warn(this.current, `the client has not read ${this.socket.bufferedAmount} bytes (limit ${this.server.settings.maxBufferedBytes}): closing`, this.protocol?.name);
      this.server.refuse?.(this.protocol?.name ?? "websocket", "maxBufferedBytes", `${this.socket.bufferedAmount} bytes unread`);
      this.closed = true;
      this.endCall("slow-reader");
      this.socket.terminate();
      return;
    }
    this.socket.send(JSON.stringify(message));
  }

  private endCall(reason: string): void {
    this.forward?.end();
    const call = this.current;
    if (call && call.streaming) call.end(reason);
  }

  close(code: number, reason: string): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.close(code, reason.slice(0, 100));
    this.closed = true;
    this.endCall(code === CLOSE_NORMAL ? reason : "closed");
  }
}
