/**
 * JSON metadata first, binary L16 after: jambonz `listen` and FreeSWITCH mod_audio_fork.
 *
 * jambonz `listen` (WebSocket subprotocol audio.jambonz.org): the first text message holds the
 * call's attributes (callSid, accountSid, applicationSid, from, to, direction, callId…) plus
 * `sampleRate` and `mixType` ("mono", "mixed", or "stereo": the caller on the first channel,
 * the other party on the second), and the listen verb's `metadata`. Then binary frames of
 * 16-bit little-endian PCM, interleaved when stereo. With `passDtmf`, keys also come as text:
 * {"event":"dtmf","dtmf":"5","duration":"160"}.
 *
 * mod_audio_fork (`uuid_audio_fork <uuid> start <url> <mono|mixed|stereo> <8k|16k> <metadata>`):
 * the first text message is the metadata argument, as given (JSON); then binary L16 frames,
 * the caller on the first channel when stereo. The rate and the mix are not in the stream:
 * they come from the metadata (`sampleRate`/`sample_rate`, `mixType`/`mix_type`) or the
 * URL (`?rate=16000&mix=stereo`); defaults 8000, mono. The call id: the metadata's `uuid`,
 * `callId`, `call_id` or `callSid`, or `?uuid=`. Text frames sent back become FreeSWITCH
 * `mod_audio_fork::json` events: the socket sink works here.
 */
import { randomUUID } from "node:crypto";
import type { Call } from "../call.js";
import { DtmfProtocolError } from "../errors.js";
import { normaliseDirection } from "../payload-formats.js";
import { type ProtocolName, type StreamHost, type StreamProtocol, controlMessage, numberField, objectField, requireCall, stringField } from "./protocol.js";

const RATES: Record<string, number> = { "8k": 8000, "16k": 16000, "24k": 24000, "32k": 32000, "48k": 48000, "64k": 64000 };

export class PcmStreamProtocol implements StreamProtocol {
  readonly acceptsReplies: boolean;
  private started = false;

  constructor(readonly name: Extract<ProtocolName, "jambonz" | "audio_fork">, private readonly host: StreamHost) {
    this.acceptsReplies = name === "audio_fork";
  }

  text(message: Record<string, unknown>): void {
    if (!this.started) { this.start(message); return; }
    if (message.event === "dtmf") {
      const dtmf = message.dtmf;
      const digit = typeof dtmf === "string" ? dtmf : stringField(objectField(message, "dtmf"), "digit");
      if (digit === undefined) throw new DtmfProtocolError(this.name, "dtmf message without a digit");
      requireCall(this.host, this.name, "dtmf").outOfBand(digit, { source: "platform", ended: true, durationMs: numberField(message, "duration") });
      return;
    }
    if (controlMessage(this.host, this.name, message)) return;
    throw new DtmfProtocolError(this.name, `unknown message ${JSON.stringify(String(message.event ?? message.type)).slice(0, 40)}`);
  }

  binary(data: Buffer): void {
    if (!this.started) throw new DtmfProtocolError(this.name, "audio before the metadata text message");
    requireCall(this.host, this.name, "audio").frame(data);
  }

  binaryCall(): Call | undefined {
    const call = this.started ? this.host.call : undefined;
    return call && call.streaming ? call : undefined;
  }

  private start(meta: Record<string, unknown>): void {
    const q = this.host.query;
    const rateText = stringField(meta, "sampleRate", "sample_rate") ?? q.get("rate") ?? "8000";
    const sampleRate = RATES[rateText] ?? Number(rateText);
    const mix = (stringField(meta, "mixType", "mix_type") ?? q.get("mix") ?? "mono").toLowerCase();
    if (!["mono", "mixed", "stereo"].includes(mix)) throw new DtmfProtocolError(this.name, `mixType must be mono, mixed or stereo; received ${JSON.stringify(mix).slice(0, 30)}`);
    const custom: Record<string, unknown> = { ...(objectField(meta, "metadata") ?? {}), ...(objectField(meta, "customerData") ?? {}) };
    for (const [k, v] of Object.entries(meta)) if (!(k in custom) && k !== "metadata") custom[k] = v;
    const id = stringField(meta, "callSid", "uuid", "callId", "call_id", "call_sid") ?? q.get("uuid") ?? `${this.name}-${randomUUID()}`;
    this.started = true;
    this.host.begin({
      protocol: this.name, sampleRate, encoding: "pcm16", channels: mix === "stereo" ? 2 : 1, collect: custom.collect,
      metadata: {
        id, streamId: stringField(meta, "callId", "call_id"),
        accountId: stringField(meta, "accountSid", "account_sid"), applicationId: stringField(meta, "applicationSid", "application_sid"),
        from: stringField(meta, "from", "caller_id_number"), to: stringField(meta, "to", "destination_number"),
        direction: normaliseDirection(stringField(meta, "direction")), custom,
      },
    });
  }
}
