/**
 * Redacting a recording (`dtmf-wasm redact`). A WAV or headerless file, in three passes over
 * the file, each streamed in bounded memory (a compressed file is decoded to headerless PCM,
 * put through passes 1-2 here and encoded back: ./reencode.ts):
 *
 * 1. find: the audio through the detector (one channel each; plus the fragment finder when
 *    asked): every key's onset, end and measured frequencies, hence the spans;
 * 2. write: the input copied byte for byte to the output (hashed on the way), then each span's
 *    samples read back, redacted and written in place. Only the samples inside spans are ever
 *    rewritten, so the header, every other chunk (LIST, cue, bext…, before or after the data)
 *    and every sample outside the spans stay exactly as they were;
 * 3. verify: the output analysed again with VERIFY_TUNING (more sensitive than the default),
 *    hashed, and compared with the input byte for byte outside the spans.
 *
 * The detector confirms a key ≈ 30 ms after its onset; reading the file twice is what lets the
 * span start before the onset here (the live redactor holds a fixed delay instead).
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, realpathSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Detector } from "../detector.js";
import type { DtmfEngine } from "../engine.js";
import { DtmfFileError, DtmfOptionError } from "../errors.js";
import type { DtmfEvent } from "../events.js";
import { type DetectorTuning, checkNumber, resolveTuning } from "../options.js";
import { dbm0ToPower } from "../levels.js";
import { describeFormat } from "../wav/format.js";
import type { PcmFormat } from "../wav/format.js";
import type { RawOptions } from "../wav/raw.js";
import { AudioReader } from "../wav/reader.js";
import { unreadable } from "../wav/source.js";
import { SNIFF_BYTES, type Sniffed, sniff } from "../compressed/sniff.js";
import { FragmentScanner, chunkToFloat } from "./fragments.js";
import { followTone } from "./tones.js";
import type { AuditFinding, AuditSpan, RedactAudit } from "./audit.js";
import { type SampleCodec, sampleCodec } from "./codec.js";
import { ComfortNoise, DEFAULT_METHOD, DEFAULT_NOTCH_FALLBACK, NOTCH_FALLBACKS, type NotchFallback, type KeyJob, type KeyMeasure, METHODS, type RedactMethod, applyMethod, notchLeftDb, notchUncertaintyDb, surroundingRms } from "./methods.js";
import {
  FRAGMENT_LEVEL_DBM0, type FoundKey, GUARD_AFTER_MS, GUARD_BEFORE_MS, MAX_GUARD_MS, NOTCH_CHECK_RESIDUAL_DB,
  NOTCH_CHECK_SLACK_MS, NOTCH_CHECK_TUNING, type Span, VERIFY_TUNING, foundKey, msToSamples, notchDoubt, planSpans,
} from "./spans.js";

export interface RedactFileOptions {
  /** Default "notch". */
  method?: RedactMethod;
  /** Guard before each onset / after each end, ms (defaults GUARD_BEFORE_MS, GUARD_AFTER_MS). */
  guardBeforeMs?: number;
  guardAfterMs?: number;
  /** Also redact DTMF-like pairs shorter than a key (fragments.ts). Default false. */
  fragments?: boolean;
  /** Level of each tone above which a fragment is redacted, dBm0 (default −35). */
  fragmentLevelDbm0?: number;
  /** Detector tuning that finds the keys (default: the detector's defaults). */
  tuning?: DetectorTuning;
  /** Overrides of VERIFY_TUNING for the verification. */
  verifyTuning?: DetectorTuning;
  /** Put the digits in the audit. Default false. */
  keepDigits?: boolean;
  /** Headerless input (and output) in this format. */
  raw?: RawOptions;
  /** Names the audit uses (default: the paths). */
  inputName?: string;
  outputName?: string;
  /** File bytes per block while reading (default 64 KiB). */
  chunkBytes?: number;
  /**
   * method "notch" only: each notched span is checked (a key found there by NOTCH_CHECK_TUNING,
   * or the key's tones left within NOTCH_CHECK_RESIDUAL_DB of the key) and, if it fails,
   * redacted again with this method; "none" keeps the notch whatever is left (the verification
   * then fails the file if a key is found). Default "noise".
   */
  notchFallback?: NotchFallback;
}

