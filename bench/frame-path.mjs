#!/usr/bin/env node
/**
 * The server's per-frame work without the network: Twilio media messages (160 bytes of μ-law,
 * base64, in compact JSON) and Vonage binary L16 frames handed to a StreamConnection the way
 * the ws library hands them (a fake socket's "message" event), through the protocol, the call,
 * the detector and the key merger, with a key every 2 s over speech (bench/serve-load.mjs's
 * audio) and payloads into a counting sink. Reports ns per frame for this build and, with
 * --base DIR, for another build's dist/ (e.g. a checkout of main), interleaved rounds in the
 * same process, best of each, and the ratio. What it leaves out: ws's framing and unmasking,
 * the kernel, the webhook (bench/serve-load.mjs measures those).
 *
 *   npm run build && node bench/frame-path.mjs --base /work/wt-load-base [--frames 200000]
 */
import { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import wavefile from "wavefile";

const argv = process.argv.slice(2);
const opt = (name, fallback) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : fallback; };
const framesPerRound = Number(opt("--frames", "200000"));
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
  return { server, twilio, vonage, StreamConnection, payloads: () => payloads };
}

class FakeSocket extends EventEmitter {
  OPEN = 1; readyState = 1; bufferedAmount = 0;
  send() {} close() { this.readyState = 3; } terminate() { this.readyState = 3; }
}

let callNo = 0;
function round(b, protocol) {
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

const builds = [];
for (const [name, dir] of dirs) builds.push({ name, dir, ...(await load(dir)) });
console.log(`node ${process.version}, ${framesPerRound} frames per round (${FRAMES_PER_CALL}-frame calls, a key every 2 s over speech), best of 5 interleaved rounds`);
const best = {};
for (const protocol of ["twilio", "vonage"]) {
  for (const b of builds) round(b, protocol); // warm-up
  for (let r = 0; r < 5; r++) for (const b of builds) { const ns = round(b, protocol); best[`${protocol} ${b.name}`] = Math.min(best[`${protocol} ${b.name}`] ?? Infinity, ns); }
}
console.log("| protocol | build | ns per frame |\n|---|---|---:|");
for (const [k, ns] of Object.entries(best)) console.log(`| ${k.split(" ")[0]} | ${k.slice(k.indexOf(" ") + 1)} (${builds.find((b) => k.endsWith(b.name)).dir}) | ${ns.toFixed(0)} |`);
if (builds.length > 1) for (const p of ["twilio", "vonage"]) console.log(`${p}: this build ${(best[`${p} base`] / best[`${p} this build`]).toFixed(2)}× the base's speed`);
for (const b of builds) { if (b.payloads() === 0) throw new Error(`${b.name}: no payloads: the keys were not detected`); await b.server.close(); }
