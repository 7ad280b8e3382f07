/**
 * `dtmf-wasm collect`, run in-process through main() with a fake CliIo on WAV files written
 * with the library's WAV writer to a temporary directory. The CLI's payloads must equal what the library
 * path (detector → DigitCollector → builders) gives for the same audio, and validate against
 * their schemas.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { Ajv } from "ajv";
import { encodeWav } from "../src/wav/write.js";
import { afterAll, describe, expect, it } from "vitest";
import type { CliIo } from "../src/cli/io.js";
import { main } from "../src/cli/main.js";
import { type CollectorOptions, DigitCollector } from "../src/collector.js";
import { DtmfEngine } from "../src/engine.js";
import { type GenerateOptions, encodeSamples, generateDtmf } from "../src/generator.js";
import { buildDigitsCollectedPayload, buildDtmfPayload, digitsCollectedPayloadSchema, dtmfPayloadSchema } from "../src/payloads/index.js";

const dir = mkdtempSync(join(tmpdir(), "dtmf-collect-"));
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });
const ajv = new Ajv();
const IDS = ["--session-uuid", "sess-1", "--command-uid", "cmd-1"];

let files = 0;
/** Writes generated DTMF as a 16-bit mono WAV; returns its path and samples. */
function writeWav(gen: GenerateOptions, sampleRate = 8000): { path: string; pcm: Int16Array } {
  const audio = generateDtmf({ sampleRate, ...gen });
  const pcm = encodeSamples(audio.samples, "pcm16");
  const path = join(dir, `take-${++files}.wav`);
  writeFileSync(path, encodeWav([audio.samples], sampleRate, "pcm16")); // the library's one WAV writer
  return { path, pcm };
}

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string; lines: unknown[] }> {
  let stdout = "", stderr = "";
  const io: CliIo = {
    stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, stdin: new PassThrough(),
    stdoutIsTTY: false, stderrIsTTY: false, env: {}, cwd: dir,
  };
  const code = await main(["collect", ...args], io);
  // Payload lines are JSON; help text is not.
  const lines = stdout.startsWith("{") ? stdout.trim().split("\n").map((l) => JSON.parse(l) as unknown) : [];
  return { code, stdout, stderr, lines };
}

/** The same collection through the library: the payloads the CLI must print. */
async function library(pcm: Int16Array, sampleRate: number, options: Omit<CollectorOptions, "sampleRate">) {
  const detector = (await DtmfEngine.create()).createDetector({ sampleRate, encoding: "pcm16" });
  const collector = new DigitCollector({ sampleRate, ...options });
  const events = [...detector.process(pcm), ...detector.flush()];
  collector.feed(events);
  const result = collector.end(pcm.length);
  const ids = { sessionUuid: "sess-1", commandUid: "cmd-1" };
  const presses = events.filter((e) => e.type === "dtmf" && e.startSample <= result.endSample);
  return {
    result,
    dtmf: presses.map((p) => buildDtmfPayload(p as { digit: string; durationMs: number }, ids)),
    collected: buildDigitsCollectedPayload(result, ids),
  };
}

