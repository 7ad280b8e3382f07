/**
 * Asterisk AudioSocket over TCP (dialplan `AudioSocket(uuid,host:port)`, or the AudioSocket
 * channel driver). Each message: 1 byte type, 2 bytes payload length (big-endian), payload.
 *
 * | type        | payload                                   | here                                      |
 * |-------------|-------------------------------------------|-------------------------------------------|
 * | 0x00        | none: hang-up                             | the call ends ("hangup"), socket closed   |
 * | 0x01        | 16-byte UUID of the call                  | the call id (string form)                 |
 * | 0x03        | 1 ASCII byte: a DTMF digit                | an out-of-band key (merged with in-band)  |
 * | 0x10        | signed linear 16-bit LE mono, 8 kHz       | audio                                     |
 * | 0x11-0x16   | the same at 12, 16, 24, 32, 44.1, 48 kHz  | audio (types from the Asterisk docs)      |
 * | 0xff        | an error code (1 byte)                    | warning; the call ends ("error")          |
 * | other       |                                           | a bad message (counted; too many close)   |
 *
 * The length field bounds a message to 65,535 bytes; the parser never holds more than one
 * message. There are no timestamps: media time is the audio received. The call starts with the
 * first audio message (its type gives the rate); a rate change mid-call is refused. With
 * `--forward-audiosocket-url`, each message handled without error also goes to the
 * connection's forward (forward-audiosocket.ts: redacted, DTMF messages left out).
 */
import { randomUUID } from "node:crypto";
import { type Server, type Socket, createServer } from "node:net";
import type { Call, CallStart } from "./call.js";
import type { ConnectionGuard, Guarded } from "./connection-guard.js";
import { DtmfProtocolError, messageOf } from "./errors.js";

export const AUDIOSOCKET_HANGUP = 0x00;
export const AUDIOSOCKET_UUID = 0x01;
export const AUDIOSOCKET_DTMF = 0x03;
export const AUDIOSOCKET_ERROR = 0xff;
/** Audio message types and their rates (Asterisk's AudioSocket protocol page). */
export const AUDIOSOCKET_RATES: Readonly<Record<number, number>> = { 0x10: 8000, 0x11: 12000, 0x12: 16000, 0x13: 24000, 0x14: 32000, 0x15: 44100, 0x16: 48000 };
const HEADER_BYTES = 3;
const UUID_BYTES = 16;
const MAX_PAYLOAD_BYTES = 0xffff;
/** No partial message held (one shared empty buffer, not a new one per chunk). */
const EMPTY = Buffer.alloc(0);

export interface AudioSocketServer {
  readonly settings: { maxBadMessages: number };
  /** Connection limits; `allowed` is the source-address allow-list (none: everyone). */
  readonly guard?: ConnectionGuard;
  readonly allowed?: (address: string) => boolean;
  refuse?(protocol: string, reason: string): void;
  registerCall(start: CallStart, owner: object): Call;
  warn(call: Call | undefined, message: string, protocol?: string): void;
  countBad(protocol: string | undefined): void;
  /** The redacted copy of a connection's messages (--forward-audiosocket-url), when on. */
  forwardAudioSocket?(): AudioSocketForward | undefined;
}

/** What a connection hands its forward (forward-audiosocket.ts). */
export interface AudioSocketForward {
  /** A message the connection has handled without error; `call` the call once started. */
  message(type: number, payload: Buffer, call: Call | undefined): void;
  /** The connection ended. */
  end(): void;
}

/** One AudioSocket message: type, 2-byte big-endian length, payload (at most 65,535 bytes). */
export function audioSocketMessage(type: number, payload: Uint8Array = new Uint8Array(0)): Buffer {
  if (payload.length > MAX_PAYLOAD_BYTES) throw new DtmfProtocolError("audiosocket", `a message payload is at most ${MAX_PAYLOAD_BYTES} bytes; received ${payload.length}`);
  const b = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  b[0] = type;
  b.writeUInt16BE(payload.length, 1);
  b.set(payload, HEADER_BYTES);
  return b;
}

