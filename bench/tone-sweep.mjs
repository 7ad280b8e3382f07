/**
 * Keys under a steady tone, dtmf-wasm alone (the interference part's dial-tone and 1 kHz
 * sweeps, same cases: bench/parts/interference.mjs), for quick A/B while tuning the tone
 * rules: `node bench/tone-sweep.mjs [--filter] [--only=1khz] [--reference [--rules '{"NAME":v}']]`
 * prints, per relative level, the share of keys found, and the false keys from the tone alone;
 * `--reference` runs the float64 reference (build/reference/) instead of the core, with rule
 * constants overridden by `--rules` (no rebuild).
 */
import { PlainDetector } from "../build/reference/reference/plain-detector.js";
import { loadDetectors } from "./lib/detectors.mjs";
import { runCases, rateOf } from "./lib/battery.mjs";

const ALL = "0123456789*#ABCD";
const leadOf = (seed) => 50 + seed * 1.37;
const steps = (a, b) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const filter = process.argv.includes("--filter");
const only = process.argv.find((a) => a.startsWith("--only="))?.slice(7);
const ours = (await loadDetectors()).find((d) => d.ours);
const ri = process.argv.indexOf("--rules");
const rules = ri >= 0 ? JSON.parse(process.argv[ri + 1]) : {};
/** The reference as a bench detector: 16-bit samples in, its presses as detections. */
const reference = {
  ...ours,
  detect: async (samples, o = {}) => {
    const plain = new PlainDetector(8000, { dialToneFilter: !!o.dialToneFilter }, { rules });
    const presses = [...plain.process(Float32Array.from(samples, (v) => v / 32768)), ...plain.flush()];
    return presses.map((p) => ({ digit: p.digit, startMs: p.startSample / 8, endMs: (p.startSample + p.durationSamples) / 8, keydownMs: p.keydownSample / 8, keyupMs: null }));
  },
};
const base = process.argv.includes("--reference") ? reference : ours;
const detector = filter ? { ...base, detect: (s, o) => base.detect(s, { ...o, dialToneFilter: true }) } : base;
const ctx = { detectors: [detector], quick: false, progress: { step() {}, note() {} }, detectSeconds: {} };
for (const [id, hzs, rel, alone] of [["dialtone", [350, 440], steps(-10, 20), [0, 10, 20]], ["1khz", [1000], steps(-10, 10), [0, 10]]]) {
  if (only && only !== id) continue;
  const tones = (r) => hzs.map((hz) => ({ hz, levelDbm0: -20 + r }));
  const cases = [];
  for (const r of rel) for (let seed = 1; seed <= 10; seed++) cases.push({ point: r, gen: { keys: ALL, toneMs: 60, gapMs: 60, leadMs: leadOf(seed), seed, levelDbm0: -20, interference: tones(r) } });
  for (const r of alone) cases.push({ point: `alone:${r}`, gen: { keys: [], leadMs: 60000, tailMs: 0, interference: tones(r), seed: 7 } });
  const { points } = await runCases(ctx, id, cases);
  const map = points[ours.id];
  const line = rel.map((r) => `${r}:${(100 * rateOf(map.get(r))).toFixed(1)}${map.get(r).extra ? `(+${map.get(r).extra})` : ""}`).join(" ");
  console.log(`${id}${filter ? " (filter)" : ""}: ${line}; alone false: ${alone.map((r) => `${r}dB:${map.get(`alone:${r}`).extra}`).join(" ")}`);
}
