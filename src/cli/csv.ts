/**
 * CSV lines (RFC 4180) for the CLI's fixed columns: a field is quoted when it holds a comma, a
 * quote or a line break, its quotes doubled; null and undefined are empty; a number is
 * written as JavaScript prints it; lines end in \n.
 */
const NEEDS_QUOTES = /[",\r\n]/;

/** One field. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = typeof value === "string" ? value : String(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The lines of `rows` under `columns` (each row's values in that order), with the header line first when `header`. */
export function csvLines(rows: readonly Record<string, unknown>[], columns: readonly string[], header: boolean): string {
  let out = header ? `${columns.map(csvField).join(",")}\n` : "";
  for (const row of rows) out += `${columns.map((c) => csvField(row[c])).join(",")}\n`;
  return out;
}