export { DEFAULT_NOTCH_FALLBACK, NOTCH_FALLBACKS, type NotchFallback } from "./methods.js";

const KNOWN = new Set(["method", "guardBeforeMs", "guardAfterMs", "fragments", "fragmentLevelDbm0", "tuning", "verifyTuning", "keepDigits", "raw", "inputName", "outputName", "chunkBytes", "notchFallback"]);

/** Context read around a span for the surrounding level (noise method), ms. */
const NOISE_CONTEXT_MS = 200;
/** Spans longer than this are redacted in pieces (bounded memory for a tone held for minutes), s. */
const MAX_PIECE_S = 2;
/** File bytes the spans are patched through at a time. */
const WINDOW_BYTES = 1 << 20;
/** Bytes compared / hashed at a time in the verification pass. */
const COMPARE_BYTES = 1 << 20;

export interface Found {
  format: PcmFormat;
  formatText: string;
  dataOffset: number;
  frames: number;
  keys: FoundKey[][];
  warnings: string[];
}

export interface ResolvedRedactOptions {
  method: RedactMethod;
  guardBeforeMs: number;
  guardAfterMs: number;
  fragments: boolean;
  fragmentLevelDbm0: number;
  tuning: DetectorTuning;
  verifyTuning: DetectorTuning;
  keepDigits: boolean;
  notchFallback: NotchFallback;
}

/** Checks the options (DtmfOptionError naming the option, its range and the value). */
export function resolveRedactOptions(options: Omit<RedactFileOptions, "raw" | "inputName" | "outputName" | "chunkBytes">): ResolvedRedactOptions {
  if (options === null || typeof options !== "object") throw new DtmfOptionError("options", "an object", options);
  for (const key of Object.keys(options)) if (!KNOWN.has(key)) throw new DtmfOptionError(key, `one of the redact options (${[...KNOWN].join(", ")})`, "an unknown option");
  const method = options.method ?? DEFAULT_METHOD;
  if (!METHODS.includes(method)) throw new DtmfOptionError("method", `one of ${METHODS.join(", ")}`, method);
  const tuning = options.tuning ?? {};
  resolveTuning(tuning);
  const verifyTuning = { ...VERIFY_TUNING, ...(options.verifyTuning ?? {}) };
  resolveTuning(verifyTuning);
  const notchFallback = options.notchFallback ?? DEFAULT_NOTCH_FALLBACK;
  if (!NOTCH_FALLBACKS.includes(notchFallback)) throw new DtmfOptionError("notchFallback", `one of ${NOTCH_FALLBACKS.join(", ")}`, notchFallback);
  return {
    method,
    guardBeforeMs: checkNumber("guardBeforeMs", options.guardBeforeMs ?? GUARD_BEFORE_MS, 0, MAX_GUARD_MS),
    guardAfterMs: checkNumber("guardAfterMs", options.guardAfterMs ?? GUARD_AFTER_MS, 0, MAX_GUARD_MS),
    fragments: options.fragments ?? false,
    fragmentLevelDbm0: checkNumber("fragmentLevelDbm0", options.fragmentLevelDbm0 ?? FRAGMENT_LEVEL_DBM0, -70, 0),
    tuning, verifyTuning, keepDigits: options.keepDigits ?? false, notchFallback,
  };
}

/**
 * Redacts `input` into `output` (same format; they must be different files) and returns the
 * audit. A WAV or headerless file is patched in place (below); MP3, Ogg Vorbis, Ogg Opus and
 * FLAC are decoded, redacted the same way as PCM and encoded back in their own format with
 * ffmpeg (./reencode.ts). Throws DtmfFileError when a file cannot be read or written (or
 * ffmpeg is missing for a compressed file), DtmfOptionError for bad options; a key found by
 * the verification is not an error here: `audit.verification.passed` is false (the CLI exits 1).
 */
