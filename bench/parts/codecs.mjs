/**
 * Keys through lossy codecs (issue #14): one stream of key presses (16 keys × seeds at each of
 * a few levels, −5 … −30 dBm0, twist within Q.24's −8 … +4 dB) goes through a round trip of
 * every codec of bench/lib/codecs.mjs (GSM 06.10, G.722, G.726, G.723.1, Opus 8-24 kbit/s,
 * Speex, Codec 2; G.711 and the uncoded stream for reference), and every detector runs on each
 * decoded stream: the share of keys decoded and the false keys per codec and bit rate.
 * Codecs whose tools are missing are listed with their install hint; AMR and G.729 have no
 * encoder in Debian and are listed as such.
 */
import { generateDtmf, seededRandom } from "../../dist/index.js";
import { StreamBuilder } from "../lib/audio.mjs";
import { FRAME } from "../lib/battery.mjs";
import { CODECS, missingTools, roundTrip } from "../lib/codecs.mjs";
import { accumulate, emptyAggregate, scoreStream } from "../lib/match.mjs";
import { pct, rowCollector, targetPct } from "../lib/rows.mjs";
import { fmt, round } from "../lib/stats.mjs";

const ALL = "0123456789*#ABCD";
/** Mean level of the two tones, dBm0 (each tone within ±4 dB of it by the twist). */
export const LEVELS = [-5, -10, -15, -20, -25, -30];
/** Q.24's twist range (high − low group), dB: the level is split around the key's mean level. */
const TWIST = [-8, 4];
/** Issue #14's target: ≥ 99 % through these codecs (and the references), no false keys. */
const TARGET = new Set(["linear", "mulaw", "alaw", "gsm", "g722", "opus-16", "opus-24"]);
const TARGET_SHARE = 0.99;

/** 16 keys in a seeded order, press and gap lengths of a person, twist within Q.24. */
export function keysOf(level, seed) {
  const random = seededRandom(9000 + seed * 97 + (level + 100));
  const digits = [...ALL].sort(() => random() - 0.5);
  return digits.map((digit) => {
    const twistDb = TWIST[0] + random() * (TWIST[1] - TWIST[0]);
    return { digit, durationMs: 70 + random() * 60, gapMs: 80 + random() * 120, twistDb, levelDbm0: level - twistDb / 2 };
  });
}

/** The part's stream: 16 keys × `seeds` at each of LEVELS, end to end (also bench/codec-misses.mjs). */
export function codecStream(seeds) {
  const builder = new StreamBuilder();
  for (const level of LEVELS) for (let seed = 1; seed <= seeds; seed++) {
    const audio = generateDtmf({ keys: keysOf(level, seed), leadMs: 100 + seed * 1.37, tailMs: 100, seed: 9000 + seed });
    builder.add({ point: level }, audio.samples, audio.tones);
  }
  return builder.finish();
}

export async function runCodecs(ctx) {
  const part = rowCollector(ctx);
  const detectors = ctx.detectors.filter((d) => d.available.ok);
  const stream = codecStream(ctx.quick ? 2 : 8);
  const seeds = ctx.quick ? 2 : 8;
  const keysPerCodec = stream.tones.length - 1; // less the sentinel
  const codecs = [];
  const bars = [];
  const names = Object.fromEntries(detectors.map((d) => [d.id, d.name]));

  for (const codec of CODECS) {
    const target = TARGET.has(codec.id);
    const requirement = `${codec.family}${codec.kbps ? `, ${codec.kbps} kbit/s` : ""}: ${target ? `≥ ${targetPct(TARGET_SHARE)} of keys, 0 false keys (project target)` : "as measured"}`;
    const why = missingTools(codec);
    if (why) {
      codecs.push({ id: codec.id, label: codec.label, family: codec.family, skipped: why });
      part.skipRow(`codec:${codec.id}`, codec.label, requirement, why);
      continue;
    }
    ctx.progress.step(`${codec.label}: round trip`);
    let coded;
    try {
      coded = await roundTrip(codec, stream.pcm);
    } catch (error) {
      const message = String(error.message || error).split("\n")[0];
      codecs.push({ id: codec.id, label: codec.label, family: codec.family, skipped: message });
      part.skipRow(`codec:${codec.id}`, codec.label, requirement, message);
      continue;
    }
    codecs.push({ id: codec.id, label: codec.label, family: codec.family, kbps: codec.kbps, delayMs: coded.delaySamples / 8, cached: coded.cached });
    const points = {};
    for (const d of detectors) {
      ctx.progress.step(`${codec.label}: ${d.name}`);
      const t0 = performance.now();
      let detections;
      try {
        detections = await d.detect(coded.pcm, { frameSize: FRAME });
      } catch (error) {
        part.addError(d.id, `${codec.id}: ${String(error.message || error).split("\n")[0]}`);
        continue;
      }
      ctx.detectSeconds[d.id] = (ctx.detectSeconds[d.id] ?? 0) + (performance.now() - t0) / 1000;
      const map = new Map();
      scoreStream({ ...stream, pcm: coded.pcm }, detections).forEach((record, i) => {
        const { info } = stream.cases[i];
        if (info.sentinel) return;
        if (!map.has(info.point)) map.set(info.point, emptyAggregate());
        accumulate(map.get(info.point), record);
      });
      points[d.id] = map;
    }
    part.addAudio(stream.durationMs / 1000);
    part.addRow(`codec:${codec.id}`, codec.label, requirement, points, (map, id) => {
      let hit = 0, total = 0, extra = 0;
      const perLevel = {};
      for (const [level, a] of map) { hit += a.hit; total += a.total; extra += a.extra; perLevel[level] = round(a.hit / a.total, 4); }
      const rate = total ? hit / total : 0;
      const missedAt = LEVELS.filter((l) => perLevel[l] !== undefined && perLevel[l] < 1);
      bars.push({ codec: codec.label, detector: names[id], percent: round(100 * rate, 2) });
      const figure = `${pct(rate)} (${extra} false)${missedAt.length === 0 ? "" : missedAt.length === LEVELS.length ? "; misses at every level" : `; misses at ${missedAt.map((l) => fmt(l)).join(", ")} dBm0`}`;
      return { figure, pass: target ? rate >= TARGET_SHARE && extra === 0 : null, values: { rate: round(rate, 4), falseKeys: extra, perLevel } };
    }, [
      { key: "rate", better: "higher", label: "keys decoded", unit: "share" },
      { key: "falseKeys", better: "lower", label: "false keys", unit: "keys" },
    ], { codec: codec.id });
  }
  return part.result({
    keys: keysPerCodec, levelsDbm0: LEVELS, twistDb: TWIST, streamSeconds: round(stream.durationMs / 1000, 0), codecs, bars,
    setup: `${keysPerCodec} keys per codec (16 × ${seeds} seeds at each of ${LEVELS.map((l) => fmt(l)).join(", ")} dBm0, the level being the mean of the two tones; twist ${fmt(TWIST[0])} … +${TWIST[1]} dB, 70-130 ms presses, 80-200 ms gaps), laid end to end into one ${round(stream.durationMs / 1000, 0)} s stream`,
  });
}
