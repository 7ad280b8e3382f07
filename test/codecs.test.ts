/**
 * Keys through a lossy codec (issue #14), made here: GSM 06.10 full rate, encoded and decoded by
 * sox (skipped, naming what is missing, without it). GSM's onset unbalances a key's two tones
 * for 20-40 ms (the first windows 12-27 dB off the sent twist) and can overshoot its first hop;
 * assembly/rules.ts TWIST_SPAN, TWISTED_PRESS_PURITY and REF_RESET_HOPS are what find these
 * keys (`node bench/codec-misses.mjs gsm` shows which test lost each key before them). The bench
 * measures far more audio and every codec: `npm run bench -- --only codecs`.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { generateDtmf } from "../src/generator.js";
import { ALL, testEngine } from "./helpers.js";

/** sox with GSM 06.10, or why not (the apt-get line). */
function soxGsm(): string | null {
  const run = spawnSync("sox", ["-h"], { encoding: "utf8" });
  if (run.error || run.status !== 0) return "sox is not installed (apt-get install sox)";
  return /\bgsm\b/.test(run.stdout) ? null : "this sox has no GSM 06.10 support (apt-get install libsox-fmt-all)";
}
const noGsm = soxGsm();
if (noGsm) console.warn(`test/codecs.test.ts: the GSM 06.10 round trips are skipped: ${noGsm}`);

/** 8 kHz float samples → 16-bit → GSM 06.10 (sox) → 16-bit → float, the input's length. */
function gsmRoundTrip(samples: Float32Array): Float32Array {
  const pcm = Int16Array.from(samples, (v) => Math.max(-32768, Math.min(32767, Math.round(v * 32768))));
  const raw = ["-t", "raw", "-r", "8000", "-e", "signed-integer", "-b", "16", "-c", "1"];
  const encode = spawnSync("sox", ["-D", ...raw, "-", "-t", "gsm", "-"], { input: Buffer.from(pcm.buffer), maxBuffer: 1 << 26 });
  expect(encode.status).toBe(0);
  const decode = spawnSync("sox", ["-D", "-t", "gsm", "-r", "8000", "-c", "1", "-", ...raw, "-"], { input: encode.stdout, maxBuffer: 1 << 26 });
  expect(decode.status).toBe(0);
  const out = new Int16Array(decode.stdout.buffer, decode.stdout.byteOffset, decode.stdout.byteLength >> 1);
  return Float32Array.from({ length: samples.length }, (_, i) => (i < out.length ? out[i] / 32768 : 0));
}

/** Found and false keys: the digits a fresh detector finds in `samples`, matched in order against `sent`. */
async function score(samples: Float32Array, sent: string): Promise<{ found: number; falseKeys: string[] }> {
  const detector = (await testEngine()).createDetector({ encoding: "float32" });
  const presses = [...detector.process(samples), ...detector.flush()].filter((e) => e.type === "dtmf");
  detector.close();
  let found = 0, next = 0;
  const falseKeys: string[] = [];
  for (const p of presses) {
    const at = sent.indexOf(p.digit, next);
    if (at < 0) falseKeys.push(`${p.digit} at ${p.startMs.toFixed(0)} ms`);
    else { found++; next = at + 1; }
  }
  return { found, falseKeys };
}

describe("keys through GSM 06.10 (sox)", () => {
  // Issue #14's target, ≥ 99 % of the keys through GSM: the core before the codec-onset rules
  // found 118 of these 128 (92 %), the lost ones dropped as stale after twisted onset windows or
  // never forming a phase pair after an overshoot; now 127 (the one left: 'B' at −7 dB twist,
  // whose 1633 Hz tone GSM sets 3-4 dB lower still, beyond the 10 dB twist limit in all but single windows).
  it.skipIf(noGsm !== null)("16 keys × twist −7, −4, 0, +3 dB × −10, −20 dBm0 per tone: ≥ 99 % of the keys, no false key", async () => {
    let found = 0, sent = 0;
    const falseKeys: string[] = [];
    for (const twistDb of [-7, -4, 0, 3]) {
      for (const levelDbm0 of [-10, -20]) {
        const audio = generateDtmf({ keys: ALL, toneMs: 90, gapMs: 120, leadMs: 100, tailMs: 100, levelDbm0, twistDb, seed: 7 });
        const s = await score(gsmRoundTrip(audio.samples), ALL);
        found += s.found;
        sent += ALL.length;
        falseKeys.push(...s.falseKeys.map((f) => `${twistDb} dB, ${levelDbm0} dBm0: ${f}`));
      }
    }
    expect(found / sent).toBeGreaterThanOrEqual(0.99);
    expect(falseKeys).toEqual([]);
  });
});
