/**
 * The digit collector's rules (issue #4), each on generated audio through the real detector:
 * generateDtmf → encodeSamples → detector (20 ms chunks) → collector, with advance() after
 * every chunk and end() at the end of the audio. Expected sample positions come from the
 * detector's own events and the options, so every figure is exact: nothing here reads a
 * clock or depends on the machine.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  type CollectResult, type CollectorEvent, type CollectorOptions, DigitCollector, MAX_REGEX_LENGTH, regexRisk, startWallClock,
} from "../src/collector.js";
import { DtmfEngine } from "../src/engine.js";
import { DtmfError, DtmfInputError, DtmfOptionError } from "../src/errors.js";
import type { DetectorEvent, KeyDownEvent } from "../src/events.js";
import { type GenerateOptions, encodeSamples, generateDtmf } from "../src/generator.js";

const RATE = 8000;
/** Samples per ms at RATE. */
const PER_MS = RATE / 1000;
/** 20 ms, the chunk a live RTP stream would bring. */
const CHUNK = 160;

let engine: Promise<DtmfEngine> | undefined;
const testEngine = () => (engine ??= DtmfEngine.create());

interface Run {
  result: CollectResult;
  /** Collector events, as the listener saw them. */
  events: CollectorEvent[];
  /** Collector events, as feed/advance returned them (end() returns the result instead). */
  returned: CollectorEvent[];
  detected: DetectorEvent[];
  keydowns: KeyDownEvent[];
  /** Samples in the audio = media time of the end of the call. */
  totalSamples: number;
}

type Options = Omit<CollectorOptions, "sampleRate" | "listener">;

/** Detector events of generated audio, with the media position after each chunk. */
async function detectorRun(gen: GenerateOptions, chunk: number): Promise<{ batches: { events: readonly DetectorEvent[]; position: number }[]; total: number; last: readonly DetectorEvent[] }> {
  const audio = generateDtmf({ sampleRate: RATE, ...gen });
  const pcm = encodeSamples(audio.samples, "pcm16");
  const detector = (await testEngine()).createDetector({ sampleRate: RATE, encoding: "pcm16" });
  const batches = [];
  for (let at = 0; at < pcm.length; at += chunk) {
    const events = detector.process(pcm.subarray(at, at + chunk));
    batches.push({ events, position: detector.positionSamples });
  }
  const total = detector.positionSamples;
  const last = detector.flush();
  detector.close();
  return { batches, total, last };
}

async function collect(gen: GenerateOptions, options: Options, chunk = CHUNK): Promise<Run> {
  const { batches, total, last } = await detectorRun(gen, chunk);
  const events: CollectorEvent[] = [];
  const returned: CollectorEvent[] = [];
  const collector = new DigitCollector({ sampleRate: RATE, ...options, listener: (e) => events.push(e) });
  const detected: DetectorEvent[] = [];
  for (const batch of [...batches, { events: last, position: total }]) {
    detected.push(...batch.events);
    returned.push(...collector.feed(batch.events), ...collector.advance(batch.position));
  }
  const result = collector.end(total);
  const keydowns = detected.filter((e): e is KeyDownEvent => e.type === "keydown");
  return { result, events, returned, detected, keydowns, totalSamples: total };
}

/** The keydown of the n-th press of `digit`. */
function keydown(run: Run, digit: string, nth = 0): KeyDownEvent {
  const found = run.keydowns.filter((k) => k.digit === digit)[nth];
  if (!found) throw new Error(`no keydown ${digit} #${nth} in ${run.keydowns.map((k) => k.digit).join("")}`);
  return found;
}

const ofType = <T extends CollectorEvent["type"]>(run: Run, type: T) =>
  run.events.filter((e): e is Extract<CollectorEvent, { type: T }> => e.type === type);

/** Tones of 80 ms, 220 ms apart (a press every 300 ms), after `leadMs` of silence. */
const keys = (digits: string, leadMs = 500, tailMs = 1000): GenerateOptions => ({ keys: digits, toneMs: 80, gapMs: 220, leadMs, tailMs });

