/**
 * The busy-line confirmation (assembly/rules.ts BUSY_*, assembly/press.ts steadyPair): a
 * key that shares the line with other sound holds less than the press purity, and is still a
 * key when its two tones sit on the key's frequencies and keep one frequency and one amplitude
 * over the press. What speech and music have instead (a glide, a swell, notes a little off the
 * DTMF grid) must not pass that way.
 */
import { describe, expect, it } from "vitest";
import { addDecayingTones, addModulatedTones, addTones } from "../bench/lib/signals.mjs";
import { noiseRow as sharedNoiseRow } from "../bench/lib/noise-row.mjs";
import { DtmfEngine, type DtmfEvent, generateDtmf } from "../src/index.js";

const engine = await DtmfEngine.create();
const RATE = 8000;
/** Key 5 at −13 dBm0 a tone: with the note below at its level the pair holds 2/3 of the power. */
const KEY_5: [number, number][] = [[770, -13], [1336, -13]];
/** A steady note clear of every DTMF bin (the window tests pass), at −13 dBm0 unless said. */
const note = (s: Float32Array, dbm0 = -13) => addTones(s, 0, 400, [[2200, dbm0]]);

function presses(samples: Float32Array, tuning = {}): DtmfEvent[] {
  const detector = engine.createDetector({ sampleRate: RATE, encoding: "float32", ...tuning });
  const events = [...detector.process(samples), ...detector.flush()];
  detector.close();
  return events.filter((e): e is DtmfEvent => e.type === "dtmf");
}

function signal(make: (s: Float32Array) => void): Float32Array {
  const s = new Float32Array((RATE * 400) / 1000);
  make(s);
  return s;
}

describe("busy line: a steady key under other sound", () => {
  it("is confirmed although it holds less than the press purity (70 %) of the power", () => {
    const found = presses(signal((s) => { addTones(s, 50, 150, KEY_5); note(s); }));
    expect(found.map((p) => p.digit)).toEqual(["5"]);
    // The edges come from the same measurement as on a clean line.
    expect(Math.abs(found[0].startMs - 50)).toBeLessThan(2);
    expect(Math.abs(found[0].durationMs - 100)).toBeLessThan(2);
  });

  it("is confirmed on the clean line by the usual test (the note removed)", () => {
    expect(presses(signal((s) => addTones(s, 50, 150, KEY_5))).map((p) => p.digit)).toEqual(["5"]);
  });
});

describe("busy line: what a key has and its look-alikes lack", () => {
  const cases: [string, (s: Float32Array) => void][] = [
    ["a pair 1 % off the key's frequencies (in the clean-line tolerance, not the busy one)", (s) => { addTones(s, 50, 150, [[770 * 1.01, -13], [1336 * 1.01, -13]]); note(s); }],
    ["a pair with a 1.5 % vibrato at 10 Hz (a sung or bowed pair)", (s) => { addModulatedTones(s, 50, 150, KEY_5, { vibrato: 0.015, vibratoHz: 10 }); note(s); }],
    ["a pair swelling in over 40 ms (a late candidate)", (s) => { addTones(s, 50, 250, KEY_5, 40); addTones(s, 0, 400, [[2200, -9]]); }],
    ["a 22 ms pair (too short for the four full hops)", (s) => { addTones(s, 50, 72, KEY_5); note(s); }],
  ];
  for (const [what, make] of cases) {
    it(`gives no key: ${what}`, () => expect(presses(signal(make))).toEqual([]));
  }

  it("gives a key for few placements of a pair with a 40 % tremolo at 25 Hz: its troughs are measured too", () => {
    // The pair under a note 1 dB over each tone, placed at 40 starting times × 3 lengths. Its
    // windows fail in the troughs, where the note takes more than 40 % of the power; measured on
    // its peaks alone, the steadiness of 3-4 hops passed (the core before rules.ts
    // CONT_MEASURE_COS gave a key for 112 of the 120 placements, and for 113 with 30 % at 35
    // Hz: the single 30 % placement this test had was one of its 7 refusals). A hop whose two
    // tones go on as measured is measured now, troughs included (44 of 120, and 92 of 120 with
    // 30 % at 35 Hz: the steadiness bar still lets most of those through).
    let keys = 0;
    for (let i = 0; i < 40; i++) {
      for (const length of [80, 100, 120]) {
        const from = 40 + i / 2;
        if (presses(signal((s) => { addModulatedTones(s, from, from + length, KEY_5, { tremolo: 0.4, tremoloHz: 25 }); note(s, -12); })).length > 0) keys++;
      }
    }
    expect(keys).toBeLessThan(60);
  });

  it("gives no key when the pair holds under 30 % of the power, even with relaxed windows", () => {
    // The note 8 dB above the tones: the pair holds ~ 0.28 of the power.
    expect(presses(signal((s) => { addTones(s, 50, 150, KEY_5); note(s, -5); }), { purityDb: -6 })).toEqual([]);
  });
});

