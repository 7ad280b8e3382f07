/**
 * The `dtmf` event of a programmable voice API (seed 001): one per key press, sent when the
 * press ends (its duration is part of it), independently of any collection command.
 *
 * ```json
 * { "event": "dtmf", "session_uuid": "acW68-…", "digit": "5", "duration_ms": 120 }
 * ```
 */
import { ALL_KEYS } from "../keys.js";
import { ALL_DIGITS_PATTERN, DtmfPayloadError, JSON_SCHEMA_DRAFT, STRING, checkDigit, checkString, frozenSchema } from "./fields.js";

const PAYLOAD = "dtmf";
/** Longest key press accepted, ms (1 hour: only there to catch unit mistakes). */
const MAX_DURATION_MS = 3_600_000;

export interface DtmfPayload {
  event: "dtmf";
  session_uuid: string;
  /** 0-9, A-D, *, #. */
  digit: string;
  /** Key press duration, whole ms. */
  duration_ms: number;
}

/** A finished key press: a detector `dtmf` event fits. */
export interface DtmfPress {
  digit: string;
  /** Press duration, ms (rounded to whole ms in the payload). */
  durationMs: number;
}

export function buildDtmfPayload(press: DtmfPress, ids: { sessionUuid: string }): DtmfPayload {
  if (press === null || typeof press !== "object") throw new DtmfPayloadError(PAYLOAD, "press", "an object", press);
  if (ids === null || typeof ids !== "object") throw new DtmfPayloadError(PAYLOAD, "ids", "an object", ids);
  const session_uuid = checkString(PAYLOAD, "sessionUuid", ids.sessionUuid);
  const digit = checkDigit(PAYLOAD, "digit", press.digit, ALL_KEYS, "one of 0-9, A-D, *, #");
  const ms = press.durationMs;
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0 || ms > MAX_DURATION_MS) {
    throw new DtmfPayloadError(PAYLOAD, "durationMs", `a number of ms from 0 to ${MAX_DURATION_MS}`, ms);
  }
  return { event: "dtmf", session_uuid, digit, duration_ms: Math.round(ms) };
}

export const dtmfPayloadSchema = frozenSchema({
  $schema: JSON_SCHEMA_DRAFT,
  title: "dtmf",
  description: "One DTMF key press (programmable voice API `dtmf` event).",
  type: "object",
  additionalProperties: false,
  required: ["event", "session_uuid", "digit", "duration_ms"],
  properties: {
    event: { const: "dtmf" },
    session_uuid: STRING,
    digit: { type: "string", pattern: ALL_DIGITS_PATTERN },
    duration_ms: { type: "integer", minimum: 0 },
  },
});
