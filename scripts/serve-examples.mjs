#!/usr/bin/env node
// One short call per protocol against `startServer`, with a webhook receiver that prints what
// arrives: the "what arrives at the webhook" of each platform's README section. Keys "1 2 #"
// (a collection with terminator #, from the call's metadata), generated; run after `npm run build`:
//   node scripts/serve-examples.mjs [twilio|signalwire|telnyx|plivo|vonage|jambonz|audio_fork|audiosocket|rtp ...]
import { createSocket } from "node:dgram";
import { createServer } from "node:http";
import { connect } from "node:net";
import WebSocket from "ws";
import { encodeSamples, generateDtmf, startServer } from "../dist/index.js";

const only = process.argv.slice(2);
const gen = (rate) => generateDtmf({ keys: "12#", sampleRate: rate, toneMs: 100, gapMs: 300, leadMs: 300, tailMs: 400 });
const frames = (bytes, n) => Array.from({ length: Math.ceil(bytes.length / n) }, (_, k) => Buffer.from(bytes.subarray(k * n, (k + 1) * n)));
const pcm = (a) => { const i = encodeSamples(a.samples, "pcm16"); return Buffer.from(i.buffer, i.byteOffset, i.byteLength); };
const COLLECT = { command_uid: "pin-1", max_digits: 8, terminators: "#" };

const got = [];
const receiver = createServer((req, res) => { let b = ""; req.on("data", (c) => { b += c; }); req.on("end", () => { got.push(JSON.parse(b)); res.writeHead(204).end(); }); });
await new Promise((r) => receiver.listen(0, "127.0.0.1", r));
const server = await startServer({ port: 0, audiosocketPort: 0, rtpPort: 0, rtpIdleMs: 300, webhook: `http://127.0.0.1:${receiver.address().port}/dtmf`,
  payloads: ["dtmf", "digits.collected"], collect: COLLECT });
const ended = (id) => new Promise((resolve) => { const on = (s) => { if (s.callId === id) { server.off("callEnded", on); resolve(s); } }; server.on("callEnded", on); });
async function ws(path, first, frameList, asJson) {
  const socket = new WebSocket(`${server.url}${path}`);
  await new Promise((r) => socket.once("open", r));
  for (const m of first) socket.send(JSON.stringify(m));
  frameList.forEach((f, i) => socket.send(asJson ? JSON.stringify(asJson(f, i)) : f));
  return socket;
}

const calls = {
  async twilio() {
    const e = ended("CA5d9f0c…");
    const s = await ws("/twilio", [{ event: "connected", protocol: "Call", version: "1.0.0" }, { event: "start", sequenceNumber: "1", streamSid: "MZ18ad…", start: { accountSid: "AC8e1f…", streamSid: "MZ18ad…", callSid: "CA5d9f0c…", tracks: ["inbound"], mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 }, customParameters: { collect: JSON.stringify(COLLECT) } } }],
      frames(encodeSamples(gen(8000).samples, "mulaw"), 160), (f, i) => ({ event: "media", sequenceNumber: String(i + 2), streamSid: "MZ18ad…", media: { track: "inbound", chunk: String(i + 1), timestamp: String(i * 20), payload: f.toString("base64") } }));
    s.send(JSON.stringify({ event: "stop", sequenceNumber: "999", streamSid: "MZ18ad…", stop: { accountSid: "AC8e1f…", callSid: "CA5d9f0c…" } }));
    await e;
  },
  async vonage() {
    const e = ended("aaaaaaaa-bbbb-cccc-dddd-0123456789ab");
    const s = await ws("/vonage", [{ event: "websocket:connected", "content-type": "audio/l16;rate=16000", uuid: "aaaaaaaa-bbbb-cccc-dddd-0123456789ab", collect: COLLECT }], frames(pcm(gen(16000)), 640));
    s.close();
    await e;
  },
  async jambonz() {
    const e = ended("9fb35c28-9688-4531-943c-e280b04f3adf");
    const s = await ws("/jambonz", [{ callSid: "9fb35c28-9688-4531-943c-e280b04f3adf", accountSid: "4bfe85c1-…", from: "+15083084809", to: "+15083728299", direction: "inbound", sampleRate: 8000, mixType: "mono", metadata: { collect: COLLECT } }], frames(pcm(gen(8000)), 320));
    s.close();
    await e;
  },
  async audio_fork() {
    const e = ended("b4d3a1c2-0000-4000-8000-00000000f00d");
    const s = await ws("/audio_fork?rate=16000", [{ uuid: "b4d3a1c2-0000-4000-8000-00000000f00d", collect: COLLECT }], frames(pcm(gen(16000)), 640));
    s.close();
    await e;
  },
  async audiosocket() {
    const id = "40325ec2-5efd-4bd3-805f-53576e581d13";
    const e = ended(id);
    const socket = connect(server.audiosocketPort, "127.0.0.1");
    await new Promise((r) => socket.once("connect", r));
    const msg = (t, p = Buffer.alloc(0)) => Buffer.concat([Buffer.from([t, p.length >> 8, p.length & 255]), p]);
    socket.write(msg(1, Buffer.from(id.replace(/-/g, ""), "hex")));
    for (const f of frames(pcm(gen(8000)), 320)) socket.write(msg(0x10, f));
    socket.write(msg(0));
    await e;
  },
  async rtp() {
    const udp = createSocket("udp4");
    await new Promise((r) => udp.bind(0, "127.0.0.1", r));
    const e = ended(`rtp-127.0.0.1:${udp.address().port}`);
    frames(encodeSamples(gen(8000).samples, "mulaw"), 160).forEach((f, k) => {
      const b = Buffer.alloc(12 + f.length); b[0] = 0x80; b[1] = 0; b.writeUInt16BE(k, 2); b.writeUInt32BE(k * 160, 4); b.writeUInt32BE(7, 8); f.copy(b, 12);
      udp.send(b, server.rtpPort, "127.0.0.1");
    });
    await e;
    udp.close();
  },
};
for (const [name, run] of Object.entries(calls)) {
  if (only.length && !only.includes(name)) continue;
  got.length = 0;
  await run();
  await server.drain();
  console.log(`# ${name}`);
  for (const p of got) console.log(JSON.stringify(p));
}
await server.close();
receiver.close();
