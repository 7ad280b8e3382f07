/**
 * Files redacted in parallel on worker threads (one engine each), or on this thread when
 * parallelism cannot help (one file, --jobs 1) or is not available (running from the
 * TypeScript sources). Every task ends in exactly one outcome; a worker that dies fails its
 * file and is replaced.
 */
import { Worker } from "node:worker_threads";
import { DtmfEngine } from "../engine.js";
import { workersAvailable } from "../cli/pool.js";
import { type RedactOutcome, type RedactTask, runTask } from "./worker.js";

const WORKER = new URL("./worker.js", import.meta.url);

export async function runRedactions(tasks: readonly RedactTask[], jobs: number, done: (outcome: RedactOutcome) => void): Promise<void> {
  const size = Math.min(jobs, tasks.length);
  if (size <= 1 || !workersAvailable(WORKER)) {
    const engine = await DtmfEngine.create();
    for (const task of tasks) done(await runTask(task, engine));
    return;
  }
  const queue = [...tasks];
  let running = 0;
  await new Promise<void>((resolve) => {
    const start = () => {
      running++;
      const worker = new Worker(WORKER);
      let current: RedactTask | undefined;
      let finished = false;
      const next = () => {
        current = queue.shift();
        if (current) worker.postMessage(current);
        else retire();
      };
      const retire = () => {
        if (finished) return;
        finished = true;
        running--;
        void worker.terminate();
        if (queue.length > 0) start();
        else if (running === 0) resolve();
      };
      const crash = (reason: string) => {
        if (finished) return;
        if (current) done({ index: current.index, error: { message: `${current.options.inputName ?? current.input}: the redaction thread stopped: ${reason}` } });
        current = undefined;
        retire();
      };
      worker.on("message", (outcome: RedactOutcome) => {
        current = undefined;
        done(outcome);
        next();
      });
      worker.on("error", (error) => crash(error.message));
      worker.on("exit", (code) => crash(`exit code ${code}`));
      next();
    };
    for (let i = 0; i < size; i++) start();
  });
}
