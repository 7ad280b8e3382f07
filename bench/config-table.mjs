#!/usr/bin/env node
/**
 * Opening channels against the core's configuration table (assembly/configs.ts): the time to open
 * N channels that all use one tuning and N channels that use N/1000 × 1000 distinct tunings, then
 * close them, for N = 2,000, 8,000, 20,000. The table finds a block by a hash of its bytes, so
 * both grow linearly with N; the linear search it replaced took 3 s for 20,000 distinct tunings.
 *
 *   node bench/config-table.mjs      (after npm run build)
 */
import { DtmfEngine } from "../dist/index.js";

const engine = await DtmfEngine.create();
const openAll = (n, optionsOf) => {
  const t0 = performance.now();
  const open = Array.from({ length: n }, (_, i) => engine.createDetector({ sampleRate: 8000, encoding: "pcm16", ...optionsOf(i) }));
  const ms = performance.now() - t0;
  for (const d of open) d.close();
  return ms;
};
for (const n of [2000, 8000, 20000]) {
  const same = openAll(n, () => ({}));
  // Distinct tunings: minToneMs in 1/8 ms steps (one sample) × gapMs.
  const distinct = openAll(n, (i) => ({ minToneMs: 20 + (i % 1000) / 8, gapMs: 20 + Math.floor(i / 1000) }));
  console.log(`${n} channels: one tuning ${same.toFixed(0)} ms, ${n} distinct tunings ${distinct.toFixed(0)} ms`);
}
