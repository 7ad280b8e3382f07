/**
 * What every payload builder shares: its typed error, field checks that name the payload,
 * the field, what is allowed and what was received, and the JSON Schema fragments for them.
 * Builders check their inputs so that what they return always validates against the
 * payload's schema (the tests check every payload they build against it with ajv).
 */
import { DtmfError, describe } from "../errors.js";

/** A payload field given a value its documented schema does not allow. */
export class DtmfPayloadError extends DtmfError {
  constructor(
    /** The payload's name, e.g. `digits.collected`. */
    readonly payload: string,
    /** The input field at fault, as the caller spelled it. */
    readonly field: string,
    /** Human-readable allowed values. */
    readonly allowed: string,
    readonly received: unknown,
  ) {
    super("ERR_DTMF_PAYLOAD", `${payload}: ${field} must be ${allowed}; received ${describe(received)}`);
  }
}

/** A JSON Schema (draft-07) as a plain, frozen object. */
export type JsonSchema = Readonly<Record<string, unknown>>;
export const JSON_SCHEMA_DRAFT = "http://json-schema.org/draft-07/schema#";

/** Every DTMF key (seed 001, 002). */
export const ALL_DIGITS_PATTERN = "^[0-9A-D*#]$";
/** The keys of seed 000's `dtmf_received`: 0-9, *, #. */
export const BASIC_DIGITS_PATTERN = "^[0-9*#]$";
/** Call directions (seed 002; seed 000's example uses the same word). */
export const DIRECTIONS = ["inbound", "outbound"] as const;
export type Direction = (typeof DIRECTIONS)[number];
/** RFC 3339 date-time (the profile of ISO 8601 that JSON Schema's "date-time" means). */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
const LAST_HOUR = 23, LAST_MINUTE = 59, LAST_SECOND = 59, MONTHS = 12;

export function checkString(payload: string, field: string, value: unknown): string {
  if (typeof value !== "string" || value.length === 0) throw new DtmfPayloadError(payload, field, "a non-empty string", value);
  return value;
}

/** A string that may be empty (a field the seed does not require to be non-empty). */
export function checkText(payload: string, field: string, value: unknown): string {
  if (typeof value !== "string") throw new DtmfPayloadError(payload, field, "a string (may be empty)", value);
  return value;
}

export function checkDigit(payload: string, field: string, value: unknown, keys: string, allowed: string): string {
  const digit = typeof value === "string" ? value.toUpperCase() : value;
  if (typeof digit !== "string" || digit.length !== 1 || !keys.includes(digit)) {
    throw new DtmfPayloadError(payload, field, allowed, value);
  }
  return digit;
}

export function checkEnum<T extends string>(payload: string, field: string, value: unknown, values: readonly T[]): T {
  if (typeof value !== "string" || !(values as readonly string[]).includes(value)) {
    throw new DtmfPayloadError(payload, field, `one of ${values.join(", ")}`, value);
  }
  return value as T;
}

/** A date-time string: RFC 3339 with a time zone, and a real instant. Returns it in ms since 1970. */
export function checkDateTime(payload: string, field: string, value: unknown): number {
  const m = typeof value === "string" ? RFC3339.exec(value) : null;
  let ms = Number.NaN;
  if (m) {
    const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
    // Date.parse rolls 30 February over into March: check the calendar first.
    const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
    if (month >= 1 && month <= MONTHS && day >= 1 && day <= daysInMonth && hour <= LAST_HOUR && minute <= LAST_MINUTE && second <= LAST_SECOND) {
      ms = Date.parse(value as string);
    }
  }
  if (!Number.isFinite(ms)) {
    throw new DtmfPayloadError(payload, field, "an ISO 8601 date-time with a time zone (e.g. 2019-06-20T15:54:22.234Z)", value);
  }
  return ms;
}

export function checkUrl(payload: string, field: string, value: unknown): string {
  let ok = false;
  if (typeof value === "string") {
    try { ok = /^https?:$/.test(new URL(value).protocol); } catch { ok = false; }
  }
  if (!ok) throw new DtmfPayloadError(payload, field, "an absolute http(s) URL", value);
  return value as string;
}

/** Rejects fields a payload input does not know (typos would otherwise be dropped silently). */
export function checkKnown(payload: string, input: unknown, field: string, known: readonly string[]): Record<string, unknown> {
  if (input === null || typeof input !== "object") throw new DtmfPayloadError(payload, field, "an object", input);
  for (const key of Object.keys(input)) {
    if (!known.includes(key)) throw new DtmfPayloadError(payload, `${field}.${key}`, `absent (known fields: ${known.join(", ")})`, "an unknown field");
  }
  return input as Record<string, unknown>;
}

/** Deep-freezes a schema object so no caller can change what the package ships. */
export function frozenSchema<T extends object>(schema: T): T {
  for (const value of Object.values(schema)) if (value !== null && typeof value === "object") frozenSchema(value as object);
  return Object.freeze(schema);
}

/** Schema of a non-empty string. */
export const NON_EMPTY_STRING = { type: "string", minLength: 1 } as const;
/** Schema of any string: the seeds do not forbid empty values. */
export const STRING = { type: "string" } as const;
/**
 * RFC 3339 date-time as a pattern, so the schema compiles with plain strict Ajv (no
 * ajv-formats); the calendar check (30 February) is the builder's.
 */
export const DATE_TIME_PATTERN = "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?([Zz]|[+-]\\d{2}:\\d{2})$";
