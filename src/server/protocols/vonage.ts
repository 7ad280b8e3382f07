/**
 * Vonage Voice API WebSocket (an NCCO `connect` action with a `websocket` endpoint). The first
 * message is JSON text: {"event":"websocket:connected","content-type":"audio/l16;rate=16000",
 * …the endpoint's `headers`}; then binary messages of 16-bit little-endian linear PCM at that
 * rate (20 ms each: 320 bytes at 8 kHz, 640 at 16 kHz), and JSON text events:
 * {"event":"websocket:dtmf","digit":"5","duration":260} (duration in ms) and
 * {"event":"websocket:notify",…} (the answer to a `notify` command: the audio sent before it
 * has played: the prompt's end). The call id comes from the endpoint headers (`uuid`,
 * `call_uuid`, `conversation_uuid`) or the URL's `?call_id=`; without one the stream gets its
 * own. No timestamps: media time is the audio received. No socket sink (Vonage takes only its
 * own commands).
 */
import { randomUUID } from "node:crypto";
import type { Call } from "../call.js";
import { DtmfProtocolError } from "../errors.js";
import { normaliseDirection } from "../payload-formats.js";
import { type StreamHost, type StreamProtocol, controlMessage, numberField, objectField, requireCall, stringField } from "./protocol.js";

const CONTENT_TYPE = /^audio\/l16;\s*rate=(\d+)$/i;

export class VonageProtocol implements StreamProtocol {
  readonly name = "vonage" as const;
  readonly acceptsReplies = false;
  private started = false;

  constructor(private readonly host: StreamHost) {}

  text(message: Record<string, unknown>): void {
    switch (message.event) {
      case "websocket:connected": this.start(message); return;
      case "websocket:dtmf": {
        const call = requireCall(this.host, this.name, "websocket:dtmf");
        const dtmf = objectField(message, "dtmf");
        const digit = stringField(message, "digit") ?? stringField(dtmf, "digit", "digits");
        if (digit === undefined) throw new DtmfProtocolError(this.name, "websocket:dtmf without a digit");
        call.outOfBand(digit, { source: "platform", ended: true, durationMs: numberField(message, "duration") ?? numberField(dtmf, "duration") });
        return;
      }
      case "websocket:notify": requireCall(this.host, this.name, "websocket:notify").promptEnded(stringField(objectField(message, "payload"), "name")); return;
      case "websocket:cleared": return;
      default:
        if (controlMessage(this.host, this.name, message)) return;
        throw new DtmfProtocolError(this.name, `unknown event ${JSON.stringify(String(message.event)).slice(0, 40)}`);
    }
  }

  binary(data: Buffer): void {
    requireCall(this.host, this.name, "audio").frame(data);
  }

  binaryCall(): Call | undefined {
    const call = this.host.call;
    return call && call.streaming ? call : undefined;
  }

  private start(message: Record<string, unknown>): void {
    if (this.started) throw new DtmfProtocolError(this.name, "a second websocket:connected message");
    const contentType = stringField(message, "content-type") ?? "audio/l16;rate=8000";
    const m = CONTENT_TYPE.exec(contentType);
    if (!m) throw new DtmfProtocolError(this.name, `content-type must be audio/l16;rate=8000 or audio/l16;rate=16000 (or another rate); received ${JSON.stringify(contentType).slice(0, 60)}`);
    const custom: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(message)) if (k !== "event" && k !== "content-type") custom[k] = v;
    const id = stringField(custom, "uuid", "call_uuid", "conversation_uuid", "callId") ?? this.host.query.get("call_id") ?? `vonage-${randomUUID()}`;
    this.started = true;
    this.host.begin({
      protocol: this.name, sampleRate: Number(m[1]), encoding: "pcm16", channels: 1, collect: custom.collect,
      metadata: { id, streamId: stringField(custom, "conversation_uuid"), from: stringField(custom, "from"), to: stringField(custom, "to"), direction: normaliseDirection(stringField(custom, "direction")), custom },
    });
  }
}
