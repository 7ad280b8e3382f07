/**
 * The accuracy battery: Q.24 / Mitel-style cases made with the library's generator, run
 * through every detector on the same 16-bit samples, each case giving a measured figure and
 * pass/fail against the requirement (issue #3's list, from ITU-T Q.24 and the LSSGR).
 *
 * "Decoded" means the detector reported the key's digit once (bench/lib/match.mjs); sweep
 * figures are the outermost value with every key decoded (walking out from the nominal
 * value), as bench/q24.mjs measures them for dtmf-wasm alone.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ALL_KEYS as ALL, generateDtmf, seededRandom } from "../../dist/index.js";
import { activeLevelDbm0, dbm0ToPower, g711RoundTrip, powerToDbm0, readWav } from "../lib/audio.mjs";
import { rateOf, walk } from "../lib/battery.mjs";
import { rowCollector } from "../lib/rows.mjs";
import { fmt, fmtSigned, round, steps } from "../lib/stats.mjs";

const FIXTURES = fileURLToPath(new URL("../../audio-fixtures/talkoff/", import.meta.url));
const pct = (r) => `${(100 * r).toFixed(r === 1 || r === 0 ? 0 : 1)} %`;
const seedsOf = (n) => Array.from({ length: n }, (_, i) => i + 1);
/** Lead-in per seed: moves the tones across the block grids of the block-based detectors. */
const leadOf = (seed) => 50 + seed * 1.37;

