/**
 * Issue #14's targets as behaviour: keys found when something else is on the line. Keys over
 * the committed speech and music excerpts (audio-fixtures/talkoff/) at stated key-to-sound
 * ratios, keys under dial tone and a 1 kHz tone at levels relative to the keys, keys in white
 * noise at S/N 3 dB, and keys after a GSM 06.10 round trip made here with sox (skipped, with
 * the reason printed, when sox is missing). The bench measures the same over much more audio
 * and every peer: `npm run bench -- --only interference,codecs`.
 *
 * TODAY'S CORE MISSES THESE TARGETS: they run as `it.fails` (`target` below), so the suite
 * stays green and a target the core starts to meet fails loudly here. Once the new decision
 * logic lands, replace `target` by `it` (or run `DTMF_INTERFERENCE=1 npx vitest run
 * test/interference.test.ts` to run them as plain tests and see which pass). The checks that
 * the tones alone give no key hold today and are plain tests, and so is each target met (the
 * dial tone's, the 1 kHz tone's, keys 8 dB over the committed speech and music).
 */
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import wavefile from "wavefile";
import { generateDtmf, seededRandom, type GeneratedTone, type ToneSpec } from "../src/generator.js";
import { dbm0ToPower, powerToDbm0 } from "../src/levels.js";
import { ALL, testEngine } from "./helpers.js";

const target = process.env.DTMF_INTERFERENCE ? it : it.fails;

const dir = new URL("../audio-fixtures/talkoff/", import.meta.url);
const excerpts = readdirSync(dir).filter((f) => f.endsWith(".wav")).sort();

/** A committed excerpt as float samples (8 kHz, full scale = 1). */
function load(file: string): Float32Array {
  const wav = new wavefile.WaveFile(readFileSync(new URL(file, dir)));
  expect((wav.fmt as { sampleRate: number }).sampleRate).toBe(8000);
  return Float32Array.from(wav.getSamples(false, Int16Array) as unknown as Int16Array, (v) => v / 32768);
}

/** Active level (dBm0): mean power of the 20 ms frames above −50 dBm0, as bench/lib/audio.mjs measures it. */
function activeLevelDbm0(samples: Float32Array): number {
  const floor = dbm0ToPower(-50);
  let sum = 0, frames = 0;
  for (let at = 0; at + 160 <= samples.length; at += 160) {
    let p = 0;
    for (let i = at; i < at + 160; i++) p += samples[i] * samples[i];
    if (p / 160 >= floor) { sum += p / 160; frames++; }
  }
  return powerToDbm0(sum / frames);
}

interface Score { sent: number; found: number; falseKeys: string[] }

/**
 * Runs float samples through a fresh detector and matches its presses with the true tones:
 * a press of the right digit starting within 20 ms of the tone is found; any other press is a
 * false key.
 */
async function score(samples: Float32Array, tones: GeneratedTone[]): Promise<Score> {
  const detector = (await testEngine()).createDetector({ encoding: "float32" });
  const presses = [...detector.process(samples), ...detector.flush()].filter((e) => e.type === "dtmf");
  detector.close();
  const used = new Set<number>();
  let found = 0;
  for (const t of tones) {
    const i = presses.findIndex((p, j) => !used.has(j) && p.digit === t.digit && p.startMs > t.startMs - 20 && p.startMs < t.startMs + t.durationMs);
    if (i >= 0) { used.add(i); found++; }
  }
  const falseKeys = presses.filter((_, j) => !used.has(j)).map((p) => `${p.digit} at ${p.startMs.toFixed(0)} ms`);
  return { sent: tones.length, found, falseKeys };
}

const add = (into: Score, s: Score): Score => ({ sent: into.sent + s.sent, found: into.found + s.found, falseKeys: [...into.falseKeys, ...s.falseKeys] });
const none = (): Score => ({ sent: 0, found: 0, falseKeys: [] });

