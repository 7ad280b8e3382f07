/**
 * The documented payloads (seeds 000, 001, 002): every payload built here, from real detector
 * and collector output, is validated against its JSON Schema with ajv (+ ajv-formats for
 * date-time and uri). The schemas themselves are checked against the seeds' own examples and
 * against near misses (extra field, null, wrong digit set…), so a schema that accepted
 * anything would fail here.
 */
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { describe, expect, it } from "vitest";
import { DigitCollector } from "../src/collector.js";
import { DtmfEngine } from "../src/engine.js";
import { ALL_KEYS as ALL } from "../src/keys.js";
import type { DetectorEvent, DtmfEvent, KeyDownEvent } from "../src/events.js";
import { type GenerateOptions, encodeSamples, generateDtmf } from "../src/generator.js";
import {
  type BandwidthCall, DtmfPayloadError, DtmfReceivedFormatter, type DtmfReceivedSession, type JsonSchema, PAYLOAD_SCHEMAS,
  bandwidthDtmfPayloadSchema, buildBandwidthDtmfPayload, buildDigitsCollectedPayload, buildDtmfPayload, buildDtmfReceivedPayload,
  digitsCollectedPayloadSchema, dtmfPayloadSchema, dtmfReceivedExtendedPayloadSchema, dtmfReceivedPayloadSchema,
} from "../src/payloads/index.js";

// ajv-formats is CommonJS: its default export is the plugin under Node's ESM interop.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ strict: true, allErrors: true }));
const validators = new Map<JsonSchema, ValidateFunction>();
function validate(schema: JsonSchema, payload: unknown): boolean {
  let v = validators.get(schema);
  if (!v) { v = ajv.compile(schema); validators.set(schema, v); }
  return v(payload);
}
/** Expects `payload` to pass `schema`, showing ajv's errors otherwise. */
function expectValid(schema: JsonSchema, payload: unknown): void {
  const ok = validate(schema, payload);
  expect(ok ? [] : validators.get(schema)!.errors, JSON.stringify(payload)).toEqual([]);
}

const RATE = 8000;
let engine: Promise<DtmfEngine> | undefined;
async function detect(gen: GenerateOptions): Promise<DetectorEvent[]> {
  const audio = generateDtmf({ sampleRate: RATE, ...gen });
  engine ??= DtmfEngine.create();
  const detector = (await engine).createDetector({ sampleRate: RATE, encoding: "pcm16" });
  const events = [...detector.process(encodeSamples(audio.samples, "pcm16")), ...detector.flush()];
  detector.close();
  return events;
}
const pressesOf = (events: DetectorEvent[]) => events.filter((e): e is DtmfEvent => e.type === "dtmf");
const keydownsOf = (events: DetectorEvent[]) => events.filter((e): e is KeyDownEvent => e.type === "keydown");

const SESSION_UUID = "acW68-f47ac10b-58cc-4372-a567-0e02b2c3d479";

