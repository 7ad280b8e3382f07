/**
 * notch → fallback (src/redact/offline.ts, notchFallback; issue #17): a key under speech loud at
 * the tone's own frequency, which the speech-keeping notch cannot tell from the speech, is left
 * readable by the notch alone; with the check and its fallback the span is redacted again
 * (comfort noise by default) and nothing is left, the audit naming "notch→noise" and why.
 * The case is one the redaction bench leaves a key in (`npm run bench -- --only redact`):
 * key "5" at −10 dBm0 per tone, 200 ms, over the committed Russian speech excerpt 10 dB under it.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import wavefile from "wavefile";
import { beforeAll, describe, expect, it } from "vitest";
import type { DtmfEngine } from "../src/engine.js";
import { generateDtmf } from "../src/generator.js";
import type { RedactAudit } from "../src/redact/audit.js";
import { redactFile } from "../src/redact/offline.js";
import { NOTCH_CHECK_RESIDUAL_DB, NOTCH_CHECK_TUNING, NOTCH_EMPTY_DB, NOTCH_UNCERTAIN_DB } from "../src/redact/spans.js";
import { encodeWav } from "../src/wav/write.js";
import { runCli, testEngine } from "./helpers.js";

const DIR = mkdtempSync(join(tmpdir(), "dtmf-notchfb-"));
let engine: DtmfEngine;
beforeAll(async () => { engine = await testEngine(); });

const RATE = 8000;
/** As the bench builds its speech cases: 2 s (51 · 314 samples), the key 300 ms in. */
const N = 51 * 314;

/** The key over speech-ru.wav (from 8 s in, as the bench's 10 dB / 200 ms case) 10 dB under the key's power. */
function keyUnderSpeech(): { mixed: Float32Array; t0: number; t1: number } {
  const w = new wavefile.WaveFile(readFileSync(new URL("../audio-fixtures/talkoff/speech-ru.wav", import.meta.url)));
  const all = w.getSamples(false, Float64Array) as unknown as Float64Array;
  const under = Float64Array.from(all.subarray(8 * RATE, 8 * RATE + N), (v) => v / 32768);
  const rms = Math.sqrt(under.reduce((s, v) => s + v * v, 0) / N);
  // Two tones at −10 dBm0 each (0 dBm0 = 3.17 dB under a full-scale sine's power 0.5).
  const keyPower = 2 * 10 ** (-10 / 10) * 0.5 * 10 ** (-3.17 / 10);
  const gain = Math.sqrt(keyPower * 10 ** (-10 / 10)) / rms;
  const g = generateDtmf({ keys: "5", toneMs: 200, levelDbm0: -10, leadMs: 300, tailMs: 0, sampleRate: RATE });
  const mixed = new Float32Array(N);
  for (let i = 0; i < N; i++) mixed[i] = (g.samples[i] ?? 0) + under[i] * gain;
  return { mixed, t0: g.tones[0].startSample, t1: g.tones[0].startSample + g.tones[0].durationSamples };
}

/** Keys the most sensitive tuning (NOTCH_CHECK_TUNING: every option at the end of its range) finds in 16-bit WAV bytes. */
function sensitiveKeys(bytes: Uint8Array): number {
  const w = new wavefile.WaveFile(bytes);
  const pcm = Int16Array.from(w.getSamples(false, Float64Array) as unknown as Float64Array);
  const d = engine.createDetector({ ...NOTCH_CHECK_TUNING, sampleRate: RATE });
  const n = [...d.process(pcm), ...d.flush()].filter((e) => e.type === "dtmf").length;
  d.close();
  return n;
}

let n = 0;
function input(): { path: string; t0: number; t1: number } {
  const { mixed, t0, t1 } = keyUnderSpeech();
  const path = join(DIR, `${n++}-key-under-speech.wav`);
  writeFileSync(path, encodeWav([mixed], RATE, "pcm16"));
  return { path, t0, t1 };
}

