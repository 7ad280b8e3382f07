/**
 * Progress on stderr for long runs (cli-progress draws the bars): an overall bar when several
 * inputs are analysed, one bar per input in progress. Only ever on a terminal, never when
 * stderr is piped or with --quiet, and only once the work has taken `delayMs` (so quick runs
 * stay free of flicker). Cleared when the run ends.
 */
import { performance } from "node:perf_hooks";
import cliProgress from "cli-progress";

/** The control sequence that turns a terminal's line wrapping back on (DECAWM set). */
const LINE_WRAP_ON = "\u001b[?7h";
import type { CliIo } from "./io.js";
import type { FileProgress } from "./records.js";
import { formatDuration } from "./summary.js";

/** Wait before showing progress: runs shorter than this never show a bar, ms. */
export const PROGRESS_DELAY_MS = 1000;
/** Redraws a second. */
const FPS = 10;
const BAR_CHARS = 30;
/** Width of the name column, characters. */
const NAME_WIDTH = 24;
/** Below this share of the work done, an ETA would be a guess. */
const ETA_MIN_FRACTION = 0.02;
/** Terminal width when stderr does not tell. */
const DEFAULT_COLUMNS = 80;

export interface ProgressOptions {
  /** Bars may be shown at all (stderr is a terminal, no --quiet/--no-progress). */
  enabled: boolean;
  /** Show once the run has taken this long (0: from the start), ms. */
  delayMs: number;
  /** The inputs' names, in command-line order. */
  names: readonly string[];
}

interface Active {
  fraction: number;
  audioMs: number;
  bar?: cliProgress.SingleBar;
}

export class ProgressDisplay {
  private multibar?: cliProgress.MultiBar;
  private overall?: cliProgress.SingleBar;
  private timer?: ReturnType<typeof setTimeout>;
  private readonly active = new Map<number, Active>();
  private finished = 0;
  private stopped = false;
  private startedAt = 0;

  constructor(private readonly io: CliIo, private readonly options: ProgressOptions) {}

  /** Starts the clock; the bars appear after the delay if the run is still going. */
  start(): void {
    this.startedAt = performance.now();
    if (!this.options.enabled) return;
    if (this.options.delayMs <= 0) this.show();
    else {
      this.timer = setTimeout(() => this.show(), this.options.delayMs);
      this.timer.unref?.();
    }
  }

  /** Whether bars are on screen now. */
  get visible(): boolean { return this.multibar !== undefined; }

  update(index: number, progress: FileProgress): void {
    const entry = this.active.get(index) ?? { fraction: 0, audioMs: 0 };
    entry.fraction = progress.totalBytes ? Math.min(1, progress.bytes / progress.totalBytes) : 0;
    entry.audioMs = progress.audioMs;
    if (!this.active.has(index)) {
      this.active.set(index, entry);
      if (this.multibar) {
        entry.bar = this.fileBar(index);
        this.multibar.update();
      }
    }
    entry.bar?.update(entry.fraction, { audio: formatDuration(entry.audioMs) });
    this.updateOverall();
  }

  done(index: number): void {
    const entry = this.active.get(index);
    if (entry?.bar && this.multibar) this.multibar.remove(entry.bar);
    this.active.delete(index);
    this.finished++;
    this.updateOverall();
  }

  /** Prints a line (ending in a newline) above the bars. */
  log(text: string): void {
    if (!this.multibar) {
      this.io.stderr(text);
      return;
    }
    this.multibar.log(text);
    this.multibar.update();
  }

  /** Clears the bars and stops the clock. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.multibar?.stop();
    this.multibar = undefined;
    this.releaseTerminal?.();
  }

  /** Undoes installTerminalRestore(): the signal handlers go once the bars are stopped. */
  private releaseTerminal?: () => void;

  /**
   * The bars turn the terminal's line wrapping off (ESC[?7l) while they draw; a run stopped by
   * Ctrl-C or a kill would leave it off. On SIGINT/SIGTERM (and at exit) wrapping is turned
   * back on (ESC[?7h) before the process ends as the signal would have ended it.
   */
  private installTerminalRestore(): void {
    if (this.releaseTerminal) return;
    const restore = () => { this.io.stderr(LINE_WRAP_ON); };
    const onSignal = (signal: NodeJS.Signals) => {
      restore();
      this.releaseTerminal?.();
      process.kill(process.pid, signal);
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    process.once("exit", restore);
    this.releaseTerminal = () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      process.off("exit", restore);
      this.releaseTerminal = undefined;
    };
  }

  private show(): void {
    if (this.stopped || this.multibar) return;
    const stderr = process.stderr;
    const stream = {
      isTTY: true,
      columns: this.io.stderrIsTTY && stderr.isTTY ? stderr.columns : DEFAULT_COLUMNS,
      write: (text: string) => { this.io.stderr(text); return true; },
    } as unknown as NodeJS.WritableStream;
    this.installTerminalRestore();
    this.multibar = new cliProgress.MultiBar({
      stream, fps: FPS, barsize: BAR_CHARS, clearOnComplete: true, hideCursor: false, emptyOnZero: true,
      format: "{name} [{bar}] {percentage}% | {audio}", autopadding: true,
    });
    if (this.options.names.length > 1) {
      this.overall = this.multibar.create(this.options.names.length, 0, { name: label("all files"), audio: "" }, {
        format: `{name} [{bar}] {percentage}% | {done}/${this.options.names.length} files | ETA {etaText}`,
      });
    }
    for (const [index, entry] of this.active) entry.bar = this.fileBar(index);
    this.updateOverall();
    this.multibar.update();
  }

  private fileBar(index: number): cliProgress.SingleBar | undefined {
    const entry = this.active.get(index);
    return this.multibar?.create(1, entry?.fraction ?? 0, { name: label(this.options.names[index]), audio: formatDuration(entry?.audioMs ?? 0) });
  }

  private updateOverall(): void {
    if (!this.overall) return;
    let value = this.finished;
    for (const entry of this.active.values()) value += entry.fraction;
    const fraction = value / this.options.names.length;
    const elapsedMs = performance.now() - this.startedAt;
    const etaText = fraction < ETA_MIN_FRACTION ? "…" : formatDuration((elapsedMs * (1 - fraction)) / fraction);
    this.overall.update(value, { done: this.finished, etaText });
  }
}

/** A name cut or padded to the name column (the end of a long path is the useful part). */
function label(name: string): string {
  return name.length > NAME_WIDTH ? `…${name.slice(-(NAME_WIDTH - 1))}` : name.padEnd(NAME_WIDTH);
}
