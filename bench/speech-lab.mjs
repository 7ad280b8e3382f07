/**
 * Quick measurement loop for the keys-over-sound work (issue #14): keys found over speech,
 * music and white noise (the cases of bench/parts/interference.mjs, scored per case) and false
 * keys on the talk-off corpora, with the float64 reference (default) or the WASM core.
 *
 *   node bench/speech-lab.mjs [speech,music,noise,talkoff,heldout] [--core [--pcm16]] [--rules '{"NAME":v}'] [--tuning '{"option":v}']
 *
 * Environment: RATIOS=20,15,10,8,5,3,0 scores those key-to-sound ratios (default speech 8,3,0,
 * music 8,5); EXTRAS=1 prints each false key of the speech and music parts with the nearest
 * true tone and the candidate's measures (the reference only).
 *
 * The reference takes rule overrides (--rules) without a rebuild; the figures of record are
 * `npm run bench -- --only interference|talkoff`. Needs `npm run build`.
 */
import { readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DtmfEngine, encodeSamples, generateDtmf } from "../dist/index.js";
import { PlainDetector } from "../build/reference/reference/plain-detector.js";
import { readWav } from "./lib/audio.mjs";
import { excerpt, mixKeys } from "./lib/mix.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const ALL = "0123456789*#ABCD";
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const parts = (args.find((a) => !a.startsWith("--") && a !== value("--rules") && a !== value("--tuning")) ?? "speech,music,noise,talkoff,heldout").split(",");
const rules = value("--rules") ? JSON.parse(value("--rules")) : {};
const useCore = flag("--core");
// --tuning '{"purityDb":-4}': detector options for the reference (src/options.ts DetectorTuning).
const tuning = value("--tuning") ? JSON.parse(value("--tuning")) : {};
const engine = useCore ? await DtmfEngine.create() : null;

/** Keydowns (digit, ms) of `samples` (float). */
function detect(samples) {
  const out = [];
  if (engine) {
    // --pcm16: 16-bit input, as the bench feeds the core (bench/lib/detectors.mjs).
    const pcm16 = flag("--pcm16");
    const input = pcm16 ? encodeSamples(samples, "pcm16") : samples;
    const d = engine.createDetector({ sampleRate: 8000, encoding: pcm16 ? "pcm16" : "float32" });
    for (let at = 0; at < input.length; at += 160) for (const e of d.process(input.subarray(at, at + 160))) if (e.type === "keydown") out.push({ digit: e.digit, ms: e.detectedMs });
    for (const e of d.flush()) if (e.type === "keydown") out.push({ digit: e.digit, ms: e.detectedMs });
    d.close();
    return out;
  }
  const d = new PlainDetector(8000, tuning, { rules, onConfirm: (c) => out.push({ digit: c.digit, ms: c.confirmSample / 8, c }) });
  d.process(flag("--pcm16") ? Float32Array.from(encodeSamples(samples, "pcm16"), (v) => v / 32768) : samples);
  d.flush();
  return out;
}

/** Hits and false keys against the true tones (a keydown between onset − 5 ms and the next onset + 60 ms). */
function score(samples, tones) {
  const found = detect(samples);
  const used = new Uint8Array(tones.length);
  let hit = 0, extra = 0;
  for (const f of found) {
    let j = -1;
    for (let i = 0; i < tones.length; i++) {
      const start = tones[i].startSample / 8, end = (i + 1 < tones.length ? tones[i + 1].startSample / 8 : Infinity) + 60;
      if (!used[i] && tones[i].digit === f.digit && f.ms >= start - 5 && f.ms < end) { j = i; break; }
    }
    if (j >= 0) { used[j] = 1; hit++; if (f.c?.stale) staleHits.push(f.c); if (f.c?.busyLine) busyHits.push(f.c); } else {
      extra++;
      if (process.env.EXTRAS) {
        const near = tones.reduce((b, t) => (Math.abs(t.startSample / 8 - f.ms) < Math.abs(b.startSample / 8 - f.ms) ? t : b));
        const c = f.c;
        console.log(`false ${f.digit} at ${f.ms.toFixed(1)} ms (nearest tone ${near.digit} at ${(near.startSample / 8).toFixed(1)}-${(near.startSample / 8 + near.durationSamples / 8).toFixed(1)} ms)${c ? ` ${c.stale ? "S" : ""}${c.busyLine ? "B" : ""} p${c.pressPurity.toFixed(2)} coh${c.coherence.toFixed(3)} wcoh${c.windowCoherence.toFixed(3)} st${c.steadiness.toFixed(3)} n${c.fullHops}` : ""}`);
      }
    }
  }
  return { hit, total: tones.length, extra };
}

const wavs = (dir, re) => (existsSync(dir) ? readdirSync(dir).filter((f) => re.test(f)).sort() : []);
const result = {};
const staleHits = [];
const busyHits = [];
const add = (part, point, s) => {
  const p = ((result[part] ??= {})[point] ??= { hit: 0, total: 0, extra: 0 });
  p.hit += s.hit; p.total += s.total; p.extra += s.extra;
};

