/**
 * Why keys over speech/music are missed: for each missed key of the speech-lab cases, the
 * reference's story during the tone (window tests failing, stale, candidate never confirmed).
 *   node bench/speech-why.mjs [speech|music] [ratio] [--rules '{...}']
 * DUMP=hops|freq|busy prints the hops of the first four keys missed so; ONLY=file:digit:seconds those keys.
 * A candidate the busy line refused is counted by the busy line's own verdict (busy: coherence,
 * the window coherence; busy: steadiness); VALUES=1 adds the two measures of each.
 */
import { readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PlainDetector } from "../build/reference/reference/plain-detector.js";
import { excerpt, mixKeys } from "./lib/mix.mjs";
import { BUSY_MIN_FULL_HOPS as BUSY_HOPS } from "../build/reference/assembly/rules.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const ALL = "0123456789*#ABCD";
const args = process.argv.slice(2);
const ri = args.indexOf("--rules");
const rules = ri >= 0 ? JSON.parse(args[ri + 1]) : {};
const pos = args.filter((a, i) => !a.startsWith("--") && (ri < 0 || i !== ri + 1));
const which = pos[0] ?? "speech", ratio = Number(pos[1] ?? 3);
const wavs = (dir, re) => (existsSync(dir) ? readdirSync(dir).filter((f) => re.test(f)).sort() : []);
const files = [];
if (which === "speech") {
  for (const f of wavs(join(ROOT, "bench/work/talkoff"), /^speech-.*\.wav$/)) { const e = await excerpt(join(ROOT, "bench/work/talkoff", f), f, 40, 30); if (e) files.push(e); }
  for (const f of wavs(join(ROOT, "bench/work/interference"), /^speech-espeak-.*\.wav$/)) { const e = await excerpt(join(ROOT, "bench/work/interference", f), f, 60); if (e) files.push(e); }
} else if (which === "noise") {
  const { generateDtmf } = await import("../dist/index.js");
  for (let seed = 1; seed <= 30; seed++) {
    const a = generateDtmf({ keys: "0123456789*#ABCD", toneMs: 60, gapMs: 80, leadMs: 50 + seed * 1.37, seed: 300 + seed, snrDb: ratio, levelDbm0: -8 - (seed % 5) * 4, twistDb: (seed % 7) - 4 });
    files.push({ name: `noise seed ${seed}`, mix: { samples: a.samples, tones: a.tones } });
  }
} else {
  for (const f of wavs(join(ROOT, "bench/work/talkoff"), /^music-.*\.wav$/)) { const e = await excerpt(join(ROOT, "bench/work/talkoff", f), f, 20, "middle"); if (e) files.push(e); }
}
const tally = {};
const bump = (k) => { tally[k] = (tally[k] ?? 0) + 1; };
const hopTests = {};
let total = 0, missed = 0, dumped = 0;
files.forEach((file, f) => {
  const m = file.mix ?? mixKeys(file, f + (which === "music" ? 1000 : 0), ratio, -20);
  const log = [];
  const found = [];
  const d = new PlainDetector(8000, {}, { rules, onConfirm: (c) => found.push(c) });
  const classify = d.classify.bind(d);
  d.classify = (totalPower) => {
    const hit = classify(totalPower);
    const P = d.power;
    log.push({ t: d.hopStart, hit, P: Float64Array.from(P), total: totalPower, state0: d.state });
    return hit;
  };
  const start = d.startCandidate.bind(d);
  d.startCandidate = (key) => { start(key); log.at(-1).start = { key, ok: d.state !== 0, late: d.late }; };
  const accepted = d.toneAccepted.bind(d);
  d.toneAccepted = () => {
    d.busyRejection = "";
    const ok = accepted();
    const rowErr = d.errorHz(d.zr), colErr = d.errorHz(d.zc);
    const tone = d.powR / d.offsetLoss(rowErr) + d.powC / d.offsetLoss(colErr);
    const meas = { ...d.busyLineMeasures(), windowCoherence: d.windowCoherence(), busy: d.busyRejection };
    log.at(-1).acc = { ok, purity: tone / d.pressTotal, hops: d.fullHops, pairs: d.pairs, rowPct: 100 * rowErr / [697, 770, 852, 941][d.key >> 2], colPct: 100 * colErr / [1209, 1336, 1477, 1633][d.key & 3], ...meas, late: d.late, stale: d.stale, masked: d.masked, dur: d.toneEnd - d.onset };
    return ok;
  };
  d.process(m.samples);
  d.flush();
  for (const t of m.tones) {
    total++;
    const k = "123A456B789C*0#D".indexOf(t.digit);
    const s = t.startSample, e = t.startSample + t.durationSamples;
    if (found.some((c) => c.digit === t.digit && c.confirmSample >= s && c.confirmSample < e + 600)) continue;
    missed++;
    const during = log.filter((h) => h.t >= s - 51 && h.t < e);
    const hits = during.filter((h) => h.hit === k);
    if (hits.length === 0) {
      // which window test fails for the true key (first failing, reference order)
      const r = k >> 2, c = 4 + (k & 3);
      let best = "none";
      const full = during.filter((h) => h.t >= s + 51 && h.t + 51 <= e);
      const reasons = new Set();
      for (const h of full) {
        const P = h.P;
        const why = [];
        let row = 0, col = 4;
        for (let i = 1; i < 4; i++) if (P[i] > P[row]) row = i;
        for (let i = 5; i < 8; i++) if (P[i] > P[col]) col = i;
        if (row !== r || col !== c) why.push("notmax");
        if (P[r] + P[c] < 10 ** (-0.22) * h.total) why.push("purity");
        const tw = P[c] / P[r];
        if (tw < 0.1 || tw > 10 ** 0.6) why.push("twist");
        const sec = (lo, hi, self) => { let m2 = 0; for (let i = lo; i < hi; i++) if (i !== self) m2 = Math.max(m2, P[i]); return m2; };
        if (sec(0, 4, r) > 10 ** -0.8 * P[r] || sec(4, 8, c) > 10 ** -0.8 * P[c]) why.push("peak");
        const key = why.join("+") || "passes-here(leak)";
        reasons.add(key);
        hopTests[key] = (hopTests[key] ?? 0) + 1;
      }
      const least = [...reasons].sort((a, b) => a.split("+").length - b.split("+").length)[0] ?? "no full hop";
      bump(`no window; best hop fails: ${least}`);
      continue;
    }
    const starts = during.filter((h) => h.start && h.start.key === k);
    if (starts.length && starts.every((h) => !h.start.ok)) {
      const h0 = starts[0];
      const late = Math.floor((h0.t - s) / 51);
      bump(`stale: first window ${late < 0 ? "<0" : late > 6 ? ">6" : late} hops after onset`);
      continue;
    }
    const accs = during.filter((h) => h.acc).map((h) => h.acc);
    if (accs.length) {
      const a = accs.reduce((x, y) => (y.hops >= x.hops ? y : x));
      // The busy line's own verdict where it ran (coherence: the window coherence, assembly/tones.ts windowCoherence).
      const why = a.late ? "late" : a.busy === "coherence" || a.busy === "steadiness" ? `busy: ${a.busy}` : a.purity < 0.3 ? "purity < 0.3" : a.hops < BUSY_HOPS ? `hops < ${BUSY_HOPS}` : "freq";
      bump(`unconfirmed: ${why}`);
      if (process.env.FLAGS) bump(`  ${why} [${a.stale ? "stale" : a.masked ? "masked" : "plain"}${a.purity >= 0.8 ? " p>=0.8" : a.purity >= 0.7 ? " p>=0.7" : ""}]`);
      if (process.env.VALUES && why.startsWith("busy")) bump(`  ${why} (window coherence ${(Math.floor(a.windowCoherence * 100) / 100).toFixed(2)}, steadiness ${(Math.floor(a.steadiness * 100) / 100).toFixed(2)})`);
      // ONLY=file:digit:seconds[,…] dumps those keys instead (e.g. ONLY=speech-espeak-en-us-f3.wav:5:2.40).
      const only = process.env.ONLY?.split(",").includes(`${file.name}:${t.digit}:${(s / 8000).toFixed(2)}`);
      if (process.env.ONLY ? only : process.env.DUMP === why.slice(0, 4) && dumped++ < 4) {
        console.log(`-- ${file.name} key ${t.digit} at ${(s / 8000).toFixed(2)} s, ${(t.durationSamples / 8).toFixed(0)} ms`);
        const r = k >> 2, c = 4 + (k & 3);
        for (const h of log.filter((h) => h.t >= s - 51 * 6 && h.t < e + 51 * 2)) {
          const P = h.P;
          const db = (x) => (10 * Math.log10(x + 1e-12)).toFixed(0).padStart(4);
          console.log(`   ${((h.t - s) / 51).toFixed(1).padStart(5)} hit ${String(h.hit).padStart(2)} st${h.state0} rows ${[0, 1, 2, 3].map((i) => db(P[i])).join("")} | cols ${[4, 5, 6, 7].map((i) => db(P[i])).join("")} | pur ${((P[r] + P[c]) / h.total).toFixed(2)}${h.start ? ` START ok=${h.start.ok}` : ""}${h.acc ? ` acc hops ${h.acc.hops} pur ${h.acc.purity.toFixed(2)} coh ${h.acc.coherence.toFixed(3)} wcoh ${h.acc.windowCoherence.toFixed(3)} st ${h.acc.steadiness.toFixed(3)} err ${h.acc.rowPct.toFixed(2)}/${h.acc.colPct.toFixed(2)}` : ""}`);
        }
      }
      continue;
    }
    bump(starts.length ? "candidate, no accept call" : "hit but no candidate start (tracking other key?)");
  }
});
console.log(`${which} ${ratio} dB: ${missed} missed of ${total}`);
for (const [k, v] of Object.entries(tally).sort((a, b) => b[1] - a[1])) console.log(`  ${v}  ${k}`);
console.log("full hops failing (no-window keys), by test combination:");
for (const [k, v] of Object.entries(hopTests).sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`  ${v}  ${k}`);
