/**
 * What `analyze` reports: one record per key press, and one report per input file. Both are
 * plain data, so they cross from worker threads to the main thread as they are.
 */
import type { DtmfEvent } from "../events.js";

/** One key press, as every output format prints it. Times in ms from the start of the file. */
export interface KeyRecord {
  file: string;
  /** 0-based channel index. */
  channel: number;
  digit: string;
  start_ms: number;
  duration_ms: number;
  low_dbm0: number;
  high_dbm0: number;
  /** high_dbm0 − low_dbm0, dB. */
  twist_db: number;
}

/** The record fields, in the order the table and CSV columns show them. */
export const RECORD_FIELDS = ["file", "channel", "digit", "start_ms", "duration_ms", "low_dbm0", "high_dbm0", "twist_db"] as const;

export function toRecord(file: string, channel: number, event: DtmfEvent): KeyRecord {
  return {
    file, channel, digit: event.digit, start_ms: event.startMs, duration_ms: event.durationMs,
    low_dbm0: event.lowDbm0, high_dbm0: event.highDbm0, twist_db: event.twistDb,
  };
}

/** A failure, as text (errors do not survive postMessage with their class). */
export interface ReportedError {
  /** One line: "FILE: problem". */
  message: string;
  stack?: string;
}

/** How the analysis of one input went. */
export interface FileReport {
  /** Position on the command line. */
  index: number;
  file: string;
  /** "16-bit PCM, 8000 Hz, mono"; absent when the header could not be read. */
  format?: string;
  channels: number;
  /** Audio analysed, ms. */
  audioMs: number;
  /** File bytes consumed. */
  bytes: number;
  /** The digits found on each channel, in order. */
  digits: string[];
  /** Key presses found (all channels). */
  keys: number;
  /** One-line warnings ("FILE: truncated: …"). */
  warnings: string[];
  error?: ReportedError;
}

/** Progress of one input. */
export interface FileProgress {
  bytes: number;
  /** Bytes expected in all, when known. */
  totalBytes?: number;
  audioMs: number;
}
