/**
 * The JSON media streams of Twilio and the platforms that follow its shape, one module since
 * they differ only in field names (all from the platforms' public WebSocket message docs):
 *
 * | platform   | start: ids                                     | media format                                  | dtmf                        | prompt end            |
 * |------------|------------------------------------------------|-----------------------------------------------|-----------------------------|-----------------------|
 * | Twilio     | streamSid, start.callSid, start.accountSid, start.customParameters | start.mediaFormat {encoding "audio/x-mulaw", sampleRate 8000, channels 1} | {"event":"dtmf","dtmf":{"track":"inbound_track","digit":"1"}} (bidirectional streams only) | {"event":"mark","mark":{"name"}} echo |
 * | SignalWire | as Twilio (its compatibility API)              | as Twilio; encoding "audio/x-l16" with sampleRate 16000 / 24000 when the <Stream> codec is L16 | as Twilio | as Twilio |
 * | Telnyx     | stream_id, start.call_control_id, start.from/to, start.custom_parameters | start.media_format {encoding "PCMU"/"PCMA"/"L16", sample_rate, channels}; L16 as RTP sends it, big-endian | {"event":"dtmf","dtmf":{"digit"}} | {"event":"mark","mark":{"name"}} |
 * | Plivo      | start.callId, start.streamId, start.accountId, extra_headers "a=1;b=2" | start.mediaFormat {encoding "audio/x-mulaw"/"audio/x-l16", sampleRate 8000/16000}; media.timestamp is Unix ms | {"event":"dtmf","dtmf":{"digit"}} | {"event":"playedStream","name"} |
 *
 * media: {"event":"media", media: {track, chunk, timestamp, payload (base64)}}: only the
 * inbound track (the caller) is detected. stop: {"event":"stop"} ends the call. None of these
 * platforms accepts unknown messages on its socket: no socket sink.
 * Frames are put back in order by media.chunk (Telnyx does not guarantee the order).
 */
import type { CallEncoding } from "../call.js";
import { DtmfProtocolError } from "../errors.js";
import { ReorderBuffer } from "../media-clock.js";
import { type MediaFields, type MediaRecord, payloadIsPlain, payloadText } from "./media-fast-path.js";
import { normaliseDirection } from "../payload-formats.js";
import {
  type ProtocolName, type StreamHost, type StreamProtocol, base64Bound, base64BoundOf, controlMessage, decodeBase64, numberField, objectField, requireCall, stringField,
} from "./protocol.js";

const ENCODINGS: Record<string, CallEncoding> = {
  "audio/x-mulaw": "mulaw", "audio/mulaw": "mulaw", pcmu: "mulaw", mulaw: "mulaw", "audio/pcmu": "mulaw",
  "audio/x-alaw": "alaw", "audio/alaw": "alaw", pcma: "alaw", alaw: "alaw", "audio/pcma": "alaw",
  "audio/x-l16": "pcm16", "audio/l16": "pcm16", l16: "pcm16", linear16: "pcm16",
};
/** Media frames waiting for an earlier one, at most (60 ms of 20 ms frames). */
const REORDER_WINDOW = 3;

/** Whether a stream's L16 is big-endian: `?byteorder=be|le`, else Telnyx's (as RTP sends it), else little-endian. */
export function l16BigEndian(protocol: string, encoding: CallEncoding, query: URLSearchParams): boolean {
  const order = query.get("byteorder");
  return encoding === "pcm16" && (order === "be" || (order !== "le" && protocol === "telnyx"));
}

interface Frame { bytes: Uint8Array; timestampMs: number | undefined }

export class TwilioLikeProtocol implements StreamProtocol {
  readonly acceptsReplies = false;
  private bigEndian = false;
  private readonly reorder = new ReorderBuffer<Frame>(REORDER_WINDOW);
  /** Plivo-style Unix-ms timestamps are turned into ms from the first one. */
  private started = false;

