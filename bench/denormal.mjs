#!/usr/bin/env node
/**
 * Denormal float input against silence: the time to process 60 s of 8 kHz float32 samples of
 * 1e-40 (a denormal) as a ratio to the same length of zeros, median of 5 interleaved runs.
 * The core flushes denormals to 0 on input (assembly/input.ts), so the ratio should be ≈ 1.
 *   node bench/denormal.mjs        (after npm run build)
 */
import { DtmfEngine } from "../dist/index.js";

const engine = await DtmfEngine.create();
const SAMPLES = 8000 * 60;
const CHUNK = 4000;
function time(value) {
  const detector = engine.createDetector({ encoding: "float32" });
  const chunk = new Float32Array(CHUNK).fill(value);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < SAMPLES / CHUNK; i++) detector.process(chunk);
  detector.close();
  return Number(process.hrtime.bigint() - t0);
}
for (let r = 0; r < 2; r++) { time(0); time(1e-40); } // warm-up
const zeros = [], denormals = [];
for (let r = 0; r < 5; r++) { zeros.push(time(0)); denormals.push(time(1e-40)); }
const median = (a) => [...a].sort((p, q) => p - q)[a.length >> 1];
console.log(`denormal input takes ${(median(denormals) / median(zeros)).toFixed(2)}× the time of zeros (node bench/denormal.mjs)`);
