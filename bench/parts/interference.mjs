/**
 * Keys with something else on the line (issue #14's targets), every detector on the same
 * samples: keys over real speech of many voices and over music at key-to-sound ratios of
 * 20 … 0 dB, keys under dial tone and under a 1 kHz tone at levels relative to the keys, and
 * keys in white noise down to S/N 0 dB in 1 dB steps.
 *
 * Speech: excerpts of the bench corpus speech (bench/work/talkoff/speech-*.wav: Asterisk prompts
 * in it/ru/es/fr and espeak-ng English, scripts/talkoff-corpus.sh bench) plus espeak-ng voices of
 * several languages, female and male (scripts/interference-speech.sh, run when its files are
 * missing). Music: an excerpt from the middle of every bench corpus music file. Without the
 * corpus (or with --quick) the committed excerpts of audio-fixtures/talkoff/ stand in, and the
 * row says so.
 */
import { spawnSync } from "node:child_process";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { rateOf, walk } from "../lib/battery.mjs";
import { excerpt, mixKeys } from "../lib/mix.mjs";
import { falseKeysOf, pct, rowCollector, targetPct } from "../lib/rows.mjs";
import { fmt, fmtSigned, round, steps } from "../lib/stats.mjs";

const ALL = "0123456789*#ABCD";
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CORPUS = join(ROOT, "bench/work/talkoff");
const VOICES = join(ROOT, "bench/work/interference");
const FIXTURES = join(ROOT, "audio-fixtures/talkoff");
const seedsOf = (n) => Array.from({ length: n }, (_, i) => i + 1);
/** Lead-in per seed: moves the tones across the block grids of the block-based detectors. */
const leadOf = (seed) => 50 + seed * 1.37;

/** Key-to-sound ratios (tone pair over the sound's active level), dB. */
const RATIOS = [20, 15, 10, 8, 5, 3, 0];
const QUICK_RATIOS = [20, 8, 3, 0];
/** Keys over speech and music: per tone, so that the loudest mix (0 dB) stays clear of 16-bit clipping. */
const KEY_DBM0 = -20;
/** Bounds on the audio (a full run): seconds per corpus speech file, per music file. */
const SPEECH_EXCERPT_S = 40;
const SPEECH_FROM_S = 30;
const MUSIC_EXCERPT_S = 20;
/** Keys under a steady tone, per tone (dial tone: 350 + 440 Hz, each at key level + relative level). */
const TONE_KEY_DBM0 = -20;
const DIAL_REL = steps(-10, 20, 1);
const KHZ_REL = steps(-10, 10, 1);
/** The tones alone, for false keys: relative levels and seconds each. */
const DIAL_ALONE_REL = [0, 10, 20];
const KHZ_ALONE_REL = [0, 10];
const SNRS = [30, 20, 15, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0];

const wavs = async (dir, re) => (await readdir(dir).catch(() => [])).filter((f) => re.test(f)).sort();

/** Runs scripts/interference-speech.sh (deterministic espeak-ng voices; seconds). */
function makeVoices(ctx) {
  const run = spawnSync("bash", [join(ROOT, "scripts/interference-speech.sh"), VOICES], { encoding: "utf8" });
  if (run.status !== 0) {
    const why = (run.stderr || String(run.error ?? "")).trim().split("\n").slice(-2).join(" ");
    ctx.progress.note(`espeak-ng voices not made (exit ${run.status}): ${why}`);
    return why;
  }
  return null;
}

/** The speech excerpts of the part, in its order (bench/stream-lab.mjs runs them too). */
export async function speechFiles(ctx) {
  const out = [];
  const sources = [];
  const corpus = ctx.quick ? [] : await wavs(CORPUS, /^speech-.*\.wav$/);
  if (corpus.length) {
    for (const f of corpus) { const e = await excerpt(join(CORPUS, f), f, SPEECH_EXCERPT_S, SPEECH_FROM_S); if (e) out.push(e); }
    sources.push(`${corpus.length} bench corpus files (bench/work/talkoff, ${SPEECH_EXCERPT_S} s of each from ${SPEECH_FROM_S} s: Asterisk prompts it/ru/es/fr, espeak-ng English)`);
  } else {
    const fixtures = await wavs(FIXTURES, /^speech-.*\.wav$/);
    for (const f of fixtures) { const e = await excerpt(join(FIXTURES, f), f, 60); if (e) out.push(e); }
    sources.push(`${fixtures.length} committed excerpts (audio-fixtures/talkoff${ctx.quick ? "; --quick" : "; the bench corpus is missing: bash scripts/talkoff-corpus.sh bench"})`);
  }
  let voices = await wavs(VOICES, /^speech-espeak-.*\.wav$/);
  const missing = voices.length === 0 ? makeVoices(ctx) : null;
  if (voices.length === 0) voices = await wavs(VOICES, /^speech-espeak-.*\.wav$/);
  const chosen = ctx.quick ? voices.filter((_, i) => i % 3 === 0) : voices;
  for (const f of chosen) { const e = await excerpt(join(VOICES, f), f, 60); if (e) out.push(e); }
  if (chosen.length) sources.push(`${chosen.length} espeak-ng voices (${chosen.map((f) => f.replace(/^speech-espeak-|\.wav$/g, "")).join(", ")}; scripts/interference-speech.sh)`);
  else sources.push(`no espeak-ng voices (${missing ?? "none found"})`);
  return { files: out, source: sources.join(" + ") };
}

