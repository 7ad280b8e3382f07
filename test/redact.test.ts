/**
 * Offline redaction (src/redact/offline.ts, `dtmf-wasm redact`): every method on every encoding
 * the reader takes, the edges (keys at the file's start and end, across read-block boundaries,
 * back to back, stereo with keys on one channel), bit-identity outside the spans checked here
 * independently of the audit, header chunks kept, the audit (no digits unless asked), the
 * verification failing when a key is left, the notch keeping the speech under a key, and the
 * CLI's outputs and exit codes.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import wavefile from "wavefile";
import { beforeAll, describe, expect, it } from "vitest";
import type { DtmfEngine } from "../src/engine.js";
import type { DtmfEvent } from "../src/events.js";
import { encodeSamples, generateDtmf } from "../src/generator.js";
import { keyFrequencies } from "../src/keys.js";
import type { RedactAudit } from "../src/redact/audit.js";
import { METHODS, type RedactMethod } from "../src/redact/methods.js";
import { redactFile } from "../src/redact/offline.js";
import { NOTCH_UNCERTAIN_DB, VERIFY_TUNING } from "../src/redact/spans.js";
import { followTone } from "../src/redact/tones.js";
import { dbm0ToPower } from "../src/levels.js";
import { AudioReader } from "../src/wav/reader.js";
import { encodeWav } from "../src/wav/write.js";
import { runCli, testEngine } from "./helpers.js";

const DIR = mkdtempSync(join(tmpdir(), "dtmf-redact-"));
const TALKOFF = new URL("../audio-fixtures/talkoff/", import.meta.url);
let engine: DtmfEngine;
beforeAll(async () => { engine = await testEngine(); });

/** Residual targets of the issue: the two tones ≥ 40 dB below the key (≥ 60 dB for silence). */
const RESIDUAL_DB = { notch: -40, noise: -40, tone: -40, silence: -60 } as const;

let counter = 0;
function file(name: string, bytes: Uint8Array): string {
  const path = join(DIR, `${counter++}-${name}`);
  writeFileSync(path, bytes);
  return path;
}

/** A WAV through wavefile in any bit depth it writes ("8", "16", "24", "32", "32f", "64", "8m", "8a"). */
function wav(channels: Float32Array[], rate: number, depth: string): Uint8Array {
  const w = new wavefile.WaveFile();
  const ints = (x: Float32Array, bits: number) => Array.from(x, (v) => Math.max(-(2 ** (bits - 1)), Math.min(2 ** (bits - 1) - 1, Math.round(v * 2 ** (bits - 1)))));
  const data = channels.map((x) => {
    if (depth === "32f" || depth === "64") return Array.from(x);
    if (depth === "8") return Array.from(x, (v) => Math.max(0, Math.min(255, Math.round(v * 128 + 128))));
    if (depth === "8m" || depth === "8a") return ints(x, 16);
    return ints(x, Number(depth));
  });
  if (depth === "8m" || depth === "8a") {
    w.fromScratch(channels.length, rate, "16", channels.length === 1 ? data[0] : data);
    if (depth === "8m") w.toMuLaw(); else w.toALaw();
  } else {
    w.fromScratch(channels.length, rate, depth, channels.length === 1 ? data[0] : data);
  }
  return w.toBuffer();
}

/** Keys found in a file by the verification's own (sensitive) detector, read through the reader. */
async function keysIn(path: string, raw?: Parameters<typeof AudioReader.open>[1]["raw"]): Promise<{ channel: number; event: DtmfEvent }[]> {
  const reader = await AudioReader.open({ path }, { raw });
  const detectors = Array.from({ length: reader.channels }, () => engine.createDetector({ ...VERIFY_TUNING, sampleRate: reader.sampleRate, encoding: reader.encoding }));
  const found: { channel: number; event: DtmfEvent }[] = [];
  const take = (c: number, events: readonly { type: string }[]) => { for (const e of events) if (e.type === "dtmf") found.push({ channel: c, event: e as DtmfEvent }); };
  for await (const block of reader.blocks()) detectors.forEach((d, c) => take(c, d.process(block.channels[c])));
  detectors.forEach((d, c) => { take(c, d.flush()); d.close(); });
  return found;
}