describe("terminators", () => {
  it("# ends the attempt and is reported as terminator, not as a digit", async () => {
    const run = await collect(keys("123#"), { minDigits: 1, maxDigits: 10 });
    expect(run.result).toMatchObject({ status: "success", digits: "123", terminator: "#", endedBy: "terminator", attempts: 1 });
    expect(run.result.endSample).toBe(keydown(run, "#").detectedSample);
    expect(ofType(run, "digit").map((e) => e.digit).join("")).toBe("123");
  });

  it("custom terminators: * ends, # is a digit when the regex allows it", async () => {
    const run = await collect(keys("1#2*"), { minDigits: 1, maxDigits: 10, terminators: "*", regex: "[0-9#]*" });
    expect(run.result).toMatchObject({ status: "success", digits: "1#2", terminator: "*" });
  });

  it("several terminators: the first one pressed ends the attempt", async () => {
    const run = await collect(keys("12*#"), { minDigits: 1, maxDigits: 10, terminators: "#*" });
    expect(run.result).toMatchObject({ status: "success", digits: "12", terminator: "*" });
    expect(run.result.endSample).toBe(keydown(run, "*").detectedSample);
  });

  it('terminators "" : no key ends the attempt early, # is collected', async () => {
    const run = await collect(keys("1#2"), { minDigits: 1, maxDigits: 3, terminators: "", regex: "[0-9#]*" });
    expect(run.result).toMatchObject({ status: "success", digits: "1#2", terminator: "", endedBy: "maxDigits" });
  });

  it("strict rule (FreeSWITCH): a terminator before minDigits makes the attempt invalid: failure", async () => {
    const run = await collect(keys("12#"), { successRule: "strict", minDigits: 3, maxDigits: 10 });
    expect(run.result).toMatchObject({ status: "failure", digits: "12", terminator: "#", endedBy: "terminator" });
  });
});

describe("maxDigits", () => {
  it("the maxDigits-th digit ends the attempt (terminator \"\"); later keys are not collected", async () => {
    const run = await collect(keys("123456#"), { minDigits: 2, maxDigits: 4 });
    expect(run.result).toMatchObject({ status: "success", digits: "1234", terminator: "", endedBy: "maxDigits" });
    expect(run.result.endSample).toBe(keydown(run, "4").detectedSample);
    expect(ofType(run, "digit")).toHaveLength(4);
  });

  it("minDigits = maxDigits = 1: one key is enough", async () => {
    const run = await collect(keys("7"), { minDigits: 1, maxDigits: 1 });
    expect(run.result).toMatchObject({ status: "success", digits: "7", endedBy: "maxDigits" });
  });
});

describe("first-digit timeout (from the end of the prompt)", () => {
  it("no key at all: timeout at promptEnd + timeout, exactly", async () => {
    const run = await collect({ keys: "", leadMs: 7000, tailMs: 0 }, { minDigits: 1, maxDigits: 4, promptMs: 1000, timeout: 2000 });
    expect(run.result).toMatchObject({ status: "timeout", digits: "", terminator: "", endedBy: "timeout", attempts: 1 });
    expect(run.result.endSample).toBe((1000 + 2000) * PER_MS);
    expect(run.result.endMs).toBe(3000);
  });

  it("a key detected after the deadline is too late", async () => {
    const run = await collect(keys("5#", 3500), { minDigits: 1, maxDigits: 4, promptMs: 1000, timeout: 2000 });
    expect(keydown(run, "5").detectedSample).toBeGreaterThan(3000 * PER_MS);
    expect(run.result).toMatchObject({ status: "timeout", digits: "", endSample: 3000 * PER_MS });
    expect(ofType(run, "digit")).toHaveLength(0);
  });

  it("runs from the end of the prompt, not from its start", async () => {
    // 3500 ms is past start + timeout (1000 ms) but before promptEnd + timeout (4000 ms).
    const run = await collect(keys("5#", 3500), { minDigits: 1, maxDigits: 4, promptMs: 3000, timeout: 1000 });
    expect(run.result).toMatchObject({ status: "success", digits: "5", terminator: "#" });
  });

  it("a key detected exactly at the deadline sample is too late; one sample earlier it counts", async () => {
    const { batches } = await detectorRun(keys("5", 3000), CHUNK);
    const down = batches.flatMap((b) => b.events).find((e) => e.type === "keydown")!;
    const timeoutSamples = 1000 * PER_MS;
    for (const [startSample, status] of [[down.detectedSample - timeoutSamples, "timeout"], [down.detectedSample - timeoutSamples + 1, "success"]] as const) {
      const collector = new DigitCollector({ sampleRate: RATE, minDigits: 1, maxDigits: 1, timeout: 1000, startSample });
      collector.onEvent(down);
      expect(collector.result?.status, `start ${startSample}`).toBe(status);
    }
  });

  it("default timeout is 5000 ms", async () => {
    const run = await collect({ keys: "", leadMs: 6000, tailMs: 0 }, { minDigits: 1, maxDigits: 4 });
    expect(run.result).toMatchObject({ status: "timeout", endSample: 5000 * PER_MS });
  });
});