describe("busy line: the share of the power and the measured hops of a key under other sound", () => {
  it("is confirmed under a loud hum below the keys: the purity floor on the band power (press purity 0.17)", () => {
    // 200 Hz at −4 dBm0 and 400 Hz at −8 dBm0 under key 5 at −13 dBm0 a tone: the pair holds
    // 0.17 of the power, under BUSY_PRESS_PURITY, and most of the band power (filterbank.ts:
    // y = x[n] − x[n−2] takes out the hum), as the window tests' purity already measures it.
    expect(presses(signal((s) => { addTones(s, 50, 150, KEY_5); addTones(s, 0, 400, [[200, -4], [400, -8]]); })).map((p) => p.digit)).toEqual(["5"]);
    expect(presses(signal((s) => addTones(s, 0, 400, [[200, -4], [400, -8]])))).toEqual([]);
  });

  it("is confirmed when a sound elsewhere in the band fails its windows after 20 ms (rules.ts CONT_MEASURE_COS)", () => {
    // A 2200 Hz tone 3 dB over each of the key's tones from 70 ms: every window and held window
    // fails from then (the pair holds 0.5 of the power), while both tones go on as measured. The
    // core before measured 3 hops and refused the key; now its hops are measured (4 full hops,
    // the busy line), and the edges come from the same measurement.
    const found = presses(signal((s) => { addTones(s, 50, 150, KEY_5); addTones(s, 70, 170, [[2200, -10]]); }));
    expect(found.map((p) => p.digit)).toEqual(["5"]);
    expect(Math.abs(found[0].startMs - 50)).toBeLessThan(2);
    expect(presses(signal((s) => addTones(s, 70, 170, [[2200, -10]])))).toEqual([]);
  });
});

describe("busy line: keys in white noise at S/N 2 dB", () => {
  // 40 presses of key 5 (80 ms), each in its own noise, on frequency and 1.2 % off: the busy
  // line takes only the former, so it widens the gap between them. Measured with these signals:
  // 15 against 1 of 40 (the core before the busy line: 5 against 1, the gap the purity test
  // alone leaves).
  let wrong = 0;
  const found = (errorPct: number) => {
    let n = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const audio = generateDtmf({ keys: "5", toneMs: 80, leadMs: 100, tailMs: 100, seed, snrDb: 2, levelDbm0: -10, lowErrorPct: errorPct, highErrorPct: errorPct });
      const digits = presses(audio.samples).map((p) => p.digit);
      if (digits.includes("5")) n++;
      wrong += digits.filter((d) => d !== "5").length;
    }
    return n;
  };
  it("finds at least 10 more of the steady keys than of the off-frequency ones, and no wrong key", () => {
    const steady = found(0), off = found(1.2);
    expect(steady - off).toBeGreaterThanOrEqual(10);
    expect(wrong).toBe(0);
  });
});

