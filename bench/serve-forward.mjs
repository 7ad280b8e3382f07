/**
 * What `--forward-url` costs: N Twilio calls (μ-law, keys over speech) streamed flat-out into
 * one in-process server, without forwarding, then forwarding with each method, to a recorder in
 * the same process. Reports media seconds per CPU second of the whole process (the clients
 * building and sending the frames, and for the forward runs the recorder receiving them, are
 * in it too) and the ratio against the run without forwarding, measured in the same process.
 * `--protocol audiosocket`: the same calls as Asterisk AudioSocket (8 kHz slin over TCP),
 * forwarded with `--forward-audiosocket-url` to a TCP recorder. (RTP is not played flat-out:
 * UDP has no backpressure, so the kernel would drop what the server cannot take.)
 *
 *   node bench/serve-forward.mjs [--calls 20] [--seconds 20] [--protocol twilio|audiosocket]
 *
 * Needs `npm run build`. Everything listens on 127.0.0.1.
 */
import { readFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { parseArgs } from "node:util";
import wavefile from "wavefile";
import WebSocket, { WebSocketServer } from "ws";
import { DtmfEngine, encodeSamples, generateDtmf, startServer } from "../dist/index.js";
import { audioSocketMessage } from "../dist/server/audiosocket.js";

const { values } = parseArgs({ options: { calls: { type: "string", default: "20" }, seconds: { type: "string", default: "20" }, protocol: { type: "string", default: "twilio" } } });
const CALLS = Number(values.calls), SECONDS = Number(values.seconds), PROTOCOL = values.protocol;
if (!["twilio", "audiosocket"].includes(PROTOCOL)) throw new Error(`--protocol must be twilio or audiosocket; received ${PROTOCOL}`);

const wav = new wavefile.WaveFile(readFileSync(new URL("../audio-fixtures/talkoff/speech-fr.wav", import.meta.url)));
const speech = Float32Array.from(wav.getSamples(false, Int16Array), (v) => v / 32768);
const keys = generateDtmf({ keys: "4111111111111111".repeat(Math.ceil(SECONDS / 4)), toneMs: 90, gapMs: 160, leadMs: 500 });
const n = SECONDS * 8000;
const mixed = new Float32Array(n);
for (let i = 0; i < n; i++) mixed[i] = (keys.samples[i] ?? 0) + 0.3 * speech[i % speech.length];
const ulaw = encodeSamples(mixed, "mulaw");
const payloads = [];
for (let at = 0; at + 160 <= ulaw.length; at += 160) payloads.push(Buffer.from(ulaw.subarray(at, at + 160)).toString("base64"));
const slin = encodeSamples(mixed, "pcm16");
const slinFrames = Buffer.concat(payloads.map((_, i) => audioSocketMessage(0x10, new Uint8Array(slin.buffer, slin.byteOffset + i * 320, 320))));

/** A forward target in this process: counts what it receives; `closed` resolves once every connection has closed. */
async function recorderFor(protocol) {
  let received = 0;
  const closed = [];
  if (protocol === "twilio") {
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise((r) => wss.once("listening", r));
    wss.on("connection", (ws) => { closed.push(new Promise((r) => ws.once("close", r))); ws.on("message", () => { received++; }); });
    return { option: { forwardUrl: `ws://127.0.0.1:${wss.address().port}/{callId}` }, received: () => received, closed, close: () => new Promise((r) => wss.close(r)) };
  }
  const tcp = createServer((socket) => { closed.push(new Promise((r) => socket.once("close", r))); socket.on("data", (d) => { received += d.length; }); socket.on("end", () => socket.end()); });
  await new Promise((r) => tcp.listen(0, "127.0.0.1", r));
  return { option: { forwardAudiosocketUrl: `tcp://127.0.0.1:${tcp.address().port}` }, received: () => received, closed, close: () => new Promise((r) => tcp.close(r)) };
}

/** Plays call `c` into the server. */
function playCall(server, c, reject) {
  if (PROTOCOL === "audiosocket") {
    const socket = connect(server.audiosocketPort, "127.0.0.1");
    socket.once("error", reject);
    socket.once("connect", () => {
      const uuid = Buffer.alloc(16);
      uuid.writeUInt32BE(c, 12);
      socket.write(audioSocketMessage(0x01, uuid));
      socket.write(slinFrames);
      socket.end(audioSocketMessage(0x00));
    });
    return;
  }
  const callSid = `CA${c}`;
  const ws = new WebSocket(`${server.url}/twilio`, { perMessageDeflate: false });
  ws.once("error", reject);
  ws.once("open", () => {
    ws.send(JSON.stringify({ event: "connected", protocol: "Call", version: "1.0.0" }));
    ws.send(JSON.stringify({ event: "start", streamSid: `MZ${c}`, start: { callSid, streamSid: `MZ${c}`, tracks: ["inbound"], mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 } } }));
    for (let i = 0; i < payloads.length; i++) ws.send(`{"event":"media","streamSid":"MZ${c}","media":{"track":"inbound","chunk":"${i + 1}","timestamp":"${i * 20}","payload":"${payloads[i]}"}}`);
    ws.send(JSON.stringify({ event: "stop", streamSid: `MZ${c}` }));
  });
}