/** Keys of 60-120 ms every 0.36-0.82 s, twist −4 … +2 dB, at −20 dBm0 per tone (as the bench's interference part). */
const KEY_DBM0 = -20;
function pressesOver(samples: Float32Array, seed: number, ratioDb: number): { samples: Float32Array; tones: GeneratedTone[] } {
  const random = seededRandom(seed);
  const keys: ToneSpec[] = [];
  for (let t = 300; t + 820 < samples.length / 8;) {
    const durationMs = 60 + 60 * random();
    const gapMs = 300 + 400 * random();
    keys.push({ digit: ALL[Math.floor(16 * random())], durationMs, gapMs, twistDb: -4 + 6 * random() });
    t += durationMs + gapMs;
  }
  const dtmf = generateDtmf({ keys, leadMs: 300, tailMs: 0, levelDbm0: KEY_DBM0, seed });
  const pairDbm0 = powerToDbm0(2 * dbm0ToPower(KEY_DBM0));
  const gain = Math.sqrt(dbm0ToPower(pairDbm0 - ratioDb) / dbm0ToPower(activeLevelDbm0(samples)));
  const mixed = new Float32Array(samples.length);
  for (let i = 0; i < mixed.length; i++) mixed[i] = gain * samples[i] + (i < dtmf.samples.length ? dtmf.samples[i] : 0);
  return { samples: mixed, tones: dtmf.tones.filter((t) => t.startSample + t.durationSamples <= mixed.length) };
}

async function overExcerpts(kind: "speech" | "music", ratioDb: number): Promise<Score> {
  let total = none();
  for (const [i, file] of excerpts.filter((f) => f.startsWith(kind)).entries()) {
    const mix = pressesOver(load(file), 1400 + i, ratioDb);
    total = add(total, await score(mix.samples, mix.tones));
  }
  return total;
}

describe("keys over the committed speech and music excerpts (pair power over the active level)", () => {
  it("20 dB over speech and over music: ≥ 99 % of the keys found, no false key (holds today: the scoring finds keys)", async () => {
    for (const kind of ["speech", "music"] as const) {
      const s = await overExcerpts(kind, 20);
      expect(s.falseKeys).toEqual([]);
      expect(s.found / s.sent).toBeGreaterThanOrEqual(0.99);
    }
  });
  it("3 and 0 dB over speech and music: ≥ 86 % of the keys found (the busy line's coherence on the windows, rules.ts BUSY_COHERENCE)", async () => {
    // Found of 674 (speech 217 and music 120 at each ratio): 573 with the coherence on the hop
    // phasors, 582 on the window phasors, whose DFT takes in less of what sounds next to a tone.
    let found = 0, sent = 0;
    for (const kind of ["speech", "music"] as const) {
      for (const ratioDb of [3, 0]) {
        const s = await overExcerpts(kind, ratioDb);
        found += s.found; sent += s.sent;
      }
    }
    expect(sent).toBe(674);
    expect(found / sent).toBeGreaterThanOrEqual(0.86);
  });
  for (const [kind, ratioDb, share] of [["speech", 8, 0.99], ["speech", 3, 0.95], ["speech", 0, 0.9], ["music", 8, 0.99]] as const) {
    // Met: speech at 8 dB (since rules.ts STALE_PURE_STEADINESS), music at 8 dB (since the
    // trimmed noise of BUSY_STEADY_NOISE_LOSS), speech at 3 dB (since CONT_MEASURE_COS measures a
    // key's first continued hop on the nominal frequencies: 207 of 217, one key over 95 %);
    // speech at 0 dB is a target still.
    const met = ratioDb === 8 || (kind === "speech" && ratioDb === 3);
    (met ? it : target)(`${kind}, keys ${ratioDb} dB over it: ≥ ${share * 100} % of the keys found, no false key`, async () => {
      const s = await overExcerpts(kind, ratioDb);
      expect(s.sent).toBeGreaterThan(kind === "speech" ? 150 : 80);
      expect(s.falseKeys).toEqual([]);
      expect(s.found / s.sent).toBeGreaterThanOrEqual(share);
    });
  }
});

