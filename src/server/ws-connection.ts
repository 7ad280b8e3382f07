/**
 * One WebSocket from a platform: which protocol it speaks (its path, or its first message),
 * its call, and the limits that keep one connection from hurting the others: a message over
 * `maxMessageBytes` is refused by the WebSocket layer before it is read (close 1009); every
 * message is handled inside a try/catch, so a bad one is counted, never fatal; after
 * `maxBadMessages` the connection is closed (1008); replies (where the protocol takes them)
 * stop and the socket is closed when `maxBufferedBytes` are queued to a client that does not
 * read; error replies quote at most a few dozen characters of the input.
 */
import { isAscii, isUtf8 } from "node:buffer";
import type { WebSocket } from "ws";
import type { Call, CallStart } from "./call.js";
import type { ConnectionGuard, Guarded } from "./connection-guard.js";
import { messageOf } from "./errors.js";
import type { StreamForwarder } from "./forward-ws.js";
import { detectProtocol, makeProtocol } from "./protocols/detect.js";
import { readMedia } from "./protocols/media-fast-path.js";
import type { ProtocolName, StreamHost, StreamProtocol } from "./protocols/protocol.js";
import { type FrameHeader, frameEnd, readHeader, unmaskInPlace } from "./ws-frames.js";

/** WebSocket close codes (RFC 6455 §7.4.1). */
export const CLOSE_NORMAL = 1000;
export const CLOSE_POLICY = 1008;
export const CLOSE_INTERNAL_ERROR = 1011;
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

/**
 * @internal Whether connections take the WebSocket fast path (ws-frames.ts); the tests turn it
 * off to compare with the `ws` library's own reading of the same bytes.
 */
export const wsFastPath = { enabled: true, frames: 0 };

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** The ws Receiver's states (receiver.js: GET_INFO reads a frame's first bytes, GET_DATA its payload; 1-3 the rest of its header), and a close frame's opcode. */
const WS_GET_INFO = 0, WS_GET_DATA = 4, WS_CLOSE = 0x08;

/** What the fast path reads of the `ws` library's Receiver (ws 8; checked when a connection opens). */
interface WsReceiver {
  write(chunk: Buffer): boolean;
  _state: number;
  _bufferedBytes: number;
  _payloadLength: number;
  _fragmented: number;
  _opcode: number;
  _errored: boolean;
  _maxPayload: number;
  readonly writableLength: number;
  readonly writableEnded: boolean;
}