describe("schemas", () => {
  it("every shipped schema compiles in ajv's strict mode and is frozen", () => {
    expect(Object.keys(PAYLOAD_SCHEMAS).sort()).toEqual(["bandwidth-dtmf", "digits-collected", "dtmf", "dtmf-received", "dtmf-received-extended"]);
    for (const [name, schema] of Object.entries(PAYLOAD_SCHEMAS)) {
      expect(() => ajv.compile(schema), name).not.toThrow();
      expect(Object.isFrozen(schema) && Object.isFrozen(schema.properties)).toBe(true);
    }
  });

  it("the seeds' own examples pass", () => {
    expectValid(dtmfPayloadSchema, { event: "dtmf", session_uuid: SESSION_UUID, digit: "5", duration_ms: 120 });
    expectValid(digitsCollectedPayloadSchema, { event: "digits.collected", session_uuid: SESSION_UUID, command_uid: "collect-pin-001", digits: "1234", terminator: "#", status: "success" });
    expectValid(digitsCollectedPayloadSchema, { event: "digits.collected", session_uuid: SESSION_UUID, command_uid: "collect-pin-001", digits: "", terminator: "", status: "timeout" });
    expectValid(dtmfReceivedPayloadSchema, {
      type: "dtmf_received", digit: "1",
      session: { id: "550e8400-e29b-41d4-a716-446655440000", account_id: "account-123", phone_number: "+1234567890", direction: "inbound", from_phone_number: "+9876543210", to_phone_number: "+1234567890" },
    });
    const bandwidth = {
      eventType: "dtmf", eventTime: "2019-06-20T15:54:48.992Z", accountId: "55555555", applicationId: "7fc9698a-b04a-468b-9e8f-91238c0d0086",
      startTime: "2019-06-20T15:54:22.234Z", answerTime: "2019-06-20T15:54:25.432Z", from: "+15551112222", to: "+15553334444", direction: "outbound",
      callId: "c-95ac8d6e-1a31c52e-b38f-4198-93c1-51633ec68f8d",
      callUrl: "https://voice.bandwidth.com/api/v2/accounts/55555555/calls/c-95ac8d6e-1a31c52e-b38f-4198-93c1-51633ec68f8d", digit: "2",
    };
    expectValid(bandwidthDtmfPayloadSchema, bandwidth);
    expectValid(bandwidthDtmfPayloadSchema, { ...bandwidth, enqueuedTime: "2019-06-20T15:54:21.322Z" });
  });

  it("near misses fail: extra or null fields, missing fields, wrong digits, non-integer durations, bad times", () => {
    const dtmf = { event: "dtmf", session_uuid: SESSION_UUID, digit: "5", duration_ms: 120 };
    for (const bad of [{ ...dtmf, extra: 1 }, { ...dtmf, duration_ms: 120.5 }, { ...dtmf, digit: "E" }, { ...dtmf, digit: "55" }, { ...dtmf, session_uuid: null }, { ...dtmf, event: "DTMF" }]) {
      expect(validate(dtmfPayloadSchema, bad), JSON.stringify(bad)).toBe(false);
    }
    const { duration_ms: _omitted, ...noDuration } = dtmf;
    expect(validate(dtmfPayloadSchema, noDuration)).toBe(false);
    const collected = { event: "digits.collected", session_uuid: SESSION_UUID, command_uid: "c", digits: "12", terminator: "#", status: "success" };
    for (const bad of [{ ...collected, status: "ok" }, { ...collected, terminator: "##" }, { ...collected, digits: "1 2" }, { ...collected, terminator: null }]) {
      expect(validate(digitsCollectedPayloadSchema, bad), JSON.stringify(bad)).toBe(false);
    }
    const session: DtmfReceivedSession = { id: "s", account_id: "a", phone_number: "+1", direction: "inbound", from_phone_number: "+2", to_phone_number: "+1" };
    expect(validate(dtmfReceivedPayloadSchema, { type: "dtmf_received", digit: "A", session })).toBe(false);
    expect(validate(dtmfReceivedExtendedPayloadSchema, { type: "dtmf_received", digit: "A", session })).toBe(true);
    // Seed 000's session is an open base event structure: extra fields validate.
    expect(validate(dtmfReceivedPayloadSchema, { type: "dtmf_received", digit: "1", session: { ...session, extra: "x" } })).toBe(true);
    expect(validate(dtmfReceivedPayloadSchema, { type: "dtmf_received", digit: "1", session, extra: "x" })).toBe(false);
    const call = bandwidthCall();
    const ok = buildBandwidthDtmfPayload({ digit: "2", detectedSample: 0 }, call, { sampleRate: RATE });
    expectValid(bandwidthDtmfPayloadSchema, ok);
    for (const bad of [{ ...ok, tag: null }, { ...ok, eventTime: "yesterday" }, { ...ok, callUrl: "not a url" }, { ...ok, direction: "sideways" }, { ...ok, extra: "x" }]) {
      expect(validate(bandwidthDtmfPayloadSchema, bad), JSON.stringify(bad)).toBe(false);
    }
  });
});

