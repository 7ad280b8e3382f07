/**
 * A worker thread of `dtmf-wasm redact`: one engine per thread, one file at a time as the main
 * thread hands them over; the audit (or the error) goes back.
 */
import { parentPort } from "node:worker_threads";
import { DtmfEngine } from "../engine.js";
import type { RedactAudit } from "./audit.js";
import { type RedactFileOptions, redactFile } from "./offline.js";

export interface RedactTask {
  index: number;
  input: string;
  output: string;
  options: RedactFileOptions;
}

export type RedactOutcome = { index: number; audit: RedactAudit } | { index: number; error: { message: string; stack?: string } };

/** Runs one task; never throws. */
export async function runTask(task: RedactTask, engine: DtmfEngine): Promise<RedactOutcome> {
  try {
    return { index: task.index, audit: await redactFile(task.input, task.output, engine, task.options) };
  } catch (error) {
    const name = task.options.inputName ?? task.input;
    const message = error instanceof Error ? error.message : String(error);
    return { index: task.index, error: { message: message.includes(":") ? message : `${name}: ${message}`, stack: error instanceof Error ? error.stack : undefined } };
  }
}

const port = parentPort;
if (port) {
  let engine: Promise<DtmfEngine> | undefined;
  port.on("message", async (task: RedactTask) => {
    engine ??= DtmfEngine.create();
    port.postMessage(await runTask(task, await engine));
  });
}
