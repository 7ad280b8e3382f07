/**
 * The `dtmf_received` webhook event of a voice-AI assistant platform (seed 000): one per key
 * press, also while the assistant speaks.
 *
 * ```json
 * { "type": "dtmf_received", "digit": "1",
 *   "session": { "id": "550e8400-…", "account_id": "account-123", "phone_number": "+1234567890",
 *                "direction": "inbound", "from_phone_number": "+9876543210", "to_phone_number": "+1234567890" } }
 * ```
 *
 * That platform documents the keys 0-9, * and # only. Keys A-D are therefore not sent by
 * default: the builder returns undefined for them and a DtmfReceivedFormatter counts them.
 * With `includeExtendedKeys: true` they are sent; such payloads validate against
 * `dtmfReceivedExtendedPayloadSchema`, not the platform's own.
 */
import {
  BASIC_DIGITS_PATTERN, DIRECTIONS, type Direction, DtmfPayloadError, JSON_SCHEMA_DRAFT, STRING,
  checkDigit, checkEnum, checkKnown, checkText, frozenSchema,
} from "./fields.js";

const PAYLOAD = "dtmf_received";
const BASIC_KEYS = "0123456789*#";
const EXTENDED_KEYS = "ABCD";
const SESSION_FIELDS = ["id", "account_id", "phone_number", "direction", "from_phone_number", "to_phone_number"] as const;
const OPTION_FIELDS = ["includeExtendedKeys"] as const;

/**
 * The session object of the platform's base event structure. Seed 000 lists six fields and
 * calls the object the "base event structure": further fields are allowed and sent as given.
 */
export interface DtmfReceivedSession {
  [field: string]: unknown;
  id: string;
  account_id: string;
  phone_number: string;
  direction: Direction;
  from_phone_number: string;
  to_phone_number: string;
}

export interface DtmfReceivedPayload {
  type: "dtmf_received";
  /** 0-9, *, # (A-D only with includeExtendedKeys). */
  digit: string;
  session: DtmfReceivedSession;
}

export interface DtmfReceivedOptions {
  /** Send A-D too, outside the platform's documented set. Default false (they are dropped). */
  includeExtendedKeys?: boolean;
}

function checkSession(session: unknown): DtmfReceivedSession {
  if (session === null || typeof session !== "object" || Array.isArray(session)) throw new DtmfPayloadError(PAYLOAD, "session", "an object", session);
  const s = session as Record<string, unknown>;
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(s)) {
    if ((SESSION_FIELDS as readonly string[]).includes(key)) continue;
    if (value === undefined) continue;
    try { JSON.stringify(value); } catch { throw new DtmfPayloadError(PAYLOAD, `session.${key}`, "a JSON value", value); }
    extra[key] = value;
  }
  return {
    id: checkText(PAYLOAD, "session.id", s.id),
    account_id: checkText(PAYLOAD, "session.account_id", s.account_id),
    phone_number: checkText(PAYLOAD, "session.phone_number", s.phone_number),
    direction: checkEnum(PAYLOAD, "session.direction", s.direction, DIRECTIONS),
    from_phone_number: checkText(PAYLOAD, "session.from_phone_number", s.from_phone_number),
    to_phone_number: checkText(PAYLOAD, "session.to_phone_number", s.to_phone_number),
    ...extra,
  };
}

function checkOptions(options: unknown): boolean {
  const o = checkKnown(PAYLOAD, options, "options", OPTION_FIELDS);
  const include = o.includeExtendedKeys ?? false;
  if (typeof include !== "boolean") throw new DtmfPayloadError(PAYLOAD, "options.includeExtendedKeys", "a boolean", include);
  return include;
}

function build(key: { digit: string }, session: DtmfReceivedSession, include: boolean): DtmfReceivedPayload | undefined {
  if (key === null || typeof key !== "object") throw new DtmfPayloadError(PAYLOAD, "key", "an object", key);
  const digit = checkDigit(PAYLOAD, "digit", key.digit, BASIC_KEYS + EXTENDED_KEYS, "one of 0-9, A-D, *, #");
  if (!include && EXTENDED_KEYS.includes(digit)) return undefined;
  return { type: "dtmf_received", digit, session: { ...session } };
}

/**
 * The payload for one key press (a detector event fits), or undefined for a key A-D when
 * they are not included.
 */
export function buildDtmfReceivedPayload(
  key: { digit: string }, session: DtmfReceivedSession, options: DtmfReceivedOptions = {},
): DtmfReceivedPayload | undefined {
  return build(key, checkSession(session), checkOptions(options));
}

/** Builds the payloads of one session and counts the A-D keys it did not send. */
export class DtmfReceivedFormatter {
  private readonly session: DtmfReceivedSession;
  private readonly include: boolean;
  private droppedKeys = 0;

  constructor(session: DtmfReceivedSession, options: DtmfReceivedOptions = {}) {
    this.session = checkSession(session);
    this.include = checkOptions(options);
  }

  /** Key presses A-D not sent so far. */
  get dropped(): number { return this.droppedKeys; }

  format(key: { digit: string }): DtmfReceivedPayload | undefined {
    const payload = build(key, this.session, this.include);
    if (payload === undefined) this.droppedKeys++;
    return payload;
  }
}

function schema(digitPattern: string, title: string, description: string) {
  return frozenSchema({
    $schema: JSON_SCHEMA_DRAFT,
    title,
    description,
    type: "object",
    additionalProperties: false,
    required: ["type", "digit", "session"],
    properties: {
      type: { const: "dtmf_received" },
      digit: { type: "string", pattern: digitPattern },
      session: {
        type: "object",
        $comment: "Seed 000's base event structure: open, further fields allowed.",
        additionalProperties: true,
        required: [...SESSION_FIELDS],
        properties: {
          id: STRING,
          account_id: STRING,
          phone_number: STRING,
          direction: { enum: [...DIRECTIONS] },
          from_phone_number: STRING,
          to_phone_number: STRING,
        },
      },
    },
  });
}

/** The platform's schema: digit 0-9, *, #. */
export const dtmfReceivedPayloadSchema = schema(BASIC_DIGITS_PATTERN, "dtmf_received",
  "A key press (voice-AI assistant `dtmf_received` webhook event); keys 0-9, *, #.");
/** The same with A-D allowed (payloads built with includeExtendedKeys). */
export const dtmfReceivedExtendedPayloadSchema = schema("^[0-9A-D*#]$", "dtmf_received (extended keys)",
  "A key press (voice-AI assistant `dtmf_received` webhook event), keys A-D included.");