describe("stale candidates: a key whose first windows all failed", () => {
  // A note 5 dB above each tone (2200 Hz, clear of every DTMF bin) over the key's first 50 ms:
  // the pair holds ~ 39 % of the power, so every window fails the purity test (60 %) until the
  // note stops, and by then the key's own tones fill the magnitude history (MAG_HOPS hops): the
  // candidate is stale. The core before stale candidates were kept dropped it: no key at all.
  const hidingNote = (s: Float32Array) => addTones(s, 0, 100, [[2200, -8]]);
  const loudStart = (s: Float32Array) => { addTones(s, 50, 250, KEY_5); hidingNote(s); };

  it("is confirmed as a steady pair once the windows pass", () => {
    const found = presses(signal(loudStart));
    expect(found.map((p) => p.digit)).toEqual(["5"]);
    // Its onset is the far end of the history (the true one, at 50 ms, is older) and it ends with the tone.
    expect(found[0].startMs).toBeGreaterThan(50);
    expect(found[0].startMs).toBeLessThan(100);
    expect(Math.abs(found[0].startMs + found[0].durationMs - 250)).toBeLessThan(2);
  });

  // Over speech a 60-80 ms press is often stale in this way and ends 3 full hops after its windows pass
  // (assembly/rules.ts STALE_PURE_PURITY, STALE_PURE_FULL_HOPS): the core before dropped it.
  it("is confirmed after 3 full hops when it holds 80 % of the power (the key ends 29 ms after the note)", () => {
    expect(presses(signal((s) => { addTones(s, 50, 129, KEY_5); hidingNote(s); })).map((p) => p.digit)).toEqual(["5"]);
  });

  it("is not confirmed after 3 full hops when a note 3 dB under each tone stays (press purity under 80 %)", () => {
    expect(presses(signal((s) => { addTones(s, 50, 131, KEY_5); hidingNote(s); addTones(s, 100, 400, [[2200, -16]]); }))).toEqual([]);
  });

  // Over speech the sound that hid the key's first windows often goes on under the press: the
  // key never holds the press purity (rules.ts STALE_IMPURE_FREQ_TOL, STALE_IMPURE_COHERENCE).
  const stays = (s: Float32Array) => addTones(s, 100, 400, [[2200, -13]]);
  it("is confirmed under the press purity (a note at its level goes on) when on frequency and holding one", () => {
    expect(presses(signal((s) => { addTones(s, 50, 250, KEY_5); hidingNote(s); stays(s); })).map((p) => p.digit)).toEqual(["5"]);
  });

  it("gives no key under the press purity 0.5 % off the key's frequencies (the busy line's tolerance is 0.8 %)", () => {
    expect(presses(signal((s) => { addTones(s, 50, 250, [[770 * 1.005, -13], [1336 * 1.005, -13]]); hidingNote(s); stays(s); }))).toEqual([]);
  });

  it("gives no key under the press purity when its frequency wavers (0.5 % vibrato at 20 Hz: window coherence 0.987)", () => {
    expect(presses(signal((s) => { addModulatedTones(s, 50, 250, KEY_5, { vibrato: 0.005, vibratoHz: 20 }); hidingNote(s); stays(s); }))).toEqual([]);
  });

  // The speech that hid its first windows still moves its amplitude (rules.ts STALE_PURE_STEADINESS).
  it("is confirmed when pure with a 30 % tremolo at 35 Hz (steadiness 0.967)", () => {
    expect(presses(signal((s) => { addModulatedTones(s, 50, 250, KEY_5, { tremolo: 0.3, tremoloHz: 35 }); hidingNote(s); })).map((p) => p.digit)).toEqual(["5"]);
  });

  it("gives no key when pure but swelling 40 % at 25 Hz (steadiness 0.953)", () => {
    expect(presses(signal((s) => { addModulatedTones(s, 50, 250, KEY_5, { tremolo: 0.4, tremoloHz: 25 }); hidingNote(s); }))).toEqual([]);
  });

  it("gives no key when the pair glides (a 1.5 % vibrato at 10 Hz, as a sung pair)", () => {
    expect(presses(signal((s) => { addModulatedTones(s, 50, 250, KEY_5, { vibrato: 0.015, vibratoHz: 10 }); hidingNote(s); }))).toEqual([]);
  });

  it("gives no key when the pair sits 1 % off the key's frequencies (in the clean-line tolerance, not the busy one)", () => {
    expect(presses(signal((s) => { addTones(s, 50, 250, [[770 * 1.01, -13], [1336 * 1.01, -13]]); hidingNote(s); }))).toEqual([]);
  });

  it("is not a second key when a reported press comes back within STALE_REPEAT_HOPS after its windows failed", () => {
    // Key 5 over 50-240 ms, the note over 120-180 ms: the press ends (its windows failed for
    // more than the 30 ms gap), and when they pass again the same key's tones fill the history;
    // the tone ends 60 ms later, before 16 hops (102 ms) from the first press's end.
    const found = presses(signal((s) => { addTones(s, 50, 240, KEY_5); addTones(s, 120, 180, [[2200, -8]]); }));
    expect(found.map((p) => p.digit)).toEqual(["5"]);
    expect(Math.abs(found[0].startMs - 50)).toBeLessThan(2);
  });
});