/** The music excerpts of the part, in its order. */
export async function musicFiles(ctx) {
  const corpus = ctx.quick ? [] : await wavs(CORPUS, /^music-.*\.wav$/);
  const out = [];
  if (corpus.length) {
    for (const f of corpus) { const e = await excerpt(join(CORPUS, f), f, MUSIC_EXCERPT_S, "middle"); if (e) out.push(e); }
    return { files: out, source: `${out.length} bench corpus music files (bench/work/talkoff, ${MUSIC_EXCERPT_S} s from the middle of each)` };
  }
  const fixtures = await wavs(FIXTURES, /^music-.*\.wav$/);
  for (const f of fixtures) { const e = await excerpt(join(FIXTURES, f), f, 60); if (e) out.push(e); }
  return { files: out, source: `${out.length} committed excerpts (audio-fixtures/talkoff${ctx.quick ? "; --quick" : "; the bench corpus is missing: bash scripts/talkoff-corpus.sh bench"})` };
}

/** spandsp's receiver with its dial-tone filter on: the reference under dial tone. */
export const SPANDSP_FILTERED = "spandsp dtmf_rx with its dial-tone filter on";
/** dtmf-wasm with its opt-in dial-tone filter (DetectorTuning.dialToneFilter). */
export const OURS_FILTERED = "dtmf-wasm with its dial-tone filter on";
async function dialToneReference(ctx) {
  const out = [];
  const ours = ctx.detectors.find((d) => d.ours);
  if (ours) out.push({ ...ours, id: OURS_FILTERED, name: OURS_FILTERED, ours: false, detect: (samples, options) => ours.detect(samples, { ...options, dialToneFilter: true }) });
  const spandsp = ctx.detectors.find((d) => d.id === "spandsp" && d.available.ok);
  if (spandsp) out.push({ ...spandsp, id: SPANDSP_FILTERED, name: SPANDSP_FILTERED, detect: (samples, options) => spandsp.detect(samples, { ...options, filterDialtone: true }) });
  return out;
}

/** The part's cases of keys over `id` ("speech" or "music") `files` at each of `ratios`. */
export function keysOverCases(id, files, ratios) {
  const cases = [];
  files.forEach((file, f) => { for (const ratio of ratios) cases.push({ point: ratio, source: file.name, build: () => mixKeys(file, f + (id === "music" ? 1000 : 0), ratio, KEY_DBM0) }); });
  return cases;
}