describe("inter-digit timeout (from each digit's detection)", () => {
  /** Keys 1 and 2 300 ms apart, 3 after `gapAfterSecondMs`, then 3 s of silence. */
  const spaced = (gapAfterSecondMs: number): GenerateOptions => ({
    keys: [{ digit: "1", durationMs: 80, gapMs: 220 }, { digit: "2", durationMs: 80, gapMs: gapAfterSecondMs }, { digit: "3", durationMs: 80 }],
    leadMs: 500, tailMs: 3000,
  });

  it("with minDigits reached: the attempt ends normally (terminator \"\"), success", async () => {
    const run = await collect(spaced(3000), { minDigits: 2, maxDigits: 8, interDigitTimeout: 2000 });
    expect(run.result).toMatchObject({ status: "success", digits: "12", terminator: "", endedBy: "timeout" });
    expect(run.result.endSample).toBe(keydown(run, "2").detectedSample + 2000 * PER_MS);
  });

  it("with fewer than minDigits: timeout, and the digits so far are kept", async () => {
    const run = await collect(spaced(3000), { minDigits: 4, maxDigits: 8, interDigitTimeout: 2000 });
    expect(run.result).toMatchObject({ status: "timeout", digits: "12", terminator: "", endedBy: "timeout" });
    expect(run.result.endSample).toBe(keydown(run, "2").detectedSample + 2000 * PER_MS);
  });

  it("with minDigits reached but the regex not matched: failure", async () => {
    const run = await collect(spaced(3000), { minDigits: 2, maxDigits: 8, interDigitTimeout: 2000, regex: "9*" });
    expect(run.result).toMatchObject({ status: "failure", digits: "12", endedBy: "timeout" });
  });

  it("keys closer than the timeout all count", async () => {
    const run = await collect(spaced(1500), { minDigits: 3, maxDigits: 8, interDigitTimeout: 2000, timeout: 1000 });
    expect(run.result).toMatchObject({ status: "success", digits: "123" });
    expect(run.result.endSample).toBe(keydown(run, "3").detectedSample + 2000 * PER_MS);
  });

  it("defaults to timeout", async () => {
    const run = await collect(spaced(3000), { minDigits: 1, maxDigits: 8, timeout: 2500 });
    expect(run.result.endSample).toBe(keydown(run, "2").detectedSample + 2500 * PER_MS);
  });
});

describe("regex", () => {
  it("a string the regex does not match is a failure (invalid)", async () => {
    const run = await collect(keys("23#"), { minDigits: 1, maxDigits: 8, regex: "1[0-9]*" });
    expect(run.result).toMatchObject({ status: "failure", digits: "23", terminator: "#", endedBy: "terminator" });
  });

  it("is anchored: it must match the whole digit string", async () => {
    const run = await collect(keys("123#"), { minDigits: 1, maxDigits: 8, regex: "12" });
    expect(run.result.status).toBe("failure");
  });

  it("a matching string is a success", async () => {
    const run = await collect(keys("4711#"), { minDigits: 1, maxDigits: 8, regex: "47[0-9]{2}" });
    expect(run.result).toMatchObject({ status: "success", digits: "4711" });
  });

  it("default [0-9]* refuses * and A-D as digits", async () => {
    const run = await collect(keys("1*A#"), { minDigits: 1, maxDigits: 8 });
    expect(run.result).toMatchObject({ status: "failure", digits: "1*A" });
  });
});