/**
 * Every byte that differs between input and output must be a sample inside one of the audit's
 * spans on its own channel (checked here from the bytes, not from the audit's own claim).
 */
async function expectIdenticalOutsideSpans(input: string, output: string, audit: RedactAudit, raw?: Parameters<typeof AudioReader.open>[1]["raw"]): Promise<number> {
  const a = readFileSync(input), b = readFileSync(output);
  expect(b.length).toBe(a.length);
  // (A raw reader opened and closed without reading leaves its file handle to the GC: read it.)
  const reader = await AudioReader.open({ path: input }, { raw });
  const { blockAlign, bytesPerSample } = reader.format;
  const offset = reader.header?.dataOffset ?? 0;
  for await (const _ of reader.blocks()) break;
  let changed = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    changed++;
    expect(i, `byte ${i} changed in the header`).toBeGreaterThanOrEqual(offset);
    const frame = Math.floor((i - offset) / blockAlign);
    const channel = Math.floor(((i - offset) % blockAlign) / bytesPerSample);
    const inside = audit.spans.some((s) => s.channel === channel && frame >= s.start_sample && frame < s.end_sample);
    expect(inside, `byte ${i} (frame ${frame}, channel ${channel}) changed outside every span`).toBe(true);
  }
  return changed;
}

async function redact(input: string, method: RedactMethod, options: Parameters<typeof redactFile>[3] = {}): Promise<{ output: string; audit: RedactAudit }> {
  const output = `${input}.${method}.out`;
  return { output, audit: await redactFile(input, output, engine, { method, ...options }) };
}

const KEYS = "159#";
const gen = (options: Parameters<typeof generateDtmf>[0] = { keys: KEYS }) => generateDtmf({ toneMs: 80, gapMs: 80, levelDbm0: -10, ...options });

describe("every method on every encoding", () => {
  const encodings = [
    { name: "pcm16 8 kHz", depth: "16", rate: 8000 }, { name: "float32 16 kHz", depth: "32f", rate: 16000 },
    { name: "μ-law", depth: "8m", rate: 8000 }, { name: "A-law", depth: "8a", rate: 8000 },
    { name: "24-bit 48 kHz", depth: "24", rate: 48000 }, { name: "8-bit unsigned", depth: "8", rate: 8000 },
    { name: "32-bit int 22.05 kHz", depth: "32", rate: 22050 }, { name: "float64 11.025 kHz", depth: "64", rate: 11025 },
    { name: "pcm16 96 kHz (decimated for detection)", depth: "16", rate: 96000 },
  ];
  for (const enc of encodings) {
    for (const method of METHODS) {
      it(`${method}, ${enc.name}: no key left, bytes outside the spans identical, residual within target`, async () => {
        const audio = gen({ keys: KEYS, sampleRate: enc.rate, snrDb: 30 });
        const input = file(`keys-${enc.depth}-${enc.rate}.wav`, wav([audio.samples], enc.rate, enc.depth));
        expect((await keysIn(input)).length).toBe(KEYS.length);
        const { output, audit } = await redact(input, method);
        expect(audit.verification).toMatchObject({ passed: true, keys_found: 0, outside_spans_identical: true });
        expect(audit.spans).toHaveLength(KEYS.length);
        expect(await keysIn(output)).toEqual([]);
        const changed = await expectIdenticalOutsideSpans(input, output, audit);
        expect(changed).toBeGreaterThan(0);
        // 8-bit PCM and G.711 cannot hold a residual 60 dB under a −10 dBm0 key: their quantisation is about that.
        const coarse = enc.depth === "8" || enc.depth === "8m" || enc.depth === "8a";
        const target = coarse ? -30 : RESIDUAL_DB[method];
        for (const span of audit.spans) expect(span.residual_db, `span at ${span.start_ms} ms`).toBeLessThanOrEqual(target);
      });
    }
  }

  it("RIFX (big-endian) 16- and 24-bit files keep their byte order", async () => {
    for (const depth of ["16", "24"]) {
      const w = new wavefile.WaveFile(wav([gen().samples], 8000, depth));
      w.toRIFX();
      const input = file(`rifx-${depth}.wav`, w.toBuffer());
      expect((await keysIn(input)).length).toBe(KEYS.length);
      for (const method of ["silence", "notch"] as const) {
        const { output, audit } = await redact(input, method);
        expect(audit.verification.passed, `${depth} ${method}`).toBe(true);
        expect(await keysIn(output)).toEqual([]);
        await expectIdenticalOutsideSpans(input, output, audit);
        for (const span of audit.spans) expect(span.residual_db).toBeLessThanOrEqual(RESIDUAL_DB[method]);
      }
    }
  });

  it("headerless μ-law and s16le (--raw) redact the same way", async () => {
    for (const [encoding, ext] of [["mulaw", "ul"], ["s16le", "sln"]] as const) {
      const audio = gen();
      const samples = encodeSamples(audio.samples, encoding === "mulaw" ? "mulaw" : "pcm16");
      const input = file(`call.${ext}`, new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength));
      const raw = { sampleRate: 8000, encoding, channels: 1 } as const;
      const { output, audit } = await redact(input, "silence", { raw });
      expect(audit.verification.passed).toBe(true);
      expect(await keysIn(output, raw)).toEqual([]);
      await expectIdenticalOutsideSpans(input, output, audit, raw);
    }
  });
});

