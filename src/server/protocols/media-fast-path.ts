/**
 * The cheap frame path: a Twilio-shaped media message (`{"event":"media",…,"media":{"track",
 * "chunk","timestamp","payload"},…}`, 50 per second per call, almost all of a stream's
 * messages) read by position instead of a full JSON.parse: no object is built, only the four
 * field values are sliced out, and the base64 text goes straight into the protocol's one
 * reused decode buffer.
 *
 * It only takes messages where a position reading cannot be fooled: the message starts with
 * `{"event":"media",`, ends with `}`, holds no backslash (so no escaped quote can hide a key
 * inside a string), and each of the keys it reads occurs exactly once. Anything else (spaces
 * between tokens, escapes, a missing field) returns undefined and goes the full JSON.parse
 * way, which checks everything; so the two paths cannot disagree on a well-formed message.
 */

export interface MediaFields {
  track?: string;
  chunk?: number;
  timestampMs?: number;
  /** The payload's base64 text. */
  payload: string;
}

const PREFIX = Buffer.from('{"event":"media",');
const BACKSLASH = 0x5c, CLOSE_BRACE = 0x7d, QUOTE = 0x22;
const KEY_PAYLOAD = Buffer.from('"payload":');
const KEY_TRACK = Buffer.from('"track":');
const KEY_CHUNK = Buffer.from('"chunk":');
const KEY_TIMESTAMP = Buffer.from('"timestamp":');

/**
 * The string value after `key` (which must occur once): undefined if the key is absent, null
 * (take the full parse) if it repeats or its value is not a string.
 */
function stringAfter(data: Buffer, key: Buffer): string | undefined | null {
  const at = data.indexOf(key);
  if (at < 0) return undefined;
  if (data.indexOf(key, at + key.length) >= 0) return null;
  const start = at + key.length + 1;
  if (data[start - 1] !== QUOTE) return null;
  const end = data.indexOf(QUOTE, start);
  if (end < 0) return null;
  return data.toString("latin1", start, end);
}

function digits(value: string | undefined | null): number | undefined | null {
  if (value === undefined || value === null) return value;
  return /^\d{1,15}$/.test(value) ? Number(value) : null;
}

/** The fields of a compact Twilio-shaped media message, or undefined to take the full parse. */
export function readMediaFast(data: Buffer): MediaFields | undefined {
  if (data.length < PREFIX.length + 2 || data.compare(PREFIX, 0, PREFIX.length, 0, PREFIX.length) !== 0) return undefined;
  if (data[data.length - 1] !== CLOSE_BRACE || data.indexOf(BACKSLASH) >= 0) return undefined;
  const payload = stringAfter(data, KEY_PAYLOAD);
  if (typeof payload !== "string") return undefined;
  const track = stringAfter(data, KEY_TRACK);
  const chunk = digits(stringAfter(data, KEY_CHUNK));
  const timestampMs = digits(stringAfter(data, KEY_TIMESTAMP));
  if (track === null || chunk === null || timestampMs === null) return undefined;
  return { track, chunk, timestampMs, payload };
}