function uuidString(b: Buffer): string {
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

class AudioSocketConnection implements Guarded {
  lastActivityAt = Date.now();
  readonly openedAt = this.lastActivityAt;
  private unwatch?: () => void;
  private pending: Buffer = EMPTY;
  private id?: string;
  private call?: Call;
  private rate?: number;
  private bad = 0;
  private done = false;
  /** The redacted copy going to --forward-audiosocket-url (forward-audiosocket.ts). */
  private readonly forward?: AudioSocketForward;

  constructor(private readonly server: AudioSocketServer, private readonly socket: Socket) {
    this.unwatch = server.guard?.watch(this);
    this.forward = server.forwardAudioSocket?.();
    socket.on("data", (chunk: Buffer) => { this.lastActivityAt = Date.now(); this.data(chunk); });
    socket.on("close", () => this.finish("disconnect"));
    socket.on("error", (error) => { this.server.warn(this.call, `socket error: ${messageOf(error)}`, "audiosocket"); this.finish("disconnect"); });
  }

  get started(): boolean { return this.call !== undefined; }

  expire(reason: "handshake-timeout" | "idle-timeout"): void {
    this.server.warn(this.call, `${reason}: closing the connection`, "audiosocket");
    this.finish(reason);
    this.socket.destroy();
  }

  private data(chunk: Buffer): void {
    if (this.done) return;
    const buffer = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let at = 0;
    while (!this.done && buffer.length - at >= HEADER_BYTES) {
      const type = buffer[at];
      const length = buffer.readUInt16BE(at + 1);
      if (buffer.length - at < HEADER_BYTES + length) break;
      const payload = buffer.subarray(at + HEADER_BYTES, at + HEADER_BYTES + length);
      at += HEADER_BYTES + length;
      try {
        this.message(type, payload);
        this.forward?.message(type, payload, this.call);
      } catch (error) { this.badMessage(messageOf(error)); }
    }
    // Keep at most one partial message (≤ 65,538 bytes), copied so the chunk can be freed.
    this.pending = at === buffer.length ? EMPTY : Buffer.from(buffer.subarray(at));
  }

  private message(type: number, payload: Buffer): void {
    if (type === AUDIOSOCKET_HANGUP) { this.finish("hangup"); this.socket.end(); return; }
    if (type === AUDIOSOCKET_UUID) {
      if (payload.length !== UUID_BYTES) throw new DtmfProtocolError("audiosocket", `a UUID message has ${UUID_BYTES} bytes; received ${payload.length}`);
      if (this.call) throw new DtmfProtocolError("audiosocket", "a UUID message after the audio started");
      this.id = uuidString(payload);
      return;
    }
    if (type === AUDIOSOCKET_ERROR) {
      this.server.warn(this.call, `Asterisk reported error code ${payload.length > 0 ? payload[0] : "(none)"}`, "audiosocket");
      this.finish("error");
      this.socket.end();
      return;
    }
    if (type === AUDIOSOCKET_DTMF) {
      if (payload.length !== 1) throw new DtmfProtocolError("audiosocket", `a DTMF message has 1 byte; received ${payload.length}`);
      this.begin(this.rate ?? 8000).outOfBand(String.fromCharCode(payload[0]), { source: "platform", ended: true });
      return;
    }
    const rate = AUDIOSOCKET_RATES[type];
    if (rate === undefined) throw new DtmfProtocolError("audiosocket", `unknown message type 0x${type.toString(16).padStart(2, "0")}`);
    if (this.rate !== undefined && this.rate !== rate) throw new DtmfProtocolError("audiosocket", `the audio changed from ${this.rate} to ${rate} Hz mid-call`);
    this.rate = rate;
    this.begin(rate).frame(payload);
  }

  private begin(rate: number): Call {
    if (this.call) return this.call;
    this.rate = rate;
    this.call = this.server.registerCall({
      protocol: "audiosocket", sampleRate: rate, encoding: "pcm16", channels: 1,
      metadata: { id: this.id ?? `audiosocket-${randomUUID()}`, custom: {} },
    }, this);
    return this.call;
  }

  private badMessage(reason: string): void {
    this.bad++;
    this.call?.bad();
    this.server.countBad("audiosocket");
    this.server.warn(this.call, reason, "audiosocket");
    if (this.bad >= this.server.settings.maxBadMessages) { this.finish("closed"); this.socket.destroy(); }
  }

  private finish(reason: string): void {
    if (this.done) return;
    this.done = true;
    this.unwatch?.();
    this.forward?.end();
    this.pending = EMPTY;
    if (this.call?.streaming) this.call.end(reason);
  }
}

export function createAudioSocketServer(server: AudioSocketServer): Server {
  const open = new Set<Socket>();
  const tcp = createServer((socket) => {
    const address = socket.remoteAddress;
    // Checked before a byte is read: AudioSocket has no handshake to carry a credential.
    if (server.allowed && !(address && server.allowed(address))) { server.refuse?.("audiosocket", `source ${address} is not in allowFrom`); socket.destroy(); return; }
    if (server.guard && !server.guard.admit(address)) { server.refuse?.("audiosocket", `source ${address} has maxCallsPerAddress connections open`); socket.destroy(); return; }
    open.add(socket);
    socket.once("close", () => { open.delete(socket); server.guard?.release(address); });
    new AudioSocketConnection(server, socket);
  });
  // net.Server.close() waits for every connection: on shutdown the server ends them (their calls first).
  const close = tcp.close.bind(tcp);
  tcp.close = (callback?: (error?: Error) => void) => { close(callback); for (const s of open) s.destroy(); open.clear(); return tcp; };
  tcp.on("error", (error) => server.warn(undefined, `AudioSocket server: ${messageOf(error)}`, "audiosocket"));
  return tcp;
}
