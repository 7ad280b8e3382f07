/**
 * `dtmf-wasm collect FILE.wav …`: runs a play_and_get_digits collection over a recording, as
 * a voice platform would have on the live call, and prints the `digits.collected` payload
 * (seed 001); with --events, the `dtmf` payload of every key press too, one per line, in causal
 * order: the keys up to the collection's end, its result, then the keys pressed after it.
 * The first prompt starts at 0 ms and the end of the file is the end of the call (hang-up).
 * Exit codes: 0 when the payload was printed (whatever its status), 1 when the file cannot
 * be read, 2 on a usage error.
 */
import { parseArgs } from "node:util";
import { AudioReader, type AudioSource } from "../wav/reader.js";
import { RAW_ENCODINGS, type RawEncoding, type RawOptions, rawEncodingOf } from "../wav/raw.js";
import { MAX_CHANNELS } from "../wav/riff.js";
import { DEFAULT_RAW_RATE, MAX_RAW_RATE } from "./analyze-args.js";
import { choiceFlag, numberFlag, UsageError as FlagError } from "./args.js";
import { suggestFlag } from "../did-you-mean.js";
import { faultMessage } from "../wav/errors.js";
import { type CollectorOptions, DigitCollector } from "../collector.js";
import { createDetector } from "../engine.js";
import { DtmfOptionError, describe } from "../errors.js";
import type { DtmfEvent } from "../events.js";
import type { Encoding } from "../options.js";
import { buildDigitsCollectedPayload } from "../payloads/digits-collected.js";
import { buildDtmfPayload } from "../payloads/dtmf.js";
import type { CliIo } from "./io.js";

const HELP = `usage: dtmf-wasm collect FILE --min-digits N --max-digits N --session-uuid ID --command-uid ID [options]

Collects digits from a recording as a play_and_get_digits command would on the call: the first
prompt starts at 0 ms, the end of the file is the end of the call. Prints the digits.collected
payload as the last line of stdout. FILE is a WAV, MP3, Ogg, FLAC (others through ffmpeg),
headerless audio with --raw, or - for standard input.

  --min-digits N            fewest digits of a valid input, 1-64 (required)
  --max-digits N            most digits; reaching it ends the attempt, 1-64 (required)
  --max-attempts N          attempts, 1-10 (default 1)
  --timeout MS              from the end of the prompt to the first digit, 1000-10000 (default 5000)
  --inter-digit-timeout MS  between digits, 1000-10000 (default: --timeout)
  --terminators KEYS        keys that end the input, from 0-9 A-D * # (default "#", may be "")
  --regex RE                the digits must match it whole (default "[0-9]*")
  --prompt-ms MS            prompt length at the start of each attempt (default 0)
  --session-uuid ID         session_uuid of the payloads (required)
  --command-uid ID          command_uid of digits.collected (required)
  --events                  also print the dtmf payload of each key press first, one per line
  --raw                     FILE is headerless samples (.ul, .al, .sln, .raw…)
  --rate HZ                 sample rate of raw input (default 8000)
  --encoding ENC            sample encoding of raw input: ${RAW_ENCODINGS.join(", ")}
                            (default: implied by the extension)
  --channels N              interleaved channels in raw input (default 1; the first is the call)
  -h, --help                show this help
`;

const OPTIONS = {
  "min-digits": { type: "string" },
  "max-digits": { type: "string" },
  "max-attempts": { type: "string" },
  "timeout": { type: "string" },
  "inter-digit-timeout": { type: "string" },
  "terminators": { type: "string" },
  "regex": { type: "string" },
  "prompt-ms": { type: "string" },
  "session-uuid": { type: "string" },
  "command-uid": { type: "string" },
  "events": { type: "boolean" },
  "raw": { type: "boolean" },
  "rate": { type: "string" },
  "encoding": { type: "string" },
  "channels": { type: "string" },
  "help": { type: "boolean", short: "h" },
} as const;

