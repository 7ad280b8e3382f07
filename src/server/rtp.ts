/**
 * RTP over UDP: Asterisk External Media (ARI `externalMedia`, format ulaw / alaw / slin16), an
 * SBC's media fork. One call per source address and port. Audio PT 0 is PCMU, 8 is PCMA; any
 * other PT but the telephone-event one is `rtpEncoding` (L16 is big-endian on RTP, RFC 3551:
 * swapped in place in the received datagram, no copy). Packets are put back in order by
 * sequence number within a window of REORDER_WINDOW packets; lost packets leave a timestamp
 * gap the media clock fills (bounded). RFC 4733 telephone-events go to the
 * TelephoneEventReceiver (src/rtp/) and are merged with the in-band keys. A new SSRC starts a
 * new timestamp origin, media time running on. A call ends after `rtpIdleMs` without a packet
 * (the one wall-clock timer here) or at shutdown. With `--forward-rtp-url`, each audio packet
 * the call takes (in sequence order) also goes to the call's forward (forward-rtp.ts:
 * redacted, the header kept); telephone-events do not.
 */
import { type Socket as UdpSocket, createSocket } from "node:dgram";
import { TelephoneEventReceiver } from "../rtp/receiver.js";
import type { Call, CallEncoding, CallStart } from "./call.js";
import { DtmfProtocolError, messageOf } from "./errors.js";
import { ReorderBuffer } from "./media-clock.js";
import type { RtpEncoding } from "./options.js";

const RTP_VERSION = 2;
const RTP_HEADER_BYTES = 12;
const PT_PCMU = 0, PT_PCMA = 8;
/** Packets held for reordering, at most (80 ms of 20 ms packets). */
const REORDER_WINDOW = 4;
const SEQUENCE_MODULO = 65536;
const UINT32 = 2 ** 32;

export interface RtpServer {
  readonly settings: { rtpEncoding: RtpEncoding; rtpRate: number; rtpEventPayloadType: number; rtpIdleMs: number; rtpReceiveBufferBytes: number; maxBadMessages: number };
  registerCall(start: CallStart, owner: object): Call;
  warn(call: Call | undefined, message: string, protocol?: string): void;
  countBad(protocol: string | undefined): void;
  /** The source-address allow-list (none: everyone). */
  readonly allowed?: (address: string) => boolean;
  refuse?(protocol: string, reason: string): void;
  /** The redacted copy of a call's audio packets (--forward-rtp-url), when on. */
  forwardRtp?(call: Call): RtpForward | undefined;
}

/** What a stream hands its forward (forward-rtp.ts). */
export interface RtpForward {
  /** An audio packet the call has taken, in sequence order; `payload` (within `datagram`) is little-endian if L16. */
  audio(datagram: Buffer, payload: Buffer): void;
  /** The call ended. */
  end(): void;
}

/** A parsed packet; `payload` is a view into `datagram` (the whole packet). */
interface Packet { pt: number; sequence: number; timestamp: number; ssrc: number; payload: Buffer; datagram: Buffer }

/** A packet's own copy (it waits in the reorder buffer): the datagram copied, the payload a view into the copy. */
function keepPacket(p: Packet): Packet {
  const datagram = Buffer.from(p.datagram);
  const at = p.payload.byteOffset - p.datagram.byteOffset;
  return { ...p, datagram, payload: datagram.subarray(at, at + p.payload.length) };
}

export function parseRtp(msg: Buffer): Packet {
  if (msg.length < RTP_HEADER_BYTES) throw new DtmfProtocolError("rtp", `a packet of ${msg.length} bytes is shorter than an RTP header`);
  const b0 = msg[0];
  if (b0 >> 6 !== RTP_VERSION) throw new DtmfProtocolError("rtp", `RTP version must be 2; received ${b0 >> 6}`);
  let offset = RTP_HEADER_BYTES + (b0 & 0x0f) * 4;
  if (b0 & 0x10) {
    if (msg.length < offset + 4) throw new DtmfProtocolError("rtp", "a header extension past the packet's end");
    offset += 4 + msg.readUInt16BE(offset + 2) * 4;
  }
  let end = msg.length;
  if (b0 & 0x20) end -= msg[msg.length - 1];
  if (offset > end) throw new DtmfProtocolError("rtp", "the header (CSRCs, extension, padding) is longer than the packet");
  return { pt: msg[1] & 0x7f, sequence: msg.readUInt16BE(2), timestamp: msg.readUInt32BE(4), ssrc: msg.readUInt32BE(8), payload: msg.subarray(offset, end), datagram: msg };
}

