/**
 * `dtmf-wasm generate KEYS -o OUT.wav`: DTMF test calls with exact levels (dBm0 per tone),
 * twist, frequency error, tone and gap lengths, noise at a given S/N, in any of the detector's
 * encodings and rates; optionally a truth file giving where every key really is. The same
 * renderCall() makes the audio-fixtures (scripts/make-fixtures.mjs).
 */
import { open, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { DtmfOptionError } from "../errors.js";
import { type GenerateOptions, type ToneSpec, generateDtmfStream } from "../generator.js";
import { isDigit } from "../keys.js";
import { ENCODING_NAMES, type Encoding } from "../options.js";
import { MAX_CHANNELS } from "../wav/riff.js";
import { unreadable } from "../wav/source.js";
import { encodeFrames, wavHeader } from "../wav/write.js";
import { UsageError, choiceFlag, flagError, numberFlag, parseCommandLine } from "./args.js";
import { exitQuietlyOnBrokenPipe } from "./epipe.js";
import type { CliIo } from "./io.js";
import { formatDuration } from "./summary.js";

const NAME = "dtmf-wasm generate";
/** Characters allowed in KEYS to make long strings readable ("555-0123", "1 800 555"), ignored. */
const SEPARATORS = /[\s-]/g;
/** Truth times are given to the µs. */
const TRUTH_DECIMALS = 3;
const JSON_INDENT = 2;

/** One key press as truth files give it: where the tone really is, ms from the start. */
export interface TruthTone {
  channel: number;
  digit: string;
  start_ms: number;
  duration_ms: number;
}

/** A truth file: what a generated WAV holds. */
export interface Truth {
  keys: string;
  sampleRate: number;
  encoding: Encoding;
  channels: number;
  durationMs: number;
  /** Every key press on every channel, in time order per channel. */
  tones: TruthTone[];
  /** The generator options used (levels, twist, noise…), for the record. */
  generator: Omit<GenerateOptions, "keys" | "sampleRate">;
}

export interface CallSpec extends Omit<GenerateOptions, "sampleRate"> {
  sampleRate?: number;
  encoding?: Encoding;
  channels?: number;
  /** Channels that carry the keys (default: all); the others are silent. */
  keyChannels?: number[];
}

/** A truth file's text: indented JSON with one line per tone (readable, and diffs well). */
export function formatTruth(truth: object): string {
  const text = JSON.stringify(truth, (key, value: unknown) => (key === "tones" ? TONES_PLACEHOLDER : value), JSON_INDENT);
  const tones = (truth as { tones?: TruthTone[] }).tones ?? [];
  const lines = tones.map((t) => `${" ".repeat(2 * JSON_INDENT)}${JSON.stringify(t)}`).join(",\n");
  return `${text.replace(JSON.stringify(TONES_PLACEHOLDER), tones.length ? `[\n${lines}\n${" ".repeat(JSON_INDENT)}]` : "[]")}\n`;
}
const TONES_PLACEHOLDER = "\u0000tones\u0000";

/** Generates a call: the WAV bytes and its truth. Throws DtmfOptionError for bad options. */
export function renderCall(spec: CallSpec): { wav: Uint8Array; truth: Truth } {
  const { header, chunks, truth } = streamCall(spec);
  return { wav: Buffer.concat([header, ...chunks()]), truth };
}

/** Samples a streamed block holds (per channel): 64 Ki frames, ≈ 8 s at 8 kHz. */
const BLOCK_FRAMES = 1 << 16;

/**
 * Generates a call a block at a time: the WAV header, then its data in blocks (the bytes of
 * renderCall's file, in order), and its truth. Memory is one block, whatever the length.
 * Throws DtmfOptionError for bad options, before any byte.
 */
export function streamCall(spec: CallSpec): { header: Uint8Array; chunks: () => Generator<Uint8Array>; truth: Truth } {
  const { encoding = "pcm16", channels = 1, keyChannels, sampleRate = 8000, ...options } = spec;
  if (!Number.isInteger(channels) || channels < 1 || channels > MAX_CHANNELS) {
    throw new DtmfOptionError("channels", `an integer from 1 to ${MAX_CHANNELS}`, channels);
  }
  const carrying = keyChannels ?? Array.from({ length: channels }, (_, c) => c);
  for (const c of carrying) {
    if (!Number.isInteger(c) || c < 0 || c >= channels) throw new DtmfOptionError("keyChannels", `channel numbers from 0 to ${channels - 1}`, c);
  }
  if (!ENCODING_NAMES.includes(encoding)) throw new DtmfOptionError("encoding", `one of ${ENCODING_NAMES.join(", ")}`, encoding);
  const audio = generateDtmfStream({ ...options, sampleRate }, BLOCK_FRAMES);
  const header = wavHeader(channels, sampleRate, encoding, audio.totalSamples);
  function* chunks(): Generator<Uint8Array> {
    for (const block of audio.blocks()) {
      const silence = new Float32Array(block.length);
      yield encodeFrames(Array.from({ length: channels }, (_, c) => (carrying.includes(c) ? block : silence)), encoding);
    }
  }
  const round = (ms: number) => Number(ms.toFixed(TRUTH_DECIMALS));
  const keys = audio.tones.map((t) => t.digit).join("");
  const { keys: _keys, ...generator } = options;
  return {
    header,
    chunks,
    truth: {
      keys, sampleRate, encoding, channels,
      durationMs: round((audio.totalSamples * 1000) / sampleRate),
      tones: [...new Set(carrying)].sort((a, b) => a - b).flatMap((channel) => audio.tones.map((t) => ({
        channel, digit: t.digit, start_ms: round(t.startMs), duration_ms: round(t.durationMs),
      }))),
      generator,
    },
  };
}

export const GENERATE_HELP = `usage: dtmf-wasm generate KEYS -o OUT.wav [options]

Writes a WAV file of DTMF tones: KEYS are 0-9, *, #, A-D (spaces and dashes are ignored,
so "555-0123" works). Levels follow the G.711 convention (0 dBm0 = a sine 3.17 dB below
16-bit full scale) and are per tone.

  -o, --output FILE      the WAV to write; - writes it to stdout (not to a terminal)
      --truth FILE       also write a JSON file giving each key's true onset and duration
      --tone MS          tone length, ms (default 100)
      --gap MS           silence between tones, ms (default 100)
      --lead MS          silence before the first tone, ms (default 100)
      --tail MS          silence after the last tone, ms (default 100)
      --level DBM0       level of the low-group tone, dBm0 (default -10)
      --twist DB         high-group level minus low-group level, dB (default 0)
      --freq-error PCT   frequency error of both tones, % of nominal (default 0)
      --low-error PCT    frequency error of the low-group tone, % (overrides --freq-error)
      --high-error PCT   frequency error of the high-group tone, % (overrides --freq-error)
      --snr DB           add white noise at this S/N (0-4 kHz, against both tones' power)
      --seed N           seed of the noise and tone phases (default 1)
      --rate HZ          sample rate (default 8000; 8000 to 192000)
      --encoding ENC     ${ENCODING_NAMES.join(", ")} (default pcm16)
      --channels N       channels (default 1)
      --key-channel K    the only channel (from 0) that carries the keys; the others are silent
  -q, --quiet            no message on stderr
  -h, --help             this help

examples:
  dtmf-wasm generate 5550123# -o call.wav
  dtmf-wasm generate 0123456789*#ABCD --tone 45 --gap 45 --level -25 --twist -6 -o hard.wav
  dtmf-wasm generate 1234 --snr 15 --encoding mulaw --truth call.json -o call.wav
  dtmf-wasm generate 42 -o - | dtmf-wasm analyze -
`;

const OPTIONS = {
  output: { type: "string", short: "o" },
  truth: { type: "string" },
  tone: { type: "string" },
  gap: { type: "string" },
  lead: { type: "string" },
  tail: { type: "string" },
  level: { type: "string" },
  twist: { type: "string" },
  "freq-error": { type: "string" },
  "low-error": { type: "string" },
  "high-error": { type: "string" },
  snr: { type: "string" },
  seed: { type: "string" },
  rate: { type: "string" },
  encoding: { type: "string" },
  channels: { type: "string" },
  "key-channel": { type: "string" },
  quiet: { type: "boolean", short: "q" },
  help: { type: "boolean", short: "h" },
} as const;

/** Generator options and the flags that set them (for error messages). */
const FLAGS: Readonly<Record<string, string>> = {
  toneMs: "--tone", gapMs: "--gap", leadMs: "--lead", tailMs: "--tail", levelDbm0: "--level", twistDb: "--twist",
  lowErrorPct: "--low-error", highErrorPct: "--high-error", snrDb: "--snr", seed: "--seed", sampleRate: "--rate",
  encoding: "--encoding", channels: "--channels", keyChannels: "--key-channel",
};

interface GenerateCommand {
  spec: CallSpec;
  output: string;
  truth?: string;
  quiet: boolean;
}

function parse(args: string[]): GenerateCommand | "help" {
  const { values: v, positionals } = parseCommandLine(args, OPTIONS);
  if (v.help) return "help";
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? "no KEYS given (e.g. 5550123#)" : `one KEYS argument expected; received ${positionals.length}: ${positionals.join(" ")}`);
  }
  const keys = positionals[0].replace(SEPARATORS, "").toUpperCase();
  const bad = [...keys].find((k) => !isDigit(k));
  if (keys.length === 0 || bad !== undefined) {
    throw new UsageError(`KEYS must be DTMF keys (0-9, *, #, A-D); ${bad === undefined ? "received none" : `${JSON.stringify(bad)} is not one`}`);
  }
  if (v.output === undefined) throw new UsageError("-o/--output is required (a WAV file name, or - for stdout)");
  const num = (flag: keyof typeof OPTIONS) => {
    const text = v[flag];
    return typeof text === "string" ? numberFlag(`--${flag}`, text, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY) : undefined;
  };
  const both = num("freq-error");
  const channels = num("channels");
  const keyChannel = num("key-channel");
  const spec: CallSpec = {
    keys, toneMs: num("tone"), gapMs: num("gap"), leadMs: num("lead"), tailMs: num("tail"),
    levelDbm0: num("level"), twistDb: num("twist"), lowErrorPct: num("low-error") ?? both, highErrorPct: num("high-error") ?? both,
    snrDb: num("snr"), seed: num("seed"), sampleRate: num("rate"),
    encoding: v.encoding === undefined ? undefined : choiceFlag("--encoding", v.encoding, ENCODING_NAMES),
    channels, keyChannels: keyChannel === undefined ? undefined : [keyChannel],
  };
  for (const key of Object.keys(spec) as (keyof CallSpec)[]) if (spec[key] === undefined) delete spec[key];
  return { spec, output: v.output, truth: v.truth, quiet: v.quiet ?? false };
}

