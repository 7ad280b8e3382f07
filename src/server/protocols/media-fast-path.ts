/**
 * The cheap frame path: a Twilio-shaped media message (`{"event":"media",…,"media":{"track",
 * "chunk","timestamp","payload"},…}`, 50 per second per call, almost all of a stream's
 * messages) read in one pass over its bytes instead of JSON.parse: no object is built, only
 * the four field values are sliced out, and the base64 text goes straight into the protocol's
 * one reused decode buffer.
 *
 * The scanner takes a strict subset of JSON: one object with no whitespace between tokens,
 * whose values are strings without escapes, plain numbers, or (for the key "media" only) one
 * such object; a repeated key keeps its last value, as JSON.parse does. Anything else
 * (whitespace, an escape, another nesting, true/false/null, a truncated message, a numeric
 * chunk or timestamp, an event other than "media") returns undefined and goes the full
 * JSON.parse way, which checks everything; so the two paths cannot disagree on a message.
 */

export interface MediaFields {
  track?: string;
  chunk?: number;
  timestampMs?: number;
  /** The payload's base64 text. */
  payload: string;
}

/**
 * What readMedia() returns: the fields, with the payload left in the message's bytes as
 * `data[payloadStart, payloadEnd)` (no string made). The span ends at the first quote after its
 * start and is not checked: it may hold an escape or a control character, in which case it is
 * not the JSON string's value and the full parse must decide (payloadIsPlain() says which).
 * One record, reused by every call: valid until the next readMedia().
 */
export interface MediaRecord {
  track: string | undefined;
  chunk: number | undefined;
  timestampMs: number | undefined;
  data: Buffer;
  payloadStart: number;
  payloadEnd: number;
}

const QUOTE = 0x22, BACKSLASH = 0x5c, COLON = 0x3a, COMMA = 0x2c, OPEN = 0x7b, CLOSE = 0x7d;
const key = (s: string) => Array.from(s, (c) => c.charCodeAt(0));
/** The usual track's value, returned as one constant string instead of a new one per message. */
const INBOUND = key("inbound");
const EVENT = key("event"), MEDIA = key("media"), TRACK = key("track"), CHUNK = key("chunk"), TIMESTAMP = key("timestamp"), PAYLOAD = key("payload");
/** Longest chunk / timestamp digits taken (beyond: full parse). */
const MAX_DIGITS = 15;

