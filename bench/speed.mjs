#!/usr/bin/env node
/**
 * Detector speed alone: `node bench/speed.mjs [--quick] [--json]` (after `npm run build`).
 * The measurement lives in bench/parts/speed.mjs (also run by `npm run bench`); this prints its
 * whole-stream table: samples/s, × real time and real-time 8 kHz channels per core, each as a
 * ratio against the other detectors measured in the same run.
 */
import { loadDetectors } from "./lib/detectors.mjs";
import { Progress } from "./lib/progress.mjs";
import { runSpeed } from "./parts/speed.mjs";

const quick = process.argv.includes("--quick");
const result = await runSpeed({ quick, detectors: await loadDetectors(), progress: new Progress("speed") });
if (process.argv.includes("--json")) {
  console.log(JSON.stringify(result, null, 2));
} else {
  console.log(`Audio: ${result.audioSeconds} s at 8 kHz, ${result.frame}-sample frames; best of ${result.rounds} round-robin passes.\n`);
  console.log("| detector | M samples/s | × real time (= real-time 8 kHz channels per core) | dtmf-wasm 1 channel is |\n|---|---|---|---|");
  for (const r of result.stream) {
    if (r.skipped) { console.log(`| ${r.name} | skipped: ${r.skipped} | | |`); continue; }
    console.log(`| ${r.name} | ${(r.samplesPerSecond / 1e6).toFixed(1)} | ${r.realTime.toLocaleString("en")} | ${r.id === "dtmf-wasm" ? "—" : `${r.oursOneChannelRatio.toFixed(2)}× as fast`} |`);
  }
}
