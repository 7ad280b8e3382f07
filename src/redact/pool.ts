/**
 * Files redacted in parallel on worker threads (one engine each), or on this thread when
 * parallelism cannot help (one file, --jobs 1) or is not available (running from the
 * TypeScript sources). Every task ends in exactly one outcome; a worker that dies fails its
 * file and is replaced.
 */
import { Worker } from "node:worker_threads";
import { DtmfEngine } from "../engine.js";
import { WORKER_HEAP_MB, runTaskQueue, workersAvailable } from "../cli/pool.js";
import { type RedactOutcome, type RedactTask, runTask } from "./worker.js";

const WORKER = new URL("./worker.js", import.meta.url);

export async function runRedactions(tasks: readonly RedactTask[], jobs: number, done: (outcome: RedactOutcome) => void): Promise<void> {
  const size = Math.min(jobs, tasks.length);
  if (size <= 1 || !workersAvailable(WORKER)) {
    const engine = await DtmfEngine.create();
    for (const task of tasks) done(await runTask(task, engine));
    return;
  }
  await runTaskQueue<RedactTask, RedactOutcome>(tasks, size,
    () => new Worker(WORKER, { resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } }),
    (outcome) => { done(outcome); return true; },
    (task, reason) => done({ index: task.index, error: { message: `${task.options.inputName ?? task.input}: the redaction thread stopped: ${reason}` } }));
}
