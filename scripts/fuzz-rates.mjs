#!/usr/bin/env node
/**
 * How fast odd WAV sample rates are read, as a ratio to a neighbouring round rate in the same
 * run (issue 19: 376,094 Hz used to run at 0.044× real time against 24× for 376,000 Hz,
 * because the filter was sized by the rate's factors). Uses dist/ (`npm run build` first).
 *
 *   node scripts/fuzz-rates.mjs [--seconds 10]
 *
 * Prints, per rate: the path taken (decimate / resample), the detector's rate, the time to
 * read and detect SECONDS of audio (best of 3), × real time, and the ratio to 376,000 Hz.
 */
import { performance } from "node:perf_hooks";
const { DtmfEngine } = await import(new URL("../dist/index.js", import.meta.url));
const { AudioReader } = await import(new URL("../dist/wav/reader.js", import.meta.url));
const { encodeWav } = await import(new URL("../dist/wav/write.js", import.meta.url));

const i = process.argv.indexOf("--seconds");
const seconds = i > 0 ? Number(process.argv[i + 1]) : 10;
const RATES = [376_000, 376_094, 384_000, 352_800, 96_000, 48_001, 767_999, 768_000];
const engine = await DtmfEngine.create();

async function timeRate(rate) {
  const samples = Float32Array.from({ length: Math.round(rate * seconds) }, (_, n) => 0.2 * Math.sin((2 * Math.PI * 770 * n) / rate) + 0.2 * Math.sin((2 * Math.PI * 1336 * n) / rate));
  const bytes = encodeWav([samples], rate, "pcm16");
  let best = Infinity, info;
  for (let run = 0; run < 3; run++) {
    const t0 = performance.now();
    const reader = await AudioReader.open({ stream: (async function* () { yield bytes; })(), name: `${rate}.wav` });
    const detector = engine.createDetector({ sampleRate: reader.sampleRate, encoding: reader.encoding });
    let keys = 0;
    for await (const block of reader.blocks()) keys += detector.process(block.channels[0]).filter((e) => e.type === "dtmf").length;
    keys += detector.flush().filter((e) => e.type === "dtmf").length;
    detector.close();
    best = Math.min(best, performance.now() - t0);
    info = { path: Number.isInteger(reader.decimation) && reader.decimation > 1 ? `decimate ÷${reader.decimation}` : reader.decimation === 1 ? "none" : "resample", out: reader.sampleRate, keys };
  }
  return { rate, ...info, ms: best };
}

const results = [];
for (const rate of RATES) results.push(await timeRate(rate));
const base = results.find((r) => r.rate === 376_000).ms;
console.log(`node scripts/fuzz-rates.mjs --seconds ${seconds}  (${seconds} s of a 770+1336 Hz tone per rate, 16-bit mono, best of 3)`);
console.log("rate_hz\tpath\tdetector_hz\tms\tx_real_time\tcost_vs_376000");
for (const r of results) console.log(`${r.rate}\t${r.path}\t${r.out}\t${r.ms.toFixed(0)}\t${((seconds * 1000) / r.ms).toFixed(1)}\t${(r.ms / base).toFixed(2)}`);