describe("collect: payloads", () => {
  it("--events: a dtmf line per key (terminator included), then digits.collected, equal to the library's", async () => {
    const { path, pcm } = writeWav({ keys: "1234#", leadMs: 600, tailMs: 500 });
    const out = await cli([path, "--min-digits", "4", "--max-digits", "8", ...IDS, "--events"]);
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    const expected = await library(pcm, 8000, { minDigits: 4, maxDigits: 8 });
    expect(out.lines).toEqual([...expected.dtmf, expected.collected]);
    expect(out.lines.at(-1)).toEqual({ event: "digits.collected", session_uuid: "sess-1", command_uid: "cmd-1", digits: "1234", terminator: "#", status: "success" });
    expect(out.lines.slice(0, -1).map((l) => (l as { digit: string }).digit).join("")).toBe("1234#");
    for (const line of out.lines.slice(0, -1)) expect(ajv.validate(dtmfPayloadSchema, line)).toBe(true);
    expect(ajv.validate(digitsCollectedPayloadSchema, out.lines.at(-1))).toBe(true);
  });

  it("without --events: only the digits.collected line", async () => {
    const { path } = writeWav({ keys: "42#" });
    const out = await cli([path, "--min-digits", "1", "--max-digits", "4", ...IDS]);
    expect(out.lines).toEqual([{ event: "digits.collected", session_uuid: "sess-1", command_uid: "cmd-1", digits: "42", terminator: "#", status: "success" }]);
  });

  it("keys after the collection ended are printed with --events too, after the result (seed 001: every key press)", async () => {
    const { path } = writeWav({ keys: "12#9", gapMs: 300 });
    const out = await cli([path, "--min-digits", "1", "--max-digits", "4", ...IDS, "--events"]);
    expect(out.lines.map((l) => (l as { digit?: string; digits?: string }).digit ?? `=${(l as { digits: string }).digits}`)).toEqual(["1", "2", "#", "=12", "9"]);
  });

  it("timeout: silence past --prompt-ms + --timeout", async () => {
    const { path } = writeWav({ keys: "", leadMs: 4000, tailMs: 0 });
    const out = await cli([path, "--min-digits", "1", "--max-digits", "4", "--prompt-ms", "1000", "--timeout", "2000", ...IDS]);
    expect(out.lines.at(-1)).toMatchObject({ digits: "", terminator: "", status: "timeout" });
  });

  it("the end of the file is a hang-up: failure with the digits so far", async () => {
    const { path } = writeWav({ keys: "12", tailMs: 200 });
    const out = await cli([path, "--min-digits", "4", "--max-digits", "8", ...IDS]);
    expect(out.lines.at(-1)).toMatchObject({ digits: "12", terminator: "", status: "failure" });
  });

  it("retries with the prompt restarting: --max-attempts, --prompt-ms, --timeout, --inter-digit-timeout", async () => {
    // Attempt 1: prompt 0-500 ms, times out at 1500 ms. Attempt 2: prompt 1500-2000 ms; keys at 2200 ms.
    const { path, pcm } = writeWav({ keys: "47", leadMs: 2200, tailMs: 1500 });
    const options = { minDigits: 2, maxDigits: 8, maxAttempts: 2, promptMs: 500, timeout: 1000, interDigitTimeout: 1200 };
    const out = await cli([path, "--min-digits", "2", "--max-digits", "8", "--max-attempts", "2", "--prompt-ms", "500", "--timeout", "1000",
      "--inter-digit-timeout", "1200", ...IDS]);
    const expected = await library(pcm, 8000, options);
    expect(expected.result).toMatchObject({ attempts: 2, status: "success", endedBy: "timeout" });
    expect(out.lines.at(-1)).toEqual(expected.collected);
    expect(out.lines.at(-1)).toMatchObject({ digits: "47", terminator: "", status: "success" });
  });

  it("--terminators and --regex", async () => {
    const { path } = writeWav({ keys: "1#2*" });
    const out = await cli([path, "--min-digits", "1", "--max-digits", "8", "--terminators", "*", "--regex", "1#2", ...IDS]);
    expect(out.lines.at(-1)).toMatchObject({ digits: "1#2", terminator: "*", status: "success" });
    const failed = await cli([path, "--min-digits", "1", "--max-digits", "8", "--terminators", "*", "--regex", "[0-9]*", ...IDS]);
    expect(failed.lines.at(-1)).toMatchObject({ digits: "1#2", status: "failure" });
  });

  it('--terminators "" : no terminator, # collected until --max-digits', async () => {
    const { path } = writeWav({ keys: "1#2" });
    const out = await cli([path, "--min-digits", "1", "--max-digits", "3", "--terminators", "", "--regex", "[0-9#]*", ...IDS]);
    expect(out.lines.at(-1)).toMatchObject({ digits: "1#2", terminator: "", status: "success" });
  });

  it("a 16 kHz file: timeouts are in ms whatever the rate", async () => {
    const { path } = writeWav({ keys: "", leadMs: 2500, tailMs: 0 }, 16000);
    const out = await cli([path, "--min-digits", "1", "--max-digits", "4", "--timeout", "2000", ...IDS]);
    expect(out.lines.at(-1)).toMatchObject({ status: "timeout" });
    const short = writeWav({ keys: "", leadMs: 1900, tailMs: 0 }, 16000);
    expect((await cli([short.path, "--min-digits", "1", "--max-digits", "4", "--timeout", "2000", ...IDS])).lines.at(-1)).toMatchObject({ status: "failure" });
  });
});

