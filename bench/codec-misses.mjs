#!/usr/bin/env node
/**
 * Which test loses the keys a codec round trip costs (issue #14).
 *
 *   node bench/codec-misses.mjs [codec-id …] [--rules NAME=VALUE …] [--verbose]
 *
 * Builds the stream of the codecs bench part (bench/parts/codecs.mjs, 8 seeds), sends it through
 * each codec's round trip (bench/lib/codecs.mjs, cached in bench/work/codecs/), and runs the
 * float64 reference detector (build/reference/, the core's decisions) on the decoded audio with
 * its tests instrumented. For every key the reference misses it tells, per key level:
 *   - window: how many of the key's windows failed and by which window test (level, twist,
 *     peak of the row or column group, purity: classify in assembly/window.ts), all failing
 *     tests counted, not only the first;
 *   - start: candidates of the key dropped as stale (startCandidate, STALE_COVER) or started late;
 *   - confirm: the last reason toneAccepted gave (too short, too few phase pairs, frequency, press
 *     purity, and, on the busy-line path, which of its tests failed).
 * `--rules` replaces rule constants on the reference side (assembly/rules.ts names) to see what a
 * change recovers, `--tuning` a DetectorTuning option; `--talkoff` then also counts the
 * reference's false keys with the same rules over the talk-off corpora present
 * (bench/work/talkoff, bench/work/talkoff-heldout). Needs `npm run build`.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PlainDetector } from "../build/reference/reference/plain-detector.js";
import { readWav } from "./lib/audio.mjs";
import { CODECS, missingTools, roundTrip } from "./lib/codecs.mjs";
import { codecStream, keysOf, LEVELS } from "./parts/codecs.mjs";
import { scoreStream } from "./lib/match.mjs";

const RATE = 8000;
const args = process.argv.slice(2);
const verbose = args.includes("--verbose");
const rules = {};
const tuning = {};
const ids = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--rules") { const [k, v] = args[++i].split("="); rules[k] = Number(v); }
  else if (args[i] === "--tuning") { const [k, v] = args[++i].split("="); tuning[k] = Number(v); }
  else if (!args[i].startsWith("--")) ids.push(args[i]);
}
const wanted = ids.length ? ids : ["gsm"];

const WINDOW_TESTS = ["level", "twist", "rowPeak", "colPeak", "purity"];

/** The window tests of PlainDetector.classify, each on its own: the names of those that fail. */
function windowFailures(d, total) {
  const P = d.power;
  let row = 0, col = 4;
  for (let i = 1; i < 4; i++) if (P[i] > P[row]) row = i;
  for (let i = 5; i < 8; i++) if (P[i] > P[col]) col = i;
  const out = [];
  if (P[row] < d.minPower || P[col] < d.minPower) out.push("level");
  if (P[col] < d.twistLo * P[row] || P[col] > d.twistHi * P[row]) out.push("twist");
  const rest = (p, leak, other) => Math.max(0, Math.sqrt(p) - leak * Math.sqrt(other)) ** 2;
  let worstRow = 0, worstCol = 0;
  for (let i = 0; i < 4; i++) if (i !== row) worstRow = Math.max(worstRow, rest(P[i], d.leak[col][i], P[col]) / P[row]);
  for (let i = 4; i < 8; i++) if (i !== col) worstCol = Math.max(worstCol, rest(P[i], d.leak[row][i - 4], P[row]) / P[col]);
  if (worstRow > d.relPeak) out.push("rowPeak");
  if (worstCol > d.relPeak) out.push("colPeak");
  const purity = (P[row] + P[col]) / total;
  if (purity < d.purity) out.push("purity");
  return { key: (row << 2) | (col - 4), out, purity, worstRow, worstCol };
}

/**
 * Why toneAccepted said no (null: it said yes), from the reference's own reason
 * (PlainDetector.rejection), with the figures behind it: the purity, the frequency errors, and
 * on the busy line the full hops, coherence and steadiness.
 */
