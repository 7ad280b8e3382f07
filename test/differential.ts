/**
 * The differential suite: the WASM core (f32, SIMD, two-sample steps) against the float64
 * TypeScript reference (reference/plain-detector.ts) on the same audio. Both must find the
 * same presses, confirmed at the same sample, with edges within EDGE_MS and levels within
 * LEVEL_DB. The inputs reach every rule of the algorithm: keys over the standard's axes
 * (level, twist, frequency error, noise, rate), twist at the leak-discount edge, the talk-off
 * excerpts (as they are, 6 dB down under keys, under quieter keys so that stale candidates
 * reach the confirmation, and with relaxed tuning so that their candidates reach the
 * confirmation rules), and the synthetic stale, late and chord signals.
 *
 * Used by test/reference.test.ts (no mismatch allowed) and by test/rules.perturb.ts (`npm run
 * perturb-rules`: each rule constant changed on one side must produce mismatches).
 */
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { readWavFloat } from "../bench/lib/audio.mjs";
import { addDecayingTones, addModulatedTones, addTones } from "../bench/lib/signals.mjs";
import { type Rules, PlainDetector } from "../reference/plain-detector.js";
import type { DtmfEngine } from "../src/engine.js";
import type { DtmfEvent, KeyDownEvent } from "../src/events.js";
import { type GenerateOptions, generateDtmf, seededRandom } from "../src/generator.js";
import { dbm0ToPower } from "../src/levels.js";
import { ALL_KEYS } from "../src/keys.js";
import type { DetectorTuning } from "../src/options.js";

/** Largest difference of onset and duration between the two sides, ms. */
const EDGE_MS = 0.5;
/** Largest difference of a tone level between the two sides, dB. */
const LEVEL_DB = 0.2;
/** Tuning that lets the talk-off excerpts' candidates through the window tests (bench/golden-events.mjs). */
const RELAXED: DetectorTuning = { purityDb: -6, pressPurityDb: -6, peakRatioDb: 4, frequencyTolerancePct: 4, minLevelDbm0: -50 };

export interface DifferentialCase {
  name: string;
  sampleRate: number;
  samples: Float32Array;
  tuning?: DetectorTuning;
}

function generated(name: string, gen: GenerateOptions): DifferentialCase {
  const audio = generateDtmf({ keys: ALL_KEYS, toneMs: 70, gapMs: 60, ...gen });
  return { name, sampleRate: audio.sampleRate, samples: audio.samples };
}

const KEY_5: [number, number][] = [[770, -7], [1336, -7]];
function synthetic(name: string, make: (s: Float32Array) => void, tuning?: DetectorTuning): DifferentialCase {
  const samples = new Float32Array(8 * 600);
  make(samples);
  return { name, sampleRate: 8000, samples, tuning };
}

