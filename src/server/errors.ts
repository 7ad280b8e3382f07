/** Typed errors of the media-stream server. */
import { DtmfError } from "../errors.js";

/** A message a stream protocol does not allow here (malformed, out of place, unknown format). */
export class DtmfProtocolError extends DtmfError {
  constructor(readonly protocol: string, message: string) {
    super("ERR_DTMF_PROTOCOL", `${protocol}: ${message}`);
  }
}

/** A server limit was reached (message size, calls, bad messages, buffered bytes…). */
export class DtmfLimitError extends DtmfError {
  constructor(readonly limit: string, message: string) {
    super("ERR_DTMF_LIMIT", `${limit}: ${message}`);
  }
}

/** Longest piece of client input quoted back in an error message, characters. */
export const MAX_QUOTE_CHARS = 60;

/** A short, safe quote of client input for logs and error replies (never the whole input). */
export function quote(value: unknown): string {
  let text: string;
  try { text = typeof value === "string" ? value : JSON.stringify(value) ?? String(value); } catch { text = String(value); }
  return text.length > MAX_QUOTE_CHARS ? `${JSON.stringify(text.slice(0, MAX_QUOTE_CHARS))}… (${text.length} characters)` : JSON.stringify(text);
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
