/**
 * Redact-and-forward for Asterisk AudioSocket (`--forward-audiosocket-url tcp://host:port`,
 * core: forward.ts): each AudioSocket connection is forwarded over a TCP connection of its own
 * to the target, as an AudioSocket stream:
 *
 * | incoming message (audiosocket.ts)     | forwarded                                                 |
 * |---------------------------------------|-----------------------------------------------------------|
 * | 0x01 UUID                             | as it came (first; sent again first on a reconnect)       |
 * | 0x10-0x16 audio (slin, 8-48 kHz)      | the same type and length, the payload redacted            |
 * | 0x03 DTMF                             | not forwarded: it carries the digit                       |
 * | 0x00 hang-up, 0xff error              | as it came; then the connection is ended                  |
 * | a message the listener refused        | not forwarded                                             |
 *
 * The target can answer with messages of its own (AudioSocket is two-way); they are read and
 * discarded. A target that half-closes or closes the connection while the call streams is
 * connected again (forwardMaxReconnects).
 */
import { connect } from "node:net";
import { AUDIOSOCKET_DTMF, AUDIOSOCKET_RATES, type AudioSocketForward, audioSocketMessage } from "./audiosocket.js";
import { DtmfOptionError } from "../errors.js";
import type { Call } from "./call.js";
import { messageOf } from "./errors.js";
import { CLOSE_TIMEOUT_MS, CONNECT_TIMEOUT_MS, type ForwardHub, Forwarder, type OpenTransport } from "./forward.js";
import { endpointOf } from "./options.js";

/** A TCP connection to `url` (tcp://host:port). */
export function tcpTransport(url: string): OpenTransport {
  const target = endpointOf(url, "tcp");
  if (!target) throw new DtmfOptionError("forwardAudiosocketUrl", "a tcp://host:port URL", url);
  const { host, port } = target;
  return (_call, events) => {
    const socket = connect({ host, port });
    socket.setNoDelay(true); // one 20 ms frame per write: no Nagle wait
    const timer = setTimeout(() => { events.failed(`no connection after ${CONNECT_TIMEOUT_MS} ms`); socket.destroy(); }, CONNECT_TIMEOUT_MS).unref();
    socket.once("connect", () => { clearTimeout(timer); events.opened(); });
    socket.on("data", () => undefined); // the target's own messages: read and discarded
    socket.on("error", (error) => events.failed(messageOf(error)));
    socket.on("close", () => { clearTimeout(timer); events.failed("closed by the target"); });
    return {
      get bufferedBytes() { return socket.writableLength; },
      send(data, sent) { socket.write(data); sent?.(); },
      end() {
        socket.end();
        // A target that never closes its side is cut.
        setTimeout(() => socket.destroy(), CLOSE_TIMEOUT_MS).unref();
      },
      destroy() { socket.destroy(); },
    };
  };
}

export class AudioSocketForwarder extends Forwarder implements AudioSocketForward {
  /** The forward of one AudioSocket connection (`open`: tcpTransport). */
  constructor(hub: ForwardHub, open: OpenTransport) {
    super(hub, open);
  }

  message(type: number, payload: Buffer, call: Call | undefined): void {
    const audio = AUDIOSOCKET_RATES[type] !== undefined;
    if (this.stopped) { if (audio) this.notForwarded(); return; }
    try {
      if (call && !this.call) this.begin(call);
      if (type === AUDIOSOCKET_DTMF) return;
      if (audio) {
        if (this.call) this.media(audioSocketMessage(type, this.redactor("0").process(new Uint8Array(payload.buffer, payload.byteOffset, payload.length)).audio), payload.length);
        return;
      }
      // UUID, hang-up, error: as they came.
      this.control(audioSocketMessage(type, payload));
    } catch (error) {
      this.warn(messageOf(error));
    }
  }
}
