#!/usr/bin/env node
/**
 * Load generator for `dtmf-wasm serve`: N concurrent calls per protocol, in real time (one
 * 20 ms frame per call every 20 ms), speech with a 100 ms key every 2 s on every call, on
 * 127.0.0.1, for a bounded duration. The server runs as `dtmf-wasm serve` in its own process
 * (webhook on, to a receiver in this process); this process plays the platforms and takes
 * the webhook POSTs. Reports per protocol and call count: whether every key was reported
 * (dtmf payloads / keys sent), latency from the end of a key's last frame being sent to its
 * dtmf payload arriving at the webhook (p50 / p99; it includes the 30 ms the detector waits
 * to know a press has ended), the generator's own lag behind real time (a run only counts as
 * real time when it stays small), server CPU (% of one core over the run) and server memory
 * per call (RSS during the run minus idle, over the calls).
 *
 *   npm run build && node bench/serve-load.mjs --protocols twilio,vonage,audiosocket,rtp --calls 100,500 --seconds 20
 *
 * Options: --protocols LIST (twilio, vonage, jambonz, audio_fork, audiosocket, rtp), --calls LIST,
 * --seconds S (audio per call, 4-120), --webhook-concurrency N (the server's, default 64),
 * --flat-out (recordings streamed as fast as the server takes them: media seconds per server
 * CPU-second, i.e. real-time calls per core on CPU time; not RTP), --json FILE (results),
 * --workers N (the server's --workers; CPU and memory are then the primary's and all workers'
 * summed from /proc), --server-dir DIR (run the `dtmf-wasm serve` of another build, e.g. an
 * older commit's, for a before/after in the same conditions), --server-node-flags "…" (node
 * flags for the server process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"), --server-args "…"
 * (more `dtmf-wasm serve` flags, e.g. "--outbox-dir /tmp/outbox").
 */
import { spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { createInterface } from "node:readline";
import wavefile from "wavefile";
import WebSocket from "ws";
import { encodeSamples, generateDtmf } from "../dist/index.js";

const FRAME_MS = 20;
const KEY_EVERY_MS = 2000;
const TONE_MS = 100;
const KEYS = "0123456789*#";
const ALL = ["twilio", "vonage", "jambonz", "audio_fork", "audiosocket", "rtp"];

function args(argv) {
  const o = { protocols: ["twilio", "vonage", "audiosocket", "rtp"], calls: [100], seconds: 20, webhook: true, json: undefined, concurrency: 64 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => argv[++i];
    if (a === "--protocols") o.protocols = v().split(",");
    else if (a === "--calls") o.calls = v().split(",").map(Number);
    else if (a === "--seconds") o.seconds = Number(v());
    else if (a === "--json") o.json = v();
    else if (a === "--webhook-concurrency") o.concurrency = Number(v());
    else if (a === "--flat-out") o.flatOut = true;
    else if (a === "--workers") o.workers = Number(v());
    else if (a === "--server-dir") o.serverDir = v();
    else if (a === "--server-node-flags") o.serverNodeFlags = v().split(" ").filter(Boolean);
    else if (a === "--server-args") o.serverArgs = v().split(" ").filter(Boolean);
    else throw new Error(`unknown option ${a}`);
  }
  if (o.protocols.some((p) => !ALL.includes(p))) throw new Error(`--protocols: from ${ALL.join(", ")}`);
  if (!(o.seconds >= 4 && o.seconds <= 120)) throw new Error("--seconds: 4 to 120");
  if (o.calls.some((n) => !Number.isInteger(n) || n < 1 || n > 20000)) throw new Error("--calls: integers 1 to 20000");
  return o;
}

/** The audio every call plays: speech at 8 kHz with a 100 ms key every 2 s (the first at 1 s). */
function callAudio(seconds) {
  const wav = new wavefile.WaveFile(readFileSync(new URL("../audio-fixtures/talkoff/speech-fr.wav", import.meta.url)));
  const speech = Float32Array.from(wav.getSamples(false, Int16Array), (v) => v / 32768);
  const count = Math.floor((seconds * 1000 - 1000) / KEY_EVERY_MS);
  const keys = Array.from({ length: count }, (_, k) => ({ digit: KEYS[k % KEYS.length], durationMs: TONE_MS, gapMs: KEY_EVERY_MS - TONE_MS }));
  const gen = generateDtmf({ keys, leadMs: 1000, tailMs: seconds * 1000 - 1000 - count * KEY_EVERY_MS + KEY_EVERY_MS - TONE_MS });
  const samples = gen.samples;
  for (let n = 0; n < samples.length; n++) samples[n] += 0.3 * speech[n % speech.length];
  const frameSamples = 160;
  const frames = Math.floor(samples.length / frameSamples);
  const keyEndFrames = gen.tones.map((t) => Math.ceil((t.startSample + t.durationSamples) / frameSamples) - 1);
  const mulaw = encodeSamples(samples, "mulaw");
  const pcm = encodeSamples(samples, "pcm16");
  // Every call plays the same audio: each frame's bytes and base64 are made once.
  const b64 = Array.from({ length: frames }, (_, k) => Buffer.from(mulaw.buffer, mulaw.byteOffset + k * 160, 160).toString("base64"));
  const pcmFrames = Array.from({ length: frames }, (_, k) => Buffer.from(pcm.buffer, pcm.byteOffset + k * 320, 320));
  const asFrames = pcmFrames.map((f) => Buffer.concat([Buffer.from([0x10, 0x01, 0x40]), f]));
  return { mulaw, b64, pcmFrames, asFrames, frames, keyEndFrames, keys: gen.tones.map((t) => t.digit) };
}

async function startServe(webhookUrl, concurrency) {
  const flags = [`${o.serverDir ?? "."}/dist/cli/main.js`, "serve", ...(o.workers ? ["--workers", String(o.workers)] : []), "--port", "0", "--audiosocket-port", "0", "--rtp-port", "0", "--rtp-idle-ms", "1000", "--max-calls", "100000"];
  if (webhookUrl) flags.push("--webhook", webhookUrl, "--webhook-concurrency", String(concurrency));
  flags.push(...(o.serverArgs ?? []));
  const child = spawn(process.execPath, [...(o.serverNodeFlags ?? []), ...flags], { stdio: ["ignore", "ignore", "pipe"] });
  serverPid = child.pid;
  const lines = createInterface({ input: child.stderr });
  const listening = await new Promise((resolve, reject) => {
    let workersListening = 0;
    lines.on("line", (line) => { try { const r = JSON.parse(line); if (r.msg === "listening" && ++workersListening >= (o.workers || 1)) resolve(r); } catch { /* not JSON */ } });
    child.once("exit", (code) => reject(new Error(`serve exited with ${code}`)));
  });
  return { child, listening };
}

/** CPU (µs) and RSS (bytes) of process `pid` and its children, from /proc (Linux); undefined elsewhere. */
function treeUsage(pid) {
  try {
    let cpuTicks = 0, rssPages = 0;
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      let stat;
      try { stat = readFileSync(`/proc/${entry}/stat`, "utf8"); } catch { continue; }
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(entry) !== pid && Number(f[1]) !== pid) continue;
      cpuTicks += Number(f[11]) + Number(f[12]);
      rssPages += Number(f[21]);
    }
    return { cpuUs: (cpuTicks / CLOCK_TICKS) * 1e6, rssBytes: rssPages * PAGE_BYTES };
  } catch { return undefined; }
}
/** Linux's USER_HZ and page size on x86-64 / arm64. */
const CLOCK_TICKS = 100, PAGE_BYTES = 4096;

let serverPid;
async function stats(http) {
  const st = await (await fetch(`${http}/stats`)).json();
  const tree = o.workers && serverPid ? treeUsage(serverPid) : undefined;
  if (tree) { st.cpuUserUs = tree.cpuUs; st.cpuSystemUs = 0; st.rssBytes = tree.rssBytes; }
  return st;
}

