/**
 * Redaction (`npm run bench -- --only redact`): the battery below written as a WAV in each
 * codec, redacted by `redactFile` (the code `dtmf-wasm redact` runs) with each method, and
 * also through the live redactor; then
 *
 * - keys found in the output by dtmf-wasm at its most sensitive setting (every tuning option
 *   at the end of its range), spandsp, multimon-ng and dtmf-detection-stream, beyond what each
 *   finds in the same audio without the keys (speech alone can trip a detector that sensitive);
 * - residual power of the two tones over each key's true tone, Blackman-Harris windowed at the
 *   key's true frequencies, against the key's power: in the output itself for the methods that
 *   replace the span, in output − (audio without the key) for the notch, which keeps the rest;
 * - notch: level of the speech under a 200 ms key, output against speech alone, in bands
 *   outside ±50 Hz of the two tones;
 * - speed on an hour of 8 kHz audio (a call with a card number and a PIN every 5 minutes, and
 *   the dense 18 000-key hour of the README), against `analyze` on the same file;
 * - the live delay and the tone samples sent before their key was known (leak).
 *
 * Battery (every level and twist the detector accepts): levels 0 … −40 dBm0, twist +5 … −9 dB,
 * frequency ±1.5 %, tones 40 / 100 / 250 ms, white noise at S/N 15 dB, keys over the committed
 * speech excerpts 10 and 20 dB under the key; each case alone in 2 s, so a report of any
 * detector (dtmf-detection-stream reports up to 1.4 s late) stays within its case.
 */
import { execFile } from "node:child_process";
import { mkdir, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as vega from "vega";
import * as vl from "vega-lite";
import { DtmfEngine, dbm0ToPower, encodeSamples, generateDtmf, keyFrequencies, seededGaussian } from "../../dist/index.js";
import { LiveRedactor } from "../../dist/redact/live.js";
import { redactFile } from "../../dist/redact/offline.js";
import { windowedTonePower } from "../../dist/redact/tones.js";
import { MOST_SENSITIVE_TUNING } from "../../dist/options.js";
import { AudioReader } from "../../dist/wav/reader.js";
import { encodeWav } from "../../dist/wav/write.js";
import { readWav } from "../lib/audio.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** Scratch and the hour-long files (DTMF_REDACT_WORK: elsewhere, so that two runs do not share them). */
const WORK = process.env.DTMF_REDACT_WORK ?? join(ROOT, "bench/work/redact");
const TALKOFF = join(ROOT, "audio-fixtures/talkoff");
const RATE = 8000;
/** Each case's length: 2 s rounded to whole analysis hops (51 samples), so every case meets the detector at the same hop phase as alone. */
export const CASE_SAMPLES = 51 * 314;
const CASE_MS = (CASE_SAMPLES * 1000) / 8000;
const KEY_AT_MS = 300;
const METHODS = ["notch", "silence", "noise", "tone"];
const CODECS = ["pcm16", "mulaw", "alaw"];
/** Targets of issue 17. */
const TARGET_RESIDUAL_DB = { notch: -40, noise: -40, tone: -40, silence: -60 };
const TARGET_SPEECH_DB = 1;
const TARGET_SPEED = 1000;
const TARGET_DELAY_MS = 40;
/** dtmf-wasm at its most sensitive: every tuning option at the end of its range (src/options.ts). */
const MOST_SENSITIVE = MOST_SENSITIVE_TUNING;

function run(file, args) {
  return new Promise((resolve, reject) => execFile(file, args, { maxBuffer: 64 << 20 }, (error, stdout, stderr) => (error ? reject(Object.assign(error, { stderr })) : resolve(stdout))));
}

async function speechExcerpts() {
  const files = (await readdir(TALKOFF)).filter((f) => f.startsWith("speech-") && f.endsWith(".wav")).sort();
  return Promise.all(files.map(async (f) => Float32Array.from((await readWav(join(TALKOFF, f))).samples, (v) => v / 32768)));
}

const rms = (x) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);