function is(data: Buffer, start: number, end: number, name: number[]): boolean {
  if (end - start !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (data[start + i] !== name[i]) return false;
  return true;
}

/** Index of the closing quote of a string starting after `at`, or -1 (an escape, a control character, or no end). */
function stringEnd(data: Buffer, at: number): number {
  for (let i = at; i < data.length; i++) {
    const c = data[i];
    if (c === QUOTE) return i;
    if (c === BACKSLASH || c < 0x20) return -1;
  }
  return -1;
}

function digitsValue(data: Buffer, start: number, end: number): number | undefined {
  if (end === start || end - start > MAX_DIGITS) return undefined;
  let n = 0;
  for (let i = start; i < end; i++) { const d = data[i] - 0x30; if (d < 0 || d > 9) return undefined; n = n * 10 + d; }
  return n;
}

/** Whether a record's payload span is a JSON string's whole value as it stands (no escape, no control character). */
export function payloadIsPlain(record: MediaRecord): boolean {
  return plainSpan(record.data, record.payloadStart, record.payloadEnd);
}

/** Whether the payload span `[start, end)` (none: start < 0) is a JSON string's whole value as it stands. */
function plainSpan(data: Buffer, start: number, end: number): boolean {
  return start < 0 || stringEnd(data, start) === end;
}

/** The payload span as text (only when payloadIsPlain()), as the old reader made it. */
export function payloadText(record: MediaRecord): string {
  return record.data.toString("latin1", record.payloadStart, record.payloadEnd);
}

/** The fields of a compact Twilio-shaped media message, or undefined to take the full parse. */
export function readMediaFast(data: Buffer): MediaFields | undefined {
  const r = readMedia(data);
  if (r === undefined || !payloadIsPlain(r)) return undefined;
  return { track: r.track, chunk: r.chunk, timestampMs: r.timestampMs, payload: payloadText(r) };
}

const record: MediaRecord = { track: undefined, chunk: undefined, timestampMs: undefined, data: Buffer.alloc(0), payloadStart: 0, payloadEnd: 0 };

/**
 * readMediaFast() without making the payload's string: the payload's closing quote is found
 * with a native search and its span left unchecked (see MediaRecord); an earlier value of a
 * repeated "payload" key is checked as every other string is.
 */
export function readMedia(data: Buffer): MediaRecord | undefined {
  let pos = 0;
  let depth = 0;
  let eventIsMedia = false, sawMedia = false;
  let track: string | undefined;
  let payloadStart = -1, payloadEnd = -1;
  let chunk: number | undefined, timestampMs: number | undefined;
  if (data[pos++] !== OPEN) return undefined;
  for (;;) {
    if (data[pos] !== QUOTE) return undefined;
    const kStart = pos + 1, kEnd = stringEnd(data, kStart);
    if (kEnd < 0 || data[kEnd + 1] !== COLON) return undefined;
    pos = kEnd + 2;
    const c = data[pos];
    if (c === QUOTE) {
      const vStart = pos + 1;
      if (depth === 1 && is(data, kStart, kEnd, PAYLOAD)) {
        // The span is checked by whoever uses it (the base64 decoder takes only its alphabet).
        if (!plainSpan(data, payloadStart, payloadEnd)) return undefined;
        const q = data.indexOf(QUOTE, vStart);
        if (q < 0) return undefined;
        payloadStart = vStart; payloadEnd = q;
        pos = q + 1;
      } else {
        const vEnd = stringEnd(data, vStart);
        if (vEnd < 0) return undefined;
        pos = vEnd + 1;
        if (depth === 0) {
          if (is(data, kStart, kEnd, EVENT)) eventIsMedia = is(data, vStart, vEnd, MEDIA);
          else if (is(data, kStart, kEnd, MEDIA)) return undefined;
        } else if (is(data, kStart, kEnd, TRACK)) track = is(data, vStart, vEnd, INBOUND) ? "inbound" : data.toString("latin1", vStart, vEnd);
        else if (is(data, kStart, kEnd, CHUNK)) { chunk = digitsValue(data, vStart, vEnd); if (chunk === undefined) return undefined; }
        else if (is(data, kStart, kEnd, TIMESTAMP)) { timestampMs = digitsValue(data, vStart, vEnd); if (timestampMs === undefined) return undefined; }
      }
    } else if (c === OPEN) {
      if (depth !== 0 || !is(data, kStart, kEnd, MEDIA)) return undefined;
      depth = 1;
      sawMedia = true;
      // A repeated "media": the earlier payload must still have been a plain string.
      if (!plainSpan(data, payloadStart, payloadEnd)) return undefined;
      track = undefined; chunk = timestampMs = undefined; payloadStart = payloadEnd = -1;
      pos++;
      continue;
    } else if ((c >= 0x30 && c <= 0x39) || c === 0x2d) {
      // A plain number, skipped; but the fields read here must be strings.
      if (depth === 1 && (is(data, kStart, kEnd, CHUNK) || is(data, kStart, kEnd, TIMESTAMP) || is(data, kStart, kEnd, PAYLOAD) || is(data, kStart, kEnd, TRACK))) return undefined;
      if (depth === 0 && (is(data, kStart, kEnd, EVENT) || is(data, kStart, kEnd, MEDIA))) return undefined;
      pos++;
      while (pos < data.length) { const d = data[pos]; if ((d >= 0x30 && d <= 0x39) || d === 0x2e || d === 0x2d || d === 0x2b || d === 0x65 || d === 0x45) pos++; else break; }
    } else return undefined;
    // After a value: ',' then the next key, or '}' closing this level.
    while (data[pos] === CLOSE) {
      pos++;
      if (depth === 0) {
        if (pos !== data.length || !eventIsMedia || !sawMedia || payloadStart < 0) return undefined;
        record.track = track; record.chunk = chunk; record.timestampMs = timestampMs;
        record.data = data; record.payloadStart = payloadStart; record.payloadEnd = payloadEnd;
        return record;
      }
      depth = 0;
    }
    if (data[pos] !== COMMA) return undefined;
    pos++;
  }
}
