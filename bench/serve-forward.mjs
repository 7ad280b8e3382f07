/**
 * What `--forward-url` costs: N Twilio calls (μ-law, keys over speech) streamed flat-out into
 * one in-process server, without forwarding, then forwarding with each method, to a recorder in
 * the same process. Reports media seconds per CPU second of the whole process (the clients
 * building and sending the frames, and for the forward runs the recorder receiving them, are
 * in it too) and the ratio against the run without forwarding, measured in the same process.
 *
 *   node bench/serve-forward.mjs [--calls 20] [--seconds 20]
 *
 * Needs `npm run build`. Everything listens on 127.0.0.1.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import wavefile from "wavefile";
import WebSocket, { WebSocketServer } from "ws";
import { DtmfEngine, encodeSamples, generateDtmf, startServer } from "../dist/index.js";

const { values } = parseArgs({ options: { calls: { type: "string", default: "20" }, seconds: { type: "string", default: "20" } } });
const CALLS = Number(values.calls), SECONDS = Number(values.seconds);

const wav = new wavefile.WaveFile(readFileSync(new URL("../audio-fixtures/talkoff/speech-fr.wav", import.meta.url)));
const speech = Float32Array.from(wav.getSamples(false, Int16Array), (v) => v / 32768);
const keys = generateDtmf({ keys: "4111111111111111".repeat(Math.ceil(SECONDS / 4)), toneMs: 90, gapMs: 160, leadMs: 500 });
const n = SECONDS * 8000;
const mixed = new Float32Array(n);
for (let i = 0; i < n; i++) mixed[i] = (keys.samples[i] ?? 0) + 0.3 * speech[i % speech.length];
const ulaw = encodeSamples(mixed, "mulaw");
const payloads = [];
for (let at = 0; at + 160 <= ulaw.length; at += 160) payloads.push(Buffer.from(ulaw.subarray(at, at + 160)).toString("base64"));

async function run(engine, forward, candidates = true) {
  const recorder = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise((r) => recorder.once("listening", r));
  let received = 0;
  const closed = [];
  recorder.on("connection", (ws) => { closed.push(new Promise((r) => ws.once("close", r))); ws.on("message", () => { received++; }); });
  const server = await startServer({
    port: 0, engine, payloads: ["dtmf"], maxCalls: CALLS + 10,
    ...(forward ? { forwardUrl: `ws://127.0.0.1:${recorder.address().port}/{callId}`, redactMethod: forward, redactCandidates: candidates, forwardMaxBufferedBytes: 64 << 20 } : {}),
  });
  server.setMaxListeners(CALLS + 10);
  let keysFound = 0;
  server.on("payload", () => { keysFound++; });
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CALLS }, (_, c) => new Promise((resolve, reject) => {
    const callSid = `CA${c}`;
    const ended = (s) => { if (s.callId === callSid) { server.off("callEnded", ended); resolve(); } };
    server.on("callEnded", ended);
    const ws = new WebSocket(`${server.url}/twilio`, { perMessageDeflate: false });
    ws.once("error", reject);
    ws.once("open", () => {
      ws.send(JSON.stringify({ event: "connected", protocol: "Call", version: "1.0.0" }));
      ws.send(JSON.stringify({ event: "start", streamSid: `MZ${c}`, start: { callSid, streamSid: `MZ${c}`, tracks: ["inbound"], mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 } } }));
      for (let i = 0; i < payloads.length; i++) ws.send(`{"event":"media","streamSid":"MZ${c}","media":{"track":"inbound","chunk":"${i + 1}","timestamp":"${i * 20}","payload":"${payloads[i]}"}}`);
      ws.send(JSON.stringify({ event: "stop", streamSid: `MZ${c}` }));
    });
  })));
  await Promise.all(closed);
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const stats = server.stats();
  await server.close();
  await new Promise((r) => recorder.close(r));
  return { mode: forward ? `forward, ${forward}${candidates ? "" : ", --no-redact-candidates"}` : "detect only", cpuS, wallS, mediaPerCpuS: (CALLS * SECONDS) / cpuS, keys: keysFound, forwardedFrames: stats.forward?.frames ?? 0, dropped: (stats.forward?.droppedOverflow ?? 0) + (stats.forward?.droppedDisconnected ?? 0), received };
}

const engine = await DtmfEngine.create();
await run(engine, undefined); // warm-up
const rows = [];
for (const [mode, candidates] of [[undefined, true], ["silence", false], ["silence", true], ["notch", true]]) rows.push(await run(engine, mode, candidates));
const base = rows[0].mediaPerCpuS;
console.log(`${CALLS} Twilio calls × ${SECONDS} s (μ-law, ${payloads.length} frames each), flat-out, one process, Node ${process.version}`);
console.log("| mode | media s per CPU s | against detect only | keys reported | frames forwarded | dropped |");
console.log("|---|---:|---:|---:|---:|---:|");
for (const r of rows) console.log(`| ${r.mode} | ${Math.round(r.mediaPerCpuS)} | ${(r.mediaPerCpuS / base).toFixed(2)} | ${r.keys} | ${r.forwardedFrames} | ${r.dropped} |`);
