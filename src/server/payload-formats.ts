/**
 * From a call's stream metadata and its keys to the payloads of the seeds, per call.
 *
 * Which payloads a call gets: the deployment's list (`payloads` option), or the call's own
 * (the `dtmf_payloads` custom parameter / metadata field, comma-separated), from:
 *
 * | kind             | payload                                              | when                       |
 * |------------------|------------------------------------------------------|----------------------------|
 * | dtmf             | seed 001 `dtmf` (session_uuid, digit, duration_ms)   | each press, at its end     |
 * | dtmf_received    | seed 000 (type, digit, session); keys A-D left out   | each press, at its end     |
 * | bandwidth        | seed 002 Bandwidth `dtmf` callback; eventTime = wall clock of the event | each press, at its end |
 * | digits.collected | seed 001                                             | a collection ends (or is refused) |
 * | keydown          | extension: {event:"keydown", session_uuid, digit, start_ms} | a press is confirmed, tone still on |
 * | reprompt         | extension: {event:"reprompt", session_uuid, command_uid, attempt, reason} | an attempt failed and another starts: replay the prompt |
 *
 * Session and call fields come from the metadata through a mapping: each output field names
 * the metadata paths to try in order, separated by "|"; the first non-empty string wins, ""
 * if none ("=text" is a literal). `call.*` are the fields every protocol fills in (id,
 * streamId, accountId, applicationId, from, to, direction, localNumber, startTime,
 * answerTime, bandwidthCallUrl); `custom.*` the call's custom parameters / metadata as sent.
 * The `mapping` option overrides single fields of DEFAULT_MAPPING.
 */
import { DtmfOptionError } from "../errors.js";
import type { DtmfDigit } from "../keys.js";
import { buildBandwidthDtmfPayload } from "../payloads/bandwidth-dtmf.js";
import { buildDigitsCollectedPayload } from "../payloads/digits-collected.js";
import { DtmfReceivedFormatter } from "../payloads/dtmf-received.js";
import { buildDtmfPayload } from "../payloads/dtmf.js";
import type { CollectStatus } from "../collector.js";

export type PayloadKind = "dtmf" | "dtmf_received" | "bandwidth" | "digits.collected" | "keydown" | "reprompt";
export const PAYLOAD_KINDS: readonly PayloadKind[] = ["dtmf", "dtmf_received", "bandwidth", "digits.collected", "keydown", "reprompt"];
export const DEFAULT_PAYLOADS: readonly PayloadKind[] = ["dtmf", "digits.collected", "reprompt"];

/** What every protocol knows of a call (strings; "" or absent when the platform does not say). */
export interface CallMetadata {
  id: string;
  streamId?: string;
  accountId?: string;
  applicationId?: string;
  from?: string;
  to?: string;
  /** "inbound" or "outbound" (normalised), when known. */
  direction?: string;
  /** ISO 8601 times, when the metadata gives them. */
  startTime?: string;
  answerTime?: string;
  /** Custom parameters / metadata as the platform sent them. */
  custom: Record<string, unknown>;
}

export const DEFAULT_MAPPING: Readonly<Record<string, string>> = Object.freeze({
  "session_uuid": "custom.session_uuid|call.id",
  "session.id": "custom.session_id|call.id",
  "session.account_id": "custom.account_id|call.accountId",
  "session.phone_number": "custom.phone_number|call.localNumber",
  "session.direction": "custom.direction|call.direction|=inbound",
  "session.from_phone_number": "custom.from_phone_number|call.from",
  "session.to_phone_number": "custom.to_phone_number|call.to",
  "bandwidth.accountId": "custom.accountId|call.accountId",
  "bandwidth.applicationId": "custom.applicationId|call.applicationId",
  "bandwidth.from": "custom.from|call.from",
  "bandwidth.to": "custom.to|call.to",
  "bandwidth.direction": "custom.direction|call.direction|=inbound",
  "bandwidth.callId": "custom.callId|call.id",
  "bandwidth.callUrl": "custom.callUrl|call.bandwidthCallUrl",
  "bandwidth.startTime": "custom.startTime|call.startTime",
  "bandwidth.answerTime": "custom.answerTime|call.answerTime|call.startTime",
  "bandwidth.enqueuedTime": "custom.enqueuedTime",
  "bandwidth.parentCallId": "custom.parentCallId",
  "bandwidth.transferCallerId": "custom.transferCallerId",
  "bandwidth.transferTo": "custom.transferTo",
  "bandwidth.tag": "custom.tag",
  "payloads": "custom.dtmf_payloads",
});

