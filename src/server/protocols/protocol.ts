/**
 * The one small interface every WebSocket stream protocol implements. A protocol turns the
 * platform's messages into calls on its host: begin the call (with its format and metadata),
 * audio frames, out-of-band keys, prompt ends, collection requests, the end. Everything else
 * (ownership of call ids, limits, bad-message counting, replies, errors) is the host's.
 */
import type { Call, CallStart } from "../call.js";
import { DtmfProtocolError } from "../errors.js";

export type ProtocolName = "twilio" | "signalwire" | "telnyx" | "plivo" | "vonage" | "jambonz" | "audio_fork";
export const PROTOCOL_NAMES: readonly ProtocolName[] = ["twilio", "signalwire", "telnyx", "plivo", "vonage", "jambonz", "audio_fork"];

export interface StreamHost {
  /** Starts the call; throws when its id is already streaming on another connection, or its format is refused. */
  begin(start: CallStart): Call;
  readonly call: Call | undefined;
  /** The socket's URL query (?rate=16000&mix=stereo…). */
  readonly query: URLSearchParams;
  /** The platform ended the stream ("stop", "hangup"…). */
  end(reason: string): void;
  warn(message: string): void;
}

export interface StreamProtocol {
  name: ProtocolName;
  /** Whether the platform takes JSON text messages back on its socket (the socket sink). */
  readonly acceptsReplies: boolean;
  text(message: Record<string, unknown>): void;
  binary(data: Buffer): void;
  /**
   * The call a binary message goes to as it is (binary(data) would be call.frame(data)), or
   * undefined when binary() must look at it: the WebSocket fast path then writes the frame
   * straight into the detector (Call.frameMasked).
   */
  binaryCall?(): Call | undefined;
  /**
   * A media message read by the cheap frame path (Twilio-shaped protocols only); false, having
   * done nothing, when the full parse must decide.
   */
  mediaRecord?(record: import("./media-fast-path.js").MediaRecord): boolean;
}

/** A field of an object, if it is an object. */
export function objectField(value: unknown, name: string): Record<string, unknown> | undefined {
  const v = value !== null && typeof value === "object" ? (value as Record<string, unknown>)[name] : undefined;
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

export function stringField(value: unknown, ...names: string[]): string | undefined {
  if (value === null || typeof value !== "object") return undefined;
  for (const name of names) {
    const v = (value as Record<string, unknown>)[name];
    if (typeof v === "string" && v !== "") return v;
    if (typeof v === "number" && Number.isFinite(v)) return String(v);
  }
  return undefined;
}

export function numberField(value: unknown, ...names: string[]): number | undefined {
  const s = stringField(value, ...names);
  if (s === undefined) return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * The stream-side control messages every JSON protocol accepts, besides the platform's own:
 *   {"event":"collect","collect":{…seed 003 fields…}}   starts a collection here
 *   {"event":"prompt_ended"} (optionally "name")        the prompt has finished playing
 * Returns whether the message was one of them.
 */
export function controlMessage(host: StreamHost, protocol: string, message: Record<string, unknown>): boolean {
  const event = message.event ?? message.type;
  if (event === "collect") {
    const call = requireCall(host, protocol, "collect");
    try { call.collect(message.collect ?? objectField(message, "data"), "stream"); } catch { /* answered by digits.collected (failure) */ }
    return true;
  }
  if (event === "prompt_ended") {
    requireCall(host, protocol, "prompt_ended").promptEnded(stringField(message, "name"));
    return true;
  }
  return false;
}

export function requireCall(host: StreamHost, protocol: string, what: string): Call {
  const call = host.call;
  if (!call || !call.streaming) throw new DtmfProtocolError(protocol, `${what} before the stream's start (or after its end)`);
  return call;
}

/** Most bytes `chars` characters of base64 decode to. */
export function base64BoundOf(chars: number): number {
  return Math.ceil((chars * 3) / 4);
}

/** The most bytes base64 `payload` can decode to; throws unless it is a string within `maxBytes`. */
export function base64Bound(protocol: string, payload: unknown, maxBytes: number): number {
  if (typeof payload !== "string") throw new DtmfProtocolError(protocol, "media.payload must be a base64 string");
  const bound = base64BoundOf(payload.length);
  if (bound > maxBytes) throw new DtmfProtocolError(protocol, `media.payload decodes to more than ${maxBytes} bytes`);
  return bound;
}

/** Scratch for base64 media payloads, decoded straight into it (no allocation per frame). */
let scratch = Buffer.allocUnsafeSlow(0);

/**
 * Decodes a base64 payload into the shared scratch buffer and returns a view of it (valid until
 * the next call). `maxBytes` bounds the decoded size before anything is decoded.
 */
export function decodeBase64(protocol: string, payload: unknown, maxBytes: number): Buffer {
  const bound = base64Bound(protocol, payload, maxBytes);
  if (scratch.length < bound) scratch = Buffer.allocUnsafeSlow(Math.max(bound, 4096));
  const n = scratch.write(payload as string, 0, "base64");
  return scratch.subarray(0, n);
}