/** One call of `protocol`: open(), frame(k), close(). */
function makeCall(protocol, id, audio, target) {
  if (protocol === "audiosocket") {
    let socket;
    return {
      async open() {
        socket = connect(target.audiosocketPort, "127.0.0.1");
        await new Promise((r) => socket.once("connect", r));
        const u = Buffer.alloc(19); u[0] = 1; u.writeUInt16BE(16, 1); Buffer.from(id.replace(/-/g, ""), "hex").copy(u, 3);
        socket.write(u);
      },
      frame(k) { socket.write(audio.asFrames[k]); },
      pressure() { return socket.writableLength > PRESSURE_BYTES; },
      close() { socket.end(Buffer.from([0, 0, 0])); },
    };
  }
  if (protocol === "rtp") {
    let udp;
    return {
      async open() { udp = createSocket("udp4"); await new Promise((r) => udp.bind(0, "127.0.0.1", r)); target.rtpIds?.set(id, udp.address().port); },
      frame(k) {
        const b = Buffer.alloc(172); b[0] = 0x80; b[1] = 0; b.writeUInt16BE(k & 0xffff, 2); b.writeUInt32BE((k * 160) >>> 0, 4); b.writeUInt32BE(0xabc, 8);
        Buffer.from(audio.mulaw.buffer, audio.mulaw.byteOffset + k * 160, 160).copy(b, 12);
        udp.send(b, target.rtpPort, "127.0.0.1");
      },
      close() { setTimeout(() => udp.close(), 100); },
    };
  }
  let ws;
  const path = { twilio: "/twilio", vonage: "/vonage", jambonz: "/jambonz", audio_fork: "/audio_fork" }[protocol];
  return {
    async open() {
      ws = new WebSocket(`${target.url}${path}`, { perMessageDeflate: false });
      await new Promise((resolve, reject) => { ws.once("open", resolve); ws.once("error", reject); });
      if (protocol === "twilio") {
        ws.send(JSON.stringify({ event: "connected", protocol: "Call", version: "1.0.0" }));
        ws.send(JSON.stringify({ event: "start", sequenceNumber: "1", streamSid: `MZ${id}`, start: { streamSid: `MZ${id}`, callSid: id, accountSid: "AC", tracks: ["inbound"], mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 }, customParameters: {} } }));
      } else if (protocol === "vonage") {
        ws.send(JSON.stringify({ event: "websocket:connected", "content-type": "audio/l16;rate=8000", uuid: id }));
      } else if (protocol === "jambonz") {
        ws.send(JSON.stringify({ callSid: id, sampleRate: 8000, mixType: "mono", from: "+1", to: "+2", direction: "inbound" }));
      } else {
        ws.send(JSON.stringify({ uuid: id }));
      }
    },
    pressure() { return ws.bufferedAmount > PRESSURE_BYTES; },
    frame(k) {
      if (protocol === "twilio") ws.send(`{"event":"media","sequenceNumber":"${k + 2}","streamSid":"MZ${id}","media":{"track":"inbound","chunk":"${k + 1}","timestamp":"${k * FRAME_MS}","payload":"${audio.b64[k]}"}}`);
      else ws.send(audio.pcmFrames[k]);
    },
    close() { if (protocol === "twilio") ws.send(JSON.stringify({ event: "stop", streamSid: `MZ${id}` })); ws.close(); },
  };
}

/** Flat-out mode: a client with this much unsent waits (the server's TCP backpressure). */
const PRESSURE_BYTES = 256 * 1024;

/**
 * Flat-out: every call's recording streamed as fast as the server takes it (TCP backpressure),
 * all calls at once. The figure is media seconds processed per server CPU-second, webhook
 * included: how many real-time calls one core would carry, measured on CPU time, so it does not
 * depend on how much of the machine the server got.
 */
