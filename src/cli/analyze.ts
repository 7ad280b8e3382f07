/**
 * `dtmf-wasm analyze FILE... | -`: the key presses in recordings. Inputs are analysed in
 * parallel (pool.ts), their records printed in input order as soon as that order allows
 * (ordered.ts) in the chosen format (formats.ts); errors and warnings go to stderr as one line
 * per file, a summary and, for long runs on a terminal, a progress bar too.
 */
import { performance } from "node:perf_hooks";
import { ANALYZE_HELP, type AnalyzeCommand, parseAnalyzeArgs } from "./analyze-args.js";
import { UsageError } from "./args.js";
import { exitQuietlyOnBrokenPipe } from "./epipe.js";
import { createOutput } from "./formats.js";
import type { CliIo } from "./io.js";
import { InputOrder } from "./ordered.js";
import { runAnalyses } from "./pool.js";
import { PROGRESS_DELAY_MS, ProgressDisplay } from "./progress.js";
import type { FileReport } from "./records.js";
import { formatSummary, totals } from "./summary.js";

const NAME = "dtmf-wasm analyze";
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export async function run(args: string[], io: CliIo): Promise<number> {
  let command: AnalyzeCommand;
  try {
    command = parseAnalyzeArgs(args, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`${NAME}: ${error.message}\n(\`${NAME} --help\` lists the options)\n`);
    return EXIT_USAGE;
  }
  if (command.help) {
    io.stdout(ANALYZE_HELP);
    return EXIT_OK;
  }
  if (io.stdin === process.stdin) exitQuietlyOnBrokenPipe();
  return analyze(command, io);
}

async function analyze(command: AnalyzeCommand, io: CliIo): Promise<number> {
  const started = performance.now();
  // Live audio on stdin has no length to show progress against: no bar unless asked for.
  const onlyStdin = command.inputs.every((i) => i.path === undefined);
  const progress = new ProgressDisplay(io, {
    enabled: io.stderrIsTTY && !command.quiet && (command.progress === "always" || (command.progress === "auto" && !onlyStdin)),
    delayMs: command.progress === "always" ? 0 : PROGRESS_DELAY_MS,
    names: command.inputs.map((i) => i.file),
  });
  // A bar redrawn on the terminal that stdout also writes to would be torn apart by the
  // records: while a bar is shown and stdout is that terminal, stdout waits for the bar to go.
  const held: string[] = [];
  const write = (text: string) => {
    if (io.stdoutIsTTY && progress.visible) held.push(text);
    else io.stdout(text);
  };
  const stderr = (text: string) => (progress.visible ? progress.log(text) : io.stderr(text));

  const output = createOutput({
    format: command.format, digitsOnly: command.digitsOnly, names: command.names, formatGiven: command.formatGiven,
    inputs: command.inputs.length, write,
  });
  const reports: FileReport[] = [];
  const order = new InputOrder({
    records: (records) => output.records(records),
    fileDone: (report) => {
      reports.push(report);
      for (const warning of report.warnings) stderr(`${NAME}: warning: ${warning}\n`);
      if (report.error) stderr(`${NAME}: ${report.error.message}\n${report.error.stack ? `${report.error.stack}\n` : ""}`);
      output.fileDone(report);
    },
  });

  progress.start();
  try {
    await runAnalyses(command.inputs, {
      jobs: command.jobs,
      autoJobs: command.autoJobs,
      settings: { tuning: command.tuning, debug: command.debug, records: !command.digitsOnly },
      stdin: io.stdin,
    }, {
      records: (index, records) => order.records(index, records),
      progress: (index, p) => progress.update(index, p),
      done: (report) => {
        progress.done(report.index);
        order.done(report);
      },
    });
  } finally {
    progress.stop();
  }
  output.end();
  if (held.length) io.stdout(held.join(""));

  const t = totals(reports);
  const detail = reports.length === 1 ? reports[0].format : undefined;
  if (!command.quiet) io.stderr(`${NAME}: ${formatSummary(t, performance.now() - started, detail)}\n`);
  return t.failed > 0 ? EXIT_FAILED : EXIT_OK;
}
