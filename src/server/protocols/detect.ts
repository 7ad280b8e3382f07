/**
 * Which protocol a WebSocket speaks: the URL path decides where it names one
 * (/twilio, /signalwire, /telnyx, /plivo, /vonage, /jambonz, /audio_fork); on any other
 * path the first text message does:
 *
 * | first message                                             | protocol                              |
 * |-----------------------------------------------------------|---------------------------------------|
 * | {"event":"connected",…} or {"event":"start",…}            | Twilio-like (twilio, telnyx or plivo by the start's fields) |
 * | {"event":"websocket:connected",…}                         | vonage                                |
 * | an object without "event" with callSid and sampleRate or mixType | jambonz                        |
 * | any other object without "event"                          | audio_fork (its metadata is free-form)|
 */
import { PcmStreamProtocol } from "./pcm-stream.js";
import { PROTOCOL_NAMES, type ProtocolName, type StreamHost, type StreamProtocol } from "./protocol.js";
import { TwilioLikeProtocol } from "./twilio-like.js";
import { VonageProtocol } from "./vonage.js";

/** The protocol a path names, if it names one. */
export function protocolForPath(pathname: string): ProtocolName | undefined {
  const last = pathname.split("/").filter(Boolean).pop();
  return PROTOCOL_NAMES.includes(last as ProtocolName) ? (last as ProtocolName) : undefined;
}

export function makeProtocol(name: ProtocolName, host: StreamHost, maxFrameBytes: number, fixed = true): StreamProtocol {
  switch (name) {
    case "vonage": return new VonageProtocol(host);
    case "jambonz": case "audio_fork": return new PcmStreamProtocol(name, host);
    default: return new TwilioLikeProtocol(name, host, maxFrameBytes, fixed);
  }
}

/** The protocol of a stream from its first text message, or undefined if it matches none. */
export function detectProtocol(first: Record<string, unknown>, host: StreamHost, maxFrameBytes: number): StreamProtocol | undefined {
  const event = first.event;
  if (event === "connected" || event === "start") return new TwilioLikeProtocol("twilio", host, maxFrameBytes, false);
  if (event === "websocket:connected") return new VonageProtocol(host);
  if (event !== undefined) return undefined;
  if (typeof first.callSid === "string" && (first.sampleRate !== undefined || first.mixType !== undefined)) return new PcmStreamProtocol("jambonz", host);
  return new PcmStreamProtocol("audio_fork", host);
}