describe("compressed input", () => {
  // MP3, Ogg Vorbis, Opus and FLAC are redacted and re-encoded: test/redact-compressed.test.ts.
  it("a container only ffmpeg reads (M4A) is refused by name, nothing written", async () => {
    const input = new URL("../audio-fixtures/compressed/demo.m4a", import.meta.url).pathname;
    const output = join(mkdtempSync(join(tmpdir(), "redact-m4a-")), "out.m4a");
    await expect(redactFile(input, output, engine)).rejects.toThrow(/MP4\/M4A \(AAC or ALAC\) input cannot be redacted: dtmf-wasm writes back WAV, MP3, Ogg Vorbis, Ogg Opus and FLAC/);
    expect(() => readFileSync(output)).toThrow();
  });
});

describe("edges", () => {
  it("keys at the very start and the very end of the file", async () => {
    const audio = gen({ keys: "1234", leadMs: 0, tailMs: 0 });
    const input = file("edges.wav", encodeWav([audio.samples], 8000, "pcm16"));
    for (const method of METHODS) {
      const { output, audit } = await redact(input, method);
      expect(audit.verification.passed, method).toBe(true);
      expect(audit.spans[0].start_sample).toBe(0);
      expect(audit.spans[audit.spans.length - 1].end_sample).toBe(audio.samples.length);
      expect(await keysIn(output)).toEqual([]);
    }
  });

  it("read blocks of any size give the same output (keys across block boundaries)", async () => {
    const audio = gen({ keys: "0123456789", toneMs: 60, gapMs: 40 });
    const input = file("blocks.wav", encodeWav([audio.samples], 8000, "pcm16"));
    const outputs = [];
    for (const chunkBytes of [333, 1000, 65536]) {
      const output = `${input}.${chunkBytes}.out`;
      const audit = await redactFile(input, output, engine, { method: "notch", chunkBytes });
      expect(audit.verification.passed).toBe(true);
      outputs.push(readFileSync(output));
    }
    expect(outputs[0].equals(outputs[1]) && outputs[1].equals(outputs[2])).toBe(true);
  });

  it("back-to-back keys (no gap) are both removed", async () => {
    const audio = gen({ keys: [{ digit: "1", gapMs: 0 }, { digit: "9", gapMs: 0 }, { digit: "1" }] as never });
    const input = file("back-to-back.wav", encodeWav([audio.samples], 8000, "pcm16"));
    for (const method of METHODS) {
      const { output, audit } = await redact(input, method);
      expect(audit.verification.passed, method).toBe(true);
      expect(await keysIn(output)).toEqual([]);
      expect(audit.spans.reduce((n, s) => n + s.keys, 0)).toBeGreaterThanOrEqual(2);
    }
  });

  it("stereo with keys on one channel: the other channel is untouched, byte for byte", async () => {
    const speech = speechExcerpt(16000);
    const keys = gen({ keys: "4711", leadMs: 300 }).samples;
    const left = speech.subarray(0, keys.length);
    const input = file("stereo.wav", encodeWav([left, keys], 8000, "pcm16"));
    const { output, audit } = await redact(input, "noise");
    expect(audit.verification.passed).toBe(true);
    expect(audit.spans.every((s) => s.channel === 1)).toBe(true);
    const a = readFileSync(input), b = readFileSync(output);
    for (let i = 44; i < a.length; i += 4) expect(b[i] === a[i] && b[i + 1] === a[i + 1], `left sample at byte ${i}`).toBe(true);
    await expectIdenticalOutsideSpans(input, output, audit);
  });

  it("chunks before and after the data (LIST, cue) are kept byte for byte", async () => {
    const audio = gen({ keys: "77" });
    const pcm = encodeSamples(audio.samples, "pcm16");
    const input = file("chunks.wav", wavWithChunks(pcm, 8000));
    const { output, audit } = await redact(input, "tone");
    expect(audit.verification.passed).toBe(true);
    await expectIdenticalOutsideSpans(input, output, audit);
    expect(readFileSync(output).subarray(-36, -32).toString("latin1")).toBe("cue ");
  });
});