async function runFlatOut(protocol, calls, audio, target, received) {
  if (protocol === "rtp") throw new Error("--flat-out: RTP has no backpressure (UDP); leave it out");
  const ids = Array.from({ length: calls }, (_, i) => protocol === "audiosocket" ? `00000000-0000-4000-8000-${String(i).padStart(12, "0")}` : `${protocol}-${i}`);
  const list = ids.map((id) => makeCall(protocol, id, audio, target));
  for (const c of list) await c.open();
  for (const s of ids) received.set(s, []);
  const before = await stats(target.httpUrl);
  const t0 = performance.now();
  const sent = ids.map(() => 0);
  for (let left = calls; left > 0;) {
    let progressed = false;
    for (let i = 0; i < list.length; i++) {
      if (sent[i] >= audio.frames || list[i].pressure()) continue;
      for (let n = 0; n < 25 && sent[i] < audio.frames; n++) list[i].frame(sent[i]++);
      if (sent[i] >= audio.frames) { list[i].close(); left--; }
      progressed = true;
    }
    await new Promise((r) => (progressed ? setImmediate(r) : setTimeout(r, 1)));
  }
  const expected = audio.keys.length * calls;
  for (let w = 0; w < 600; w++) {
    let got = 0;
    for (const s of ids) got += received.get(s).length;
    if (got >= expected) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const after = await stats(target.httpUrl);
  let reported = 0, correct = 0;
  for (const s of ids) { const got = received.get(s); reported += got.length; got.forEach((r, k) => { if (r.digit === audio.keys[k]) correct++; }); received.delete(s); }
  const cpuS = ((after.cpuUserUs + after.cpuSystemUs) - (before.cpuUserUs + before.cpuSystemUs)) / 1e6;
  const mediaS = (calls * audio.frames * FRAME_MS) / 1000;
  return { protocol, calls, wallS: Math.round((performance.now() - t0) / 100) / 10, mediaS, serverCpuS: Math.round(cpuS * 100) / 100,
    mediaSecondsPerCpuSecond: Math.round(mediaS / cpuS), keysSent: expected, dtmfReported: reported, inOrderAndRight: correct };
}

const quantile = (values, p) => { const s = [...values].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN; };

async function run(protocol, calls, audio, target, received) {
  const ids = Array.from({ length: calls }, (_, i) => protocol === "audiosocket" ? `00000000-0000-4000-8000-${String(i).padStart(12, "0")}` : `${protocol}-${i}`);
  const rtpPorts = new Map();
  target.rtpIds = rtpPorts;
  const list = ids.map((id) => makeCall(protocol, id, audio, target));
  for (const c of list) await c.open();
  const sessionOf = (i) => (protocol === "rtp" ? `rtp-127.0.0.1:${rtpPorts.get(ids[i])}` : ids[i]);
  const sessions = ids.map((_, i) => sessionOf(i));
  for (const s of sessions) received.set(s, []);
  const idle = await stats(target.httpUrl);
  const keyEndSent = sessions.map(() => []);
  // Calls start staggered over the first 2 s so their keys do not all fall on the same tick.
  const offset = ids.map((_, i) => Math.floor((i * (KEY_EVERY_MS / FRAME_MS)) / calls));
  const sent = ids.map(() => 0);
  const t0 = performance.now();
  let maxLagMs = 0;
  let rssPeak = 0;
  let sampling = false;
  let lastSample = 0;
  const keyEndSet = new Map(audio.keyEndFrames.map((f, k) => [f, k]));
  await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now() - t0;
      let active = false;
      for (let i = 0; i < list.length; i++) {
        const due = Math.min(audio.frames, Math.floor(now / FRAME_MS) - offset[i] + 1);
        if (sent[i] < audio.frames) active = true;
        if (due - sent[i] > 2) maxLagMs = Math.max(maxLagMs, (due - sent[i]) * FRAME_MS);
        while (sent[i] < due) {
          const k = sent[i]++;
          list[i].frame(k);
          if (keyEndSet.has(k)) keyEndSent[i].push(monoMs());
        }
      }
      if (!active) { resolve(); return; }
      if (!sampling && now - lastSample > 2000) {
        sampling = true;
        lastSample = now;
        stats(target.httpUrl).then((st) => { rssPeak = Math.max(rssPeak, st.rssBytes); sampling = false; }, () => { sampling = false; });
      }
      setTimeout(tick, FRAME_MS / 2);
    };
    tick();
  });
  rssPeak = Math.max(rssPeak, (await stats(target.httpUrl)).rssBytes);
  const elapsedS = (performance.now() - t0) / 1000;
  for (const c of list) c.close();
  // Wait (bounded) for the payloads still on their way.
  const expected = audio.keys.length * calls;
  for (let w = 0; w < 100; w++) {
    let got = 0;
    for (const s of sessions) got += received.get(s).length;
    if (got >= expected) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  if (protocol === "rtp") await new Promise((r) => setTimeout(r, 1200)); // RTP calls end by idle timeout
  const after = await stats(target.httpUrl);
  const latencies = [];
  let reported = 0, correct = 0;
  sessions.forEach((s, i) => {
    const got = received.get(s);
    reported += got.length;
    got.forEach((r, k) => {
      if (r.digit === audio.keys[k]) correct++;
      if (keyEndSent[i][k] !== undefined) latencies.push(r.at - keyEndSent[i][k]);
    });
    received.delete(s);
  });
  const cpuUs = (after.cpuUserUs + after.cpuSystemUs) - (idle.cpuUserUs + idle.cpuSystemUs);
  return {
    protocol, calls, seconds: Math.round(elapsedS * 10) / 10, keysSent: expected, dtmfReported: reported, inOrderAndRight: correct,
    latencyP50Ms: Math.round(quantile(latencies, 0.5)), latencyP99Ms: Math.round(quantile(latencies, 0.99)), generatorMaxLagMs: Math.round(maxLagMs),
    serverCpuPct: Math.round((cpuUs / 1e6 / ((performance.now() - t0) / 1000)) * 100),
    serverMemoryPerCallKiB: Math.round((rssPeak - idle.rssBytes) / calls / 1024),
    serverEventLoopDelayP99Ms: after.eventLoopDelayMs.p99, serverWebhookLatencyP99Ms: after.webhookLatencyMs.p99,
  };
}

