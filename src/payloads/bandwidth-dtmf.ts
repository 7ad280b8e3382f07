/**
 * Bandwidth's `dtmf` callback (seed 002): one per digit detected after <StartGather>.
 * Every required field is always present; the optional ones (enqueuedTime, parentCallId,
 * transferCallerId, transferTo, tag) only when given (null or undefined: left out).
 *
 * `eventTime` is the wall-clock time of the event: a live server passes it as `media.eventTime`
 * (the time it detected the key). Without it, it is computed from media time: the call's
 * `startTime` (or `mediaStartTime` when the audio does not start with the call, e.g. at
 * `answerTime`) plus the media time at which the key was detected (`detectedSample` /
 * sampleRate), to the ms, in UTC (a recording processed later).
 */
import { ALL_KEYS } from "../keys.js";
import { MAX_SAMPLE_RATE, MIN_SAMPLE_RATE } from "../options.js";
import {
  ALL_DIGITS_PATTERN, DATE_TIME_PATTERN, DIRECTIONS, type Direction, DtmfPayloadError, JSON_SCHEMA_DRAFT, STRING,
  checkDateTime, checkDigit, checkEnum, checkKnown, checkText, checkUrl, frozenSchema,
} from "./fields.js";

const PAYLOAD = "bandwidth dtmf";
const MS_PER_SECOND = 1000;
const REQUIRED_CALL = ["accountId", "applicationId", "to", "from", "direction", "callId", "callUrl", "startTime", "answerTime"] as const;
const OPTIONAL_CALL = ["enqueuedTime", "parentCallId", "transferCallerId", "transferTo", "tag"] as const;
const MEDIA_FIELDS = ["sampleRate", "mediaStartTime", "eventTime"] as const;

/** What the callback says about the call: everything but eventType, eventTime and digit. */
export interface BandwidthCall {
  accountId: string;
  applicationId: string;
  /** The number that received the call (E.164). */
  to: string;
  /** The caller's identifier string. */
  from: string;
  direction: Direction;
  callId: string;
  callUrl: string;
  /** ISO 8601. */
  startTime: string;
  answerTime: string;
  enqueuedTime?: string | null;
  parentCallId?: string | null;
  transferCallerId?: string | null;
  transferTo?: string | null;
  tag?: string | null;
}

export interface BandwidthDtmfPayload {
  eventType: "dtmf";
  /** ISO 8601, UTC, ms. */
  eventTime: string;
  accountId: string;
  applicationId: string;
  enqueuedTime?: string;
  startTime: string;
  answerTime: string;
  from: string;
  to: string;
  direction: Direction;
  callId: string;
  callUrl: string;
  digit: string;
  parentCallId?: string;
  transferCallerId?: string;
  transferTo?: string;
  tag?: string;
}

/** Where the key is in the media: a detector event (keydown or dtmf) fits. */
export interface DetectedKey {
  digit: string;
  /** Media time at which the key was detected, samples from the start of the audio. */
  detectedSample: number;
}

export interface BandwidthMedia {
  /** Samples a second of `detectedSample`. */
  sampleRate: number;
  /** ISO 8601 time of media sample 0. Default: the call's startTime. */
  mediaStartTime?: string;
  /** ISO 8601 wall-clock time of the event (a live server's clock); takes precedence over media time. */
  eventTime?: string;
}