function confirmFailure(d, ok) {
  if (ok) return null;
  const why = d.rejection;
  const ROW = [697, 770, 852, 941], COL = [1209, 1336, 1477, 1633];
  const rowErr = d.errorHz(d.zr), colErr = d.errorHz(d.zc);
  const errs = `${(100 * rowErr / ROW[d.key >> 2]).toFixed(2)}/${(100 * colErr / COL[d.key & 3]).toFixed(2)}%`;
  if (why === "freq" || why === "offFreq") return `${why}(${errs})`;
  if (!why.includes("+")) return why;
  const tone = d.powR / d.offsetLoss(rowErr) + d.powC / d.offsetLoss(colErr);
  const m = d.busyLineMeasures();
  return `${why}(purity ${(100 * tone / d.pressTotal).toFixed(0)}%, hops ${d.fullHops}, err ${errs}, coh ${m.coherence.toFixed(3)}, steady ${m.steadiness.toFixed(3)})`;
}

/** Runs the instrumented reference over `pcm`: its presses and a per-hop log. */
function instrumented(pcm) {
  const d = new PlainDetector(RATE, tuning, { rules });
  const log = [];
  const classify = d.classify.bind(d);
  d.classify = (total) => {
    const hit = classify(total);
    const w = windowFailures(d, total);
    const P = d.power, r = w.key >> 2, c = 4 + (w.key & 3);
    log.push({ at: d.hopStart, hit, windowKey: w.key, fails: w.out, state: d.state, purity: w.purity, worstRow: w.worstRow, worstCol: w.worstCol,
      twistDb: 10 * Math.log10(P[c] / P[r]), mag: d.keyMag(0, w.key), ref: d.ref, refN: d.refN, pairs: d.pairs, fullHops: d.fullHops });
    return hit;
  };
  const start = d.startCandidate.bind(d);
  d.startCandidate = (key) => {
    start(key);
    const entry = log[log.length - 1];
    entry.start = d.state === 0 ? "stale" : d.late ? "late" : "ok";
    entry.startKey = key;
  };
  const accepted = d.toneAccepted.bind(d);
  d.toneAccepted = (...args) => {
    const ok = accepted(...args);
    const why = confirmFailure(d, ok);
    const entry = log[log.length - 1];
    if (entry) { entry.confirm = why ?? "yes"; entry.confirmKey = d.key; }
    return ok;
  };
  const presses = [...d.process(Float32Array.from(pcm, (v) => v / 32768)), ...d.flush()];
  return { presses, log };
}

