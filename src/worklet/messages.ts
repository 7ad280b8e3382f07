/** What the processor (audio thread) and the main-thread helper say to each other. */
import type { DetectorEvent } from "../events.js";
import type { DetectorTuning } from "../options.js";

/** The registered processor name: `new AudioWorkletNode(context, PROCESSOR_NAME, …)`. */
export const PROCESSOR_NAME = "dtmf-wasm-detector";

/** processorOptions of the node. */
export interface DtmfProcessorOptions {
  /** The compiled core (WebAssembly.Module, as compileCore() gives it) or its bytes. */
  wasm: WebAssembly.Module | ArrayBuffer | Uint8Array;
  /** Detector tuning (minLevelDbm0, keys…); the sample rate is the context's, float32. */
  tuning?: DetectorTuning;
  /** Input channel to analyse (0-based), or "mix" for the mean of all channels. Default 0. */
  channel?: number | "mix";
  /** Copy the analysed channel to the output (default false: the output is silent). */
  passThrough?: boolean;
}

/** Main thread → processor. */
export type ToProcessor =
  /** End of stream: report the press still open, answer "flushed", then stop. */
  | { type: "flush"; id: number }
  | { type: "configure"; tuning: DetectorTuning }
  /** Stop now (the node then outputs nothing and can be dropped). */
  | { type: "close" };

/** Processor → main thread. */
export type FromProcessor =
  /** The engine is running: media time 0 is context frame `startFrame`. */
  | { type: "ready"; sampleRate: number; startFrame: number }
  /**
   * Events decided in one render quantum. `positionSamples` is the media time at the end of
   * that quantum, when they were posted (so posted − startSample is the keydown latency the
   * main thread sees, in media time, before message delivery).
   */
  | { type: "events"; events: DetectorEvent[]; positionSamples: number }
  | { type: "flushed"; id: number; events: DetectorEvent[]; positionSamples: number }
  | { type: "error"; name: string; code: string; message: string };
