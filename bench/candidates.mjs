/**
 * What tells a talk-off candidate from a genuine key at the moment of confirmation.
 *
 *   node bench/candidates.mjs
 *
 * Runs the float64 reference detector (reference/, the same decisions as the WASM core)
 * with its confirmation tests relaxed (press purity 60 %, frequency ±2.5 %, no late rule), so
 * that it confirms what the real tests then judge, over
 *   - genuine keys: the hard cases of the accuracy battery (noise down to S/N 6 dB, dial tone,
 *     1 kHz, twist, frequency and level edges, short tones, G.711, keys over speech), and
 *   - talk-off: every WAV of bench/work/talkoff, bench/work/talkoff-heldout (those present;
 *     scripts/talkoff-corpus.sh builds them) and audio-fixtures/talkoff, none holding a key,
 * and prints, per set, how many candidates were late (onset at the far end of the magnitude
 * history), their press purities, and what the default tests keep. Needs `npm run build`.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ALL_KEYS as ALL, DEFAULT_TUNING, generateDtmf, seededRandom } from "../dist/index.js";
import { LATE_PRESS_PURITY, PlainDetector } from "../build/reference/reference/plain-detector.js";
import { activeLevelDbm0, dbm0ToPower, g711RoundTrip, powerToDbm0, readWav } from "./lib/audio.mjs";
import { mixKeys } from "./parts/accuracy.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const RATE = 8000;
const RELAXED = { pressPurityDb: -2.2, frequencyTolerancePct: 2.5 };
const PRESS_PURITY = 10 ** (DEFAULT_TUNING.pressPurityDb / 10);
const TOLERANCE_PCT = DEFAULT_TUNING.frequencyTolerancePct;
const ON_TIME_SAMPLES = 240; // a candidate this close to a generated tone's onset is that key

/** The candidates the relaxed reference confirms in `samples` (Int16Array or float). */
function candidates(samples) {
  const found = [];
  const detector = new PlainDetector(RATE, RELAXED, { latePressPurity: 0, onConfirm: (c) => found.push(c) });
  detector.process(samples instanceof Int16Array ? Float32Array.from(samples, (v) => v / 32768) : samples);
  detector.flush();
  return found;
}

/** Whether the default confirmation tests keep a relaxed candidate, with or without the late rule. */
const kept = (c, lateRule = true) => Math.abs(c.lowErrorPct) <= TOLERANCE_PCT && Math.abs(c.highErrorPct) <= TOLERANCE_PCT &&
  c.pressPurity >= (lateRule && c.late ? LATE_PRESS_PURITY : PRESS_PURITY);
/** Candidates that only the late rule stops. */
const stoppedByLateRule = (c) => kept(c, false) && !kept(c);

const lead = (seed) => 50 + seed * 1.37;
function* genuineCases() {
  for (const snr of [6, 8, 10]) for (let s = 1; s <= 30; s++) yield [`noise S/N ${snr} dB`, generateDtmf({ keys: ALL, toneMs: 60, gapMs: 80, leadMs: lead(s), seed: s, snrDb: snr, levelDbm0: -8 - (s % 5) * 4, twistDb: (s % 7) - 4 })];
  for (let t = -9; t <= 5; t++) for (let s = 1; s <= 4; s++) yield ["twist −9 … +5 dB", generateDtmf({ keys: ALL, toneMs: 60, gapMs: 60, leadMs: lead(s), seed: s, twistDb: t })];
  for (const g of ["low", "high"]) for (const v of [-1.5, -1, 1, 1.5]) for (let s = 1; s <= 4; s++) yield ["frequency ±1.5 %", generateDtmf({ keys: ALL, toneMs: 60, gapMs: 60, leadMs: lead(s), seed: s, [`${g}ErrorPct`]: v })];
  for (const l of [-42, -40, 0, 3]) for (let s = 1; s <= 4; s++) yield ["level −42 … +3 dBm0", generateDtmf({ keys: ALL, toneMs: 60, gapMs: 60, leadMs: lead(s), seed: s, levelDbm0: l })];
  for (const ms of [32, 34, 36, 38, 40]) for (let e = 1; e <= 16; e++) yield ["tones of 32-40 ms", generateDtmf({ keys: ALL, toneMs: ms, gapMs: 60, leadMs: 20 + (e * 13) / 16, seed: e })];
  const dial = [{ hz: 350, levelDbm0: -15 }, { hz: 440, levelDbm0: -15 }];
  for (const l of [-5, -7, -9, -10, -11, -12]) for (let s = 1; s <= 6; s++) yield ["dial tone −15 dBm0, keys −5 … −12", generateDtmf({ keys: ALL, toneMs: 60, gapMs: 60, leadMs: lead(s), seed: s, levelDbm0: l, interference: dial })];
  for (const l of [-5, -10, -15, -20]) for (let s = 1; s <= 4; s++) yield ["1 kHz −20 dBm0, keys −5 … −20", generateDtmf({ keys: ALL, toneMs: 60, gapMs: 60, leadMs: lead(s), seed: s, levelDbm0: l, interference: [{ hz: 1000, levelDbm0: -20 }] })];
  for (let c = 1; c <= 40; c++) {
    const random = seededRandom(1000 + c);
    const keys = Array.from({ length: 20 }, () => ({ digit: ALL[Math.floor(random() * 16)], durationMs: 50 + random() * 150, gapMs: 50 + random() * 250, levelDbm0: -5 - random() * 20, twistDb: -6 + random() * 9, lowErrorPct: -1 + random() * 2, highErrorPct: -1 + random() * 2 }));
    const audio = generateDtmf({ keys, leadMs: 200, tailMs: 200, seed: c });
    for (const law of ["mulaw", "alaw"]) yield ["G.711 random calls", { samples: g711RoundTrip(audio.samples, law), tones: audio.tones }];
  }
}

