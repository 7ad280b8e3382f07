/**
 * Codec round trips for the bench's codecs part: 8 kHz 16-bit PCM → encoder → decoder → 8 kHz
 * 16-bit PCM, with the command-line coders Debian ships (sox for GSM 06.10, ffmpeg for G.722,
 * G.726 and G.723.1, opus-tools, speex, codec2; sox with libopencore-amrnb for AMR-NB), G.711
 * in-process for reference. The coded audio
 * is cached in bench/work/codecs/ under a hash of the input and of the commands, so a rerun on
 * the same input runs no coder. The decoder's delay is measured (envelope cross-correlation)
 * and taken out, so that the scoring sees the keys where the generator put them.
 *
 * Each codec: { id, family, label, kbps, tools: [command, Debian package][], steps? }.
 * A codec whose tools are missing is reported with its install hint and not run.
 */
import { execFile, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { g711RoundTrip, readWav, toPcm16 } from "./audio.mjs";

const CACHE = fileURLToPath(new URL("../work/codecs/", import.meta.url));
const SOX = ["sox", "-R", "-D", "-V1"];
const RAW8 = ["-t", "raw", "-r", "8000", "-e", "signed-integer", "-b", "16", "-c", "1"];
const RAW16 = ["-t", "raw", "-r", "16000", "-e", "signed-integer", "-b", "16", "-c", "1"];
const FFMPEG = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y"];
const FF_RAW8 = ["-f", "s16le", "-ar", "8000", "-ac", "1"];
/** Longest coder delay searched for, ms (Codec 2 and Speex delay by a few tens of ms). */
const MAX_DELAY_MS = 120;

const SOX_HINT = ["sox", "sox libsox-fmt-base"];
const FFMPEG_HINT = ["ffmpeg", "ffmpeg"];

/**
 * The codecs, in table order. steps(input.raw, dir) → [argv, …] run in order; the last writes
 * `${dir}/out.raw` (8 kHz s16le) or `${dir}/out.wav`.
 */
export const CODECS = [
  { id: "linear", family: "none", label: "linear 16-bit (no codec)", kbps: 128, inProcess: (pcm) => pcm },
  { id: "mulaw", family: "G.711", label: "G.711 μ-law", kbps: 64, inProcess: (pcm) => toPcm16(g711RoundTrip(Float32Array.from(pcm, (v) => v / 32768), "mulaw")) },
  { id: "alaw", family: "G.711", label: "G.711 A-law", kbps: 64, inProcess: (pcm) => toPcm16(g711RoundTrip(Float32Array.from(pcm, (v) => v / 32768), "alaw")) },
  {
    id: "gsm", family: "GSM 06.10", label: "GSM 06.10 full rate (sox)", kbps: 13, tools: [SOX_HINT],
    steps: (d) => [[...SOX, ...RAW8, `${d}/in.raw`, "-t", "gsm", `${d}/enc.gsm`], [...SOX, "-t", "gsm", "-r", "8000", "-c", "1", `${d}/enc.gsm`, ...RAW8, `${d}/out.raw`]],
  },
  {
    id: "g722", family: "G.722", label: "G.722 64 kbit/s (ffmpeg, at 16 kHz)", kbps: 64, tools: [SOX_HINT, FFMPEG_HINT],
    steps: (d) => [
      [...SOX, ...RAW8, `${d}/in.raw`, ...RAW16, `${d}/up.raw`, "rate", "-v", "16000"],
      [...FFMPEG, "-f", "s16le", "-ar", "16000", "-ac", "1", "-i", `${d}/up.raw`, "-c:a", "g722", "-f", "g722", `${d}/enc.g722`],
      [...FFMPEG, "-f", "g722", "-i", `${d}/enc.g722`, "-f", "s16le", "-ar", "16000", "-ac", "1", `${d}/dec16.raw`],
      [...SOX, ...RAW16, `${d}/dec16.raw`, ...RAW8, `${d}/out.raw`, "rate", "-v", "8000"],
    ],
  },
  {
    id: "g726-32", family: "G.726", label: "G.726 ADPCM 32 kbit/s (ffmpeg)", kbps: 32, tools: [FFMPEG_HINT],
    steps: (d) => [
      [...FFMPEG, ...FF_RAW8, "-i", `${d}/in.raw`, "-c:a", "g726", "-b:a", "32k", "-f", "wav", `${d}/enc.wav`],
      [...FFMPEG, "-i", `${d}/enc.wav`, "-f", "s16le", "-ar", "8000", "-ac", "1", `${d}/out.raw`],
    ],
  },
  {
    id: "g723-1", family: "G.723.1", label: "G.723.1 6.3 kbit/s (ffmpeg)", kbps: 6.3, tools: [FFMPEG_HINT],
    steps: (d) => [
      [...FFMPEG, ...FF_RAW8, "-i", `${d}/in.raw`, "-c:a", "g723_1", "-b:a", "6300", "-f", "g723_1", `${d}/enc.g723`],
      [...FFMPEG, "-f", "g723_1", "-i", `${d}/enc.g723`, "-f", "s16le", "-ar", "8000", "-ac", "1", `${d}/out.raw`],
    ],
  },
  ...[8, 12, 16, 24].map((kbps) => ({
    id: `opus-${kbps}`, family: "Opus", label: `Opus ${kbps} kbit/s (opus-tools)`, kbps, tools: [["opusenc", "opus-tools"], ["opusdec", "opus-tools"]],
    steps: (d) => [
      ["opusenc", "--quiet", "--raw", "--raw-rate", "8000", "--raw-chan", "1", "--raw-bits", "16", "--bitrate", String(kbps), "--framesize", "20", "--serial", "1", `${d}/in.raw`, `${d}/enc.opus`],
      ["opusdec", "--quiet", "--rate", "8000", "--no-dither", `${d}/enc.opus`, `${d}/out.wav`],
    ],
  })),
  ...[[4, 8], [8, 15]].map(([quality, kbps]) => ({
    id: `speex-${kbps}`, family: "Speex", label: `Speex narrowband ${kbps} kbit/s (quality ${quality})`, kbps, tools: [["speexenc", "speex"], ["speexdec", "speex"]],
    steps: (d) => [
      ["speexenc", "--quiet", "-n", "--rate", "8000", "--le", "--16bit", "--quality", String(quality), `${d}/in.raw`, `${d}/enc.spx`],
      ["speexdec", "--quiet", `${d}/enc.spx`, `${d}/out.raw`],
    ],
  })),
  ...[3200, 1600].map((mode) => ({
    id: `codec2-${mode}`, family: "Codec 2", label: `Codec 2 ${mode} bit/s`, kbps: mode / 1000, tools: [["c2enc", "codec2"], ["c2dec", "codec2"]],
    steps: (d) => [["c2enc", String(mode), `${d}/in.raw`, `${d}/enc.c2`], ["c2dec", String(mode), `${d}/enc.c2`, `${d}/out.raw`]],
  })),
  // sox's amr-nb format encodes through libopencore-amrnb (-C: mode 0-7 = 4.75 … 12.2 kbit/s).
  ...[[7, 12.2], [2, 5.9]].map(([mode, kbps]) => ({
    id: `amr-nb-${kbps}`, family: "AMR-NB", label: `AMR-NB ${kbps} kbit/s (sox, opencore)`, kbps, tools: [SOX_HINT], format: "amr-nb",
    steps: (d) => [[...SOX, ...RAW8, `${d}/in.raw`, "-t", "amr-nb", "-C", String(mode), `${d}/enc.amr`], [...SOX, "-t", "amr-nb", `${d}/enc.amr`, ...RAW8, `${d}/out.raw`]],
  })),
  { id: "amr-wb", family: "AMR-WB", label: "AMR-WB", unavailable: "no encoder here: Debian's sox is built without AMR-WB encoding, its ffmpeg decodes AMR-WB only" },
  { id: "g729", family: "G.729", label: "G.729", unavailable: "no encoder in Debian (ffmpeg decodes G.729 only)" },
];

const onPath = new Map();
function hasCommand(command) {
  if (!onPath.has(command)) onPath.set(command, (process.env.PATH ?? "").split(":").some((dir) => dir && existsSync(join(dir, command))));
  return onPath.get(command);
}

/** null when the codec can run here, else why not (with the apt-get line). */
export function missingTools(codec) {
  if (codec.unavailable) return codec.unavailable;
  const missing = (codec.tools ?? []).filter(([command]) => !hasCommand(command));
  if (missing.length === 0 && codec.format && !soxFormats().includes(codec.format)) return `this sox cannot write ${codec.format} (apt-get install libsox-fmt-base libopencore-amrnb0)`;
  if (missing.length === 0) return null;
  return `${missing.map(([c]) => c).join(", ")} missing: apt-get install ${[...new Set(missing.map(([, p]) => p))].join(" ")}`;
}

let formats;
/** The file formats this sox knows (its -h list). */
function soxFormats() {
  formats ??= (spawnSync("sox", ["-h"], { encoding: "utf8" }).stdout ?? "").match(/AUDIO FILE FORMATS:(.*)/)?.[1].trim().split(/\s+/) ?? [];
  return formats;
}

function run(argv) {
  return new Promise((resolve, reject) => {
    execFile(argv[0], argv.slice(1), { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${argv[0]} failed: ${String(stderr || error.message).trim().split("\n").slice(-2).join(" ")}`));
      else resolve();
    });
  });
}

const bytesOf = (pcm) => new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength);

/** Short-time power envelope (1 ms frames) for the delay search. */
function envelope(pcm, frame = 8) {
  const out = new Float64Array(Math.floor(pcm.length / frame));
  for (let f = 0; f < out.length; f++) {
    let p = 0;
    for (let i = f * frame; i < (f + 1) * frame; i++) p += pcm[i] * pcm[i];
    out[f] = Math.sqrt(p / frame);
  }
  return out;
}

/** The output's delay against the input, in samples (1 ms resolution), 0 … MAX_DELAY_MS. */
export function measureDelay(input, output) {
  const a = envelope(input);
  const b = envelope(output);
  const n = Math.min(a.length, b.length) - MAX_DELAY_MS;
  let best = 0, bestScore = -Infinity;
  for (let lag = 0; lag <= MAX_DELAY_MS; lag++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += a[i] * b[i + lag];
    if (s > bestScore) { bestScore = s; best = lag; }
  }
  return best * 8;
}

/** The output shifted back by its delay, cut or zero-padded to the input's length. */
function aligned(output, delay, length) {
  const out = new Int16Array(length);
  out.set(output.subarray(delay, delay + length));
  return out;
}

/**
 * One round trip of 8 kHz 16-bit PCM through `codec`: { pcm (aligned, input length),
 * delaySamples, cached }. Throws with the coder's message when a coder fails.
 */
export async function roundTrip(codec, pcm) {
  if (codec.inProcess) return { pcm: codec.inProcess(pcm), delaySamples: 0, cached: false };
  const hash = createHash("sha256").update(bytesOf(pcm)).update(JSON.stringify(codec.steps("DIR"))).digest("hex").slice(0, 16);
  const cached = join(CACHE, `${codec.id}-${hash}.raw`);
  let output;
  let fromCache = false;
  if (existsSync(cached)) {
    const bytes = await readFile(cached);
    output = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 1);
    fromCache = true;
  } else {
    const dir = await mkdtemp(join(tmpdir(), `dtmf-codec-${codec.id}-`));
    try {
      await writeFile(`${dir}/in.raw`, bytesOf(pcm));
      for (const argv of codec.steps(dir)) await run(argv);
      if (existsSync(`${dir}/out.wav`)) {
        const wav = await readWav(`${dir}/out.wav`);
        if (wav.sampleRate !== 8000) throw new Error(`${codec.id}: decoder wrote ${wav.sampleRate} Hz, expected 8000`);
        output = wav.samples;
      } else {
        const bytes = await readFile(`${dir}/out.raw`);
        output = new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + (bytes.byteLength & ~1)));
      }
      await mkdir(CACHE, { recursive: true });
      await writeFile(`${cached}.part`, bytesOf(output));
      await rename(`${cached}.part`, cached);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const delaySamples = measureDelay(pcm, output);
  return { pcm: aligned(output, delaySamples, pcm.length), delaySamples, cached: fromCache };
}