function bandwidthCall(extra: Partial<BandwidthCall> = {}): BandwidthCall {
  return {
    accountId: "55555555", applicationId: "7fc9698a-b04a-468b-9e8f-91238c0d0086", to: "+15553334444", from: "+15551112222",
    direction: "outbound", callId: "c-95ac8d6e-1a31c52e-b38f-4198-93c1-51633ec68f8d",
    callUrl: "https://voice.bandwidth.com/api/v2/accounts/55555555/calls/c-95ac8d6e-1a31c52e-b38f-4198-93c1-51633ec68f8d",
    startTime: "2019-06-20T15:54:22.234Z", answerTime: "2019-06-20T15:54:25.432Z", ...extra,
  };
}

describe("dtmf (seed 001)", () => {
  it("one payload per detected press, all 16 keys, duration_ms an integer close to the tone's", async () => {
    const events = await detect({ keys: ALL, toneMs: 120, gapMs: 100 });
    const presses = pressesOf(events);
    expect(presses.map((p) => p.digit).join("")).toBe(ALL);
    for (const press of presses) {
      const payload = buildDtmfPayload(press, { sessionUuid: SESSION_UUID });
      expectValid(dtmfPayloadSchema, payload);
      expect(payload).toEqual({ event: "dtmf", session_uuid: SESSION_UUID, digit: press.digit, duration_ms: Math.round(press.durationMs) });
      expect(Object.keys(payload)).toEqual(["event", "session_uuid", "digit", "duration_ms"]);
    }
  });

  it("rounds to whole ms", () => {
    expect(buildDtmfPayload({ digit: "5", durationMs: 119.6 }, { sessionUuid: "s" }).duration_ms).toBe(120);
    expect(buildDtmfPayload({ digit: "a", durationMs: 0 }, { sessionUuid: "s" }).digit).toBe("A");
  });

  it("refuses bad inputs with DtmfPayloadError naming the field", () => {
    const cases: [() => unknown, string][] = [
      [() => buildDtmfPayload({ digit: "5", durationMs: 80 }, { sessionUuid: "" }), "dtmf: sessionUuid must be a non-empty string; received \"\""],
      [() => buildDtmfPayload({ digit: "E", durationMs: 80 }, { sessionUuid: "s" }), "dtmf: digit must be one of 0-9, A-D, *, #; received \"E\""],
      [() => buildDtmfPayload({ digit: "5", durationMs: Number.NaN }, { sessionUuid: "s" }), "dtmf: durationMs must be a number of ms from 0 to 3600000; received NaN"],
      [() => buildDtmfPayload({ digit: "5", durationMs: -1 }, { sessionUuid: "s" }), "received -1"],
      [() => buildDtmfPayload({ digit: "5", durationMs: Number.POSITIVE_INFINITY }, { sessionUuid: "s" }), "received Infinity"],
      [() => buildDtmfPayload(null as never, { sessionUuid: "s" }), "dtmf: press must be an object"],
    ];
    for (const [call, message] of cases) {
      expect(call).toThrow(DtmfPayloadError);
      expect(call).toThrow(message);
    }
  });
});