/**
 * As score(), but a key is found by its keydown (the digit, reported while its tone lasts or
 * within 60 ms after: bench/lib/match.mjs), not by the onset the press reports: a stale
 * candidate's onset is the far end of the magnitude history, up to ~ 25 ms before the tone
 * when sound filled the key's bins before it (assembly/press.ts).
 */
async function scoreByKeydown(samples: Float32Array, tones: GeneratedTone[]): Promise<Score> {
  const detector = (await testEngine()).createDetector({ encoding: "float32" });
  const keydowns = [...detector.process(samples), ...detector.flush()].filter((e) => e.type === "keydown");
  detector.close();
  const used = new Set<number>();
  let found = 0;
  for (const t of tones) {
    const i = keydowns.findIndex((k, j) => !used.has(j) && k.digit === t.digit && k.detectedMs >= t.startMs && k.detectedMs <= t.startMs + t.durationMs + 60);
    if (i >= 0) { used.add(i); found++; }
  }
  return { sent: tones.length, found, falseKeys: keydowns.filter((_, j) => !used.has(j)).map((k) => `${k.digit} at ${k.detectedMs.toFixed(0)} ms`) };
}

describe("keys over the committed speech excerpts whose first windows fail (stale candidates, assembly/press.ts)", () => {
  // Found by keydown, no false key. The core that dropped stale candidates: 79.3 % at 3 dB,
  // 66.4 % at 0 dB (172 and 144 of 217); with them kept as steady-pair candidates 196 and 176.
  for (const [ratioDb, share] of [[3, 0.88], [0, 0.78]] as const) {
    it(`keys ${ratioDb} dB over speech: ≥ ${share * 100} % found, no false key`, async () => {
      let total = none();
      for (const [i, file] of excerpts.filter((f) => f.startsWith("speech")).entries()) {
        const mix = pressesOver(load(file), 1400 + i, ratioDb);
        total = add(total, await scoreByKeydown(mix.samples, mix.tones));
      }
      expect(total.sent).toBeGreaterThan(150);
      expect(total.falseKeys).toEqual([]);
      expect(total.found / total.sent).toBeGreaterThanOrEqual(share);
    });
  }
});

/** The 16 keys × seeds, 60 ms tones and gaps, at −20 dBm0 per tone, under continuous tones. */
async function underTones(tones: { hz: number; levelDbm0: number }[], seeds = 4): Promise<Score> {
  let total = none();
  for (let seed = 1; seed <= seeds; seed++) {
    const audio = generateDtmf({ keys: ALL, toneMs: 60, gapMs: 60, leadMs: 50 + seed * 1.37, levelDbm0: KEY_DBM0, interference: tones, seed });
    total = add(total, await score(audio.samples, audio.tones));
  }
  return total;
}

describe("keys under a steady tone (levels per tone, relative to the key's tones at −20 dBm0)", () => {
  // Met since the dial tone engages the dial-tone filter by default (assembly/dialtone.ts).
  it("dial tone 350 + 440 Hz 10 dB above the keys: every key, no false key", async () => {
    const s = await underTones([{ hz: 350, levelDbm0: KEY_DBM0 + 10 }, { hz: 440, levelDbm0: KEY_DBM0 + 10 }]);
    expect(s.falseKeys).toEqual([]);
    expect(s.found).toBe(s.sent);
  });
  // Met since a steady off-grid tone engages the tone filter (assembly/dialtone.ts toneWatch):
  // the core before it found 62.5 % of these keys (`node bench/tone-sweep.mjs`, 0 dB).
  it("a 1 kHz tone at the keys' own level: every key, no false key", async () => {
    const s = await underTones([{ hz: 1000, levelDbm0: KEY_DBM0 }]);
    expect(s.falseKeys).toEqual([]);
    expect(s.found).toBe(s.sent);
  });
  it("the tones alone give no key: dial tone at −13 and 0 dBm0 per tone, 1 kHz at −20 and −10 dBm0 (20 s each)", async () => {
    for (const tones of [[350, 440].map((hz) => ({ hz, levelDbm0: -13 })), [350, 440].map((hz) => ({ hz, levelDbm0: 0 })), [{ hz: 1000, levelDbm0: -20 }], [{ hz: 1000, levelDbm0: -10 }]]) {
      const audio = generateDtmf({ keys: [], leadMs: 20_000, tailMs: 0, interference: tones, seed: 3 });
      expect((await score(audio.samples, [])).falseKeys).toEqual([]);
    }
  });
});

