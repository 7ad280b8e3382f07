#!/usr/bin/env node
/**
 * The server's per-frame work without the network: Twilio media messages (160 bytes of μ-law,
 * base64, in compact JSON) and Vonage binary L16 frames handed to a StreamConnection the way
 * the ws library hands them (a fake socket's "message" event), through the protocol, the call,
 * the detector and the key merger, with a key every 2 s over speech (bench/serve-load.mjs's
 * audio) and payloads into a counting sink. Reports ns per frame for this build and, with
 * --base DIR, for another build's dist/ (e.g. a checkout of main), interleaved rounds in the
 * same process, best of each, and the ratio. The "ws" rows feed the same frames as a client's
 * wire bytes (masked, --per-chunk frames to a socket chunk, default 4) to a real `ws` WebSocket
 * on an in-memory socket, so they include the WebSocket framing and unmasking (the `ws` library's,
 * or the server's own fast path where the build has one; each build with its own node_modules/ws).
 * Also the young-generation collections per 1,000 frames (a measure of the garbage made per
 * frame). What it leaves out: the kernel, the webhook (bench/serve-load.mjs measures those).
 *
 *   npm run build && node bench/frame-path.mjs --base /work/wt-load-base [--frames 200000] [--per-chunk 4]
 */
import { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { PerformanceObserver } from "node:perf_hooks";
import { Duplex } from "node:stream";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import wavefile from "wavefile";

const argv = process.argv.slice(2);
const opt = (name, fallback) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : fallback; };
const framesPerRound = Number(opt("--frames", "200000"));
const perChunk = Number(opt("--per-chunk", "4"));
const dirs = [["this build", resolve(".")], ...(opt("--base") ? [["base", resolve(opt("--base"))]] : [])];

const FRAMES_PER_CALL = 1000;
async function load(dir) {
  const lib = await import(pathToFileURL(`${dir}/dist/index.js`).href);
  const { StreamConnection } = await import(pathToFileURL(`${dir}/dist/server/ws-connection.js`).href);
  const wav = new wavefile.WaveFile(readFileSync(new URL("../audio-fixtures/talkoff/speech-fr.wav", import.meta.url)));
  const speech = Float32Array.from(wav.getSamples(false, Int16Array), (v) => v / 32768);
  const keys = Array.from({ length: 9 }, (_, k) => ({ digit: "0123456789*#"[k % 12], durationMs: 100, gapMs: 1900 }));
  const gen = lib.generateDtmf({ keys, leadMs: 1000, tailMs: 3000 });
  const samples = gen.samples.subarray(0, FRAMES_PER_CALL * 160);
  for (let n = 0; n < samples.length; n++) samples[n] += 0.3 * speech[n % speech.length];
  const mulaw = lib.encodeSamples(samples, "mulaw"), pcm = lib.encodeSamples(samples, "pcm16");
  const twilio = Array.from({ length: FRAMES_PER_CALL }, (_, k) => Buffer.from(`{"event":"media","sequenceNumber":"${k + 2}","streamSid":"MZ0123456789","media":{"track":"inbound","chunk":"${k + 1}","timestamp":"${k * 20}","payload":"${Buffer.from(mulaw.buffer, mulaw.byteOffset + k * 160, 160).toString("base64")}"}}`));
  const vonage = Array.from({ length: FRAMES_PER_CALL }, (_, k) => Buffer.from(pcm.buffer, pcm.byteOffset + k * 320, 320));
  let payloads = 0;
  const server = await lib.startServer({ port: 0, host: "127.0.0.1", stdout: false, sinks: [{ deliver() { payloads++; }, drain: async () => {} }] });
  const WebSocket = createRequire(`${dir}/package.json`)("ws");
  const wire = (messages, opcode) => {
    const out = [];
    for (let i = 0; i < messages.length; i += perChunk) out.push(Buffer.concat(messages.slice(i, i + perChunk).map((m) => masked(opcode, m))));
    return out;
  };
  const twilioWire = wire(twilio, 1), vonageWire = wire(vonage, 2);
  // Unmasking is in place: each call's chunks are restored from these before its clock starts (no allocation).
  const work = { twilio: twilioWire.map((c) => Buffer.from(c)), vonage: vonageWire.map((c) => Buffer.from(c)) };
  return { server, twilio, vonage, StreamConnection, WebSocket, twilioWire, vonageWire, work, payloads: () => payloads };
}

/** A client's frame on the wire: masked (a fixed key), the 16-bit length form past 125 bytes. */
function masked(opcode, payload) {
  const n = payload.length;
  const head = Buffer.from(n < 126 ? [0x80 | opcode, 0x80 | n] : [0x80 | opcode, 0x80 | 126, n >> 8, n & 0xff]);
  const mask = [0x12, 0x9a, 0x5e, 0xc3];
  const body = Buffer.from(payload);
  for (let i = 0; i < n; i++) body[i] ^= mask[i & 3];
  return Buffer.concat([head, Buffer.from(mask), body]);
}

