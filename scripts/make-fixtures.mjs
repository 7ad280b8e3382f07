#!/usr/bin/env node
/**
 * Writes the generated fixtures of audio-fixtures/: small WAVs made by the library's own
 * generator (through `dtmf-wasm generate`'s renderCall), each with a truth sidecar
 * `<name>.json` giving every key's true onset and duration (ms). Deterministic: the same
 * build writes the same bytes. Run with `npm run fixtures` after `npm run build`.
 *
 * audio-fixtures/talkoff/ (real speech and music) is made by another script and not touched.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { formatTruth, renderCall } from "../dist/cli/generate.js";
import { ALL_KEYS } from "../dist/keys.js";

const OUT = new URL("../audio-fixtures/", import.meta.url);
/** All the generated fixtures together stay under this size (they live in git). */
const BUDGET_BYTES = 1024 * 1024;

/** A person dialling: uneven tone lengths (ms) and pauses (ms). */
const dialled = (keys, tones, gaps) => [...keys].map((digit, i) => ({ digit, durationMs: tones[i % tones.length], gapMs: gaps[i % gaps.length] }));

export const FIXTURES = [
  {
    name: "demo",
    description: "A phone number dialled by hand: 8 keys, uneven tone lengths (70-130 ms) and pauses; clean, 8 kHz 16-bit mono, -10 dBm0 per tone.",
    spec: { keys: dialled("5550123#", [95, 80, 110, 70, 130, 90, 85, 120], [180, 150, 300, 120, 160, 140, 210, 100]), levelDbm0: -10 },
  },
  {
    name: "all-keys",
    description: "The 16 keys 0-9 * # A-D, 60 ms tones and 60 ms pauses; clean, 8 kHz 16-bit mono.",
    spec: { keys: ALL_KEYS, toneMs: 60, gapMs: 60 },
  },
  {
    name: "all-keys-mulaw",
    description: "The 16 keys, 60 ms / 60 ms, G.711 μ-law WAV (format tag 7), 8 kHz.",
    spec: { keys: ALL_KEYS, toneMs: 60, gapMs: 60, encoding: "mulaw" },
  },
  {
    name: "all-keys-alaw",
    description: "The 16 keys, 60 ms / 60 ms, G.711 A-law WAV (format tag 6), 8 kHz, at -20 dBm0.",
    spec: { keys: ALL_KEYS, toneMs: 60, gapMs: 60, encoding: "alaw", levelDbm0: -20 },
  },
  {
    name: "wideband-16k",
    description: "0-9, 80 ms / 80 ms, 16 kHz 16-bit mono (wideband telephony).",
    spec: { keys: "0123456789", toneMs: 80, gapMs: 80, sampleRate: 16000 },
  },
  {
    name: "stereo-44k",
    description: "A 44.1 kHz 16-bit stereo file with the keys 147* on channel 1 (right) only; channel 0 is silent.",
    spec: { keys: "147*", toneMs: 70, gapMs: 80, leadMs: 150, tailMs: 150, sampleRate: 44100, channels: 2, keyChannels: [1] },
  },
  {
    name: "float-22k",
    description: "#*0 in 32-bit float samples at 22.05 kHz, mono, -15 dBm0.",
    spec: { keys: "#*0", toneMs: 100, gapMs: 100, sampleRate: 22050, encoding: "float32", levelDbm0: -15 },
  },
  {
    name: "noisy-snr15",
    description: "The 16 keys, 70 ms / 70 ms, with white noise at S/N 15 dB (0-4 kHz, against both tones' power), 8 kHz 16-bit.",
    spec: { keys: ALL_KEYS, toneMs: 70, gapMs: 70, snrDb: 15, seed: 7 },
  },
  {
    name: "twist",
    description: "Levels and twist across the Q.24 acceptance range: twist +4 and -8 dB, tones at -3, -25 and -35 dBm0, frequency errors of ±1.5 %; 8 kHz 16-bit.",
    spec: {
      keys: [
        { digit: "1", twistDb: 4 },
        { digit: "5", twistDb: -8 },
        { digit: "9", levelDbm0: -25 },
        { digit: "D", levelDbm0: -35, twistDb: 2 },
        { digit: "0", levelDbm0: -3, twistDb: 0 },
        { digit: "#", lowErrorPct: 1.5, highErrorPct: -1.5 },
        { digit: "*", lowErrorPct: -1.5, highErrorPct: 1.5, twistDb: -4 },
      ],
      toneMs: 80, gapMs: 80, levelDbm0: -12,
    },
  },
  {
    name: "fast-dialing",
    description: "0-9 as an autodialler sends them at Q.24's edge: 45 ms tones, 45 ms pauses; 8 kHz 16-bit.",
    spec: { keys: "1234567890", toneMs: 45, gapMs: 45 },
  },
  {
    name: "repeats",
    description: "The same key pressed again after short pauses (1 1 1 with 50 ms pauses), then a key held for 1.2 s, then 2 2; 8 kHz 16-bit.",
    spec: {
      keys: [
        { digit: "1", durationMs: 80, gapMs: 50 }, { digit: "1", durationMs: 80, gapMs: 50 }, { digit: "1", durationMs: 80, gapMs: 200 },
        { digit: "#", durationMs: 1200, gapMs: 200 }, { digit: "2", durationMs: 60, gapMs: 60 }, { digit: "2", durationMs: 60 },
      ],
    },
  },
];

export function makeFixtures(dir = OUT) {
  mkdirSync(dir, { recursive: true });
  let total = 0;
  const written = [];
  for (const { name, description, spec } of FIXTURES) {
    const { wav, truth } = renderCall(spec);
    writeFileSync(new URL(`${name}.wav`, dir), wav);
    writeFileSync(new URL(`${name}.json`, dir), formatTruth({ file: `${name}.wav`, description, ...truth }));
    total += wav.byteLength;
    written.push(`${name}.wav (${(wav.byteLength / 1024).toFixed(0)} KiB, ${truth.tones.length} keys)`);
  }
  if (total > BUDGET_BYTES) throw new Error(`the fixtures take ${total} bytes, over the ${BUDGET_BYTES}-byte budget`);
  return { written, total };
}

if (import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const { written, total } = makeFixtures();
  console.log(`audio-fixtures/: ${written.join(", ")}; ${(total / 1024).toFixed(0)} KiB in all`);
}
