/**
 * Speed, measured in one run for every detector on the same audio (8 kHz, 16-bit, DTMF keys
 * in noise), so that the figures that matter are the ratios: other sessions may load this
 * machine, and the ratios hold up far better than absolute figures. To spread such load fairly
 * the detectors are timed round-robin, several rounds, and each keeps its best pass
 * (elapsed time: the least disturbed one).
 *
 *   - stream: whole-stream throughput with 160-sample frames: dtmf-wasm on 1 channel and on
 *     many channels of one engine (interleaved frames), the same algorithm in plain TypeScript,
 *     and the peers (their own throughput(): only the detector calls are timed);
 *   - frame sizes 1024 and 8192 for every detector;
 *   - micro-benchmarks (benchmark.js) of one process() call at 160 / 1024 / 8192 samples, and of
 *     setup (module compile, engine instantiate, channel open + close), timed apart;
 *   - memory per channel: the WASM state record, the WASM memory growth and the JS heap per
 *     detector, measured over many detectors (and spandsp's state struct, dtmf-detection-stream's
 *     heap per stream).
 */
import { execFile } from "node:child_process";
import { readFile, writeFile, mkdir, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { runInNewContext } from "node:vm";
import v8 from "node:v8";
import Benchmark from "benchmark";
import { ALL_KEYS, DtmfEngine, encodeSamples, generateDtmf } from "../../dist/index.js";
import { PlainDetector } from "../../build/reference/reference/plain-detector.js";
import { sharedEngine } from "../lib/detectors.mjs";
import { round } from "../lib/stats.mjs";

const require = createRequire(import.meta.url);
const RATE = 8000;
const FRAME = 160;
/** Calls of a timed function per timing: enough for ≈ 0.25 s of work. */
const MIN_RUN_NS = 2.5e8;

/** A timing of `fn` (which processes `samples` samples per call), calibrated on first use. */
function timer(fn, samples) {
  let calls = 0;
  return () => {
    if (calls === 0) { // warm-up (compile, tier-up) and calibration
      calls = 1;
      for (;;) {
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < calls; i++) fn();
        if (Number(process.hrtime.bigint() - t0) >= MIN_RUN_NS / 4) break;
        calls *= 2;
      }
      calls *= 4;
    }
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) fn();
    return ((samples * calls) / Number(process.hrtime.bigint() - t0)) * 1e9;
  };
}

function framesOf(samples, size) {
  const frames = [];
  for (let at = 0; at + size <= samples.length; at += size) frames.push(samples.subarray(at, at + size));
  return frames;
}