describe("following a key past an early reported end", () => {
  it("followTone finds where the tones stop, within a block, and not past a clean end", () => {
    const a = generateDtmf({ keys: "6", toneMs: 250, leadMs: 100, tailMs: 300, levelDbm0: -20, twistDb: -9, lowErrorPct: 1.5, highErrorPct: -1.5 });
    const x = Float64Array.from(a.samples);
    const t = a.tones[0];
    const { lowHz, highHz } = keyFrequencies("6");
    const hz: [number, number] = [lowHz * 1.015, highHz * 0.985];
    const power: [number, number] = [dbm0ToPower(-20), dbm0ToPower(-29)];
    const end = t.startSample + t.durationSamples;
    // As if the detector had ended the press 37 ms after its onset.
    const followed = followTone(x, t.startSample + 296, x.length, hz, power, 8000);
    expect(Math.abs(followed - end)).toBeLessThanOrEqual(128);
    expect(followTone(x, end, x.length, hz, power, 8000)).toBe(end);
    // Speech alone does not stretch a span: the pair must hold the key's level and half the power.
    const speech = Float64Array.from(speechExcerpt(8000));
    expect(followTone(speech, 0, speech.length, hz, power, 8000)).toBe(0);
  });
});

describe("notch keeps the speech under a key", () => {
  // Speech about 10 and 20 dB under a −10 dBm0 key. What the notch takes out beyond the tones
  // is the speech's own component at the two frequencies, so the tones' residual (output minus
  // the speech alone) is that component: ≥ 40 dB down with speech 20 dB under the key, ≈ 39 dB
  // with speech 10 dB under (bench/parts/redact.mjs reports both). The notch alone
  // (notchFallback "none"): with the default fallback the louder case falls back (below).
  for (const [gain, target] of [[0.3, -35], [0.1, -40]] as const) {
    it(`speech ×${gain}: level within 1 dB outside ±50 Hz of the two tones, tones ≤ ${target} dB`, async () => {
      const rate = 8000;
      const speech = speechExcerpt(rate * 2, gain);
      const key = generateDtmf({ keys: "5", toneMs: 300, leadMs: 600, tailMs: 600, levelDbm0: -10 }).samples;
      const mixed = Float32Array.from(key, (v, i) => v + speech[i]);
      const input = file("speech-key.wav", encodeWav([mixed], rate, "float32"));
      const { output, audit } = await redact(input, "notch", { notchFallback: "none" });
      expect(audit.verification.passed).toBe(true);
      const out = readFloat(output);
      const t0 = Math.round(0.6 * rate), t1 = t0 + Math.round(0.3 * rate);
      const { lowHz, highHz } = keyFrequencies("5");
      const bands: [number, number][] = [[300, 600], [600, lowHz - 50], [lowHz + 50, highHz - 50], [highHz + 50, 2400], [2400, 3400]];
      for (const [f0, f1] of bands) {
        const ref = bandPower(Float64Array.from(speech.subarray(t0, t1)), f0, f1, rate);
        const got = bandPower(out.subarray(t0, t1), f0, f1, rate);
        expect(Math.abs(10 * Math.log10(got / ref)), `band ${f0}-${f1} Hz`).toBeLessThanOrEqual(1);
      }
      const left = Float64Array.from(out.subarray(t0, t1), (v, i) => v - speech[t0 + i]);
      for (const f of [lowHz, highHz]) {
        const keyPower = bandPower(Float64Array.from(key.subarray(t0, t1)), f - 20, f + 20, rate);
        expect(10 * Math.log10(bandPower(left, f - 20, f + 20, rate) / keyPower), `${f} Hz`).toBeLessThanOrEqual(target);
      }
    });
  }
});