describe("attempts and restarts", () => {
  it("a timed-out attempt restarts the prompt at its deadline; the next attempt succeeds", async () => {
    const run = await collect(keys("45#", 4200), { minDigits: 2, maxDigits: 8, maxAttempts: 3, promptMs: 1500, timeout: 1000 });
    expect(run.result).toMatchObject({ status: "success", digits: "45", terminator: "#", attempts: 2 });
    expect(ofType(run, "restart")).toEqual([{ type: "restart", attempt: 2, startSample: 2500 * PER_MS, startMs: 2500, promptEndSample: 4000 * PER_MS }]);
    expect(run.result.history[0]).toMatchObject({ attempt: 1, startSample: 0, endSample: 2500 * PER_MS, status: "timeout", endedBy: "timeout" });
    expect(run.result.history[1]).toMatchObject({ attempt: 2, startSample: 2500 * PER_MS, promptEndSample: 4000 * PER_MS, status: "success" });
  });

  it("an invalid attempt restarts at the key that ended it; its keys are discarded", async () => {
    const gen: GenerateOptions = {
      keys: [{ digit: "9", gapMs: 220 }, { digit: "#", gapMs: 1000 }, { digit: "1", gapMs: 220 }, { digit: "2", gapMs: 220 }, { digit: "#" }],
      toneMs: 80, leadMs: 500, tailMs: 1000,
    };
    const run = await collect(gen, { successRule: "strict", minDigits: 2, maxDigits: 8, maxAttempts: 2 });
    expect(run.result).toMatchObject({ status: "success", digits: "12", terminator: "#", attempts: 2 });
    const restartAt = keydown(run, "#", 0).detectedSample;
    expect(ofType(run, "restart")).toMatchObject([{ attempt: 2, startSample: restartAt, promptEndSample: restartAt }]);
    expect(run.result.history[0]).toMatchObject({ digits: "9", status: "failure", endSample: restartAt });
    expect(ofType(run, "digit").filter((e) => e.attempt === 2).map((e) => e.digits)).toEqual(["1", "12"]);
  });

  it("the prompt restarts with every attempt: the first-digit timer counts from the new prompt's end", async () => {
    // Attempt 1 times out at 500 + 1000 ms; attempt 2's prompt plays 1500-2000 ms; a key at
    // 2800 ms is within its 1000 ms timeout only because the prompt restarted.
    const run = await collect(keys("3#", 2800), { minDigits: 1, maxDigits: 4, maxAttempts: 2, promptMs: 500, timeout: 1000 });
    expect(run.result).toMatchObject({ status: "success", digits: "3", attempts: 2 });
    expect(run.result.history[1].startSample).toBe(1500 * PER_MS);
  });

  it("attempts keep restarting over a long silence; the last one's timeout is the final status", async () => {
    const run = await collect({ keys: "", leadMs: 6000, tailMs: 0 }, { minDigits: 1, maxDigits: 4, maxAttempts: 3, promptMs: 500, timeout: 1000 });
    expect(run.result).toMatchObject({ status: "timeout", attempts: 3, endSample: 4500 * PER_MS });
    expect(ofType(run, "restart").map((e) => e.startSample)).toEqual([1500 * PER_MS, 3000 * PER_MS]);
    expect(run.result.history.map((a) => a.status)).toEqual(["timeout", "timeout", "timeout"]);
  });

  it("invalid first, timeout last: final status timeout", async () => {
    const run = await collect(keys("9#"), { successRule: "strict", minDigits: 2, maxDigits: 8, maxAttempts: 2, timeout: 1000 });
    expect(run.result).toMatchObject({ status: "timeout", digits: "", attempts: 2 });
    expect(run.result.history.map((a) => a.status)).toEqual(["failure", "timeout"]);
  });

  it("timeout first, invalid last: final status failure, with the last attempt's digits", async () => {
    const run = await collect(keys("9#", 1500), { successRule: "strict", minDigits: 2, maxDigits: 8, maxAttempts: 2, timeout: 1000 });
    expect(run.result).toMatchObject({ status: "failure", digits: "9", terminator: "#", attempts: 2 });
    expect(run.result.history.map((a) => a.status)).toEqual(["timeout", "failure"]);
  });

  it("maxAttempts 1 (default): a failed attempt is final", async () => {
    const run = await collect(keys("9#12#"), { successRule: "strict", minDigits: 2, maxDigits: 8 });
    expect(run.result).toMatchObject({ status: "failure", digits: "9", attempts: 1 });
    expect(ofType(run, "restart")).toHaveLength(0);
  });
});

describe("barge-in", () => {
  it("a key during the prompt stops it and counts; the inter-digit timer runs from it", async () => {
    const run = await collect(keys("7", 1000, 6000), { minDigits: 1, maxDigits: 4, promptMs: 5000, timeout: 3000, interDigitTimeout: 1000 });
    const at = keydown(run, "7").detectedSample;
    expect(ofType(run, "bargein")).toEqual([{ type: "bargein", attempt: 1, sample: at }]);
    expect(run.result).toMatchObject({ status: "success", digits: "7", endedBy: "timeout", endSample: at + 1000 * PER_MS });
    expect(run.result.history[0].promptEndSample).toBe(at);
  });

  it("a terminator during the prompt barges in and ends the attempt", async () => {
    const run = await collect(keys("12#", 500), { minDigits: 1, maxDigits: 4, promptMs: 5000 });
    expect(ofType(run, "bargein")).toHaveLength(1);
    expect(run.result).toMatchObject({ status: "success", digits: "12", terminator: "#" });
  });

  it("a key after the prompt is no barge-in", async () => {
    const run = await collect(keys("1#", 1500), { minDigits: 1, maxDigits: 4, promptMs: 1000 });
    expect(ofType(run, "bargein")).toHaveLength(0);
    expect(run.result.history[0].promptEndSample).toBe(1000 * PER_MS);
  });

  it("barge-in during a restarted prompt", async () => {
    // Attempt 1 times out at 2000 ms; attempt 2's prompt plays 2000-3000 ms; the key at 2500 ms interrupts it.
    const run = await collect(keys("8#", 2500), { minDigits: 1, maxDigits: 4, maxAttempts: 2, promptMs: 1000, timeout: 1000 });
    const restart = ofType(run, "restart")[0];
    expect(restart).toMatchObject({ startSample: 2000 * PER_MS, promptEndSample: 3000 * PER_MS });
    expect(ofType(run, "bargein")).toEqual([{ type: "bargein", attempt: 2, sample: keydown(run, "8").detectedSample }]);
    expect(run.result).toMatchObject({ status: "success", digits: "8", attempts: 2 });
  });
});

