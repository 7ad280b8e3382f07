/** Shared test helpers: generated audio through a real detector, events compared with truth. */
import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { main } from "../src/cli/main.js";
import type { CliIo } from "../src/cli/io.js";
import { DtmfEngine } from "../src/engine.js";
import { ALL_KEYS } from "../src/keys.js";
import type { DetectorEvent, DtmfEvent, KeyDownEvent } from "../src/events.js";
import { type GenerateOptions, type GeneratedAudio, encodeSamples, generateDtmf } from "../src/generator.js";
import type { ChannelOptions } from "../src/engine.js";
import type { Encoding } from "../src/options.js";
import { type CoreInstance, compileCore, instantiateCore } from "../src/wasm.js";

let engine: Promise<DtmfEngine> | undefined;
let debug: Promise<CoreInstance> | undefined;
export function testEngine(): Promise<DtmfEngine> {
  // DTMF_TEST_CORE=<path to a build/dtmf.wasm>: run the tests against another core (an older
  // build, to see a new behaviour test fail on it).
  engine ??= DtmfEngine.create(process.env.DTMF_TEST_CORE ? { wasm: readFileSync(process.env.DTMF_TEST_CORE) } : {});
  return engine;
}

/**
 * The debug build of the core (build/dtmf.debug.wasm: the release ABI plus test probes,
 * assembly/debug.ts), for tests of the ABI itself; everything else uses the public API.
 */
export function debugCore(): Promise<CoreInstance> {
  debug ??= compileCore(new URL("../build/dtmf.debug.wasm", import.meta.url)).then(instantiateCore);
  return debug;
}

export interface Detection {
  audio: GeneratedAudio;
  events: DetectorEvent[];
  presses: DtmfEvent[];
  keydowns: KeyDownEvent[];
  /** The digits of the finished presses, in order. */
  digits: string;
}

/** Generates audio, encodes it, runs it through a fresh detector in one chunk, flushes. */
export async function detect(gen: GenerateOptions, options: ChannelOptions = {}, encoding: Encoding = "float32"): Promise<Detection> {
  const audio = generateDtmf(gen);
  const detector = (await testEngine()).createDetector({ sampleRate: audio.sampleRate, encoding, ...options });
  const events = [...detector.process(encodeSamples(audio.samples, encoding)), ...detector.flush()];
  detector.close();
  const presses = events.filter((e): e is DtmfEvent => e.type === "dtmf");
  const keydowns = events.filter((e): e is KeyDownEvent => e.type === "keydown");
  return { audio, events, presses, keydowns, digits: presses.map((e) => e.digit).join("") };
}

/** The value at quantile `p` (0..1) of `values`. */
export function quantile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/** Every key, in the order people list them (src/keys.ts). */
export const ALL = ALL_KEYS;

/** Runs the CLI in-process with no TTY, no stdin and no environment in `cwd`: exit code and what it wrote. */
export async function runCli(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [], err: string[] = [];
  const io: CliIo = {
    stdout: (t) => { out.push(t); }, stderr: (t) => { err.push(t); }, stdin: Readable.from([]),
    stdoutIsTTY: false, stderrIsTTY: false, env: {}, cwd,
  };
  const code = await main(args, io);
  return { code, stdout: out.join(""), stderr: err.join("") };
}
