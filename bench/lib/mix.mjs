/**
 * Keys mixed over a recording (speech or music) at a stated key-to-recording ratio: the tone
 * pair's power against the recording's active level (activeLevelDbm0, a P.56-like active
 * level), and the bounded excerpts of the recordings that the interference part uses.
 */
import { generateDtmf, seededRandom } from "../../dist/index.js";
import { activeLevelDbm0, dbm0ToPower, powerToDbm0, readWav } from "./audio.mjs";

const ALL = "0123456789*#ABCD";

/** Key presses over a recording: lengths, gaps and twist of a person pressing keys, not of a dialler. */
export const PRESS = {
  minMs: 60, maxMs: 120, // press length
  minGapMs: 300, maxGapMs: 700, // silence between presses
  minTwistDb: -4, maxTwistDb: 2, // high − low group
};

/** Power of a tone pair whose tones are at `toneDbm0` each (twist 0): 3 dB above one tone. */
export const pairDbm0 = (toneDbm0) => powerToDbm0(2 * dbm0ToPower(toneDbm0));

/**
 * A bounded excerpt of a 16-bit 8 kHz WAV: `seconds` from `fromSeconds` (or from the middle
 * when `fromSeconds` is "middle"), with its active level. Null for other rates or silent files.
 */
export async function excerpt(path, name, seconds, fromSeconds = 0) {
  const wav = await readWav(path);
  if (wav.sampleRate !== 8000) return null;
  const n = wav.samples.length;
  const want = Math.min(n, Math.round(seconds * 8000));
  const from = fromSeconds === "middle" ? Math.max(0, Math.floor((n - want) / 2)) : Math.min(Math.round(fromSeconds * 8000), n - want);
  const samples = wav.samples.slice(from, from + want);
  const levelDbm0 = activeLevelDbm0(samples);
  if (!Number.isFinite(levelDbm0)) return null;
  return { name, samples, levelDbm0, fromSeconds: from / 8000, seconds: want / 8000 };
}

/**
 * Keys (PRESS) at `keyDbm0` per tone over `file` scaled so that the tone pair is `ratioDb` above
 * its active level. The same keys for every ratio of one file (seeded by `index`), so that the
 * ratios are paired. The truth is the generator's tones that fit in the excerpt.
 */
export function mixKeys(file, index, ratioDb, keyDbm0) {
  const random = seededRandom(700 + index);
  const total = (file.samples.length / 8000) * 1000;
  const keys = [];
  for (let t = 300; t + PRESS.maxMs + PRESS.maxGapMs < total;) {
    const durationMs = PRESS.minMs + random() * (PRESS.maxMs - PRESS.minMs);
    const gapMs = PRESS.minGapMs + random() * (PRESS.maxGapMs - PRESS.minGapMs);
    keys.push({ digit: ALL[Math.floor(random() * 16)], durationMs, gapMs, twistDb: PRESS.minTwistDb + random() * (PRESS.maxTwistDb - PRESS.minTwistDb) });
    t += durationMs + gapMs;
  }
  const audio = generateDtmf({ keys, leadMs: 300, tailMs: 0, levelDbm0: keyDbm0, seed: 700 + index });
  const n = file.samples.length;
  const gain = Math.sqrt(dbm0ToPower(pairDbm0(keyDbm0) - ratioDb) / dbm0ToPower(file.levelDbm0)) / 32768;
  const samples = new Float32Array(n);
  for (let i = 0; i < n; i++) samples[i] = (i < audio.samples.length ? audio.samples[i] : 0) + gain * file.samples[i];
  return { samples, tones: audio.tones.filter((t) => t.startSample + t.durationSamples <= n) };
}