describe("digits.collected (seed 001)", () => {
  async function collected(gen: GenerateOptions, options: { minDigits: number; maxDigits: number; timeout?: number }) {
    const events = await detect(gen);
    const collector = new DigitCollector({ sampleRate: RATE, ...options });
    collector.feed(events);
    const audioSamples = generateDtmf({ sampleRate: RATE, ...gen }).samples.length;
    return buildDigitsCollectedPayload(collector.end(audioSamples), { sessionUuid: SESSION_UUID, commandUid: "collect-pin-001" });
  }

  it("success, timeout and failure from real collections all validate", async () => {
    const success = await collected({ keys: "1234#" }, { minDigits: 4, maxDigits: 4 + 2 });
    expect(success).toEqual({ event: "digits.collected", session_uuid: SESSION_UUID, command_uid: "collect-pin-001", digits: "1234", terminator: "#", status: "success" });
    const timeout = await collected({ keys: "", leadMs: 2000 }, { minDigits: 1, maxDigits: 4, timeout: 1000 });
    expect(timeout).toMatchObject({ digits: "", terminator: "", status: "timeout" });
    const failure = await collected({ keys: "12" }, { minDigits: 4, maxDigits: 8 });
    expect(failure).toMatchObject({ digits: "12", terminator: "", status: "failure" });
    for (const payload of [success, timeout, failure]) expectValid(digitsCollectedPayloadSchema, payload);
  });

  it("takes exactly the documented fields from a CollectResult (no attempts, history…)", () => {
    const collector = new DigitCollector({ minDigits: 1, maxDigits: 2 });
    const payload = buildDigitsCollectedPayload(collector.cancel(), { sessionUuid: "s", commandUid: "c" });
    expect(Object.keys(payload)).toEqual(["event", "session_uuid", "command_uid", "digits", "terminator", "status"]);
    expectValid(digitsCollectedPayloadSchema, payload);
  });

  it("refuses bad inputs with DtmfPayloadError", () => {
    const ids = { sessionUuid: "s", commandUid: "c" };
    const ok = { digits: "1", terminator: "#", status: "success" as const };
    expect(() => buildDigitsCollectedPayload(ok, { sessionUuid: "", commandUid: "c" })).toThrow("digits.collected: sessionUuid must be a non-empty string");
    expect(buildDigitsCollectedPayload(ok, { sessionUuid: "s", commandUid: "" }).command_uid).toBe("");
    expect(() => buildDigitsCollectedPayload({ ...ok, status: "ok" as never }, ids)).toThrow("status must be one of success, timeout, failure, unknown; received \"ok\"");
    expect(() => buildDigitsCollectedPayload({ ...ok, terminator: "##" }, ids)).toThrow(DtmfPayloadError);
    // Seed 001 does not cap digits at 64 (seed 003's 64 bounds a request): 65 keys are a payload.
    expect(validate(digitsCollectedPayloadSchema, buildDigitsCollectedPayload({ ...ok, digits: "1".repeat(65) }, ids))).toBe(true);
    expect(() => buildDigitsCollectedPayload({ ...ok, digits: "12x" }, ids)).toThrow(DtmfPayloadError);
  });
});