describe("keys in white noise", () => {
  target("S/N 3 dB (over 0-4 kHz, against the pair): ≥ 99 % of the keys, no false key", async () => {
    let total = none();
    for (let seed = 1; seed <= 8; seed++) {
      const audio = generateDtmf({ keys: ALL, toneMs: 60, gapMs: 80, leadMs: 50 + seed * 1.37, levelDbm0: -8 - (seed % 5) * 4, twistDb: (seed % 7) - 4, snrDb: 3, seed: 300 + seed });
      total = add(total, await score(audio.samples, audio.tones));
    }
    expect(total.found / total.sent).toBeGreaterThanOrEqual(0.99);
    expect(total.falseKeys).toEqual([]);
  });
});

/** sox with GSM 06.10 support, or why not. */
function soxGsm(): string | null {
  const run = spawnSync("sox", ["-h"], { encoding: "utf8" });
  if (run.error || run.status !== 0) return "sox is not installed (apt-get install sox)";
  return /\bgsm\b/.test(run.stdout) ? null : "this sox has no GSM 06.10 support (apt-get install libsox-fmt-all)";
}
const noGsm = soxGsm();
if (noGsm) console.warn(`test/interference.test.ts: the GSM 06.10 round trip is skipped: ${noGsm}`);

/** 8 kHz float samples → 16-bit → GSM 06.10 (sox) → 16-bit → float. */
function gsmRoundTrip(samples: Float32Array): Float32Array {
  const pcm = Int16Array.from(samples, (v) => Math.max(-32768, Math.min(32767, Math.round(v * 32768))));
  const raw = ["-t", "raw", "-r", "8000", "-e", "signed-integer", "-b", "16", "-c", "1"];
  const encode = spawnSync("sox", ["-D", ...raw, "-", "-t", "gsm", "-"], { input: Buffer.from(pcm.buffer), maxBuffer: 1 << 26 });
  const decode = spawnSync("sox", ["-D", "-t", "gsm", "-r", "8000", "-c", "1", "-", ...raw, "-"], { input: encode.stdout, maxBuffer: 1 << 26 });
  expect(encode.status).toBe(0);
  expect(decode.status).toBe(0);
  const out = new Int16Array(decode.stdout.buffer, decode.stdout.byteOffset, decode.stdout.byteLength >> 1);
  return Float32Array.from({ length: samples.length }, (_, i) => (i < out.length ? out[i] / 32768 : 0));
}

describe("keys through a codec", () => {
  (noGsm ? it.skip : target)("GSM 06.10 round trip (sox), keys −5 … −25 dBm0, twist −8 … +4 dB: ≥ 99 % of the keys, no false key", async () => {
    const random = seededRandom(77);
    let total = none();
    for (const level of [-5, -10, -15, -20, -25]) {
      const keys: ToneSpec[] = [...ALL].map((digit) => {
        const twistDb = -8 + 12 * random();
        return { digit, durationMs: 70 + 60 * random(), gapMs: 80 + 120 * random(), twistDb, levelDbm0: level - twistDb / 2 };
      });
      const audio = generateDtmf({ keys, leadMs: 100, tailMs: 200, seed: 80 - level });
      total = add(total, await score(gsmRoundTrip(audio.samples), audio.tones));
    }
    expect(total.found / total.sent).toBeGreaterThanOrEqual(0.99);
    expect(total.falseKeys).toEqual([]);
  });
});
