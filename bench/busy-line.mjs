#!/usr/bin/env node
/**
 * The measurements behind the busy-line confirmation (assembly/rules.ts BUSY_*): what separates
 * genuine keys that share the line with other sound from the talk-off candidates of speech and
 * music, once the press purity can no longer tell them apart.
 *
 *   node bench/busy-line.mjs            committed excerpts (audio-fixtures/talkoff) as talk-off
 *   node bench/busy-line.mjs --corpus   the bench corpus too (bash scripts/talkoff-corpus.sh bench
 *                                       [heldout]); a few minutes: the float64 reference is slow
 *
 * Part 1: every candidate the float64 reference (build/reference/) confirms with the press
 * purity relaxed to 10 % (and the window purity to 25 %), so that each is seen at its first confirmation check: keys over
 * speech and music, under a steady note, under 1 kHz and in white noise (matched to the truth),
 * against candidates on speech and music alone. Per set: quantiles of the frequency error (the
 * larger of the two tones, % of nominal), the phase coherence and the amplitude steadiness, and
 * how many pass the press purity (70 %) and the busy-line tests.
 * Part 2: keys found and false keys with the default tuning as each BUSY_ constant moves a step.
 * Needs `npm run build`.
 */
import { readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PlainDetector } from "../build/reference/reference/plain-detector.js";
import * as RULES from "../build/reference/assembly/rules.js";
import { generateDtmf } from "../dist/index.js";
import { activeLevelDbm0, dbm0ToPower, powerToDbm0, readWav } from "./lib/audio.mjs";
import { addTones } from "./lib/signals.mjs";
import { mixKeys } from "./parts/accuracy.mjs";

const RATE = 8000;
const KEYS = "0123456789*#ABCD";
const corpus = process.argv.includes("--corpus");
const FIXTURES = fileURLToPath(new URL("../audio-fixtures/talkoff/", import.meta.url));
const CORPUS = [fileURLToPath(new URL("work/talkoff/", import.meta.url)), fileURLToPath(new URL("work/talkoff-heldout/", import.meta.url))];

async function wavs(dir, re = /\.wav$/) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const f of readdirSync(dir).filter((f) => re.test(f)).sort()) {
    const wav = await readWav(join(dir, f));
    if (wav.sampleRate === RATE) out.push({ name: f, samples: wav.samples, levelDbm0: activeLevelDbm0(wav.samples) });
  }
  return out;
}
const float = (samples) => (samples instanceof Float32Array ? samples : Float32Array.from(samples, (v) => v / 32768));

/** Candidates the reference confirms on `samples` with `tuning` and `rules`; and its presses. */
function run(samples, tuning = {}, rules = {}) {
  const found = [];
  const d = new PlainDetector(RATE, tuning, { rules, onConfirm: (c) => found.push(c) });
  const presses = [...d.process(samples), ...d.flush()];
  return { found, presses };
}
const matches = (tones, c) => tones.some((t) => t.digit === c.digit && c.startSample >= t.startSample - 200 && c.startSample <= t.startSample + t.durationSamples);

// ---- The genuine sets: keys with other sound on the line, and their truth. -------------------
const speech = await wavs(FIXTURES, /^speech-/), music = await wavs(FIXTURES, /^music-/);
const pair = powerToDbm0(2 * dbm0ToPower(-10));
const genuine = [];
for (const ratio of [10, 5, 3, 0]) genuine.push({ set: `keys ${ratio} dB over speech`, audio: speech.map((f, i) => mixKeys(f, i, pair - ratio, -10)) });
genuine.push({ set: "keys 8 dB over music", audio: music.map((f, i) => mixKeys(f, i, pair - 8, -10)) });
const seeds = [1, 2, 3, 4];
const under = (tones) => seeds.map((seed) => generateDtmf({ keys: KEYS, toneMs: 60, gapMs: 60, leadMs: 50 + seed * 1.37, seed, levelDbm0: -20, interference: tones }));
genuine.push({ set: "keys under a 2200 Hz note, same level", audio: under([{ hz: 2200, levelDbm0: -20 }]) });
genuine.push({ set: "keys under 1 kHz, same level", audio: under([{ hz: 1000, levelDbm0: -20 }]) });
genuine.push({ set: "keys in white noise, S/N 3 dB", audio: [...seeds, 5, 6, 7, 8].map((seed) => generateDtmf({ keys: KEYS, toneMs: 60, gapMs: 80, leadMs: 50 + seed * 1.37, seed, snrDb: 3, levelDbm0: -8 - (seed % 5) * 4, twistDb: (seed % 7) - 4 })) });
// ---- Talk-off: speech and music alone. --------------------------------------------------------
const talkoff = [{ set: "talk-off: committed excerpts", files: [...speech, ...music] }];
if (corpus) for (const dir of CORPUS) { const files = await wavs(dir); if (files.length) talkoff.push({ set: `talk-off: ${dir.split("/").at(-2)}`, files }); }

