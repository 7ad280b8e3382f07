/** The CLI's manners: the version from anywhere, did-you-mean for typos, collect's stdin and --raw. */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import type { CliIo } from "../src/cli/io.js";
import { closest, editDistance } from "../src/did-you-mean.js";
import { encodeSamples, generateDtmf } from "../src/generator.js";
import { linearToUlaw } from "../src/g711.js";

const ROOT = resolve(import.meta.dirname, "..");
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;

async function cli(args: string[], stdin: Uint8Array[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, stdin: Readable.from(stdin),
    stdoutIsTTY: false, stderrIsTTY: false, env: {}, cwd: join(ROOT, "audio-fixtures"),
  };
  return { code: await main(args, io), stdout, stderr };
}

describe("version", () => {
  for (const args of [["-V"], ["--version"], ["analyze", "--version"], ["collect", "-V"], ["generate", "--version"]]) {
    it(`dtmf-wasm ${args.join(" ")} prints the version`, async () => {
      expect(await cli(args)).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: "" });
    });
  }
});

describe("did you mean", () => {
  it("suggests the closest command, and none for an unrelated word", async () => {
    expect((await cli(["anlyze", "x.wav"])).stderr).toMatch(/^dtmf-wasm: unknown command 'anlyze'; did you mean 'analyze'\?/);
    expect((await cli(["colect"])).stderr).toMatch(/did you mean 'collect'\?/);
    const far = await cli(["banana"]);
    expect(far.code).toBe(2);
    expect(far.stderr).not.toMatch(/did you mean/);
  });
  it("suggests the closest flag in analyze and collect", async () => {
    const analyze = await cli(["analyze", "--quite", "demo.wav"]);
    expect([analyze.code, analyze.stderr.split("\n")[0]]).toEqual([2, "dtmf-wasm analyze: Unknown option '--quite'; did you mean --quiet?"]);
    const collect = await cli(["collect", "--min-digit", "1", "demo.wav"]);
    expect([collect.code, collect.stderr]).toEqual([2, "dtmf-wasm collect: Unknown option '--min-digit'; did you mean --min-digits? (see --help)\n"]);
    expect((await cli(["analyze", "--zzzzzz", "demo.wav"])).stderr).not.toMatch(/did you mean/);
  });
  it("measures edits as typos", () => {
    expect([editDistance("quiet", "quite"), editDistance("abc", "abc"), editDistance("", "ab")]).toEqual([1, 0, 2]);
    expect(closest("fromat", ["format", "quiet"])).toBe("format");
    expect(closest("x", ["format", "quiet"])).toBeUndefined();
  });
});

describe("collect reads standard input and raw audio", () => {
  const args = ["--min-digits", "1", "--max-digits", "8", "--session-uuid", "s", "--command-uid", "c"];
  const audio = generateDtmf({ keys: "2468#", sampleRate: 8000 });
  it("collect - (a WAV on stdin)", async () => {
    const wav = readFileSync(join(ROOT, "audio-fixtures", "demo.wav"));
    const run = await cli(["collect", "-", ...args], [wav]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout.trim().split("\n").pop()!)).toMatchObject({ digits: "5550123", terminator: "#", status: "success" });
  });
  it("collect --raw --encoding mulaw - and --raw s16le", async () => {
    const mulaw = Uint8Array.from(audio.samples, (s) => linearToUlaw(Math.round(s * 32767)));
    const run = await cli(["collect", "--raw", "--encoding", "mulaw", "-", ...args], [mulaw]);
    expect(JSON.parse(run.stdout.trim())).toMatchObject({ digits: "2468", terminator: "#" });
    const pcm = new Uint8Array(encodeSamples(audio.samples, "pcm16").buffer);
    const s16 = await cli(["collect", "--raw", "--encoding", "s16le", "--rate", "8000", "-", ...args], [pcm]);
    expect(JSON.parse(s16.stdout.trim())).toMatchObject({ digits: "2468" });
  });
  it("refuses --rate without --raw, and --raw of stdin without --encoding", async () => {
    expect((await cli(["collect", "--rate", "8000", "x.wav", ...args])).stderr).toBe("dtmf-wasm collect: --rate describes headerless input: use it with --raw (see --help)\n");
    expect((await cli(["collect", "--raw", "-", ...args])).stderr).toMatch(/--raw: give --encoding \(mulaw, alaw, s16le, f32le\) for -/);
  });
});
