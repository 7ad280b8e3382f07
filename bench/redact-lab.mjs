/**
 * Quick loop for the redaction work (issue #17): the redaction bench's battery
 * (bench/parts/redact.mjs) redacted by one method, file and live, with per-case results: the
 * cases whose residual misses the target, and the keys dtmf-wasm at its most sensitive setting
 * still finds (the other detectors of the part are left out: run the part for them).
 *
 *   node bench/redact-lab.mjs [notch|silence|noise|tone] [--codec pcm16,mulaw] [--live-only | --file-only]
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { DtmfEngine, encodeSamples } from "../dist/index.js";
import { redactFile } from "../dist/redact/offline.js";
import { MOST_SENSITIVE_TUNING } from "../dist/options.js";
import { encodeWav } from "../dist/wav/write.js";
import { CASE_SAMPLES, battery, concat, decodeFile, redactLive, residuals, roundTrip } from "./parts/redact.mjs";

const args = process.argv.slice(2);
const value = (flag, fallback) => { const i = args.indexOf(flag); return i >= 0 ? args[i + 1] : fallback; };
const method = args.find((a, i) => !a.startsWith("--") && args[i - 1] !== "--codec") ?? "notch";
const codecs = value("--codec", "pcm16,mulaw").split(",");
const RATE = 8000;
const engine = await DtmfEngine.create();
const built = await battery(false);
const cases = built.filter((c) => codecs.every((codec) => {
  const d = engine.createDetector({ sampleRate: RATE, encoding: codec });
  const ev = [...d.process(encodeSamples(c.key.map((v, j) => v + c.rest[j]), codec)), ...d.flush()].filter((e) => e.type === "dtmf");
  d.close();
  return ev.length === 1 && ev[0].digit === c.tone.digit;
}));
const both = concat(cases, "both"), rest = concat(cases, "rest");
const dir = join(tmpdir(), `redact-lab-${process.pid}`);
await mkdir(dir, { recursive: true });

function keysLeft(out, ref) {
  const count = (x) => {
    const d = engine.createDetector({ ...MOST_SENSITIVE_TUNING, sampleRate: RATE });
    const per = new Array(cases.length).fill(0);
    for (const e of [...d.process(encodeSamples(x, "pcm16")), ...d.flush()]) if (e.type === "dtmf") per[Math.floor((e.startMs * RATE) / 1000 / CASE_SAMPLES)]++;
    d.close();
    return per;
  };
  const a = count(out), b = count(ref);
  return a.flatMap((v, i) => (v > b[i] ? [{ case: i, info: cases[i].info }] : []));
}

function report(label, out, ref, replaced) {
  const res = residuals(cases, out, ref, method, 0, replaced);
  const left = keysLeft(out, ref);
  console.log(`${label}: ${cases.length} cases, residual worst ${res.worst.toFixed(1)} dB, median ${res.median.toFixed(1)} dB, ${res.misses} over target; keys left (dtmf-wasm most sensitive) ${left.length}${replaced ? `; ${replaced.length} stretch(es) written by the fallback` : ""}`);
  for (const o of res.over) console.log(`  over: case ${o.case} ${o.db} dB ${JSON.stringify(o.info)}`);
  for (const l of left) console.log(`  key left: case ${l.case} ${JSON.stringify(l.info)}`);
}

for (const codec of codecs) {
  const ref = roundTrip(rest, codec);
  if (!args.includes("--live-only")) {
    const input = join(dir, `battery-${codec}.wav`);
    await writeFile(input, encodeWav([both], RATE, codec));
    const output = join(dir, `out-${codec}.wav`);
    const fallback = value("--fallback", undefined);
    const audit = await redactFile(input, output, engine, { method, ...(fallback ? { notchFallback: fallback } : {}) });
    const replaced = audit.spans.filter((s) => s.fallback_reason !== undefined).map((s) => [s.start_sample, s.end_sample]);
    const out = await decodeFile(output);
    report(`file ${codec} ${method}`, out, ref, replaced);
    if (args.includes("--uncertainty")) {
      // Each case's residual as measured against the audio without the key, beside the notch's own estimate of its error (audit notch_uncertainty_db).
      const res = residuals(cases, out, ref, method, 0, replaced);
      const rows = cases.map((c, i) => {
        const spans = audit.spans.filter((s) => Math.floor(s.start_sample / CASE_SAMPLES) === i);
        return { i, kind: c.info.kind, actual: res.perCase[i], predicted: Math.max(...spans.map((s) => s.notch_uncertainty_db ?? Number.NEGATIVE_INFINITY)), fell: spans.map((s) => s.fallback_reason).filter(Boolean).join("; ") };
      }).sort((a, b) => b.actual - a.actual);
      for (const r of rows) console.log(`  case ${r.i} ${r.kind}: residual ${r.actual.toFixed(1)} dB, notch uncertainty ${r.predicted.toFixed(1)} dB${r.fell ? ` (fell back: ${r.fell})` : ""}`);
    }
  }
  if (!args.includes("--file-only")) {
    const fallback = value("--fallback", undefined);
    const { out, redactor: r, fellBack } = redactLive(engine, both, codec, { method, ...(fallback ? { notchFallback: fallback } : {}) });
    report(`live ${codec} ${method} (delay ${r.delayMs} ms, leak ${r.leakedSamples})`, out, ref, fellBack);
  }
}
