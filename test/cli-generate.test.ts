/**
 * `dtmf-wasm generate`: every encoding and rate written as a WAV that wavefile reads back with
 * the right header, the options landing where they should (lengths, levels, twist, frequency
 * error, noise, seed, channels), the truth file, and usage errors. Files are checked by reading
 * them back with wavefile and by analysing them with `dtmf-wasm analyze`.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import wavefile from "wavefile";
import type { CliIo } from "../src/cli/io.js";
import { main } from "../src/cli/main.js";
import { generateDtmf } from "../src/generator.js";

/** Stated tolerance of onsets and durations, ms (issue #3: p95 ≤ 5 ms). */
const TOLERANCE_MS = 5;
/** Stated tolerance of measured levels and twist, dB. */
const LEVEL_TOLERANCE_DB = 0.5;
const dir = mkdtempSync(join(tmpdir(), "dtmf-generate-"));

async function cli(args: string[], options: { stdoutIsTTY?: boolean } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (t) => { out.push(t); }, stderr: (t) => { err.push(t); }, stdin: Readable.from([]),
    stdoutIsTTY: options.stdoutIsTTY ?? false, stderrIsTTY: false, env: {}, cwd: dir,
  };
  const code = await main(args, io);
  return { code, stdout: out.join(""), stderr: err.join("") };
}

interface Fmt { audioFormat: number; numChannels: number; sampleRate: number; bitsPerSample: number }
const header = (file: string) => new wavefile.WaveFile(readFileSync(join(dir, file))).fmt as Fmt;
const records = async (file: string, ...flags: string[]) =>
  (await cli(["analyze", "-q", ...flags, file])).stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, number | string>);

describe("writes every encoding and rate", () => {
  it.each([
    ["pcm16", 1, 16], ["float32", 3, 32], ["mulaw", 7, 8], ["alaw", 6, 8],
  ] as const)("--encoding %s: format tag %i, %i bits, the keys decode", async (encoding, tag, bits) => {
    const file = `enc-${encoding}.wav`;
    const run = await cli(["generate", "0123456789*#ABCD", "--encoding", encoding, "-o", file]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(`dtmf-wasm generate: wrote ${file}: 16 keys, 0:03.3, ${encoding}, 8000 Hz, mono\n`);
    expect(header(file)).toMatchObject({ audioFormat: tag, bitsPerSample: bits, sampleRate: 8000, numChannels: 1 });
    expect((await records(file)).map((r) => r.digit).join("")).toBe("0123456789*#ABCD");
  });

  it.each([8000, 11025, 16000, 44100, 48000, 96000])("--rate %i", async (rate) => {
    const file = `rate-${rate}.wav`;
    expect((await cli(["generate", "-q", "159#", "--rate", String(rate), "-o", file])).code).toBe(0);
    expect(header(file).sampleRate).toBe(rate);
    const found = await records(file);
    expect(found.map((r) => r.digit).join("")).toBe("159#");
    expect(Math.abs((found[0].start_ms as number) - 100)).toBeLessThanOrEqual(TOLERANCE_MS);
  });

  it("--channels 2 --key-channel 1: keys on channel 1 only", async () => {
    expect((await cli(["generate", "-q", "42", "--channels", "2", "--key-channel", "1", "-o", "stereo.wav"])).code).toBe(0);
    expect(header("stereo.wav").numChannels).toBe(2);
    expect((await records("stereo.wav")).map((r) => `${r.channel}${r.digit}`)).toEqual(["14", "12"]);
  });

  it("--channels 3 without --key-channel: keys on every channel", async () => {
    expect((await cli(["generate", "-q", "7", "--channels", "3", "-o", "three.wav"])).code).toBe(0);
    expect((await records("three.wav")).map((r) => `${r.channel}${r.digit}`)).toEqual(["07", "17", "27"]);
  });
});

describe("the options land where they should", () => {
  it("--tone, --gap, --lead and --tail set the layout; the truth file gives it", async () => {
    const run = await cli(["generate", "-q", "1-2 3", "--tone", "50", "--gap", "70", "--lead", "10", "--tail", "20", "--truth", "layout.json", "-o", "layout.wav"]);
    expect(run.code).toBe(0);
    const truth = JSON.parse(readFileSync(join(dir, "layout.json"), "utf8")) as { keys: string; durationMs: number; tones: object[] };
    expect(truth.keys).toBe("123");
    expect(truth.durationMs).toBe(10 + 50 + 70 + 50 + 70 + 50 + 20);
    expect(truth.tones).toEqual([
      { channel: 0, digit: "1", start_ms: 10, duration_ms: 50 },
      { channel: 0, digit: "2", start_ms: 130, duration_ms: 50 },
      { channel: 0, digit: "3", start_ms: 250, duration_ms: 50 },
    ]);
    const w = new wavefile.WaveFile(readFileSync(join(dir, "layout.wav")));
    expect((w.data as { chunkSize: number }).chunkSize).toBe(2 * 8 * truth.durationMs);
    const found = await records("layout.wav");
    found.forEach((r, i) => {
      expect(Math.abs((r.start_ms as number) - 10 - 120 * i)).toBeLessThanOrEqual(TOLERANCE_MS);
      expect(Math.abs((r.duration_ms as number) - 50)).toBeLessThanOrEqual(TOLERANCE_MS);
    });
  });

  it("--level and --twist (negative values as separate arguments) are what analyze measures", async () => {
    expect((await cli(["generate", "-q", "5", "--level", "-23", "--twist", "-6", "-o", "level.wav"])).code).toBe(0);
    const [r] = await records("level.wav");
    expect(Math.abs((r.low_dbm0 as number) + 23)).toBeLessThan(LEVEL_TOLERANCE_DB);
    expect(Math.abs((r.high_dbm0 as number) + 29)).toBeLessThan(LEVEL_TOLERANCE_DB);
    expect(Math.abs((r.twist_db as number) + 6)).toBeLessThan(LEVEL_TOLERANCE_DB);
  });

  it("--freq-error within Q.24's ±1.5 % is accepted, at 3.5 % rejected; --low-error/--high-error override it", async () => {
    expect((await cli(["generate", "-q", "258", "--freq-error", "1.5", "-o", "f15.wav"])).code).toBe(0);
    expect((await records("f15.wav")).map((r) => r.digit).join("")).toBe("258");
    expect((await cli(["generate", "-q", "258", "--freq-error", "-3.5", "-o", "f35.wav"])).code).toBe(0);
    expect(await records("f35.wav")).toEqual([]);
    expect((await cli(["generate", "-q", "258", "--freq-error", "-3.5", "--low-error", "0", "--high-error", "1", "-o", "fmix.wav"])).code).toBe(0);
    expect((await records("fmix.wav")).map((r) => r.digit).join("")).toBe("258");
  });

  it("--snr adds noise (the gaps are no longer silent); --seed makes it repeatable", async () => {
    const make = async (name: string, ...flags: string[]) => {
      expect((await cli(["generate", "-q", "0#", "--encoding", "float32", ...flags, "-o", name])).code).toBe(0);
      return readFileSync(join(dir, name));
    };
    const clean = await make("clean.wav");
    const noisyA = await make("noisy-a.wav", "--snr", "15", "--seed", "5");
    const noisyA2 = await make("noisy-a2.wav", "--snr", "15", "--seed", "5");
    const noisyB = await make("noisy-b.wav", "--snr", "15", "--seed", "6");
    const firstSample = (bytes: Buffer) => new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 4).getFloat32(0, true);
    expect(firstSample(clean)).toBe(0);
    expect(firstSample(noisyA)).not.toBe(0);
    expect(noisyA2.equals(noisyA)).toBe(true);
    expect(noisyB.equals(noisyA)).toBe(false);
    expect((await records("noisy-a.wav")).map((r) => r.digit).join("")).toBe("0#");
  });

  it("the truth file matches the library generator's own truth", async () => {
    expect((await cli(["generate", "-q", "*9", "--rate", "16000", "--tone", "65", "--truth", "truth.json", "-o", "truth.wav"])).code).toBe(0);
    const truth = JSON.parse(readFileSync(join(dir, "truth.json"), "utf8")) as { tones: { start_ms: number; duration_ms: number }[]; sampleRate: number; encoding: string };
    const expected = generateDtmf({ keys: "*9", sampleRate: 16000, toneMs: 65 }).tones;
    expect(truth).toMatchObject({ sampleRate: 16000, encoding: "pcm16" });
    expect(truth.tones.map((t) => [t.start_ms, t.duration_ms])).toEqual(expected.map((t) => [t.startMs, t.durationMs]));
  });
});

