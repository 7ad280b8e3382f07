/**
 * Redact-and-forward for the WebSocket streams (`--forward-url`, core: forward.ts): each
 * stream goes on to another WebSocket in the protocol it came in:
 *
 * | incoming                                    | forwarded                                                    |
 * |---------------------------------------------|--------------------------------------------------------------|
 * | Twilio-shaped JSON (twilio, signalwire, telnyx, plivo) | the same text messages; in each `media` message only the base64 `payload` is replaced (same length: same bytes), every other field as sent |
 * | Vonage, jambonz, mod_audio_fork (binary L16) | the same text messages, each binary frame replaced by one of the same length (stereo: each channel redacted on its own) |
 * | DTMF reports (`dtmf`, `websocket:dtmf`) and dtmf-wasm's own control messages (`collect`, `prompt_ended`) | not forwarded: a `dtmf` message carries the digit |
 *
 * Frames are redacted and forwarded in the order they arrive (a Telnyx frame out of order
 * stays out of order). Each Twilio track (inbound, outbound) and each stereo channel has its
 * own redactor. The text messages before the first frame (connected/start, the metadata,
 * websocket:connected) are the preamble sent again on a reconnect.
 */
import WebSocket from "ws";
import type { Call } from "./call.js";
import { messageOf } from "./errors.js";
import { CLOSE_TIMEOUT_MS, CONNECT_TIMEOUT_MS, type ForwardHub, Forwarder, type OpenTransport } from "./forward.js";
import { readMediaFast } from "./protocols/media-fast-path.js";
import { l16BigEndian } from "./protocols/twilio-like.js";

/** Messages that are never forwarded: key reports (they carry the digit) and dtmf-wasm's own controls. */
const NOT_FORWARDED = new Set(["dtmf", "websocket:dtmf", "collect", "prompt_ended"]);
const TWILIO_LIKE = new Set(["twilio", "signalwire", "telnyx", "plivo"]);

/** Fills a forwardUrl template for a call. */
export function forwardUrlFor(template: string, call: { id: string; protocol: string }): string {
  return template.replace(/\{callId\}/g, encodeURIComponent(call.id)).replace(/\{protocol\}/g, encodeURIComponent(call.protocol));
}

/** A WebSocket client to `template` (filled per call), with `headers` on its handshake. */
export function webSocketTransport(template: string, headers: Record<string, unknown> = {}): OpenTransport {
  const strings: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) strings[k] = String(v);
  return (call, events) => {
    const socket = new WebSocket(forwardUrlFor(template, call), { headers: strings, perMessageDeflate: false, handshakeTimeout: CONNECT_TIMEOUT_MS });
    socket.on("open", () => events.opened());
    socket.on("error", (error) => events.failed(messageOf(error)));
    socket.on("close", (code) => events.failed(`closed (${code})`));
    socket.on("unexpected-response", (_req, res) => { events.failed(`HTTP ${res.statusCode}`); socket.terminate(); });
    return {
      get bufferedBytes() { return socket.bufferedAmount; },
      send(data, sent) { socket.send(data); sent?.(); },
      end() {
        socket.close(1000, "stream ended");
        // A target that never answers the close is cut.
        setTimeout(() => socket.terminate(), CLOSE_TIMEOUT_MS).unref();
      },
      destroy() { socket.terminate(); },
    };
  };
}

export class StreamForwarder extends Forwarder {
  private bigEndian = false;

  /** The forward of one WebSocket stream connection (`query`: the stream URL's, for Telnyx's byte order). */
  constructor(hub: ForwardHub, open: OpenTransport, private readonly query: URLSearchParams) {
    super(hub, open);
  }

  /**
   * A message the connection has handled without error (so the call, once started, is known).
   * `parsed`: the JSON object when the connection parsed it (undefined on the media fast path).
   */
  message(data: Buffer, isBinary: boolean, call: Call | undefined, parsed?: Record<string, unknown>): void {
    if (this.stopped) {
      // Given up during the call (overflow close, reconnects spent): its frames are counted as not forwarded.
      if (isBinary || (parsed ? parsed.event === "media" : readMediaFast(data) !== undefined)) this.notForwarded();
      return;
    }
    try {
      if (call && !this.call) this.start(call);
      if (isBinary) { if (this.call) this.binaryFrame(data); return; }
      const fast = parsed === undefined ? readMediaFast(data) : undefined;
      const event = parsed ? (parsed.event ?? parsed.type) : fast ? "media" : undefined;
      if (typeof event === "string" && NOT_FORWARDED.has(event)) return;
      if (event === "media" && this.call && TWILIO_LIKE.has(this.call.protocol)) { this.twilioFrame(data, parsed, fast?.payload, fast?.track); return; }
      if (event === "media") return; // media before the start: the protocol refused it already
      this.control(data.toString("utf8"));
    } catch (error) {
      this.warn(messageOf(error));
    }
  }

  private start(call: Call): void {
    this.bigEndian = l16BigEndian(call.protocol, call.encoding, this.query);
    this.begin(call);
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
    // The redactor's output is a fresh array each call: viewed as a Buffer (for base64), not copied.
    const audio = this.redactor(track).process(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length)).audio as Uint8Array;
    const red = Buffer.from(audio.buffer, audio.byteOffset, audio.length);
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
}