export async function redactFile(input: string, output: string, engine: DtmfEngine, options: RedactFileOptions = {}): Promise<RedactAudit> {
  const { raw, inputName = input, outputName = output, chunkBytes, ...rest } = options;
  const o = resolveRedactOptions(rest);
  if (samePath(input, output)) throw new DtmfFileError(outputName, `the output is the input (${inputName}): write the redacted copy elsewhere`);
  if (raw === undefined) {
    const kind = await sniffFile(input, inputName);
    if (kind.kind === "compressed") {
      const { redactReencoded } = await import("./reencode.js");
      return redactReencoded({ input, inputName, output, outputName, format: kind.format }, engine, o, chunkBytes);
    }
    if (kind.kind === "other") {
      // A container only ffmpeg reads (M4A, AIFF, WebM…): analyze reads it, but redact writes back only these.
      throw new DtmfFileError(inputName, `${kind.name} input cannot be redacted: dtmf-wasm writes back WAV, MP3, Ogg Vorbis, Ogg Opus and FLAC; convert it to one of them first (e.g. \`ffmpeg -i ${basename(inputName)} out.wav\`), then redact that`);
    }
  }
  const pcm = await redactPcm({ input, inputName, output, outputName }, engine, o, raw, chunkBytes);
  const verified = await verify(output, outputName, engine, o.verifyTuning, raw, chunkBytes);
  const compared = await compareOutside(input, inputName, output, outputName, pcm.found, pcm.spans);
  return buildAudit(o, pcm, verified.keys, {
    input: { file: inputName, sha256: pcm.inputHash.sha256, bytes: pcm.inputHash.bytes, format: pcm.found.formatText },
    output: { file: outputName, sha256: compared.sha256, bytes: compared.bytes },
    identical: compared.identical,
  });
}

/** The two files of one redaction, and the names the audit and errors use. */
export interface RedactPaths {
  input: string;
  inputName: string;
  output: string;
  outputName: string;
}

/** What passes 1 and 2 leave: the keys found, the spans, how each was redacted, the input's hash. */
export interface PcmRedaction {
  found: Found;
  spans: Span[][];
  auditSpans: AuditSpan[];
  inputHash: { sha256: string; bytes: number };
}

/**
 * Passes 1 and 2 on a WAV or headerless file: the keys found, the input copied to the output
 * and the spans redacted in place (with the notch's check and fallback).
 */
export async function redactPcm(paths: RedactPaths, engine: DtmfEngine, o: ResolvedRedactOptions, raw: RawOptions | undefined, chunkBytes?: number): Promise<PcmRedaction> {
  const { input, inputName, output, outputName } = paths;
  const found = await findKeys(input, inputName, engine, o, raw, chunkBytes);
  const rate = found.format.sampleRate;
  const inputHash = await copyHashed(input, inputName, output, outputName);
  await followKeys(input, inputName, found);
  const spans = found.keys.map((keys) => planSpans(keys, msToSamples(o.guardBeforeMs, rate), msToSamples(o.guardAfterMs, rate), found.frames));

  const patched = await patch(output, outputName, found, spans, o, () => o.method);
  if (o.method === "notch" && o.notchFallback !== "none") {
    // Check every notched span, and redact the ones that fail again with the fallback.
    const fallback = o.notchFallback;
    const checked = (await verify(output, outputName, engine, NOTCH_CHECK_TUNING, raw, chunkBytes)).keys;
    const slack = msToSamples(NOTCH_CHECK_SLACK_MS, rate);
    const reasons = new Map<string, string>();
    for (const p of patched) {
      const span = spans[p.channel][p.index];
      const hit = checked.some((e) => e.channel === p.channel && e.t0 < span.end + slack && e.t1 > span.start - slack);
      if (hit) reasons.set(`${p.channel}:${p.index}`, "key found in the notched span by the check");
      else if (p.audit.residual_db > NOTCH_CHECK_RESIDUAL_DB) reasons.set(`${p.channel}:${p.index}`, `tones left ${p.audit.residual_db} dB against the key (over ${NOTCH_CHECK_RESIDUAL_DB} dB)`);
      else {
        // A span the notch fitted nothing in has no estimates: the check and the backstop above decide it.
        const doubt = notchDoubt(p.audit.notch_uncertainty_db ?? Number.NEGATIVE_INFINITY, p.audit.notch_left_db ?? Number.POSITIVE_INFINITY);
        if (doubt) reasons.set(`${p.channel}:${p.index}`, doubt);
      }
    }
    if (reasons.size > 0) {
      const again = await patch(output, outputName, found, spans, o, (c, i) => (reasons.has(`${c}:${i}`) ? fallback : undefined));
      for (const a of again) {
        const first = patched.find((p) => p.channel === a.channel && p.index === a.index) as Patched;
        a.audit.method = `notch→${fallback}`;
        a.audit.fallback_reason = reasons.get(`${a.channel}:${a.index}`);
        a.audit.notch_residual_db = first.audit.residual_db;
        if (first.audit.notch_uncertainty_db !== undefined) a.audit.notch_uncertainty_db = first.audit.notch_uncertainty_db;
        if (first.audit.notch_left_db !== undefined) a.audit.notch_left_db = first.audit.notch_left_db;
        first.audit = a.audit;
      }
    }
  }
  const auditSpans = patched.map((p) => p.audit).sort((a, b) => a.start_sample - b.start_sample || a.channel - b.channel);
  return { found, spans, auditSpans, inputHash };
}

