/** The command line of `dtmf-wasm analyze`: flags, defaults, checks and help text. */
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { DEFAULT_TUNING, type DetectorTuning, resolveTuning } from "../options.js";
import { RAW_ENCODINGS, type RawEncoding, type RawOptions, rawEncodingOf } from "../wav/raw.js";
import { MAX_CHANNELS } from "../wav/riff.js";
import { UsageError, choiceFlag, flagError, numberFlag, parseCommandLine } from "./args.js";
import { FORMATS, type OutputFormat } from "./formats.js";
import type { CliIo } from "./io.js";
import type { RunInput } from "./pool.js";

/** Upper bound of --jobs (threads). */
const MAX_JOBS = 256;
/** Upper bound of --rate for raw input, Hz (decimated to ≤ 48 kHz). */
export const MAX_RAW_RATE = 384_000;
/** Sample rate of raw input when --rate is not given: telephony's, Hz. */
export const DEFAULT_RAW_RATE = 8000;

/** Detector tuning options and the flags that set them. */
export const TUNING_FLAGS = {
  keys: "--keys",
  minLevelDbm0: "--min-level",
  normalTwistDb: "--normal-twist",
  reverseTwistDb: "--reverse-twist",
  peakRatioDb: "--peak-ratio",
  purityDb: "--purity",
  pressPurityDb: "--press-purity",
  frequencyTolerancePct: "--freq-tolerance",
  minToneMs: "--min-tone",
  gapMs: "--min-gap",
} as const satisfies Record<Exclude<keyof DetectorTuning, "dialToneFilter">, string>;

const d = DEFAULT_TUNING;
export const ANALYZE_HELP = `usage: dtmf-wasm analyze [options] FILE...
       dtmf-wasm analyze [options] -            (read stdin)

Finds the DTMF key presses in WAV files (8/16/24/32-bit PCM, 32/64-bit float, μ-law, A-law,
WAVE_FORMAT_EXTENSIBLE, RIFX, RF64; any number of channels; 8-48 kHz, and rates up to
768 kHz, which are brought down to that range) or in headerless audio (--raw).
Files are streamed: memory use does not grow with their length.

Prints one record per key press: file, channel (from 0), digit, start_ms, duration_ms,
low_dbm0, high_dbm0, twist_db (times from the start of the file; levels per tone).

output:
  -f, --format FORMAT    table, ndjson, json or csv (default: table on a terminal, else ndjson)
  -d, --digits-only      print the digits found per file (and channel) instead of the records;
                         plain lines, or records {file, channel, digits} if --format is given
      --names            with -d: FILE<TAB>CHANNEL<TAB>DIGITS lines even for one mono file
                         (the same shape whatever the number of inputs)
  -q, --quiet            no summary and no progress bar (errors and warnings are still shown)
      --progress         show the progress bar at once (default: once the run has taken 1 s;
                         never when stderr is not a terminal)
      --no-progress      never show the progress bar
      --debug            add stack traces to error messages

input:
  -j, --jobs N           files analysed in parallel on worker threads (default: one thread per
                         32 MiB of input, at most ${availableParallelism()}, the number of cores)
      --raw              the files are headerless samples (.ul, .al, .sln, .raw…)
      --rate HZ          sample rate of raw input (default ${DEFAULT_RAW_RATE})
      --encoding ENC     sample encoding of raw input: ${RAW_ENCODINGS.join(", ")}
                         (default from the extension: .ul/.ulaw/.pcmu mulaw, .al/.alaw/.pcma alaw,
                         .sln/.s16 s16le, .f32 f32le)
      --channels N       interleaved channels in raw input (default 1)

detector:
      --keys KEYS        keys that may be reported (default ${d.keys}; e.g. 0123456789*#)
      --min-level DBM0   minimum level of each tone, dBm0 (default ${d.minLevelDbm0})
      --normal-twist DB  how far the high tone may be below the low one, dB (default ${d.normalTwistDb})
      --reverse-twist DB how far the high tone may be above the low one, dB (default ${d.reverseTwistDb})
      --peak-ratio DB    how far other frequencies of a group must be below its tone, dB (default ${d.peakRatioDb})
      --purity DB        share of the power the two tones must hold, dB (default ${d.purityDb})
      --press-purity DB  the same over the whole tone, before a key is confirmed, dB (default ${d.pressPurityDb})
      --freq-tolerance PCT  largest frequency error accepted, % (default ${d.frequencyTolerancePct})
      --min-tone MS      tone length that confirms a key press, ms (default ${d.minToneMs})
      --min-gap MS       silence that ends a key press, ms (default ${d.gapMs})
      --dial-tone-filter always notch out 350 + 440 Hz before detection (default: only while a dial tone is on)

  -h, --help             this help

exit status: 0 every file analysed, 1 some file could not be, 2 usage error.

examples:
  dtmf-wasm analyze call.wav
  dtmf-wasm analyze --format csv recordings/*.wav > keys.csv
  dtmf-wasm analyze -d voicemail.wav
  dtmf-wasm analyze --raw --rate 8000 --encoding mulaw call.ul
  sox call.mp3 -t wav - | dtmf-wasm analyze -
`;

