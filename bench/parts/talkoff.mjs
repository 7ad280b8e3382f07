/**
 * Talk-off: false keys on real speech and music that hold no DTMF. The full run uses the
 * corpus that scripts/talkoff-corpus.sh builds from Debian packages into bench/work/talkoff/
 * (≥ 1 h of each kind; the script is run when the corpus is missing, and the part is skipped
 * with its install hint when packages are missing). --quick uses the small committed excerpts
 * in audio-fixtures/talkoff/ instead, --heldout the music of bench/work/talkoff-heldout/
 * (scripts/talkoff-corpus.sh heldout: packages the thresholds were never chosen on).
 */
import { spawn } from "node:child_process";
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readWav } from "../lib/audio.mjs";
import { FRAME } from "../lib/battery.mjs";
import { round } from "../lib/stats.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CORPUS = join(ROOT, "bench/work/talkoff");
const FIXTURES = join(ROOT, "audio-fixtures/talkoff");
const HELDOUT = join(ROOT, "bench/work/talkoff-heldout");

/** Runs scripts/talkoff-corpus.sh bench; resolves { code, tail } (its last stderr lines). */
function buildCorpus(ctx) {
  return new Promise((resolve) => {
    const child = spawn("bash", [join(ROOT, "scripts/talkoff-corpus.sh"), "bench"], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
    const lines = [];
    let rest = "";
    child.stderr.on("data", (chunk) => {
      const text = rest + chunk;
      const parts = text.split("\n");
      rest = parts.pop();
      for (const line of parts) { lines.push(line); ctx.progress.step(`building the corpus: ${line.slice(0, 100)}`); }
    });
    child.on("error", (error) => resolve({ code: -1, tail: String(error.message) }));
    child.on("close", (code) => resolve({ code, tail: [...lines, rest].filter(Boolean).slice(-4).join(" ") }));
  });
}

async function corpusFiles(ctx) {
  if (ctx.heldout) {
    const files = (await readdir(HELDOUT).catch(() => [])).filter((f) => f.endsWith(".wav")).sort();
    if (files.length === 0) return { skipped: "no held-out music in bench/work/talkoff-heldout: run bash scripts/talkoff-corpus.sh heldout" };
    return { source: "bench/work/talkoff-heldout (scripts/talkoff-corpus.sh heldout: music never used to choose thresholds)", files: files.map((f) => ({ path: join(HELDOUT, f), file: f, kind: "music" })) };
  }
  if (ctx.quick) {
    const files = (await readdir(FIXTURES).catch(() => [])).filter((f) => f.endsWith(".wav")).sort();
    return { source: "audio-fixtures/talkoff (committed excerpts; the full run uses the ≥ 1 h corpus)", files: files.map((f) => ({ path: join(FIXTURES, f), file: f, kind: f.startsWith("music") ? "music" : "speech" })) };
  }
  const manifestPath = join(CORPUS, "manifest.json");
  let manifest = await readFile(manifestPath, "utf8").then(JSON.parse).catch(() => null);
  if (!manifest) {
    ctx.progress.note("bench/work/talkoff/manifest.json is missing: running scripts/talkoff-corpus.sh bench (once; minutes)");
    const t0 = performance.now();
    const built = await buildCorpus(ctx);
    if (built.code === 3) return { skipped: `talk-off corpus not built, packages missing: ${built.tail}` };
    if (built.code !== 0) return { skipped: `scripts/talkoff-corpus.sh bench failed (exit ${built.code}): ${built.tail}` };
    ctx.progress.note(`corpus built in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    manifest = await readFile(manifestPath, "utf8").then(JSON.parse).catch(() => null);
    if (!manifest) return { skipped: "scripts/talkoff-corpus.sh bench wrote no manifest.json" };
  }
  const entries = Array.isArray(manifest) ? manifest : manifest.files ?? [];
  return { source: "bench/work/talkoff (scripts/talkoff-corpus.sh bench, from Debian packages)", files: entries.map((e) => ({ path: join(CORPUS, e.file), file: e.file, kind: e.kind, package: e.package })) };
}

export async function runTalkoff(ctx) {
  const corpus = await corpusFiles(ctx);
  if (corpus.skipped) {
    ctx.progress.note(`talk-off skipped: ${corpus.skipped}`);
    return { skipped: corpus.skipped };
  }
  const detectors = ctx.detectors.filter((d) => d.available.ok);
  const seconds = { speech: 0, music: 0 };
  const counts = Object.fromEntries(detectors.map((d) => [d.id, { speech: 0, music: 0, examples: [] }]));
  const errors = {};
  for (const entry of corpus.files) {
    const wav = await readWav(entry.path);
    if (wav.sampleRate !== 8000) { ctx.progress.note(`${entry.file}: ${wav.sampleRate} Hz, skipped (the peers take 8 kHz only)`); continue; }
    const kind = entry.kind === "music" ? "music" : "speech";
    seconds[kind] += wav.samples.length / 8000;
    for (const d of detectors) {
      if (errors[d.id]) continue;
      ctx.progress.step(`${entry.file} (${kind}, ${(wav.samples.length / 8000).toFixed(0)} s): ${d.name}`);
      try {
        const detections = await d.detect(wav.samples, { frameSize: FRAME });
        counts[d.id][kind] += detections.length;
        for (const x of detections) if (counts[d.id].examples.length < 25) counts[d.id].examples.push({ file: entry.file, digit: x.digit, atMs: round(x.keydownMs, 1) });
      } catch (error) {
        errors[d.id] = String(error.message || error).split("\n")[0];
        ctx.progress.note(`${d.name} failed: ${errors[d.id]}`);
      }
    }
  }
  const result = { source: corpus.source, files: corpus.files.length, seconds: { speech: round(seconds.speech, 0), music: round(seconds.music, 0) }, requirement: "no false keys on speech and music (target: 0 per hour)", detectors: {}, errors };
  for (const d of detectors) {
    if (errors[d.id]) continue;
    const c = counts[d.id];
    const perHour = (kind) => (seconds[kind] > 0 ? round((c[kind] * 3600) / seconds[kind], 1) : null);
    result.detectors[d.id] = { speech: c.speech, music: c.music, speechPerHour: perHour("speech"), musicPerHour: perHour("music"), pass: c.speech === 0 && c.music === 0, examples: c.examples };
    ctx.progress.note(`talk-off ${d.id}: ${c.speech} false key(s) in ${(seconds.speech / 60).toFixed(0)} min of speech, ${c.music} in ${(seconds.music / 60).toFixed(0)} min of music`);
  }
  return result;
}