describe("notch: the span falls back where the notch cannot promise −40 dB", () => {
  // The notch's error at a tone is the other sound's component at that frequency, which no fit
  // can tell from the key; the audit's notch_uncertainty_db estimates it from the neighbouring
  // frequencies (tones.ts fitErrorPower). Speech 10 dB under a key: about −39 dB, within the
  // 10 dB margin of the −40 dB target, so the span falls back to noise; 20 dB under: kept.
  for (const [gain, fallsBack] of [[0.3, true], [0.1, false]] as const) {
    it(`speech ×${gain}: ${fallsBack ? "falls back, tones ≤ −40 dB" : "kept as notched"}`, async () => {
      const rate = 8000;
      const speech = speechExcerpt(rate * 2, gain);
      const key = generateDtmf({ keys: "5", toneMs: 300, leadMs: 600, tailMs: 600, levelDbm0: -10 }).samples;
      const input = file(`speech-key-fallback-${gain}.wav`, encodeWav([Float32Array.from(key, (v, i) => v + speech[i])], rate, "float32"));
      const { output, audit } = await redact(input, "notch");
      expect(audit.verification.passed).toBe(true);
      expect(audit.spans).toHaveLength(1);
      const [span] = audit.spans;
      const uncertainty = span.notch_uncertainty_db ?? Number.NaN;
      if (fallsBack) {
        expect(span.method).toBe("notch→noise");
        expect(span.fallback_reason).toMatch(/notch error expected at -\d+(\.\d)? dB/);
        expect(uncertainty).toBeGreaterThan(NOTCH_UNCERTAIN_DB);
      } else {
        expect(span.method).toBe("notch");
        expect(uncertainty).toBeLessThanOrEqual(NOTCH_UNCERTAIN_DB);
      }
      // What is left of the tones: output minus the speech where the notch kept it, the output itself where noise replaced it.
      const out = readFloat(output);
      const t0 = Math.round(0.6 * rate), t1 = t0 + Math.round(0.3 * rate);
      const left = Float64Array.from(out.subarray(t0, t1), (v, i) => v - (fallsBack ? 0 : speech[t0 + i]));
      const { lowHz, highHz } = keyFrequencies("5");
      for (const f of [lowHz, highHz]) {
        const keyPower = bandPower(Float64Array.from(key.subarray(t0, t1)), f - 20, f + 20, rate);
        expect(10 * Math.log10(bandPower(left, f - 20, f + 20, rate) / keyPower), `${f} Hz`).toBeLessThanOrEqual(-40);
      }
    });
  }
});