describe("collect: usage and file errors", () => {
  const { path } = writeWav({ keys: "1#" });
  const usage: [string, string[], RegExp][] = [
    ["no file", ["--min-digits", "1", "--max-digits", "4", ...IDS], /expected one FILE \(or - for standard input\); received 0/],
    ["two files", [path, path, "--min-digits", "1", "--max-digits", "4", ...IDS], /expected one FILE \(or - for standard input\); received 2/],
    ["missing required flags", [path, "--max-digits", "4"], /missing --min-digits, --session-uuid, --command-uid/],
    ["unknown flag", [path, "--min-digits", "1", "--max-digits", "4", ...IDS, "--foo"], /Unknown option '--foo'/],
    ["--min-digits 0", [path, "--min-digits", "0", "--max-digits", "4", ...IDS], /--min-digits must be an integer from 1 to 64; received 0/],
    ["--max-digits 65", [path, "--min-digits", "1", "--max-digits", "65", ...IDS], /--max-digits must be an integer from 1 to 64; received 65/],
    ["--min-digits > --max-digits", [path, "--min-digits", "5", "--max-digits", "4", ...IDS], /--min-digits must be an integer from 1 to maxDigits \(4\); received 5/],
    ["--min-digits abc", [path, "--min-digits", "abc", "--max-digits", "4", ...IDS], /--min-digits must be an integer; received "abc"/],
    ["--max-attempts 11", [path, "--min-digits", "1", "--max-digits", "4", "--max-attempts", "11", ...IDS], /--max-attempts must be an integer from 1 to 10; received 11/],
    ["--timeout 999", [path, "--min-digits", "1", "--max-digits", "4", "--timeout", "999", ...IDS], /--timeout must be a number from 1000 to 10000; received 999/],
    ["--inter-digit-timeout 10001", [path, "--min-digits", "1", "--max-digits", "4", "--inter-digit-timeout", "10001", ...IDS], /--inter-digit-timeout must be a number from 1000 to 10000/],
    ["--prompt-ms -1", [path, "--min-digits", "1", "--max-digits", "4", "--prompt-ms=-1", ...IDS], /--prompt-ms must be a number from 0 to 3600000; received -1/],
    ["--timeout Infinity", [path, "--min-digits", "1", "--max-digits", "4", "--timeout", "Infinity", ...IDS], /--timeout must be a number of ms; received "Infinity"/],
    ["--terminators E", [path, "--min-digits", "1", "--max-digits", "4", "--terminators", "E", ...IDS], /--terminators must be a string of keys/],
    ["--regex unsafe", [path, "--min-digits", "1", "--max-digits", "4", "--regex", "(\\d)\\1", ...IDS], /--regex must be a valid regular expression \(RE2 syntax: invalid escape sequence/],
    ["--regex invalid", [path, "--min-digits", "1", "--max-digits", "4", "--regex", "[", ...IDS], /--regex must be a valid regular expression/],
    ["empty --session-uuid", [path, "--min-digits", "1", "--max-digits", "4", "--session-uuid", "", "--command-uid", "c"], /--session-uuid must be a non-empty string/],
  ];
  for (const [name, args, message] of usage) {
    it(`${name}: exit 2, one line on stderr, nothing on stdout`, async () => {
      const out = await cli(args);
      expect(out.code).toBe(2);
      expect(out.stderr).toMatch(message);
      expect(out.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(out.stderr).toMatch(/^dtmf-wasm collect: /);
      expect(out.stdout).toBe("");
    });
  }

  it("--help: usage on stdout, exit 0", async () => {
    const out = await cli(["--help"]);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^usage: dtmf-wasm collect FILE --min-digits N --max-digits N/);
    for (const flag of ["--max-attempts", "--timeout", "--inter-digit-timeout", "--terminators", "--regex", "--prompt-ms", "--events"]) expect(out.stdout).toContain(flag);
  });

  it("a missing file: exit 1 naming it", async () => {
    const missing = join(dir, "nope.wav");
    const out = await cli([missing, "--min-digits", "1", "--max-digits", "4", ...IDS]);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(new RegExp(`^dtmf-wasm collect: ${missing.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: cannot read: no such file`));
    expect(out.stdout).toBe("");
  });

  it("a file that is not a WAV: exit 1", async () => {
    const text = join(dir, "notes.wav");
    writeFileSync(text, "this is not audio");
    const out = await cli([text, "--min-digits", "1", "--max-digits", "4", ...IDS]);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/^dtmf-wasm collect: .*notes\.wav: /);
  });
});