export async function runSpeed(ctx) {
  const quick = ctx.quick;
  const audio = generateDtmf({ keys: ALL_KEYS.repeat(quick ? 2 : 4), toneMs: 90, gapMs: 400, snrDb: 15, seed: 3 });
  const pcm = encodeSamples(audio.samples, "pcm16");
  const floats = Float32Array.from(pcm, (x) => x / 32768);
  const rounds = quick ? 2 : 7;
  const engine = await sharedEngine();
  const peers = ctx.detectors.filter((d) => !d.ours);
  const result = { audioSeconds: round(pcm.length / RATE, 1), frame: FRAME, rounds, stream: [], frameSizes: [], micro: [], setup: [], memory: [] };

  // ---- Whole-stream throughput, 160-sample frames, round-robin. ---------------------------
  const channels = quick ? 200 : 1000;
  const entries = [];
  {
    const detector = engine.createDetector({ sampleRate: RATE, encoding: "pcm16" });
    const frames = framesOf(pcm, FRAME);
    entries.push({ id: "dtmf-wasm", name: "dtmf-wasm (WASM), 1 channel", ours: true, time: timer(() => { for (const f of frames) detector.process(f); detector.flush(); }, frames.length * FRAME) });
  }
  {
    const detectors = Array.from({ length: channels }, () => engine.createDetector({ sampleRate: RATE, encoding: "pcm16" }));
    const span = 100 * FRAME; // 2 s of audio a channel per call, each channel from its own offset
    const offsets = detectors.map((_, i) => ((i * 7919 * FRAME) % (pcm.length - span)));
    entries.push({
      id: "dtmf-wasm-channels", name: `dtmf-wasm (WASM), ${channels} channels`, ours: true,
      time: timer(() => { for (let at = 0; at < span; at += FRAME) for (let i = 0; i < channels; i++) detectors[i].process(pcm.subarray(offsets[i] + at, offsets[i] + at + FRAME)); }, channels * span),
    });
  }
  {
    const frames = framesOf(floats, FRAME);
    entries.push({ id: "plain-ts", name: "same algorithm, plain TypeScript (float64, no SIMD)", ours: true, time: timer(() => { const d = new PlainDetector(RATE); for (const f of frames) d.process(f); d.flush(); }, frames.length * FRAME) });
  }
  const peerTimer = (peer, frameSize) => async () => {
    const r = await peer.throughput(pcm, { frameSize, repeat: 2 });
    return (pcm.length / Math.min(...r.runWallNanoseconds)) * 1e9;
  };
  for (const peer of peers) {
    if (!peer.available.ok) { result.stream.push({ id: peer.id, name: `${peer.name}`, skipped: peer.available.reason }); continue; }
    entries.push({ id: peer.id, name: `${peer.name} ${peer.version}`, time: peerTimer(peer, FRAME) });
  }
  for (let r = 0; r < rounds; r++) {
    for (const e of entries) {
      ctx.progress.step(`stream throughput, round ${r + 1}/${rounds}: ${e.name}`);
      e.best = Math.max(e.best ?? 0, await e.time());
    }
  }
  const ours1 = entries[0].best;
  for (const e of entries) {
    result.stream.push({ id: e.id, name: e.name, samplesPerSecond: Math.round(e.best), realTime: Math.round(e.best / RATE), channelsPerCore: Math.floor(e.best / RATE), oursOneChannelRatio: round(ours1 / e.best, 2) });
  }
  ctx.progress.note(`stream: ${result.stream.filter((s) => !s.skipped).map((s) => `${s.id} ${(s.samplesPerSecond / 1e6).toFixed(1)} M/s`).join(", ")}`);

  // ---- Frame sizes 1024 and 8192 for every detector. ---------------------------------------
  {
    const sizes = [1024, 8192];
    const rows = [];
    for (const size of sizes) {
      const detector = engine.createDetector({ sampleRate: RATE, encoding: "pcm16" });
      const frames = framesOf(pcm, size);
      rows.push({ id: "dtmf-wasm", size, time: timer(() => { for (const f of frames) detector.process(f); detector.flush(); }, frames.length * size) });
      const ff = framesOf(floats, size);
      rows.push({ id: "plain-ts", size, time: timer(() => { const d = new PlainDetector(RATE); for (const f of ff) d.process(f); d.flush(); }, ff.length * size) });
      for (const peer of peers) if (peer.available.ok) rows.push({ id: peer.id, size, time: peerTimer(peer, size) });
    }
    const frameRounds = quick ? 1 : 3;
    for (let r = 0; r < frameRounds; r++) {
      for (const row of rows) {
        ctx.progress.step(`frame sizes, round ${r + 1}/${frameRounds}: ${row.id} × ${row.size}`);
        row.best = Math.max(row.best ?? 0, await row.time());
      }
    }
    const at160 = Object.fromEntries(result.stream.filter((s) => !s.skipped).map((s) => [s.id, s.samplesPerSecond]));
    for (const id of [...new Set(rows.map((r) => r.id))]) {
      const bySize = { 160: at160[id] };
      for (const row of rows.filter((x) => x.id === id)) bySize[row.size] = Math.round(row.best);
      result.frameSizes.push({ id, samplesPerSecond: bySize });
    }
    const ours = result.frameSizes[0].samplesPerSecond;
    for (const f of result.frameSizes) f.oursRatio = Object.fromEntries(Object.entries(f.samplesPerSecond).map(([s, v]) => [s, round(ours[s] / v, 2)]));
  }

  // ---- Micro-benchmarks: one process() call, and setup, with benchmark.js. ----------------
  {
    const maxTime = quick ? 0.4 : 2;
    const suite = new Benchmark.Suite("dtmf-wasm");
    const sizes = [160, 1024, 8192];
    for (const size of sizes) {
      const detector = engine.createDetector({ sampleRate: RATE, encoding: "pcm16" });
      const frames = framesOf(pcm, size);
      let i = 0;
      suite.add(`process() ${size} samples`, () => { detector.process(frames[i]); if (++i === frames.length) i = 0; }, { maxTime, frameSamples: size, kind: "process", impl: "dtmf-wasm" });
    }
    {
      const frames = framesOf(floats, FRAME);
      const plain = new PlainDetector(RATE);
      let i = 0;
      suite.add("plain TypeScript process() 160 samples", () => { plain.process(frames[i]); if (++i === frames.length) i = 0; }, { maxTime, frameSamples: FRAME, kind: "process", impl: "plain-ts" });
    }
    suite.add("open + close a channel", () => { engine.createDetector({ sampleRate: RATE, encoding: "pcm16" }).close(); }, { maxTime, kind: "setup" });
    suite.on("cycle", (event) => ctx.progress.step(`micro-benchmarks: ${event.target.name}`));
    suite.run({ async: false });
    for (const bench of suite.map((b) => b)) {
      const mean = bench.stats.mean; // seconds per call
      result.micro.push({
        name: bench.name, kind: bench.kind, impl: bench.impl ?? "dtmf-wasm", samples: bench.frameSamples ?? null,
        nsPerCall: round(mean * 1e9, 1), rmePct: round(bench.stats.rme, 1), runs: bench.stats.sample.length,
        samplesPerSecond: bench.frameSamples ? Math.round(bench.frameSamples / mean) : null,
      });
    }
    const plain160 = result.micro.find((m) => m.impl === "plain-ts");
    const wasm160 = result.micro.find((m) => m.impl === "dtmf-wasm" && m.samples === FRAME);
    plain160.oursRatio = round(plain160.nsPerCall / wasm160.nsPerCall, 2);
    // Setup figures outside benchmark.js (each is a one-off or async).
    const bytes = await readFile(fileURLToPath(new URL("../../build/dtmf.wasm", import.meta.url)));
    const compileMs = [];
    for (let r = 0; r < 5; r++) { const t0 = performance.now(); await WebAssembly.compile(bytes); compileMs.push(performance.now() - t0); }
    const module = await WebAssembly.compile(bytes);
    const createMs = [];
    for (let r = 0; r < 20; r++) { const t0 = performance.now(); await DtmfEngine.create({ wasm: module }); createMs.push(performance.now() - t0); }
    const openClose = result.micro.find((m) => m.kind === "setup");
    result.setup = [
      { name: `compile the core (${bytes.length} bytes of WASM), once per process`, ms: round(Math.min(...compileMs), 2) },
      { name: "create an engine from the compiled module (instantiate)", ms: round(Math.min(...createMs), 3) },
      { name: "open + close a channel", ms: round(openClose.nsPerCall / 1e6, 4) },
    ];
  }

  // ---- Memory per channel. ----------------------------------------------------------------
  {
    v8.setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc");
    const heap = () => { gc(); gc(); return process.memoryUsage().heapUsed; };
    const n = quick ? 2000 : 10000;
    ctx.progress.step(`memory: ${n} channels`);
    const fresh = await DtmfEngine.create();
    const wasm0 = fresh.memoryBytes;
    const heap0 = heap();
    const open = Array.from({ length: n }, () => fresh.createDetector({ sampleRate: RATE, encoding: "pcm16" }));
    const heap1 = heap();
    const wasm1 = fresh.memoryBytes;
    for (const d of open) d.close();
    const reopened = Array.from({ length: n }, () => fresh.createDetector({ sampleRate: RATE, encoding: "pcm16" }));
    const leakFree = fresh.memoryBytes === wasm1;
    for (const d of reopened) d.close();
    const ours = {
      id: "dtmf-wasm", channels: n, stateBytes: fresh.bytesPerChannel,
      wasmGrowthBytes: round((wasm1 - wasm0) / n, 0), jsHeapBytes: round((heap1 - heap0) / n, 0), reopenWithoutGrowth: leakFree,
    };
    ours.totalBytes = Math.max(ours.stateBytes, ours.wasmGrowthBytes) + Math.max(0, ours.jsHeapBytes);
    result.memory.push(ours);
    open.length = 0;
    reopened.length = 0;

    const dds = peers.find((p) => p.id === "dtmf-detection-stream");
    if (dds?.available.ok) {
      const Stream = require("dtmf-detection-stream");
      const m = quick ? 500 : 2000;
      const h0 = heap();
      const streams = Array.from({ length: m }, () => new Stream({ format: { sampleRate: RATE, bitDepth: 16, channels: 1 } }));
      const h1 = heap();
      // One frame each, so that buffers allocated on first use count too.
      const frame = pcm.slice(0, FRAME);
      for (const s of streams) s.write(Buffer.from(frame.slice().buffer));
      const h2 = heap();
      for (const s of streams) { clearTimeout(s.timeoutID); s.destroy(); }
      result.memory.push({ id: dds.id, channels: m, jsHeapBytes: round((h1 - h0) / m, 0), jsHeapAfterFirstFrameBytes: round((h2 - h0) / m, 0), totalBytes: round((h2 - h0) / m, 0) });
    }
    const spandsp = peers.find((p) => p.id === "spandsp");
    if (spandsp?.available.ok) {
      const size = await spandspStateSize().catch((error) => ({ error: String(error.message || error).split("\n")[0] }));
      result.memory.push({ id: "spandsp", ...(size.error ? { skipped: size.error } : { stateBytes: size, totalBytes: size }) });
    }
    for (const m of result.memory) if (m.totalBytes) m.oursRatio = round(ours.totalBytes / m.totalBytes, 2);
    ctx.progress.note(`memory: ${result.memory.map((m) => `${m.id} ${m.totalBytes ?? "?"} B`).join(", ")}`);
  }
  return result;
}

