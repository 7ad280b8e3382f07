#!/usr/bin/env node
/**
 * Every event field (keydown and dtmf, sample positions, levels, frequency errors) the built
 * library reports for a fixed set of inputs, one JSON line an event: the evidence that a
 * refactor of the core changed no detection result. `node bench/golden-events.mjs > a.ndjson`
 * before and after, then `diff`. Inputs:
 *  - every WAV under audio-fixtures/ (talk-off excerpts included), read by the library's reader;
 *  - the talk-off excerpts 6 dB down with keys mixed in (as test/talkoff.test.ts), and alone
 *    with relaxed tuning, so that candidates reach every confirmation rule (stale, late,
 *    purity, frequency) instead of stopping at the window tests;
 *  - the synthetic stale, late and chord signals of test/talkoff.test.ts, and generated keys
 *    over a sweep of rate, level, twist, frequency error and noise.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { ALL_KEYS, DtmfEngine, generateDtmf } from "../dist/index.js";
import { AudioReader } from "../dist/wav/reader.js";
import { addTones } from "./lib/signals.mjs";

const engine = await DtmfEngine.create();
const RELAXED = { purityDb: -6, pressPurityDb: -6, peakRatioDb: 4, frequencyTolerancePct: 4, minLevelDbm0: -50 };

function print(label, events) {
  for (const e of events) console.log(JSON.stringify({ input: label, ...e }));
  if (events.length === 0) console.log(JSON.stringify({ input: label, events: 0 }));
}

function run(samples, sampleRate, options = {}) {
  const detector = engine.createDetector({ sampleRate, encoding: "float32", ...options });
  const events = [...detector.process(samples), ...detector.flush()];
  detector.close();
  return events;
}

function wavFiles(dir) {
  return readdirSync(dir).sort().flatMap((f) => {
    const path = join(dir, f);
    return statSync(path).isDirectory() ? wavFiles(path) : f.endsWith(".wav") ? [path] : [];
  });
}

const files = wavFiles("audio-fixtures");
for (const path of files) {
  const reader = await AudioReader.open({ path });
  const detectors = [];
  const events = [];
  const first = [];
  for await (const block of reader.blocks()) {
    block.channels.forEach((chunk, c) => {
      if (c === 0 && reader.encoding === "pcm16") {
        const pcm = new Int16Array(chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + chunk.byteLength));
        first.push(Float32Array.from(pcm, (v) => v / 32768));
      }
      detectors[c] ??= engine.createDetector({ sampleRate: reader.sampleRate, encoding: reader.encoding });
      for (const e of detectors[c].process(chunk)) events.push({ channel: c, ...e });
    });
  }
  detectors.forEach((d, c) => { for (const e of d.flush()) events.push({ channel: c, ...e }); d.close(); });
  print(path, events);
  if (path.includes("talkoff")) {
    const samples = new Float32Array(first.reduce((n, p) => n + p.length, 0));
    first.reduce((at, p) => (samples.set(p, at), at + p.length), 0);
    print(`${path} relaxed`, run(samples, reader.sampleRate, RELAXED));
    const quiet = samples.map((v) => v * 10 ** (-6 / 20));
    const keys = "159#3570*2468ABCD";
    const dtmf = generateDtmf({ keys, sampleRate: reader.sampleRate, toneMs: 60, gapMs: (quiet.length / reader.sampleRate * 1000 - 400) / keys.length - 60, leadMs: 200, tailMs: 0, levelDbm0: -9, twistDb: -2, seed: 9 });
    for (let i = 0; i < Math.min(quiet.length, dtmf.samples.length); i++) quiet[i] += dtmf.samples[i];
    print(`${path} -6 dB + keys`, run(quiet, reader.sampleRate));
  }
}

// The synthetic signals of test/talkoff.test.ts (8 kHz).
const KEY_5 = [[770, -7], [1336, -7]];
const synthetic = {
  "stale chord": (s) => { addTones(s, 50, 130, [...KEY_5, [1000, -5]]); addTones(s, 130, 250, KEY_5); },
  "note then key": (s) => { addTones(s, 50, 130, [[1000, -5]]); addTones(s, 130, 250, KEY_5); addTones(s, 350, 470, KEY_5); },
  "late swell under note": (s) => { addTones(s, 50, 250, KEY_5, 40); addTones(s, 0, 400, [[2200, -9]]); },
  "swell, note stops": (s) => { addTones(s, 50, 250, KEY_5, 40); addTones(s, 0, 90, [[2200, -9]]); },
  "abrupt under note": (s) => { addTones(s, 50, 250, KEY_5); addTones(s, 0, 400, [[2200, -9]]); },
};
for (const [name, make] of Object.entries(synthetic)) {
  const samples = new Float32Array(8 * 600);
  make(samples);
  print(`synthetic ${name}`, run(samples, 8000));
  print(`synthetic ${name} relaxed`, run(samples, 8000, RELAXED));
}

// Generated keys over the axes of the standard.
const sweep = [
  { sampleRate: 8000 }, { sampleRate: 11025, twistDb: -6 }, { sampleRate: 16000, snrDb: 12 },
  { sampleRate: 22050, lowErrorPct: 1.4, highErrorPct: -1.4 }, { sampleRate: 44100, levelDbm0: -30 },
  { sampleRate: 48000, snrDb: 8, twistDb: 3 }, { sampleRate: 8000, toneMs: 25 }, { sampleRate: 8000, gapMs: 15 },
  { sampleRate: 8000, interference: [{ hz: 350, levelDbm0: -15 }, { hz: 440, levelDbm0: -15 }], levelDbm0: -12 },
];
for (const gen of sweep) {
  const audio = generateDtmf({ keys: ALL_KEYS, toneMs: 50, gapMs: 50, seed: 3, ...gen });
  print(`generated ${JSON.stringify(gen)}`, run(audio.samples, audio.sampleRate));
}
