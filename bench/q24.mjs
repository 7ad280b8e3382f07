#!/usr/bin/env node
/**
 * The measured figure for each ITU-T Q.24 receiver requirement, for dtmf-wasm's detector:
 * `node bench/q24.mjs [--json]` (after `npm run build`). All signals come from the library's
 * generator, all times are media time, so every run prints the same figures.
 */
import { ALL_KEYS as ALL, DtmfEngine, encodeSamples, generateDtmf } from "../dist/index.js";
import { measurePresses, timingSet } from "./lib/press-timing.mjs";

const engine = await DtmfEngine.create();

function run(gen, options = {}, encoding = "float32") {
  const audio = generateDtmf(gen);
  const detector = engine.createDetector({ sampleRate: audio.sampleRate, encoding, ...options });
  const events = [...detector.process(encodeSamples(audio.samples, encoding)), ...detector.flush()];
  detector.close();
  return { audio, presses: events.filter((e) => e.type === "dtmf"), keydowns: events.filter((e) => e.type === "keydown") };
}
/** Share of the truth's keys decoded (matched by digit and onset within 10 ms), and false keys. */
function score(gen, options, encoding) {
  const { audio, presses } = run(gen, options, encoding);
  const hit = audio.tones.filter((t) => presses.some((p) => p.digit === t.digit && Math.abs(p.startMs - t.startMs) < 10)).length;
  const extra = presses.filter((p) => !audio.tones.some((t) => t.digit === p.digit && Math.abs(p.startMs - t.startMs) < 10)).length;
  return { hit, total: audio.tones.length, extra };
}
const SEEDS = [1, 2, 3, 4, 5, 6];
function rate(gen, options, encoding) {
  let hit = 0, total = 0, extra = 0;
  for (const seed of SEEDS) { const s = score({ keys: ALL, toneMs: 60, gapMs: 60, seed, ...gen }, options, encoding); hit += s.hit; total += s.total; extra += s.extra; }
  return { rate: hit / total, extra };
}
/** The outermost value of `values` (walking out from the first) that still decodes every key. */
function band(values, make) {
  let last = null;
  for (const v of values) { if (rate(make(v)).rate === 1) last = v; else break; }
  return last;
}
const q = (a, p) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(p * a.length))];
const step = (from, to, by) => Array.from({ length: Math.round((to - from) / by) + 1 }, (_, i) => +(from + i * by).toFixed(3));

const rows = [];
const add = (requirement, figure, pass) => rows.push({ requirement, figure, pass });

// Frequency: widest error (percent, per group and direction) with every key decoded, and the
// smallest error at which nothing is decoded.
const freq = {};
for (const g of ["lowErrorPct", "highErrorPct"]) {
  for (const sign of [1, -1]) {
    const accept = band(step(0, 6, 0.1).map((v) => v * sign), (v) => ({ [g]: v }));
    const reject = step(0, 6, 0.1).map((v) => v * sign).find((v) => rate({ [g]: v }).rate === 0);
    freq[`${g}${sign > 0 ? "+" : "-"}`] = { accept, reject };
  }
}
const accMin = Math.min(...Object.values(freq).map((f) => Math.abs(f.accept)));
const rejMax = Math.max(...Object.values(freq).map((f) => Math.abs(f.reject)));
add("frequency: accept ±1.5 %, reject ±3.5 %", `all keys decoded to ±${accMin.toFixed(1)} %, none from ±${rejMax.toFixed(1)} % (either group, either side)`, accMin >= 1.5 && rejMax <= 3.5);

// Twist.
const normal = band(step(0, -16, -0.5), (t) => ({ twistDb: t }));
const reverse = band(step(0, 12, 0.5), (t) => ({ twistDb: t }));
add("twist: accept high group +4 … −8 dB", `accepted from +${reverse} to ${normal} dB`, reverse >= 4 && normal <= -8);

// Level.
const lowest = band(step(0, -60, -1), (l) => ({ levelDbm0: l }));
const clipped = [0, 3].every((l) => rate({ levelDbm0: l }, {}, "pcm16").rate === 1);
add("level: accept 0 … −25 dBm0 per tone (aim −40); clipped 0 dBm0 pairs", `every key down to ${lowest} dBm0; clipped 0 and +3 dBm0 pairs ${clipped ? "decoded" : "missed"}`, lowest <= -25 && clipped);