export async function run(args: string[], io: CliIo): Promise<number> {
  let command: GenerateCommand | "help";
  let rendered: ReturnType<typeof streamCall>;
  try {
    command = parse(args);
    if (command === "help") {
      io.stdout(GENERATE_HELP);
      return 0;
    }
    if (command.output === "-" && io.stdoutIsTTY) throw new UsageError("-o -: stdout is a terminal; redirect it or give a file name");
    try {
      rendered = streamCall(command.spec);
    } catch (error) {
      throw flagError(error, FLAGS);
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`${NAME}: ${error.message}\n(\`${NAME} --help\` lists the options)\n`);
    return 2;
  }

  const { header, chunks, truth } = rendered;
  const cannotWrite = (file: string, error: unknown) => {
    io.stderr(`${NAME}: ${unreadable(file, error).message.replace("cannot read", "cannot write")}\n`);
    return 1;
  };
  try {
    // Streamed a block at a time (an hour of audio holds one block in memory), each write
    // awaited, so a slow pipe holds the generator back instead of filling memory.
    if (command.output === "-") {
      if (io.stdin === process.stdin) exitQuietlyOnBrokenPipe();
      const write = (bytes: Uint8Array) => new Promise<void>((done, fail) => process.stdout.write(bytes, (error) => (error ? fail(error) : done())));
      await write(header);
      for (const chunk of chunks()) await write(chunk);
    } else {
      const file = await open(resolve(io.cwd, command.output), "w");
      try {
        await file.write(header);
        for (const chunk of chunks()) await file.write(chunk);
      } finally {
        await file.close();
      }
    }
  } catch (error) {
    return cannotWrite(command.output, error);
  }
  if (command.truth !== undefined) {
    try {
      await writeFile(resolve(io.cwd, command.truth), formatTruth(truth));
    } catch (error) {
      return cannotWrite(command.truth, error);
    }
  }
  if (!command.quiet) {
    const where = command.output === "-" ? "stdout" : command.output;
    const layout = truth.channels === 1 ? "mono" : `${truth.channels} channels`;
    io.stderr(`${NAME}: wrote ${where}: ${truth.keys.length} keys, ${formatDuration(truth.durationMs)}, ${truth.encoding}, ${truth.sampleRate} Hz, ${layout}\n`);
  }
  return 0;
}