  constructor(public name: ProtocolName, private readonly host: StreamHost, private readonly maxFrameBytes: number, private readonly fixed: boolean) {}

  text(message: Record<string, unknown>): void {
    switch (message.event) {
      case "connected": return;
      case "start": this.start(message); return;
      case "media": this.media(message); return;
      case "dtmf": {
        const call = requireCall(this.host, this.name, "dtmf");
        const dtmf = objectField(message, "dtmf");
        const track = stringField(dtmf, "track");
        if (track !== undefined && !track.startsWith("inbound")) return;
        const digit = stringField(dtmf, "digit");
        if (digit === undefined) throw new DtmfProtocolError(this.name, "dtmf.digit is missing");
        call.outOfBand(digit, { source: "platform", ended: true, durationMs: numberField(dtmf, "duration") });
        return;
      }
      case "mark": requireCall(this.host, this.name, "mark").promptEnded(stringField(objectField(message, "mark"), "name")); return;
      case "playedStream": requireCall(this.host, this.name, "playedStream").promptEnded(stringField(message, "name")); return;
      case "stop": this.flushReorder(); this.host.end("stop"); return;
      case "error": this.host.warn(`the platform reported an error: ${JSON.stringify(message).slice(0, 200)}`); return;
      case "clearedAudio": case "cleared": return;
      default:
        if (controlMessage(this.host, this.name, message)) return;
        throw new DtmfProtocolError(this.name, `unknown event ${JSON.stringify(String(message.event)).slice(0, 40)}`);
    }
  }

  binary(): void { throw new DtmfProtocolError(this.name, "a binary message (this protocol sends JSON text)"); }

  private start(message: Record<string, unknown>): void {
    if (this.started) throw new DtmfProtocolError(this.name, "a second start message on one stream");
    const start = objectField(message, "start") ?? {};
    if (!this.fixed) this.name = start.call_control_id !== undefined || message.stream_id !== undefined ? "telnyx"
      : start.callId !== undefined || start.streamId !== undefined ? "plivo" : "twilio";
    const format = objectField(start, "mediaFormat") ?? objectField(start, "media_format") ?? {};
    const encodingName = stringField(format, "encoding") ?? "audio/x-mulaw";
    const encoding = ENCODINGS[encodingName.toLowerCase()];
    if (encoding === undefined) throw new DtmfProtocolError(this.name, `media format encoding must be one of ${Object.keys(ENCODINGS).join(", ")}; received ${JSON.stringify(encodingName).slice(0, 40)}`);
    const sampleRate = numberField(format, "sampleRate", "sample_rate") ?? 8000;
    const channels = numberField(format, "channels") ?? 1;
    if (channels !== 1) throw new DtmfProtocolError(this.name, `media format channels must be 1; received ${channels}`);
    this.bigEndian = l16BigEndian(this.name, encoding, this.host.query);

    const custom: Record<string, unknown> = { ...(objectField(start, "customParameters") ?? objectField(start, "custom_parameters") ?? {}) };
    const extra = stringField(message, "extra_headers") ?? stringField(start, "extra_headers");
    if (extra) for (const pair of extra.split(/[;,]/)) { const [k, ...v] = pair.split("="); if (k?.trim()) custom[k.trim()] ??= v.join("=").trim(); }
    const streamId = stringField(message, "streamSid", "stream_id", "streamId") ?? stringField(start, "streamSid", "streamId", "stream_id");
    const id = stringField(start, "callSid", "call_control_id", "callId", "call_sid") ?? streamId;
    if (id === undefined) throw new DtmfProtocolError(this.name, "start has no call id (callSid, call_control_id or callId) and no stream id");
    this.started = true;
    this.host.begin({
      protocol: this.name, sampleRate, encoding, channels: 1, collect: custom.collect,
      metadata: {
        id, streamId,
        accountId: stringField(start, "accountSid", "accountId", "account_sid", "user_id"),
        from: stringField(start, "from") ?? stringField(custom, "from"),
        to: stringField(start, "to") ?? stringField(custom, "to"),
        direction: normaliseDirection(stringField(start, "direction") ?? stringField(custom, "direction")),
        custom,
      },
    });
  }

