/**
 * How far a lossy codec spreads a key's tones past its edges (issue #17, the codec guard of
 * src/redact/reencode.ts): 16 keys alone (90 ms, 400 ms gaps, −10 dBm0) encoded by ffmpeg in
 * each setting, decoded again, and at each key's two frequencies the power in 8 ms Hann windows
 * stepped by 1 ms, against the key's own: how long before each true onset and after each true
 * end either tone stays above −40 dB and −30 dB of the key (the worst key). With keys alone,
 * whatever is there is the codec's. Then the coded file redacted (`redactFile`, default
 * method; for MP3 with its codec guard) with keys alone and over speech ≈ 10 dB under them, and
 * the digits the most sensitive detector (MOST_SENSITIVE_TUNING) reads in the re-encoded output;
 * beside them what it reads after the same keys over speech are redacted as a WAV (no codec),
 * and in the speech alone through the codec.
 *
 *   node bench/redact-smear.mjs        (needs ffmpeg; writes under $TMPDIR)
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateDtmf } from "../dist/generator.js";
import { keyFrequencies } from "../dist/keys.js";
import { encodeWav } from "../dist/wav/write.js";
import { DtmfEngine } from "../dist/engine.js";
import { MOST_SENSITIVE_TUNING } from "../dist/options.js";
import { redactFile } from "../dist/redact/offline.js";
import { AudioReader } from "../dist/wav/reader.js";
import wavefile from "wavefile";

const CASES = [
  ["MP3 16 kbit/s CBR", 8000, ["-c:a", "libmp3lame", "-b:a", "16k"]],
  ["MP3 32 kbit/s CBR", 8000, ["-c:a", "libmp3lame", "-b:a", "32k"]],
  ["MP3 32 kbit/s CBR", 16000, ["-c:a", "libmp3lame", "-b:a", "32k"]],
  ["MP3 VBR -q:a 6", 44100, ["-c:a", "libmp3lame", "-q:a", "6"]],
  ["Vorbis -q:a 0", 8000, ["-c:a", "libvorbis", "-q:a", "0"]],
  ["Vorbis -q:a 3", 44100, ["-c:a", "libvorbis", "-q:a", "3"]],
  ["Opus 16 kbit/s", 8000, ["-c:a", "libopus", "-b:a", "16k"]],
  ["Opus 24 kbit/s", 16000, ["-c:a", "libopus", "-b:a", "24k"]],
];
const KEYS = "4111111111111111";
const WINDOW_S = 0.008, STEP_S = 0.001, REACH_S = 0.2;

const dir = mkdtempSync(join(tmpdir(), "redact-smear-"));
const engine = await DtmfEngine.create();
const speechWav = new wavefile.WaveFile(readFileSync(new URL("../audio-fixtures/talkoff/speech-en-espeak.wav", import.meta.url)));

/** The digits found at MOST_SENSITIVE_TUNING in a (decoded) file ("-" for none). */
async function keysLeft(path) {
  const reader = await AudioReader.open({ path });
  const d = engine.createDetector({ ...MOST_SENSITIVE_TUNING, sampleRate: reader.sampleRate, encoding: reader.encoding });
  const digits = [];
  const take = (events) => { for (const e of events) if (e.type === "dtmf") digits.push(e.digit); };
  for await (const block of reader.blocks()) take(d.process(block.channels[0]));
  take(d.flush());
  d.close();
  return digits.join("") || "-";
}