export function buildBandwidthDtmfPayload(key: DetectedKey, call: BandwidthCall, media: BandwidthMedia): BandwidthDtmfPayload {
  if (key === null || typeof key !== "object") throw new DtmfPayloadError(PAYLOAD, "key", "an object", key);
  const c = checkKnown(PAYLOAD, call, "call", [...REQUIRED_CALL, ...OPTIONAL_CALL]);
  const m = checkKnown(PAYLOAD, media, "media", MEDIA_FIELDS);
  const digit = checkDigit(PAYLOAD, "digit", key.digit, ALL_KEYS, "one of 0-9, A-D, *, #");
  const rate = m.sampleRate;
  if (typeof rate !== "number" || !Number.isInteger(rate) || rate < MIN_SAMPLE_RATE || rate > MAX_SAMPLE_RATE) {
    throw new DtmfPayloadError(PAYLOAD, "media.sampleRate", `an integer from ${MIN_SAMPLE_RATE} to ${MAX_SAMPLE_RATE}`, rate);
  }
  const sample = key.detectedSample;
  if (typeof sample !== "number" || !Number.isFinite(sample) || sample < 0) {
    throw new DtmfPayloadError(PAYLOAD, "detectedSample", "a finite number of samples ≥ 0", sample);
  }
  const startMs = checkDateTime(PAYLOAD, "call.startTime", c.startTime);
  checkDateTime(PAYLOAD, "call.answerTime", c.answerTime);
  const originMs = m.mediaStartTime === undefined ? startMs : checkDateTime(PAYLOAD, "media.mediaStartTime", m.mediaStartTime);
  const eventTime = m.eventTime !== undefined
    ? new Date(checkDateTime(PAYLOAD, "media.eventTime", m.eventTime)).toISOString()
    : new Date(originMs + Math.round((sample * MS_PER_SECOND) / rate)).toISOString();

  const payload: BandwidthDtmfPayload = {
    eventType: "dtmf",
    eventTime,
    accountId: checkText(PAYLOAD, "call.accountId", c.accountId),
    applicationId: checkText(PAYLOAD, "call.applicationId", c.applicationId),
    startTime: c.startTime as string,
    answerTime: c.answerTime as string,
    from: checkText(PAYLOAD, "call.from", c.from),
    to: checkText(PAYLOAD, "call.to", c.to),
    direction: checkEnum(PAYLOAD, "call.direction", c.direction, DIRECTIONS),
    callId: checkText(PAYLOAD, "call.callId", c.callId),
    callUrl: checkUrl(PAYLOAD, "call.callUrl", c.callUrl),
    digit,
  };
  if (c.enqueuedTime != null) {
    checkDateTime(PAYLOAD, "call.enqueuedTime", c.enqueuedTime);
    payload.enqueuedTime = c.enqueuedTime as string;
  }
  for (const field of ["parentCallId", "transferCallerId", "transferTo", "tag"] as const) {
    if (c[field] != null) payload[field] = checkText(PAYLOAD, `call.${field}`, c[field]);
  }
  return payload;
}

/** A pattern, not `format: "date-time"`: the schema compiles with plain strict Ajv, no ajv-formats. */
const DATE_TIME = { type: "string", pattern: DATE_TIME_PATTERN } as const;

export const bandwidthDtmfPayloadSchema = frozenSchema({
  $schema: JSON_SCHEMA_DRAFT,
  title: "Bandwidth dtmf callback",
  description: "A digit detected after <StartGather> (Bandwidth voice `dtmf` callback).",
  $comment: "Plain JSON Schema draft-07: compiles with strict Ajv without ajv-formats (date-times and the URL are patterns).",
  type: "object",
  additionalProperties: false,
  required: ["eventType", "eventTime", "accountId", "applicationId", "to", "from", "direction", "callId", "digit",
    "callUrl", "startTime", "answerTime"],
  properties: {
    eventType: { const: "dtmf" },
    eventTime: DATE_TIME,
    accountId: STRING,
    applicationId: STRING,
    to: STRING,
    from: STRING,
    direction: { enum: [...DIRECTIONS] },
    callId: STRING,
    digit: { type: "string", pattern: ALL_DIGITS_PATTERN },
    callUrl: { type: "string", pattern: "^[Hh][Tt][Tt][Pp][Ss]?://" },
    enqueuedTime: DATE_TIME,
    startTime: DATE_TIME,
    answerTime: DATE_TIME,
    parentCallId: STRING,
    transferCallerId: STRING,
    transferTo: STRING,
    tag: STRING,
  },
});