export async function runAccuracy(ctx) {
  const quick = ctx.quick;
  const SEEDS = seedsOf(quick ? 2 : 10); // 16 keys a seed: 160 keys a sweep point in a full run
  const part = rowCollector(ctx);
  const { rows, battery, addRow } = part;
  const curve = part.curve;

  // ---- Frequency: both groups, both directions, 0 … ±6 %. --------------------------------
  {
    const step = quick ? 0.25 : 0.1;
    const values = steps(-6, 6, step);
    const cases = [];
    for (const group of ["low", "high"]) for (const v of values) for (const seed of SEEDS) {
      cases.push({ point: `${group}:${v}`, gen: { keys: ALL, toneMs: 60, gapMs: 60, leadMs: leadOf(seed), seed, [`${group}ErrorPct`]: v } });
    }
    const points = await battery("frequency", cases);
    addRow("frequency", "Frequency deviation", "accept every key with both tones off by ±1.5 %; reject from ±3.5 %", points, (map) => {
      const directions = {};
      for (const group of ["low", "high"]) for (const sign of [1, -1]) {
        const outward = steps(0, 6, step).map((v) => `${group}:${v * sign}`);
        const accept = walk(map, outward, (a) => rateOf(a) === 1);
        const reject = outward.find((k) => map.has(k) && rateOf(map.get(k)) === 0);
        directions[`${group}${sign > 0 ? "+" : "-"}`] = { accept: accept === null ? null : Math.abs(+accept.split(":")[1]), reject: reject === undefined ? null : Math.abs(+reject.split(":")[1]) };
      }
      const accepts = Object.values(directions).map((d) => d.accept);
      const rejects = Object.values(directions).map((d) => d.reject);
      const acceptPct = accepts.includes(null) ? null : Math.min(...accepts);
      const rejectPct = rejects.includes(null) ? null : Math.max(...rejects);
      const figure = `${acceptPct === null ? "misses keys at 0 %" : `every key to ±${acceptPct.toFixed(step < 0.2 ? 1 : 2)} %`}, ${rejectPct === null ? "some keys still decoded at ±6 %" : `none from ±${rejectPct.toFixed(step < 0.2 ? 1 : 2)} %`}`;
      return { figure, pass: acceptPct !== null && acceptPct >= 1.5 && rejectPct !== null && rejectPct <= 3.5, values: { acceptPct, rejectPct, directions } };
    });
    curve(points, "frequency", "offsetPct", (p) => { const [group, v] = p.split(":"); return { group: `${group} group`, value: +v }; });
  }

  // ---- Twist: high group −16 … +12 dB against the low group at −10 dBm0. -------------------
  {
    const step = quick ? 1 : 0.5;
    const cases = [];
    for (const t of steps(-16, 12, step)) for (const seed of SEEDS) cases.push({ point: t, gen: { keys: ALL, toneMs: 60, gapMs: 60, leadMs: leadOf(seed), seed, twistDb: t } });
    const points = await battery("twist", cases);
    addRow("twist", "Twist (high − low group)", "accept the high group from 4 dB above to 8 dB below the low group", points, (map) => {
      const reverse = walk(map, steps(0, 12, step), (a) => rateOf(a) === 1);
      const normal = walk(map, steps(0, -16, -step), (a) => rateOf(a) === 1);
      const figure = reverse === null ? "misses keys at 0 dB" : `every key from ${fmtSigned(reverse)} to ${fmtSigned(normal)} dB`;
      return { figure, pass: reverse !== null && reverse >= 4 && normal <= -8, values: { reverseDb: reverse, normalDb: normal } };
    });
    curve(points, "twist", "twistDb", (t) => ({ value: t }));
  }

  // ---- Level: +3 … −50 dBm0 per tone (0 dBm0 and above clip in 16 bits). -----------------
  {
    const cases = [];
    for (const l of steps(-50, 3, 1)) for (const seed of SEEDS) cases.push({ point: l, gen: { keys: ALL, toneMs: 60, gapMs: 60, leadMs: leadOf(seed), seed, levelDbm0: l } });
    const points = await battery("level", cases);
    addRow("level", "Level per tone", "accept 0 … −25 dBm0 per tone (clipped 0 dBm0 pairs too; the best receivers reach −40)", points, (map) => {
      const highest = walk(map, steps(-10, 3, 1), (a) => rateOf(a) === 1);
      const lowest = walk(map, steps(-10, -50, -1), (a) => rateOf(a) === 1);
      const figure = highest === null ? "misses keys at −10 dBm0" : `every key from ${fmtSigned(highest)} to ${fmt(lowest)} dBm0`;
      return { figure, pass: highest !== null && highest >= 0 && lowest <= -25, values: { highestDbm0: highest, lowestDbm0: lowest } };
    }, [{ key: "lowestDbm0", better: "lower", label: "lowest level with every key", unit: "dBm0" }]);
    curve(points, "level", "levelDbm0", (l) => ({ value: l }));
  }

  // ---- Duration: 10 … 60 ms tones at many positions against the block grids. -------------
  {
    const edges = quick ? 4 : 16;
    const cases = [];
    for (const ms of steps(10, 60, quick ? 2 : 1)) for (let e = 1; e <= edges; e++) {
      cases.push({ point: ms, gen: { keys: ALL, toneMs: ms, gapMs: 60, leadMs: 20 + (e * 13) / edges, seed: e } });
    }
    const points = await battery("duration", cases);
    addRow("duration", "Tone duration", "accept tones of 40 ms or longer; reject tones of 23 ms or shorter", points, (map) => {
      const ms = [...map.keys()].sort((a, b) => a - b);
      const accepted = walk(map, [...ms].reverse(), (a) => rateOf(a) === 1);
      const rejected = walk(map, ms, (a) => a.hit === 0);
      const figure = `${accepted === null ? "misses keys at 60 ms" : `every key from ${accepted} ms`}, ${rejected === null ? `some accepted at ${ms[0]} ms` : `none up to ${rejected} ms`}`;
      return { figure, pass: accepted !== null && accepted <= 40 && rejected !== null && rejected >= 23, values: { acceptedMs: accepted, rejectedMs: rejected } };
    });
    curve(points, "duration", "toneMs", (ms) => ({ value: ms }));
  }

  // ---- Interruptions: a drop-out inside a 200 ms tone; a pause between two presses. -------
  {
    const seeds = seedsOf(quick ? 3 : 12);
    const cases = [];
    for (const d of steps(1, 30, 1)) for (const seed of seeds) {
      cases.push({ point: `drop:${d}`, gen: { keys: [{ digit: ALL[(seed * 5 + d) % 16], durationMs: 200, dropouts: [[80, d]] }], leadMs: leadOf(seed), seed } });
    }
    for (const g of steps(10, 60, quick ? 2 : 1)) for (const seed of seeds) {
      const digit = ALL[(seed * 3 + g) % 16];
      cases.push({ point: `pause:${g}`, gen: { keys: [{ digit, durationMs: 60, gapMs: g }, { digit, durationMs: 60 }], leadMs: leadOf(seed), seed } });
    }
    const points = await battery("interruptions", cases);
    addRow("interruptions", "Interruptions", "a drop-out of 10 ms or less is bridged (one press); a pause of 40 ms or more separates two presses", points, (map) => {
      const drops = [...map.keys()].filter((k) => k.startsWith("drop:")).sort((a, b) => +a.slice(5) - +b.slice(5));
      const pauses = [...map.keys()].filter((k) => k.startsWith("pause:")).sort((a, b) => +b.slice(6) - +a.slice(6));
      const bridged = walk(map, drops, (a) => a.hit === a.total && a.presses.every((p) => p === 1));
      const separated = walk(map, pauses, (a) => a.hit === a.total && a.presses.every((p) => p === 2));
      const bridgeMs = bridged === null ? null : +bridged.slice(5);
      const separateMs = separated === null ? null : +separated.slice(6);
      const figure = `${bridgeMs === null ? "a 1 ms drop-out splits or loses the press" : `drop-outs up to ${bridgeMs} ms bridged`}; ${separateMs === null ? "60 ms pauses do not separate" : `pauses from ${separateMs} ms separate`}`;
      return { figure, pass: bridgeMs !== null && bridgeMs >= 10 && separateMs !== null && separateMs <= 40, values: { bridgedMs: bridgeMs, separatesMs: separateMs } };
    });
  }

  // ---- White noise: S/N 30 … 0 dB (combined tone power vs noise over 0-4 kHz). ------------
  {
    const snrs = [30, 25, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0];
    const cases = [];
    for (const snr of snrs) for (const seed of seedsOf(quick ? 4 : 30)) { // 480 keys a point in a full run
      cases.push({ point: snr, gen: { keys: ALL, toneMs: 60, gapMs: 80, leadMs: leadOf(seed), seed, snrDb: snr, levelDbm0: -8 - (seed % 5) * 4, twistDb: (seed % 7) - 4 } });
    }
    const points = await battery("noise", cases);
    addRow("noise", "White noise", "≥ 99 % of keys decoded at S/N 10 dB, no false keys", points, (map) => {
      const at10 = map.get(10);
      const lowest = walk(map, snrs, (a) => rateOf(a) >= 0.99);
      const figure = `${pct(rateOf(at10))} at 10 dB (${at10.extra} false); ≥ 99 % down to ${lowest === null ? "— (not at 30 dB)" : `${lowest} dB`}`;
      return { figure, pass: rateOf(at10) >= 0.99 && at10.extra === 0, values: { rateAt10Db: round(rateOf(at10), 4), falseAt10Db: at10.extra, lowestSnrDb: lowest, falseKeys: [...map.values()].reduce((s, a) => s + a.extra, 0) } };
    }, [
      { key: "rateAt10Db", better: "higher", label: "keys decoded at S/N 10 dB", unit: "share" },
      { key: "falseAt10Db", better: "lower", label: "false keys at S/N 10 dB", unit: "keys" },
      { key: "lowestSnrDb", better: "lower", label: "lowest S/N with ≥ 99 %", unit: "dB" },
    ]);
    curve(points, "noise", "snrDb", (snr) => ({ value: snr }));
  }

  // ---- Interference: dial tone (350 + 440 Hz, −15 dBm0 each) and 1 kHz at −20 dBm0. -------
  for (const [id, title, what, tones, requirement] of [
    ["dialtone", "Dial tone", "dial tone", [{ hz: 350, levelDbm0: -15 }, { hz: 440, levelDbm0: -15 }], "keys decode under continuous dial tone, 350 + 440 Hz at −15 dBm0 per tone (keys at −10 dBm0 per tone and below); no false keys from the dial tone alone"],
    ["1khz", "1 kHz tone", "1 kHz tone", [{ hz: 1000, levelDbm0: -20 }], "keys decode under a 1 kHz tone at −20 dBm0 (keys at −10 dBm0 per tone and below); no false keys from the tone alone"],
  ]) {
    const cases = [];
    for (const l of steps(-5, -40, -1)) for (const seed of SEEDS) cases.push({ point: l, gen: { keys: ALL, toneMs: 60, gapMs: 60, leadMs: leadOf(seed), seed, levelDbm0: l, interference: tones } });
    const aloneSeconds = quick ? 30 : 120;
    cases.push({ point: "alone", gen: { keys: [], leadMs: aloneSeconds * 1000, tailMs: 0, interference: tones, seed: 7 } });
    const points = await battery(id, cases);
    addRow(id, title, requirement, points, (map) => {
      const lowest = walk(map, steps(-5, -40, -1), (a) => rateOf(a) === 1);
      const alone = map.get("alone").extra;
      const figure = `${lowest === null ? "misses keys at −5 dBm0" : `every key from −5 to ${fmt(lowest)} dBm0 per tone`}; ${alone} false key${alone === 1 ? "" : "s"} from the tone alone (${aloneSeconds} s)`;
      return { figure, pass: lowest !== null && lowest <= -10 && alone === 0, values: { lowestDbm0: lowest, falseAlone: alone } };
    }, [
      { key: "lowestDbm0", better: "lower", label: `lowest key level with every key decoded under the ${what}`, unit: "dBm0" },
      { key: "falseAlone", better: "lower", label: `false keys from the ${what} alone`, unit: "keys" },
    ]);
  }

  // ---- Random calls through G.711 μ-law and A-law round trips (and linear, for reference). -
  {
    const calls = quick ? 8 : 40;
    const cases = [];
    for (let c = 1; c <= calls; c++) {
      const random = seededRandom(1000 + c);
      // Typical key presses well inside Q.24's ranges (the sweeps above probe the edges).
      const keys = Array.from({ length: 20 }, () => ({
        digit: ALL[Math.floor(random() * 16)], durationMs: 50 + random() * 150, gapMs: 50 + random() * 250,
        levelDbm0: -5 - random() * 20, twistDb: -6 + random() * 9, lowErrorPct: -1 + random() * 2, highErrorPct: -1 + random() * 2,
      }));
      for (const law of ["linear", "mulaw", "alaw"]) {
        cases.push({ point: law, build: () => { const audio = generateDtmf({ keys, leadMs: 200, tailMs: 200, seed: c }); return law === "linear" ? audio : { samples: g711RoundTrip(audio.samples, law), tones: audio.tones }; } });
      }
    }
    const points = await battery("g711", cases);
    addRow("g711", "Random calls through G.711", `every key of ${calls} random 20-key calls (−5 … −25 dBm0, twist −6 … +3 dB, ±1 %, 50-200 ms) after a μ-law and an A-law round trip, no false keys`, points, (map) => {
      const v = {};
      for (const law of ["linear", "mulaw", "alaw"]) { const a = map.get(law); v[`${law}Rate`] = round(rateOf(a), 4); v[`${law}False`] = a.extra; }
      const figure = `μ-law ${pct(v.mulawRate)} (${v.mulawFalse} false), A-law ${pct(v.alawRate)} (${v.alawFalse} false); linear ${pct(v.linearRate)} (${v.linearFalse} false)`;
      return { figure, pass: v.mulawRate === 1 && v.alawRate === 1 && v.mulawFalse === 0 && v.alawFalse === 0, values: v };
    }, [
      { key: "mulawRate", better: "higher", label: "keys decoded after μ-law", unit: "share" },
      { key: "alawRate", better: "higher", label: "keys decoded after A-law", unit: "share" },
      { key: "mulawFalse", better: "lower", label: "false keys after μ-law", unit: "keys" },
      { key: "alawFalse", better: "lower", label: "false keys after A-law", unit: "keys" },
    ]);
  }

  // ---- Keys over speech: generated keys mixed into the committed speech excerpts. ----------
  {
    let files = [];
    try { files = (await readdir(FIXTURES)).filter((f) => /^speech-.*\.wav$/.test(f)).sort(); } catch { /* none */ }
    if (files.length === 0) {
      rows.push({ id: "speech", title: "Keys over speech", requirement: "", skipped: `no speech excerpts in ${FIXTURES}`, detectors: {} });
      ctx.progress.note("keys over speech: skipped (no audio-fixtures/talkoff/speech-*.wav)");
    } else {
      const speech = [];
      for (const f of files) {
        const wav = await readWav(join(FIXTURES, f));
        if (wav.sampleRate !== 8000) continue;
        speech.push({ name: f, samples: wav.samples, levelDbm0: activeLevelDbm0(wav.samples) });
      }
      const KEY_DBM0 = -10;
      const pairDbm0 = powerToDbm0(2 * dbm0ToPower(KEY_DBM0)); // the pair at nominal twist, ≈ −7 dBm0
      const ratios = quick ? [20, 10, 5] : [20, 15, 10, 5, 0];
      const cases = [];
      speech.forEach((file, f) => {
        for (const ratio of ratios) cases.push({ point: ratio, build: () => mixKeys(file, f, pairDbm0 - ratio, KEY_DBM0) });
      });
      const points = await battery("speech", cases);
      const seconds = speech.reduce((s, f) => s + f.samples.length / 8000, 0);
      addRow("speech", "Keys over speech", `≥ 99 % of keys decoded with speech 10 dB below the tone pair, no false keys (project target, as Q.24's noise figure; ${speech.length} excerpts, ${seconds.toFixed(0)} s, from audio-fixtures/talkoff)`, points, (map) => {
        const at10 = map.get(10);
        const lowest = walk(map, ratios, (a) => rateOf(a) >= 0.99);
        const falseKeys = [...map.values()].reduce((s, a) => s + a.extra, 0);
        const figure = `${pct(rateOf(at10))} at 10 dB (${at10.extra} false); ≥ 99 % down to ${lowest === null ? "— (not at 20 dB)" : `${lowest} dB`}; ${falseKeys} false key${falseKeys === 1 ? "" : "s"} in all`;
        return { figure, pass: rateOf(at10) >= 0.99 && at10.extra === 0, values: { rateAt10Db: round(rateOf(at10), 4), falseAt10Db: at10.extra, lowestRatioDb: lowest, falseKeys } };
      }, [
        { key: "rateAt10Db", better: "higher", label: "keys decoded 10 dB over speech", unit: "share" },
        { key: "falseAt10Db", better: "lower", label: "false keys 10 dB over speech", unit: "keys" },
        { key: "lowestRatioDb", better: "lower", label: "lowest key-to-speech ratio with ≥ 99 %", unit: "dB" },
        { key: "falseKeys", better: "lower", label: "false keys over speech, all ratios", unit: "keys" },
      ]);
      curve(points, "speech", "ratioDb", (ratio) => ({ value: ratio }));
    }
  }

  return part.result();
}

