#!/usr/bin/env node
/**
 * The interference part's keys over speech (or music) as `npm run bench` runs them, for
 * dtmf-wasm alone: the same cases (bench/parts/interference.mjs), laid end to end into long
 * streams (bench/lib/battery.mjs), so each case starts with the state the one before left, which
 * bench/speech-lab.mjs (each case on its own) does not reproduce. Prints the false keys per
 * ratio with their sources. About 4 s for speech.
 *
 *   node bench/stream-lab.mjs [speech|music]      RATIOS=20,15,10,8,5,3,0 (default)
 *
 * Needs `npm run build` and the corpora (scripts/talkoff-corpus.sh bench, scripts/interference-speech.sh).
 */
import { keysOverCases, musicFiles, speechFiles } from "./parts/interference.mjs";
import { loadDetectors } from "./lib/detectors.mjs";
import { runCases } from "./lib/battery.mjs";

const kind = process.argv[2] ?? "speech";
const ctx = { detectors: (await loadDetectors()).filter((d) => d.ours), quick: false, progress: { step() {}, note: (m) => console.error(m) }, detectSeconds: {} };
const { files, source } = await (kind === "music" ? musicFiles : speechFiles)(ctx);
if (files.length === 0) { console.error(`no ${kind} files: ${source}`); process.exit(2); }
const ratios = (process.env.RATIOS ?? "20,15,10,8,5,3,0").split(",").map(Number);
const result = await runCases(ctx, kind, keysOverCases(kind, files, ratios));
for (const [ratio, a] of result.points["dtmf-wasm"]) {
  const where = (a.falseExamples ?? []).map((x) => `${x.source} @ ${(x.atMs / 1000).toFixed(2)} s: ${x.digit}`).join("; ");
  console.log(`${kind} ${ratio} dB: ${a.extra} false key(s)${where ? ` (${where})` : ""}`);
}
