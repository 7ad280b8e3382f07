/** The media-stream server: `startServer()` and what it is made of. */
export { DtmfServer, startServer, type ServerTotals, type StartServerOptions } from "./server.js";
export {
  SERVE_OPTIONS, envOf, flagOf, optionsFromArgs, optionsFromEnv, optionsFromFile, resolveServeOptions, serveHelp,
  type ServeSettings, type ServeOptionValues,
} from "./options.js";
export { Call, CALL_SAMPLE_RATES, type CallStart, type CallStats, type CallEncoding } from "./call.js";
export { KeyMerger, type KeySource, type MergedKey, type OutOfBandKey } from "./key-merger.js";
export { MediaClock, ReorderBuffer } from "./media-clock.js";
export {
  DEFAULT_MAPPING, DEFAULT_PAYLOADS, PAYLOAD_KINDS, PayloadFormatter, type CallMetadata, type PayloadKind,
} from "./payload-formats.js";
export { NdjsonSink, PayloadQueueOverflow, WebhookPayloadSink, type DeliveryRecord, type PayloadSink } from "./sinks.js";
export { DtmfLimitError, DtmfProtocolError } from "./errors.js";
export { bearerAuthorize, type Authorize } from "./http-control.js";
export { PROTOCOL_NAMES, type ProtocolName, type StreamProtocol, type StreamHost } from "./protocols/protocol.js";
export { AUDIOSOCKET_RATES } from "./audiosocket.js";
export { parseRtp } from "./rtp.js";
export { checkSignedUrl, signStreamUrl, twilioSignature } from "./auth.js";
export { verifyWebhookSignature, webhookSignature } from "./webhook-outbox-sink.js";
export { Outbox, type OutboxRecord } from "./outbox.js";