describe("errors", () => {
  it.each([
    [[], /no KEYS given/],
    [["12", "34", "-o", "x.wav"], /one KEYS argument expected; received 2: 12 34/],
    [["12E", "-o", "x.wav"], /KEYS must be DTMF keys \(0-9, \*, #, A-D\); "E" is not one/],
    [["123"], /-o\/--output is required/],
    [["1", "--encoding", "gsm", "-o", "x.wav"], /--encoding must be one of pcm16, float32, mulaw, alaw; received "gsm"/],
    [["1", "--rate", "4000", "-o", "x.wav"], /--rate must be an integer from 8000 to 192000; received 4000/],
    [["1", "--tone", "long", "-o", "x.wav"], /--tone must be a number; received "long"/],
    [["1", "--level", "20", "-o", "x.wav"], /--level must be a number from -120 to 10; received 20/],
    [["1", "--channels", "2", "--key-channel", "2", "-o", "x.wav"], /--key-channel must be channel numbers from 0 to 1; received 2/],
    [["1", "--frobnicate", "-o", "x.wav"], /Unknown option '--frobnicate'/],
  ])("generate %j → exit 2", async (args, message) => {
    const run = await cli(["generate", ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toMatch(/\(`dtmf-wasm generate --help` lists the options\)\n$/);
  });

  it("-o - refuses to write audio to a terminal", async () => {
    const run = await cli(["generate", "1", "-o", "-"], { stdoutIsTTY: true });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/stdout is a terminal/);
  });

  it("a file that cannot be written is exit 1 naming it", async () => {
    const run = await cli(["generate", "1", "-o", "no/such/dir/x.wav"]);
    expect(run).toEqual({ code: 1, stdout: "", stderr: "dtmf-wasm generate: no/such/dir/x.wav: cannot write: no such file\n" });
  });

  it("--help lists every option", async () => {
    const run = await cli(["generate", "--help"]);
    for (const flag of ["--output", "--truth", "--tone", "--gap", "--lead", "--tail", "--level", "--twist", "--freq-error", "--low-error", "--high-error", "--snr", "--seed", "--rate", "--encoding", "--channels", "--key-channel", "--quiet"]) {
      expect(run.stdout).toContain(flag);
    }
  });
});