/**
 * Keys (80 ms, every 0.5-0.9 s, twist −4 … +2 dB) over one speech excerpt scaled so that its
 * active level is `speechDbm0`: the truth is the generator's tones that fit in the excerpt.
 */
export function mixKeys(file, index, speechDbm0, keyDbm0) {
  const random = seededRandom(500 + index);
  const total = (file.samples.length / 8000) * 1000;
  const keys = [];
  for (let t = 300; t + 80 + 400 < total;) {
    const gapMs = 400 + random() * 400;
    keys.push({ digit: ALL[Math.floor(random() * 16)], durationMs: 80, gapMs, twistDb: -4 + random() * 6 });
    t += 80 + gapMs;
  }
  const audio = generateDtmf({ keys, leadMs: 300, tailMs: 0, levelDbm0: keyDbm0, seed: 500 + index });
  const n = file.samples.length;
  const gain = Math.sqrt(dbm0ToPower(speechDbm0) / dbm0ToPower(file.levelDbm0)) / 32768;
  const samples = new Float32Array(n);
  for (let i = 0; i < n; i++) samples[i] = (i < audio.samples.length ? audio.samples[i] : 0) + gain * file.samples[i];
  return { samples, tones: audio.tones.filter((t) => t.startSample + t.durationSamples <= n) };
}
