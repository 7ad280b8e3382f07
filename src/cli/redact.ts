/**
 * `dtmf-wasm redact IN... -o OUT | --out-dir DIR`: the keys removed from recordings, each
 * written back in its own format (a WAV patched in place, MP3/Ogg/FLAC re-encoded) with an audit record beside it (JSON) and a summary line on
 * stderr. Files are redacted in parallel on worker threads (src/redact/pool.ts).
 *
 * Exit status: 0 every file redacted and verified, 1 some file could not be redacted or its
 * verification found a key (named in its audit), 2 usage error.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { basename, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { DEFAULT_TUNING } from "../options.js";
import { type RedactAudit, auditSummary } from "../redact/audit.js";
import { DEFAULT_METHOD, METHODS, type RedactMethod } from "../redact/methods.js";
import type { RedactOutcome, RedactTask } from "../redact/worker.js";
import { runRedactions } from "../redact/pool.js";
import { DEFAULT_NOTCH_FALLBACK, NOTCH_FALLBACKS, type NotchFallback } from "../redact/offline.js";
import { FRAGMENT_LEVEL_DBM0, GUARD_AFTER_MS, GUARD_BEFORE_MS, MAX_GUARD_MS } from "../redact/spans.js";
import { RAW_ENCODINGS, type RawEncoding, type RawOptions, rawEncodingOf } from "../wav/raw.js";
import { MAX_CHANNELS } from "../wav/riff.js";
import { INPUT_OPTIONS, TUNING_OPTIONS, tuningFlags } from "./analyze-args.js";
import { UsageError, choiceFlag, numberFlag, parseCommandLine } from "./args.js";
import type { CliIo } from "./io.js";

const NAME = "dtmf-wasm redact";
const MAX_JOBS = 256;
const MAX_RAW_RATE = 384_000;
const d = DEFAULT_TUNING;

export const REDACT_HELP = `usage: dtmf-wasm redact [options] IN -o OUT
       dtmf-wasm redact [options] IN... --out-dir DIR

Removes the DTMF key presses from recordings (card numbers, PINs: PCI DSS) and writes each
back in its own format, with an audit record (JSON) beside it:
  WAV and --raw   patched in place: header, other chunks and every sample outside the keys
                  byte-identical
  MP3, Ogg Vorbis, Ogg Opus, FLAC
                  decoded, redacted, encoded back by ffmpeg (apt-get install ffmpeg) at the
                  input's rate, channels, bit rate (FLAC: bit depth) and tags; FLAC's samples
                  outside the keys identical, a lossy codec's not (the audit says so)
  M4A, AIFF, WebM…  refused: convert to one of the above first
The output (decoded again, if re-encoded) is then analysed with a more sensitive detector;
any key left makes the exit status 1.

output:
  -o, --output FILE      the redacted copy (one input)
      --out-dir DIR      one redacted copy per input, same file name (and format), in DIR
      --audit FILE       the audit record (one input; default OUT.audit.json)
      --keep-digits      put the digits removed in the audit (default: never)
  -q, --quiet            no summary lines (errors still shown)

redaction:
  -m, --method METHOD    ${METHODS.join(", ")} (default ${DEFAULT_METHOD}):
                           notch    remove only the key's two tones, keep the speech under them
                           silence  digital silence
                           noise    comfort noise at the surrounding level (no DTMF frequencies in it)
                           tone     a 440 Hz masking tone at -20 dBm0 (or 10 dB under the key)
      --notch-fallback M ${NOTCH_FALLBACKS.join(", ")} (default ${DEFAULT_NOTCH_FALLBACK}), with --method notch:
                           a notched span where the most sensitive detector still finds a key
                           is redacted again with M; none keeps it (verification then fails)
      --guard-before MS  redact from this long before each onset (default ${GUARD_BEFORE_MS})
      --guard-after MS   … to this long after each end (default ${GUARD_AFTER_MS})
      --fragments        also redact any DTMF-like pair shorter than a key (a missed key's fragment)
      --fragment-level DBM0  … whose tones are both above this level (default ${FRAGMENT_LEVEL_DBM0})

input:
  -j, --jobs N           files redacted in parallel on worker threads (default ${availableParallelism()}, the cores)
      --raw              headerless samples (.ul, .al, .sln, .raw…); the output is headerless too
      --rate HZ          sample rate of raw input (default 8000)
      --encoding ENC     ${RAW_ENCODINGS.join(", ")} (default from the extension)
      --channels N       interleaved channels in raw input (default 1)

detector (how the keys are found; as for analyze):
      --keys KEYS --min-level DBM0 (default ${d.minLevelDbm0}) --normal-twist DB --reverse-twist DB
      --peak-ratio DB --purity DB --press-purity DB --freq-tolerance PCT --min-tone MS --min-gap MS

  -h, --help             this help

exit status: 0 every file redacted and verified, 1 some file failed or kept a key, 2 usage error.

examples:
  dtmf-wasm redact call.wav -o call.redacted.wav
  dtmf-wasm redact call.mp3 -o call.redacted.mp3
  dtmf-wasm redact --method notch --out-dir clean/ recordings/*.wav recordings/*.flac
  dtmf-wasm redact --raw --encoding mulaw call.ul -o clean.ul --fragments
`;

const OPTIONS = {
  output: { type: "string", short: "o" },
  "out-dir": { type: "string" },
  audit: { type: "string" },
  "keep-digits": { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
  method: { type: "string", short: "m" },
  "notch-fallback": { type: "string" },
  "guard-before": { type: "string" },
  "guard-after": { type: "string" },
  fragments: { type: "boolean" },
  "fragment-level": { type: "string" },
  ...INPUT_OPTIONS,
  ...TUNING_OPTIONS,
  help: { type: "boolean", short: "h" },
} as const;

interface Job extends RedactTask {
  auditPath: string;
}

function parse(args: string[], io: CliIo): { help: true } | { help: false; jobs: Job[]; threads: number; quiet: boolean } {
  const { values: v, positionals } = parseCommandLine(args, OPTIONS);
  if (v.help) return { help: true };
  if (positionals.length === 0) throw new UsageError("no input: give one or more files");
  if (positionals.includes("-")) throw new UsageError("redact reads files, not stdin (it reads each file twice); for live audio use the streams of dtmf-wasm/redact");
  if (v.output !== undefined && v["out-dir"] !== undefined) throw new UsageError("-o and --out-dir contradict each other: give one");
  if (v.output === undefined && v["out-dir"] === undefined) throw new UsageError("no output: give -o FILE (one input) or --out-dir DIR");
  if (v.output !== undefined && positionals.length > 1) throw new UsageError(`-o names one output but ${positionals.length} inputs were given: use --out-dir DIR`);
  if (v.audit !== undefined && positionals.length > 1) throw new UsageError("--audit names one file: with several inputs each audit goes beside its output");
  const method = v.method === undefined ? DEFAULT_METHOD : choiceFlag<RedactMethod>("--method", v.method, METHODS);
  const notchFallback = v["notch-fallback"] === undefined ? DEFAULT_NOTCH_FALLBACK : choiceFlag<NotchFallback>("--notch-fallback", v["notch-fallback"], NOTCH_FALLBACKS);
  if (v["notch-fallback"] !== undefined && method !== "notch") throw new UsageError("--notch-fallback is what --method notch falls back to: give --method notch too");
  const guardBeforeMs = v["guard-before"] === undefined ? GUARD_BEFORE_MS : numberFlag("--guard-before", v["guard-before"], 0, MAX_GUARD_MS);
  const guardAfterMs = v["guard-after"] === undefined ? GUARD_AFTER_MS : numberFlag("--guard-after", v["guard-after"], 0, MAX_GUARD_MS);
  const fragmentLevelDbm0 = v["fragment-level"] === undefined ? FRAGMENT_LEVEL_DBM0 : numberFlag("--fragment-level", v["fragment-level"], -70, 0);
  if (v["fragment-level"] !== undefined && !v.fragments) throw new UsageError("--fragment-level sets the level of --fragments: give --fragments too");
  const threads = v.jobs === undefined ? availableParallelism() : numberFlag("--jobs", v.jobs, 1, MAX_JOBS, true);
  if (!v.raw) for (const flag of ["rate", "encoding", "channels"] as const) if (v[flag] !== undefined) throw new UsageError(`--${flag} describes headerless input: use it with --raw`);
  const rate = v.rate === undefined ? 8000 : numberFlag("--rate", v.rate, 1, MAX_RAW_RATE, true);
  const channels = v.channels === undefined ? 1 : numberFlag("--channels", v.channels, 1, MAX_CHANNELS, true);
  const encoding = v.encoding === undefined ? undefined : choiceFlag<RawEncoding>("--encoding", v.encoding, RAW_ENCODINGS);
  const tuning = tuningFlags(v as Partial<Record<string, string | boolean>>);
  const seen = new Map<string, string>();
  const jobs = positionals.map((file, index): Job => {
    let raw: RawOptions | undefined;
    if (v.raw) {
      const implied = encoding ?? rawEncodingOf(file);
      if (!implied) throw new UsageError(`--raw: give --encoding (${RAW_ENCODINGS.join(", ")}) for ${file}; its name does not tell`);
      raw = { sampleRate: rate, encoding: implied, channels };
    }
    const outputName = v.output ?? join(v["out-dir"] as string, basename(file));
    const output = resolve(io.cwd, outputName);
    const other = seen.get(output);
    if (other !== undefined) throw new UsageError(`${other} and ${file} would both be written to ${outputName}`);
    seen.set(output, file);
    const auditName = v.audit ?? `${outputName}.audit.json`;
    return {
      index, input: resolve(io.cwd, file), output, auditPath: resolve(io.cwd, auditName),
      options: { method, ...(method === "notch" ? { notchFallback } : {}), guardBeforeMs, guardAfterMs, fragments: v.fragments ?? false, fragmentLevelDbm0, tuning, keepDigits: v["keep-digits"] ?? false, raw, inputName: file, outputName },
    };
  });
  return { help: false, jobs, threads, quiet: v.quiet ?? false };
}

export async function run(args: string[], io: CliIo): Promise<number> {
  let command: ReturnType<typeof parse>;
  try {
    command = parse(args, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`${NAME}: ${error.message}\n(\`${NAME} --help\` lists the options)\n`);
    return 2;
  }
  if (command.help) {
    io.stdout(REDACT_HELP);
    return 0;
  }
  const started = performance.now();
  const { jobs, quiet } = command;
  const dirs = new Set(jobs.map((j) => resolve(j.output, "..")));
  for (const dir of dirs) {
    try {
      await mkdir(dir, { recursive: true });
    } catch (error) {
      io.stderr(`${NAME}: ${dir}: cannot create the output directory: ${(error as Error).message}\n`);
      return 1;
    }
  }
  const outcomes: (RedactOutcome | undefined)[] = new Array(jobs.length);
  let printed = 0;
  let failed = 0, spans = 0, audioMs = 0;
  const writes: Promise<void>[] = [];
  const report = (outcome: RedactOutcome) => {
    const job = jobs[outcome.index];
    if ("error" in outcome) {
      failed++;
      io.stderr(`${NAME}: ${outcome.error.message}\n`);
      return;
    }
    const audit: RedactAudit = outcome.audit;
    spans += audit.spans.length;
    audioMs += audit.audio_ms;
    if (!audit.verification.passed) failed++;
    for (const warning of audit.warnings) io.stderr(`${NAME}: warning: ${warning}\n`);
    if (!quiet || !audit.verification.passed) io.stderr(`${NAME}: ${auditSummary(audit)}\n`);
    writes.push(writeFile(job.auditPath, `${JSON.stringify(audit, null, 2)}\n`).catch((error: unknown) => {
      failed++;
      io.stderr(`${NAME}: ${job.auditPath}: cannot write the audit: ${(error as Error).message}\n`);
    }));
  };
  await runRedactions(jobs, command.threads, (outcome) => {
    outcomes[outcome.index] = outcome;
    while (printed < jobs.length && outcomes[printed] !== undefined) report(outcomes[printed++] as RedactOutcome);
  });
  await Promise.all(writes);
  const seconds = (performance.now() - started) / 1000;
  if (!quiet) {
    const speed = seconds > 0 ? `, ${Math.round(audioMs / 1000 / seconds).toLocaleString("en-US")}× real time` : "";
    io.stderr(`${NAME}: ${jobs.length} file${jobs.length === 1 ? "" : "s"}${failed ? ` (${failed} failed)` : ""}, ${spans} span${spans === 1 ? "" : "s"} redacted${speed}\n`);
  }
  return failed > 0 ? 1 : 0;
}
