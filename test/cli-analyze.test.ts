/**
 * `dtmf-wasm analyze`: every fixture against its truth, batches (a bad file among good ones,
 * input order with worker threads), stdin, raw input, the output formats, --digits-only,
 * detector flags, progress, help and usage errors. Most tests run main() in-process with a
 * fake CliIo; those that need a real process (worker threads, pipes, EPIPE) spawn the built CLI
 * in dist/ (`npm run build` first; `npm test` does).
 */
import { type SpawnOptions, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import type { CliIo } from "../src/cli/io.js";
import { encodeSamples, generateDtmf } from "../src/generator.js";
import { encodeWav } from "../src/wav/write.js";

/** Stated tolerance of onsets and durations against the fixtures' truth, ms (issue #3: p95 ≤ 5 ms). */
const TOLERANCE_MS = 5;
const ROOT = resolve(import.meta.dirname, "..");
const FIXTURES = join(ROOT, "audio-fixtures");
const CLI = join(ROOT, "dist", "cli", "main.js");
/** The generated fixtures scripts/make-fixtures.mjs writes (the test fails if any is missing). */
const EXPECTED_FIXTURES = ["demo", "all-keys", "all-keys-mulaw", "all-keys-alaw", "wideband-16k", "stereo-44k", "float-22k", "noisy-snr15", "twist", "fast-dialing", "repeats"];
const SUMMARY = /^dtmf-wasm analyze: \d+ files?( \(.*\))?, \d+:\d\d\.\d of audio, \d+ keys?(, [\d.]+× real time)?$/m;
const STACK_LINE = /^\s+at /m;
/** Terminal control sequences (cursor moves, line clears) a progress bar writes. */
const ANSI = /\u001b(\[[0-9;?]*[A-Za-z]|[78])/g;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

interface IoOptions {
  stdin?: Uint8Array[];
  stdoutIsTTY?: boolean;
  stderrIsTTY?: boolean;
  cwd?: string;
}

/** Runs `dtmf-wasm ARGS` in-process with a fake terminal/pipe setup. */
async function cli(args: string[], options: IoOptions = {}): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (text) => { out.push(text); },
    stderr: (text) => { err.push(text); },
    stdin: Readable.from(options.stdin ?? []),
    stdoutIsTTY: options.stdoutIsTTY ?? false,
    stderrIsTTY: options.stderrIsTTY ?? false,
    env: {},
    cwd: options.cwd ?? FIXTURES,
  };
  const code = await main(args, io);
  return { code, stdout: out.join(""), stderr: err.join("") };
}

/** Runs the built CLI as a process. */
function spawnCli(args: string[], input?: Uint8Array, options: SpawnOptions & { onStdout?: (chunk: Buffer, child: ReturnType<typeof spawn>) => void } = {}): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: FIXTURES, ...options });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on("data", (chunk: Buffer) => { out.push(chunk); options.onStdout?.(chunk, child); });
    child.stdout?.on("error", () => {});
    child.stderr?.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", fail);
    child.on("close", (code) => done({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
    if (input) child.stdin?.end(input);
    else child.stdin?.end();
  });
}

const lines = (text: string) => text.split("\n").filter(Boolean);
const ndjson = (text: string) => lines(text).map((l) => JSON.parse(l) as Record<string, unknown>);

interface Truth {
  file: string;
  channels: number;
  tones: { channel: number; digit: string; start_ms: number; duration_ms: number }[];
}
const truthOf = (name: string) => JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), "utf8")) as Truth;
const byChannelThenTime = (a: { channel: unknown; start_ms: unknown }, b: { channel: unknown; start_ms: unknown }) =>
  (a.channel as number) - (b.channel as number) || (a.start_ms as number) - (b.start_ms as number);