describe("hang-up (end of stream) and cancel", () => {
  it("the stream ends before the collection finished: failure, digits kept", async () => {
    const run = await collect(keys("12", 500, 500), { minDigits: 4, maxDigits: 8 });
    expect(run.result).toMatchObject({ status: "failure", digits: "12", terminator: "", endedBy: "hangup", endSample: run.totalSamples });
  });

  it("even with minDigits reached, a hang-up before the timeout is a failure", async () => {
    const run = await collect(keys("12", 500, 500), { minDigits: 1, maxDigits: 8 });
    expect(run.result).toMatchObject({ status: "failure", digits: "12", endedBy: "hangup" });
  });

  it("a hang-up during a later attempt: failure with that attempt's digits", async () => {
    const run = await collect(keys("9#5", 500, 300), { successRule: "strict", minDigits: 2, maxDigits: 8, maxAttempts: 3 });
    expect(run.result).toMatchObject({ status: "failure", digits: "5", attempts: 2, endedBy: "hangup" });
  });

  it("cancel(): failure with the digits so far; later events are ignored; end() keeps the result", async () => {
    const { batches } = await detectorRun(keys("12", 500, 2000), CHUNK);
    const collector = new DigitCollector({ sampleRate: RATE, minDigits: 4, maxDigits: 8 });
    const half = batches.length / 2;
    for (const b of batches.slice(0, half)) { collector.feed(b.events); collector.advance(b.position); }
    const position = collector.positionSamples;
    const result = collector.cancel();
    expect(result).toMatchObject({ status: "failure", digits: "12", endedBy: "cancel", endSample: position });
    for (const b of batches.slice(half)) expect([...collector.feed(b.events), ...collector.advance(b.position)]).toEqual([]);
    expect(collector.end(batches.at(-1)!.position)).toBe(result);
    expect(collector.cancel()).toBe(result);
  });

  it("end() with no position ends at the position reached", async () => {
    const { batches } = await detectorRun(keys("3", 500, 300), CHUNK);
    const collector = new DigitCollector({ sampleRate: RATE, minDigits: 2, maxDigits: 8 });
    for (const b of batches) { collector.feed(b.events); collector.advance(b.position); }
    expect(collector.end()).toMatchObject({ status: "failure", digits: "3", endSample: batches.at(-1)!.position });
  });
});