class RtpStream {
  call?: Call;
  lastPacketAt = Date.now();
  private ssrc?: number;
  /** Timestamp (unwrapped units) of media ms `baseMs`. */
  private origin = 0;
  private baseMs = 0;
  private lastTs = 0;
  private unwrapped = 0;
  private events?: TelephoneEventReceiver;
  private eventBase = 0;
  private reorder = new ReorderBuffer<Packet>(REORDER_WINDOW, SEQUENCE_MODULO);
  /** The redacted copy going to --forward-rtp-url (forward-rtp.ts); telephone-events never reach it. */
  private forward?: RtpForward;
  bad = 0;

  constructor(private readonly server: RtpServer, readonly key: string) {}

  packet(p: Packet): void {
    const s = this.server.settings;
    if (p.ssrc !== this.ssrc) this.newSource(p);
    if (p.pt === s.rtpEventPayloadType) {
      const call = this.begin(p.pt);
      for (const e of this.events!.receive(p.payload, { timestamp: p.timestamp, sequence: p.sequence })) {
        call.outOfBand(e.digit, {
          source: "rfc4733", ended: e.type === "dtmf", startSample: e.startSample + this.eventBase,
          durationSamples: e.type === "dtmf" ? e.durationSamples : undefined,
        });
      }
      return;
    }
    const call = this.begin(p.pt);
    const encoding = this.encodingOf(p.pt);
    if (encoding !== call.encoding) throw new DtmfProtocolError("rtp", `payload type ${p.pt} (${encoding}) in a ${call.encoding} call`);
    if (this.reorder.inOrder(p.sequence)) this.audio(call, p); // the common case, without allocating
    else for (const q of this.reorder.push(p.sequence, p, keepPacket)) this.audio(call, q);
    call.stats.outOfOrder = this.reorder.dropped + this.reorder.reordered;
  }

  private audio(call: Call, p: Packet): void {
    let delta = (p.timestamp - this.lastTs) >>> 0;
    if (delta >= UINT32 / 2) delta -= UINT32;
    this.unwrapped += delta;
    this.lastTs = p.timestamp;
    if (call.encoding === "pcm16") {
      if (p.payload.length % 2 !== 0) throw new DtmfProtocolError("rtp", `an L16 payload must be an even number of bytes; received ${p.payload.length}`);
      p.payload.swap16(); // network byte order → little-endian, in place
    }
    call.frame(p.payload, this.baseMs + ((this.unwrapped - this.origin) * 1000) / call.sampleRate);
    this.forward?.audio(p.datagram, p.payload);
    for (const e of this.events!.advance(p.timestamp)) {
      call.outOfBand(e.digit, { source: "rfc4733", ended: e.type === "dtmf", startSample: e.startSample + this.eventBase, durationSamples: e.type === "dtmf" ? e.durationSamples : undefined });
    }
  }

  private newSource(p: Packet): void {
    const call = this.call;
    if (call) {
      // The old source's packets still waiting, and its event still open, first.
      for (const q of this.reorder.drain()) this.audio(call, q);
      for (const e of this.events?.flush() ?? []) {
        call.outOfBand(e.digit, { source: "rfc4733", ended: true, startSample: e.startSample + this.eventBase, durationSamples: e.type === "dtmf" ? e.durationSamples : undefined });
      }
    }
    this.ssrc = p.ssrc;
    this.lastTs = p.timestamp;
    this.unwrapped = 0;
    this.origin = 0;
    this.baseMs = call?.positionMs ?? 0;
    this.eventBase = call?.positionSamples ?? 0;
    this.reorder = new ReorderBuffer<Packet>(REORDER_WINDOW, SEQUENCE_MODULO);
    this.events = new TelephoneEventReceiver({ clockRate: this.server.settings.rtpRate, timestampOrigin: p.timestamp });
  }