function ffmpeg(...args) {
  const r = spawnSync("ffmpeg", ["-nostdin", "-loglevel", "error", "-y", ...args]);
  if (r.status !== 0) throw new Error(`ffmpeg ${args.join(" ")}: ${r.stderr}`);
}
/** Power of x at hz over [t0, t0 + n) (Hann window, one DFT bin). */
function power(x, hz, t0, n, rate) {
  let re = 0, im = 0, w2 = 0;
  for (let i = 0; i < n; i++) {
    const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / n);
    const v = (x[t0 + i] ?? 0) * w;
    re += v * Math.cos((2 * Math.PI * hz * i) / rate);
    im -= v * Math.sin((2 * Math.PI * hz * i) / rate);
    w2 += w * w;
  }
  return (re * re + im * im) / w2;
}
console.log("| codec | rate | before the onset, > −40 / −30 dB | after the end, > −40 / −30 dB | left by redact (MOST_SENSITIVE): keys alone / over speech / over speech, the WAV redacted | speech alone, coded |\n|---|---|---|---|---|---|");
for (const [label, rate, args] of CASES) {
  const keys = generateDtmf({ keys: KEYS, sampleRate: rate, toneMs: 90, gapMs: 400, leadMs: 500, tailMs: 500 });
  const ext = args[1] === "libmp3lame" ? "mp3" : "ogg";
  const wav = join(dir, `in-${rate}.wav`), coded = join(dir, `coded.${ext}`), pcm = join(dir, "back.f32");
  writeFileSync(wav, encodeWav([keys.samples], rate, "pcm16"));
  ffmpeg("-i", wav, ...args, coded);
  ffmpeg("-i", coded, "-ar", String(rate), "-f", "f32le", pcm);
  // The same keys over speech ≈ 10 dB under them.
  const w = new wavefile.WaveFile(speechWav.toBuffer());
  if (rate !== 8000) w.toSampleRate(rate);
  const speech = w.getSamples(false, Float64Array);
  const mixedWav = join(dir, `mixed-${rate}.wav`), mixed = join(dir, `mixed.${ext}`);
  writeFileSync(mixedWav, encodeWav([Float32Array.from(keys.samples, (v, i) => v + 0.3 * (speech[(i + rate) % speech.length] / 32768))], rate, "pcm16"));
  ffmpeg("-i", mixedWav, ...args, mixed);
  const left = [];
  for (const file of [coded, mixed, mixedWav]) {
    const out = join(dir, `redacted-${file.split("/").pop()}`);
    await redactFile(file, out, engine);
    left.push(await keysLeft(out));
  }
  const speechWavPath = join(dir, `speech-${rate}.wav`), speechCoded = join(dir, `speech.${ext}`);
  writeFileSync(speechWavPath, encodeWav([Float32Array.from(keys.samples, (_, i) => 0.3 * (speech[(i + rate) % speech.length] / 32768))], rate, "pcm16"));
  ffmpeg("-i", speechWavPath, ...args, speechCoded);
  const bytes = readFileSync(pcm);
  const x = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2);
  const n = Math.round(WINDOW_S * rate), step = Math.round(STEP_S * rate), reach = Math.round(REACH_S * rate);
  const worst = { before: [0, 0], after: [0, 0] };
  for (const tone of keys.tones) {
    const { lowHz, highHz } = keyFrequencies(tone.digit);
    const hz = [lowHz, highHz];
    const start = tone.startSample, end = tone.startSample + tone.durationSamples;
    const ref = hz.map((f) => power(x, f, start + (tone.durationSamples >> 1) - (n >> 1), n, rate));
    const level = (t0) => Math.max(...hz.map((f, j) => 10 * Math.log10(power(x, f, t0, n, rate) / ref[j])));
    for (const [side, [limit, threshold]] of [["after", [0, -40]], ["after", [1, -30]], ["before", [0, -40]], ["before", [1, -30]]]) {
      // The furthest window wholly outside the key whose level is over the threshold, ms from the edge.
      for (let d = reach; d >= 0; d -= step) {
        const t0 = side === "after" ? end + d : start - d - n;
        if (level(t0) > threshold) { worst[side][limit] = Math.max(worst[side][limit], ((d + n) * 1000) / rate); break; }
      }
    }
  }
  const ms = ([a, b]) => `${a.toFixed(0)} / ${b.toFixed(0)} ms`;
  console.log(`| ${label} | ${rate} Hz | ${ms(worst.before)} | ${ms(worst.after)} | ${left.join(" / ")} | ${await keysLeft(speechCoded)} |`);
}