/** Keys found, sent and wrong over the interference part's noise row at `snrDb` (8 seeds of the 16 keys; `node bench/noise-row.mjs` prints it). */
function noiseRow(snrDb: number): { found: number; sent: number; wrong: number } {
  return sharedNoiseRow(snrDb, (samples: Float32Array) => presses(samples));
}

describe("white noise hides a key's onset (MASKED_NOISE_RATIO) and spreads its amplitude (BUSY_STEADY_NOISE_LOSS)", () => {
  // At S/N 3 dB the key's bins hold ≈ 0.2 of its magnitude before it starts: the onset walk-back
  // ran through the noise to the far end of the history and the key was late (it needs 80 %
  // press purity; at 3 dB a key holds ≈ 2/3), and the noise spread the hop magnitudes enough to
  // fail the 0.98 steadiness. Found of 128: 96 by the core before (neither rule), 117 with both.
  it("finds ≥ 90 % of the keys at S/N 3 dB, and no wrong key", () => {
    const { found, sent, wrong } = noiseRow(3);
    expect(wrong).toBe(0);
    expect(found / sent).toBeGreaterThanOrEqual(0.9);
  });
});

describe("white noise at S/N 2 dB: the steadiness asked less twice the noise of the quieter five other bins (BUSY_STEADY_NOISE_LOSS), and held windows counted for the busy line's hops (BUSY_MEASURED_HOPS)", () => {
  // The noise row at S/N 2 dB, 8 seeds of the 16 keys. Found of 128: 84 by the core with the
  // expected loss alone (factor 1, the mean of all six other bins); 90 with factor 2 and the
  // loudest bin left out (the bin left out keeps the 30 % tremolo at 35 Hz out, above); 93 with
  // the stale rules of STALE_IMPURE_* too (reference); 106 with 3 measured full hops of the 4 the
  // busy line asks, the others held windows (the reference with BUSY_MEASURED_HOPS 4: 93).
  it("finds ≥ 76 % of the keys at S/N 2 dB, and no wrong key", () => {
    const { found, sent, wrong } = noiseRow(2);
    expect(wrong).toBe(0);
    expect(found / sent).toBeGreaterThanOrEqual(0.76);
  });
});

describe("busy line in white noise: the coherence asked less what the noise in the other bins takes (BUSY_NOISE_LOSS)", () => {
  // The interference part's noise row at S/N 3 dB (bench/parts/interference.mjs), 8 seeds of
  // the 16 keys. Found: 86 of 128 by the core without the allowance, 96 with it (white noise of
  // that S/N lowers a key's phase coherence to ≈ 0.98, the BUSY_COHERENCE asked).
  it("finds ≥ 72 % of the keys at S/N 3 dB, and no wrong key", () => {
    const { found, sent, wrong } = noiseRow(3);
    expect(wrong).toBe(0);
    expect(found / sent).toBeGreaterThanOrEqual(0.72);
  });
});

describe("an off-frequency pair confirmed by its purity keeps one amplitude (OFF_FREQ_STEADINESS)", () => {
  // Key * (941 + 1209 Hz) sent 1.4 % low in both tones (inside Q.24's ±1.5 % acceptance), alone
  // on the line, 150 ms at −10 dBm0 a tone: steady, it is a key; decaying as a struck note does
  // (amplitude e^(−t/τ)), it is not, although it is as pure and holds one frequency. A chord of
  // the bench music 1-1.7 % off the key's grid confirmed so: music-wesnoth-knolls '*'.
  const OFF = 1 - 0.014;
  const PAIR: [number, number][] = [[941 * OFF, -10], [1209 * OFF, -10]];
  it("is a key when steady", () => {
    expect(presses(signal((s) => addTones(s, 50, 200, PAIR))).map((p) => p.digit)).toEqual(["*"]);
  });
  for (const tau of [25, 35]) {
    it(`is no key when it decays with τ = ${tau} ms`, () => expect(presses(signal((s) => addDecayingTones(s, 50, 200, PAIR, tau)))).toEqual([]));
  }
});