const q = (a, p) => { const s = [...a].sort((x, y) => x - y); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN; };
const f = (v, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : "—");
const busyPasses = (c) => c.fullHops >= RULES.BUSY_MIN_FULL_HOPS && !c.late && Math.max(Math.abs(c.lowErrorPct), Math.abs(c.highErrorPct)) <= 100 * RULES.BUSY_FREQ_TOL
  && c.pressPurity >= RULES.BUSY_PRESS_PURITY && c.coherence >= RULES.BUSY_COHERENCE && c.steadiness >= RULES.BUSY_STEADINESS;
const purityPasses = (c) => c.pressPurity >= (c.late ? RULES.LATE_PRESS_PURITY : 0.7);

console.log("## Part 1: candidates at their first confirmation check (press purity relaxed to 10 %, window purity to 25 %)\n");
console.log("| set | candidates | freq. error % p5 / p50 / p95 | coherence p5 / p50 | steadiness p5 / p50 | pass the press purity | pass the busy line, not the purity |");
console.log("|---|---:|---|---|---|---:|---:|");
const RELAXED = { pressPurityDb: -10, purityDb: -6 }; // window purity relaxed too, so that talk-off candidates reach the check
const row = (set, cands) => {
  const err = cands.map((c) => Math.max(Math.abs(c.lowErrorPct), Math.abs(c.highErrorPct)));
  const coh = cands.map((c) => c.coherence), st = cands.map((c) => c.steadiness);
  console.log(`| ${set} | ${cands.length} | ${f(q(err, 0.05), 2)} / ${f(q(err, 0.5), 2)} / ${f(q(err, 0.95), 2)} | ${f(q(coh, 0.05))} / ${f(q(coh, 0.5))} | ${f(q(st, 0.05))} / ${f(q(st, 0.5))} | ${cands.filter(purityPasses).length} | ${cands.filter((c) => !purityPasses(c) && busyPasses(c)).length} |`);
};
for (const g of genuine) row(g.set, g.audio.flatMap((a) => run(float(a.samples), RELAXED).found.filter((c) => matches(a.tones, c))));
for (const t of talkoff) row(t.set, t.files.flatMap((file) => run(float(file.samples), RELAXED).found));

console.log("\n## Part 2: keys found and false keys, default tuning, as each BUSY_ constant moves\n");
const variants = [["as built", {}]];
for (const [name, values] of [["BUSY_COHERENCE", [0.97, 0.99]], ["BUSY_STEADINESS", [0.97, 0.99]], ["BUSY_FREQ_TOL", [0.006, 0.01]], ["BUSY_MIN_FULL_HOPS", [3, 5]], ["BUSY_PRESS_PURITY", [0.2, 0.4]]]) {
  for (const v of values) variants.push([`${name} ${v}`, { [name]: v }]);
}
variants.push(["no busy line", { BUSY_PRESS_PURITY: 2 }]);
console.log(`| variant | ${genuine.map((g) => g.set).join(" | ")} | ${talkoff.map((t) => `${t.set}: false keys`).join(" | ")} |`);
console.log(`|---|${genuine.map(() => "---:").join("|")}|${talkoff.map(() => "---:").join("|")}|`);
for (const [name, rules] of variants) {
  const cells = genuine.map((g) => {
    let hit = 0, total = 0;
    for (const a of g.audio) { const { presses } = run(float(a.samples), {}, rules); total += a.tones.length; hit += a.tones.filter((t) => presses.some((p) => p.digit === t.digit && p.startSample >= t.startSample - 160 && p.startSample <= t.startSample + t.durationSamples)).length; }
    return `${f((100 * hit) / total, 1)} %`;
  });
  const falses = talkoff.map((t) => t.files.reduce((n, file) => n + run(float(file.samples), {}, rules).presses.length, 0));
  console.log(`| ${name} | ${cells.join(" | ")} | ${falses.join(" | ")} |`);
}
