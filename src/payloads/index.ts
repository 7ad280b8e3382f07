/** The documented payloads: a type, a checked builder and a JSON Schema for each. */
import { bandwidthDtmfPayloadSchema } from "./bandwidth-dtmf.js";
import { digitsCollectedPayloadSchema } from "./digits-collected.js";
import { dtmfReceivedExtendedPayloadSchema, dtmfReceivedPayloadSchema } from "./dtmf-received.js";
import { dtmfPayloadSchema } from "./dtmf.js";
import type { JsonSchema } from "./fields.js";

export { DtmfPayloadError, type Direction, type JsonSchema } from "./fields.js";
export { buildDtmfPayload, dtmfPayloadSchema, type DtmfPayload, type DtmfPress } from "./dtmf.js";
export {
  COLLECT_STATUSES, buildDigitsCollectedPayload, digitsCollectedPayloadSchema, type CollectOutcome, type DigitsCollectedPayload,
} from "./digits-collected.js";
export {
  DtmfReceivedFormatter, buildDtmfReceivedPayload, dtmfReceivedExtendedPayloadSchema, dtmfReceivedPayloadSchema,
  type DtmfReceivedOptions, type DtmfReceivedPayload, type DtmfReceivedSession,
} from "./dtmf-received.js";
export {
  bandwidthDtmfPayloadSchema, buildBandwidthDtmfPayload, type BandwidthCall, type BandwidthDtmfPayload, type BandwidthMedia,
  type DetectedKey,
} from "./bandwidth-dtmf.js";

/** Every schema by its file name (scripts/write-schemas.mjs writes `<name>.schema.json`). */
export const PAYLOAD_SCHEMAS: Readonly<Record<string, JsonSchema>> = Object.freeze({
  "dtmf": dtmfPayloadSchema,
  "digits-collected": digitsCollectedPayloadSchema,
  "dtmf-received": dtmfReceivedPayloadSchema,
  "dtmf-received-extended": dtmfReceivedExtendedPayloadSchema,
  "bandwidth-dtmf": bandwidthDtmfPayloadSchema,
});
