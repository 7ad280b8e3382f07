/**
 * Running the analyses: files in parallel on worker threads (one engine each), or on the main
 * thread when parallelism cannot help or is not available (one file, --jobs 1, stdin, or when
 * running from the TypeScript sources, which worker threads cannot load). Either way every
 * input ends in exactly one report.
 */
import { existsSync, statSync } from "node:fs";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { DtmfEngine } from "../engine.js";
import { type AnalysisSettings, type AnalysisSink, type AnalysisTask, analyzeInput } from "./analysis.js";
import type { FileReport } from "./records.js";
import type { WorkerData, WorkerMessage, WorkerTask } from "./worker.js";

/** One input: a file (path to open) or stdin (no path). */
export interface RunInput extends AnalysisTask {
  path?: string;
}

export interface RunEvents extends AnalysisSink {
  done(report: FileReport): void;
}

export interface RunOptions {
  /** Worker threads at most. */
  jobs: number;
  /**
   * `jobs` is only a ceiling (the default, the number of cores): start no more workers than the
   * amount of input warrants (BYTES_PER_WORKER each), since each costs a thread start-up.
   */
  autoJobs?: boolean;
  settings: AnalysisSettings;
  stdin: Readable;
  /** The worker script (default: worker.js beside this module). */
  workerUrl?: URL;
}

const DEFAULT_WORKER = new URL("./worker.js", import.meta.url);
/**
 * Input that pays for one more worker thread. Starting a worker (an isolate, the modules, the
 * WASM core) costs about 0.1 s of CPU, in which the main thread analyses about 30 MB of 8 kHz
 * 16-bit audio on the machines this was measured on.
 */
export const BYTES_PER_WORKER = 32 * 1024 * 1024;

/** Heap limit of one worker thread (analysis, redaction), MB: a task holds a few MB; this only stops runaways. */
export const WORKER_HEAP_MB = 2048;

/** Whether a worker script can be started (false when running from .ts sources). */
export function workersAvailable(url: URL = DEFAULT_WORKER): boolean {
  return url.protocol === "file:" && existsSync(fileURLToPath(url));
}

/** Analyses every input; resolves when each has been reported through `events.done`. */
export async function runAnalyses(inputs: readonly RunInput[], options: RunOptions, events: RunEvents): Promise<void> {
  const files = inputs.filter((i): i is WorkerTask => i.path !== undefined);
  const url = options.workerUrl ?? DEFAULT_WORKER;
  let workers = Math.min(options.jobs, files.length);
  if (options.autoJobs) workers = Math.min(workers, Math.ceil(files.reduce((n, f) => n + sizeOf(f.path), 0) / BYTES_PER_WORKER));
  const parallel = workers > 1 && workersAvailable(url);
  const inline = parallel ? inputs.filter((i) => i.path === undefined) : [...inputs];
  await Promise.all([
    runInline(inline, options, events),
    parallel ? runWorkers(files, workers, url, options.settings, events) : Promise.resolve(),
  ]);
}

/** A file's size for planning; pipes and unreadable paths count as one worker's worth. */
function sizeOf(path: string): number {
  try {
    const stat = statSync(path);
    return stat.isFile() ? stat.size : BYTES_PER_WORKER;
  } catch {
    return 0;
  }
}

let mainEngine: Promise<DtmfEngine> | undefined;

/** One input after the other on this thread. */
async function runInline(inputs: readonly RunInput[], options: RunOptions, events: RunEvents): Promise<void> {
  if (inputs.length === 0) return;
  mainEngine ??= DtmfEngine.create();
  const engine = await mainEngine;
  for (const input of inputs) {
    const source = input.path !== undefined ? { path: input.path, name: input.file } : { stream: options.stdin, name: input.file };
    events.done(await analyzeInput(input, source, options.settings, engine, events));
  }
}

/** A queue of files shared by `size` workers; a worker that dies fails its file and is replaced. */
function runWorkers(files: readonly WorkerTask[], size: number, url: URL, settings: AnalysisSettings, events: RunEvents): Promise<void> {
  return runTaskQueue<WorkerTask, WorkerMessage>(files, size,
    // A heap limit per thread: a worker that runs out of memory then ends with an error
    // (its file reported as failed, the worker replaced) instead of aborting the process.
    () => new Worker(url, { workerData: { settings } satisfies WorkerData, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } }),
    (message) => {
      if (message.type === "records") events.records(message.index, message.records);
      else if (message.type === "progress") events.progress(message.index, message.progress);
      else { events.done(message.report); return true; }
      return false;
    },
    (task, reason) => events.done(failedReport(task, `${task.file}: the analysis thread stopped: ${reason}`)));
}

/**
 * Runs `tasks` on `size` worker threads made by `spawn`, each task posted to the next free
 * worker. `onMessage` sees every message of a task's worker and returns true on the one that
 * ends the task. A worker that dies (an error, an exit, a heap limit) fails the task it had
 * through `onCrash` and is replaced while tasks remain: every task ends exactly once.
 */
export function runTaskQueue<T, M>(tasks: readonly T[], size: number, spawn: () => Worker, onMessage: (message: M, task: T) => boolean, onCrash: (task: T, reason: string) => void): Promise<void> {
  const queue = [...tasks];
  let running = 0;
  return new Promise((resolve) => {
    if (queue.length === 0) { resolve(); return; }
    const startWorker = () => {
      running++;
      const worker = spawn();
      let current: T | undefined;
      let finished = false;
      const next = () => {
        current = queue.shift();
        if (current !== undefined) worker.postMessage(current);
        else retire();
      };
      const retire = () => {
        if (finished) return;
        finished = true;
        running--;
        void worker.terminate();
        if (queue.length > 0) startWorker();
        else if (running === 0) resolve();
      };
      const crash = (reason: string) => {
        if (finished) return;
        if (current !== undefined) {
          const task = current;
          current = undefined;
          onCrash(task, reason);
        }
        retire();
      };
      worker.on("message", (message: M) => {
        if (current === undefined) return;
        if (onMessage(message, current)) next();
      });
      worker.on("error", (error) => crash(error.message));
      worker.on("exit", (code) => crash(`exit code ${code}`));
      next();
    };
    for (let i = 0; i < Math.min(size, queue.length); i++) startWorker();
  });
}

function failedReport(task: AnalysisTask, message: string): FileReport {
  return { index: task.index, file: task.file, channels: 0, audioMs: 0, bytes: 0, digits: [], keys: 0, warnings: [], error: { message } };
}
