/**
 * The server's pieces on their own: the key merger's rules, the media clock's bounded gap
 * fill, the reorder buffer, collect requests, payload mapping, option sources.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DigitCollector } from "../src/collector.js";
import { seededRandom } from "../src/generator.js";
import { DtmfOptionError } from "../src/errors.js";
import { parseCollectRequest } from "../src/server/collect-request.js";
import { KeyMerger } from "../src/server/key-merger.js";
import { MediaClock, ReorderBuffer } from "../src/server/media-clock.js";
import { optionsFromArgs, optionsFromEnv, optionsFromFile, resolveServeOptions, serveHelp } from "../src/server/options.js";
import { PayloadFormatter } from "../src/server/payload-formats.js";

const merger = () => new KeyMerger({ windowSamples: 960, holdSamples: 1600, lateSamples: 8000, retainSamples: 80000 });
const types = (events: { type: string; digit: string; sources: string[] }[]) => events.map((e) => `${e.type[0]}${e.digit}:${e.sources.join("+")}`);

describe("KeyMerger", () => {
  it("in-band then a platform report of the same press: one keydown, one dtmf with in-band timing", () => {
    const m = merger();
    expect(types(m.inband({ type: "keydown", digit: "5", startSample: 8000, detectedSample: 8224 }))).toEqual(["k5:inband"]);
    expect(m.outOfBand({ source: "platform", digit: "5", ended: true, atSample: 8800 })).toEqual([]);
    const [d] = m.inband({ type: "dtmf", digit: "5", startSample: 8000, detectedSample: 9040, durationSamples: 800 });
    expect(d).toMatchObject({ type: "dtmf", digit: "5", startSample: 8000, durationSamples: 800, timing: "inband", sources: ["inband", "platform"] });
    expect(m.duplicates).toBe(1);
  });

  it("an out-of-band-only key is held, then reported with its own timing; a second real press of the key is a second press", () => {
    const m = merger();
    expect(types(m.outOfBand({ source: "rfc4733", digit: "3", ended: false, startSample: 1000, atSample: 1160 }))).toEqual(["k3:rfc4733"]);
    expect(m.outOfBand({ source: "rfc4733", digit: "3", ended: true, startSample: 1000, durationSamples: 800, atSample: 1800 })).toEqual([]);
    expect(m.advance(3000)).toEqual([]); // still held (until 1800 + 1600)
    const [d] = m.advance(3400);
    expect(d).toMatchObject({ type: "dtmf", digit: "3", durationSamples: 800, timing: "rfc4733" });
    expect(types(m.outOfBand({ source: "rfc4733", digit: "3", ended: false, startSample: 4000, atSample: 4160 }))).toEqual(["k3:rfc4733"]);
  });

  it("an in-band report arriving during the hold takes the press over (in-band timing preferred)", () => {
    const m = merger();
    m.outOfBand({ source: "platform", digit: "7", ended: true, durationMs: 0, atSample: 2000 } as never);
    expect(m.inband({ type: "keydown", digit: "7", startSample: 1300, detectedSample: 1524 })).toEqual([]);
    const [d] = m.inband({ type: "dtmf", digit: "7", startSample: 1300, detectedSample: 2340, durationSamples: 720 });
    expect(d).toMatchObject({ durationSamples: 720, timing: "inband" });
    expect(m.advance(10000)).toEqual([]);
  });

  it("flush ends what is open; an in-band press never needs flush from the merger (the detector flushes it)", () => {
    const m = merger();
    m.outOfBand({ source: "rfc4733", digit: "9", ended: false, startSample: 100, atSample: 260 });
    expect(types(m.flush(500))).toEqual(["d9:rfc4733"]);
  });
});

describe("MediaClock and ReorderBuffer", () => {
  it("fills gaps up to the limit; beyond it resets without filling; Unix-ms origins are taken as they come", () => {
    const c = new MediaClock(8000, 1000);
    expect(c.place(0, 0)).toEqual({ kind: "inline" });
    expect(c.place(60, 160)).toEqual({ kind: "fill", samples: 320 });
    expect(c.place(360_000_000, 480)).toEqual({ kind: "reset", claimedGapMs: 359_999_940 });
    expect(c.place(360_000_020, 640)).toEqual({ kind: "inline" });
    const unix = new MediaClock(16000, 1000);
    expect(unix.place(1_705_312_200_000, 0)).toEqual({ kind: "inline" });
    expect(unix.place(1_705_312_200_040, 320)).toEqual({ kind: "fill", samples: 320 });
  });

  it("puts swapped frames back, drops replays, gives up on a lost one after the window, wraps at the modulo", () => {
    const r = new ReorderBuffer<number>(3, 65536);
    const keep = (x: number) => x;
    expect(r.push(65534, 1, keep)).toEqual([1]);
    expect(r.push(0, 3, keep)).toEqual([]);
    expect(r.push(65535, 2, keep)).toEqual([2, 3]);
    expect(r.push(65535, 2, keep)).toEqual([]);
    expect(r.dropped).toBe(1);
    expect(r.push(2, 5, keep)).toEqual([]);
    expect(r.push(3, 6, keep)).toEqual([]);
    expect(r.push(4, 7, keep)).toEqual([5, 6, 7]); // 1 never came
  });

  it("inOrder() (the frame path without allocation) releases exactly what push() would, over random arrival orders", () => {
    const random = seededRandom(7);
    for (const modulo of [0, 65536]) {
      const plain = new ReorderBuffer<number>(3, modulo), quick = new ReorderBuffer<number>(3, modulo);
      const keep = (x: number) => x;
      let next = modulo ? 65530 : 10;
      let inOrderTaken = 0;
      for (let n = 0; n < 2000; n++) {
        // Mostly in order; sometimes swapped, replayed or lost.
        const r = random();
        const sequence = r < 0.8 ? next : r < 0.9 ? next + 1 : r < 0.95 ? next - 1 : next + 2;
        const s = modulo ? ((sequence % modulo) + modulo) % modulo : sequence;
        if (r < 0.8 || r >= 0.95) next = sequence + 1;
        const expected = plain.push(s, n, keep);
        const got = quick.inOrder(s) ? (inOrderTaken++, [n]) : quick.push(s, n, keep);
        expect(got).toEqual(expected);
      }
      expect([quick.dropped, quick.reordered]).toEqual([plain.dropped, plain.reordered]);
      expect(quick.drain()).toEqual(plain.drain());
      expect(inOrderTaken).toBeGreaterThan(1000);
    }
  });
});

describe("collect requests and the collector's prompt", () => {
  const defaults = { sampleRate: 8000, startSample: 0, successRule: "seed" as const, typeAhead: "discard" as const };
  it("snake_case fields, null = not given, errors naming the field", () => {
    const r = parseCollectRequest({ command_uid: "x", min_digits: null, max_digits: null, timeout: null, regex: null, prompt_mark: "menu" }, defaults);
    expect(r.collector.settings).toMatchObject({ minDigits: 1, maxDigits: 64, timeout: 5000, regex: "[0-9]*", promptUntilEnded: true });
    expect(() => parseCollectRequest({ command_uid: "x", timeout: 500 }, defaults)).toThrow("collect.timeout must be a number from 1000 to 10000; received 500");
    expect(() => parseCollectRequest({ min_digits: 1 }, defaults)).toThrow(DtmfOptionError);
    expect(() => parseCollectRequest({ command_uid: "x", type_ahead: "maybe" }, defaults)).toThrow("collect.type_ahead must be one of discard, keep");
  });

  it("seed 001: a terminator ends in success whatever the count; strict: below minDigits is a failure; the prompt waits for endPrompt", () => {
    const press = (c: DigitCollector, digit: string, at: number) => c.onEvent({ type: "keydown", digit: digit as "1", startSample: at - 224, startMs: 0, detectedSample: at, detectedMs: 0, lowDbm0: -10, highDbm0: -10 });
    const seed = new DigitCollector({ minDigits: 4, maxDigits: 8 });
    press(seed, "1", 1000); press(seed, "#", 3000);
    expect(seed.result).toMatchObject({ status: "success", digits: "1", terminator: "#" });
    const strict = new DigitCollector({ minDigits: 4, maxDigits: 8, successRule: "strict" });
    press(strict, "1", 1000); press(strict, "#", 3000);
    expect(strict.result).toMatchObject({ status: "failure" });
    const prompt = new DigitCollector({ timeout: 1000, promptUntilEnded: true });
    expect(prompt.advance(80_000)).toEqual([]); // 10 s of prompt: no timeout while it plays
    prompt.endPrompt(80_000);
    expect(prompt.advance(87_999)).toEqual([]);
    expect(prompt.advance(88_000).map((e) => e.type)).toEqual(["attemptend", "done"]);
    expect(prompt.result).toMatchObject({ status: "timeout" });
    const noRegex = new DigitCollector({ regex: "", maxDigits: 2 });
    press(noRegex, "A", 300); press(noRegex, "*", 400);
    expect(noRegex.result).toMatchObject({ status: "success", digits: "A*" });
  });
});

describe("payload mapping", () => {
  const meta = { id: "CA1", accountId: "AC1", from: "+15551112222", to: "+15553334444", direction: "inbound", custom: { tag: "t1", my_account: "acct-9" } };
  const base = { kinds: ["dtmf", "dtmf_received", "bandwidth"] as const, mapping: {}, sampleRate: 8000, bandwidthCallUrl: "https://voice.bandwidth.com/api/v2/accounts/{accountId}/calls/{callId}", streamStartTime: "2026-01-01T00:00:00.000Z" };
  it("default mapping; overrides by path; Bandwidth eventTime is the wall clock of the event", () => {
    const f = new PayloadFormatter(meta, { ...base, mapping: { "session.account_id": "custom.my_account|call.accountId" } });
    const at = new Date("2026-01-01T00:00:07.250Z");
    const [dtmf, received, bandwidth] = f.press({ digit: "5", durationSamples: 800, detectedSample: 8000 }, at, {});
    expect(dtmf.payload).toEqual({ event: "dtmf", session_uuid: "CA1", digit: "5", duration_ms: 100 });
    expect(received.payload).toMatchObject({ session: { id: "CA1", account_id: "acct-9", phone_number: "+15553334444", direction: "inbound" } });
    expect(bandwidth.payload).toMatchObject({ eventType: "dtmf", eventTime: "2026-01-01T00:00:07.250Z", accountId: "AC1", callId: "CA1", tag: "t1",
      callUrl: "https://voice.bandwidth.com/api/v2/accounts/AC1/calls/CA1", startTime: "2026-01-01T00:00:00.000Z", answerTime: "2026-01-01T00:00:00.000Z" });
    expect(f.press({ digit: "A", durationSamples: 800, detectedSample: 8000 }, at, {}).map((p) => p.kind)).toEqual(["dtmf", "bandwidth"]); // seed 000: no A-D
  });
  it("a call's own payload list (dtmf_payloads) wins; a bad one is a warning", () => {
    expect([...new PayloadFormatter({ ...meta, custom: { dtmf_payloads: "keydown,dtmf" } }, base).kinds]).toEqual(["keydown", "dtmf"]);
    const bad = new PayloadFormatter({ ...meta, custom: { dtmf_payloads: "fax" } }, base);
    expect(bad.warnings[0]).toMatch(/dtmf_payloads must be a list of/);
  });
});

describe("options: flags, environment, config file", () => {
  it("precedence flags > environment > file > defaults; YAML and JSON files; typed errors naming the source", () => {
    const dir = mkdtempSync(join(tmpdir(), "serve-opts-"));
    const yaml = join(dir, "serve.yaml");
    writeFileSync(yaml, "port: 9000\npayloads: [dtmf_received, digits.collected]\nmapping:\n  session_uuid: custom.sid|call.id\nmaxGapFillMs: 500\n");
    const json = join(dir, "serve.json");
    writeFileSync(json, JSON.stringify({ port: 9001, colour: "red" }));
    const s = resolveServeOptions([
      { values: optionsFromFile(yaml), source: "config" },
      { values: optionsFromEnv({ DTMF_SERVE_PORT: "9100", DTMF_SERVE_STDOUT: "true" }), source: "environment" },
      { values: optionsFromArgs(["--port=9200", "--no-socket-sink"]).values, source: "flag" },
    ]);
    expect(s).toMatchObject({ port: 9200, stdout: true, socketSink: false, payloads: ["dtmf_received", "digits.collected"], maxGapFillMs: 500, host: "127.0.0.1", mapping: { session_uuid: "custom.sid|call.id" } });
    expect(() => resolveServeOptions([{ values: optionsFromFile(json), source: "config" }])).toThrow("colour (config) must be one of the serve options");
    expect(() => resolveServeOptions([{ values: optionsFromEnv({ DTMF_SERVE_TYPE_AHEAD: "sometimes" }), source: "environment" }])).toThrow("DTMF_SERVE_TYPE_AHEAD must be one of discard, keep; received \"sometimes\"");
    expect(() => optionsFromArgs(["--colour", "red"])).toThrow("--colour must be one of the flags of dtmf-wasm serve");
    expect(() => optionsFromArgs(["--prot", "8081"])).toThrow("did you mean --port?");
    expect(() => optionsFromArgs(["--webhok", "http://127.0.0.1:1/x"])).toThrow("did you mean --webhook?");
    expect(() => resolveServeOptions([{ values: { mapping: { "session.colour": "call.id" } }, source: "option" }])).toThrow("mapping.session.colour must be one of the mapped fields");
    expect(optionsFromArgs(["--help"]).help).toBe(true);
    expect(serveHelp()).toContain("--max-gap-fill-ms");
    expect(serveHelp()).toContain("env DTMF_SERVE_CONTROL_TOKEN");
  });

  it("forward targets: each flag takes its own scheme; a wrong one is a DtmfOptionError naming the flag, the scheme, and the flag it belongs in", () => {
    const fromFlags = (...args: string[]) => () => resolveServeOptions([{ values: optionsFromArgs(args).values, source: "flag" }]);
    expect(fromFlags("--audiosocket-port", "0", "--rtp-port", "0", "--forward-url", "wss://asr.example/{callId}", "--forward-audiosocket-url", "tcp://10.0.0.5:9092", "--forward-rtp-url", "udp://[::1]:40000")())
      .toMatchObject({ forwardUrl: "wss://asr.example/{callId}", forwardAudiosocketUrl: "tcp://10.0.0.5:9092", forwardRtpUrl: "udp://[::1]:40000" });
    const refusals: [string[], string][] = [
      [["--audiosocket-port", "0", "--forward-audiosocket-url", "ws://127.0.0.1:9/x"], "--forward-audiosocket-url must be a tcp://host:port URL (a port from 1 to 65535, no path); a ws:// target is --forward-url"],
      [["--audiosocket-port", "0", "--forward-audiosocket-url", "tcp://127.0.0.1"], "--forward-audiosocket-url must be a tcp://host:port URL"],
      [["--audiosocket-port", "0", "--forward-audiosocket-url", "tcp://127.0.0.1:9/path"], "--forward-audiosocket-url must be a tcp://host:port URL"],
      [["--rtp-port", "0", "--forward-rtp-url", "tcp://127.0.0.1:9"], "--forward-rtp-url must be a udp://host:port URL (a port from 1 to 65535, no path); a tcp:// target is --forward-audiosocket-url"],
      [["--rtp-port", "0", "--forward-rtp-url", "udp://127.0.0.1:0"], "--forward-rtp-url must be a udp://host:port URL"],
      [["--rtp-port", "0", "--forward-rtp-url", "udp://user@127.0.0.1:9"], "--forward-rtp-url must be a udp://host:port URL"],
      [["--forward-url", "udp://127.0.0.1:9"], "--forward-url must be an absolute ws(s) URL ({callId} and {protocol} may appear in it); a udp:// target is --forward-rtp-url"],
      [["--forward-url", "http://127.0.0.1:9"], "--forward-url must be an absolute ws(s) URL"],
      [["--forward-rtp-url", "udp://127.0.0.1:9"], "--forward-rtp-url must be given with --rtp-port (without that listener there is nothing to forward)"],
      [["--forward-audiosocket-url", "tcp://127.0.0.1:9"], "--forward-audiosocket-url must be given with --audiosocket-port"],
    ];
    for (const [args, message] of refusals) {
      expect(fromFlags(...args)).toThrow(DtmfOptionError);
      expect(fromFlags(...args)).toThrow(message);
    }
    expect(() => resolveServeOptions([{ values: optionsFromEnv({ DTMF_SERVE_FORWARD_RTP_URL: "ws://x:1", DTMF_SERVE_RTP_PORT: "0" }), source: "environment" }])).toThrow("DTMF_SERVE_FORWARD_RTP_URL must be a udp://host:port URL (a port from 1 to 65535, no path); a ws:// target is DTMF_SERVE_FORWARD_URL");
    expect(serveHelp()).toContain("--forward-audiosocket-url");
    expect(serveHelp()).toContain("env DTMF_SERVE_FORWARD_RTP_URL");
  });
});
