#!/usr/bin/env node
/**
 * A/B of two builds of the whole library (host + core), for work on the TypeScript side of
 * the hot path: the public Detector.process() in 160-sample frames, builds taking turns round
 * by round, the figure the median over rounds of (time of the first) / (time of the other).
 *
 *   git worktree add /tmp/before <commit> && (cd /tmp/before && npm ci && npm run build)
 *   node bench/ab-hosts.mjs /tmp/before .
 *
 * Options (environment): ROUNDS (default 120).
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const roots = process.argv.slice(2);
if (roots.length !== 2) {
  console.error("usage: node bench/ab-hosts.mjs BASELINE_ROOT OTHER_ROOT   (package roots, each built)");
  process.exit(2);
}
const ROUNDS = Number(process.env.ROUNDS ?? 120);
const WARMUP_ROUNDS = 5;
const FRAME = 160;
const builds = [];
for (const root of roots) {
  const lib = await import(pathToFileURL(resolve(root, "dist/index.js")).href);
  const detector = (await lib.DtmfEngine.create()).createDetector({ sampleRate: 8000, encoding: "pcm16" });
  // The audio of the speed part (bench/parts/speed.mjs), half as long.
  const audio = lib.encodeSamples(lib.generateDtmf({ keys: "0123456789*#ABCD".repeat(2), toneMs: 90, gapMs: 400, snrDb: 15, seed: 3 }).samples, "pcm16");
  const frames = [];
  for (let at = 0; at + FRAME <= audio.length; at += FRAME) frames.push(audio.subarray(at, at + FRAME));
  // One function object per build: its call sites see one build's classes only.
  const pass = new Function("detector", "frames", "for (let i = 0; i < frames.length; i++) detector.process(frames[i]); detector.flush();");
  builds.push({ root, run: () => pass(detector, frames), times: [] });
}
for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
  for (const build of round % 2 ? [...builds].reverse() : builds) { // alternate who goes first
    const t0 = process.hrtime.bigint();
    build.run(); build.run();
    if (round >= WARMUP_ROUNDS) build.times.push(Number(process.hrtime.bigint() - t0));
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
const ratio = median(builds[1].times.map((ns, i) => builds[0].times[i] / ns));
console.log(`${FRAME}-sample frames, ${ROUNDS} rounds: ${builds[1].root} runs ${ratio.toFixed(3)}× as fast as ${builds[0].root} (median of per-round ratios)`);