/** Numeric flags: collector option, and whether the value must be an integer. */
const NUMERIC: Record<string, { option: keyof CollectorOptions; integer: boolean }> = {
  "min-digits": { option: "minDigits", integer: true },
  "max-digits": { option: "maxDigits", integer: true },
  "max-attempts": { option: "maxAttempts", integer: true },
  "timeout": { option: "timeout", integer: false },
  "inter-digit-timeout": { option: "interDigitTimeout", integer: false },
  "prompt-ms": { option: "promptMs", integer: false },
};
const REQUIRED = ["min-digits", "max-digits", "session-uuid", "command-uid"] as const;
const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
/** Chunk fed to the detector at a time: 20 ms, a typical RTP packet. */
const CHUNK_MS = 20;
const MS_PER_SECOND = 1000;

/** Bytes of one sample of each encoding, when the detector is given bytes. */
const BYTES_PER_SAMPLE: Readonly<Record<Encoding, number>> = { pcm16: 2, float32: 4, mulaw: 1, alaw: 1 };

class UsageError extends Error {}

/**
 * `--timeout -5` → `--timeout=-5`: parseArgs takes a value starting with "-" for an option
 * and refuses it with its own wording; joined, the value reaches the range check, whose
 * message names the option and its range.
 */
function joinNegativeValues(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const flag = args[i].startsWith("--") ? args[i].slice(2) : undefined;
    const next = args[i + 1];
    if (flag !== undefined && flag in NUMERIC && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`${args[i]}=${next}`);
      i++;
    } else out.push(args[i]);
  }
  return out;
}

/** An error's message, prefixed with the file unless it already names it. */
function namingFile(file: string, error: unknown): string {
  const message = faultMessage(error);
  return message.startsWith(`${file}:`) ? message : `${file}: ${message}`;
}

function flagOf(option: string): string {
  if (option === "terminators" || option === "regex") return `--${option}`;
  const entry = Object.entries(NUMERIC).find(([, n]) => n.option === option);
  return entry ? `--${entry[0]}` : option;
}

function collectorOptions(values: Record<string, string | boolean | undefined>, sampleRate: number): CollectorOptions {
  const options: Record<string, unknown> = { sampleRate };
  for (const [flag, { option, integer }] of Object.entries(NUMERIC)) {
    const text = values[flag];
    if (typeof text !== "string") continue;
    if (!(integer ? INTEGER : DECIMAL).test(text.trim())) {
      throw new UsageError(`--${flag} must be ${integer ? "an integer" : "a number of ms"}; received ${describe(text)}`);
    }
    options[option] = Number(text);
  }
  if (values.terminators !== undefined) options.terminators = values.terminators;
  if (values.regex !== undefined) options.regex = values.regex;
  try {
    new DigitCollector(options as unknown as CollectorOptions);
  } catch (error) {
    if (error instanceof DtmfOptionError) {
      throw new UsageError(`${flagOf(error.option)} must be ${error.allowed}; received ${describe(error.received)}`);
    }
    throw error;
  }
  return options as unknown as CollectorOptions;
}

