#!/usr/bin/env node
/**
 * What one process() call costs beside its samples: Detector.process() at 2, 160 and 1024
 * samples a call (ns a call and a sample), the core's process() alone (0 samples, and the same
 * 160-sample frames with the detector's default configuration), and the copy of a frame into
 * the core's input region (TypedArray.prototype.set, and an element-by-element loop for
 * comparison). Best of 5 runs of 10^5 .. 10^6 calls.
 *
 *   node bench/call-cost.mjs
 */
import { ALL_KEYS, DtmfEngine, encodeSamples, generateDtmf } from "../dist/index.js";
import { resolveOptions, writeConfig } from "../dist/options.js";
import { compileCore, instantiateCore } from "../dist/wasm.js";

function best(calls, fn) {
  let ns = Infinity;
  for (let r = 0; r < 5; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) fn(i);
    ns = Math.min(ns, Number(process.hrtime.bigint() - t0) / calls);
  }
  return ns;
}

const pcm = encodeSamples(generateDtmf({ keys: ALL_KEYS.repeat(2), toneMs: 90, gapMs: 400, snrDb: 15, seed: 3 }).samples, "pcm16");
const engine = await DtmfEngine.create();
const detector = engine.createDetector({ sampleRate: 8000, encoding: "pcm16" });
for (const n of [2, 160, 1024]) {
  const frames = [];
  for (let at = 0; at + n <= pcm.length; at += n) frames.push(pcm.subarray(at, at + n));
  const ns = best(n < 100 ? 1e6 : 1e5, (i) => detector.process(frames[i % frames.length]));
  console.log(`Detector.process(), ${n} samples: ${ns.toFixed(1)} ns a call, ${(ns / n).toFixed(3)} ns a sample`);
}
const core = await instantiateCore(await compileCore());
writeConfig(core.config, core.layout, resolveOptions({ sampleRate: 8000 }));
const handle = core.exports.open(8000, core.layout.encoding.pcm16);
const region = new Int16Array(core.exports.memory.buffer, core.exports.inputAddress(), 4096);
const process0 = core.exports.process;
console.log(`core process(), 0 samples: ${best(1e6, () => process0(handle, 0)).toFixed(1)} ns a call`);
for (const n of [2, 160]) {
  const frame = pcm.subarray(0, n);
  console.log(`input region .set(), ${n} samples: ${best(1e6, () => region.set(frame)).toFixed(1)} ns`);
}
const frames160 = [];
for (let at = 0; at + 160 <= pcm.length; at += 160) frames160.push(pcm.subarray(at, at + 160));
const rounds = frames160.length * 10; // whole passes over the audio, so every run does the same work
console.log(`core process(), 160 samples, frame copied in: ${best(rounds, (i) => { region.set(frames160[i % frames160.length]); process0(handle, 160); }).toFixed(1)} ns a call`);
console.log(`input region element-by-element loop, 160 samples: ${best(1e6, (i) => {
  const frame = frames160[i % frames160.length];
  for (let k = 0; k < frame.length; k++) region[k] = frame[k];
}).toFixed(1)} ns`);