/** The battery: cases laid end to end; each { key: Float32Array, rest: Float32Array, tone, info }. */
export async function battery(quick) {
  const cases = [];
  const n = CASE_SAMPLES;
  const add = (info, options, under) => {
    const g = generateDtmf({ leadMs: KEY_AT_MS, tailMs: 0, sampleRate: RATE, ...options });
    const key = new Float32Array(n);
    key.set(g.samples.subarray(0, n));
    const rest = new Float32Array(n);
    if (under) rest.set(under.subarray(0, n));
    cases.push({ key, rest, tone: g.tones[0], info, lowErrorPct: options.lowErrorPct ?? 0, highErrorPct: options.highErrorPct ?? 0 });
  };
  const levels = quick ? [0, -20, -40] : [0, -10, -20, -30, -40];
  const twists = quick ? [5, -9] : [5, 0, -9];
  const offsets = quick ? [0, 1.5] : [0, 1.5, -1.5];
  const durations = quick ? [40, 250] : [40, 100, 250];
  let d = 0;
  for (const levelDbm0 of levels) for (const twistDb of twists) for (const pct of offsets) for (const toneMs of durations) {
    const digit = "0123456789*#ABCD"[d++ % 16];
    // The level is the stronger tone's, so every pair stays within what the detector accepts.
    add({ kind: "clean", levelDbm0, twistDb, pct, toneMs }, { keys: digit, toneMs, levelDbm0: twistDb > 0 ? levelDbm0 - twistDb : levelDbm0, twistDb, lowErrorPct: pct, highErrorPct: -pct, seed: d });
  }
  for (let i = 0; i < (quick ? 4 : 16); i++) {
    // White noise at S/N 15 dB against the pair (−15 dBm0 per tone), over 0-4 kHz.
    const sigma = Math.sqrt((2 * dbm0ToPower(-15)) / 10 ** 1.5);
    const gaussian = seededGaussian(1000 + i);
    add({ kind: "noise", snrDb: 15 }, { keys: "0123456789*#ABCD"[i], toneMs: 100, levelDbm0: -15, seed: 2000 + i }, Float32Array.from({ length: n }, () => sigma * gaussian()));
  }
  const speech = await speechExcerpts();
  for (const [s, excerpt] of speech.entries()) {
    for (const below of [10, 20]) for (const toneMs of [60, 200]) {
      const start = RATE * (3 + 4 * (below / 10) + (toneMs === 200 ? 1 : 0));
      const under = excerpt.subarray(start, start + n);
      const keyPower = 2 * 10 ** (-10 / 10) * 0.5 * 10 ** (-3.17 / 10);
      const gain = Math.sqrt(keyPower * 10 ** (-below / 10)) / Math.max(1e-9, rms(under));
      add({ kind: "speech", below, toneMs, speaker: s }, { keys: "5", toneMs, levelDbm0: -10, seed: 3000 + s }, under.map((v) => v * gain));
    }
  }
  return cases;
}

export function concat(cases, field) {
  const n = cases[0].key.length;
  const out = new Float32Array(n * cases.length);
  cases.forEach((c, i) => out.set(field === "both" ? c.key.map((v, j) => v + c.rest[j]) : c[field], i * n));
  return out;
}

