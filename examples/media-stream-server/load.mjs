#!/usr/bin/env node
/**
 * Load test of the media-stream server: how many calls it handles at once, in real time, and
 * its CPU use. The server runs in its own process (server.mjs); this process plays the voice
 * platform (N WebSocket calls, each one 20 ms μ-law frame every 20 ms, paced by the clock so
 * the rate stays true) and the webhook receiver (counting the dtmf payloads).
 *
 *   node examples/media-stream-server/load.mjs [--calls 100,500,1000] [--seconds 10] [--no-webhook]
 *
 * With --no-webhook the server only detects and builds the payloads (counted in its /stats);
 * by default it also POSTs every payload to a webhook receiver in this process.
 * LOAD_NODE_ARGS="--cpu-prof --cpu-prof-dir=prof" passes options to the server's node (profiling).
 *
 * For each N it prints: the server's CPU use (% of one core, from process.cpuUsage() in the
 * server: all its CPU time from the first frame until the last payload is out, webhook POSTs
 * included, over the calls' duration), the CPU time per 20 ms frame, whether the server kept
 * up (frames processed per second, after a 1 s warm-up, against N × 50), how long after the
 * calls ended the last payload went out, and the keys detected against the keys sent.
 */
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { cpus } from "node:os";
import { encodeSamples, generateDtmf } from "../../dist/index.js";
import { FRAME_MS, PlatformCall } from "./client.mjs";

const args = process.argv.slice(2);
const arg = (name, fallback) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : fallback; };
const STEPS = arg("--calls", "100,500,1000").split(",").map(Number);
const SECONDS = Number(arg("--seconds", "10"));
const KEYS_PER_SECOND = 2; // one 100 ms key press every 500 ms
const WARMUP_MS = 1000;
const WEBHOOK = !args.includes("--no-webhook");

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** One call's audio: SECONDS of μ-law with a key press every 500 ms (different keys per variant). */
function callAudio(variant) {
  const keys = Array.from({ length: SECONDS * KEYS_PER_SECOND - 1 }, (_, i) => "0123456789*#ABCD"[(i + variant) % 16]).join("");
  const audio = generateDtmf({ keys, sampleRate: 8000, toneMs: 100, gapMs: 400, leadMs: 200, tailMs: 300, seed: variant + 1 });
  return { keys, bytes: encodeSamples(audio.samples, "mulaw") };
}