describe("media time, not chunking", () => {
  const gen = keys("9#45#", 700, 1500);
  const options: Options = { minDigits: 2, maxDigits: 8, maxAttempts: 3, promptMs: 1200, timeout: 1000, interDigitTimeout: 1500 };

  it("1-sample, 20 ms, 137-sample and whole-file chunks give the same events and result", async () => {
    const reference = await collect(gen, options, CHUNK);
    expect(reference.result.status).toBe("success");
    expect(reference.events.map((e) => e.type)).toContain("bargein");
    for (const chunk of [1, 137, 1_000_000]) {
      const run = await collect(gen, options, chunk);
      expect(run.events, `chunk ${chunk}`).toEqual(reference.events);
      expect(run.result).toEqual(reference.result);
    }
  });

  it("feed/advance return the same events the listener gets (but those of end())", async () => {
    const run = await collect(keys("12", 500, 300), { minDigits: 1, maxDigits: 8, maxAttempts: 2, interDigitTimeout: 1000 });
    // The 1000 ms timer fires inside the audio; the hang-up comes in end().
    expect(run.returned.length).toBeGreaterThan(0);
    expect(run.events.slice(0, run.returned.length)).toEqual(run.returned);
    expect(run.events.at(-1)).toEqual({ type: "done", result: run.result });
  });

  it("a host forwarding only finished presses (dtmf events) gets them counted at their detection", async () => {
    const { batches, total, last } = await detectorRun(keys("12#"), CHUNK);
    const collector = new DigitCollector({ sampleRate: RATE, minDigits: 2, maxDigits: 8 });
    const presses = [...batches.flatMap((b) => b.events), ...last].filter((e) => e.type === "dtmf");
    collector.feed(presses);
    const result = collector.end(total);
    expect(result).toMatchObject({ status: "success", digits: "12", terminator: "#", endSample: presses[2].detectedSample });
  });

  it("events detected before startSample belong to no collection", async () => {
    const { batches, total, last } = await detectorRun(keys("5#12#", 500), CHUNK);
    const all = [...batches.flatMap((b) => b.events), ...last];
    const firstHash = all.find((e) => e.type === "dtmf" && e.digit === "#")!;
    const collector = new DigitCollector({ sampleRate: RATE, minDigits: 2, maxDigits: 8, startSample: firstHash.detectedSample + 1 });
    collector.feed(all);
    expect(collector.end(total)).toMatchObject({ status: "success", digits: "12" });
  });

  it("an event older than the position reached (wall clock ahead) is taken at that position", async () => {
    const { batches } = await detectorRun(keys("6", 500), CHUNK);
    const down = batches.flatMap((b) => b.events).find((e) => e.type === "keydown")!;
    const collector = new DigitCollector({ sampleRate: RATE, minDigits: 1, maxDigits: 1 });
    collector.advance(down.detectedSample + 400);
    expect(collector.onEvent(down)).toMatchObject([{ type: "digit", sample: down.detectedSample + 400 }, { type: "attemptend" }, { type: "done" }]);
  });

  it("advance() to an earlier position changes nothing", () => {
    const collector = new DigitCollector({ sampleRate: RATE, minDigits: 1, maxDigits: 1 });
    collector.advance(4000);
    expect(collector.advance(1000)).toEqual([]);
    expect(collector.positionSamples).toBe(4000);
    expect(collector.deadlineSample).toBe(5000 * PER_MS);
  });
});

describe("internal errors and misuse", () => {
  afterEach(() => { vi.restoreAllMocks(); });

  it("an exception inside the state machine ends the collection with status unknown", async () => {
    const { batches } = await detectorRun(keys("12#"), CHUNK);
    const events = batches.flatMap((b) => b.events);
    const collector = new DigitCollector({ sampleRate: RATE, minDigits: 1, maxDigits: 8 });
    const boom = new Error("matcher broke");
    vi.spyOn((collector as unknown as { matcher: { test(s: string): boolean } }).matcher, "test").mockImplementation(() => { throw boom; });
    collector.feed(events);
    vi.restoreAllMocks();
    expect(collector.result).toMatchObject({ status: "unknown", digits: "12", endedBy: "error", error: boom });
  });

  it("things that are not detector events are refused with DtmfInputError, state unchanged", () => {
    const collector = new DigitCollector({ sampleRate: RATE, minDigits: 1, maxDigits: 8 });
    const good = { type: "keydown", digit: "1", startSample: 100, detectedSample: 340 };
    for (const bad of [null, 5, { ...good, type: "keyup" }, { ...good, digit: "E" }, { ...good, detectedSample: Number.NaN }, { ...good, startSample: -1 }]) {
      expect(() => collector.onEvent(bad as unknown as DetectorEvent)).toThrow(DtmfInputError);
    }
    expect(collector.digits).toBe("");
    expect(() => collector.advance(Number.NaN)).toThrow(DtmfOptionError);
    expect(() => collector.end(-1)).toThrow(DtmfOptionError);
    expect(collector.done).toBe(false);
  });
});