describe("continued hops: a key one of whose groups a sound beside its tone hides (CONT_MIN_COS, CONT_MAG_SHARE)", () => {
  // Key 5 clean for 20 ms (2 full hops: too short to confirm, 28 ms is the minimum), then a 733 Hz
  // sound 5 dB over the row tone, beside it, until past the key's end: the 697 and 770 Hz bins lead
  // the row group by turns and every window fails, held windows too, while the column goes on.
  // Over speech a syllable does this to a key's row (rules.ts CONT_MIN_COS).
  const beside = (s: Float32Array) => addTones(s, 70, 170, [[733, -8]]);
  it("is found, its onset from the clean start", () => {
    const found = presses(signal((s) => { addTones(s, 50, 150, KEY_5); beside(s); }));
    expect(found.map((p) => p.digit)).toEqual(["5"]);
    expect(Math.abs(found[0].startMs - 50)).toBeLessThan(2);
  });
  it("is not found when the column tone, once hidden, turns 15 Hz off (0.6 rad a hop: no longer the tone measured)", () => {
    expect(presses(signal((s) => { addTones(s, 50, 150, [[770, -13]]); addTones(s, 50, 70, [[1336, -13]]); addTones(s, 70, 150, [[1351, -13]]); beside(s); })).map((p) => p.digit)).toEqual([]);
  });
  it("is found when the sound beside its row leaves its windows held (a held window whose tone goes on may confirm)", () => {
    // A 900 Hz sound 1 dB under the row tone from 70 ms: the windows fail the peak test but are
    // held (second bin within 3 dB: no), which carried the key on without confirming it.
    const found = presses(signal((s) => { addTones(s, 50, 150, KEY_5); addTones(s, 70, 170, [[900, -14]]); }));
    expect(found.map((p) => p.digit)).toEqual(["5"]);
    expect(Math.abs(found[0].startMs - 50)).toBeLessThan(2);
  });
  it("is not a key when the pair lasts 20 ms and its column goes on alone (the other tone must still be there)", () => {
    expect(presses(signal((s) => { addTones(s, 50, 70, [[770, -13]]); addTones(s, 50, 150, [[1336, -13]]); })).map((p) => p.digit)).toEqual([]);
  });
});

describe("the peak test over the background: a key beside a steady note (BACKGROUND_OWN_SHARE, BACKGROUND_SHARE)", () => {
  // A steady 852 Hz note 5 dB under the row tone of key 1 (697/1209 Hz): its bin sits within the
  // 8 dB the peak test asks, so every window failed; it was there before the key, so it is the
  // bin's background, and the key's own bins were empty before it.
  const steadyNote = (s: Float32Array, from = 0) => addTones(s, from, 400, [[852, -18]]);
  it("is found when the note was there before the key", () => {
    const found = presses(signal((s) => { steadyNote(s); addTones(s, 100, 200, [[697, -13], [1209, -13]]); }));
    expect(found.map((p) => p.digit)).toEqual(["1"]);
    expect(Math.abs(found[0].startMs - 100)).toBeLessThan(2);
  });
  it("is not a key when the note starts with the pair (a third tone, not a background)", () => {
    expect(presses(signal((s) => { steadyNote(s, 100); addTones(s, 100, 200, [[697, -13], [1209, -13]]); }))).toEqual([]);
  });
  it("is not a key when the pair's row tone was held before it (a chord on held notes)", () => {
    expect(presses(signal((s) => { steadyNote(s); addTones(s, 0, 200, [[697, -13]]); addTones(s, 100, 200, [[1209, -13]]); }))).toEqual([]);
  });
});
