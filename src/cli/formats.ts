/**
 * The output formats of `analyze`: ndjson (one JSON object per line, streamed), json (one array,
 * streamed), csv (./csv.ts does the quoting), table (cli-table3, printed at the end), and
 * the digit strings of --digits-only.
 */
import Table from "cli-table3";
import { csvLines } from "./csv.js";
import { type FileReport, type KeyRecord, RECORD_FIELDS } from "./records.js";

export const FORMATS = ["table", "ndjson", "json", "csv"] as const;
export type OutputFormat = (typeof FORMATS)[number];

/** What --digits-only prints for each channel of each file. */
export interface DigitsRecord {
  file: string;
  channel: number;
  digits: string;
}
const DIGITS_FIELDS = ["file", "channel", "digits"] as const;

/** Receives the records and reports in input order; `end` once everything is in. */
export interface Output {
  records(records: KeyRecord[]): void;
  fileDone(report: FileReport): void;
  end(): void;
}

export interface OutputOptions {
  format: OutputFormat;
  /** --digits-only: one digit string per file and channel instead of the key records. */
  digitsOnly: boolean;
  /** --names: with --digits-only, FILE<TAB>CHANNEL<TAB>DIGITS even for one single-channel input. */
  names?: boolean;
  /** --format was given (with --digits-only, plain text lines unless it was). */
  formatGiven: boolean;
  /** How many inputs are analysed (one: the table leaves out the file column). */
  inputs: number;
  write(text: string): void;
}

/** Decimals shown for ms and dB in the table (the detector reports 0.1 ms / 0.1 dB). */
const DECIMALS = 1;

export function createOutput(options: OutputOptions): Output {
  const { format } = options;
  if (options.digitsOnly) {
    if (!options.formatGiven) return plainDigits(options);
    const rows = records<DigitsRecord>(format, DIGITS_FIELDS, options);
    return {
      records: () => {},
      fileDone: (report) => { if (!report.error) rows.add(report.digits.map((digits, channel) => ({ file: report.file, channel, digits }))); },
      end: () => rows.end(),
    };
  }
  const rows = records<KeyRecord>(format, RECORD_FIELDS, options);
  return { records: (r) => rows.add(r), fileDone: (report) => rows.fileDone(report), end: () => rows.end() };
}

interface RowWriter<R> {
  add(rows: R[]): void;
  fileDone(report: FileReport): void;
  end(): void;
}

/** Rows of objects with `fields`, in one of the formats. */
function records<R extends object>(format: OutputFormat, fields: readonly (keyof R & string)[], options: OutputOptions): RowWriter<R> {
  const { write } = options;
  switch (format) {
    case "ndjson":
      return {
        add: (rows) => { if (rows.length) write(rows.map((r) => `${JSON.stringify(r)}\n`).join("")); },
        fileDone: () => {},
        end: () => {},
      };
    case "json": {
      let count = 0;
      return {
        add: (rows) => {
          for (const r of rows) write(`${count++ === 0 ? "[\n" : ",\n"}  ${JSON.stringify(r)}`);
        },
        fileDone: () => {},
        end: () => write(count === 0 ? "[]\n" : "\n]\n"),
      };
    }
    case "csv": {
      let headed = false;
      const columns = [...fields];
      const add = (rows: R[]) => {
        if (rows.length === 0 && headed) return;
        write(csvLines(rows as unknown as Record<string, unknown>[], columns, !headed));
        headed = true;
      };
      return { add, fileDone: () => {}, end: () => add([]) };
    }
    default:
      return tableOf(fields, options);
  }
}

/** A cli-table3 table, printed at the end (it needs every row to size its columns). */
function tableOf<R extends object>(fields: readonly (keyof R & string)[], options: OutputOptions): RowWriter<R> {
  const rows: R[] = [];
  let multiChannel = false;
  return {
    add: (r) => { rows.push(...r); },
    fileDone: (report) => { multiChannel ||= report.channels > 1; },
    end: () => {
      const shown = fields.filter((f) => !(f === "file" && options.inputs === 1) && !(f === "channel" && !multiChannel));
      const numeric = (f: string) => f !== "file" && f !== "digit" && f !== "digits";
      const table = new Table({
        head: shown.map(heading),
        colAligns: shown.map((f) => (numeric(f) ? "right" : "left")),
        style: { head: [], border: [], compact: true },
      });
      for (const row of rows) {
        table.push(shown.map((f) => {
          const value = (row as Record<string, unknown>)[f];
          return typeof value === "number" && f !== "channel" ? value.toFixed(DECIMALS) : String(value);
        }));
      }
      options.write(`${table.toString()}\n`);
    },
  };
}

const HEADINGS: Readonly<Record<string, string>> = {
  channel: "ch", start_ms: "start ms", duration_ms: "duration ms", low_dbm0: "low dBm0", high_dbm0: "high dBm0", twist_db: "twist dB",
};

function heading(field: string): string {
  return HEADINGS[field] ?? field;
}

/**
 * --digits-only without --format: plain lines. One input with one channel: just the digits
 * (`$(dtmf-wasm analyze -d call.wav)`); otherwise, or with --names, FILE<TAB>CHANNEL<TAB>DIGITS
 * per channel (one shape whatever the number of inputs, for scripts).
 */
function plainDigits(options: OutputOptions): Output {
  return {
    records: () => {},
    fileDone: (report) => {
      if (report.error) return;
      if (!options.names && options.inputs === 1 && report.channels === 1) options.write(`${report.digits[0]}\n`);
      else options.write(report.digits.map((digits, channel) => `${report.file}\t${channel}\t${digits}\n`).join(""));
    },
    end: () => {},
  };
}
