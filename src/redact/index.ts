/**
 * `dtmf-wasm/redact`: removing DTMF keys from audio. Recordings: redactFile() (what
 * `dtmf-wasm redact` runs). Live: createLiveRedactor() for a server's per-call loop, or the
 * Node Transform / Web TransformStream around it. (The Node-only pieces, redactFile and
 * RedactTransform, are in "./offline.js" and "./node.js"; this module re-exports them too.)
 */
export { LiveRedactor, LIVE_DELAY_MS, createLiveRedactor, type CreateLiveRedactorOptions, type LiveRedactorOptions, type LiveResult, type LiveSpanReport } from "./live.js";
export { RedactTransform, createRedactTransform, type CreateRedactTransformOptions, type RedactTransformOptions } from "./node.js";
export { RedactTransformStream, createRedactTransformStream, type CreateRedactTransformStreamOptions, type RedactTransformStreamOptions } from "./web.js";
export { DEFAULT_NOTCH_FALLBACK, NOTCH_FALLBACKS, redactFile, type NotchFallback, type RedactFileOptions } from "./offline.js";
export { auditSummary, type AuditFinding, type AuditSpan, type RedactAudit } from "./audit.js";
export { METHODS, DEFAULT_METHOD, MASK_TONE_HZ, MASK_TONE_DBM0, type RedactMethod } from "./methods.js";
export { FRAGMENT_LEVEL_DBM0, GUARD_AFTER_MS, GUARD_BEFORE_MS, NOTCH_CHECK_RESIDUAL_DB, NOTCH_CHECK_TUNING, NOTCH_EMPTY_DB, NOTCH_TARGET_RESIDUAL_DB, NOTCH_UNCERTAIN_DB, NOTCH_UNCERTAINTY_MARGIN_DB, VERIFY_TUNING } from "./spans.js";