// Duration: shortest tone always accepted, longest always rejected, over edge positions.
const durations = step(15, 45, 1);
const durRate = (ms) => { let hit = 0, total = 0; for (let s = 1; s <= 12; s++) { const r = score({ keys: ALL, toneMs: ms, gapMs: 60, leadMs: 20 + s * 0.53, seed: s }); hit += r.hit; total += r.total; } return hit / total; };
const rates = durations.map((ms) => [ms, durRate(ms)]);
const accepted = Math.min(...rates.filter(([, r]) => r === 1).map(([ms]) => ms).filter((ms) => rates.every(([m, r]) => m < ms || r === 1)));
const rejected = Math.max(...rates.filter(([, r]) => r === 0).map(([ms]) => ms));
add("timing: accept ≥ 40 ms, reject ≤ 23 ms", `all accepted from ${accepted} ms, all rejected up to ${rejected} ms`, accepted <= 40 && rejected >= 23);

// Drop-out bridging and pauses.
const pressesOf = (gen) => { let n = 0; for (const seed of SEEDS) n += run({ seed, ...gen }).presses.length; return n / SEEDS.length; };
const bridged = band(step(1, 40, 1), (d) => ({ keys: [{ digit: "5", durationMs: 200, dropouts: [[80, d]] }] }));
const bridgeMax = step(1, 40, 1).filter((d) => pressesOf({ keys: [{ digit: "5", durationMs: 200, dropouts: [[80, d]] }] }) === 1).pop();
const separateMin = step(10, 60, 1).find((g) => pressesOf({ keys: "55", toneMs: 60, gapMs: g }) === 2);
add("drop-out ≤ 10 ms bridged; pause ≥ 40 ms separates", `drop-outs up to ${bridgeMax} ms bridged; pauses from ${separateMin} ms separate`, bridgeMax >= 10 && separateMin <= 40);
void bridged;

// Noise: decode rate vs S/N over 320 keys per point, varied level and twist.
const noise = {};
for (const snr of [20, 15, 12, 10, 8, 6, 4, 2, 0]) {
  let hit = 0, total = 0, extra = 0;
  for (let seed = 1; seed <= 20; seed++) {
    const s = score({ keys: ALL, toneMs: 60, gapMs: 80, seed, snrDb: snr, levelDbm0: -8 - (seed % 5) * 4, twistDb: (seed % 7) - 4 });
    hit += s.hit; total += s.total; extra += s.extra;
  }
  noise[snr] = { rate: hit / total, extra };
}
const lowestSnr = Object.entries(noise).filter(([, v]) => v.rate >= 0.99).map(([k]) => +k).reduce((a, b) => Math.min(a, b), Infinity);
add("noise: ≥ 99 % of keys at S/N 10 dB, no false keys", `${(noise[10].rate * 100).toFixed(1)} % at 10 dB (${noise[10].extra} false); ≥ 99 % down to ${lowestSnr} dB`, noise[10].rate >= 0.99 && noise[10].extra === 0);

// Interference.
const dial = [{ hz: 350, levelDbm0: -15 }, { hz: 440, levelDbm0: -15 }];
const dialLowest = band(step(-5, -40, -1), (l) => ({ levelDbm0: l, interference: dial }));
const kiloLowest = band(step(-5, -40, -1), (l) => ({ levelDbm0: l, interference: [{ hz: 1000, levelDbm0: -20 }] }));
add("interference: dial tone −15 dBm0/tone, 1 kHz at −20 dBm0", `all keys decoded down to ${dialLowest} dBm0/tone under dial tone, ${kiloLowest} dBm0 under 1 kHz`, dialLowest <= -10 && kiloLowest <= -10);

// Onset, duration, keydown latency over 160 presses of 40-1000 ms.
const timing = { onset: [], duration: [], latency: [], missed: 0 };
for (let seed = 1; seed <= 10; seed++) {
  const { audio, presses, keydowns } = run(timingSet(seed));
  measurePresses(audio.tones, presses, keydowns, timing);
}
const { onset, duration, latency } = timing;
add("onset and duration error p95 ≤ 5 ms (40-1000 ms tones)", `onset p50 ${q(onset, 0.5).toFixed(1)} / p95 ${q(onset, 0.95).toFixed(1)} / max ${Math.max(...onset).toFixed(1)} ms; duration p95 ${q(duration, 0.95).toFixed(1)} / max ${Math.max(...duration).toFixed(1)} ms (${onset.length} presses)`, q(onset, 0.95) <= 5 && q(duration, 0.95) <= 5);
add("keydown ≤ 35 ms after onset at p95", `p50 ${q(latency, 0.5).toFixed(1)} / p95 ${q(latency, 0.95).toFixed(1)} / max ${Math.max(...latency).toFixed(1)} ms`, q(latency, 0.95) <= 35);

if (process.argv.includes("--json")) {
  console.log(JSON.stringify({ rows, frequency: freq, noise }, null, 2));
} else {
  console.log("| requirement | measured (node bench/q24.mjs) | pass |\n|---|---|---|");
  for (const r of rows) console.log(`| ${r.requirement} | ${r.figure} | ${r.pass ? "yes" : "**no**"} |`);
}
