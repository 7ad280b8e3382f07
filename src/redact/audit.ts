/**
 * The audit record of one redacted file: what went in and came out (SHA-256 of both), every
 * span with its method and what was left of the key in it, and the verification. It never
 * holds the digits unless asked (`keepDigits`): the audit must not become the card number.
 */

export interface AuditSpan {
  channel: number;
  start_sample: number;
  end_sample: number;
  start_ms: number;
  end_ms: number;
  /** The method finally applied: a notched span that failed its check reads "notch→noise" (or →silence, →tone). */
  method: string;
  /** Only on a span that fell back: why the notch was not kept (never the digits). */
  fallback_reason?: string;
  /** Only on a span that fell back: residual_db as the notch left it, dB. */
  notch_residual_db?: number;
  /** "key" (a confirmed key press) or "fragment" (a DTMF-like pair shorter than a key). */
  kind: "key" | "fragment";
  /** Keys inside the span (back-to-back keys share one). */
  keys: number;
  /** The loudest tone of the key(s) in the input, dBm0. */
  key_dbm0: number;
  /** The power left at the key's frequencies in the output (windowed; the loudest of the tones), dBm0. */
  residual_dbm0: number;
  /** residual − key for the worst tone, dB (−120 dBm0 is the floor: nothing measurable). */
  residual_db: number;
  /**
   * notch only (kept on a span that fell back): the expected power of the notch's error
   * against the key, dB (the worst tone): the other sound's component at the tones' own
   * frequencies, which no fit can tell from the key. Over NOTCH_UNCERTAIN_DB the span falls back.
   */
  notch_uncertainty_db?: number;
  /** notch only (kept on a span that fell back): the power of everything the notch left over the key against the key, dB (at most NOTCH_EMPTY_DB: nothing to keep but the key's residue). */
  notch_left_db?: number;
  /** Only with keepDigits. */
  digits?: string;
}

export interface AuditFinding {
  channel: number;
  start_ms: number;
  duration_ms: number;
  /** Only with keepDigits. */
  digit?: string;
}

export interface RedactAudit {
  tool: string;
  version: string;
  input: { file: string; sha256: string; bytes: number; format: string };
  output: {
    file: string; sha256: string; bytes: number;
    /** Only on a re-encoded output: its format and encoder ("MP3, 32 kbit/s CBR, 8000 Hz, mono (ffmpeg libmp3lame)"). */
    format?: string;
    /** Only on a re-encoded output: the length of its decoded audio, ms. */
    audio_ms?: number;
  };
  /**
   * Only when the input was compressed (MP3, Ogg Vorbis, Ogg Opus, FLAC): the codec the
   * redacted audio was encoded back with ("mp3", "vorbis", "opus", "flac"); the verification
   * then ran on the output decoded again.
   */
  reencoded?: string;
  method: string;
  /** method "notch" only: what a notched span that fails its check is redacted with ("none": kept as notched). */
  notch_fallback?: string;
  guard_before_ms: number;
  guard_after_ms: number;
  /** Only for a lossy input whose codec spreads a key past its edges (MP3): the part of the guards added for it, ms. */
  codec_guard_ms?: { before: number; after: number };
  fragments: boolean;
  fragment_level_dbm0?: number;
  audio_ms: number;
  spans: AuditSpan[];
  verification: {
    /** The detector settings the output was analysed with (more sensitive than the default). */
    tuning: Record<string, number | string>;
    keys_found: number;
    found: AuditFinding[];
    /**
     * Every byte outside the spans' samples is the same in input and output; after a FLAC
     * re-encode, every decoded sample outside the spans. Always false after a lossy re-encode.
     */
    outside_spans_identical: boolean;
    /** Why outside_spans_identical is false although the file passed (a lossy re-encode changes every sample). */
    outside_spans_reason?: string;
    passed: boolean;
  };
  warnings: string[];
  /** Only with keepDigits: the digits removed, per channel. */
  digits?: string[];
}

const short = (hash: string) => hash.slice(0, 12);

/** The one-line summary on stderr. */
export function auditSummary(audit: RedactAudit): string {
  const v = audit.verification;
  const worst = audit.spans.reduce((m, s) => Math.max(m, s.residual_db), Number.NEGATIVE_INFINITY);
  const residual = audit.spans.length ? `, residual ≤ ${worst.toFixed(1)} dB` : "";
  const fragments = audit.spans.filter((s) => s.kind === "fragment").length;
  const fellBack = audit.spans.filter((s) => s.fallback_reason !== undefined).length;
  const verdict = v.passed
    ? "verified: no key left"
    : `VERIFICATION FAILED: ${v.keys_found} key(s) found in the output${v.outside_spans_identical || v.outside_spans_reason !== undefined ? "" : ", bytes outside the spans changed"}`;
  const reencoded = audit.reencoded === undefined ? "" : `; re-encoded as ${audit.output.format ?? audit.reencoded}${v.outside_spans_identical ? ", samples outside the spans identical" : ", lossy"}`;
  return `${audit.input.file} -> ${audit.output.file}: ${audit.spans.length} span(s) (${audit.method}${fellBack ? `, ${fellBack} fell back to ${audit.notch_fallback}` : ""}${fragments ? `, ${fragments} fragment(s)` : ""})${residual}; ` +
    `${verdict}${reencoded}; sha256 ${short(audit.input.sha256)} -> ${short(audit.output.sha256)}`;
}