describe("options: ranges, types and unknown names", () => {
  const base: CollectorOptions = { minDigits: 1, maxDigits: 64 };
  const make = (extra: Record<string, unknown>) => () => new DigitCollector({ ...base, ...extra } as CollectorOptions);
  const numeric: [name: string, min: number, max: number, integer: boolean, extra?: Record<string, unknown>][] = [
    ["minDigits", 1, 64, true],
    ["maxDigits", 1, 64, true, { minDigits: 1 }],
    ["maxAttempts", 1, 10, true],
    ["timeout", 1000, 10000, false],
    ["interDigitTimeout", 1000, 10000, false],
    ["promptMs", 0, 3_600_000, false],
    ["sampleRate", 8000, 48000, true],
    ["startSample", 0, Number.MAX_SAFE_INTEGER, true],
  ];
  for (const [name, min, max, integer, extra = {}] of numeric) {
    const fix = name === "minDigits" ? { maxDigits: 64 } : {};
    it(`${name}: ${min} and ${max} accepted; ${min} − 1, ${max} + 1, NaN, ±Infinity${integer ? ", non-integers" : ""} and strings refused`, () => {
      for (const ok of [min, max]) expect(make({ ...extra, ...fix, [name]: ok })().settings[name as "timeout"]).toBe(ok);
      const below = integer ? min - 1 : min - 0.5;
      const above = max === Number.MAX_SAFE_INTEGER ? Number.MAX_VALUE : integer ? max + 1 : max + 0.5;
      const bad = [below, above, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, String(min), true];
      if (integer && max - min >= 1) bad.push(min + 0.5);
      for (const value of bad) {
        let error: unknown;
        try { make({ ...extra, ...fix, [name]: value })(); } catch (e) { error = e; }
        expect(error, `${name} = ${String(value)}`).toBeInstanceOf(DtmfOptionError);
        expect(error).toBeInstanceOf(DtmfError);
        const e = error as DtmfOptionError;
        expect(e.option).toBe(name);
        expect(e.message).toContain(`from ${min} to ${max}`);
        expect(e.message).toContain(typeof value === "string" ? JSON.stringify(value) : String(value));
      }
    });
  }

  it("minDigits and maxDigits default to 1 and 64 (seed 003: not given)", () => {
    expect(new DigitCollector({}).settings).toMatchObject({ minDigits: 1, maxDigits: 64 });
    expect(new DigitCollector({ maxDigits: 4 }).settings).toMatchObject({ minDigits: 1, maxDigits: 4 });
    expect(new DigitCollector({ minDigits: 4 }).settings).toMatchObject({ minDigits: 4, maxDigits: 64 });
  });

  it("null takes the default for every field, as seed 003's fields are all nullable", () => {
    const nulls = { minDigits: null, maxDigits: null, maxAttempts: null, timeout: null, interDigitTimeout: null, terminators: null, regex: null,
      successRule: null, promptMs: null, promptUntilEnded: null, sampleRate: null, startSample: null };
    expect(make(nulls)().settings).toEqual(new DigitCollector(base).settings);
    expect(make({ successRule: "lenient" })).toThrow("successRule must be one of seed, strict");
  });

  it("minDigits > maxDigits is refused, naming maxDigits", () => {
    expect(make({ minDigits: 5, maxDigits: 4 })).toThrow("minDigits must be an integer from 1 to maxDigits (4); received 5");
    expect(make({ minDigits: 4, maxDigits: 4 })().settings.minDigits).toBe(4);
  });

  it("unknown options are refused by name", () => {
    expect(make({ maxDigit: 4 })).toThrow(/maxDigit must be one of the collector options/);
    expect(() => new DigitCollector(null as unknown as CollectorOptions)).toThrow(DtmfOptionError);
  });

  it("defaults: maxAttempts 1, timeout 5000, interDigitTimeout = timeout, terminators #, regex [0-9]*, promptMs 0", () => {
    expect(new DigitCollector(base).settings).toMatchObject({
      maxAttempts: 1, timeout: 5000, interDigitTimeout: 5000, terminators: "#", regex: "[0-9]*", promptMs: 0, sampleRate: 8000, startSample: 0,
    });
    expect(make({ timeout: 2000 })().settings.interDigitTimeout).toBe(2000);
    expect(make({ timeout: 2000, sampleRate: 16000 })().settings.timeoutSamples).toBe(32000);
  });

  it("terminators: keys from 0-9 A-D * #, may be empty; anything else refused", () => {
    expect(make({ terminators: "" })().settings.terminators).toBe("");
    expect(make({ terminators: "*#abcd0" })().settings.terminators).toBe("*#ABCD0");
    for (const bad of ["E", "#x", " ", 5, false]) {
      expect(make({ terminators: bad }), String(bad)).toThrow(/terminators must be a string of keys from "0123456789\*#ABCD" \(may be empty\)/);
    }
  });

  it("regex: invalid, too long and unsafe patterns are refused when the collector is created", () => {
    expect(make({ regex: "(" })).toThrow(/regex must be a valid regular expression/);
    expect(make({ regex: "1)|(2" })).toThrow(/regex must be a valid regular expression/);
    expect(make({ regex: "x".repeat(MAX_REGEX_LENGTH + 1) })).toThrow(`at most ${MAX_REGEX_LENGTH} characters`);
    expect(make({ regex: 12 })).toThrow(DtmfOptionError);
    expect(make({ regex: "(\\d+)*" })().settings.regex).toBe("(\\d+)*"); // linear-time engine: nested quantifiers are safe
    expect(make({ regex: "(\\d)\\1" })).toThrow(/regex must be a valid regular expression \(RE2 syntax: invalid escape sequence/);
    expect(make({ regex: "[0-9]{4}|[0-9]{6}" })().settings.regex).toBe("[0-9]{4}|[0-9]{6}");
  });

  it("listener must be a function", () => {
    expect(make({ listener: "no" })).toThrow("listener must be a function");
  });
});

describe("regexRisk: what the linear-time engine refuses", () => {
  const unsafe = ["(\\d)\\1", "\\k<n>", "(?=1)\\d+", "(?!1)\\d", "(", "1)|(2", "x{1001}"];
  const safe = ["[0-9]*", "\\d+#?", "(\\d{3})+", "(12)+", "1(2|3)*", "(?:\\d{4}){2}", "[(+*]+", "\\(\\d+\\)*", "(\\d+){2}", "[0-9]{1,3}",
    "(a+)+", "(\\d*)*", "(?:[0-9]+)+", "(a?){2,}", "(a{1,3})*", "((\\d)+)?", "(?P<n>\\d+)+", "(x|\\d+)*", "1*".repeat(16), "(\\d+){20}"];
  for (const pattern of unsafe) it(`refuses ${pattern}`, () => { expect(regexRisk(pattern)).toBeTypeOf("string"); });
  for (const pattern of safe) it(`accepts ${pattern}`, () => { expect(regexRisk(pattern)).toBeUndefined(); });
});

describe("wall-clock adapter (injected timer and clock)", () => {
  function fakeTimer() {
    const state = { tick: undefined as (() => void) | undefined, interval: 0, cleared: [] as unknown[] };
    return {
      state,
      setInterval: (tick: () => void, ms: number) => { state.tick = tick; state.interval = ms; return "handle"; },
      clearInterval: (handle: unknown) => { state.cleared.push(handle); },
    };
  }

  it("advances the collector from the clock until a timeout finishes it", async () => {
    const timer = fakeTimer();
    let nowMs = 0;
    const collector = new DigitCollector({ sampleRate: RATE, minDigits: 1, maxDigits: 4, promptMs: 1000, timeout: 2000 });
    const clock = startWallClock(collector, { positionMs: () => nowMs, intervalMs: 50, setInterval: timer.setInterval, clearInterval: timer.clearInterval });
    expect(timer.state.interval).toBe(50);
    for (nowMs = 0; nowMs < 2999; nowMs += 1000) timer.state.tick!();
    expect(collector.done).toBe(false);
    nowMs = 3000;
    timer.state.tick!();
    expect(await clock.finished).toMatchObject({ status: "timeout", endSample: 3000 * PER_MS });
    expect(clock.running).toBe(false);
    expect(timer.state.cleared).toEqual(["handle"]);
  });

  it("keys fed between ticks count; the clock stops once the collector is done", async () => {
    const timer = fakeTimer();
    let nowMs = 0;
    const { batches } = await detectorRun(keys("42#", 500), CHUNK);
    const collector = new DigitCollector({ sampleRate: RATE, minDigits: 2, maxDigits: 4 });
    const clock = startWallClock(collector, { positionMs: () => nowMs, setInterval: timer.setInterval, clearInterval: timer.clearInterval });
    for (const b of batches) { collector.feed(b.events); nowMs = (b.position / RATE) * 1000; timer.state.tick!(); }
    expect(await clock.finished).toMatchObject({ status: "success", digits: "42", terminator: "#" });
  });

  it("stop() before the end: finished gives undefined and the collector stays open", async () => {
    const timer = fakeTimer();
    const collector = new DigitCollector({ sampleRate: RATE, minDigits: 1, maxDigits: 4 });
    const clock = startWallClock(collector, { positionMs: () => 100, setInterval: timer.setInterval, clearInterval: timer.clearInterval });
    clock.stop();
    clock.stop();
    expect(await clock.finished).toBeUndefined();
    expect(timer.state.cleared).toEqual(["handle"]);
    expect(collector.done).toBe(false);
  });

  it("options are checked", () => {
    const collector = new DigitCollector({ sampleRate: RATE, minDigits: 1, maxDigits: 4 });
    expect(() => startWallClock(collector, { intervalMs: 4 })).toThrow("intervalMs must be a number from 5 to 1000; received 4");
    expect(() => startWallClock(collector, { intervalMs: Number.NaN })).toThrow(DtmfOptionError);
    expect(() => startWallClock(collector, { positionMs: 5 } as never)).toThrow("positionMs must be a function");
    expect(() => startWallClock(collector, { every: 5 } as never)).toThrow(/every must be one of the wall clock options/);
    expect(() => startWallClock({} as DigitCollector)).toThrow("collector must be a DigitCollector");
  });
});