async function* speechCases() {
  const dir = join(ROOT, "audio-fixtures/talkoff");
  const files = readdirSync(dir).filter((f) => /^speech-.*\.wav$/.test(f)).sort();
  for (const [i, f] of files.entries()) {
    const wav = await readWav(join(dir, f));
    const file = { samples: wav.samples, levelDbm0: activeLevelDbm0(wav.samples) };
    for (const ratio of [10, 5]) yield [`keys ${ratio} dB over speech`, mixKeys(file, i, powerToDbm0(2 * dbm0ToPower(-10)) - ratio, -10)];
  }
}

const sets = new Map();
const setOf = (name) => {
  if (!sets.has(name)) sets.set(name, { keys: 0, all: [], missed: 0, extra: 0 });
  return sets.get(name);
};
const addGenuine = (name, audio) => {
  const set = setOf(name);
  const open = [...audio.tones];
  set.keys += open.length;
  for (const c of candidates(audio.samples)) {
    const i = open.findIndex((t) => t.digit === c.digit && Math.abs(t.startSample - c.startSample) < ON_TIME_SAMPLES);
    if (i < 0) { set.extra++; continue; }
    open.splice(i, 1);
    set.all.push(c);
  }
  set.missed += open.length;
};
for (const [name, audio] of genuineCases()) addGenuine(name, audio);
for await (const [name, audio] of speechCases()) addGenuine(name, audio);

const talkoff = [];
for (const dir of ["bench/work/talkoff", "bench/work/talkoff-heldout", "audio-fixtures/talkoff"]) {
  const path = join(ROOT, dir);
  if (!existsSync(path)) { console.log(`(${dir}: absent, skipped)`); continue; }
  const set = setOf(`talk-off: ${dir}`);
  for (const f of readdirSync(path).filter((f) => f.endsWith(".wav")).sort()) {
    const wav = await readWav(join(path, f));
    if (wav.sampleRate !== RATE) continue;
    set.keys++;
    for (const c of candidates(wav.samples)) { set.all.push(c); talkoff.push({ file: `${dir}/${f}`, ...c }); }
  }
}

const pct = (v) => (100 * v).toFixed(0);
const delayMs = (c) => ((c.confirmSample - c.startSample) * 1000) / RATE;
console.log(`Relaxed confirmation (press purity ${pct(10 ** (RELAXED.pressPurityDb / 10))} %, ±${RELAXED.frequencyTolerancePct} %, no late rule); default tests: press purity ${pct(PRESS_PURITY)} % (late ${pct(LATE_PRESS_PURITY)} %), ±${TOLERANCE_PCT} %.\n`);
console.log("| set | keys or files | candidates | onset to confirmation, p50 / p99 / max (ms) | late | late press purity (min … max) | kept by the default tests | stopped only by the late rule | missed even relaxed |");
console.log("|---|---:|---:|---|---:|---|---:|---:|---:|");
for (const [name, s] of sets) {
  const late = s.all.filter((c) => c.late).map((c) => c.pressPurity);
  const range = late.length ? `${pct(Math.min(...late))} … ${pct(Math.max(...late))} %` : "—";
  const isTalkoff = name.startsWith("talk-off");
  const delays = s.all.map(delayMs).sort((a, b) => a - b);
  const at = (q) => delays.length ? delays[Math.min(delays.length - 1, Math.floor(q * delays.length))].toFixed(1) : "—";
  console.log(`| ${name} | ${s.keys} | ${s.all.length} | ${at(0.5)} / ${at(0.99)} / ${at(1)} | ${late.length} | ${range} | ${s.all.filter((c) => kept(c)).length} | ${s.all.filter(stoppedByLateRule).length} | ${isTalkoff ? "—" : s.missed} |`);
}
console.log("\nTalk-off candidates (late ones marked L):");
for (const c of talkoff) {
  console.log(`  ${c.file} ${c.digit} at ${(c.startSample / 8).toFixed(1)} ms: ${c.late ? "L " : "  "}confirmed after ${delayMs(c).toFixed(1)} ms, press ${pct(c.pressPurity)} %, errors ${c.lowErrorPct.toFixed(2)} / ${c.highErrorPct.toFixed(2)} %${kept(c) ? "  <- kept" : stoppedByLateRule(c) ? "  (stopped by the late rule)" : ""}`);
}