describe("notch on a clipped key", () => {
  // 0 dBm0 per tone: the pair's peaks pass full scale and ≈ 19 % of the key's samples clip.
  // Fitted over every sample, the tones left a broadband residue (≈ −47 dB here; in the redaction
  // bench the most sensitive dtmf-wasm and dtmf-detection-stream read such keys); with the clipped
  // samples left out of the fit and the speech estimate interpolated over them it is gone.
  it("pcm16, 0 dBm0: residual ≤ −60 dB against the key and no key for the most sensitive detector", async () => {
    const g = generateDtmf({ keys: "0", toneMs: 100, levelDbm0: 0, leadMs: 300, tailMs: 600 });
    const pcm = encodeSamples(g.samples, "pcm16");
    expect(pcm.filter((v) => v === 32767 || v === -32768).length).toBeGreaterThan(100);
    const input = file("clipped.raw", new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength));
    const output = input.replace(/\.raw$/, ".out.raw");
    const audit = await redactFile(input, output, engine, { method: "notch", raw: { sampleRate: 8000, encoding: "s16le" } });
    expect(audit.spans).toHaveLength(1);
    expect(audit.spans[0].residual_db).toBeLessThanOrEqual(-60);
    const bytes = readFileSync(output);
    const d = engine.createDetector({ minLevelDbm0: -70, normalTwistDb: 20, reverseTwistDb: 20, peakRatioDb: 3, purityDb: -10, pressPurityDb: -10, frequencyTolerancePct: 6, minToneMs: 10, gapMs: 10 });
    expect([...d.process(new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2)), ...d.flush()].filter((e) => e.type === "dtmf")).toEqual([]);
    d.close();
  });
});

