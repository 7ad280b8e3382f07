#!/usr/bin/env node
/**
 * Detector speed on the same audio, in the same run: `node bench/speed.mjs [--quick] [--json]`
 * (after `npm run build`). Audio: 8 kHz, 16-bit, DTMF keys with noise between stretches of
 * silence-free noise, fed in 160-sample (20 ms) frames as a media server would.
 *
 * Each figure is the best of several timed runs (the least disturbed by other work on the
 * machine); speed is reported as samples/s, × real time and real-time 8 kHz channels per core,
 * and as a ratio against the other detectors measured in this run.
 */
import { DtmfEngine, encodeSamples, generateDtmf } from "../dist/index.js";
import { PlainDetector } from "../dist/reference/plain-detector.js";
import { loadPeers } from "./peers.mjs";

const quick = process.argv.includes("--quick");
const FRAME = 160;
const RATE = 8000;
const audio = generateDtmf({ keys: "0123456789*#ABCD".repeat(quick ? 2 : 6), toneMs: 90, gapMs: 400, snrDb: 15, seed: 3 });
const pcm = encodeSamples(audio.samples, "pcm16");
const floats = audio.samples;
const seconds = pcm.length / RATE;
const repeats = quick ? 3 : 7;

/** Runs of `fn` per timing: enough that one timing covers ≈ 0.3 s or more of work. */
const MIN_RUN_NS = 3e8;

/** Best throughput (samples/s) of `repeats` timings of `fn`, which processes `samples` samples. */
function best(fn, samples) {
  // Warm-up (compile, tier up) and calibration: how many calls make one timing long enough.
  let calls = 1;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) fn();
    if (Number(process.hrtime.bigint() - t0) >= MIN_RUN_NS / 4) break;
    calls *= 2;
  }
  calls *= 4;
  let top = 0;
  for (let r = 0; r < repeats; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) fn();
    const ns = Number(process.hrtime.bigint() - t0);
    top = Math.max(top, ((samples * calls) / ns) * 1e9);
  }
  return top;
}

const engine = await DtmfEngine.create();
const rows = [];

{ // one channel, 160-sample frames
  const frames = [];
  for (let at = 0; at + FRAME <= pcm.length; at += FRAME) frames.push(pcm.subarray(at, at + FRAME));
  const detector = engine.createDetector({ sampleRate: RATE, encoding: "pcm16" });
  rows.push({ name: "dtmf-wasm (WASM), 1 channel", samplesPerSecond: best(() => { for (const f of frames) detector.process(f); detector.flush(); }, frames.length * FRAME) });
  detector.close();
}
{ // many channels sharing one instance, interleaved frames
  const channels = quick ? 200 : 1000;
  const detectors = Array.from({ length: channels }, () => engine.createDetector({ sampleRate: RATE, encoding: "pcm16" }));
  const span = 100 * FRAME; // 2 s of audio a channel, each from its own offset
  const offsets = detectors.map((_, i) => (i * 7919 * FRAME) % (pcm.length - span));
  rows.push({
    name: `dtmf-wasm (WASM), ${channels} channels`,
    samplesPerSecond: best(() => {
      for (let at = 0; at < span; at += FRAME) for (let i = 0; i < channels; i++) detectors[i].process(pcm.subarray(offsets[i] + at, offsets[i] + at + FRAME));
    }, channels * span),
  });
  for (const d of detectors) d.close();
}
{ // the same algorithm in plain TypeScript (float64, no SIMD)
  const frames = [];
  for (let at = 0; at + FRAME <= floats.length; at += FRAME) frames.push(floats.subarray(at, at + FRAME));
  rows.push({ name: "same algorithm, plain TypeScript", samplesPerSecond: best(() => { const d = new PlainDetector(RATE); for (const f of frames) d.process(f); d.flush(); }, frames.length * FRAME) });
}
for (const peer of await loadPeers()) {
  if (!peer.available.ok) { rows.push({ name: peer.name, skipped: peer.available.reason }); continue; }
  // Like for like: the peer's best single pass over the audio, elapsed time, as for ours.
  const result = await peer.throughput(pcm, { frameSize: FRAME, repeat: repeats });
  const bestPass = Math.min(...result.runWallNanoseconds);
  rows.push({ name: `${peer.name} ${peer.version}`, samplesPerSecond: (pcm.length / bestPass) * 1e9 });
}

const reference = rows[0].samplesPerSecond;
if (process.argv.includes("--json")) {
  console.log(JSON.stringify({ audioSeconds: seconds, frame: FRAME, rows }, null, 2));
} else {
  console.log(`Audio: ${seconds.toFixed(0)} s at 8 kHz, ${FRAME}-sample frames; best of ${repeats} runs.\n`);
  console.log("| detector | M samples/s | × real time | real-time channels per core | dtmf-wasm 1 channel is |\n|---|---|---|---|---|");
  for (const r of rows) {
    if (r.skipped) { console.log(`| ${r.name} | skipped: ${r.skipped} | | | |`); continue; }
    const ratio = reference / r.samplesPerSecond;
    console.log(`| ${r.name} | ${(r.samplesPerSecond / 1e6).toFixed(1)} | ${Math.round(r.samplesPerSecond / RATE).toLocaleString("en")} | ${Math.round(r.samplesPerSecond / RATE).toLocaleString("en")} | ${r === rows[0] ? "—" : `${ratio.toFixed(2)}× as fast`} |`);
  }
}
