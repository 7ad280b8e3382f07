#!/usr/bin/env node
/**
 * Runs one build of the core over the speed part's audio (keys in noise, 8 kHz, 160-sample
 * frames) for a while and prints its speed: a target for a profiler, to see where the core's
 * time goes instruction by instruction. With names in the build and Linux perf:
 *
 *   npx asc assembly/index.ts --target release --debug -o /tmp/core-named.wasm
 *   perf record -k 1 -e cpu-clock -o /tmp/perf.data node --perf-prof bench/profile-core.mjs /tmp/core-named.wasm 4000
 *   perf inject -i /tmp/perf.data --jit -o /tmp/perf.jit.data
 *   perf report -i /tmp/perf.jit.data --stdio          # time per WASM function
 *   perf annotate -i /tmp/perf.jit.data --stdio -s "JS:assembly/hop/feed-35-turbofan"
 *
 * Arguments: the .wasm (default build/dtmf.wasm), milliseconds to run (default 4000). The host
 * side is bench/ab-cores.mjs's: write the frame into the input region, call process().
 */
import { readFile } from "node:fs/promises";
import { ALL_KEYS, encodeSamples, generateDtmf } from "../dist/index.js";
import { resolveOptions, writeConfig } from "../dist/options.js";
import { compileCore, instantiateCore } from "../dist/wasm.js";

const FRAME = 160;
const path = process.argv[2] ?? new URL("../build/dtmf.wasm", import.meta.url);
const runMs = Number(process.argv[3] ?? 4000);
const audio = generateDtmf({ keys: ALL_KEYS.repeat(2), toneMs: 90, gapMs: 400, snrDb: 15, seed: 3 });
const pcm = encodeSamples(audio.samples, "pcm16");
const frames = [];
for (let at = 0; at + FRAME <= pcm.length; at += FRAME) frames.push(pcm.subarray(at, at + FRAME));
// As bench/ab-cores.mjs: the build bare, given this version's default configuration.
const current = await instantiateCore(await compileCore());
const instance = await WebAssembly.instantiate(await WebAssembly.compile(await readFile(path)), { env: { abort() { throw new Error(`${path} aborted`); } } });
const core = instance.exports;
core._start?.();
writeConfig(new DataView(core.memory.buffer, core.configAddress(), current.layout.configBytes), current.layout, resolveOptions({ sampleRate: 8000 }));
const handle = core.open(8000, current.layout.encoding.pcm16);
const input = new Int16Array(core.memory.buffer, core.inputAddress(), FRAME);
const t0 = performance.now();
let samples = 0;
while (performance.now() - t0 < runMs) {
  for (let i = 0; i < frames.length; i++) { input.set(frames[i]); core.process(handle, FRAME); }
  core.flush(handle);
  samples += frames.length * FRAME;
}
console.log(`${(samples / (performance.now() - t0) / 1e3).toFixed(1)} M samples/s`);