function wsReceiverOf(socket: WebSocket): WsReceiver | undefined {
  const internals = socket as unknown as { _receiver?: WsReceiver; _extensions?: object };
  const r = internals._receiver;
  if (!r || typeof r.write !== "function" || typeof r._state !== "number" || typeof r._bufferedBytes !== "number" || typeof r._fragmented !== "number" || typeof r._payloadLength !== "number") return undefined;
  // Compression negotiated (the server turns it off): ws reads everything.
  if (internals._extensions && Object.keys(internals._extensions).length > 0) return undefined;
  return r;
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
  /** The ws Receiver when the fast path is on, and its own write (for what the fast path does not take). */
  private readonly receiver?: WsReceiver;
  private wsWrite?: (chunk: Buffer) => boolean;
  /** A qualifying frame begun at the end of the last chunk (a copy: at most maxMessageBytes + 14 bytes). */
  private carry?: Buffer;
  /** The socket's "message" listeners, counted as they come and go (newListener / removeListener), so that fastReady() need not ask per frame. */
  private messageListeners = 0;

  constructor(private readonly server: ConnectionServer, private readonly socket: WebSocket, readonly query: URLSearchParams, fixed: ProtocolName | undefined) {
    if (fixed) this.protocol = makeProtocol(fixed, this, server.settings.maxMessageBytes);
    this.forward = server.forwardStream?.(query);
    this.unwatch = server.guard?.watch(this);
    const receiver = wsFastPath.enabled && LITTLE_ENDIAN ? wsReceiverOf(socket) : undefined;
    if (receiver) {
      // Another "message" listener (none in the server) would miss the frames read here: the
      // fast path steps aside while there is one. "newListener" comes before the listener is
      // added, "removeListener" after it is gone (once() wrappers and removeAllListeners too).
      this.messageListeners = socket.listenerCount("message");
      socket.on("newListener", (event: string | symbol) => { if (event === "message") this.messageListeners++; });
      socket.on("removeListener", (event: string | symbol) => { if (event === "message") this.messageListeners--; });
    }
    socket.on("message", (data: Buffer, isBinary: boolean) => { this.lastActivityAt = Date.now(); this.message(data, isBinary); });
    if (receiver) {
      // The socket's data goes through receiver.write() (ws: socketOnData): whole data frames are
      // taken here, the rest goes on to ws in order. ws still adds and removes its listeners itself.
      const write = receiver.write;
      this.receiver = receiver;
      this.wsWrite = (chunk) => write.call(receiver, chunk);
      receiver.write = (chunk: Buffer) => this.write(chunk);
    }
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

  /**
   * Whether the next frame may be read here: the socket open, nothing of a frame or fragmented
   * message held by ws, no error, and this connection the only "message" listener.
   */
  private fastReady(): boolean {
    const r = this.receiver!;
    return !this.closed && this.socket.readyState === this.socket.OPEN && r._state === WS_GET_INFO && r._bufferedBytes === 0 && r._fragmented === 0
      && r._opcode !== WS_CLOSE && !r._errored && r.writableLength === 0 && !r.writableEnded && this.messageListeners === 1;
  }

  /** Whether ws has stopped reading: a close frame received (its Receiver ended), or an error. */
  private wsDone(): boolean {
    const r = this.receiver!;
    return r._errored || r.writableEnded;
  }

  /** receiver.write(): the fast path, which never throws out to the socket (an error of its own closes the connection, 1011). */
  private write(chunk: Buffer): boolean {
    try {
      return this.chunk(chunk);
    } catch (error) {
      this.carry = undefined;
      this.receiver!.write = this.wsWrite!;
      this.server.warn(this.current, `WebSocket fast path: ${messageOf(error)}; closing the connection`, this.protocol?.name);
      this.close(CLOSE_INTERNAL_ERROR, "internal error");
      return true;
    }
  }

  /**
   * A socket chunk (instead of ws's receiver.write): whole qualifying data frames are read
   * here, the rest by ws, in order. Returns false when ws asked for the socket to pause.
   */
  private chunk(chunk: Buffer): boolean {
    const wsWrite = this.wsWrite!;
    const r = this.receiver!;
    const max = this.server.settings.maxMessageBytes;
    let at = 0, ok = true;
    const carry = this.carry;
    if (carry !== undefined) {
      // The frame begun in the last chunk: its header (at most 14 bytes) tells how much more it needs.
      this.carry = undefined;
      const prefix = Buffer.concat([carry, chunk.subarray(0, Math.min(chunk.length, 14))]);
      const h = readHeader(prefix, 0, prefix.length, max);
      if (h.kind === "other" || !this.fastReady()) { ok = wsWrite(carry); return wsWrite(chunk) && ok; }
      const end = h.end;
      // Not yet a whole header, or not yet the whole payload: wait for more.
      if (end === 0 || end - carry.length > chunk.length) { this.carry = Buffer.concat([carry, chunk]); return true; }
      at = end - carry.length;
      const frame = Buffer.concat([carry, chunk.subarray(0, at)]);
      this.lastActivityAt = Date.now();
      if (!this.fastFrame(frame, readHeader(frame, 0, frame.length, max))) ok = wsWrite(frame);
    } else {
      // ws holds part of a frame (the fast path gave it one it does not take, cut by the chunk's end):
      // it gets what finishes that frame, then the fast path can go on from the next one.
      while (at < chunk.length && !(r._state === WS_GET_INFO && r._bufferedBytes === 0)) {
        if (this.wsDone()) return ok;
        const n = r._state === WS_GET_DATA ? r._payloadLength - r._bufferedBytes : r._state < WS_GET_DATA ? 1 : chunk.length - at;
        const take = Math.min(chunk.length - at, Math.max(1, n));
        ok = wsWrite(chunk.subarray(at, at + take)) && ok;
        at += take;
      }
    }
    let touched = carry !== undefined;
    for (;;) {
      // ws has read a close frame or failed: it would not read the rest of the chunk either.
      if (at === chunk.length || this.wsDone()) return ok;
      if (!this.fastReady()) {
        // Inside a fragmented message: ws reads it a whole frame at a time, so that the fast path
        // can take the frames after it. Otherwise (closing, an error…) ws reads the rest.
        const end = r._fragmented !== 0 && !this.closed && r._state === WS_GET_INFO && r._bufferedBytes === 0 && !r._errored ? frameEnd(chunk, at, chunk.length) : -1;
        if (end < 0) return wsWrite(chunk.subarray(at)) && ok;
        ok = wsWrite(chunk.subarray(at, end)) && ok;
        at = end;
        continue;
      }
      const h = readHeader(chunk, at, chunk.length, max);
      if (h.kind === "frame") {
        const start = at;
        at = h.end;
        if (!touched) { touched = true; this.lastActivityAt = Date.now(); }
        if (!this.fastFrame(chunk, h)) return wsWrite(chunk.subarray(start)) && ok;
      } else if (h.kind === "partial") {
        // Kept (copied, so that the chunk can be freed) until the rest arrives.
        this.carry = Buffer.from(chunk.subarray(at));
        return ok;
      } else {
        // A control frame, a fragment, anything else: ws reads it (a whole frame when it lies in
        // the chunk, so that the fast path goes on after it; else the rest of the chunk).
        const end = frameEnd(chunk, at, chunk.length);
        if (end < 0) return wsWrite(at === 0 ? chunk : chunk.subarray(at)) && ok;
        ok = wsWrite(chunk.subarray(at, end)) && ok;
        at = end;
      }
    }
  }

  /**
   * One whole masked data frame of `buf` (header `h`): unmasked and handled as ws would hand
   * it over. Returns false, with the frame left as it came, for a text frame that is not UTF-8
   * (ws then closes with 1007, as before).
   */
  private fastFrame(buf: Buffer, h: FrameHeader): boolean {
    const at = h.payloadAt, n = h.payloadLength, end = h.end, mask = h.mask;
    wsFastPath.frames++;
    if (h.binary) {
      // Mono L16 straight into the detector's input region: the one write of the samples.
      const call = this.forward ? undefined : this.protocol?.binaryCall?.();
      if (call) {
        try {
          if (call.frameMasked(buf, at, n, mask)) return true;
        } catch (error) {
          this.bad(messageOf(error));
          return true;
        }
      }
      unmaskInPlace(buf, at, n, mask);
      this.message(buf.subarray(at, end), true);
      return true;
    }
    unmaskInPlace(buf, at, n, mask);
    const data = buf.subarray(at, end);
    if (!isAscii(data) && !isUtf8(data)) { unmaskInPlace(buf, at, n, mask); return false; }
    this.message(data, false);
    return true;
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
      if (this.current && this.protocol?.mediaRecord) {
        const record = readMedia(data);
        if (record && this.protocol.mediaRecord(record)) { this.forward?.message(data, false, this.current); return; }
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