/** What the audit says of the files and of the samples outside the spans. */
export interface AuditFiles {
  input: RedactAudit["input"];
  output: RedactAudit["output"];
  /** Every byte (or, after a lossless re-encode, every decoded sample) outside the spans is the input's. */
  identical: boolean;
  /** Why `identical` is false without anything having gone wrong (a lossy re-encode). */
  identicalReason?: string;
  /** The codec the output was encoded with, when not written in place. */
  reencoded?: string;
  /** The part of the guards added for the input's codec, ms (included in the guards). */
  codecGuardMs?: { before: number; after: number };
  warnings?: string[];
}

/** The audit of a redaction whose output was verified (`keysLeft`: what the verification found). */
export async function buildAudit(o: ResolvedRedactOptions, pcm: PcmRedaction, keysLeft: VerifiedKey[], files: AuditFiles): Promise<RedactAudit> {
  const { found } = pcm;
  const findings: AuditFinding[] = keysLeft.map((e) => ({
    channel: e.channel, start_ms: e.event.startMs, duration_ms: e.event.durationMs, ...(o.keepDigits ? { digit: e.event.digit } : {}),
  }));
  // A lossy re-encode changes every sample by design: only the keys found in its decoded output decide.
  const outsideOk = files.identical || files.identicalReason !== undefined;
  const audit: RedactAudit = {
    tool: "dtmf-wasm redact", version: await version(),
    input: files.input,
    output: files.output,
    ...(files.reencoded !== undefined ? { reencoded: files.reencoded } : {}),
    method: o.method, ...(o.method === "notch" ? { notch_fallback: o.notchFallback } : {}), guard_before_ms: round1(o.guardBeforeMs), guard_after_ms: round1(o.guardAfterMs),
    ...(files.codecGuardMs !== undefined ? { codec_guard_ms: files.codecGuardMs } : {}), fragments: o.fragments,
    ...(o.fragments ? { fragment_level_dbm0: o.fragmentLevelDbm0 } : {}),
    audio_ms: round1((found.frames * 1000) / found.format.sampleRate),
    spans: pcm.auditSpans,
    verification: {
      tuning: { ...o.verifyTuning } as Record<string, number | string>,
      keys_found: findings.length, found: findings,
      outside_spans_identical: files.identical,
      ...(files.identicalReason !== undefined ? { outside_spans_reason: files.identicalReason } : {}),
      passed: findings.length === 0 && outsideOk,
    },
    warnings: [...(files.warnings ?? []), ...found.warnings],
  };
  if (o.keepDigits) audit.digits = found.keys.map((keys) => keys.filter((k) => k.kind === "key").map((k) => k.digit).join(""));
  return audit;
}

/** What a file's first bytes say it is. */
async function sniffFile(path: string, name: string): Promise<Sniffed> {
  let handle: FileHandle;
  try { handle = await open(path, "r"); } catch (error) { throw unreadable(name, error); }
  try {
    const head = new Uint8Array(SNIFF_BYTES);
    const { bytesRead } = await handle.read(head, 0, SNIFF_BYTES, 0);
    return sniff(head.subarray(0, bytesRead));
  } catch (error) {
    throw unreadable(name, error);
  } finally {
    await handle.close();
  }
}