  private media(message: Record<string, unknown>): void {
    const media = objectField(message, "media");
    if (!media) throw new DtmfProtocolError(this.name, "media message without a media object");
    this.frame(stringField(media, "track"), media.payload, numberField(media, "timestamp"), numberField(media, "chunk"));
  }

  /**
   * The cheap frame path (media-fast-path.ts): a media message read without JSON.parse, its
   * payload still in the message's bytes. Canonical base64 (Twilio's) is decoded from them into
   * the detector's input region; any other payload that is a plain string goes as before
   * (mediaFields). Returns false, having done nothing, when the payload span is not a plain
   * JSON string (an escape, a control character): the full parse decides.
   */
  mediaRecord(r: MediaRecord): boolean {
    const call = this.host.call;
    if (!call || !call.streaming) {
      if (!payloadIsPlain(r)) return false;
      requireCall(this.host, this.name, "media");
    }
    const { track, chunk } = r;
    if (track !== undefined && !track.startsWith("inbound")) return payloadIsPlain(r);
    const direct = call!.base64DirectBytes;
    const bound = base64BoundOf(r.payloadEnd - r.payloadStart);
    if (direct > 0 && bound <= direct && bound <= this.maxFrameBytes) {
      // Decoded (so checked) before the reorder window is asked, which counts an in-order frame as taken.
      const samples = call!.decodeToInput(r.data, r.payloadStart, r.payloadEnd);
      if (samples >= 0 && (chunk === undefined || this.reorder.inOrder(chunk))) {
        call!.frameInput(samples, r.timestampMs, r.data, r.payloadStart, r.payloadEnd);
        return true;
      }
    }
    if (!payloadIsPlain(r)) return false;
    this.mediaFields({ track, chunk, timestampMs: r.timestampMs, payload: payloadText(r) });
    return true;
  }

  /** The fields of a media message read without JSON.parse, the payload as text (the path before mediaRecord). */
  mediaFields(fields: MediaFields): void {
    const call = requireCall(this.host, this.name, "media");
    const { track, payload, chunk } = fields;
    if (track !== undefined && !track.startsWith("inbound")) return;
    // The common case (G.711, in order): decoded straight into the detector's input region.
    const direct = call.base64DirectBytes;
    if (direct > 0 && base64Bound(this.name, payload, this.maxFrameBytes) <= direct && (chunk === undefined || this.reorder.inOrder(chunk))) {
      call.frameBase64(payload, fields.timestampMs);
      return;
    }
    this.frame(track, payload, fields.timestampMs, chunk);
  }

  private frame(track: string | undefined, payload: unknown, timestampMs: number | undefined, chunk: number | undefined): void {
    const call = requireCall(this.host, this.name, "media");
    if (track !== undefined && !track.startsWith("inbound")) return;
    const bytes = decodeBase64(this.name, payload, this.maxFrameBytes);
    if (this.bigEndian) {
      if (bytes.length % 2 !== 0) throw new DtmfProtocolError(this.name, `an L16 payload must be an even number of bytes; received ${bytes.length}`);
      bytes.swap16();
    }
    if (chunk === undefined || this.reorder.inOrder(chunk)) { call.frame(bytes, timestampMs); return; }
    const ready = this.reorder.push(chunk, { bytes, timestampMs }, (f) => ({ bytes: Uint8Array.from(f.bytes), timestampMs: f.timestampMs }));
    call.stats.outOfOrder = this.reorder.dropped + this.reorder.reordered;
    for (const f of ready) call.frame(f.bytes, f.timestampMs);
  }

  private flushReorder(): void {
    const call = this.host.call;
    if (!call) return;
    for (const f of this.reorder.drain()) call.frame(f.bytes, f.timestampMs);
  }
}