class FakeSocket extends EventEmitter {
  OPEN = 1; readyState = 1; bufferedAmount = 0;
  send() {} close() { this.readyState = 3; } terminate() { this.readyState = 3; }
}

let callNo = 0;
function round(b, mode) {
  if (mode.endsWith(" ws")) return wsRound(b, mode.split(" ")[0]);
  const protocol = mode;
  const t0 = process.hrtime.bigint();
  for (let done = 0; done < framesPerRound; done += FRAMES_PER_CALL) {
    const socket = new FakeSocket();
    new b.StreamConnection(b.server, socket, new URLSearchParams(), protocol);
    const id = `c${callNo++}`;
    if (protocol === "twilio") {
      socket.emit("message", Buffer.from(JSON.stringify({ event: "start", streamSid: "MZ0123456789", start: { callSid: id, mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 } } })), false);
      for (const m of b.twilio) socket.emit("message", m, false);
      socket.emit("message", Buffer.from('{"event":"stop"}'), false);
    } else {
      socket.emit("message", Buffer.from(JSON.stringify({ event: "websocket:connected", "content-type": "audio/l16;rate=8000", uuid: id })), false);
      for (const m of b.vonage) socket.emit("message", m, true);
      socket.emit("close");
    }
  }
  return Number(process.hrtime.bigint() - t0) / framesPerRound;
}

/** The same calls as wire bytes through a real ws WebSocket on an in-memory socket. */
function wsRound(b, protocol) {
  let ns = 0n;
  for (let done = 0; done < framesPerRound; done += FRAMES_PER_CALL) {
    const socket = new Duplex({ read() {}, write(_c, _e, cb) { cb(); } });
    const ws = new b.WebSocket(null, undefined, { autoPong: true });
    ws.setSocket(socket, Buffer.alloc(0), { maxPayload: 65536, allowSynchronousEvents: true });
    new b.StreamConnection(b.server, ws, new URLSearchParams(), protocol);
    const id = `c${callNo++}`;
    const start = protocol === "twilio"
      ? { event: "start", streamSid: "MZ0123456789", start: { callSid: id, mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 } } }
      : { event: "websocket:connected", "content-type": "audio/l16;rate=8000", uuid: id };
    const pristine = protocol === "twilio" ? b.twilioWire : b.vonageWire, chunks = b.work[protocol];
    for (let i = 0; i < chunks.length; i++) chunks[i].set(pristine[i]);
    socket.emit("data", masked(1, Buffer.from(JSON.stringify(start))));
    const t0 = process.hrtime.bigint();
    for (const c of chunks) socket.emit("data", c);
    ns += process.hrtime.bigint() - t0;
    if (protocol === "twilio") socket.emit("data", masked(1, Buffer.from('{"event":"stop"}')));
    socket.destroy();
  }
  return Number(ns) / framesPerRound;
}

let minorGcs = 0;
new PerformanceObserver((list) => { for (const e of list.getEntries()) if ((e.detail?.kind ?? e.kind) === 1) minorGcs++; }).observe({ entryTypes: ["gc"] });
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

const builds = [];
for (const [name, dir] of dirs) builds.push({ name, dir, ...(await load(dir)) });
console.log(`node ${process.version}, ${framesPerRound} frames per round (${FRAMES_PER_CALL}-frame calls, a key every 2 s over speech), best of 5 interleaved rounds`);
const MODES = ["twilio", "vonage", "twilio ws", "vonage ws"];
const best = {}, gcs = {};
for (const mode of MODES) {
  for (const b of builds) round(b, mode); // warm-up
  for (let r = 0; r < 5; r++) {
    for (const b of builds) {
      const key = `${mode}|${b.name}`;
      await settle();
      const gc0 = minorGcs;
      const ns = round(b, mode);
      await settle();
      best[key] = Math.min(best[key] ?? Infinity, ns);
      gcs[key] = (gcs[key] ?? 0) + (minorGcs - gc0);
    }
  }
}
console.log(`| path | build | ns per frame | young-generation GCs per 1,000 frames |\n|---|---|---:|---:|`);
for (const [k, ns] of Object.entries(best)) {
  const [mode, name] = k.split("|");
  console.log(`| ${mode}${mode.endsWith("ws") ? ` (${perChunk} frames a chunk)` : ""} | ${name} (${builds.find((b) => b.name === name).dir}) | ${ns.toFixed(0)} | ${((gcs[k] / (5 * framesPerRound)) * 1000).toFixed(3)} |`);
}
if (builds.length > 1) for (const m of MODES) console.log(`${m}: this build ${(best[`${m}|base`] / best[`${m}|this build`]).toFixed(2)}× the base's speed`);
for (const b of builds) { if (b.payloads() === 0) throw new Error(`${b.name}: no payloads: the keys were not detected`); await b.server.close(); }
