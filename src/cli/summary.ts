/**
 * The one-line summary `analyze` prints on stderr at the end:
 * `3 files (1 failed), 0:42.5 of audio, 27 keys, 850× real time`, or for one file
 * `1 file (16-bit PCM, 8000 Hz, mono), 0:02.2 of audio, 8 keys, 310× real time`.
 */
import type { FileReport } from "./records.js";

const MS_PER_SECOND = 1000;
const SECONDS_PER_MINUTE = 60;
const MINUTES_PER_HOUR = 60;

export interface RunTotals {
  files: number;
  failed: number;
  warned: number;
  audioMs: number;
  keys: number;
}

export function totals(reports: readonly FileReport[]): RunTotals {
  return {
    files: reports.length,
    failed: reports.filter((r) => r.error).length,
    warned: reports.filter((r) => !r.error && r.warnings.length > 0).length,
    audioMs: reports.reduce((sum, r) => sum + r.audioMs, 0),
    keys: reports.reduce((sum, r) => sum + r.keys, 0),
  };
}

/** Media time as m:ss.s, or h:mm:ss.s from an hour on. */
export function formatDuration(ms: number): string {
  const tenths = Math.round(ms / (MS_PER_SECOND / 10));
  const seconds = (tenths / 10) % SECONDS_PER_MINUTE;
  const totalMinutes = Math.floor(tenths / 10 / SECONDS_PER_MINUTE);
  const minutes = totalMinutes % MINUTES_PER_HOUR;
  const hours = Math.floor(totalMinutes / MINUTES_PER_HOUR);
  const ss = seconds.toFixed(1).padStart(4, "0");
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, "0")}:${ss}` : `${minutes}:${ss}`;
}

/** Audio time per wall time, rounded to 2 significant digits below 100, to integers above. */
export function formatSpeed(audioMs: number, wallMs: number): string | undefined {
  if (!(wallMs > 0) || audioMs <= 0) return undefined;
  const speed = audioMs / wallMs;
  return `${speed >= 100 ? Math.round(speed) : Number(speed.toPrecision(2))}× real time`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** `detail`: what to say about a single file in the parentheses (its format). */
export function formatSummary(t: RunTotals, wallMs: number, detail?: string): string {
  const issues = [t.failed ? `${t.failed} failed` : "", t.warned ? `${t.warned} with warnings` : ""].filter(Boolean).join(", ");
  const notes = [detail ?? "", issues].filter(Boolean).join("; ");
  const parts = [
    `${plural(t.files, "file")}${notes ? ` (${notes})` : ""}`,
    `${formatDuration(t.audioMs)} of audio`,
    plural(t.keys, "key"),
  ];
  const speed = formatSpeed(t.audioMs, wallMs);
  if (speed) parts.push(speed);
  return parts.join(", ");
}