if (parts.includes("speech") || parts.includes("music")) {
  const sets = [];
  if (parts.includes("speech")) {
    const files = [];
    for (const f of wavs(join(ROOT, "bench/work/talkoff"), /^speech-.*\.wav$/)) { const e = await excerpt(join(ROOT, "bench/work/talkoff", f), f, 40, 30); if (e) files.push(e); }
    for (const f of wavs(join(ROOT, "bench/work/interference"), /^speech-espeak-.*\.wav$/)) { const e = await excerpt(join(ROOT, "bench/work/interference", f), f, 60); if (e) files.push(e); }
    sets.push(["speech", files, 0, process.env.RATIOS ? process.env.RATIOS.split(",").map(Number) : [8, 3, 0]]);
  }
  if (parts.includes("music")) {
    const files = [];
    for (const f of wavs(join(ROOT, "bench/work/talkoff"), /^music-.*\.wav$/)) { const e = await excerpt(join(ROOT, "bench/work/talkoff", f), f, 20, "middle"); if (e) files.push(e); }
    sets.push(["music", files, 1000, process.env.RATIOS ? process.env.RATIOS.split(",").map(Number) : [8, 5]]);
  }
  for (const [name, files, base, ratios] of sets) {
    files.forEach((file, f) => { for (const r of ratios) { const m = mixKeys(file, f + base, r, -20); add(name, r, score(m.samples, m.tones)); } });
  }
}
if (parts.includes("noise")) {
  for (const snr of [10, 6, 3]) for (let seed = 1; seed <= 30; seed++) {
    const a = generateDtmf({ keys: ALL, toneMs: 60, gapMs: 80, leadMs: 50 + seed * 1.37, seed: 300 + seed, snrDb: snr, levelDbm0: -8 - (seed % 5) * 4, twistDb: (seed % 7) - 4 });
    add("noise", snr, score(a.samples, a.tones));
  }
}
for (const [part, dir] of [["talkoff", "bench/work/talkoff"], ["heldout", "bench/work/talkoff-heldout"]]) {
  if (!parts.includes(part)) continue;
  const where = [];
  let files = 0;
  for (const f of wavs(join(ROOT, dir), /\.wav$/)) {
    const wav = await readWav(join(ROOT, dir, f));
    if (wav.sampleRate !== 8000) continue;
    files++;
    for (const k of detect(Float32Array.from(wav.samples, (v) => v / 32768))) where.push(`${f}@${(k.ms / 1000).toFixed(1)}:${k.digit}${k.c ? `[${k.c.stale ? 'S' : ''}${k.c.busyLine ? 'B' : ''} p${k.c.pressPurity.toFixed(2)} e${k.c.lowErrorPct.toFixed(2)}/${k.c.highErrorPct.toFixed(2)} coh${k.c.coherence.toFixed(3)} st${k.c.steadiness.toFixed(3)} n${k.c.fullHops}]` : ''}`);
  }
  result[part] = { files, falseKeys: where.length, where };
}
for (const [part, r] of Object.entries(result)) {
  if ("falseKeys" in r) { console.log(`${part}: ${r.falseKeys} false keys (${r.files} files) ${r.where.join(" ")}`); continue; }
  console.log(`${part}: ${Object.entries(r).sort((a, b) => b[0] - a[0]).map(([p, s]) => `${p} dB ${(100 * s.hit / s.total).toFixed(1)} % (${s.hit}/${s.total}, ${s.extra} false)`).join("; ")}`);
}
if (process.env.STATS && staleHits.length) {
  const q = (xs, p) => { const v = [...xs].sort((a, b) => a - b); return v[Math.min(v.length - 1, Math.floor(p * v.length))].toFixed(3); };
  for (const k of ["pressPurity", "coherence", "steadiness", "fullHops"]) console.log(`stale hits ${k}: p1 ${q(staleHits.map((c) => c[k]), 0.01)} p5 ${q(staleHits.map((c) => c[k]), 0.05)} p10 ${q(staleHits.map((c) => c[k]), 0.1)} p50 ${q(staleHits.map((c) => c[k]), 0.5)} (n ${staleHits.length})`);
  for (const [name, f] of [["purity>=0.7", (c) => c.pressPurity >= 0.7], ["coh>=0.99", (c) => c.coherence >= 0.99], ["st>=0.99", (c) => c.steadiness >= 0.99], ["purity>=0.5", (c) => c.pressPurity >= 0.5]]) console.log(`  ${name}: ${staleHits.filter(f).length}`);
}
if (process.env.STATS && busyHits.length) {
  // The busy line's true keys by full hops: how far above its limits they sit (issue #14).
  const q = (xs, p) => { const v = [...xs].sort((a, b) => a - b); return v[Math.min(v.length - 1, Math.floor(p * v.length))].toFixed(3); };
  for (const n of [...new Set(busyHits.map((c) => Math.min(c.fullHops, 6)))].sort()) {
    const hits = busyHits.filter((c) => Math.min(c.fullHops, 6) === n);
    for (const k of ["pressPurity", "windowCoherence", "coherence", "steadiness"]) console.log(`busy-line hits, ${n}${n === 6 ? "+" : ""} full hops, ${k}: p1 ${q(hits.map((c) => c[k]), 0.01)} p5 ${q(hits.map((c) => c[k]), 0.05)} p10 ${q(hits.map((c) => c[k]), 0.1)} p50 ${q(hits.map((c) => c[k]), 0.5)} (n ${hits.length})`);
  }
}
