/**
 * The library's public API, everything but the call server: what the Node entry (index.ts)
 * and the browser entry (browser.ts) both export, written once.
 */
export { DtmfEngine, createDetector, defaultEngine, type EngineOptions, type ChannelOptions } from "./engine.js";
export { Detector, type AudioChunk } from "./detector.js";
export type { DetectorEvent, DtmfEvent, KeyDownEvent } from "./events.js";
export { DEFAULT_TUNING, type DetectorOptions, type DetectorTuning, type Encoding, type ResolvedOptions } from "./options.js";
export { ALL_KEYS, COL_HZ, ROW_HZ, type DtmfDigit, keyFrequencies } from "./keys.js";
export { DBM0_REF_POWER, dbm0ToPower, powerToDbm0, sineAmplitude } from "./levels.js";
export { generateDtmf, generateDtmfStream, encodeSamples, seededRandom, seededGaussian, type GenerateOptions, type GeneratedAudio, type GeneratedStream, type GeneratedTone, type ToneSpec } from "./generator.js";
export { linearToAlaw, linearToUlaw } from "./g711.js";
export { compileCore, type CoreModule, type WasmSource } from "./wasm.js";
export * from "./errors.js";
export {
  DigitCollector, startWallClock, regexRisk, COLLECTOR_DEFAULTS, MAX_REGEX_LENGTH, SUCCESS_RULES, type SuccessRule,
  type CollectorOptions, type CollectorSettings, type CollectResult, type AttemptResult, type AttemptEnd,
  type CollectStatus, type CollectorEvent, type WallClock, type WallClockOptions,
} from "./collector.js";
export * from "./payloads/index.js";
export { WebhookSink, WebhookRejectedError, WebhookFailedError, type WebhookOptions, type WebhookDelivery } from "./webhook.js";
export { WebhookClosedError, type WebhookStats, IDEMPOTENCY_HEADER, MAX_RESPONSE_BYTES, MAX_REDIRECTS } from "./webhook.js";
export { compilePattern, DigitPatternError, type DigitPattern } from "./regex.js";