/** Checks a mapping override: known fields, "|"-separated paths under call. or custom., or =literal. */
export function checkMapping(mapping: unknown): Record<string, string> {
  if (mapping === null || typeof mapping !== "object" || Array.isArray(mapping)) throw new DtmfOptionError("mapping", "an object of field → source paths", mapping);
  const out: Record<string, string> = {};
  for (const [field, value] of Object.entries(mapping)) {
    if (!Object.hasOwn(DEFAULT_MAPPING, field)) throw new DtmfOptionError(`mapping.${field}`, `one of the mapped fields (${Object.keys(DEFAULT_MAPPING).join(", ")})`, "an unknown field");
    if (typeof value !== "string" || value.split("|").some((p) => !(p.startsWith("=") || /^(call|custom)\.[\w.-]+$/.test(p)))) {
      throw new DtmfOptionError(`mapping.${field}`, `paths like "custom.name|call.from|=literal"`, value);
    }
    out[field] = value;
  }
  return out;
}

/** Checks a payload list (array or comma-separated string). */
export function checkPayloadKinds(option: string, value: unknown): PayloadKind[] {
  const list = typeof value === "string" ? value.split(",").map((s) => s.trim()).filter(Boolean) : value;
  if (!Array.isArray(list) || list.some((k) => !PAYLOAD_KINDS.includes(k as PayloadKind))) {
    throw new DtmfOptionError(option, `a list of ${PAYLOAD_KINDS.join(", ")}`, value);
  }
  return [...new Set(list as PayloadKind[])];
}

const DIRECTION_WORDS: Record<string, string> = { inbound: "inbound", outbound: "outbound", "outbound-api": "outbound", "outbound-dial": "outbound", incoming: "inbound", outgoing: "outbound" };

export function normaliseDirection(value: unknown): string | undefined {
  return typeof value === "string" ? DIRECTION_WORDS[value.toLowerCase()] : undefined;
}

/** A payload ready for the sinks. */
export interface BuiltPayload { kind: PayloadKind; payload: Record<string, unknown> }

export interface PayloadFormatterOptions {
  kinds: readonly PayloadKind[];
  mapping: Readonly<Record<string, string>>;
  sampleRate: number;
  /** Bandwidth callUrl when the metadata has none ({accountId}, {callId} filled in). */
  bandwidthCallUrl: string;
  /** Wall-clock time of the stream's start (ISO 8601): startTime when the metadata has none. */
  streamStartTime: string;
}

/** Builds one call's payloads. Construction checks the mapping result; warnings list what fell back. */
export class PayloadFormatter {
  readonly kinds: ReadonlySet<PayloadKind>;
  readonly sessionUuid: string;
  readonly warnings: string[] = [];
  private readonly received?: DtmfReceivedFormatter;
  private readonly bandwidthCall?: Record<string, string | undefined>;
  private readonly context: Record<string, Record<string, unknown>>;