/** The input flags (parseArgs specs), shared by every command that reads audio files. */
export const INPUT_OPTIONS = {
  jobs: { type: "string", short: "j" },
  raw: { type: "boolean" },
  rate: { type: "string" },
  encoding: { type: "string" },
  channels: { type: "string" },
} as const;

/** The detector flags (parseArgs specs): TUNING_FLAGS and --dial-tone-filter (see tuningFlags). */
export const TUNING_OPTIONS = {
  ...(Object.fromEntries(Object.values(TUNING_FLAGS).map((flag) => [flag.slice(2), { type: "string" }])) as Record<(typeof TUNING_FLAGS)[keyof typeof TUNING_FLAGS] extends `--${infer N}` ? N : never, { type: "string" }>),
  "dial-tone-filter": { type: "boolean" },
} as const;

const OPTIONS = {
  format: { type: "string", short: "f" },
  "digits-only": { type: "boolean", short: "d" },
  names: { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
  progress: { type: "boolean" },
  "no-progress": { type: "boolean" },
  debug: { type: "boolean" },
  ...INPUT_OPTIONS,
  ...TUNING_OPTIONS,
  help: { type: "boolean", short: "h" },
} as const;

export type ProgressMode = "auto" | "always" | "never";

export interface AnalyzeCommand {
  help: boolean;
  inputs: RunInput[];
  format: OutputFormat;
  /** --format was given explicitly. */
  formatGiven: boolean;
  digitsOnly: boolean;
  /** --names: -d prints FILE, CHANNEL and DIGITS even for one mono input. */
  names: boolean;
  quiet: boolean;
  debug: boolean;
  progress: ProgressMode;
  jobs: number;
  /** --jobs was not given: the number of cores is a ceiling, the input size decides. */
  autoJobs: boolean;
  tuning: DetectorTuning;
}

/** Parses and checks the command line; throws UsageError. */
export function parseAnalyzeArgs(args: string[], io: CliIo): AnalyzeCommand {
  const { values: v, positionals } = parseCommandLine(args, OPTIONS);
  const format = v.format === undefined ? (io.stdoutIsTTY ? "table" : "ndjson") : choiceFlag("--format", v.format, FORMATS);
  const command: AnalyzeCommand = {
    help: v.help ?? false,
    inputs: [],
    format,
    formatGiven: v.format !== undefined,
    digitsOnly: v["digits-only"] ?? false,
    names: v.names ?? false,
    quiet: v.quiet ?? false,
    debug: v.debug ?? false,
    progress: v["no-progress"] ? "never" : v.progress ? "always" : "auto",
    jobs: v.jobs === undefined ? availableParallelism() : numberFlag("--jobs", v.jobs, 1, MAX_JOBS, true),
    autoJobs: v.jobs === undefined,
    tuning: {},
  };
  if (command.help) return command;
  if (v.progress && v["no-progress"]) throw new UsageError("--progress and --no-progress contradict each other");

  command.tuning = tuningFlags(v);
  if (positionals.length === 0) throw new UsageError("no input: give one or more files, or - for stdin");
  if (positionals.filter((p) => p === "-").length > 1) throw new UsageError("- (stdin) can be given only once");

  if (!v.raw) {
    for (const flag of ["rate", "encoding", "channels"] as const) {
      if (v[flag] !== undefined) throw new UsageError(`--${flag} describes headerless input: use it with --raw`);
    }
  }
  const rate = v.rate === undefined ? DEFAULT_RAW_RATE : numberFlag("--rate", v.rate, 1, MAX_RAW_RATE, true);
  const channels = v.channels === undefined ? 1 : numberFlag("--channels", v.channels, 1, MAX_CHANNELS, true);
  const encoding = v.encoding === undefined ? undefined : choiceFlag<RawEncoding>("--encoding", v.encoding, RAW_ENCODINGS);

  command.inputs = positionals.map((file, index) => {
    let raw: RawOptions | undefined;
    if (v.raw) {
      const implied = encoding ?? (file === "-" ? undefined : rawEncodingOf(file));
      if (!implied) throw new UsageError(`--raw: give --encoding (${RAW_ENCODINGS.join(", ")}) for ${file}; its name does not tell`);
      raw = { sampleRate: rate, encoding: implied, channels };
    }
    return { index, file, raw, path: file === "-" ? undefined : resolve(io.cwd, file) };
  });
  return command;
}

/** The detector options given as flags, checked by the library's own rules. */
export function tuningFlags(v: Partial<Record<string, string | boolean>>): DetectorTuning {
  const tuning: Record<string, number | string | boolean> = {};
  if (v["dial-tone-filter"] === true) tuning.dialToneFilter = true;
  for (const [option, flag] of Object.entries(TUNING_FLAGS)) {
    const text = v[flag.slice(2)];
    if (typeof text !== "string") continue;
    tuning[option] = option === "keys" ? text : numberFlag(flag, text, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
  }
  try {
    resolveTuning(tuning as DetectorTuning);
  } catch (error) {
    throw flagError(error, TUNING_FLAGS);
  }
  return tuning as DetectorTuning;
}
