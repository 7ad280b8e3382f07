#!/usr/bin/env node
/**
 * The interference part's keys over speech (or music) as `npm run bench` runs them, for
 * dtmf-wasm alone: the cases laid end to end into long streams (bench/lib/battery.mjs), so each
 * case starts with the state the one before left, which bench/speech-lab.mjs (each case on its
 * own) does not reproduce. Prints keys found and false keys per ratio, with the false keys'
 * sources. About 4 s for speech.
 *
 *   node bench/stream-lab.mjs [speech|music]      RATIOS=20,15,10,8,5,3,0 (default)
 *
 * Needs `npm run build` and the corpora (scripts/talkoff-corpus.sh bench, scripts/interference-speech.sh).
 */
import { readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { excerpt, mixKeys } from "./lib/mix.mjs";
import { loadDetectors } from "./lib/detectors.mjs";
import { runCases } from "./lib/battery.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const kind = process.argv[2] ?? "speech";
const wavs = (dir, re) => (existsSync(dir) ? readdirSync(dir).filter((f) => re.test(f)).sort() : []);
const files = [];
// The same excerpts, in the same order, as bench/parts/interference.mjs.
if (kind === "speech") {
  for (const f of wavs(join(ROOT, "bench/work/talkoff"), /^speech-.*\.wav$/)) { const e = await excerpt(join(ROOT, "bench/work/talkoff", f), f, 40, 30); if (e) files.push(e); }
  for (const f of wavs(join(ROOT, "bench/work/interference"), /^speech-espeak-.*\.wav$/)) { const e = await excerpt(join(ROOT, "bench/work/interference", f), f, 60); if (e) files.push(e); }
} else {
  for (const f of wavs(join(ROOT, "bench/work/talkoff"), /^music-.*\.wav$/)) { const e = await excerpt(join(ROOT, "bench/work/talkoff", f), f, 20, "middle"); if (e) files.push(e); }
}
if (files.length === 0) { console.error(`no ${kind} files: bash scripts/talkoff-corpus.sh bench`); process.exit(2); }
const detectors = (await loadDetectors()).filter((d) => d.ours);
const ratios = (process.env.RATIOS ?? "20,15,10,8,5,3,0").split(",").map(Number);
const cases = [];
files.forEach((file, f) => { for (const ratio of ratios) cases.push({ point: ratio, source: file.name, build: () => mixKeys(file, f + (kind === "music" ? 1000 : 0), ratio, -20) }); });
const result = await runCases({ detectors, quick: false, progress: { step() {}, note() {} }, detectSeconds: {} }, kind, cases);
for (const [ratio, a] of result.points["dtmf-wasm"]) {
  const where = (a.falseExamples ?? []).map((x) => `${x.source} @ ${(x.atMs / 1000).toFixed(2)} s: ${x.digit}`).join("; ");
  console.log(`${kind} ${ratio} dB: ${a.extra} false key(s)${where ? ` (${where})` : ""}`);
}