/** sizeof(dtmf_rx_state_t) from spandsp's private header, via a tiny C program (bench/work). */
async function spandspStateSize() {
  const work = fileURLToPath(new URL("../work/", import.meta.url));
  await mkdir(work, { recursive: true });
  const source = `${work}spandsp-sizeof.c`;
  const binary = `${work}spandsp-sizeof`;
  const headers = ["stdint.h", "stdio.h", "spandsp/telephony.h", "spandsp/complex.h", "spandsp/logging.h", "spandsp/queue.h", "spandsp/tone_generate.h", "spandsp/tone_detect.h",
    "spandsp/super_tone_rx.h", "spandsp/dtmf.h", "spandsp/private/logging.h", "spandsp/private/queue.h", "spandsp/private/tone_generate.h", "spandsp/private/dtmf.h"];
  const program = `${headers.map((h) => `#include <${h}>`).join("\n")}\nint main(void) { printf("%zu\\n", sizeof(dtmf_rx_state_t)); return 0; }\n`;
  await writeFile(source, program);
  const run = (file, args) => new Promise((resolve, reject) => execFile(file, args, (error, stdout, stderr) => (error ? reject(new Error(stderr || error.message)) : resolve(stdout))));
  await run(process.env.CC || "cc", ["-o", binary, source]);
  await stat(binary);
  return Number((await run(binary, [])).trim());
}