/**
 * The webhook receiver runs in its own process (so this one's load does not delay it) and
 * reports each dtmf payload's arrival on the machine's monotonic clock (process.hrtime).
 */
const RECEIVER = `
  const { createServer } = require("node:http");
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => { body += c; });
    req.on("end", () => {
      const at = Number(process.hrtime.bigint()) / 1e6;
      res.writeHead(204).end();
      try { const p = JSON.parse(body); if (p.event === "dtmf") process.stdout.write(JSON.stringify({ s: p.session_uuid, d: p.digit, at }) + "\\n"); } catch {}
    });
  });
  server.listen(0, "127.0.0.1", () => process.stdout.write(JSON.stringify({ port: server.address().port }) + "\\n"));
`;

const o = args(process.argv.slice(2));
const audio = callAudio(o.seconds);
const received = new Map();
const receiver = spawn(process.execPath, ["-e", RECEIVER], { stdio: ["ignore", "pipe", "inherit"] });
const receiverPort = await new Promise((resolve) => {
  createInterface({ input: receiver.stdout }).on("line", (line) => {
    const r = JSON.parse(line);
    if (r.port) resolve(r.port); else received.get(r.s)?.push({ digit: r.d, at: r.at });
  });
});
const monoMs = () => Number(process.hrtime.bigint()) / 1e6;
const results = [];
console.error(`node ${process.version}, ${o.seconds} s calls, a ${TONE_MS} ms key every ${KEY_EVERY_MS} ms over speech, webhook on (concurrency ${o.concurrency}), load average ${(await import("node:os")).loadavg().map((l) => l.toFixed(1)).join(" ")}`);
if (o.flatOut) {
  console.log("| protocol | calls | media s | wall s | server CPU s | media s per server CPU s | keys reported / sent | right, in order |");
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
} else {
  console.log("| protocol | calls | keys reported / sent | right, in order | latency p50 / p99 | generator lag | server CPU | server RSS per call | server loop delay p99 | server→webhook p99 |");
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
}
for (const protocol of o.protocols) {
  for (const calls of o.calls) {
    // A fresh server per run, so that memory per call is not another run's garbage.
    const { child, listening } = await startServe(o.webhook ? `http://127.0.0.1:${receiverPort}/hook` : undefined, o.concurrency);
    const target = { url: listening.websocket, httpUrl: listening.http, audiosocketPort: listening.audiosocketPort, rtpPort: listening.rtpPort };
    const r = await (o.flatOut ? runFlatOut : run)(protocol, calls, audio, target, received);
    child.kill("SIGTERM");
    await new Promise((done) => child.once("exit", done));
    results.push(r);
    if (o.flatOut) {
      console.log(`| ${r.protocol} | ${r.calls} | ${r.mediaS} | ${r.wallS} | ${r.serverCpuS} | ${r.mediaSecondsPerCpuSecond} | ${r.dtmfReported} / ${r.keysSent} | ${r.inOrderAndRight} |`);
      continue;
    }
    console.log(`| ${r.protocol} | ${r.calls} | ${r.dtmfReported} / ${r.keysSent} | ${r.inOrderAndRight} | ${r.latencyP50Ms} / ${r.latencyP99Ms} ms | ${r.generatorMaxLagMs} ms | ${r.serverCpuPct} % | ${r.serverMemoryPerCallKiB} KiB | ${r.serverEventLoopDelayP99Ms} ms | ${r.serverWebhookLatencyP99Ms} ms |`);
  }
}
receiver.kill();
if (o.json) writeFileSync(o.json, `${JSON.stringify({ node: process.version, seconds: o.seconds, results }, null, 2)}\n`);
