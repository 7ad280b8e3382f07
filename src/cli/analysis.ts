/**
 * The analysis of one input: read it block by block, run one detector per channel, turn the
 * finished key presses into records as they come, and report. Runs the same on the main thread
 * (stdin, --jobs 1) and in worker threads.
 */
import type { Detector } from "../detector.js";
import type { DtmfEngine } from "../engine.js";
import { DtmfFileError } from "../errors.js";
import type { DetectorEvent, DtmfEvent } from "../events.js";
import type { DetectorTuning } from "../options.js";
import { WavFileError, faultMessage } from "../wav/errors.js";
import { describeFormat } from "../wav/format.js";
import { type RawOptions, rawEncodingOf } from "../wav/raw.js";
import { AudioReader, type AudioSource } from "../wav/reader.js";
import { type FileProgress, type FileReport, type KeyRecord, toRecord } from "./records.js";

/** Progress is reported each time this many more bytes have been read (and at the end). */
const PROGRESS_STEP_BYTES = 1 << 20;

export interface AnalysisTask {
  /** Position on the command line. */
  index: number;
  /** The name records and messages use (the path as typed, or "-"). */
  file: string;
  /** Headerless input in this format. */
  raw?: RawOptions;
}

export interface AnalysisSettings {
  tuning: DetectorTuning;
  /** Keep stack traces in error reports. */
  debug: boolean;
  /** File bytes per block (default 64 KiB). */
  chunkBytes?: number;
  /** Hand the key records to the sink (default true; --digits-only needs only the report). */
  records?: boolean;
}

export interface AnalysisSink {
  records(index: number, records: KeyRecord[]): void;
  progress(index: number, progress: FileProgress): void;
}

/** Analyses one input; never throws: failures come back in the report. */
export async function analyzeInput(
  task: AnalysisTask, source: AudioSource, settings: AnalysisSettings, engine: DtmfEngine, sink: AnalysisSink,
): Promise<FileReport> {
  const report: FileReport = { index: task.index, file: task.file, channels: 0, audioMs: 0, bytes: 0, digits: [], keys: 0, warnings: [] };
  let reader: AudioReader | undefined;
  const detectors: Detector[] = [];
  try {
    reader = await AudioReader.open(source, { raw: task.raw, chunkBytes: settings.chunkBytes });
    report.format = (reader.decodedFrom ? `${reader.decodedFrom} decoded to ` : "") + describeFormat(reader.format) + (reader.decimation > 1 ? `, decimated to ${reader.sampleRate} Hz` : "");
    report.channels = reader.channels;
    report.digits = Array.from({ length: reader.channels }, () => "");
    for (let c = 0; c < reader.channels; c++) {
      detectors.push(engine.createDetector({ ...settings.tuning, sampleRate: reader.sampleRate, encoding: reader.encoding }));
    }
    const totalBytes = reader.dataBytes === undefined ? undefined : reader.dataBytes + (reader.header?.dataOffset ?? 0);
    const found: KeyRecord[] = [];
    const take = (channel: number, events: readonly DetectorEvent[]) => {
      for (const event of events) {
        if (event.type !== "dtmf") continue;
        found.push(toRecord(task.file, channel, event as DtmfEvent));
        report.digits[channel] += event.digit;
      }
    };
    // A block's presses, across channels, in order of onset.
    const emit = () => {
      if (found.length === 0) return;
      report.keys += found.length;
      const batch = found.splice(0);
      if (settings.records !== false) sink.records(task.index, batch.sort((a, b) => a.start_ms - b.start_ms || a.channel - b.channel));
    };
    let reported = 0;
    sink.progress(task.index, { bytes: 0, totalBytes, audioMs: 0 });
    for await (const block of reader.blocks()) {
      for (let c = 0; c < detectors.length; c++) take(c, detectors[c].process(block.channels[c]));
      emit();
      if (reader.position - reported >= PROGRESS_STEP_BYTES) {
        reported = reader.position;
        sink.progress(task.index, { bytes: reported, totalBytes, audioMs: reader.durationMs });
      }
    }
    for (let c = 0; c < detectors.length; c++) take(c, detectors[c].flush());
    emit();
    report.warnings = reader.warnings.map((w) => w.message);
    sink.progress(task.index, { bytes: reader.position, totalBytes, audioMs: reader.durationMs });
  } catch (error) {
    report.error = { message: describeError(task, error), stack: settings.debug && error instanceof Error ? error.stack : undefined };
  } finally {
    for (const detector of detectors) detector.close();
    if (reader) {
      report.audioMs = reader.durationMs;
      report.bytes = reader.position;
      await reader.close();
    }
  }
  return report;
}

/** One line naming the file and the problem, with a hint where one helps. */
export function describeError(task: AnalysisTask, error: unknown): string {
  if (error instanceof WavFileError && error.problem === "not-wav" && !task.raw && rawEncodingOf(task.file)) {
    return `${error.message} (headerless audio? add --raw)`;
  }
  if (error instanceof DtmfFileError) return error.message;
  return `${task.file}: ${faultMessage(error)}`;
}