/** Every record of `got` matches the truth's tone at the same place within TOLERANCE_MS. */
function expectMatchesTruth(got: Record<string, unknown>[], truth: Truth): void {
  const sorted = [...got].sort(byChannelThenTime);
  const tones = [...truth.tones].sort(byChannelThenTime);
  expect(sorted.map((r) => `${r.channel}:${r.digit}`)).toEqual(tones.map((t) => `${t.channel}:${t.digit}`));
  sorted.forEach((r, i) => {
    expect(Math.abs((r.start_ms as number) - tones[i].start_ms), `${truth.file} key ${i} onset`).toBeLessThanOrEqual(TOLERANCE_MS);
    expect(Math.abs((r.duration_ms as number) - tones[i].duration_ms), `${truth.file} key ${i} duration`).toBeLessThanOrEqual(TOLERANCE_MS);
  });
}

const scratch = mkdtempSync(join(tmpdir(), "dtmf-cli-"));
const scratchFile = (name: string, bytes: Uint8Array | string) => {
  const path = join(scratch, name);
  writeFileSync(path, bytes);
  return path;
};
const demo = readFileSync(join(FIXTURES, "demo.wav"));

describe("every fixture in audio-fixtures/ against its truth", () => {
  const wavs = readdirSync(FIXTURES).filter((f) => f.endsWith(".wav")).sort();

  it("the generated fixtures are all there, each with a truth file, under 1 MB together", () => {
    expect(wavs).toEqual(expect.arrayContaining(EXPECTED_FIXTURES.map((n) => `${n}.wav`)));
    for (const wav of wavs) expect(existsSync(join(FIXTURES, wav.replace(/\.wav$/, ".json"))), wav).toBe(true);
    const total = EXPECTED_FIXTURES.reduce((n, name) => n + readFileSync(join(FIXTURES, `${name}.wav`)).length, 0);
    expect(total).toBeLessThan(1024 * 1024);
  });

  it.each(EXPECTED_FIXTURES)(`%s.wav: same keys, onsets and durations within ${TOLERANCE_MS} ms`, async (name) => {
    const run = await cli(["analyze", "-q", `${name}.wav`]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const records = ndjson(run.stdout);
    for (const r of records) expect(Object.keys(r)).toEqual(["file", "channel", "digit", "start_ms", "duration_ms", "low_dbm0", "high_dbm0", "twist_db"]);
    expect(new Set(records.map((r) => r.file))).toEqual(new Set([`${name}.wav`]));
    expectMatchesTruth(records, truthOf(name));
  });

  it("all fixtures in one batch: each file's records in command-line order, and a summary", async () => {
    const run = await cli(["analyze", ...EXPECTED_FIXTURES.map((n) => `${n}.wav`)]);
    expect(run.code).toBe(0);
    const records = ndjson(run.stdout);
    const order = [...new Set(records.map((r) => r.file))];
    expect(order).toEqual(EXPECTED_FIXTURES.map((n) => `${n}.wav`));
    for (const name of EXPECTED_FIXTURES) expectMatchesTruth(records.filter((r) => r.file === `${name}.wav`), truthOf(name));
    const keys = EXPECTED_FIXTURES.reduce((n, name) => n + truthOf(name).tones.length, 0);
    expect(run.stderr).toMatch(SUMMARY);
    expect(run.stderr).toContain(`${EXPECTED_FIXTURES.length} files, `);
    expect(run.stderr).toContain(`, ${keys} keys`);
  });

  it("levels are measured: the A-law fixture's tones at -20 dBm0, twist's +4 and -8 dB", async () => {
    const alaw = ndjson((await cli(["analyze", "all-keys-alaw.wav"])).stdout);
    for (const r of alaw) {
      expect(Math.abs((r.low_dbm0 as number) + 20)).toBeLessThan(0.5);
      expect(Math.abs((r.high_dbm0 as number) + 20)).toBeLessThan(0.5);
    }
    const twist = ndjson((await cli(["analyze", "twist.wav"])).stdout);
    expect(Math.abs((twist[0].twist_db as number) - 4)).toBeLessThan(0.5);
    expect(Math.abs((twist[1].twist_db as number) + 8)).toBeLessThan(0.5);
    for (const r of twist) expect(r.twist_db).toBeCloseTo((r.high_dbm0 as number) - (r.low_dbm0 as number), 5);
  });
});

describe("batches with bad files", () => {
  const notWav = scratchFile("notes.wav", "hello, world\n");
  const empty = scratchFile("empty.wav", "");
  const missing = join(scratch, "missing.wav");
  const allKeys = join(FIXTURES, "all-keys.wav");
  const unsupported = (() => {
    const bytes = Uint8Array.from(demo);
    new DataView(bytes.buffer).setUint16(20, 0x11, true);
    return scratchFile("adpcm.wav", bytes);
  })();

  it("one line per bad file naming it and the problem, the others still reported in order, exit 1", async () => {
    const run = await cli(["analyze", "demo.wav", missing, notWav, empty, unsupported, allKeys]);
    expect(run.code).toBe(1);
    const records = ndjson(run.stdout);
    expect([...new Set(records.map((r) => r.file))]).toEqual(["demo.wav", allKeys]);
    expect(records.filter((r) => r.file === allKeys).map((r) => r.digit).join("")).toBe("0123456789*#ABCD");
    expect(lines(run.stderr)).toEqual([
      `dtmf-wasm analyze: ${missing}: cannot read: no such file`,
      `dtmf-wasm analyze: ${notWav}: not a WAV file: it starts with "hell", not "RIFF"`,
      `dtmf-wasm analyze: ${empty}: empty file (0 bytes)`,
      `dtmf-wasm analyze: ${unsupported}: unsupported encoding: IMA ADPCM (format tag 0x0011); dtmf-wasm reads 8/16/24/32-bit integer PCM, 32/64-bit float, G.711 μ-law and A-law`,
      expect.stringMatching(/^dtmf-wasm analyze: 6 files \(4 failed\), 0:04\.\d of audio, 24 keys/),
    ]);
    expect(run.stderr).not.toMatch(STACK_LINE);
  });

  it("--debug adds the stack trace", async () => {
    const run = await cli(["analyze", "--debug", notWav]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/not a WAV file/);
    expect(run.stderr).toMatch(STACK_LINE);
  });

  it("a file that only fails is exit 1 with no records", async () => {
    const run = await cli(["analyze", "-q", missing]);
    expect(run).toEqual({ code: 1, stdout: "", stderr: `dtmf-wasm analyze: ${missing}: cannot read: no such file\n` });
  });

  it("a truncated file: the keys of the part that is there, a warning, exit 0", async () => {
    const cut = scratchFile("cut.wav", demo.subarray(0, 44 + 2 * Math.round(8000 * 1.2)));
    const run = await cli(["analyze", cut]);
    expect(run.code).toBe(0);
    const digits = ndjson(run.stdout).map((r) => r.digit).join("");
    expect(truthOf("demo").tones.map((t) => t.digit).join("")).toMatch(new RegExp(`^${digits.replace("#", "\\#")}`));
    expect(digits.length).toBeGreaterThanOrEqual(4);
    expect(run.stderr).toMatch(new RegExp(`^dtmf-wasm analyze: warning: ${cut}: truncated: the header announces 2\\.2 s of audio but the file ends after 1\\.2 s; keys found in that part are reported\n`));
    expect(run.stderr).toMatch(/1 file \(16-bit PCM, 8000 Hz, mono; 1 with warnings\), 0:01\.2 of audio/);
  });

  it("a headerless-looking name gets a hint to use --raw", async () => {
    const ul = scratchFile("call.ul", encodeSamples(generateDtmf({ keys: "1" }).samples, "mulaw"));
    const run = await cli(["analyze", "-q", ul]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/call\.ul: not a WAV file: .* \(headerless audio\? add --raw\)\n$/);
  });
});

describe("stdin and raw input", () => {
  it("- reads a WAV from stdin, in any chunking; records name the file -", async () => {
    const fromFile = ndjson((await cli(["analyze", "demo.wav"])).stdout);
    const pieces = [demo.subarray(0, 3), demo.subarray(3, 50), demo.subarray(50, 10_001), demo.subarray(10_001)];
    const run = await cli(["analyze", "-"], { stdin: pieces });
    expect(run.code).toBe(0);
    expect(ndjson(run.stdout)).toEqual(fromFile.map((r) => ({ ...r, file: "-" })));
  });

  it("- among files keeps its place in the output", async () => {
    const run = await cli(["analyze", "-d", "all-keys.wav", "-", "twist.wav"], { stdin: [demo] });
    expect(run.stdout).toBe("all-keys.wav\t0\t0123456789*#ABCD\n-\t0\t5550123#\n" + "twist.wav\t0\t159D0#*\n");
  });

  it("an empty stdin is an error naming -", async () => {
    const run = await cli(["analyze", "-q", "-"], { stdin: [] });
    expect(run).toMatchObject({ code: 1, stdout: "", stderr: "dtmf-wasm analyze: -: empty file (0 bytes)\n" });
  });

  const audio = generateDtmf({ keys: "4711#", toneMs: 70, gapMs: 70 });
  const keys = "4711#";
  it.each([
    ["call.ul", [], "mulaw"], ["call.al", [], "alaw"], ["call.sln", [], "pcm16"],
    ["call.raw", ["--encoding", "f32le"], "float32"], ["call.raw", ["--encoding", "mulaw", "--rate", "8000"], "mulaw"],
  ] as const)("--raw %s %j", async (name, flags, encoding) => {
    const data = encodeSamples(audio.samples, encoding);
    const path = scratchFile(name, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    const run = await cli(["analyze", "-q", "--raw", ...flags, path]);
    expect(run.code).toBe(0);
    expect(ndjson(run.stdout).map((r) => r.digit).join("")).toBe(keys);
  });

  it("--raw from stdin with --rate and --channels", async () => {
    const wide = generateDtmf({ keys, sampleRate: 16000 });
    const mono = encodeSamples(wide.samples, "pcm16");
    const stereo = new Int16Array(mono.length * 2);
    mono.forEach((s, i) => { stereo[2 * i] = s; });
    const run = await cli(["analyze", "-q", "--raw", "--encoding", "s16le", "--rate", "16000", "--channels", "2", "-"], { stdin: [new Uint8Array(stereo.buffer)] });
    expect(run.code).toBe(0);
    const records = ndjson(run.stdout);
    expect(records.map((r) => `${r.channel}${r.digit}`).join(" ")).toBe("04 07 01 01 0#");
    expect(Math.abs((records[0].start_ms as number) - wide.tones[0].startMs)).toBeLessThanOrEqual(TOLERANCE_MS);
  });

  it("--raw without an encoding the name implies is a usage error", async () => {
    const run = await cli(["analyze", "--raw", "call.raw"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--raw: give --encoding \(mulaw, alaw, s16le, f32le\) for call\.raw/);
  });
});

describe("output formats", async () => {
  const reference = ndjson((await cli(["analyze", "demo.wav", "stereo-44k.wav"])).stdout);

  it("ndjson is the default when stdout is not a terminal, table when it is", async () => {
    expect(ndjson((await cli(["analyze", "demo.wav", "stereo-44k.wav"], { stdoutIsTTY: false })).stdout)).toEqual(reference);
    const table = (await cli(["analyze", "demo.wav"], { stdoutIsTTY: true })).stdout;
    expect(table).toMatch(/│ digit │ start ms │ duration ms │ low dBm0 │ high dBm0 │ twist dB │/);
  });

  it("json is one array of the same records", async () => {
    const run = await cli(["analyze", "--format", "json", "demo.wav", "stereo-44k.wav"]);
    expect(JSON.parse(run.stdout)).toEqual(reference);
    expect(JSON.parse((await cli(["analyze", "-f", "json", "-q", "--keys", "A", "demo.wav"])).stdout)).toEqual([]);
  });

  it("csv has a header and the same values; file names with commas and quotes are quoted", async () => {
    const odd = join(scratch, 'call "one", left.wav');
    copyFileSync(join(FIXTURES, "demo.wav"), odd);
    const run = await cli(["analyze", "--format", "csv", odd, "stereo-44k.wav"]);
    const rows = lines(run.stdout);
    expect(rows[0]).toBe("file,channel,digit,start_ms,duration_ms,low_dbm0,high_dbm0,twist_db");
    expect(rows).toHaveLength(reference.length + 1);
    const quoted = `"${odd.replaceAll('"', '""')}"`;
    const first = reference[0];
    expect(rows[1]).toBe(`${quoted},0,${first.digit},${first.start_ms},${first.duration_ms},${first.low_dbm0},${first.high_dbm0},${first.twist_db}`);
    expect(rows.at(-1)).toMatch(/^stereo-44k\.wav,1,\*,/);
    expect((await cli(["analyze", "-f", "csv", "-q", "--keys", "A", "demo.wav"])).stdout).toBe("file,channel,digit,start_ms,duration_ms,low_dbm0,high_dbm0,twist_db\n");
  });

  it("table: one row per key, values to 0.1, file and channel columns when there are several", async () => {
    const one = (await cli(["analyze", "-f", "table", "demo.wav"])).stdout;
    expect(lines(one)).toHaveLength(truthOf("demo").tones.length + 4);
    expect(one).not.toContain("│ file");
    expect(one).toMatch(new RegExp(`│ 5 +│ +${(reference[0].start_ms as number).toFixed(1)} │`));
    const two = (await cli(["analyze", "-f", "table", "demo.wav", "stereo-44k.wav"])).stdout;
    expect(two).toMatch(/│ file +│ ch │ digit │/);
    expect(two).toMatch(/│ stereo-44k\.wav │ +1 │ 1 /);
  });

  it("--digits-only: just the digits for one mono file, FILE TAB CHANNEL TAB DIGITS otherwise", async () => {
    expect((await cli(["analyze", "-d", "demo.wav"])).stdout).toBe("5550123#\n");
    expect((await cli(["analyze", "--digits-only", "stereo-44k.wav"])).stdout).toBe("stereo-44k.wav\t0\t\nstereo-44k.wav\t1\t147*\n");
    expect((await cli(["analyze", "-d", "demo.wav", "fast-dialing.wav"])).stdout).toBe("demo.wav\t0\t5550123#\nfast-dialing.wav\t0\t1234567890\n");
  });

  it("--digits-only --names: one shape whatever the number of inputs (for scripts)", async () => {
    expect((await cli(["analyze", "-d", "--names", "demo.wav"])).stdout).toBe("demo.wav\t0\t5550123#\n");
    expect((await cli(["analyze", "-d", "--names", "demo.wav", "fast-dialing.wav"])).stdout).toBe("demo.wav\t0\t5550123#\nfast-dialing.wav\t0\t1234567890\n");
  });

  it("--digits-only with --format gives {file, channel, digits} records", async () => {
    expect(ndjson((await cli(["analyze", "-d", "-f", "ndjson", "demo.wav"])).stdout)).toEqual([{ file: "demo.wav", channel: 0, digits: "5550123#" }]);
    expect(JSON.parse((await cli(["analyze", "-d", "-f", "json", "stereo-44k.wav"])).stdout)).toEqual([
      { file: "stereo-44k.wav", channel: 0, digits: "" }, { file: "stereo-44k.wav", channel: 1, digits: "147*" },
    ]);
    expect((await cli(["analyze", "-d", "-f", "csv", "demo.wav"])).stdout).toBe("file,channel,digits\ndemo.wav,0,5550123#\n");
    expect((await cli(["analyze", "-d", "-f", "table", "demo.wav"])).stdout).toMatch(/│ digits +│\n├─+┤\n│ 5550123# │/);
  });
});

describe("detector flags reach the detector", () => {
  it("--keys without A-D drops them", async () => {
    const run = await cli(["analyze", "-d", "--keys", "0123456789*#", "all-keys.wav"]);
    expect(run.stdout).toBe("0123456789*#\n");
  });

  it("--min-level above the tones' level finds nothing; below it finds them (negative values as separate arguments)", async () => {
    expect((await cli(["analyze", "-d", "--min-level", "-15", "all-keys-alaw.wav"])).stdout).toBe("\n");
    expect((await cli(["analyze", "-d", "--min-level", "-25", "all-keys-alaw.wav"])).stdout).toBe("0123456789*#ABCD\n");
  });

  it("--min-tone longer than the tones finds nothing", async () => {
    expect((await cli(["analyze", "-d", "--min-tone", "50", "fast-dialing.wav"])).stdout).toBe("\n");
    expect((await cli(["analyze", "-d", "--min-tone", "35", "fast-dialing.wav"])).stdout).toBe("1234567890\n");
  });

  it("--min-gap longer than the pauses joins repeated presses", async () => {
    expect((await cli(["analyze", "-d", "repeats.wav"])).stdout).toBe("111#22\n");
    expect((await cli(["analyze", "-d", "--min-gap", "100", "repeats.wav"])).stdout).toBe("1#2\n");
  });

  it("--normal-twist tighter than -8 dB drops the twisted key", async () => {
    expect((await cli(["analyze", "-d", "--normal-twist", "5", "twist.wav"])).stdout).toBe("19D0#*\n");
  });
});

describe("progress and summary on stderr", () => {
  it("--progress on a terminal draws a bar on stderr, cleared at the end; stdout keeps the records", async () => {
    const run = await cli(["analyze", "--progress", "demo.wav", "twist.wav"], { stderrIsTTY: true });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/all files +\[[=-]+\] +\d+%/);
    expect(run.stderr).toContain("\u001b[");
    expect(run.stderr.replace(ANSI, "")).toMatch(SUMMARY);
    expect(ndjson(run.stdout)).toHaveLength(15);
  });

  it("no bar when stderr is not a terminal, even with --progress", async () => {
    const run = await cli(["analyze", "--progress", "demo.wav", "twist.wav"], { stderrIsTTY: false });
    expect(run.stderr).not.toMatch(/\[[=-]+\]|\u001b\[/);
    expect(lines(run.stderr)).toEqual([expect.stringMatching(SUMMARY)]);
  });

  it("no bar with --no-progress or --quiet; --quiet drops the summary too", async () => {
    const noBar = await cli(["analyze", "--no-progress", "demo.wav"], { stderrIsTTY: true });
    expect(lines(noBar.stderr)).toEqual([expect.stringMatching(SUMMARY)]);
    const quiet = await cli(["analyze", "-q", "--progress", "demo.wav"], { stderrIsTTY: true });
    expect(quiet.stderr).toBe("");
  });

  it("with stdout and stderr both terminals, the table is printed after the bar is gone", async () => {
    const run = await cli(["analyze", "--progress", "demo.wav"], { stderrIsTTY: true, stdoutIsTTY: true });
    expect(run.stdout).toMatch(/│ digit │/);
    expect(run.stderr).toMatch(/demo\.wav +\[/);
  });

  it("the summary counts files, audio, keys and speed", async () => {
    const run = await cli(["analyze", "demo.wav", "all-keys.wav"]);
    expect(run.stderr).toMatch(/^dtmf-wasm analyze: 2 files, 0:04\.\d of audio, 24 keys, [\d.]+× real time\n$/);
  });
});

describe("help, version and usage errors", () => {
  it.each([["analyze", "--help"], ["analyze", "-h"], ["generate", "--help"]])("%s %s prints help on stdout, exit 0", async (...args) => {
    const run = await cli(args);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^usage: dtmf-wasm ${args[0]} `));
    expect(run.stderr).toBe("");
  });

  it("analyze --help documents every flag", async () => {
    const help = (await cli(["analyze", "--help"])).stdout;
    for (const flag of ["--format", "--digits-only", "--jobs", "--quiet", "--progress", "--no-progress", "--debug", "--raw", "--rate", "--encoding", "--channels",
      "--keys", "--min-level", "--normal-twist", "--reverse-twist", "--peak-ratio", "--purity", "--press-purity", "--freq-tolerance", "--min-tone", "--min-gap"]) {
      expect(help).toContain(flag);
    }
  });

  it("--version prints the package version", async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    expect(await cli(["--version"])).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: "" });
  });

  it.each([
    [[], /no input: give one or more files, or - for stdin/],
    [["--format", "xml", "demo.wav"], /--format must be one of table, ndjson, json, csv; received "xml"/],
    [["--bogus", "demo.wav"], /Unknown option '--bogus'$/m],
    [["--jobs", "0", "demo.wav"], /--jobs must be an integer from 1 to 256; received "0"/],
    [["--jobs", "two", "demo.wav"], /--jobs must be an integer/],
    [["--min-level", "-80", "demo.wav"], /--min-level must be a number from -70 to 0; received -80/],
    [["--min-level", "loud", "demo.wav"], /--min-level must be a number; received "loud"/],
    [["--keys", "12x", "demo.wav"], /--keys must be a non-empty string of keys from "0123456789\*#ABCD"; received "12x"/],
    [["--freq-tolerance", "9", "demo.wav"], /--freq-tolerance must be a number from 0\.5 to 6; received 9/],
    [["-", "-"], /- \(stdin\) can be given only once/],
    [["--rate", "8000", "demo.wav"], /--rate describes headerless input: use it with --raw/],
    [["--raw", "--encoding", "gsm", "x.raw"], /--encoding must be one of mulaw, alaw, s16le, f32le; received "gsm"/],
    [["--raw", "--encoding", "mulaw", "--rate", "0", "x.raw"], /--rate must be an integer from 1 to 384000; received "0"/],
    [["--progress", "--no-progress", "demo.wav"], /contradict/],
  ])("analyze %j → exit 2", async (args, message) => {
    const run = await cli(["analyze", ...args]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toMatch(/^dtmf-wasm analyze: .*\n\(`dtmf-wasm analyze --help` lists the options\)\n$/);
  });
});

describe("the built CLI as a process (dist/)", () => {
  it("dist/cli/main.js is built", () => {
    expect(existsSync(CLI), "run `npm run build` first").toBe(true);
    expect(existsSync(join(ROOT, "dist", "cli", "worker.js"))).toBe(true);
  });

  it("worker threads: a long file first, a bad file, short ones; output in input order, exit 1", async () => {
    const long = generateDtmf({ keys: "0123456789*#ABCD".repeat(12), toneMs: 80, gapMs: 200, sampleRate: 16000 });
    const longPath = scratchFile("long.wav", encodeWav([long.samples], 16000, "pcm16"));
    const run = await spawnCli(["analyze", "--jobs", "3", "-d", longPath, "demo.wav", join(scratch, "missing.wav"), "fast-dialing.wav", "twist.wav"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(`${longPath}\t0\t${"0123456789*#ABCD".repeat(12)}\ndemo.wav\t0\t5550123#\nfast-dialing.wav\t0\t1234567890\ntwist.wav\t0\t159D0#*\n`);
    expect(run.stderr).toMatch(/^dtmf-wasm analyze: .*missing\.wav: cannot read: no such file\ndtmf-wasm analyze: 5 files \(1 failed\)/);
  });

  it("worker threads give the same records as the main thread", async () => {
    const files = EXPECTED_FIXTURES.map((n) => `${n}.wav`);
    const parallel = await spawnCli(["analyze", "--jobs", "4", ...files]);
    const inline = await cli(["analyze", ...files]);
    expect(parallel.code).toBe(0);
    expect(ndjson(parallel.stdout)).toEqual(ndjson(inline.stdout));
  });

  it("generate -o - | analyze - through real pipes", async () => {
    const wav = await new Promise<Buffer>((done, fail) => {
      const child = spawn(process.execPath, [CLI, "generate", "-q", "*67#", "-o", "-"], { cwd: scratch });
      const out: Buffer[] = [];
      child.stdout.on("data", (c: Buffer) => out.push(c));
      child.on("error", fail);
      child.on("close", () => done(Buffer.concat(out)));
    });
    const run = await spawnCli(["analyze", "-d", "-"], wav);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("*67#\n");
  });

  it("a reader that goes away (| head -1) ends the run quietly: no EPIPE error, no stack", async () => {
    const many = Array.from({ length: 200 }, () => "all-keys.wav");
    let closed = false;
    const run = await spawnCli(["analyze", "--jobs", "2", ...many], undefined, {
      onStdout: (_chunk, child) => {
        if (closed) return;
        closed = true;
        child.stdout?.destroy();
      },
    });
    expect(closed).toBe(true);
    expect(run.stderr).not.toMatch(/EPIPE|Error|^\s+at /m);
    expect(run.code).toBe(0);
  });
});