/** Every case of the suite (built once: the talk-off files are read from audio-fixtures/talkoff/). */
export async function differentialCases(): Promise<DifferentialCase[]> {
  const cases: DifferentialCase[] = [];
  for (const seed of [1, 2]) {
    cases.push(
      generated(`clean, seed ${seed}`, { seed }),
      generated(`−30 dBm0, twist −6 dB, seed ${seed}`, { seed, levelDbm0: -30, twistDb: -6 }),
      generated(`+1.4 % / −1.4 %, seed ${seed}`, { seed, lowErrorPct: 1.4, highErrorPct: -1.4 }),
      generated(`S/N 12 dB, seed ${seed}`, { seed, snrDb: 12 }),
      generated(`16 kHz, 45 ms tones, seed ${seed}`, { seed, sampleRate: 16000, toneMs: 45 }),
      generated(`44.1 kHz, S/N 20 dB, seed ${seed}`, { seed, sampleRate: 44100, snrDb: 20 }),
    );
  }
  // The leak discount's case (rules.ts LEAK_*): the strong tone's sidelobe beside the weak one,
  // with a strict peak test so that the discount decides (normal twist widened to let them in).
  for (const twistDb of [-7, -7.5, -8, -8.5, -9, -9.5, -10]) {
    for (const peakRatioDb of [12, 14, 16]) {
      for (const offPct of [1, -1]) {
        const c = generated(`twist ${twistDb} dB, peaks ${peakRatioDb} dB, ${offPct} %`, { twistDb, seed: 7, toneMs: 60, lowErrorPct: offPct, highErrorPct: -offPct });
        cases.push({ ...c, tuning: { peakRatioDb, normalTwistDb: 14 } });
      }
    }
  }
  // Short tones and short gaps: the confirmation length and the gap rule.
  cases.push(generated("30 ms tones", { toneMs: 30, gapMs: 60, seed: 3 }), generated("20 ms gaps", { toneMs: 60, gapMs: 20, seed: 4 }));
  // The synthetic signals of test/talkoff.test.ts.
  const signals: [string, (s: Float32Array) => void][] = [
    ["stale chord", (s) => { addTones(s, 50, 130, [...KEY_5, [1000, -5]]); addTones(s, 130, 250, KEY_5); }],
    ["note, then key", (s) => { addTones(s, 50, 130, [[1000, -5]]); addTones(s, 130, 250, KEY_5); addTones(s, 350, 470, KEY_5); }],
    ["late swell under a note", (s) => { addTones(s, 50, 250, KEY_5, 40); addTones(s, 0, 400, [[2200, -9]]); }],
    ["swell, the note stops", (s) => { addTones(s, 50, 250, KEY_5, 40); addTones(s, 0, 90, [[2200, -9]]); }],
    ["abrupt under a note", (s) => { addTones(s, 50, 250, KEY_5); addTones(s, 0, 400, [[2200, -9]]); }],
    ["swells of 20-60 ms", (s) => { for (let i = 0; i < 5; i++) addTones(s, 40 + i * 110, 130 + i * 110, KEY_5, 20 + i * 10); }],
    // A press masked for 60 ms, then stale when it comes back (STALE_REPEAT_HOPS; test/busy-line.test.ts).
    ["a press masked by a note, back for 120 ms", (s) => { addTones(s, 50, 300, [[770, -13], [1336, -13]]); addTones(s, 120, 180, [[2200, -8]]); }],
    ["a key whose first 50 ms a note hides", (s) => { addTones(s, 50, 250, [[770, -13], [1336, -13]]); addTones(s, 0, 100, [[2200, -8]]); }],
  ];
  // Swells hidden by a loud note until 80 ms: the onset lands in the oldest history hop with
  // every coverage from stale to late (rules.ts STALE_COVER, LATE_PRESS_PURITY, MAG_HOPS).
  // (At 36 ms, relaxed, the walk-back's COVER_MIN comparison falls within the bfloat16
  // rounding of the core's history, history.ts, and the onsets differ by a hop: left out.)
  for (let rampMs = 20; rampMs <= 34; rampMs += 2) {
    signals.push([`${rampMs} ms swell, a note until 80 ms`, (s) => { addTones(s, 50, 250, KEY_5, rampMs); addTones(s, 0, 80, [[2200, -3]]); }]);
  }
  for (const [name, make] of signals) cases.push(synthetic(name, make), synthetic(`${name}, relaxed`, make, RELAXED));
  // The busy-line confirmation (rules.ts BUSY_*): pairs under a steady 2200 Hz note (clear of
  // the DTMF bins, so the window tests pass) that holds the press purity under CFG_PRESS_PURITY;
  // each signal sits just inside or outside one of the path's tests, so that each constant decides one.
  const KEY_5_LOW: [number, number][] = [[770, -13], [1336, -13]];
  const OFF_5: [number, number][] = [[770 * 1.01, -13], [1336 * 1.01, -13]];
  const note = (s: Float32Array, dbm0 = -13) => addTones(s, 0, 400, [[2200, dbm0]]);
  /** A note 5 dB over each tone for the first 100 ms: the key's windows fail until it stops, and it is stale. */
  const hidingNote = (s: Float32Array) => addTones(s, 0, 100, [[2200, -8]]);
  /** The same note going on at the key's level from 100 ms: the stale key stays under the press purity. */
  const stayingNote = (s: Float32Array) => addTones(s, 100, 400, [[2200, -13]]);
  const busy: [string, (s: Float32Array) => void, DetectorTuning?][] = [
    ["key under a note at its level", (s) => { addTones(s, 50, 150, KEY_5_LOW); note(s); }],
    ["40 ms key under a note (BUSY_MIN_FULL_HOPS)", (s) => { addTones(s, 50, 90, KEY_5_LOW); note(s); }],
    ["key 1 % off under a note (BUSY_FREQ_TOL)", (s) => { addTones(s, 50, 150, OFF_5); note(s); }],
    ["1.5 % vibrato at 10 Hz under a note (BUSY_COHERENCE)", (s) => { addModulatedTones(s, 50, 150, KEY_5_LOW, { vibrato: 0.015, vibratoHz: 10 }); note(s); }],
    ["30 % tremolo at 35 Hz under a note (BUSY_STEADINESS)", (s) => { addModulatedTones(s, 50, 150, KEY_5_LOW, { tremolo: 0.3, tremoloHz: 35 }); note(s, -12); }],
    ["key 5 dB under a note, windows relaxed (BUSY_PRESS_PURITY)", (s) => { addTones(s, 50, 150, KEY_5_LOW); note(s, -8); }, { purityDb: -6 }],
    // Stale and pure once the hiding note stops at 100 ms, with a tremolo: steadiness 0.967 (30 % at
    // 35 Hz: a key at STALE_PURE_STEADINESS 0.96, none at 0.98) and 0.953 (40 % at 25 Hz: a key at 0.9 only).
    ["stale pure key, 30 % tremolo at 35 Hz (STALE_PURE_STEADINESS)", (s) => { addModulatedTones(s, 50, 250, KEY_5_LOW, { tremolo: 0.3, tremoloHz: 35 }); hidingNote(s); }],
    ["stale pure key, 40 % tremolo at 25 Hz (STALE_PURE_STEADINESS)", (s) => { addModulatedTones(s, 50, 250, KEY_5_LOW, { tremolo: 0.4, tremoloHz: 25 }); hidingNote(s); }],
    // Stale when the hiding note drops to −17 dBm0 at 100 ms; ends after 3 full hops at press
    // purity 0.83 (reference): a key by STALE_PURE_PURITY and STALE_PURE_FULL_HOPS, none by 4 hops or 0.9.
    ["key stale under a note, 3 full hops at purity 0.83 (STALE_PURE_*)", (s) => { addTones(s, 50, 131, KEY_5_LOW); hidingNote(s); addTones(s, 100, 400, [[2200, -17]]); }],
    // Stale, and under the press purity (0.67) while the note goes on at the key's level from 100 ms:
    // 0.5 % off (reference: errors 0.49/0.49 %, a key at STALE_IMPURE_FREQ_TOL 0.006, none at
    // 0.004) and a 0.5 % vibrato at 20 Hz (window coherence 0.987: a key at STALE_IMPURE_COHERENCE 0.98, none at 0.99).
    ["key stale under a note that stays, 0.5 % off (STALE_IMPURE_FREQ_TOL)", (s) => { addTones(s, 50, 250, [[770 * 1.005, -13], [1336 * 1.005, -13]]); hidingNote(s); stayingNote(s); }],
    ["key stale under a note that stays, 0.5 % vibrato at 20 Hz (STALE_IMPURE_COHERENCE)", (s) => { addModulatedTones(s, 50, 250, KEY_5_LOW, { vibrato: 0.005, vibratoHz: 20 }); hidingNote(s); stayingNote(s); }],
  ];
  for (const [name, make, tuning] of busy) cases.push(synthetic(name, make, tuning));
  // Continued hops (rules.ts CONT_*): key 5 clean for 20 ms, then a 733 Hz sound 5 dB over its
  // row tone beside it until past its end (both row bins lead by turns: every window and held
  // window fails) while the column goes on. Reference: a key at 95.6 ms, none without continued
  // hops; with the column 5 Hz higher from 70 ms (a 0.2 rad turn a hop) none at CONT_MIN_COS
  // 0.99; with the column 4 dB down from 70 ms (0.63 of its magnitude) none at CONT_MAG_SHARE
  // 0.8; a pair whose row stops at 70 ms while the column goes on alone is no key (its row bin
  // holds nothing).
  const beside = (s: Float32Array) => addTones(s, 70, 170, [[733, -8]]);
  const continuedCases: [string, (s: Float32Array) => void][] = [
    ["key whose row a sound beside it hides after 20 ms (CONT_*)", (s) => { addTones(s, 50, 150, KEY_5_LOW); beside(s); }],
    ["…its column 5 Hz higher from then (CONT_MIN_COS)", (s) => { addTones(s, 50, 150, [[770, -13]]); addTones(s, 50, 70, [[1336, -13]]); addTones(s, 70, 150, [[1341, -13]]); beside(s); }],
    ["…its column 4 dB down from then (CONT_MAG_SHARE)", (s) => { addTones(s, 50, 150, [[770, -13]]); addTones(s, 50, 70, [[1336, -13]]); addTones(s, 70, 150, [[1336, -17]]); beside(s); }],
    ["key with a 900 Hz sound 1 dB under its row tone after 20 ms (held windows continued)", (s) => { addTones(s, 50, 150, KEY_5_LOW); addTones(s, 70, 170, [[900, -14]]); }],
    ["a 20 ms pair whose column goes on alone (CONT_MAG_SHARE)", (s) => { addTones(s, 50, 70, [[770, -13]]); addTones(s, 50, 150, [[1336, -13]]); }],
  ];
  for (const [name, make] of continuedCases) cases.push(synthetic(name, make));
  // Measured continued hops (rules.ts CONT_MEASURE_COS) and the band floor of the busy line's
  // purity: key 5 with a 2200 Hz tone 3 dB over each of its tones from 70 ms (reference: a key at
  // 89.3 ms, at 102.0 ms with CONT_MEASURE_COS 0.99, none before the rule), key 5 under a loud
  // 200 + 400 Hz hum (press purity 0.17: a key at 102.0 ms by the band floor only), and key 3
  // with an 852 Hz tone at its row's level from 120 ms (a key at 172.1 ms on the busy line; at
  // 140.3 ms were the window's peaks not asked: window.ts carriesKey).
  cases.push(synthetic("key with a sound elsewhere in the band from 20 ms (CONT_MEASURE_COS)", (s) => { addTones(s, 50, 150, KEY_5_LOW); addTones(s, 70, 170, [[2200, -10]]); }));
  cases.push(synthetic("key under a loud hum below the keys (BUSY_PRESS_PURITY on the band)", (s) => { addTones(s, 50, 150, KEY_5_LOW); addTones(s, 0, 400, [[200, -4], [400, -8]]); }));
  cases.push(synthetic("key 3 with a tone beside its row from 20 ms (carriesKey)", (s) => { addTones(s, 100, 200, [[697, -13], [1477, -13]]); addTones(s, 120, 220, [[852, -13]]); }));
  // The peak test over the background (rules.ts BACKGROUND_*): key 1 beside a steady 852 Hz note
  // 5 dB under its row tone (reference: a key at 133.9 ms, none at BACKGROUND_OWN_SHARE 0.9 nor
  // BACKGROUND_SHARE 0.9 nor without the rule), and its row tone there 14 dB down before it.
  cases.push(synthetic("key 1 beside a steady note 5 dB under its row tone (BACKGROUND_*)", (s) => { addTones(s, 0, 400, [[852, -18]]); addTones(s, 100, 200, [[697, -13], [1209, -13]]); }));
  cases.push(synthetic("…its row tone 14 dB down before it (BACKGROUND_OWN_SHARE)", (s) => { addTones(s, 0, 400, [[852, -18]]); addTones(s, 0, 100, [[697, -27]]); addTones(s, 100, 200, [[697, -13], [1209, -13]]); }));
  // An off-frequency press confirmed by its purity keeps one amplitude (rules.ts
  // OFF_FREQ_STEADINESS): key * 1.4 % low, alone, decaying as e^(−t/τ) from −10 dBm0 a tone;
  // its steadiness at confirmation (reference): τ = 35 ms 0.92, τ = 50 ms 0.96.
  const decaying = (tauMs: number) => (s: Float32Array) => addDecayingTones(s, 50, 200, [[941 * 0.986, -10], [1209 * 0.986, -10]], tauMs);
  cases.push(synthetic("key * 1.4 % low decaying, τ 35 ms (OFF_FREQ_STEADINESS: no key)", decaying(35)));
  cases.push(synthetic("key * 1.4 % low decaying, τ 50 ms (OFF_FREQ_STEADINESS: a key)", decaying(50)));
  // A codec's onset (rules.ts TWIST_SPAN, TWISTED_PRESS_PURITY, REF_RESET_HOPS): through GSM
  // 06.10 a key's high tone can start 15-25 dB under its low one and settle within 20-40 ms, and
  // its first hop can overshoot the steady level twice over (bench/codec-misses.mjs).
  const codec: [string, (s: Float32Array) => void][] = [
    ["high tone 18 dB down for 30 ms (TWIST_SPAN: twisted)", (s) => { addTones(s, 50, 250, [[770, -8]]); addTones(s, 50, 80, [[1336, -26]]); addTones(s, 80, 250, [[1336, -12]]); }],
    ["high tone 24 dB down for 30 ms (TWIST_SPAN: beyond, stale)", (s) => { addTones(s, 50, 250, [[770, -8]]); addTones(s, 50, 80, [[1336, -32]]); addTones(s, 80, 250, [[1336, -12]]); }],
    ["the first under a note, press purity 79 % (TWISTED_PRESS_PURITY)", (s) => { addTones(s, 50, 250, [[770, -8]]); addTones(s, 50, 80, [[1336, -26]]); addTones(s, 80, 250, [[1336, -12]]); addTones(s, 0, 400, [[2200, -13]]); }],
    ["first 8 ms at twice the level (REF_RESET_HOPS)", (s) => { addTones(s, 50, 58, [[770, -4], [1336, -4]]); addTones(s, 58, 200, [[770, -10], [1336, -10]]); }],
  ];
  for (const [name, make] of codec) cases.push(synthetic(name, make));
  // A press cut by 40 ms of white noise 10 dB over the pair (the held windows cannot carry it;
  // at 6 dB they do): the key comes back with its tones filling the history, a stale candidate
  // of the key just reported (STALE_REPEAT_HOPS: nothing starts until the guard has passed; with
  // a guard of 4 hops the second press would start at 172 ms instead of 230 ms; bursts 8-20 dB
  // over the pair and 40-80 ms long all show it, so the case sits well inside the rule).
  cases.push(synthetic("key 5 cut by a noise burst 10 dB over it", (s) => {
    addTones(s, 50, 400, [[770, -20], [1336, -20]]);
    const random = seededRandom(7), a = Math.sqrt(3 * 10 * 2 * dbm0ToPower(-20)); // uniform: power a²/3
    for (let i = 8 * 150; i < 8 * 190; i++) s[i] += a * (2 * random() - 1);
  }));
  // Keys sent beyond the twist limit, twisted throughout with a window within it now and then
  // (TWISTED_CONFIRM_HITS: some of the −11 dB keys confirm, none of the −12 dB ones).
  for (const seed of [1, 2]) cases.push(generated(`twist −11 dB, seed ${seed}`, { seed, twistDb: -11 }), generated(`twist −12 dB, seed ${seed}`, { seed, twistDb: -12 }));
  // Seed 1 is left out: its key B's last hop has coverage 0.8000 (COVER_FULL) to four digits,
  // which f32 and f64 round to either side (a full hop or not: 1.4 ms of duration, 0.3 dB).
  for (const seed of [2, 3, 4]) cases.push(generated(`S/N 3 dB, seed ${seed}`, { seed, snrDb: 3 }));
  // The dial-tone filter (rules.ts NOTCH_*): keys under a dial tone above them, and a clean line
  // (where the 697 Hz level shows the sections' width).
  const dial = (db: number) => [{ hz: 350, levelDbm0: -20 + db }, { hz: 440, levelDbm0: -20 + db }];
  for (const db of [10, 15]) cases.push({ ...generated(`dial tone +${db} dB, filter on`, { seed: 11, levelDbm0: -20, toneMs: 60, interference: dial(db) }), tuning: { dialToneFilter: true } });
  cases.push({ ...generated("clean, filter on", { seed: 12, levelDbm0: -20, toneMs: 60 }), tuning: { dialToneFilter: true } });
  // The filter's engagement by default (rules.ts DIAL_*): a dial tone +10 dB and −1 dB (each key's
  // first hop may fail the removed share once: DIAL_OFF_HOPS, DIAL_TRIAL_HOPS), a key 28 ms into
  // the dial tone (DIAL_WATCH_HOPS), a 2500 Hz tone that leaves the filter 90 % of the power
  // (DIAL_REMOVED_SHARE) or, louder, fails its first trial until 80 ms (DIAL_RETRY_HOPS).
  cases.push(generated("dial tone +10 dB, default", { seed: 11, levelDbm0: -20, toneMs: 60, interference: dial(10) }));
  cases.push(generated("dial tone −1 dB, default", { seed: 5, levelDbm0: -20, toneMs: 60, gapMs: 60, leadMs: 56.85, interference: dial(-1) }));
  cases.push(synthetic("key 28 ms into a dial tone", (s) => { addTones(s, 0, 300, [[350, -10], [440, -10]]); addTones(s, 28, 100, [[770, -20], [1336, -20]]); }));
  cases.push(synthetic("dial tone and a 2500 Hz tone 9.5 dB under it", (s) => { addTones(s, 0, 400, [[350, -14], [440, -14], [2500, -20.5]]); addTones(s, 200, 280, [[770, -14], [1336, -14]]); }));
  cases.push(synthetic("dial tone, a 2500 Hz tone over it until 80 ms", (s) => { addTones(s, 0, 300, [[350, -10], [440, -10]]); addTones(s, 0, 80, [[2500, -8]]); addTones(s, 120, 200, [[770, -20], [1336, -20]]); }));
  // The tone filter (rules.ts TONE_*): keys under a 1 kHz tone at their level and 6 dB over them
  // (the 941 Hz bin's tone 59 Hz from it), a tone 3.6 % off 941 Hz (TONE_OFF_GRID) over key 0, a
  // tone starting 30 ms before a key (TONE_WATCH_HOPS, TONE_COHERENCE), one under a key held
  // 40 ms into the tone's end (TONE_OFF_HOPS), a tone between the groups (1075 Hz: both groups
  // hold it, TONE_GROUP_RATIO) and the notch's width (TONE_NOTCH_Q: key 0 under 975 Hz, loud).
  const khz = (db: number) => [{ hz: 1000, levelDbm0: -20 + db }];
  cases.push(generated("1 kHz at the keys' level", { seed: 13, levelDbm0: -20, toneMs: 60, gapMs: 60, interference: khz(0) }));
  cases.push(generated("1 kHz 6 dB over the keys", { seed: 14, levelDbm0: -20, toneMs: 60, gapMs: 60, interference: khz(6) }));
  cases.push(synthetic("975 Hz (3.6 % off 941 Hz), key 0 under it", (s) => { addTones(s, 0, 600, [[975, -14]]); addTones(s, 150, 230, [[941, -20], [1336, -20]]); addTones(s, 400, 460, [[941, -20], [1209, -20]]); }));
  cases.push(synthetic("1 kHz starting 30 ms before a key", (s) => { addTones(s, 100, 600, [[1000, -17]]); addTones(s, 130, 200, [[941, -20], [1477, -20]]); addTones(s, 300, 360, [[852, -20], [1209, -20]]); }));
  cases.push(synthetic("1 kHz ending under a key", (s) => { addTones(s, 0, 250, [[1000, -18]]); addTones(s, 100, 290, [[941, -20], [1336, -20]]); addTones(s, 380, 440, [[941, -20], [1336, -20]]); }));
  cases.push(synthetic("1075 Hz between the bins, then keys", (s) => { addTones(s, 0, 600, [[1075, -16]]); addTones(s, 120, 180, [[941, -20], [1209, -20]]); addTones(s, 300, 360, [[770, -20], [1209, -20]]); }));
  // Talk-off excerpts.
  const dir = new URL("../audio-fixtures/talkoff/", import.meta.url);
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".wav")).sort()) {
    const { sampleRate, samples } = (await readWavFloat(fileURLToPath(new URL(file, dir)))) as { sampleRate: number; samples: Float32Array };
    cases.push({ name: `${file}`, sampleRate, samples }, { name: `${file}, relaxed`, sampleRate, samples, tuning: RELAXED });
    const mixed = samples.map((v) => v * 10 ** (-6 / 20));
    const keys = "159#3570*2468ABCD";
    const dtmf = generateDtmf({ keys, sampleRate, toneMs: 60, gapMs: (mixed.length / sampleRate * 1000 - 400) / keys.length - 60, leadMs: 200, tailMs: 0, levelDbm0: -9, twistDb: -2, seed: 9 });
    for (let i = 0; i < Math.min(mixed.length, dtmf.samples.length); i++) mixed[i] += dtmf.samples[i];
    cases.push({ name: `${file} −6 dB under keys`, sampleRate, samples: mixed });
    // Keys at −20 dBm0 a tone over speech at full level (the pair ~ 0-5 dB over its active
    // level): their first windows often fail, so many are stale candidates (assembly/press.ts),
    // some of them a press coming back after a gap (STALE_REPEAT_HOPS).
    if (file.startsWith("speech-")) {
      const over = generateDtmf({ keys: "1470258*369#ABCD", sampleRate, toneMs: 90, gapMs: (samples.length / sampleRate * 1000 - 400) / 16 - 90, leadMs: 200, tailMs: 0, levelDbm0: -20, twistDb: -1, seed: 10 });
      const busy = samples.slice();
      for (let i = 0; i < Math.min(busy.length, over.samples.length); i++) busy[i] += over.samples[i];
      cases.push({ name: `${file} under keys at −20 dBm0`, sampleRate, samples: busy });
    }
  }
  return cases;
}

