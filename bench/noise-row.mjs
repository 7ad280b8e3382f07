#!/usr/bin/env node
/**
 * Keys found in white noise by the WASM core, as test/busy-line.test.ts counts them (the noise
 * row of bench/lib/noise-row.mjs): the counts the test's comments quote.
 *
 *   node bench/noise-row.mjs [snrDb …]      (default 2 3; after `npm run build`)
 */
import { DtmfEngine } from "../dist/index.js";
import { noiseRow } from "./lib/noise-row.mjs";

const engine = await DtmfEngine.create();
const presses = (samples) => {
  const detector = engine.createDetector({ sampleRate: 8000, encoding: "float32" });
  const events = [...detector.process(samples), ...detector.flush()].filter((e) => e.type === "dtmf");
  detector.close();
  return events;
};
const ratios = process.argv.slice(2).map(Number);
for (const snrDb of ratios.length ? ratios : [2, 3]) {
  const { found, sent, wrong } = noiseRow(snrDb, presses);
  console.log(`S/N ${snrDb} dB: ${found}/${sent} keys found, ${wrong} wrong`);
}