describe("dtmf_received (seed 000)", () => {
  const session: DtmfReceivedSession = {
    id: "550e8400-e29b-41d4-a716-446655440000", account_id: "account-123", phone_number: "+1234567890",
    direction: "inbound", from_phone_number: "+9876543210", to_phone_number: "+1234567890",
  };

  it("0-9 * # are sent; A-D are dropped and counted by default", async () => {
    const presses = pressesOf(await detect({ keys: ALL, toneMs: 100 }));
    const formatter = new DtmfReceivedFormatter(session);
    const payloads = presses.map((p) => formatter.format(p)).filter((p) => p !== undefined);
    expect(payloads.map((p) => p.digit).join("")).toBe("0123456789*#");
    expect(formatter.dropped).toBe(4);
    for (const payload of payloads) {
      expectValid(dtmfReceivedPayloadSchema, payload);
      expect(payload.session).toEqual(session);
    }
    expect(buildDtmfReceivedPayload({ digit: "B" }, session)).toBeUndefined();
  });

  it("includeExtendedKeys sends A-D; those payloads fit the extended schema, not the platform's", async () => {
    const presses = pressesOf(await detect({ keys: "1ABCD#", toneMs: 100 }));
    const formatter = new DtmfReceivedFormatter(session, { includeExtendedKeys: true });
    const payloads = presses.map((p) => formatter.format(p)!);
    expect(payloads.map((p) => p.digit).join("")).toBe("1ABCD#");
    expect(formatter.dropped).toBe(0);
    for (const payload of payloads) {
      expectValid(dtmfReceivedExtendedPayloadSchema, payload);
      expect(validate(dtmfReceivedPayloadSchema, payload)).toBe("ABCD".includes(payload.digit) ? false : true);
    }
  });

  it("refuses bad sessions and options with DtmfPayloadError", () => {
    expect(() => new DtmfReceivedFormatter({ ...session, direction: "sideways" as never })).toThrow("dtmf_received: session.direction must be one of inbound, outbound; received \"sideways\"");
    // Seed 000 does not forbid empty strings, and its session is an open base event structure.
    const open = new DtmfReceivedFormatter({ ...session, phone_number: "", extra: 1, region: "eu" }).format({ digit: "1" })!;
    expect(open.session).toMatchObject({ phone_number: "", extra: 1, region: "eu" });
    expect(validate(dtmfReceivedPayloadSchema, open)).toBe(true);
    const { id: _id, ...noId } = session;
    expect(() => new DtmfReceivedFormatter(noId as never)).toThrow("session.id must be a string (may be empty); received undefined");
    expect(() => new DtmfReceivedFormatter(session, { includeExtendedKeys: "yes" as never })).toThrow("options.includeExtendedKeys must be a boolean");
    expect(() => buildDtmfReceivedPayload({ digit: "%" }, session)).toThrow(DtmfPayloadError);
  });
});