  constructor(readonly metadata: CallMetadata, private readonly options: PayloadFormatterOptions) {
    const call: Record<string, unknown> = {
      ...metadata, custom: undefined,
      localNumber: metadata.direction === "outbound" ? metadata.from : metadata.to,
      startTime: metadata.startTime ?? options.streamStartTime,
    };
    this.context = { call, custom: metadata.custom };
    const bwAccount = this.value("bandwidth.accountId");
    const bwCallId = this.value("bandwidth.callId");
    call.bandwidthCallUrl = options.bandwidthCallUrl.replace("{accountId}", encodeURIComponent(bwAccount)).replace("{callId}", encodeURIComponent(bwCallId));

    let kinds: readonly PayloadKind[] = options.kinds;
    const perCall = this.value("payloads");
    if (perCall !== "") {
      try { kinds = checkPayloadKinds("dtmf_payloads", perCall); } catch (error) { this.warnings.push((error as Error).message); }
    }
    this.kinds = new Set(kinds);
    this.sessionUuid = this.value("session_uuid") || metadata.id;
    if (this.kinds.has("dtmf_received")) {
      const direction = normaliseDirection(this.value("session.direction")) ?? "inbound";
      this.received = new DtmfReceivedFormatter({
        id: this.value("session.id"), account_id: this.value("session.account_id"), phone_number: this.value("session.phone_number"),
        direction: direction as "inbound", from_phone_number: this.value("session.from_phone_number"), to_phone_number: this.value("session.to_phone_number"),
      });
    }
    if (this.kinds.has("bandwidth")) {
      const required = ["accountId", "applicationId", "from", "to", "callId", "callUrl", "startTime", "answerTime"];
      const optional = ["enqueuedTime", "parentCallId", "transferCallerId", "transferTo", "tag"];
      const c: Record<string, string | undefined> = {};
      for (const f of required) c[f] = this.value(`bandwidth.${f}`);
      for (const f of optional) { const v = this.value(`bandwidth.${f}`); if (v !== "") c[f] = v; }
      c.direction = normaliseDirection(this.value("bandwidth.direction")) ?? "inbound";
      // Probe once so a bad mapping is a warning at the start of the call, not an error per key.
      try {
        buildBandwidthDtmfPayload({ digit: "1", detectedSample: 0 }, c as never, { sampleRate: options.sampleRate, eventTime: new Date().toISOString() });
        this.bandwidthCall = c;
      } catch (error) {
        this.warnings.push(`bandwidth payloads are off for this call: ${(error as Error).message}`);
      }
    }
  }

  /** The mapped value of `field`: the first non-empty string among its paths, or "". */
  value(field: string): string {
    const spec = this.options.mapping[field] ?? DEFAULT_MAPPING[field];
    for (const path of spec.split("|")) {
      if (path.startsWith("=")) return path.slice(1);
      const [root, ...rest] = path.split(".");
      let v: unknown = this.context[root];
      for (const key of rest) v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[key] : undefined;
      if (typeof v === "number" && Number.isFinite(v)) v = String(v);
      if (typeof v === "string" && v !== "") return v;
    }
    return "";
  }

  private ms(samples: number): number { return Math.round((samples * 1000) / this.options.sampleRate); }

  keydown(key: { digit: DtmfDigit; startSample: number }, extra: Record<string, unknown>): BuiltPayload[] {
    if (!this.kinds.has("keydown")) return [];
    return [{ kind: "keydown", payload: { event: "keydown", session_uuid: this.sessionUuid, digit: key.digit, start_ms: this.ms(key.startSample), ...extra } }];
  }

  press(key: { digit: DtmfDigit; durationSamples: number; detectedSample: number }, wallClock: Date, extra: Record<string, unknown>): BuiltPayload[] {
    const out: BuiltPayload[] = [];
    if (this.kinds.has("dtmf")) {
      out.push({ kind: "dtmf", payload: { ...buildDtmfPayload({ digit: key.digit, durationMs: (key.durationSamples * 1000) / this.options.sampleRate }, { sessionUuid: this.sessionUuid }), ...extra } });
    }
    if (this.received) {
      const p = this.received.format(key);
      if (p) out.push({ kind: "dtmf_received", payload: { ...p, ...extra } as unknown as Record<string, unknown> });
    }
    if (this.bandwidthCall) {
      const p = buildBandwidthDtmfPayload({ digit: key.digit, detectedSample: key.detectedSample }, this.bandwidthCall as never,
        { sampleRate: this.options.sampleRate, eventTime: wallClock.toISOString() });
      out.push({ kind: "bandwidth", payload: { ...p, ...extra } as unknown as Record<string, unknown> });
    }
    return out;
  }

  collected(outcome: { digits: string; terminator: string; status: CollectStatus }, commandUid: string, error?: string): BuiltPayload[] {
    if (!this.kinds.has("digits.collected")) return [];
    const payload: Record<string, unknown> = { ...buildDigitsCollectedPayload(outcome, { sessionUuid: this.sessionUuid, commandUid }) };
    if (error !== undefined) payload.error = error;
    return [{ kind: "digits.collected", payload }];
  }

  reprompt(commandUid: string, attempt: number, reason: string): BuiltPayload[] {
    if (!this.kinds.has("reprompt")) return [];
    return [{ kind: "reprompt", payload: { event: "reprompt", session_uuid: this.sessionUuid, command_uid: commandUid, attempt, reason } }];
  }
}