function samePath(a: string, b: string): boolean {
  const real = (p: string) => { try { return realpathSync(p); } catch { return resolve(p); } };
  return real(a) === real(b);
}

let cachedVersion: string | undefined;
async function version(): Promise<string> {
  if (cachedVersion === undefined) {
    const { readFile } = await import("node:fs/promises");
    cachedVersion = (JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
  }
  return cachedVersion;
}

const round1 = (v: number) => Math.round(v * 10) / 10;

/** Pass 1: the keys (and fragments) of every channel, in samples of the file's own rate. */
async function findKeys(path: string, name: string, engine: DtmfEngine, o: ResolvedRedactOptions, raw: RawOptions | undefined, chunkBytes?: number): Promise<Found> {
  const reader = await AudioReader.open({ path, name }, { raw, chunkBytes });
  const detectors: Detector[] = [];
  const scanners: FragmentScanner[] = [];
  const keys: FoundKey[][] = Array.from({ length: reader.channels }, () => []);
  try {
    const base = { sampleRate: reader.sampleRate, encoding: reader.encoding };
    for (let c = 0; c < reader.channels; c++) {
      detectors.push(engine.createDetector({ ...o.tuning, ...base }));
      if (o.fragments) scanners.push(new FragmentScanner(reader.sampleRate, o.fragmentLevelDbm0));
    }
    const factor = reader.decimation;
    const take = (c: number, kind: FoundKey["kind"], events: readonly { type: string }[]) => {
      for (const e of events) if (e.type === "dtmf") keys[c].push(foundKey(e as DtmfEvent, kind, factor));
    };
    const scaled = (c: number, fragments: FoundKey[]) => {
      for (const f of fragments) keys[c].push({ ...f, t0: f.t0 * factor, t1: f.t1 * factor });
    };
    for await (const block of reader.blocks()) {
      for (let c = 0; c < reader.channels; c++) {
        take(c, "key", detectors[c].process(block.channels[c]));
        if (o.fragments) scaled(c, scanners[c].push(chunkToFloat(block.channels[c], reader.encoding)));
      }
    }
    for (let c = 0; c < reader.channels; c++) {
      take(c, "key", detectors[c].flush());
      if (o.fragments) scaled(c, scanners[c].flush());
    }
    return {
      format: reader.format,
      formatText: describeFormat(reader.format),
      dataOffset: reader.header?.dataOffset ?? 0,
      frames: reader.framesRead,
      keys,
      warnings: reader.warnings.map((w) => w.message),
    };
  } finally {
    for (const d of detectors) d.close();
    await reader.close();
  }
}

/** How far past its reported end a key's tone is followed, s (a key held down for longer is reported whole anyway). */
const FOLLOW_MAX_S = 2;
/** The first look past a key's end, s. */
const FOLLOW_FIRST_S = 0.1;

/** Pass 1b: each key's end moved to where its tones really stop (tones.ts followTone). */
async function followKeys(input: string, inputName: string, found: Found): Promise<void> {
  const { format, dataOffset, frames } = found;
  const codec = sampleCodec(format);
  const rate = format.sampleRate;
  let handle: FileHandle;
  try { handle = await open(input, "r"); } catch (error) { throw unreadable(inputName, error); }
  const windowFrames = Math.max(1, Math.floor(WINDOW_BYTES / format.blockAlign));
  let win: { start: number; end: number; bytes: Uint8Array } | undefined;
  const frameBytes = async (from: number, to: number): Promise<Uint8Array> => {
    if (!win || from < win.start || to > win.end) {
      const end = Math.min(frames, Math.max(to, from + windowFrames));
      win = { start: from, end, bytes: await readFrames(handle, format, dataOffset, from, end) };
    }
    return win.bytes.subarray((from - win.start) * format.blockAlign, (to - win.start) * format.blockAlign);
  };
  try {
    for (let c = 0; c < found.keys.length; c++) {
      win = undefined;
      for (const key of found.keys[c]) {
        if (key.kind !== "key") continue;
        const power: [number, number] = [dbm0ToPower(key.lowDbm0), dbm0ToPower(key.highDbm0)];
        const limit = Math.min(frames, key.t1 + Math.round(FOLLOW_MAX_S * rate));
        // Look 100 ms past the end, and further only while the tone reaches the end of what was looked at.
        for (let length = Math.round(FOLLOW_FIRST_S * rate); key.t1 < limit; length *= 2) {
          const to = Math.min(limit, key.t1 + length);
          const x = decodeChannel(await frameBytes(key.t1, to), format, codec, c, to - key.t1);
          const more = followTone(x, 0, x.length, [key.lowHz, key.highHz], power, rate);
          const block = Math.round(0.016 * rate);
          key.t1 += more;
          if (more + block < x.length || to === limit) break;
          key.t1 -= block; // look again from the last block seen, with more audio
        }
      }
    }
  } finally {
    await handle.close();
  }
}

/** Pass 2a: the input copied to the output unchanged; its SHA-256 and size. */
async function copyHashed(input: string, inputName: string, output: string, outputName: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash("sha256");
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  const source = createReadStream(input);
  const sink = createWriteStream(output);
  let failedOn: "input" | "output" = "input";
  source.on("error", () => { failedOn = "input"; });
  sink.on("error", () => { failedOn = "output"; });
  try {
    await pipeline(source, tap, sink);
  } catch (error) {
    throw failedOn === "input" ? unreadable(inputName, error) : new DtmfFileError(outputName, `cannot write: ${(error as Error).message}`, { cause: error });
  }
  return { sha256: hash.digest("hex"), bytes };
}

interface Patched {
  channel: number;
  /** The span's index in its channel's list. */
  index: number;
  audit: AuditSpan;
}

/**
 * Pass 2b: every span's samples read from the output, redacted with `methodOf(channel, index)`
 * (a span it gives undefined for is left as it is), written back in place.
 */
async function patch(output: string, outputName: string, found: Found, spans: Span[][], o: ResolvedRedactOptions, methodOf: (channel: number, index: number) => RedactMethod | undefined): Promise<Patched[]> {
  const { format, dataOffset, frames } = found;
  const rate = format.sampleRate;
  const codec = sampleCodec(format);
  const audit: Patched[] = [];
  let handle: FileHandle;
  try {
    handle = await open(output, "r+");
  } catch (error) {
    throw new DtmfFileError(outputName, `cannot write: ${(error as Error).message}`, { cause: error });
  }
  // Spans are read and written through a window of WINDOW_BYTES of the file: one read and one
  // write for all the spans in it (an hour with 18 000 keys would otherwise cost 36 000 calls).
  const windowFrames = Math.max(1, Math.floor(WINDOW_BYTES / format.blockAlign));
  let win: { start: number; end: number; bytes: Uint8Array } | undefined;
  const flush = async () => {
    if (!win) return;
    try {
      await handle.write(win.bytes, 0, win.bytes.length, dataOffset + win.start * format.blockAlign);
    } catch (error) {
      throw new DtmfFileError(outputName, `cannot write: ${(error as Error).message}`, { cause: error });
    }
    win = undefined;
  };
  /** The bytes of frames [from, to), inside the window (moved if needed). */
  const frameBytes = async (from: number, to: number): Promise<Uint8Array> => {
    if (!win || from < win.start || to > win.end) {
      await flush();
      const end = Math.min(frames, Math.max(to, from + windowFrames));
      win = { start: from, end, bytes: await readFrames(handle, format, dataOffset, from, end) };
    }
    return win.bytes.subarray((from - win.start) * format.blockAlign, (to - win.start) * format.blockAlign);
  };
  try {
    const context = msToSamples(NOISE_CONTEXT_MS, rate);
    const maxPiece = Math.round(MAX_PIECE_S * rate);
    for (let c = 0; c < spans.length; c++) {
      const list = spans[c];
      for (let i = 0; i < list.length; i++) {
        const span = list[i];
        const method = methodOf(c, i);
        if (method === undefined) continue;
        let noiseRms = 0;
        if (method === "noise") {
          const prevEnd = i > 0 ? list[i - 1].end : 0;
          const nextStart = i + 1 < list.length ? list[i + 1].start : frames;
          const from = Math.max(prevEnd, span.start - context), to = Math.min(nextStart, span.end + context);
          const x = decodeChannel(await frameBytes(from, to), format, codec, c, to - from);
          noiseRms = surroundingRms(x, [[0, span.start - from], [span.end - from, to - from]], rate);
        }
        const measures: KeyMeasure[] = [];
        const seed = (Math.imul(span.start, 0x9e3779b1) ^ c) >>> 0;
        // One comfort noise for the whole span, continued piece after piece.
        const noise = method === "noise" ? new ComfortNoise(noiseRms, seed, rate) : undefined;
        for (let ps = span.start; ps < span.end; ps += maxPiece) {
          const pe = Math.min(span.end, ps + maxPiece);
          const bytes = await frameBytes(ps, pe);
          const x = decodeChannel(bytes, format, codec, c, pe - ps);
          const y = Float64Array.from(x);
          const keys: KeyJob[] = span.keys.filter((k) => k.t0 < pe && k.t1 > ps).map((key) => ({
            key, t0: key.t0 - ps, t1: key.t1 - ps, startInside: key.t0 >= ps, endInside: key.t1 <= pe,
          }));
          measures.push(...applyMethod(method, x, y, {
            from: 0, to: pe - ps, keys, rate, noiseRms, seed, noise,
            offsetInSpan: ps - span.start, spanLength: span.end - span.start,
          }));
          const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
          for (let n = 0; n < y.length; n++) if (y[n] !== x[n]) codec.write(view, n * format.blockAlign + c * format.bytesPerSample, y[n]);
        }
        audit.push({ channel: c, index: i, audit: auditSpan(c, span, measures, rate, o, method) });
      }
      await flush();
    }
  } finally {
    await handle.close();
  }
  return audit;
}

function auditSpan(channel: number, span: Span, measures: KeyMeasure[], rate: number, o: ResolvedRedactOptions, method: RedactMethod): AuditSpan {
  let key = Number.NEGATIVE_INFINITY, residual = Number.NEGATIVE_INFINITY, worst = Number.NEGATIVE_INFINITY;
  for (const m of measures) {
    for (let t = 0; t < 2; t++) {
      key = Math.max(key, m.keyDbm0[t]);
      residual = Math.max(residual, m.residualDbm0[t]);
      worst = Math.max(worst, m.residualDbm0[t] - m.keyDbm0[t]);
    }
  }
  const uncertain = notchUncertaintyDb(measures);
  const left = notchLeftDb(measures);
  if (measures.length === 0) key = residual = worst = 0;
  const ms = (s: number) => round1((s * 1000) / rate);
  return {
    channel, start_sample: span.start, end_sample: span.end, start_ms: ms(span.start), end_ms: ms(span.end),
    method, kind: span.keys.every((k) => k.kind === "fragment") ? "fragment" : "key", keys: span.keys.length,
    key_dbm0: round1(key), residual_dbm0: round1(residual), residual_db: round1(worst),
    ...(Number.isFinite(uncertain) ? { notch_uncertainty_db: round1(uncertain), notch_left_db: round1(left) } : {}),
    ...(o.keepDigits ? { digits: span.keys.map((k) => k.digit).join("") } : {}),
  };
}

async function readFrames(handle: FileHandle, format: PcmFormat, dataOffset: number, from: number, to: number): Promise<Uint8Array> {
  const bytes = new Uint8Array((to - from) * format.blockAlign);
  let done = 0;
  while (done < bytes.length) {
    const { bytesRead } = await handle.read(bytes, done, bytes.length - done, dataOffset + from * format.blockAlign + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return bytes;
}

function decodeChannel(bytes: Uint8Array, format: PcmFormat, codec: SampleCodec, channel: number, frames: number): Float64Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const x = new Float64Array(frames);
  for (let n = 0, at = channel * format.bytesPerSample; n < frames; n++, at += format.blockAlign) x[n] = codec.read(view, at);
  return x;
}

/** A key the verification (or the notch's check) found, with its onset and end in samples of the file's rate. */
export interface VerifiedKey { channel: number; event: DtmfEvent; t0: number; t1: number }
/** What the verification read: the keys, and the audio's length and format. */
export interface Verified { keys: VerifiedKey[]; frames: number; format: PcmFormat }

/**
 * Pass 3a: the output analysed with `tuning` (the verification's; or the notch check's); every
 * key found, with its onset and end in samples of the file's rate.
 */
export async function verify(path: string, name: string, engine: DtmfEngine, tuning: DetectorTuning, raw: RawOptions | undefined, chunkBytes?: number): Promise<Verified> {
  const reader = await AudioReader.open({ path, name }, { raw, chunkBytes });
  const detectors: Detector[] = [];
  const found: VerifiedKey[] = [];
  try {
    for (let c = 0; c < reader.channels; c++) {
      detectors.push(engine.createDetector({ ...tuning, sampleRate: reader.sampleRate, encoding: reader.encoding }));
    }
    const factor = reader.decimation;
    const take = (channel: number, events: readonly { type: string }[]) => {
      for (const e of events) {
        if (e.type !== "dtmf") continue;
        const event = e as DtmfEvent;
        found.push({ channel, event, t0: event.startSample * factor, t1: (event.startSample + event.durationSamples) * factor });
      }
    };
    for await (const block of reader.blocks()) for (let c = 0; c < reader.channels; c++) take(c, detectors[c].process(block.channels[c]));
    for (let c = 0; c < reader.channels; c++) take(c, detectors[c].flush());
  } finally {
    for (const d of detectors) d.close();
    await reader.close();
  }
  return { keys: found, frames: reader.framesRead, format: reader.format };
}

/**
 * Pass 3b: the output's SHA-256, and whether every byte outside the spans' samples equals the
 * input's (same length, same header and chunks, same samples).
 */
export async function compareOutside(input: string, inputName: string, output: string, outputName: string, found: Found, spans: Span[][]): Promise<{ sha256: string; bytes: number; identical: boolean }> {
  const { format, dataOffset, frames } = found;
  const dataEnd = dataOffset + frames * format.blockAlign;
  const hash = createHash("sha256");
  let a: FileHandle, b: FileHandle;
  try { a = await open(input, "r"); } catch (error) { throw unreadable(inputName, error); }
  try { b = await open(output, "r"); } catch (error) { await a.close(); throw unreadable(outputName, error); }
  /** If byte `offset` is a sample inside a span, the first byte after that span's frames (mono: all of it is the span's); else −1. */
  const inSpan = (offset: number): number => {
    if (offset < dataOffset || offset >= dataEnd) return -1;
    const rel = offset - dataOffset;
    const frame = Math.floor(rel / format.blockAlign);
    const channel = Math.floor((rel % format.blockAlign) / format.bytesPerSample);
    const list = spans[channel];
    let lo = 0, hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].end <= frame) lo = mid + 1;
      else if (list[mid].start > frame) hi = mid - 1;
      else return format.channels === 1 ? dataOffset + list[mid].end * format.blockAlign : offset + 1;
    }
    return -1;
  };
  let identical = true, bytes = 0;
  try {
    const bufA = Buffer.alloc(COMPARE_BYTES), bufB = Buffer.alloc(COMPARE_BYTES);
    for (let position = 0; ; position += COMPARE_BYTES) {
      const [ra, rb] = await Promise.all([a.read(bufA, 0, COMPARE_BYTES, position), b.read(bufB, 0, COMPARE_BYTES, position)]);
      if (rb.bytesRead > 0) hash.update(bufB.subarray(0, rb.bytesRead));
      bytes += rb.bytesRead;
      if (ra.bytesRead !== rb.bytesRead) identical = false;
      const n = Math.min(ra.bytesRead, rb.bytesRead);
      if (identical && !bufA.subarray(0, n).equals(bufB.subarray(0, n))) {
        for (let i = 0; i < n && identical; i++) {
          if (bufA[i] === bufB[i]) continue;
          const next = inSpan(position + i);
          if (next < 0) identical = false;
          else i = Math.max(i, next - position - 1);
        }
      }
      if (rb.bytesRead === 0 && ra.bytesRead === 0) break;
      if (rb.bytesRead === 0 || ra.bytesRead === 0) {
        // Hash the rest of the output if it is the longer one.
        if (rb.bytesRead > 0) continue;
        break;
      }
    }
  } finally {
    await a.close();
    await b.close();
  }
  return { sha256: hash.digest("hex"), bytes, identical };
}