async function startWebhook() {
  const counts = { dtmf: 0, other: 0 };
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => { body += chunk; });
    request.on("end", () => {
      try { if (JSON.parse(body).event === "dtmf") counts.dtmf++; else counts.other++; } catch { counts.other++; }
      response.writeHead(204).end();
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { counts, url: `http://127.0.0.1:${server.address().port}/hook`, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}

async function startServer(webhookUrl) {
  const nodeArgs = process.env.LOAD_NODE_ARGS ? process.env.LOAD_NODE_ARGS.split(" ") : [];
  const serverArgs = ["--port", "0", "--quiet", ...(webhookUrl ? ["--webhook", webhookUrl] : [])];
  const child = spawn(process.execPath, [...nodeArgs, new URL("./server.mjs", import.meta.url).pathname, ...serverArgs], { stdio: ["ignore", "pipe", "inherit"] });
  const line = await new Promise((resolve, reject) => {
    child.stdout.once("data", (data) => resolve(String(data).split("\n")[0]));
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
  const { listening, stats } = JSON.parse(line);
  return { child, url: listening, stats: async () => (await fetch(stats)).json() };
}

async function step(server, webhook, calls) {
  const variants = Array.from({ length: 16 }, (_, v) => callAudio(v));
  const platforms = Array.from({ length: calls }, (_, i) => new PlatformCall(server.url, { callSid: `CA-load-${calls}-${i}`, audio: variants[i % 16].bytes }));
  for (let i = 0; i < platforms.length; i += 100) await Promise.all(platforms.slice(i, i + 100).map((p) => p.open()));
  const frames = platforms[0].frames;
  const expectedKeys = platforms.reduce((sum, _, i) => sum + variants[i % 16].keys.length, 0);
  webhook.counts.dtmf = 0;
  const stats0 = await server.stats();
  const presses0 = stats0.presses;
  const clientCpu0 = process.cpuUsage();
  const started = performance.now();
  let sent = 0, lateTicks = 0;
  let window0, window1;
  while (sent < frames) {
    const due = Math.min(frames, Math.floor((performance.now() - started) / FRAME_MS) + 1);
    if (due - sent > 2) lateTicks++;
    for (; sent < due; sent++) for (const p of platforms) p.sendFrame(sent);
    const elapsed = performance.now() - started;
    if (!window0 && elapsed >= WARMUP_MS) window0 = { at: performance.now(), stats: await server.stats(), sent };
    await sleep(Math.max(0, started + sent * FRAME_MS - performance.now()));
  }
  window1 = { at: performance.now(), stats: await server.stats(), sent };
  const streamedMs = window1.at - started;
  for (const p of platforms) p.sendStop();
  await Promise.all(platforms.map((p) => p.closed));
  const clientCpu = process.cpuUsage(clientCpu0);
  const wallMs = window1.at - window0.at;
  const framesProcessed = window1.stats.framesActive - window0.stats.framesActive;
  // Wait for the last presses and webhook deliveries (they trail the stop messages).
  const detected = async () => (WEBHOOK ? webhook.counts.dtmf : (await server.stats()).presses - presses0);
  let drainedAt = performance.now();
  for (let i = 0; i < 600 && (await detected()) < expectedKeys; i++) { await sleep(100); drainedAt = performance.now(); }
  const stats2 = await server.stats();
  const cpuUs = (stats2.cpuUserUs + stats2.cpuSystemUs) - (stats0.cpuUserUs + stats0.cpuSystemUs);
  const audioMs = frames * FRAME_MS;
  return {
    streamedMs, drainMs: drainedAt - window1.at,
    calls, seconds: SECONDS,
    serverCpuPct: (cpuUs / (audioMs * 1000)) * 100,
    cpuPerCallPct: (cpuUs / (audioMs * 1000)) * 100 / calls,
    usPerFrame: cpuUs / (frames * calls),
    keptUp: framesProcessed / ((wallMs / 1000) * calls * (1000 / FRAME_MS)),
    keysDetected: await detected(), keysSent: expectedKeys,
    clientCpuPct: ((clientCpu.user + clientCpu.system) / ((performance.now() - started) * 1000)) * 100,
    lateTicks, rssMB: window1.stats.rssBytes / 2 ** 20, engineMemoryKB: window1.stats.engineMemoryBytes / 1024,
  };
}

const webhook = await startWebhook();
const server = await startServer(WEBHOOK ? webhook.url : undefined);
console.log(`media-stream server load: ${STEPS.join(", ")} calls × ${SECONDS} s real time, ${WEBHOOK ? "every payload POSTed to a webhook" : "no webhook"}; Node ${process.version}; ${cpus().length} × ${cpus()[0].model}`);
console.log(`| calls at once | server CPU (% of one core) | per call | CPU µs per 20 ms frame | frames processed / real time | last payload after the calls ended | ${WEBHOOK ? "dtmf payloads POSTed" : "dtmf payloads"} / keys sent | server RSS | client CPU |`);
console.log("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
try {
  for (const calls of STEPS) {
    const r = await step(server, webhook, calls);
    console.log(`| ${r.calls} | ${r.serverCpuPct.toFixed(1)} % | ${r.cpuPerCallPct.toFixed(3)} % | ${r.usPerFrame.toFixed(1)} | ${(r.keptUp * 100).toFixed(1)} % | ${(r.drainMs / 1000).toFixed(1)} s | ${r.keysDetected} / ${r.keysSent} | ${r.rssMB.toFixed(0)} MB | ${r.clientCpuPct.toFixed(0)} %${r.lateTicks ? ` (${r.lateTicks} late ticks)` : ""} |`);
  }
} finally {
  server.child.kill("SIGTERM");
  await webhook.close();
}
