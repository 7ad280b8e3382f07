/**
 * The `digits.collected` event of a programmable voice API (seed 001): the outcome of a
 * play_and_get_digits command. A DigitCollector's result fits as it is.
 *
 * ```json
 * { "event": "digits.collected", "session_uuid": "acW68-…", "command_uid": "collect-pin-001",
 *   "digits": "1234", "terminator": "#", "status": "success" }
 * ```
 */
import type { CollectStatus } from "../collector.js";
import { DtmfPayloadError, JSON_SCHEMA_DRAFT, STRING, checkEnum, checkString, checkText, frozenSchema } from "./fields.js";

const PAYLOAD = "digits.collected";
export const COLLECT_STATUSES: readonly CollectStatus[] = Object.freeze(["success", "timeout", "failure", "unknown"]);
const DIGITS = /^[0-9A-D*#]*$/;

export interface DigitsCollectedPayload {
  event: "digits.collected";
  session_uuid: string;
  command_uid: string;
  /** The collected keys, without the terminator; may be empty. */
  digits: string;
  /** The key that ended the collection, or "" (timeout, maxDigits, failure). */
  terminator: string;
  status: CollectStatus;
}

/** What a collection ended with: a DigitCollector's CollectResult fits. */
export interface CollectOutcome {
  digits: string;
  terminator: string;
  status: CollectStatus;
}

export function buildDigitsCollectedPayload(outcome: CollectOutcome, ids: { sessionUuid: string; commandUid: string }): DigitsCollectedPayload {
  if (outcome === null || typeof outcome !== "object") throw new DtmfPayloadError(PAYLOAD, "outcome", "an object", outcome);
  if (ids === null || typeof ids !== "object") throw new DtmfPayloadError(PAYLOAD, "ids", "an object", ids);
  const session_uuid = checkString(PAYLOAD, "sessionUuid", ids.sessionUuid);
  // May be empty: a collect request refused for a missing command_uid is still answered.
  const command_uid = checkText(PAYLOAD, "commandUid", ids.commandUid);
  const { digits, terminator } = outcome;
  // Seed 001 sets no length limit on digits (seed 003's 64 bounds a request, not this event).
  if (typeof digits !== "string" || !DIGITS.test(digits)) {
    throw new DtmfPayloadError(PAYLOAD, "digits", "a string of keys from 0-9, A-D, *, #", digits);
  }
  if (typeof terminator !== "string" || terminator.length > 1 || !DIGITS.test(terminator)) {
    throw new DtmfPayloadError(PAYLOAD, "terminator", `"" or one key from 0-9, A-D, *, #`, terminator);
  }
  const status = checkEnum(PAYLOAD, "status", outcome.status, COLLECT_STATUSES);
  return { event: "digits.collected", session_uuid, command_uid, digits, terminator, status };
}

export const digitsCollectedPayloadSchema = frozenSchema({
  $schema: JSON_SCHEMA_DRAFT,
  title: "digits.collected",
  description: "The outcome of a play_and_get_digits command (programmable voice API `digits.collected` event).",
  type: "object",
  additionalProperties: false,
  required: ["event", "session_uuid", "command_uid", "digits", "terminator", "status"],
  properties: {
    event: { const: "digits.collected" },
    session_uuid: STRING,
    command_uid: STRING,
    digits: { type: "string", pattern: "^[0-9A-D*#]*$" },
    terminator: { type: "string", pattern: "^[0-9A-D*#]?$" },
    status: { enum: [...COLLECT_STATUSES] },
    error: { type: "string", description: "dtmf-wasm extension: why the collect request was refused (status failure); absent otherwise." },
  },
});