export async function decodeFile(path) {
  const reader = await AudioReader.open({ path });
  const parts = [];
  for await (const block of reader.blocks()) {
    const c = block.channels[0];
    const view = new DataView(c.buffer, c.byteOffset, c.byteLength);
    if (reader.encoding === "pcm16") parts.push(c instanceof Int16Array ? Float32Array.from(c, (v) => v / 32768) : Float32Array.from({ length: c.length / 2 }, (_, i) => view.getInt16(2 * i, true) / 32768));
    else parts.push(Float32Array.from(c, (v) => (reader.encoding === "mulaw" ? ULAW[v] : ALAW[v])));
  }
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

const { ulawToLinear, alawToLinear } = await import("../../dist/g711.js");
const ULAW = Float32Array.from({ length: 256 }, (_, c) => ulawToLinear(c) / 32768);
const ALAW = Float32Array.from({ length: 256 }, (_, c) => alawToLinear(c) / 32768);
export const roundTrip = (x, codec) => (codec === "pcm16" ? Float32Array.from(encodeSamples(x, "pcm16"), (v) => v / 32768) : Float32Array.from(encodeSamples(x, codec), (v) => (codec === "mulaw" ? ULAW[v] : ALAW[v])));

/**
 * multimon-ng's DTMF decoder on 8 kHz samples (it resamples through sox). It prints digits
 * without positions, so it is run on each case alone: a detection per case.
 */
async function multimon(pcm, dir) {
  const detections = [];
  for (let i = 0; i * CASE_SAMPLES < pcm.length; i++) {
    const path = join(dir, "multimon.wav");
    await writeFile(path, encodeWav([Float32Array.from(pcm.subarray(i * CASE_SAMPLES, (i + 1) * CASE_SAMPLES), (v) => v / 32768)], RATE, "pcm16"));
    const out = await run("multimon-ng", ["-q", "-c", "-a", "DTMF", "-t", "wav", path]);
    for (const line of out.split("\n")) if (line.startsWith("DTMF:")) detections.push({ startMs: i * CASE_MS + 1, digit: line.slice(5).trim() });
  }
  return detections;
}

async function multimonVersion() {
  try { await run("multimon-ng", ["-h"]); } catch (e) { return /multimon-ng ([\d.]+)/.exec(String(e.stderr ?? ""))?.[1] ?? ""; }
  return "";
}

async function multimonAvailable() {
  try { await run("multimon-ng", ["-h"]); return { ok: true }; } catch (e) { return e.code === "ENOENT" ? { ok: false, reason: "multimon-ng is not installed: apt-get install multimon-ng (and sox)" } : { ok: true }; }
}

/** Detections per case index of a detect() result. */
function perCase(detections, caseCount) {
  const counts = new Array(caseCount).fill(0);
  for (const d of detections) {
    const at = d.startMs ?? d.keydownMs;
    const i = Math.floor(at / CASE_MS);
    if (i >= 0 && i < caseCount) counts[i]++;
  }
  return counts;
}

/** The detectors of the part: dtmf-wasm (most sensitive), the bench's peers that run, multimon-ng. */
async function detectors(ctx, engine, dir) {
  const list = [{
    id: "dtmf-wasm", name: "dtmf-wasm (most sensitive)",
    detect: async (pcm) => {
      const d = engine.createDetector({ ...MOST_SENSITIVE, sampleRate: RATE });
      const ev = [...d.process(pcm), ...d.flush()].filter((e) => e.type === "dtmf");
      d.close();
      return ev.map((e) => ({ startMs: e.startMs }));
    },
  }];
  for (const p of ctx.detectors) if (!p.ours && p.available.ok && (p.id === "spandsp" || p.id === "dtmf-detection-stream")) list.push({ id: p.id, name: p.name, detect: (pcm) => p.detect(pcm, { frameSize: 160 }) });
  const mm = await multimonAvailable();
  if (mm.ok) list.push({ id: "multimon-ng", name: `multimon-ng ${await multimonVersion()}`, detect: (pcm) => multimon(pcm, dir) });
  else ctx.progress.note(`multimon-ng: skipped (${mm.reason})`);
  return list;
}

/** Keys each detector finds in `out` beyond those it finds in `ref` (per case; multimon-ng in total). */
async function keysLeft(list, out, ref, caseCount, where = []) {
  const result = {};
  const pcmOut = encodeSamples(out, "pcm16"), pcmRef = encodeSamples(ref, "pcm16");
  for (const d of list) {
    const a = perCase(await d.detect(pcmOut), caseCount), b = perCase(await d.detect(pcmRef), caseCount);
    result[d.id] = a.reduce((s, v, i) => s + Math.max(0, v - b[i]), 0);
    a.forEach((v, i) => { if (v > b[i]) where.push({ detector: d.id, case: i }); });
  }
  return result;
}

const db = (p, q) => 10 * Math.log10(Math.max(p, 1e-30) / Math.max(q, 1e-30));

/** Worst residual (dB) over the cases, and how many cases miss the target. */
/** `replaced`: [from, to) sample ranges of the battery that a notch's fallback wrote (no speech there: measured as they are). */
export function residuals(cases, out, ref, method, offset = 0, replaced = []) {
  const n = cases[0].key.length;
  let worst = Number.NEGATIVE_INFINITY, misses = 0;
  const target = TARGET_RESIDUAL_DB[method];
  const values = [];
  const over = [];
  const perCase = [];
  cases.forEach((c, i) => {
    const t0 = i * n + c.tone.startSample, t1 = t0 + c.tone.durationSamples;
    const { lowHz, highHz } = keyFrequencies(c.tone.digit);
    // What a notch's fallback wrote (replaced) holds no speech: measured as it is.
    const fell = (n) => replaced.some(([a, b]) => n >= a && n < b);
    const r = method === "notch" ? Float64Array.from({ length: t1 - t0 }, (_, j) => out[offset + t0 + j] - (fell(t0 + j) ? 0 : ref[t0 + j])) : Float64Array.from(out.subarray(offset + t0, offset + t1));
    let caseWorst = Number.NEGATIVE_INFINITY;
    for (const [f, pct] of [[lowHz, c.lowErrorPct], [highHz, c.highErrorPct]]) {
      const hz = f * (1 + pct / 100);
      const key = windowedTonePower(c.key, c.tone.startSample, c.tone.startSample + c.tone.durationSamples, hz, RATE);
      caseWorst = Math.max(caseWorst, db(windowedTonePower(r, 0, r.length, hz, RATE), key));
    }
    values.push(caseWorst);
    perCase.push(caseWorst);
    worst = Math.max(worst, caseWorst);
    if (caseWorst > target) { misses++; over.push({ case: i, db: Math.round(caseWorst * 10) / 10, info: c.info }); }
  });
  return { worst, misses, median: [...values].sort((a, b) => a - b)[values.length >> 1], over, perCase };
}

/** Hann-windowed power in [f0, f1) Hz of x[a, b), 2.5 Hz steps. */
function bandPower(x, a, b, f0, f1) {
  const n = b - a;
  let total = 0;
  for (let f = f0; f < f1; f += 2.5) {
    let re = 0, im = 0;
    const w0 = (2 * Math.PI * f) / RATE;
    for (let i = 0; i < n; i++) {
      const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1));
      re += x[a + i] * w * Math.cos(w0 * i);
      im -= x[a + i] * w * Math.sin(w0 * i);
    }
    total += re * re + im * im;
  }
  return total;
}

