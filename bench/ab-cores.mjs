#!/usr/bin/env node
/**
 * A/B of two or more builds of the WASM core, for work on the core's speed:
 *
 *   git stash; npm run build:wasm; cp build/dtmf.wasm /tmp/before.wasm; git stash pop
 *   npm run build:wasm
 *   node bench/ab-cores.mjs /tmp/before.wasm build/dtmf.wasm
 *
 * On a shared machine two runs of the same build easily differ by 15 %, so a before/after pair
 * of whole-bench runs cannot show a 5 % change. Here every build gets its own engine in one
 * process and the builds take turns pass by pass (a pass: the speed part's audio, keys in noise
 * at 8 kHz, in 160-sample frames, twice); each pass is timed, and the figure is the median over
 * the rounds of (time of the first build) / (time of this build) in the same round, so a
 * disturbance hits both sides of a ratio alike. The host side is what an embedder does per
 * frame: write the frame into the input region, call the core's process(); each build's loop is
 * a separate function so that V8 compiles each call site for one module.
 *
 * The first build listed runs a few per cent faster than the others (three copies of one build
 * gave 1.000, 0.987, 0.970): compare two builds in both orders and take the geometric mean of
 * the two ratios.
 *
 * Options (environment): FRAME (samples per call, default 160), ROUNDS (default 60).
 */
import { readFile } from "node:fs/promises";
import { ALL_KEYS, encodeSamples, generateDtmf } from "../dist/index.js";
import { resolveOptions, writeConfig } from "../dist/options.js";
import { compileCore, instantiateCore } from "../dist/wasm.js";

const paths = process.argv.slice(2);
if (paths.length < 2) {
  console.error("usage: node bench/ab-cores.mjs BASELINE.wasm OTHER.wasm [MORE.wasm ...]");
  process.exit(2);
}
const FRAME = Number(process.env.FRAME ?? 160);
const ROUNDS = Number(process.env.ROUNDS ?? 60);
/** Untimed rounds first, so that every build runs optimised code when timing starts. */
const WARMUP_ROUNDS = 5;
const PASSES_PER_TIMING = 2;

// The same audio as the speed part of `npm run bench` (bench/parts/speed.mjs), half as long.
const audio = generateDtmf({ keys: ALL_KEYS.repeat(2), toneMs: 90, gapMs: 400, snrDb: 15, seed: 3 });
const pcm = encodeSamples(audio.samples, "pcm16");
const frames = [];
for (let at = 0; at + FRAME <= pcm.length; at += FRAME) frames.push(pcm.subarray(at, at + FRAME));

// Builds older than the consolidation of issue 13 do not export their layout: each build is
// instantiated bare and given the default configuration at the offsets of this version's core
// (the configuration block's layout has not changed since the first ABI).
const current = await instantiateCore(await compileCore());
const builds = [];
for (const path of paths) {
  const instance = await WebAssembly.instantiate(await WebAssembly.compile(await readFile(path)), { env: { abort() { throw new Error(`${path} aborted`); } } });
  const core = instance.exports;
  core._start?.(); // builds from issue 13 on export their start function (asconfig.json exportStart)
  writeConfig(new DataView(core.memory.buffer, core.configAddress(), current.layout.configBytes), current.layout, resolveOptions({ sampleRate: 8000 }));
  const handle = core.open(8000, current.layout.encoding.pcm16);
  const input = new Int16Array(core.memory.buffer, core.inputAddress(), FRAME);
  // One function object per build: its call sites see one module's exports only.
  const pass = new Function("frames", "input", "core", "handle", "n",
    "for (let i = 0; i < frames.length; i++) { input.set(frames[i]); core.process(handle, n); } core.flush(handle);");
  builds.push({ path, run: () => pass(frames, input, core, handle, FRAME), times: [] });
}

for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
  for (const build of round % 2 ? [...builds].reverse() : builds) { // alternate who goes first
    const t0 = process.hrtime.bigint();
    for (let p = 0; p < PASSES_PER_TIMING; p++) build.run();
    const ns = Number(process.hrtime.bigint() - t0);
    if (round >= WARMUP_ROUNDS) build.times.push(ns);
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
const samplesPerTiming = PASSES_PER_TIMING * frames.length * FRAME;
console.log(`${FRAME}-sample frames, ${ROUNDS} rounds; speed relative to ${paths[0]} (median of per-round ratios)`);
for (const build of builds) {
  const ratio = median(build.times.map((ns, i) => builds[0].times[i] / ns));
  const best = (samplesPerTiming / Math.min(...build.times)) * 1e3;
  console.log(`${build.path.padEnd(40)} ${ratio.toFixed(3)}×   best pass ${best.toFixed(0)} M samples/s`);
}