describe("Bandwidth dtmf callback (seed 002)", () => {
  it("eventTime = startTime + the key's detection in media time, to the ms", () => {
    // 212 606 samples at 8 kHz = 26 575.75 ms → 26 576 ms after 15:54:22.234.
    const payload = buildBandwidthDtmfPayload({ digit: "2", detectedSample: 212_606 }, bandwidthCall(), { sampleRate: RATE });
    expect(payload.eventTime).toBe("2019-06-20T15:54:48.810Z");
    const fromAnswer = buildBandwidthDtmfPayload({ digit: "2", detectedSample: 8000 }, bandwidthCall(), { sampleRate: RATE, mediaStartTime: "2019-06-20T17:54:25.432+02:00" });
    expect(fromAnswer.eventTime).toBe("2019-06-20T15:54:26.432Z");
  });

  it("one callback per detected key: every required field, no optional ones, valid", async () => {
    const downs = keydownsOf(await detect({ keys: "159#", leadMs: 1000 }));
    expect(downs.map((k) => k.digit).join("")).toBe("159#");
    for (const key of downs) {
      const payload = buildBandwidthDtmfPayload(key, bandwidthCall(), { sampleRate: RATE });
      expectValid(bandwidthDtmfPayloadSchema, payload);
      expect(payload.digit).toBe(key.digit);
      expect(Date.parse(payload.eventTime) - Date.parse("2019-06-20T15:54:22.234Z")).toBe(Math.round(key.detectedSample / (RATE / 1000)));
      expect(Object.keys(payload).sort()).toEqual([...bandwidthDtmfPayloadSchema.required as string[]].sort());
    }
  });

  it("optional fields appear only when given; null means absent, never a null field", () => {
    const all = buildBandwidthDtmfPayload({ digit: "2", detectedSample: 0 }, bandwidthCall({
      enqueuedTime: "2019-06-20T15:54:21.322Z", parentCallId: "c-parent", transferCallerId: "+15550001111", transferTo: "+15552223333", tag: "my-tag",
    }), { sampleRate: RATE });
    expectValid(bandwidthDtmfPayloadSchema, all);
    expect(all).toMatchObject({ enqueuedTime: "2019-06-20T15:54:21.322Z", parentCallId: "c-parent", transferCallerId: "+15550001111", transferTo: "+15552223333", tag: "my-tag" });
    const nulls = buildBandwidthDtmfPayload({ digit: "2", detectedSample: 0 }, bandwidthCall({ tag: null, parentCallId: null, enqueuedTime: null }), { sampleRate: RATE });
    expectValid(bandwidthDtmfPayloadSchema, nulls);
    expect(Object.values(nulls)).not.toContain(null);
    expect("tag" in nulls || "parentCallId" in nulls || "enqueuedTime" in nulls).toBe(false);
  });

  it("refuses bad inputs with DtmfPayloadError naming the field", () => {
    const key = { digit: "2", detectedSample: 0 };
    const media = { sampleRate: RATE };
    const cases: [() => unknown, string][] = [
      [() => buildBandwidthDtmfPayload(key, bandwidthCall({ startTime: "2019-06-20 15:54" }), media), "bandwidth dtmf: call.startTime must be an ISO 8601 date-time"],
      [() => buildBandwidthDtmfPayload(key, bandwidthCall({ answerTime: "2019-02-30T10:00:00Z" }), media), "call.answerTime"],
      [() => buildBandwidthDtmfPayload(key, bandwidthCall({ callUrl: "ftp://x" }), media), "call.callUrl must be an absolute http(s) URL"],
      [() => buildBandwidthDtmfPayload(key, bandwidthCall({ direction: "in" as never }), media), "call.direction must be one of inbound, outbound"],
      [() => buildBandwidthDtmfPayload(key, bandwidthCall({ tag: 5 as never }), media), "call.tag must be a string"],
      [() => buildBandwidthDtmfPayload(key, { ...bandwidthCall(), tags: "x" } as never, media), "call.tags must be absent"],
      [() => buildBandwidthDtmfPayload(key, bandwidthCall(), { sampleRate: 7999 }), "media.sampleRate must be an integer from 8000 to 48000; received 7999"],
      [() => buildBandwidthDtmfPayload({ digit: "2", detectedSample: Number.NaN }, bandwidthCall(), media), "detectedSample must be a finite number of samples ≥ 0; received NaN"],
      [() => buildBandwidthDtmfPayload({ digit: "X", detectedSample: 0 }, bandwidthCall(), media), "digit must be one of 0-9, A-D, *, #"],
    ];
    for (const [call, message] of cases) {
      expect(call).toThrow(DtmfPayloadError);
      expect(call).toThrow(message);
    }
  });
});

describe("schemas compile with plain strict Ajv (no ajv-formats), as published", () => {
  it("every payload schema compiles and the seed examples validate", () => {
    const plain = new Ajv({ strict: true, allErrors: true });
    for (const [name, schema] of Object.entries(PAYLOAD_SCHEMAS)) expect(() => plain.compile(schema), name).not.toThrow();
    const bandwidth = plain.compile(bandwidthDtmfPayloadSchema);
    const example = {
      eventType: "dtmf", eventTime: "2019-06-20T15:54:48.992Z", accountId: "55555555", applicationId: "7fc9698a-b04a-468b-9e8f-91238c0d0086",
      startTime: "2019-06-20T15:54:22.234Z", answerTime: "2019-06-20T15:54:25.432Z", from: "+15551112222", to: "+15553334444", direction: "outbound",
      callId: "c-95ac8d6e-1a31c52e-b38f-4198-93c1-51633ec68f8d",
      callUrl: "https://voice.bandwidth.com/api/v2/accounts/55555555/calls/c-95ac8d6e-1a31c52e-b38f-4198-93c1-51633ec68f8d", digit: "2",
    };
    expect(bandwidth(example)).toBe(true);
    expect(bandwidth({ ...example, eventTime: "yesterday" })).toBe(false);
    expect(bandwidth({ ...example, accountId: "" })).toBe(true);
  });
});