/** Notch: worst |level change| of the speech under the 200 ms keys, outside ±50 Hz of the tones (keys a fallback wrote any of, `replaced` ranges, left out: their speech is gone by design). */
export function speechLevels(cases, out, ref, replaced = []) {
  const n = cases[0].key.length;
  let worst = 0;
  cases.forEach((c, i) => {
    if (c.info.kind !== "speech" || c.info.toneMs !== 200) return;
    const t0 = i * n + c.tone.startSample, t1 = t0 + c.tone.durationSamples;
    if (replaced.some(([a, b]) => a < t1 && b > t0)) return;
    const { lowHz, highHz } = keyFrequencies(c.tone.digit);
    for (const [f0, f1] of [[300, 600], [600, lowHz - 50], [lowHz + 50, highHz - 50], [highHz + 50, 2400], [2400, 3400]]) {
      worst = Math.max(worst, Math.abs(db(bandPower(out, t0, t1, f0, f1), bandPower(ref, t0, t1, f0, f1))));
    }
  });
  return worst;
}

/** An hour of 8 kHz 16-bit audio, cached in bench/work/redact/: "call" (a card number and PIN every 5 min in noise) or "dense". */
async function hourFile(kind) {
  const path = join(WORK, `hour-${kind}.wav`);
  if (await stat(path).then(() => true, () => false)) return path;
  const seconds = 3600;
  let samples;
  if (kind === "dense") {
    samples = generateDtmf({ keys: "0123456789*#ABCD".repeat(1125), toneMs: 80, gapMs: 120, snrDb: 20 }).samples;
  } else {
    samples = new Float32Array(seconds * RATE);
    // White noise at −35 dBm0 (a quiet line) with a card number and a PIN every 5 minutes.
    const gaussian = seededGaussian(7);
    const sigma = Math.sqrt(dbm0ToPower(-35));
    for (let i = 0; i < samples.length; i++) samples[i] = sigma * gaussian();
    for (let block = 0; block < 12; block++) {
      const at = block * 300 * RATE;
      const keys = generateDtmf({ keys: "4111111111111111#1234#", toneMs: 90, gapMs: 150, leadMs: 0, tailMs: 0, levelDbm0: -12, seed: block }).samples;
      for (let i = 0; i < keys.length; i++) samples[at + 60 * RATE + i] += keys[i];
    }
  }
  await writeFile(path, encodeWav([samples], RATE, "pcm16"));
  return path;
}

async function timeIt(fn, passes = 2) {
  let best = Number.POSITIVE_INFINITY, value;
  for (let i = 0; i < passes; i++) {
    const t0 = performance.now();
    value = await fn();
    best = Math.min(best, performance.now() - t0);
  }
  return { ms: best, value };
}