/** The call id the server gives call `c`. */
const callIdOf = (c) => (PROTOCOL === "audiosocket" ? `00000000-0000-0000-0000-${c.toString(16).padStart(12, "0")}` : `CA${c}`);

async function run(engine, forward, candidates = true) {
  const recorder = await recorderFor(PROTOCOL);
  const server = await startServer({
    port: 0, engine, payloads: ["dtmf"], maxCalls: CALLS + 10, ...(PROTOCOL === "audiosocket" ? { audiosocketPort: 0 } : {}),
    ...(forward ? { ...recorder.option, redactMethod: forward, redactCandidates: candidates, forwardMaxBufferedBytes: 64 << 20 } : {}),
  });
  server.setMaxListeners(CALLS + 10);
  let keysFound = 0;
  server.on("payload", () => { keysFound++; });
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CALLS }, (_, c) => new Promise((resolve, reject) => {
    const id = callIdOf(c);
    const ended = (s) => { if (s.callId === id) { server.off("callEnded", ended); resolve(); } };
    server.on("callEnded", ended);
    playCall(server, c, reject);
  })));
  await Promise.all(recorder.closed);
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const stats = server.stats();
  await server.close();
  await recorder.close();
  return { mode: forward ? `forward, ${forward}${candidates ? "" : ", --no-redact-candidates"}` : "detect only", cpuS, wallS, mediaPerCpuS: (CALLS * SECONDS) / cpuS, keys: keysFound, forwardedFrames: stats.forward?.frames ?? 0, dropped: (stats.forward?.droppedOverflow ?? 0) + (stats.forward?.droppedDisconnected ?? 0), received: recorder.received() };
}

const engine = await DtmfEngine.create();
await run(engine, undefined); // warm-up
const rows = [];
for (const [mode, candidates] of [[undefined, true], ["silence", false], ["silence", true], ["notch", true]]) rows.push(await run(engine, mode, candidates));
const base = rows[0].mediaPerCpuS;
const what = PROTOCOL === "audiosocket" ? `AudioSocket calls × ${SECONDS} s (8 kHz slin` : `Twilio calls × ${SECONDS} s (μ-law`;
console.log(`${CALLS} ${what}, ${payloads.length} frames each), flat-out, one process, Node ${process.version}`);
console.log("| mode | media s per CPU s | against detect only | keys reported | frames forwarded | dropped |");
console.log("|---|---:|---:|---:|---:|---:|");
for (const r of rows) console.log(`| ${r.mode} | ${Math.round(r.mediaPerCpuS)} | ${(r.mediaPerCpuS / base).toFixed(2)} | ${r.keys} | ${r.forwardedFrames} | ${r.dropped} |`);
