/**
 * The RFC 4733 telephone-event payload (§2.3), 4 bytes, network byte order:
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * |     event     |E|R| volume    |          duration             |
 * ```
 *
 * - event: 0-9 are the digits, 10 "*", 11 "#", 12-15 "A"-"D" (RFC 4733 §3.2, Table 7); other
 *   codes (RFC 4734: fax and modem tones) decode with `digit` undefined.
 * - E: the event has ended (set on the final packet and its retransmissions).
 * - R: reserved, sent as 0, ignored on receipt.
 * - volume: the power level of the tone, −dBm0 with the sign dropped, 0 to 63 (so 10 means
 *   −10 dBm0). For DTMF it is the total power of the two tones.
 * - duration: RTP timestamp units (the clock rate of the telephone-event payload type, 8000
 *   a second unless negotiated otherwise) from the event's timestamp, 0 to 0xFFFF. Longer
 *   events are sent in segments (sender.ts).
 */
import { DtmfError, DtmfOptionError, describe } from "../errors.js";
import type { DtmfDigit } from "../keys.js";

/** Bytes of one telephone-event payload. */
export const TELEPHONE_EVENT_BYTES = 4;
/** Largest duration one payload can carry, timestamp units (RFC 4733 §2.5.1.3). */
export const MAX_EVENT_DURATION = 0xffff;
/** Largest volume, −dBm0 (RFC 4733 §2.3.4). */
export const MAX_VOLUME = 63;
/** The DTMF keys in event-code order (RFC 4733 §3.2). */
export const EVENT_DIGITS = "0123456789*#ABCD";

/** Flag bits of byte 1; the R bit (0x40) is reserved: sent as 0, ignored on receipt. */
const E_BIT = 0x80, VOLUME_MASK = 0x3f;
const MAX_EVENT_CODE = 255;

/** One decoded payload. */
export interface TelephoneEvent {
  /** Event code, 0 to 255. */
  event: number;
  /** The DTMF key for codes 0-15; undefined for other events. */
  digit: DtmfDigit | undefined;
  /** E bit: the event has ended. */
  end: boolean;
  /** Volume, 0 to 63: the tone's power is −volume dBm0. */
  volume: number;
  /** Duration so far, timestamp units, 0 to 0xFFFF. */
  duration: number;
}

/** What encodeTelephoneEvent takes: a key or an event code, and the other fields. */
export interface TelephoneEventInit {
  /** The key (0-9, *, #, A-D); or give `event`. */
  digit?: string;
  /** Event code 0-255; or give `digit`. */
  event?: number;
  end?: boolean;
  /** 0 to 63 (−dBm0). Default 10. */
  volume?: number;
  /** Timestamp units, 0 to 0xFFFF. */
  duration: number;
}

/** A payload that is not a telephone-event payload (too short). */
export class DtmfRtpError extends DtmfError {
  constructor(message: string) { super("ERR_DTMF_RTP", message); }
}

/** Event code of a key: "0"→0 … "#"→11, "A"→12 … "D"→15. */
export function digitToEvent(digit: string): number {
  const code = typeof digit === "string" && digit.length === 1 ? EVENT_DIGITS.indexOf(digit.toUpperCase()) : -1;
  if (code < 0) throw new DtmfOptionError("digit", "one of 0-9, *, #, A-D", digit);
  return code;
}

/** The key of an event code 0-15, or undefined for any other code. */
export function eventToDigit(event: number): DtmfDigit | undefined {
  return Number.isInteger(event) && event >= 0 && event < EVENT_DIGITS.length ? (EVENT_DIGITS[event] as DtmfDigit) : undefined;
}

function checkInt(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new DtmfOptionError(name, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

/**
 * The 4 payload bytes of one event. Writes into `target` at `offset` when given (no
 * allocation), else into a new Uint8Array.
 */
export function encodeTelephoneEvent(init: TelephoneEventInit, target?: Uint8Array, offset = 0): Uint8Array {
  if (init === null || typeof init !== "object") throw new DtmfOptionError("event", "an object", init);
  let code: number;
  if (init.digit !== undefined) {
    code = digitToEvent(init.digit);
    if (init.event !== undefined && init.event !== code) throw new DtmfOptionError("event", `absent or ${code} (the code of digit ${JSON.stringify(init.digit)})`, init.event);
  } else {
    code = checkInt("event", init.event, 0, MAX_EVENT_CODE);
  }
  const volume = checkInt("volume", init.volume ?? 10, 0, MAX_VOLUME);
  const duration = checkInt("duration", init.duration, 0, MAX_EVENT_DURATION);
  if (init.end !== undefined && typeof init.end !== "boolean") throw new DtmfOptionError("end", "a boolean", init.end);
  const out = target ?? new Uint8Array(TELEPHONE_EVENT_BYTES);
  if (!(out instanceof Uint8Array) || offset < 0 || !Number.isInteger(offset) || offset + TELEPHONE_EVENT_BYTES > out.length) {
    throw new DtmfOptionError("target", `a Uint8Array with ${TELEPHONE_EVENT_BYTES} bytes free at offset ${offset}`, target);
  }
  out[offset] = code;
  out[offset + 1] = (init.end ? E_BIT : 0) | volume;
  out[offset + 2] = duration >>> 8;
  out[offset + 3] = duration & 0xff;
  return out;
}

/**
 * Decodes the first event of a telephone-event payload (RTP payload bytes, after the RTP
 * header). The R bit is ignored, as RFC 4733 requires of receivers. Throws a DtmfRtpError for
 * fewer than 4 bytes.
 */
export function decodeTelephoneEvent(payload: Uint8Array, offset = 0): TelephoneEvent {
  if (!(payload instanceof Uint8Array)) throw new DtmfRtpError(`a telephone-event payload must be a Uint8Array; received ${describe(payload)}`);
  if (!Number.isInteger(offset) || offset < 0 || payload.length - offset < TELEPHONE_EVENT_BYTES) {
    throw new DtmfRtpError(`a telephone-event payload has ${TELEPHONE_EVENT_BYTES} bytes; received ${Math.max(0, payload.length - (Number.isInteger(offset) ? offset : 0))} at offset ${String(offset)}`);
  }
  const event = payload[offset];
  const flags = payload[offset + 1];
  return {
    event,
    digit: eventToDigit(event),
    end: (flags & E_BIT) !== 0,
    volume: flags & VOLUME_MASK,
    duration: (payload[offset + 2] << 8) | payload[offset + 3],
  };
}

/**
 * The volume field for a DTMF pair measured at `lowDbm0` and `highDbm0` per tone: the total
 * power of the two tones, −dBm0, rounded and clamped to 0…63.
 */
export function volumeFromLevels(lowDbm0: number, highDbm0: number): number {
  const total = 10 * Math.log10(10 ** (lowDbm0 / 10) + 10 ** (highDbm0 / 10));
  if (!Number.isFinite(total)) return MAX_VOLUME;
  return Math.min(MAX_VOLUME, Math.max(0, Math.round(-total)));
}