/** --raw and its description flags, as `analyze` takes them; undefined without --raw. */
function rawOptions(values: Record<string, string | boolean | undefined>, file: string): RawOptions | undefined {
  if (!values.raw) {
    for (const flag of ["rate", "encoding", "channels"] as const) {
      if (values[flag] !== undefined) throw new FlagError(`--${flag} describes headerless input: use it with --raw`);
    }
    return undefined;
  }
  const sampleRate = values.rate === undefined ? DEFAULT_RAW_RATE : numberFlag("--rate", values.rate as string, 1, MAX_RAW_RATE, true);
  const channels = values.channels === undefined ? 1 : numberFlag("--channels", values.channels as string, 1, MAX_CHANNELS, true);
  const encoding = values.encoding === undefined ? (file === "-" ? undefined : rawEncodingOf(file)) : choiceFlag<RawEncoding>("--encoding", values.encoding as string, RAW_ENCODINGS);
  if (!encoding) throw new FlagError(`--raw: give --encoding (${RAW_ENCODINGS.join(", ")}) for ${file}; its name does not tell`);
  return { sampleRate, encoding, channels };
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const usage = (message: string) => { io.stderr(`dtmf-wasm collect: ${message} (see --help)\n`); return 2; };
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: joinNegativeValues(args), allowPositionals: true, strict: true, options: OPTIONS }));
  } catch (error) {
    return usage(suggestFlag((error as Error).message.split("\n")[0]!.replace(/\. To specify .*$/, ""), Object.keys(OPTIONS)));
  }
  if (values.help) { io.stdout(HELP); return 0; }
  if (positionals.length !== 1) return usage(`expected one FILE (or - for standard input); received ${positionals.length} file arguments`);
  const missing = REQUIRED.filter((flag) => values[flag] === undefined);
  if (missing.length > 0) return usage(`missing ${missing.map((f) => `--${f}`).join(", ")}`);
  for (const flag of ["session-uuid", "command-uid"] as const) {
    if (values[flag] === "") return usage(`--${flag} must be a non-empty string`);
  }
  const ids = { sessionUuid: values["session-uuid"] as string, commandUid: values["command-uid"] as string };
  try {
    collectorOptions(values, 8000); // usage errors before touching the file
  } catch (error) {
    if (error instanceof UsageError) return usage(error.message);
    throw error;
  }

  const file = positionals[0];
  let raw: RawOptions | undefined;
  try {
    raw = rawOptions(values, file);
  } catch (error) {
    if (error instanceof FlagError) return usage(error.message);
    throw error;
  }
  const source: AudioSource = file === "-" ? { stream: io.stdin as AsyncIterable<Uint8Array>, name: "-" } : { path: file };
  let reader: AudioReader;
  let detector;
  try {
    reader = await AudioReader.open(source, { raw });
    detector = await createDetector({ sampleRate: reader.sampleRate, encoding: reader.encoding });
  } catch (error) {
    io.stderr(`dtmf-wasm collect: ${namingFile(file, error)}\n`);
    return 1;
  }
  const collector = new DigitCollector(collectorOptions(values, reader.sampleRate));
  const presses: DtmfEvent[] = [];
  // The file streams through in blocks; the detector and the collector see 20 ms chunks, as a
  // live call would deliver them (the result does not depend on it: both run on media time).
  // Chunks are cut in whole samples: a mono 16-bit or float file reaches the detector as its
  // own bytes (2 or 4 per sample), so the cut is in bytes of whole samples, never inside one.
  const chunkSamples = Math.max(1, Math.round((reader.sampleRate * CHUNK_MS) / MS_PER_SECOND));
  const bytesPerSample = BYTES_PER_SAMPLE[reader.encoding];
  try {
    for await (const block of reader.blocks()) {
      const samples = block.channels[0]; // the first channel is the call
      const chunk = samples instanceof Uint8Array ? chunkSamples * bytesPerSample : chunkSamples;
      for (let at = 0; at < samples.length; at += chunk) {
        const events = detector.process(samples.subarray(at, at + chunk));
        for (const e of events) if (e.type === "dtmf") presses.push(e);
        collector.feed(events);
        collector.advance(detector.positionSamples);
      }
    }
    for (const warning of reader.warnings) io.stderr(`dtmf-wasm collect: warning: ${warning.message}\n`);
    const end = detector.positionSamples; // flush() restarts media time: read it first
    const last = detector.flush();
    for (const e of last) if (e.type === "dtmf") presses.push(e);
    collector.feed(last);
    const result = collector.end(end);
    // Seed 001's dtmf fires on every key press: those up to the collection's end, its result,
    // then the keys pressed after it (causal order).
    const before = values.events ? presses.filter((p) => p.startSample <= result.endSample) : [];
    const after = values.events ? presses.filter((p) => p.startSample > result.endSample) : [];
    for (const press of before) io.stdout(`${JSON.stringify(buildDtmfPayload(press, ids))}\n`);
    io.stdout(`${JSON.stringify(buildDigitsCollectedPayload(result, ids))}\n`);
    for (const press of after) io.stdout(`${JSON.stringify(buildDtmfPayload(press, ids))}\n`);
  } catch (error) {
    io.stderr(`dtmf-wasm collect: ${namingFile(file, error)}\n`);
    return 1;
  } finally {
    detector.close();
  }
  return 0;
}
