#!/usr/bin/env node
/**
 * Measures the AudioWorklet detector in headless chromium (Debian's /usr/bin/chromium, driven
 * by playwright-core):
 *  - keydown latency in media time at 44.1 and 48 kHz: from the tone's true onset (the
 *    generator's) to the sample at which the key was confirmed, and to the end of the render
 *    quantum in which the event was posted to the main thread;
 *  - the audio thread's cost: an OfflineAudioContext renders 120 s of audio through the
 *    worklet and, for comparison, without it; the difference per second of audio is the
 *    worklet's share of one core in real time.
 *
 *   npm run build && node examples/browser/latency.mjs [--keys 200]
 */
import { chromium } from "playwright-core";
import { startDemoServer } from "../../scripts/serve-demo.mjs";

const args = process.argv.slice(2);
const KEY_COUNT = Number(args[args.indexOf("--keys") + 1] || 200);
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

const server = await startDemoServer({ port: 0 });
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage();
await page.goto(server.url);
await page.waitForSelector("html[data-ready=true]");

// The page code is a string so that it is sent as written (module imports resolved by the page).
const measure = (rate, keyCount) => page.evaluate(`(async () => {
  const { createDtmfWorkletNode } = await import("/dist/worklet/index.js");
  const { compileCore } = await import("/dist/wasm.js");
  const { generateDtmf } = await import("/dist/generator.js");
  const rate = ${rate};
  const keys = Array.from({ length: ${keyCount} }, (_, i) => "0123456789*#ABCD"[i % 16]).join("");
  // Tones of 40-120 ms at −5 … −25 dBm0, gaps of 60-140 ms, light noise: varied onsets within the render quanta.
  const specs = [...keys].map((digit, i) => ({ digit, durationMs: 40 + (i * 37) % 81, gapMs: 60 + (i * 53) % 81, levelDbm0: -5 - (i * 7) % 21 }));
  const audio = generateDtmf({ keys: specs, sampleRate: rate, snrDb: 30, seed: 9 });
  const module = await compileCore();
  const context = new OfflineAudioContext(1, audio.samples.length + rate / 5, rate);
  const buffer = context.createBuffer(1, audio.samples.length, rate);
  buffer.copyToChannel(audio.samples, 0);
  const keydowns = [];
  const dtmf = await createDtmfWorkletNode(context, { wasm: module, onEvent: (e, posted) => { if (e.type === "keydown") keydowns.push({ e, posted: posted.positionSamples }); } });
  const source = new AudioBufferSourceNode(context, { buffer });
  source.connect(dtmf.node);
  source.start();
  await context.startRendering();
  await dtmf.flush();
  const ms = (samples) => (samples * 1000) / rate;
  const detected = [], posted = [];
  let matched = 0;
  for (const tone of audio.tones) {
    const k = keydowns.find((x) => x.e.digit === tone.digit && Math.abs(x.e.startSample - tone.startSample) < rate * 0.03);
    if (!k) continue;
    matched++;
    detected.push(ms(k.e.detectedSample - tone.startSample));
    posted.push(ms(k.posted - tone.startSample));
  }
  const stats = (values) => {
    const s = [...values].sort((a, b) => a - b);
    const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
    return { median: q(0.5), p95: q(0.95), max: s[s.length - 1] };
  };
  return { rate, tones: audio.tones.length, keydowns: keydowns.length, matched, detected: stats(detected), posted: stats(posted) };
})()`);

const cost = (rate, seconds) => page.evaluate(`(async () => {
  const { createDtmfWorkletNode } = await import("/dist/worklet/index.js");
  const { compileCore } = await import("/dist/wasm.js");
  const rate = ${rate}, seconds = ${seconds};
  const module = await compileCore();
  const render = async (withWorklet) => {
    const context = new OfflineAudioContext(1, rate * seconds, rate);
    const osc = new OscillatorNode(context, { frequency: 697 });
    const osc2 = new OscillatorNode(context, { frequency: 1209 });
    const gain = new GainNode(context, { gain: 0.2 });
    osc.connect(gain); osc2.connect(gain);
    if (withWorklet) {
      const dtmf = await createDtmfWorkletNode(context, { wasm: module });
      gain.connect(dtmf.node);
      await dtmf.ready.catch(() => undefined);
    } else {
      gain.connect(context.destination);
    }
    osc.start(); osc2.start();
    const t0 = performance.now();
    await context.startRendering();
    return performance.now() - t0;
  };
  await render(true); // warm-up (compilation of the worklet module and the WASM tier-up)
  const runs = [];
  for (let i = 0; i < 5; i++) runs.push({ plain: await render(false), worklet: await render(true) });
  const best = (key) => Math.min(...runs.map((r) => r[key]));
  return { rate, seconds, plainMs: best("plain"), workletMs: best("worklet") };
})()`);

console.log(`AudioWorklet detector in ${await browser.version()} (headless), Node ${process.version}; ${KEY_COUNT} key presses per rate`);
console.log("| context rate | keys detected | keydown latency, confirmed (median / p95 / max) | … posted to the main thread (median / p95 / max) |");
console.log("|---:|---:|---:|---:|");
for (const rate of [44100, 48000]) {
  const r = await measure(rate, KEY_COUNT);
  const f = (s) => `${s.median.toFixed(1)} / ${s.p95.toFixed(1)} / ${s.max.toFixed(1)} ms`;
  console.log(`| ${rate} Hz | ${r.matched} / ${r.tones} | ${f(r.detected)} | ${f(r.posted)} |`);
}
console.log("");
console.log("| context rate | 120 s rendered without / with the worklet (best of 5) | worklet cost per second of audio | share of one core in real time |");
console.log("|---:|---:|---:|---:|");
for (const rate of [44100, 48000]) {
  const c = await cost(rate, 120);
  const perSecond = (c.workletMs - c.plainMs) / c.seconds;
  console.log(`| ${rate} Hz | ${c.plainMs.toFixed(0)} / ${c.workletMs.toFixed(0)} ms | ${perSecond.toFixed(2)} ms | ${(perSecond / 10).toFixed(2)} % |`);
}
await browser.close();
await server.close();