describe("audit and verification", () => {
  it("the audit holds hashes, spans, residuals and the verification, never the digits", async () => {
    const input = file("pin.wav", encodeWav([gen({ keys: "4321" }).samples], 8000, "mulaw"));
    const { output, audit } = await redact(input, "notch");
    const text = JSON.stringify(audit);
    expect(text).not.toMatch(/"digits?"/);
    expect(audit.input.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(audit.output.sha256).not.toBe(audit.input.sha256);
    const { createHash } = await import("node:crypto");
    expect(audit.output.sha256).toBe(createHash("sha256").update(readFileSync(output)).digest("hex"));
    expect(audit.input.sha256).toBe(createHash("sha256").update(readFileSync(input)).digest("hex"));
    expect(audit.spans.map((s) => [s.method, s.kind, s.keys])).toEqual(Array(4).fill(["notch", "key", 1]));
    const kept = await redact(input, "silence", { keepDigits: true });
    expect(kept.audit.digits).toEqual(["4321"]);
    expect(kept.audit.spans.map((s) => s.digits).join("")).toBe("4321");
  });

  it("a key the redaction missed fails the verification, named without its digit", async () => {
    const input = file("missed.wav", encodeWav([gen({ keys: "159" }).samples], 8000, "pcm16"));
    // Keys found with a detector told to report only "0": none of 1, 5, 9 is redacted.
    const { audit } = await redact(input, "notch", { tuning: { keys: "0" } });
    expect(audit.spans).toEqual([]);
    expect(audit.verification.passed).toBe(false);
    expect(audit.verification.keys_found).toBe(3);
    expect(audit.verification.found.every((f) => f.digit === undefined)).toBe(true);
  });

  it("the verification finds no key in speech and music without keys (no false failures)", async () => {
    for (const name of ["speech-en-espeak.wav", "speech-it.wav", "music-drascula.wav", "music-fb.wav"]) {
      const input = join(DIR, name);
      writeFileSync(input, readFileSync(new URL(name, TALKOFF)));
      const { audit } = await redact(input, "notch");
      expect(audit.verification, name).toMatchObject({ passed: true, keys_found: 0 });
    }
  });

  it("fragments: a tone too short for a key is redacted only with the option", async () => {
    const audio = generateDtmf({ keys: [{ digit: "8", durationMs: 20 }, { digit: "3", durationMs: 80 }] as never, gapMs: 200, levelDbm0: -10 });
    const input = file("fragment.wav", encodeWav([audio.samples], 8000, "pcm16"));
    const without = await redact(input, "silence");
    expect(without.audit.spans).toHaveLength(1);
    const output = `${input}.fragments.out`;
    const audit = await redactFile(input, output, engine, { method: "silence", fragments: true });
    expect(audit.spans.map((s) => s.kind)).toEqual(["fragment", "key"]);
    const f = audit.spans[0];
    const tone = audio.tones[0];
    expect(f.start_sample).toBeLessThanOrEqual(tone.startSample);
    expect(f.end_sample).toBeGreaterThanOrEqual(tone.startSample + tone.durationSamples);
  });

  it("refuses to overwrite its input and bad options, naming them", async () => {
    const input = file("same.wav", encodeWav([gen().samples], 8000, "pcm16"));
    await expect(redactFile(input, input, engine)).rejects.toThrow(/the output is the input/);
    await expect(redactFile(input, `${input}.x`, engine, { method: "mute" as never })).rejects.toThrow(/method must be one of silence, noise, notch, tone; received "mute"/);
    await expect(redactFile(input, `${input}.x`, engine, { guardBeforeMs: Number.NaN })).rejects.toThrow(/guardBeforeMs/);
    await expect(redactFile(join(DIR, "nope.wav"), `${input}.x`, engine)).rejects.toThrow(/nope.wav: cannot read: no such file/);
  });
});

/** multimon-ng (Debian; .ci/run installs it with sox, which it uses to read WAV files). */
const multimon = spawnSync("multimon-ng", ["-h"]).error === undefined && spawnSync("sox", ["--version"]).error === undefined;
if (!multimon) console.warn("test/redact.test.ts: multimon-ng or sox is missing (apt-get install multimon-ng sox): the multimon-ng test is skipped");

describe("an independent decoder", () => {
  it.skipIf(!multimon)("multimon-ng reads every key of the input and none of the output", async () => {
    const digits = (path: string) => spawnSync("multimon-ng", ["-q", "-c", "-a", "DTMF", "-t", "wav", path], { encoding: "utf8" }).stdout
      .split("\n").filter((l) => l.startsWith("DTMF:")).map((l) => l.slice(5).trim()).join("");
    const input = file("multimon.wav", encodeWav([gen({ keys: "4111111111111111", snrDb: 25 }).samples], 8000, "pcm16"));
    expect(digits(input)).toBe("4111111111111111");
    for (const method of ["silence", "noise", "tone"] as const) {
      const { output, audit } = await redact(input, method);
      expect(audit.verification.passed).toBe(true);
      expect(digits(output), method).toBe("");
    }
  });
});

describe("dtmf-wasm redact", () => {
  it("writes each output with its audit beside it; exit 0, summary on stderr", async () => {
    const a = file("a.wav", encodeWav([gen({ keys: "12" }).samples], 8000, "pcm16"));
    const b = file("b.wav", encodeWav([gen({ keys: "34" }).samples], 8000, "alaw"));
    const out = join(DIR, "out");
    const run = await cli(["redact", "--method", "silence", "--out-dir", out, a, b]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/a\.wav -> .*a\.wav: 2 span\(s\) \(silence\).*verified: no key left; sha256 [0-9a-f]{12} -> [0-9a-f]{12}/);
    expect(run.stderr).toMatch(/dtmf-wasm redact: 2 files, 4 spans redacted/);
    const audit = JSON.parse(readFileSync(join(out, `${counter - 1}-b.wav.audit.json`), "utf8")) as RedactAudit;
    expect(audit.verification.passed).toBe(true);
    expect(JSON.stringify(audit)).not.toContain("\"digit");
  });

  it("exit 1 when a key is left, 2 on usage errors", async () => {
    const a = file("left.wav", encodeWav([gen({ keys: "12" }).samples], 8000, "pcm16"));
    const left = await cli(["redact", "--keys", "0", a, "-o", `${a}.out`]);
    expect(left.code).toBe(1);
    expect(left.stderr).toMatch(/VERIFICATION FAILED: 2 key\(s\) found/);
    for (const [args, message] of [
      [[a], /no output/], [[a, a, "-o", "x.wav"], /-o names one output/], [["-", "-o", "x"], /not stdin/],
      [[a, "-o", "x", "--method", "beep"], /--method must be one of/], [[a, "-o", "x", "--guard-before", "-1"], /--guard-before must be a number from 0 to 250/],
      [[a, "-o", "x", "--fragment-level", "-20"], /give --fragments too/], [[a, "-o", "x", "--min-level", "5"], /--min-level/],
    ] as const) {
      const run = await cli(["redact", ...args]);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr).toMatch(message);
    }
    expect((await cli(["redact", "--help"])).stdout).toMatch(/usage: dtmf-wasm redact/);
  });
});