/**
 * Runs every case through both sides; returns one line per disagreement (empty: they agree).
 * `rules` replaces rule constants on the reference's side only.
 */
export function differential(engine: DtmfEngine, cases: DifferentialCase[], rules?: Partial<Rules>): string[] {
  const problems: string[] = [];
  let presses = 0;
  for (const c of cases) {
    const detector = engine.createDetector({ sampleRate: c.sampleRate, encoding: "float32", ...c.tuning });
    const events = [...detector.process(c.samples), ...detector.flush()];
    detector.close();
    const core = events.filter((e): e is DtmfEvent => e.type === "dtmf");
    const keydowns = events.filter((e): e is KeyDownEvent => e.type === "keydown");
    const plain = new PlainDetector(c.sampleRate, c.tuning, { rules });
    const reference = [...plain.process(c.samples), ...plain.flush()];
    presses += core.length;
    const ms = (samples: number) => (samples * 1000) / c.sampleRate;
    const digits = core.map((p) => p.digit).join(""), expected = reference.map((p) => p.digit).join("");
    if (digits !== expected) { problems.push(`${c.name}: core "${digits}", reference "${expected}"`); continue; }
    core.forEach((p, i) => {
      const r = reference[i];
      const what = `${c.name}: press ${i} (${p.digit})`;
      if (keydowns[i].detectedSample !== r.keydownSample) problems.push(`${what} confirmed at ${keydowns[i].detectedSample}, reference ${r.keydownSample}`);
      if (Math.abs(p.startMs - ms(r.startSample)) >= EDGE_MS) problems.push(`${what} onset ${p.startMs} ms, reference ${ms(r.startSample).toFixed(2)}`);
      if (Math.abs(p.durationMs - ms(r.durationSamples)) >= EDGE_MS) problems.push(`${what} duration ${p.durationMs} ms, reference ${ms(r.durationSamples).toFixed(2)}`);
      if (Math.abs(p.lowDbm0 - r.lowDbm0) >= LEVEL_DB) problems.push(`${what} low ${p.lowDbm0} dBm0, reference ${r.lowDbm0.toFixed(2)}`);
      if (Math.abs(p.highDbm0 - r.highDbm0) >= LEVEL_DB) problems.push(`${what} high ${p.highDbm0} dBm0, reference ${r.highDbm0.toFixed(2)}`);
    });
  }
  if (presses === 0) problems.push("no press at all: the suite tests nothing");
  return problems;
}