export async function runInterference(ctx) {
  const quick = ctx.quick;
  const part = rowCollector(ctx);
  const ratios = quick ? QUICK_RATIOS : RATIOS;
  const sources = {};

  // ---- Keys over speech and over music, ratio = tone pair over the sound's active level. ---
  for (const [id, title, load, targets] of [
    ["speech", "Keys over speech, many voices", speechFiles, { 8: 0.99, 3: 0.95, 0: 0.9 }],
    ["music", "Keys over music", musicFiles, { 8: 0.99 }],
  ]) {
    const { files, source } = await load(ctx);
    const seconds = files.reduce((s, f) => s + f.seconds, 0);
    sources[id] = { source, files: files.length, seconds: round(seconds, 0), excerpts: files.map((f) => ({ file: f.name, from: round(f.fromSeconds, 1), seconds: round(f.seconds, 1), activeDbm0: round(f.levelDbm0, 1) })) };
    const want = Object.entries(targets).sort((a, b) => b[0] - a[0]).map(([r, share]) => `≥ ${targetPct(share)} at ${r} dB`).join(", ");
    const requirement = `${want}, 0 false keys over the part (project target; keys of 60-120 ms at ${fmt(KEY_DBM0)} dBm0 per tone, twist −4 … +2 dB, ${ratios.join("/")} dB over the active level of ${(seconds / 60).toFixed(1)} min of ${id}: ${files.length} excerpts)`;
    if (files.length === 0) { part.skipRow(id, title, requirement, `no ${id} files (${source})`); continue; }
    const cases = [];
    cases.push(...keysOverCases(id, files, ratios));
    const fromOf = Object.fromEntries(files.map((f) => [f.name, f.fromSeconds]));
    const points = await part.battery(id, cases);
    part.addRow(id, title, requirement, points, (map) => {
      const rates = Object.fromEntries(ratios.map((r) => [r, round(rateOf(map.get(r)), 4)]));
      const falseKeys = falseKeysOf(map);
      const lowest = walk(map, ratios, (a) => rateOf(a) >= 0.99);
      const shown = Object.keys(targets).filter((r) => r in rates).sort((a, b) => b - a);
      const figure = `${shown.map((r) => `${pct(rates[r])} at ${r} dB`).join(", ")}; ≥ 99 % down to ${lowest === null ? `— (not at ${ratios[0]} dB)` : `${lowest} dB`}; ${falseKeys} false key${falseKeys === 1 ? "" : "s"}`;
      const pass = Object.entries(targets).every(([r, share]) => rates[r] === undefined || rates[r] >= share) && falseKeys === 0;
      // Where the false keys were: file @ seconds into the file (the excerpt's start added back).
      const falseExamples = [...map].flatMap(([ratio, a]) => a.falseExamples.map((e) => `${e.source} @ ${(fromOf[e.source] + e.atMs / 1000).toFixed(2)} s: ${e.digit} (keys ${ratio} dB over it)`)).slice(0, 10);
      return { figure, pass, values: { rateAt8Db: rates[8] ?? null, rateAt3Db: rates[3] ?? null, rateAt0Db: rates[0] ?? null, lowestRatioDb: lowest, falseKeys, rates, keys: map.get(ratios[0])?.total ?? 0, falseExamples } };
    }, [
      { key: "rateAt8Db", better: "higher", label: "keys decoded 8 dB over the sound", unit: "share" },
      ...(id === "speech" ? [
        { key: "rateAt3Db", better: "higher", label: "keys decoded 3 dB over the sound", unit: "share" },
        { key: "rateAt0Db", better: "higher", label: "keys decoded 0 dB over the sound", unit: "share" },
      ] : []),
      { key: "lowestRatioDb", better: "lower", label: "lowest ratio with ≥ 99 %", unit: "dB" },
      { key: "falseKeys", better: "lower", label: "false keys, all ratios", unit: "keys" },
    ]);
    part.curve(points, id, "ratioDb", (r) => ({ value: r }));
  }

  // ---- Keys under a steady tone: dial tone (350 + 440 Hz) and 1 kHz, relative to the keys. --
  const seeds = seedsOf(quick ? 3 : 10);
  const aloneSeconds = quick ? 20 : 60;
  for (const [id, title, hzs, rel, aloneRel, minRel] of [
    ["dialtone-relative", "Dial tone over the keys", [350, 440], DIAL_REL, DIAL_ALONE_REL, 10],
    ["1khz-relative", "1 kHz tone over the keys", [1000], KHZ_REL, KHZ_ALONE_REL, 0],
  ]) {
    const what = hzs.join(" + ") + " Hz";
    const levels = quick ? rel.filter((r) => r % 2 === 0) : rel;
    const cases = [];
    const tones = (r) => hzs.map((hz) => ({ hz, levelDbm0: TONE_KEY_DBM0 + r }));
    for (const r of levels) for (const seed of seeds) cases.push({ point: r, gen: { keys: ALL, toneMs: 60, gapMs: 60, leadMs: leadOf(seed), seed, levelDbm0: TONE_KEY_DBM0, interference: tones(r) } });
    for (const r of aloneRel) cases.push({ point: `alone:${r}`, gen: { keys: [], leadMs: aloneSeconds * 1000, tailMs: 0, interference: tones(r), seed: 7 } });
    const points = await part.battery(id, cases, hzs.includes(350) ? await dialToneReference(ctx) : []);
    const requirement = `every key with the ${what} tone${hzs.length > 1 ? "s" : ""} ${fmtSigned(minRel)} dB relative to the key's tones (per tone; keys at ${fmt(TONE_KEY_DBM0)} dBm0 per tone, 60 ms, sweep ${fmtSigned(levels[0])} … ${fmtSigned(levels.at(-1))} dB); no false keys from the tone alone (${aloneRel.map((r) => fmtSigned(r)).join(", ")} dB, ${aloneSeconds} s each)${hzs.length > 1 ? "; from +13 dB the sum clips in 16 bits" : ""}`;
    part.addRow(id, title, requirement, points, (map) => {
      // The highest relative level with every key, walking up from the quietest tone.
      const atTarget = map.has(minRel) && rateOf(map.get(minRel)) === 1;
      const highest = walk(map, levels, (a) => rateOf(a) === 1);
      const alone = aloneRel.reduce((s, r) => s + map.get(`alone:${r}`).extra, 0);
      const rate = round(rateOf(map.get(minRel)), 4);
      const figure = `${highest === null ? `misses keys at ${fmtSigned(levels[0])} dB` : `every key up to ${fmtSigned(highest)} dB`}; ${pct(rate)} at ${fmtSigned(minRel)} dB; ${alone} false key${alone === 1 ? "" : "s"} from the tone alone`;
      return { figure, pass: atTarget && alone === 0, values: { highestRelDb: highest, rateAtTarget: rate, falseAlone: alone } };
    }, [
      { key: "highestRelDb", better: "higher", label: `highest ${what} level (relative to the keys) with every key decoded`, unit: "dB" },
      { key: "rateAtTarget", better: "higher", label: `keys decoded with the ${what} tone${hzs.length > 1 ? "s" : ""} ${fmtSigned(minRel)} dB over them`, unit: "share" },
      { key: "falseAlone", better: "lower", label: `false keys from the ${what} tone alone`, unit: "keys" },
    ]);
    part.curve(points, id, "relativeDb", (p) => (typeof p === "number" ? { value: p } : undefined));
  }

  // ---- White noise, S/N down to 0 dB in 1 dB steps below 12 dB. -----------------------------
  {
    const snrs = quick ? SNRS.filter((s) => s >= 10 || s % 3 === 0) : SNRS;
    const cases = [];
    for (const snr of snrs) for (const seed of seedsOf(quick ? 4 : 30)) {
      cases.push({ point: snr, gen: { keys: ALL, toneMs: 60, gapMs: 80, leadMs: leadOf(seed), seed: 300 + seed, snrDb: snr, levelDbm0: -8 - (seed % 5) * 4, twistDb: (seed % 7) - 4 } });
    }
    const points = await part.battery("noise-fine", cases);
    part.addRow("noise-fine", "White noise, 1 dB steps", `≥ 99 % of keys at S/N 3 dB, 0 false keys at S/N ≥ 10 dB (project target; 60 ms keys at −8 … −24 dBm0, twist −4 … +2 dB, S/N over 0-4 kHz against the tone pair, ${snrs.join("/")} dB)`, points, (map) => {
      const at3 = map.get(3);
      const falseAbove10 = snrs.filter((s) => s >= 10).reduce((s, snr) => s + map.get(snr).extra, 0);
      const lowest = walk(map, snrs, (a) => rateOf(a) >= 0.99);
      const figure = `${pct(rateOf(at3))} at 3 dB; ≥ 99 % down to ${lowest === null ? "—" : `${lowest} dB`}; ${falseAbove10} false key${falseAbove10 === 1 ? "" : "s"} at S/N ≥ 10 dB (${falseKeysOf(map)} in all)`;
      return { figure, pass: rateOf(at3) >= 0.99 && falseAbove10 === 0, values: { rateAt3Db: round(rateOf(at3), 4), falseAtOrAbove10Db: falseAbove10, lowestSnrDb: lowest, falseKeys: falseKeysOf(map) } };
    }, [
      { key: "rateAt3Db", better: "higher", label: "keys decoded at S/N 3 dB", unit: "share" },
      { key: "lowestSnrDb", better: "lower", label: "lowest S/N with ≥ 99 %", unit: "dB" },
      { key: "falseAtOrAbove10Db", better: "lower", label: "false keys at S/N ≥ 10 dB", unit: "keys" },
    ]);
    part.curve(points, "noise-fine", "snrDb", (s) => ({ value: s }));
  }

  return part.result({ sources, keyDbm0: KEY_DBM0, toneKeyDbm0: TONE_KEY_DBM0 });
}