// --- helpers -------------------------------------------------------------------------------

/** `length` samples of the committed speech excerpt, scaled by `gain`. */
function speechExcerpt(length: number, gain = 1): Float32Array {
  const w = new wavefile.WaveFile(readFileSync(new URL("speech-en-espeak.wav", TALKOFF)));
  const samples = w.getSamples(false, Float64Array) as unknown as Float64Array;
  return Float32Array.from(samples.subarray(8000, 8000 + length), (v) => (v / 32768) * gain);
}

function readFloat(path: string): Float64Array {
  const w = new wavefile.WaveFile(readFileSync(path));
  return Float64Array.from(w.getSamples(false, Float64Array) as unknown as Float64Array);
}

/** Power in [f0, f1) Hz of x (Hann-windowed DFT, 5 Hz steps of evaluation). */
function bandPower(x: Float64Array, f0: number, f1: number, rate: number): number {
  const n = x.length;
  let total = 0;
  for (let f = f0; f < f1; f += 2.5) {
    let re = 0, im = 0;
    for (let i = 0; i < n; i++) {
      const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1));
      re += x[i] * w * Math.cos((2 * Math.PI * f * i) / rate);
      im -= x[i] * w * Math.sin((2 * Math.PI * f * i) / rate);
    }
    total += re * re + im * im;
  }
  return total;
}

/** A 16-bit mono WAV with a LIST chunk before the data and a cue chunk after it. */
function wavWithChunks(pcm: Int16Array, rate: number): Uint8Array {
  const list = Buffer.concat([Buffer.from("INFOISFT"), u32(6), Buffer.from("test\0\0")]);
  const cue = Buffer.concat([u32(1), Buffer.alloc(24)]);
  const data = Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  const fmt = Buffer.alloc(16);
  fmt.writeUInt16LE(1, 0); fmt.writeUInt16LE(1, 2); fmt.writeUInt32LE(rate, 4); fmt.writeUInt32LE(rate * 2, 8); fmt.writeUInt16LE(2, 12); fmt.writeUInt16LE(16, 14);
  const chunk = (id: string, body: Buffer) => Buffer.concat([Buffer.from(id), u32(body.length), body]);
  const body = Buffer.concat([Buffer.from("WAVE"), chunk("fmt ", fmt), chunk("LIST", list), chunk("data", data), chunk("cue ", cue)]);
  return Buffer.concat([Buffer.from("RIFF"), u32(body.length), body]);
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return b;
}

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCli(args, DIR);
}