describe("notch with its fallback", () => {
  it("the input holds the key for every detector: the case is real", () => {
    expect(sensitiveKeys(readFileSync(input().path))).toBe(1);
  });

  it("notch alone (fallback none) leaves the key: the most sensitive detector reads it, the verification fails", async () => {
    const { path } = input();
    const audit = await redactFile(path, `${path}.none.wav`, engine, { method: "notch", notchFallback: "none" });
    expect(audit.notch_fallback).toBe("none");
    expect(audit.spans.map((s) => s.method)).toEqual(["notch"]);
    expect(audit.spans[0].fallback_reason).toBeUndefined();
    // What the notch leaves at the tones' frequencies (speech included) is far under the
    // residual backstop: no level threshold catches this key; the detector check does.
    expect(audit.spans[0].residual_db).toBeLessThan(NOTCH_CHECK_RESIDUAL_DB - 20);
    expect(audit.spans[0].residual_db).toBeCloseTo(-43.3, 0);
    expect(sensitiveKeys(readFileSync(`${path}.none.wav`))).toBe(1);
    expect(audit.verification.passed).toBe(false);
  });

  it("notch + noise (the default): the span fails its check, is redacted with comfort noise, no key left; bytes outside the span identical", async () => {
    const { path, t0, t1 } = input();
    const out = `${path}.noise.wav`;
    const audit = await redactFile(path, out, engine, { method: "notch" });
    expect(audit.notch_fallback).toBe("noise");
    expect(audit.spans).toHaveLength(1);
    const span = audit.spans[0];
    expect(span.method).toBe("notch→noise");
    expect(span.fallback_reason).toMatch(/key found in the notched span/);
    expect(span.notch_residual_db).toBeTypeOf("number");
    expect(span.start_sample).toBeLessThanOrEqual(t0);
    expect(span.end_sample).toBeGreaterThanOrEqual(t1);
    expect(sensitiveKeys(readFileSync(out))).toBe(0);
    expect(audit.verification.passed).toBe(true);
    expect(audit.verification.outside_spans_identical).toBe(true);
    // Bit-identity checked here on the bytes, not from the audit's claim.
    const a = readFileSync(path), b = readFileSync(out);
    expect(b.length).toBe(a.length);
    const dataAt = a.length - 2 * N;
    for (let i = 0; i < a.length; i++) {
      if (a[i] === b[i]) continue;
      const frame = Math.floor((i - dataAt) / 2);
      expect(frame >= span.start_sample && frame < span.end_sample, `byte ${i} changed outside the span`).toBe(true);
    }
    // The digit is never in the audit.
    expect(JSON.stringify(audit)).not.toMatch(/"digits?"/);
  });

  for (const fallback of ["silence", "tone"] as const) {
    it(`notch + ${fallback}: the span reads "notch→${fallback}", no key left`, async () => {
      const { path } = input();
      const audit = await redactFile(path, `${path}.${fallback}.wav`, engine, { method: "notch", notchFallback: fallback });
      expect(audit.spans.map((s) => s.method)).toEqual([`notch→${fallback}`]);
      expect(sensitiveKeys(readFileSync(`${path}.${fallback}.wav`))).toBe(0);
      expect(audit.verification.passed).toBe(true);
    });
  }

  it("keys over a quiet line noise (S/N 30 dB) pass their check: the notch is kept", async () => {
    const g = generateDtmf({ keys: "159#", toneMs: 80, gapMs: 80, levelDbm0: -10, snrDb: 30, seed: 3 });
    const path = join(DIR, `${n++}-quiet-line.wav`);
    writeFileSync(path, encodeWav([g.samples], RATE, "pcm16"));
    const audit = await redactFile(path, `${path}.out.wav`, engine, { method: "notch" });
    expect(audit.spans.map((s) => s.method)).toEqual(Array(4).fill("notch"));
    for (const s of audit.spans) {
      expect(s.notch_uncertainty_db).toBeLessThanOrEqual(NOTCH_UNCERTAIN_DB);
      expect(s.notch_left_db).toBeGreaterThan(NOTCH_EMPTY_DB);
    }
    expect(audit.verification.passed).toBe(true);
  });

  it("clean keys in digital silence: the notch left nothing to keep, so the fallback writes them (no residue for a detector with no level floor)", async () => {
    const g = generateDtmf({ keys: "7*", toneMs: 40, gapMs: 80, levelDbm0: -10, lowErrorPct: -1.5, highErrorPct: 1.5 });
    const path = join(DIR, `${n++}-clean.wav`);
    writeFileSync(path, encodeWav([g.samples], RATE, "pcm16"));
    const audit = await redactFile(path, `${path}.out.wav`, engine, { method: "notch" });
    expect(audit.spans.map((s) => s.method)).toEqual(["notch→noise", "notch→noise"]);
    for (const s of audit.spans) {
      expect(s.fallback_reason).toMatch(/the notch left nothing to keep/);
      expect(s.notch_left_db).toBeLessThanOrEqual(NOTCH_EMPTY_DB);
    }
    // Comfort noise at the level around a key in digital silence is digital silence.
    const w = new wavefile.WaveFile(readFileSync(`${path}.out.wav`));
    const out = w.getSamples(false, Float64Array) as unknown as Float64Array;
    for (const s of audit.spans) expect(out.subarray(s.start_sample, s.end_sample).every((v) => v === 0)).toBe(true);
    // The notch alone leaves a residue of a few LSB there.
    const kept = await redactFile(path, `${path}.none.wav`, engine, { method: "notch", notchFallback: "none" });
    const residue = new wavefile.WaveFile(readFileSync(`${path}.none.wav`)).getSamples(false, Float64Array) as unknown as Float64Array;
    expect(kept.spans.every((s) => residue.subarray(s.start_sample, s.end_sample).some((v) => v !== 0))).toBe(true);
  });

  it("bad fallbacks are refused by name; the CLI flag needs --method notch", async () => {
    const { path } = input();
    await expect(redactFile(path, `${path}.x`, engine, { method: "notch", notchFallback: "mute" as never })).rejects.toThrow(/notchFallback must be one of noise, silence, tone, none/);
    expect((await cli(["redact", path, "-o", `${path}.y`, "--method", "notch", "--notch-fallback", "mute"])).code).toBe(2);
    const wrong = await cli(["redact", path, "-o", `${path}.y`, "--notch-fallback", "noise"]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/give --method notch too/);
  });

  it("CLI: --method notch exits 0 and its audit says notch→noise; --notch-fallback none exits 1", async () => {
    const { path } = input();
    const ok = await cli(["redact", path, "-o", `${path}.cli.wav`, "--method", "notch"]);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toMatch(/1 fell back to noise/);
    const audit = JSON.parse(readFileSync(`${path}.cli.wav.audit.json`, "utf8")) as RedactAudit;
    expect(audit.spans[0].method).toBe("notch→noise");
    const none = await cli(["redact", path, "-o", `${path}.cli-none.wav`, "--method", "notch", "--notch-fallback", "none"]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/VERIFICATION FAILED/);
  });
});

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCli(args, DIR);
}