const KEYS = "123A456B789C*0#D";
const stream = codecStream(8);
// The generated twist of each tone (the stream's cases are LEVELS × seeds 1-8, in order).
{
  let prevCase = -1, n = 0, keys = [];
  for (const t of stream.tones) {
    if (t.caseIndex !== prevCase) { prevCase = t.caseIndex; n = 0; const info = stream.cases[t.caseIndex].info; keys = info.sentinel ? [] : keysOf(info.point, (t.caseIndex % 8) + 1); }
    t.twistDb = keys[n++]?.twistDb;
  }
}
for (const id of wanted) {
  const codec = CODECS.find((c) => c.id === id);
  if (!codec) { console.log(`${id}: no such codec (${CODECS.map((c) => c.id).join(", ")})`); continue; }
  const why = missingTools(codec);
  if (why) { console.log(`${id}: skipped, ${why}`); continue; }
  const coded = await roundTrip(codec, stream.pcm);
  const { presses, log } = instrumented(coded.pcm);
  const detections = presses.map((p) => ({ digit: p.digit, startMs: p.startSample / 8, endMs: (p.startSample + p.durationSamples) / 8, keydownMs: p.keydownSample / 8 }));
  const records = scoreStream({ ...stream, pcm: coded.pcm }, detections);
  // Which true tones were matched: redo the matching per tone (scoreStream reports counts only).
  const hitTones = new Set();
  {
    const sorted = [...detections].sort((a, b) => a.keydownMs - b.keydownMs);
    const windowEnd = stream.tones.map((t, i) => (i + 1 < stream.tones.length ? stream.tones[i + 1].startMs : stream.durationMs) + 60);
    for (const det of sorted) {
      for (let j = 0; j < stream.tones.length; j++) {
        const t = stream.tones[j];
        if (t.startMs - 5 > det.keydownMs) break;
        if (!hitTones.has(j) && t.digit === det.digit && windowEnd[j] > det.keydownMs) { hitTones.add(j); break; }
      }
    }
  }
  let falseKeys = 0;
  for (const r of records) falseKeys += r.extra;
  const perLevel = new Map(LEVELS.map((l) => [l, { total: 0, missed: 0, reasons: new Map() }]));
  const bump = (m, k) => m.set(k, (m.get(k) ?? 0) + 1);
  let li = 0;
  stream.tones.forEach((t, j) => {
    const info = stream.cases[t.caseIndex].info;
    if (info.sentinel) return;
    const L = perLevel.get(info.point);
    L.total++;
    if (hitTones.has(j)) return;
    L.missed++;
    const key = KEYS.indexOf(t.digit);
    const a = t.startMs * 8, b = t.endMs * 8;
    while (li > 0 && log[li].at > a) li--;
    while (li < log.length && log[li].at + 102 < a) li++;
    const hops = [];
    for (let k = li; k < log.length && log[k].at < b + 51; k++) hops.push(log[k]);
    const windowFails = new Map();
    let hits = 0;
    for (const h of hops) {
      if (h.hit === key) { hits++; continue; }
      if (h.at + 102 <= a || h.at > b) continue;
      for (const f of h.fails.length ? h.fails : [h.windowKey !== key ? "wrongKey" : "mask"]) bump(windowFails, f);
    }
    const starts = hops.filter((h) => h.startKey === key).map((h) => h.start);
    const confirms = hops.filter((h) => h.confirmKey === key && h.confirm).map((h) => h.confirm);
    const last = confirms.at(-1);
    let reason;
    if (starts.length === 0) reason = hits === 0 ? "no window passed" : "no candidate";
    else if (starts.every((s) => s === "stale")) reason = "stale";
    else if (!last) reason = "candidate, never checked";
    else reason = `confirm: ${last.replace(/\(.*?\)/g, "").replace(/[0-9.]+/g, "")}`;
    bump(L.reasons, reason);
    if (verbose) {
      console.log(`  ${info.point} dBm0 key ${t.digit} @${(t.startMs / 1000).toFixed(3)} s ${t.durationMs.toFixed(0)} ms twist ${t.twistDb?.toFixed(1)} dB: windows ${hits} hit, fails ${[...windowFails].map(([k, v]) => `${k}×${v}`).join(" ")}; starts ${starts.join(",") || "-"}; confirm ${confirms.join(" | ") || "-"}`);
      if (process.argv.includes("--hops")) for (const h of hops) console.log(`      @${h.at} hit ${h.hit} wk ${h.windowKey} ${h.fails.join(",")} pur ${h.purity.toFixed(2)} pk ${h.worstRow.toFixed(2)}/${h.worstCol.toFixed(2)} tw ${h.twistDb.toFixed(1)} m ${h.mag.toExponential(2)} ref ${h.ref.toExponential(2)}/${h.refN} pairs ${h.pairs} full ${h.fullHops} ${h.start ?? ""} ${h.confirm ?? ""}`);
    }
  });
  let total = 0, missed = 0;
  for (const L of perLevel.values()) { total += L.total; missed += L.missed; }
  console.log(`\n${codec.label}: reference ${(100 * (1 - missed / total)).toFixed(1)} % (${total - missed}/${total}), ${falseKeys} false${Object.keys(rules).length ? `; rules ${JSON.stringify(rules)}` : ""}${Object.keys(tuning).length ? `; tuning ${JSON.stringify(tuning)}` : ""}`);
  console.log("| level dBm0 | keys | missed | why (keys) |\n|---:|---:|---:|---|");
  for (const [level, L] of perLevel) console.log(`| ${level} | ${L.total} | ${L.missed} | ${[...L.reasons].sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${v}`).join("; ")} |`);
}

if (args.includes("--talkoff")) {
  for (const name of ["talkoff", "talkoff-heldout"]) {
    const dir = fileURLToPath(new URL(`work/${name}/`, import.meta.url));
    if (!existsSync(dir)) { console.log(`\nbench/work/${name}: absent (scripts/talkoff-corpus.sh builds it)`); continue; }
    let files = 0, seconds = 0;
    const found = [];
    for (const f of readdirSync(dir).filter((f) => f.endsWith(".wav")).sort()) {
      const wav = await readWav(join(dir, f));
      if (wav.sampleRate !== RATE) continue;
      const d = new PlainDetector(RATE, tuning, { rules });
      const samples = Float32Array.from(wav.samples, (v) => v / 32768);
      for (const p of [...d.process(samples), ...d.flush()]) found.push(`${f} ${p.digit} @ ${(p.startSample / RATE).toFixed(1)} s`);
      files++;
      seconds += samples.length / RATE;
    }
    console.log(`\nbench/work/${name}: ${files} files, ${(seconds / 60).toFixed(0)} min, ${found.length} false keys (reference)${found.map((k) => `\n  ${k}`).join("")}`);
  }
}
