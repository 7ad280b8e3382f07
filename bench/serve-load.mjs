#!/usr/bin/env node
/**
 * Load generator for `dtmf-wasm serve`: N concurrent calls per protocol, in real time (one
 * 20 ms frame per call every 20 ms), speech with a 100 ms key every 2 s on every call, on
 * 127.0.0.1, for a bounded duration. The server runs as `dtmf-wasm serve` in its own process
 * (webhook on, to a receiver in a third process); this process plays the platforms. The
 * generator is built to cost the server's machine little (every frame prebuilt as wire bytes,
 * raw sockets, one 20 ms tick for all calls: see wireFrames), so that the server is what runs
 * out first. Reports per protocol and call count: whether every key was reported (dtmf
 * payloads / keys sent, right and in order), latency from the write of a key's last frame to
 * its dtmf payload arriving at the webhook receiver (p50 / p99 / max; it includes the 30 ms
 * the detector waits to know a press has ended), the generator's lag behind real time (how
 * late each tick's last write was, p99 / max: a run only counts as real time when it stays
 * small), the generator's own CPU, server CPU (% of one core over the run, and µs per media
 * frame), server memory per call (peak RSS during the run minus idle, over the calls), the
 * server's event-loop delay and its own webhook latency, and the load average after the run.
 *
 *   npm run build && node bench/serve-load.mjs --protocols twilio,vonage,audiosocket,rtp --calls 100,500 --seconds 20
 *   node bench/serve-load.mjs --pin 0:1 --protocols twilio --calls 1500 --seconds 15   # server on CPU 0, generator on 1
 *
 * Options: --protocols LIST (twilio, vonage, jambonz, audio_fork, audiosocket, rtp), --calls LIST,
 * --seconds S (audio per call, 4-120), --webhook-concurrency N (the server's, default 64),
 * --flat-out (recordings streamed as fast as the server takes them: media seconds per server
 * CPU-second, i.e. real-time calls per core on CPU time; not RTP), --json FILE (results),
 * --workers N (the server's --workers; CPU and memory are then the primary's and all workers'
 * summed from /proc), --server-dir DIR (run the `dtmf-wasm serve` of another build, e.g. an
 * older commit's, for a before/after in the same conditions), --server-node-flags "…" (node
 * flags for the server process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"), --server-args "…"
 * (more `dtmf-wasm serve` flags, e.g. "--outbox-dir /tmp/outbox"), --pin S:G (Linux, taskset:
 * the server on CPUs S, this process and the webhook receiver on CPUs G, e.g. 0:1),
 * --server-stdout FILE (the server's stdout, e.g. with --server-node-flags "--trace-gc").
 */
