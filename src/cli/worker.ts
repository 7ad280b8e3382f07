/**
 * A worker thread of `analyze`: one engine (one WASM instance) per thread, inputs analysed one
 * at a time as the main thread hands them over, records and progress posted back as they come.
 *
 * Messages in: WorkerTask. Messages out: WorkerMessage.
 */
import { performance } from "node:perf_hooks";
import { parentPort, workerData } from "node:worker_threads";
import { DtmfEngine } from "../engine.js";
import { type AnalysisSettings, type AnalysisTask, analyzeInput, describeError } from "./analysis.js";
import type { FileProgress, FileReport, KeyRecord } from "./records.js";

/** Records sent back at once at most… */
const RECORD_BATCH = 1000;
/** …or after this long (so a slow source, such as a named pipe, still shows its keys soon), ms. */
const RECORD_DELAY_MS = 200;

export interface WorkerTask extends AnalysisTask {
  /** The path to open (resolved against the CLI's working directory). */
  path: string;
}

export type WorkerMessage =
  | { type: "records"; index: number; records: KeyRecord[] }
  | { type: "progress"; index: number; progress: FileProgress }
  | { type: "done"; report: FileReport };

export interface WorkerData {
  settings: AnalysisSettings;
}

const port = parentPort;
if (port) {
  const { settings } = workerData as WorkerData;
  let engine: Promise<DtmfEngine> | undefined;
  const post = (message: WorkerMessage) => port.postMessage(message);
  port.on("message", async (task: WorkerTask) => {
    let report: FileReport;
    // Records go back in batches: a message per block would cost more than the analysis.
    let pending: KeyRecord[] = [];
    let sentAt = performance.now();
    const flush = () => {
      if (pending.length) post({ type: "records", index: task.index, records: pending });
      pending = [];
      sentAt = performance.now();
    };
    try {
      engine ??= DtmfEngine.create();
      report = await analyzeInput(task, { path: task.path, name: task.file }, settings, await engine, {
        records: (_index, records) => {
          pending.push(...records);
          if (pending.length >= RECORD_BATCH || performance.now() - sentAt >= RECORD_DELAY_MS) flush();
        },
        progress: (index, progress) => {
          flush();
          post({ type: "progress", index, progress });
        },
      });
      flush();
    } catch (error) {
      report = {
        index: task.index, file: task.file, channels: 0, audioMs: 0, bytes: 0, digits: [], keys: 0, warnings: [],
        error: { message: describeError(task, error), stack: settings.debug && error instanceof Error ? error.stack : undefined },
      };
    }
    post({ type: "done", report });
  });
}
