/**
 * Redact-and-forward for RTP (`--forward-rtp-url udp://host:port`, core: forward.ts): each RTP
 * call (one source address and port, rtp.ts) is forwarded from a UDP socket of its own (so the
 * target, too, sees one source port per call) to the target:
 *
 * | incoming packet                      | forwarded                                                  |
 * |--------------------------------------|------------------------------------------------------------|
 * | audio (PCMU, PCMA, L16)              | the same header (SSRC, sequence number, timestamp, marker, CSRCs, extension) and padding, the payload redacted in its own encoding, same length (L16 stays big-endian) |
 * | RFC 4733 telephone-event             | not forwarded: it carries the digit (the target sees its sequence numbers missing) |
 * | a packet the listener refused        | not forwarded                                              |
 *
 * Audio packets go in sequence order, after the listener's reorder window (the redactor's
 * delay line runs on the audio in media order); a lost packet is not filled in (the delay line
 * runs on the audio received). UDP has no connection: the socket is opened once per call (and
 * again only if that failed: reconnects), a datagram the network refuses (ICMP port
 * unreachable, reported on a later send) is counted as a failure and as dropped, and the
 * socket is kept. What waits for the target is the socket's send queue (getSendQueueSize),
 * bounded as for the other protocols.
 */
import { type Socket as UdpSocket, createSocket } from "node:dgram";
import { isIPv6 } from "node:net";
import { DtmfOptionError } from "../errors.js";
import type { Call } from "./call.js";
import { messageOf } from "./errors.js";
import { CLOSE_TIMEOUT_MS, type ForwardHub, Forwarder, type OpenTransport } from "./forward.js";
import { endpointOf } from "./options.js";
import type { RtpForward } from "./rtp.js";

/** A UDP socket connected to `url` (udp://host:port). */
export function udpTransport(url: string): OpenTransport {
  const target = endpointOf(url, "udp");
  if (!target) throw new DtmfOptionError("forwardRtpUrl", "a udp://host:port URL", url);
  const { host, port } = target;
  return (_call, events) => {
    const socket: UdpSocket = createSocket(isIPv6(host) ? "udp6" : "udp4");
    let pending = 0, ending = false, closed = false, open = false;
    const close = () => { if (closed) return; closed = true; try { socket.close(); } catch { /* already closed */ } };
    // Once connected, an error on the socket is the target refusing a datagram (ICMP, read back
    // on the socket): counted, the socket kept (a new one would be a new source port: a new
    // call for the target). Before, it is the socket failing to open.
    socket.on("error", (error) => { if (open) { events.refused(messageOf(error)); return; } events.failed(messageOf(error)); close(); });
    socket.connect(port, host, (error?: Error) => {
      if (error) { events.failed(messageOf(error)); close(); return; }
      open = true;
      events.opened();
    });
    return {
      get bufferedBytes() { return closed ? 0 : socket.getSendQueueSize(); },
      send(data, sent) {
        pending++;
        socket.send(data, (error) => {
          pending--;
          sent?.(error ?? undefined);
          if (ending && pending === 0) close();
        });
      },
      end() {
        ending = true;
        if (pending === 0) { close(); return; }
        setTimeout(close, CLOSE_TIMEOUT_MS).unref();
      },
      destroy: close,
    };
  };
}

export class RtpForwarder extends Forwarder implements RtpForward {
  /** The forward of RTP call `call` (`open`: udpTransport), started at once: the call has begun. */
  constructor(hub: ForwardHub, call: Call, open: OpenTransport) {
    super(hub, open);
    this.begin(call);
  }

  audio(datagram: Buffer, payload: Buffer): void {
    if (this.stopped) { this.notForwarded(); return; }
    try {
      const call = this.call!;
      const at = payload.byteOffset - datagram.byteOffset;
      const out = Buffer.from(datagram);
      out.set(this.redactor("0").process(new Uint8Array(payload.buffer, payload.byteOffset, payload.length)).audio, at);
      if (call.encoding === "pcm16") out.subarray(at, at + payload.length).swap16(); // back to network byte order
      this.media(out, payload.length);
    } catch (error) {
      this.warn(messageOf(error));
    }
  }
}