  private encodingOf(pt: number): CallEncoding {
    if (pt === PT_PCMU) return "mulaw";
    if (pt === PT_PCMA) return "alaw";
    const e = this.server.settings.rtpEncoding;
    return e === "pcmu" ? "mulaw" : e === "pcma" ? "alaw" : "pcm16";
  }

  private begin(pt: number): Call {
    if (this.call) return this.call;
    const s = this.server.settings;
    this.call = this.server.registerCall({
      protocol: "rtp", sampleRate: s.rtpRate, encoding: pt === s.rtpEventPayloadType ? this.encodingOf(-1) : this.encodingOf(pt), channels: 1,
      metadata: { id: `rtp-${this.key}`, custom: {} },
    }, this);
    this.forward = this.server.forwardRtp?.(this.call);
    return this.call;
  }

  end(reason: string): void {
    const call = this.call;
    if (!call?.streaming) { this.forward?.end(); return; }
    for (const q of this.reorder.drain()) { try { this.audio(call, q); } catch { /* end anyway */ } }
    for (const e of this.events?.flush() ?? []) {
      try { call.outOfBand(e.digit, { source: "rfc4733", ended: true, startSample: e.startSample + this.eventBase, durationSamples: e.type === "dtmf" ? e.durationSamples : undefined }); } catch { /* end anyway */ }
    }
    call.end(reason);
    this.forward?.end();
  }
}

export interface RtpListener {
  socket: UdpSocket;
  /** Ends every RTP call (shutdown). */
  endAll(reason: string): void;
}

export function createRtpListener(server: RtpServer): RtpListener {
  const streams = new Map<string, RtpStream>();
  // A large kernel buffer: UDP has no backpressure, so an event-loop pause longer than the
  // buffer holds is audio lost (the kernel counts it in RcvbufErrors).
  const socket = createSocket({ type: "udp4", recvBufferSize: server.settings.rtpReceiveBufferBytes });
  socket.on("message", (msg, remote) => {
    // Checked before the datagram is parsed: RTP has no handshake to carry a credential.
    if (server.allowed && !server.allowed(remote.address)) { server.refuse?.("rtp", `source ${remote.address} is not in allowFrom`); return; }
    const key = `${remote.address}:${remote.port}`;
    let stream = streams.get(key);
    try {
      const packet = parseRtp(msg);
      if (!stream) { stream = new RtpStream(server, key); streams.set(key, stream); }
      stream.lastPacketAt = Date.now();
      stream.packet(packet);
    } catch (error) {
      server.countBad("rtp");
      server.warn(stream?.call, `${key}: ${messageOf(error)}`, "rtp");
      if (stream) {
        stream.call?.bad();
        if (++stream.bad >= server.settings.maxBadMessages) { stream.end("closed"); streams.delete(key); }
      }
    }
  });
  socket.on("error", (error) => server.warn(undefined, `RTP socket: ${messageOf(error)}`, "rtp"));
  // The one wall-clock adapter: a call whose packets stopped has ended.
  const timer = setInterval(() => {
    const now = Date.now();
    for (const [key, stream] of streams) {
      if (now - stream.lastPacketAt >= server.settings.rtpIdleMs || (stream.call && !stream.call.streaming)) {
        try { stream.end("idle"); } catch (error) { server.warn(stream.call, messageOf(error), "rtp"); }
        streams.delete(key);
      }
    }
  }, Math.max(50, Math.round(server.settings.rtpIdleMs / 4)));
  timer.unref();
  socket.on("close", () => clearInterval(timer));
  return {
    socket,
    endAll(reason) { for (const stream of streams.values()) { try { stream.end(reason); } catch { /* shutting down */ } } streams.clear(); clearInterval(timer); },
  };
}