async function render(spec) {
  const view = new vega.View(vega.parse(vl.compile({ config: { font: "sans-serif", view: { stroke: "#ccc" } }, ...spec }).spec), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

/** The plot: spectrum over a 200 ms key on speech, before and after the notch, with the speech alone. */
async function plot(cases, input, out, ref, dir) {
  const n = cases[0].key.length;
  const i = cases.findIndex((c) => c.info.kind === "speech" && c.info.toneMs === 200 && c.info.below === 10);
  const c = cases[i];
  const t0 = i * n + c.tone.startSample, t1 = t0 + c.tone.durationSamples;
  const rows = [];
  for (const [name, x] of [["input: key + speech", input], ["notch output", out], ["speech alone", ref]]) {
    for (let f = 200; f <= 2000; f += 5) rows.push({ signal: name, hz: f, db: 10 * Math.log10(Math.max(1e-14, windowedTonePower(x, t0, t1, f, RATE)) / (0.5 * 10 ** (-3.17 / 10))) });
  }
  const spec = {
    title: `Key "5" (770 + 1336 Hz, −10 dBm0 per tone, 200 ms) over speech 10 dB below it: power spectrum over the tone`,
    width: 620, height: 280, data: { values: rows },
    mark: { type: "line", strokeWidth: 1.2 },
    encoding: {
      x: { field: "hz", type: "quantitative", title: "frequency, Hz" },
      y: { field: "db", type: "quantitative", title: "power, dBm0 (Blackman-Harris, per frequency)", scale: { domain: [-90, 0] } },
      color: { field: "signal", type: "nominal", title: null, scale: { range: ["#d62728", "#1f77b4", "#2ca02c"] }, legend: { orient: "bottom" } },
      strokeDash: { field: "signal", type: "nominal", scale: { range: [[1, 0], [1, 0], [4, 3]] }, legend: null },
    },
  };
  const file = join(dir, "redact-key.svg");
  await writeFile(file, await render(spec));
  return "bench/results/redact-key.svg";
}

const f1 = (v) => (Number.isFinite(v) ? v.toFixed(1) : String(v));

/**
 * The battery `samples` (full scale 1) through the live redactor in 20 ms frames, pcm16 or
 * μ-law: the output decoded and realigned (its first delaySamples dropped), the redactor, and
 * the [from, to) ranges a notch's fallback wrote (from onSpan). The redactor is closed.
 */
export function redactLive(engine, samples, codec, options) {
  const fellBack = [];
  const r = new LiveRedactor({ engine, encoding: codec, ...options, onSpan: (s) => fellBack.push(...(s.fellBack ?? [])) });
  const bytes = encodeSamples(samples, codec);
  const raw = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bps = codec === "pcm16" ? 2 : 1;
  const frame = 160 * bps;
  const outBytes = new Uint8Array(raw.length + r.delaySamples * bps);
  for (let at = 0; at < raw.length; at += frame) outBytes.set(r.process(raw.subarray(at, at + frame)).audio, at);
  outBytes.set(r.flush().audio, raw.length);
  r.close();
  const decoded = codec === "pcm16" ? Float32Array.from(new Int16Array(outBytes.buffer), (v) => v / 32768) : Float32Array.from(outBytes, (v) => ULAW[v]);
  return { out: decoded.subarray(r.delaySamples), redactor: r, fellBack };
}

export async function runRedact(ctx) {
  const engine = await DtmfEngine.create();
  await mkdir(WORK, { recursive: true });
  const scratch = join(WORK, "scratch");
  await mkdir(scratch, { recursive: true });
  ctx.progress.step("building the battery");
  const built = await battery(ctx.quick);
  // Only what the detector (default tuning) reports as a key can be redacted as one: cases it
  // does not decode (a tone under −45 dBm0 after twist, a key drowned in speech) are left out and counted.
  const cases = built.filter((c) => CODECS.every((codec) => {
    const d = engine.createDetector({ sampleRate: RATE, encoding: codec });
    const ev = [...d.process(encodeSamples(c.key.map((v, j) => v + c.rest[j]), codec)), ...d.flush()].filter((e) => e.type === "dtmf");
    d.close();
    return ev.length === 1 && ev[0].digit === c.tone.digit;
  }));
  const excluded = {};
  for (const c of built) if (!cases.includes(c)) excluded[c.info.kind] = (excluded[c.info.kind] ?? 0) + 1;
  const both = concat(cases, "both"), rest = concat(cases, "rest");
  const list = await detectors(ctx, engine, scratch);
  const rows = [];
  let speech;
  let plotFile;
  for (const codec of CODECS) {
    const input = join(scratch, `battery-${codec}.wav`);
    await writeFile(input, encodeWav([both], RATE, codec));
    const ref = roundTrip(rest, codec);
    const inputDecoded = roundTrip(both, codec);
    // notch twice: without the check and fallback (notchFallback "none", the notch alone) and with the default fallback.
    for (const [method, notchFallback] of [["notch", "none"], ...METHODS.map((m) => [m, undefined])]) {
      const label = notchFallback === "none" ? "notch (fallback none)" : method === "notch" ? "notch (fallback noise)" : method;
      ctx.progress.step(`${codec}, ${label}: redacting ${cases.length} cases`);
      const output = join(scratch, `out-${codec}-${method}${notchFallback ? `-${notchFallback}` : ""}.wav`);
      const audit = await redactFile(input, output, engine, { method, ...(notchFallback ? { notchFallback } : {}) });
      const fellBack = audit.spans.filter((s) => s.fallback_reason !== undefined);
      const replaced = fellBack.map((s) => [s.start_sample, s.end_sample]);
      const out = await decodeFile(output);
      ctx.progress.step(`${codec}, ${method}: detectors on the output`);
      const where = [];
      const left = await keysLeft(list, out, ref, cases.length, where);
      const res = residuals(cases, out, ref, method, 0, replaced);
      const row = { mode: "file", codec, method: label, fellBack: fellBack.length, leftIn: where.map((w) => ({ ...w, info: cases[w.case].info })), spans: audit.spans.length, cases: cases.length, verified: audit.verification.passed, identical: audit.verification.outside_spans_identical, left, residual: res };
      if (method === "notch" && notchFallback === "none") {
        row.speechDb = speechLevels(cases, out, ref);
        // The floor under it: the input minus the exact generated key (what a perfect notch would leave), against the speech alone through the codec.
        const key = concat(cases, "key");
        row.perfectNotchSpeechDb = speechLevels(cases, Float32Array.from(inputDecoded, (v, j) => v - key[j]), ref);
        if (codec === "pcm16") { speech = row.speechDb; plotFile = await plot(cases, inputDecoded, out, ref, new URL("../results/", import.meta.url).pathname); }
      } else if (method === "notch") {
        // With the fallback: the speech under the keys the notch kept.
        row.speechDb = speechLevels(cases, out, ref, replaced);
      }
      rows.push(row);
    }
  }
  // Live: the pcm16 and μ-law battery through the live redactor in 20 ms frames.
  const live = [];
  for (const codec of ["pcm16", "mulaw"]) {
    // Every method as the live redactor runs by default (candidates on), and silence with keys only (candidates off) to show the leak it prevents.
    for (const [method, candidates] of [...METHODS.map((m) => [m, true]), ["silence", false]]) {
      ctx.progress.step(`live, ${codec}, ${method}${candidates ? "" : ", keys only"}`);
      const { out, redactor: r, fellBack } = redactLive(engine, both, codec, { method, candidates });
      const ref = roundTrip(rest, codec);
      const where = [];
      const left = await keysLeft(list, out, ref, cases.length, where);
      const fellBackSamples = fellBack.reduce((n, [a, b]) => n + b - a, 0);
      live.push({ mode: "live", candidates, codec, method, spansFellBack: r.spansFellBack, fellBackSamples, leftIn: where.map((w) => ({ ...w, info: cases[w.case].info })), delayMs: r.delayMs, leakedSamples: r.leakedSamples, left, residual: residuals(cases, out, ref, method, 0, fellBack), ...(method === "notch" ? { speechDb: speechLevels(cases, out, ref, fellBack) } : {}) });
    }
  }
  // False redaction: the talk-off excerpts (speech and music, no keys) through the live redactor; every sample that comes out changed is speech muted.
  ctx.progress.step("live, talk-off excerpts");
  const talkoff = await falseRedaction(engine);
  // Speed: an hour of audio, redacted on this thread (one core), against analyze on the same file.
  const speed = [];
  for (const kind of ctx.quick ? ["call"] : ["call", "dense"]) {
    ctx.progress.step(`speed: an hour of audio (${kind})`);
    const path = await hourFile(kind);
    const analyze = await timeIt(async () => {
      const reader = await AudioReader.open({ path });
      const d = engine.createDetector({ encoding: reader.encoding });
      let keys = 0;
      for await (const b of reader.blocks()) keys += d.process(b.channels[0]).filter((e) => e.type === "dtmf").length;
      d.close();
      return keys;
    });
    for (const method of ["notch", "silence"]) {
      const t = await timeIt(() => redactFile(path, join(WORK, `hour-${kind}.${method}.wav`), engine, { method }));
      speed.push({ kind, method, spans: t.value.spans.length, seconds: t.ms / 1000, realTime: 3600 / (t.ms / 1000), analyzeRealTime: 3600 / (analyze.ms / 1000), verified: t.value.verification.passed });
      await rm(join(WORK, `hour-${kind}.${method}.wav`), { force: true });
    }
  }
  await rm(scratch, { recursive: true, force: true });

  const edges = edgeErrors(engine, cases);
  const ids = list.map((d) => d.id);
  const table = [];
  table.push(`Battery: ${cases.length} cases (${Object.entries(excluded).map(([k, v]) => `${v} ${k} case(s) the detector does not decode left out`).join(", ") || "every case decoded"}; ${(cases.length * CASE_MS / 1000 / 60).toFixed(1)} min of audio per codec): levels 0…−40 dBm0, twist +5…−9 dB, ±1.5 %, 40/100/250 ms, S/N 15 dB, speech 10 and 20 dB under the key. Keys left: found in the output beyond what the detector finds in the same audio without the keys (target 0). Residual: the key's two tones, worst case / median over the cases, dB against the key (target ≤ −40, silence ≤ −60).`, "");
  table.push(`| mode | codec | method | spans | ${list.map((d) => `keys left: ${d.name}`).join(" | ")} | residual worst / median, dB | cases over target | notch: speech level change outside ±50 Hz |`);
  table.push(`|---|---|---|---:|${ids.map(() => "---:").join("|")}|---:|---:|---:|`);
  for (const r of [...rows, ...live]) {
    table.push(`| ${r.mode}${r.mode === "live" ? ` (${r.delayMs} ms${r.candidates ? "" : ", keys only"}, leak ${r.leakedSamples} samples)` : ""} | ${r.codec} | ${r.method}${r.fellBack ? ` (${r.fellBack} span(s) fell back)` : ""}${r.spansFellBack ? ` (${r.spansFellBack} span(s) partly fell back, ${f1(r.fellBackSamples / RATE)} s)` : ""} | ${r.spans ?? "—"} | ${ids.map((id) => r.left[id]).join(" | ")} | ${f1(r.residual.worst)} / ${f1(r.residual.median)} | ${r.residual.misses} | ${r.speechDb === undefined ? "—" : `${f1(r.speechDb)} dB`} |`);
  }
  table.push("", "| speed: an hour of 8 kHz 16-bit audio | method | spans | × real time (one core) | analyze on the same file | redact / analyze |", "|---|---|---:|---:|---:|---:|");
  for (const s of speed) table.push(`| ${s.kind === "call" ? "a call: card number + PIN every 5 min, noise" : "dense: 18 000 keys (README's hour)"} | ${s.method} | ${s.spans} | ${Math.round(s.realTime).toLocaleString("en-US")} | ${Math.round(s.analyzeRealTime).toLocaleString("en-US")} | ${(s.realTime / s.analyzeRealTime).toFixed(2)} |`);
  table.push("", `The detector's edge errors on this battery (what the guards of 4 ms before / 6 ms after must cover): ${Object.entries(edges).map(([k, e]) => `${k}: onset up to ${f1(e.early)} ms late, end up to ${f1(e.endEarly)} ms early`).join("; ")}.`);
  table.push("", `Notch, speech level change outside ±50 Hz against the speech alone through the codec: ${rows.filter((r) => r.method === "notch (fallback none)").map((r) => `${r.codec} ${f1(r.speechDb)} dB (the input minus the exact key: ${f1(r.perfectNotchSpeechDb)} dB)`).join("; ")}: what is left beyond the key in the input is the codec's quantisation noise of the key, which no notch removes.`);
  table.push("", `False redaction, live, on the ${talkoff.files} talk-off excerpts of audio-fixtures/talkoff (${f1(talkoff.seconds)} s of speech and music, no keys; silence, 20 ms frames): ${talkoff.rows.map((t) => `${t.candidates ? "candidates" : "keys only"}: ${t.spans} span(s), ${f1(t.mutedMs)} ms muted (${(t.mutedMs / 10 / talkoff.seconds).toFixed(3)} %)`).join("; ")}.`);
  const leftCases = [...rows, ...live].flatMap((r) => r.leftIn.map((w) => `${r.mode}${r.candidates ? " (candidates)" : ""} ${r.codec} ${r.method}: ${w.detector} on ${JSON.stringify(w.info)}`));
  if (leftCases.length) table.push("", "Keys left, by case:", "", ...leftCases.map((l) => `- ${l}`));
  // The targets hold for what users run: every method with its defaults (the notch with its fallback, live with candidates); the notch alone and live with keys only are shown beside them.
  const defaults = [...rows.filter((r) => r.method !== "notch (fallback none)"), ...live.filter((r) => r.candidates)];
  const totalLeft = defaults.reduce((n, r) => n + Object.values(r.left).reduce((a, b) => a + b, 0), 0);
  const misses = defaults.reduce((n, r) => n + r.residual.misses, 0);
  const summary = { totalKeysLeft: totalLeft, residualMisses: misses, speechDb: speech, liveDelayMs: live[0]?.delayMs, liveLeak: live.filter((r) => !r.candidates).reduce((n, r) => n + r.leakedSamples, 0), liveLeakCandidates: live.filter((r) => r.candidates).reduce((n, r) => n + r.leakedSamples, 0), talkoff, callHourRealTime: speed.find((s) => s.kind === "call" && s.method === "notch")?.realTime };
  table.push("", `Targets, over the rows with each method's defaults (not the notch with fallback none, nor live keys only): keys left ${totalLeft} (target 0); cases over the residual target ${misses}; notch speech level ${f1(speech)} dB (target ≤ ${TARGET_SPEECH_DB}); live delay ${summary.liveDelayMs} ms (target ≤ ${TARGET_DELAY_MS}), ${summary.liveLeak} tone samples leaked (${summary.liveLeakCandidates} with candidates); an hour of a call redacted at ${Math.round(summary.callHourRealTime ?? 0).toLocaleString("en-US")}× real time (target ≥ ${TARGET_SPEED}).`);
  const markdownTable = table.join("\n");
  console.log(`\n### Redaction\n\n${markdownTable}\n`);
  return { cases: cases.length, excluded, edges, detectors: list.map((d) => ({ id: d.id, name: d.name })), rows, live, talkoff, speed, summary, plot: plotFile, markdown: markdownTable, mostSensitive: MOST_SENSITIVE };
}


/** Live redaction (silence, 20 ms frames) of the talk-off excerpts, keys only and with candidates: spans and samples changed (speech muted). */
async function falseRedaction(engine) {
  const files = (await readdir(TALKOFF)).filter((f) => f.endsWith(".wav")).sort();
  const audio = await Promise.all(files.map(async (f) => (await readWav(join(TALKOFF, f))).samples));
  const rows = [];
  for (const candidates of [false, true]) {
    let muted = 0, spans = 0;
    for (const pcm of audio) {
      const r = new LiveRedactor({ engine, method: "silence", candidates });
      const out = new Int16Array(pcm.length);
      for (let at = 0; at < pcm.length; at += 160) out.set(r.process(pcm.subarray(at, at + 160)).audio, at);
      for (let i = 0; i + r.delaySamples < pcm.length; i++) if (out[i + r.delaySamples] !== pcm[i]) muted++;
      spans += r.spansRedacted;
      r.close();
    }
    rows.push({ candidates, spans, mutedMs: (muted * 1000) / RATE });
  }
  return { files: files.length, seconds: audio.reduce((n, a) => n + a.length, 0) / RATE, rows };
}

/** The detector's onset and end errors over the battery (what the guards must cover), ms. */
export function edgeErrors(engine, cases) {
  const rows = [];
  for (const c of cases) {
    const d = engine.createDetector({ sampleRate: RATE });
    const ev = [...d.process(encodeSamples(c.key.map((v, j) => v + c.rest[j]), "pcm16")), ...d.flush()].filter((e) => e.type === "dtmf");
    d.close();
    if (ev.length !== 1) continue;
    const onset = ((ev[0].startSample - c.tone.startSample) * 1000) / RATE;
    const end = ((ev[0].startSample + ev[0].durationSamples - c.tone.startSample - c.tone.durationSamples) * 1000) / RATE;
    rows.push({ kind: c.info.kind, onset, end });
  }
  const summary = {};
  for (const kind of ["clean", "noise", "speech"]) {
    const r = rows.filter((x) => x.kind === kind);
    if (!r.length) continue;
    summary[kind] = { early: Math.max(0, ...r.map((x) => x.onset)), late: Math.max(0, ...r.map((x) => -x.onset)), endEarly: Math.max(0, ...r.map((x) => -x.end)), endLate: Math.max(0, ...r.map((x) => x.end)) };
  }
  return summary;
}