import { spawn, spawnSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { openSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { loadavg } from "node:os";
import { createInterface } from "node:readline";
import { createHash, randomBytes } from "node:crypto";
import wavefile from "wavefile";
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
    else if (a === "--server-stdout") o.serverStdout = v();
    else if (a === "--server-args") o.serverArgs = v().split(" ").filter(Boolean);
    else if (a === "--pin") o.pin = v();
    else throw new Error(`unknown option ${a}`);
  }
  if (o.pin !== undefined && !/^[\d,-]+:[\d,-]+$/.test(o.pin)) throw new Error("--pin SERVER_CPUS:GENERATOR_CPUS, e.g. 0:1");
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
  const flags = [`${o.serverDir ?? "."}/dist/cli/main.js`, "serve", ...(o.workers ? ["--workers", String(o.workers)] : []), "--port", "0", "--audiosocket-port", "0", "--rtp-port", "0", "--rtp-idle-ms", "1000", "--max-calls", "100000", "--max-calls-per-address", "100000"];
  if (webhookUrl) flags.push("--webhook", webhookUrl, "--webhook-concurrency", String(concurrency));
  flags.push(...(o.serverArgs ?? []));
  const command = [process.execPath, ...(o.serverNodeFlags ?? []), ...flags];
  if (o.pin) command.unshift("taskset", "-c", o.pin.split(":")[0]);
  const child = spawn(command[0], command.slice(1), { stdio: ["ignore", o.serverStdout ? openSync(o.serverStdout, "w") : "ignore", "pipe"] });
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

/**
 * The client side is nearly free, so that the server, not the generator, is what is measured:
 * every frame a call sends is built once, before the run, as complete bytes on the wire
 * (WebSocket frames already masked, with one fixed masking key, which RFC 6455 allows a
 * client to choose; AudioSocket packets; RTP datagrams), and the calls are written on raw
 * sockets (net / dgram) after a minimal HTTP upgrade handshake. One timer tick every 20 ms
 * sends every call's due frames, one write per socket per tick.
 *
 * Binary frames (Vonage, jambonz, audio_fork, AudioSocket, RTP) are the same bytes on every
 * call, built once per frame index and shared. A Twilio media message names its call
 * (streamSid), so each tick copies the frame's masked template and the call's masked id into
 * one buffer for all calls (a memcpy per call, no JSON, no base64, no masking in the loop).
 */
const MASK = Buffer.from([0x3c, 0xa5, 0x5a, 0xc3]);

/** A client WebSocket frame (FIN set, masked with MASK) of `payload`, opcode 1 text / 2 binary / 8 close. */
function wsFrame(opcode, payload) {
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(head + 4 + n);
  out[0] = 0x80 | opcode;
  if (n < 126) out[1] = 0x80 | n;
  else if (n < 65536) { out[1] = 0x80 | 126; out.writeUInt16BE(n, 2); }
  else { out[1] = 0x80 | 127; out.writeBigUInt64BE(BigInt(n), 2); }
  MASK.copy(out, head);
  for (let i = 0; i < n; i++) out[head + 4 + i] = payload[i] ^ MASK[i & 3];
  return out;
}

/** Opens a WebSocket on a raw TCP socket: the upgrade request, the 101 answer checked (Sec-WebSocket-Accept too). */
function wsConnect(port, path) {
  const key = randomBytes(16).toString("base64");
  const accept = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    socket.setNoDelay(true);
    let head = "";
    const onData = (chunk) => {
      head += chunk.toString("latin1");
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      socket.off("data", onData);
      const lines = head.slice(0, end).split("\r\n");
      if (!/^HTTP\/1\.1 101 /.test(lines[0])) { socket.destroy(); reject(new Error(`${path}: upgrade refused: ${lines[0]}`)); return; }
      if (!lines.some((l) => l.toLowerCase() === `sec-websocket-accept: ${accept.toLowerCase()}`)) { socket.destroy(); reject(new Error(`${path}: bad Sec-WebSocket-Accept`)); return; }
      // Whatever the server sends later (a close frame, a reply on audio_fork) is read and dropped.
      socket.on("data", () => {});
      resolve(socket);
    };
    socket.on("data", onData);
    socket.once("error", reject);
    socket.once("connect", () => socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`));
  });
}

/** Every call's wire bytes for `protocol`, built once. */
function wireFrames(protocol, audio) {
  if (protocol === "audiosocket") return { shared: audio.asFrames };
  if (protocol === "rtp") {
    return {
      shared: Array.from({ length: audio.frames }, (_, k) => {
        const b = Buffer.alloc(172); b[0] = 0x80; b[1] = 0; b.writeUInt16BE(k & 0xffff, 2); b.writeUInt32BE((k * 160) >>> 0, 4); b.writeUInt32BE(0xabc, 8);
        Buffer.from(audio.mulaw.buffer, audio.mulaw.byteOffset + k * 160, 160).copy(b, 12);
        return b;
      }),
    };
  }
  if (protocol !== "twilio") return { shared: audio.pcmFrames.map((f) => wsFrame(2, f)) };
  // Twilio: a template per frame index with a placeholder id of the calls' id length; where the id sits.
  const placeholder = "x".repeat(ID_LENGTH);
  const templates = [], idAt = [];
  for (let k = 0; k < audio.frames; k++) {
    const text = `{"event":"media","sequenceNumber":"${k + 2}","streamSid":"MZ${placeholder}","media":{"track":"inbound","chunk":"${k + 1}","timestamp":"${k * FRAME_MS}","payload":"${audio.b64[k]}"}}`;
    const frame = wsFrame(1, Buffer.from(text));
    templates.push(frame);
    idAt.push(frame.length - text.length + text.indexOf(placeholder));
  }
  return { templates, idAt };
}

/** Calls' ids are all this long, so that one Twilio template serves every call. */
const ID_LENGTH = 12;
const callId = (protocol, i) => protocol === "audiosocket" ? `00000000-0000-4000-8000-${String(i).padStart(12, "0")}` : `${protocol.slice(0, 4)}-${String(i).padStart(ID_LENGTH - 5, "0")}`;

/** One call of `protocol`: open(), send(from, to) (frames from..to-1 in one write), close(). */
function makeCall(protocol, id, wire, target) {
  if (protocol === "audiosocket") {
    let socket;
    return {
      async open() {
        socket = connect(target.audiosocketPort, "127.0.0.1");
        socket.setNoDelay(true);
        await new Promise((r) => socket.once("connect", r));
        const u = Buffer.alloc(19); u[0] = 1; u.writeUInt16BE(16, 1); Buffer.from(id.replace(/-/g, ""), "hex").copy(u, 3);
        socket.write(u);
      },
      send(from, to) { socket.write(to - from === 1 ? wire.shared[from] : Buffer.concat(wire.shared.slice(from, to))); },
      pressure() { return socket.writableLength > PRESSURE_BYTES; },
      close() { socket.end(Buffer.from([0, 0, 0])); },
    };
  }
  if (protocol === "rtp") {
    let udp;
    return {
      async open() {
        udp = createSocket("udp4");
        await new Promise((r) => udp.bind(0, "127.0.0.1", r));
        await new Promise((r) => udp.connect(target.rtpPort, "127.0.0.1", r));
        target.rtpIds?.set(id, udp.address().port);
      },
      send(from, to) { for (let k = from; k < to; k++) udp.send(wire.shared[k]); },
      close() { setTimeout(() => udp.close(), 100); },
    };
  }
  let socket;
  const path = { twilio: "/twilio", vonage: "/vonage", jambonz: "/jambonz", audio_fork: "/audio_fork" }[protocol];
  const text = (value) => socket.write(wsFrame(1, Buffer.from(JSON.stringify(value))));
  // Twilio: the call's id masked for each of the four positions it can take against the key.
  const maskedId = Array.from({ length: 4 }, (_, phase) => Buffer.from(id).map((c, j) => c ^ MASK[(phase + j) & 3]));
  return {
    async open() {
      socket = await wsConnect(target.port, path);
      if (protocol === "twilio") {
        text({ event: "connected", protocol: "Call", version: "1.0.0" });
        text({ event: "start", sequenceNumber: "1", streamSid: `MZ${id}`, start: { streamSid: `MZ${id}`, callSid: id, accountSid: "AC", tracks: ["inbound"], mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 }, customParameters: {} } });
      } else if (protocol === "vonage") {
        text({ event: "websocket:connected", "content-type": "audio/l16;rate=8000", uuid: id });
      } else if (protocol === "jambonz") {
        text({ callSid: id, sampleRate: 8000, mixType: "mono", from: "+1", to: "+2", direction: "inbound" });
      } else {
        text({ uuid: id });
      }
    },
    pressure() { return socket.writableLength > PRESSURE_BYTES; },
    send(from, to) {
      if (protocol !== "twilio") { socket.write(to - from === 1 ? wire.shared[from] : Buffer.concat(wire.shared.slice(from, to))); return; }
      const size = wire.templates.slice(from, to).reduce((n, t) => n + t.length, 0);
      const buf = Buffer.allocUnsafe(size);
      this.fillTwilio(from, to, buf, 0);
      socket.write(buf);
    },
    fillTwilio(from, to, into, at) {
      for (let k = from; k < to; k++) {
        const t = wire.templates[k], p = wire.idAt[k];
        t.copy(into, at);
        const payloadStart = (t[1] & 0x7f) === 126 ? 8 : 6;
        maskedId[(p - payloadStart) & 3].copy(into, at + p);
        at += t.length;
      }
      return at;
    },
    write(buf) { socket.write(buf); },
    close() {
      if (protocol === "twilio") text({ event: "stop", streamSid: `MZ${id}` });
      const code = Buffer.from([0x03, 0xe8]);
      socket.end(wsFrame(8, code));
    },
  };
}

/** Flat-out mode: a client with this much unsent waits (the server's TCP backpressure). */
const PRESSURE_BYTES = 256 * 1024;

/** Opens the calls, at most OPEN_AT_ONCE handshakes in flight. */
const OPEN_AT_ONCE = 100;
async function openAll(list) {
  for (let i = 0; i < list.length; i += OPEN_AT_ONCE) await Promise.all(list.slice(i, i + OPEN_AT_ONCE).map((c) => c.open()));
}

/**
 * Flat-out: every call's recording streamed as fast as the server takes it (TCP backpressure),
 * all calls at once. The figure is media seconds processed per server CPU-second, webhook
 * included: how many real-time calls one core would carry, measured on CPU time, so it does not
 * depend on how much of the machine the server got.
 */
async function runFlatOut(protocol, calls, audio, target, received) {
  if (protocol === "rtp") throw new Error("--flat-out: RTP has no backpressure (UDP); leave it out");
  const ids = Array.from({ length: calls }, (_, i) => callId(protocol, i));
  const wire = wireFrames(protocol, audio);
  const list = ids.map((id) => makeCall(protocol, id, wire, target));
  await openAll(list);
  for (const s of ids) received.set(s, []);
  const before = await stats(target.httpUrl);
  const t0 = performance.now();
  const sent = ids.map(() => 0);
  for (let left = calls; left > 0;) {
    let progressed = false;
    for (let i = 0; i < list.length; i++) {
      if (sent[i] >= audio.frames || list[i].pressure()) continue;
      const to = Math.min(audio.frames, sent[i] + 25);
      list[i].send(sent[i], to);
      sent[i] = to;
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
  const frames = after.frames - before.frames;
  return { protocol, calls, wallS: Math.round((performance.now() - t0) / 100) / 10, mediaS, serverCpuS: Math.round(cpuS * 100) / 100,
    mediaSecondsPerCpuSecond: Math.round(mediaS / cpuS), serverCpuPerFrameUs: Math.round((cpuS * 1e6 / frames) * 100) / 100, keysSent: expected, dtmfReported: reported, inOrderAndRight: correct };
}

const quantile = (values, p) => { const s = [...values].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN; };

async function run(protocol, calls, audio, target, received) {
  const ids = Array.from({ length: calls }, (_, i) => callId(protocol, i));
  const rtpPorts = new Map();
  target.rtpIds = rtpPorts;
  const wire = wireFrames(protocol, audio);
  const list = ids.map((id) => makeCall(protocol, id, wire, target));
  await openAll(list);
  const sessions = ids.map((id) => (protocol === "rtp" ? `rtp-127.0.0.1:${rtpPorts.get(id)}` : id));
  for (const s of sessions) received.set(s, []);
  const idle = await stats(target.httpUrl);
  const genCpu0 = process.cpuUsage();
  const keyEndSent = sessions.map(() => []);
  // Calls start staggered over the first 2 s so their keys do not all fall on the same tick:
  // call i's frame k is due at (k + offset[i]) × 20 ms.
  const offset = ids.map((_, i) => Math.floor((i * (KEY_EVERY_MS / FRAME_MS)) / calls));
  const sent = ids.map(() => 0);
  const keyEnd = new Uint8Array(audio.frames);
  for (const f of audio.keyEndFrames) keyEnd[f] = 1;
  const tickLag = [];
  let rssPeak = 0, sampling = false, lastSample = 0;
  const t0 = performance.now();
  await new Promise((resolve) => {
    let tickNo = 0;
    const tick = () => {
      const scheduled = tickNo * FRAME_MS;
      const tick0 = performance.now() - t0;
      // Every frame due by now (more than one per call only when this process fell behind).
      const dueIndex = Math.floor(tick0 / FRAME_MS);
      let active = false;
      let twilioBytes = 0;
      if (protocol === "twilio") {
        for (let i = 0; i < list.length; i++) {
          const due = Math.min(audio.frames, dueIndex - offset[i] + 1);
          for (let k = sent[i]; k < due; k++) twilioBytes += wire.templates[k].length;
        }
      }
      const shared = twilioBytes > 0 ? Buffer.allocUnsafe(twilioBytes) : undefined;
      let at = 0;
      for (let i = 0; i < list.length; i++) {
        const due = Math.min(audio.frames, dueIndex - offset[i] + 1);
        if (sent[i] < audio.frames) active = true;
        const from = sent[i];
        if (due <= from) continue;
        if (shared) { const end = list[i].fillTwilio(from, due, shared, at); list[i].write(shared.subarray(at, end)); at = end; }
        else list[i].send(from, due);
        sent[i] = due;
        for (let k = from; k < due; k++) if (keyEnd[k]) keyEndSent[i].push(monoMs());
      }
      // How late this tick's last write was against when its frames were due.
      tickLag.push(performance.now() - t0 - scheduled);
      if (!active) { resolve(); return; }
      if (!sampling && tick0 - lastSample > 2000) {
        sampling = true;
        lastSample = tick0;
        stats(target.httpUrl).then((st) => { rssPeak = Math.max(rssPeak, st.rssBytes); sampling = false; }, () => { sampling = false; });
      }
      tickNo = Math.max(tickNo + 1, Math.floor((performance.now() - t0) / FRAME_MS));
      setTimeout(tick, Math.max(0, t0 + (tickNo * FRAME_MS) - performance.now()));
    };
    tick();
  });
  const genCpu = process.cpuUsage(genCpu0);
  rssPeak = Math.max(rssPeak, (await stats(target.httpUrl)).rssBytes);
  const elapsedS = (performance.now() - t0) / 1000;
  const duringRun = await stats(target.httpUrl);
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
  const cpuUs = (duringRun.cpuUserUs + duringRun.cpuSystemUs) - (idle.cpuUserUs + idle.cpuSystemUs);
  const frames = duringRun.frames - idle.frames;
  return {
    protocol, calls, seconds: Math.round(elapsedS * 10) / 10, keysSent: expected, dtmfReported: reported, inOrderAndRight: correct,
    latencyP50Ms: Math.round(quantile(latencies, 0.5)), latencyP99Ms: Math.round(quantile(latencies, 0.99)), latencyMaxMs: Math.round(Math.max(...latencies)),
    generatorLagP99Ms: Math.round(quantile(tickLag, 0.99)), generatorMaxLagMs: Math.round(Math.max(...tickLag)),
    generatorCpuPct: Math.round(((genCpu.user + genCpu.system) / 1e6 / elapsedS) * 100),
    serverCpuPct: Math.round((cpuUs / 1e6 / elapsedS) * 100), serverCpuPerFrameUs: Math.round((cpuUs / frames) * 100) / 100, serverFrames: frames,
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
// --pin: this process (and the webhook receiver it starts, which inherits it) on the generator's CPUs.
if (o.pin) {
  const r = spawnSync("taskset", ["-a", "-cp", o.pin.split(":")[1], String(process.pid)], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`--pin: taskset failed (${r.error?.message ?? r.stderr.trim()}); is util-linux installed?`);
}
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
console.error(`node ${process.version}, ${o.seconds} s calls, a ${TONE_MS} ms key every ${KEY_EVERY_MS} ms over speech, webhook on (concurrency ${o.concurrency}), pinned ${o.pin ?? "no"}, load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
if (o.flatOut) {
  console.log("| protocol | calls | media s | wall s | server CPU s | media s per server CPU s | server CPU per frame | keys reported / sent | right, in order | load avg |");
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
} else {
  console.log("| protocol | calls | keys reported / sent | right, in order | latency p50 / p99 / max | generator lag p99 / max | generator CPU | server CPU | server CPU per frame | server RSS per call | server loop delay p99 | server→webhook p99 | load avg |");
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
}
for (const protocol of o.protocols) {
  for (const calls of o.calls) {
    // A fresh server per run, so that memory per call is not another run's garbage.
    const { child, listening } = await startServe(o.webhook ? `http://127.0.0.1:${receiverPort}/hook` : undefined, o.concurrency);
    const target = { url: listening.websocket, port: Number(new URL(listening.websocket.replace(/^ws/, "http")).port), httpUrl: listening.http, audiosocketPort: listening.audiosocketPort, rtpPort: listening.rtpPort };
    const r = await (o.flatOut ? runFlatOut : run)(protocol, calls, audio, target, received);
    child.kill("SIGTERM");
    await new Promise((done) => child.once("exit", done));
    r.loadAverage = loadavg().map((l) => l.toFixed(1)).join(" ");
    results.push(r);
    if (o.flatOut) {
      console.log(`| ${r.protocol} | ${r.calls} | ${r.mediaS} | ${r.wallS} | ${r.serverCpuS} | ${r.mediaSecondsPerCpuSecond} | ${r.serverCpuPerFrameUs} µs | ${r.dtmfReported} / ${r.keysSent} | ${r.inOrderAndRight} | ${r.loadAverage} |`);
      continue;
    }
    console.log(`| ${r.protocol} | ${r.calls} | ${r.dtmfReported} / ${r.keysSent} | ${r.inOrderAndRight} | ${r.latencyP50Ms} / ${r.latencyP99Ms} / ${r.latencyMaxMs} ms | ${r.generatorLagP99Ms} / ${r.generatorMaxLagMs} ms | ${r.generatorCpuPct} % | ${r.serverCpuPct} % | ${r.serverCpuPerFrameUs} µs | ${r.serverMemoryPerCallKiB} KiB | ${r.serverEventLoopDelayP99Ms} ms | ${r.serverWebhookLatencyP99Ms} ms | ${r.loadAverage} |`);
  }
}
receiver.kill();
if (o.json) writeFileSync(o.json, `${JSON.stringify({ node: process.version, seconds: o.seconds, pin: o.pin, workers: o.workers, results }, null, 2)}\n`);
