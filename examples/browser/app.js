// The demo page: a source (microphone, or an audio file played live or analysed offline)
// into the dtmf-wasm AudioWorklet; a keypad that lights up while a key is down, the list of
// presses with their durations, and the `dtmf` payload (seed 001) of each press.
import { createDtmfWorkletNode } from "../../dist/worklet/index.js";
import { compileCore } from "../../dist/wasm.js";
import { buildDtmfPayload } from "../../dist/payloads/dtmf.js";
import { encodeSamples, generateDtmf } from "../../dist/generator.js";

const $ = (selector) => document.querySelector(selector);
const ui = {
  mic: $("#mic"), file: $("#file"), play: $("#play"), analyze: $("#analyze"), stop: $("#stop"), rate: $("#rate"),
  tones: $("#tones"), generate: $("#generate"), session: $("#session"), status: $("#status"), keypad: $("#keypad"),
  keys: $("#keys"), latency: $("#latency"), presses: $("#presses tbody"), payloads: $("#payloads"),
};

/** The compiled core, shared by every context of the page. */
const core = compileCore();
/** The file chosen or generated: { name, bytes }. */
let current;
/** What is running now: { context, dtmf, stop() }. */
let running;
/** Results of the current run (also read by the browser test). */
const results = { keys: "", presses: [], keydowns: [], payloads: [], sampleRate: 0, mode: "" };
window.dtmfDemo = { results };

function setStatus(state, text) {
  ui.status.dataset.state = state;
  ui.status.textContent = text;
}

function keyCell(digit) { return ui.keypad.querySelector(`[data-key="${CSS.escape(digit)}"]`); }

function reset(mode, sampleRate) {
  Object.assign(results, { keys: "", presses: [], keydowns: [], payloads: [], sampleRate, mode });
  ui.keys.textContent = "";
  ui.latency.textContent = "–";
  ui.presses.replaceChildren();
  ui.payloads.replaceChildren();
  for (const cell of ui.keypad.children) cell.classList.remove("down", "seen");
}

function showLatency() {
  const latencies = results.keydowns.map((k) => k.detectedMs - k.startMs).sort((a, b) => a - b);
  if (latencies.length === 0) return;
  const median = latencies[Math.floor(latencies.length / 2)];
  ui.latency.textContent = `median ${median.toFixed(1)} ms, max ${latencies.at(-1).toFixed(1)} ms (${latencies.length} keys)`;
}

function onEvent(event, posted) {
  const cell = keyCell(event.digit);
  if (event.type === "keydown") {
    cell?.classList.add("down", "seen");
    results.keydowns.push({ digit: event.digit, startMs: event.startMs, detectedMs: event.detectedMs, postedMs: (posted.positionSamples * 1000) / results.sampleRate });
    showLatency();
    return;
  }
  cell?.classList.remove("down");
  results.keys += event.digit;
  results.presses.push(event);
  ui.keys.textContent = results.keys;
  const keydown = results.keydowns.findLast((k) => k.digit === event.digit && k.startMs === event.startMs);
  const row = document.createElement("tr");
  const cells = [results.presses.length, event.digit, event.startMs.toFixed(1), event.durationMs.toFixed(1),
    keydown ? (keydown.detectedMs - keydown.startMs).toFixed(1) : "–", `${event.lowDbm0.toFixed(1)}/${event.highDbm0.toFixed(1)}`];
  for (const text of cells) {
    const td = document.createElement("td");
    td.textContent = String(text);
    row.append(td);
  }
  ui.presses.append(row);
  const payload = buildDtmfPayload(event, { sessionUuid: ui.session.value || "demo-session" });
  results.payloads.push(payload);
  const item = document.createElement("li");
  const pre = document.createElement("pre");
  pre.textContent = JSON.stringify(payload).replaceAll(",\"", ", \"");
  item.append(pre);
  ui.payloads.append(item);
}

function onError(error) {
  setStatus("error", `Error: ${error.message}`);
  stop();
}

function setRunning(value) {
  ui.stop.disabled = !value;
  ui.mic.disabled = value;
  ui.play.disabled = value || !current;
  ui.analyze.disabled = value || !current;
}

async function stop() {
  const was = running;
  running = undefined;
  setRunning(false);
  if (!was) return;
  await was.stop();
}

/** Ends a live run: the flush reports a press still open and arrives after every earlier event. */
async function finish(context, dtmf) {
  const { positionSamples } = await dtmf.flush();
  dtmf.close();
  await context.close();
  setStatus("done", `Stopped after ${(positionSamples / context.sampleRate).toFixed(2)} s at ${context.sampleRate} Hz, ${results.presses.length} key presses.`);
}

async function startMicrophone() {
  await stop();
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } });
    const context = new AudioContext({ sampleRate: Number(ui.rate.value) });
    reset("microphone", context.sampleRate);
    const dtmf = await createDtmfWorkletNode(context, { wasm: await core, onEvent, onError });
    context.createMediaStreamSource(stream).connect(dtmf.node);
    await dtmf.ready;
    running = {
      context, dtmf,
      stop: async () => {
        for (const track of stream.getTracks()) track.stop();
        await finish(context, dtmf);
      },
    };
    setRunning(true);
    setStatus("running", `Listening at ${context.sampleRate} Hz…`);
  } catch (error) {
    onError(error);
  }
}

async function playFile() {
  if (!current) return;
  await stop();
  try {
    const context = new AudioContext({ sampleRate: Number(ui.rate.value) });
    reset("play", context.sampleRate);
    const buffer = await context.decodeAudioData(current.bytes.slice(0));
    const dtmf = await createDtmfWorkletNode(context, { wasm: await core, onEvent, onError });
    const source = new AudioBufferSourceNode(context, { buffer });
    source.connect(dtmf.node);
    source.connect(context.destination);
    await dtmf.ready;
    source.start();
    running = { context, dtmf, stop: async () => { source.onended = null; source.stop(); await finish(context, dtmf); } };
    setRunning(true);
    setStatus("running", `Playing ${current.name} at ${context.sampleRate} Hz…`);
    source.onended = () => setStatus("played", `Played ${current.name}; still listening (Stop to end).`);
  } catch (error) {
    onError(error);
  }
}

/**
 * Offline: the file through the same worklet in an OfflineAudioContext, as fast as the machine
 * goes. Deterministic: the events depend only on the samples.
 */
async function analyzeOffline() {
  if (!current) return;
  await stop();
  const rate = Number(ui.rate.value);
  try {
    setRunning(true);
    setStatus("running", `Analysing ${current.name} at ${rate} Hz…`);
    const decoded = await new OfflineAudioContext(1, 1, rate).decodeAudioData(current.bytes.slice(0));
    // 200 ms of silence after the file, so a press at its very end is over before the flush.
    const context = new OfflineAudioContext(1, decoded.length + Math.round(rate * 0.2), rate);
    reset("offline", rate);
    const dtmf = await createDtmfWorkletNode(context, { wasm: await core, onEvent, onError });
    const source = new AudioBufferSourceNode(context, { buffer: decoded });
    source.connect(dtmf.node);
    source.start();
    await context.startRendering();
    const { positionSamples } = await dtmf.flush();
    setRunning(false);
    setStatus("done", `Analysed ${current.name}: ${(positionSamples / rate).toFixed(2)} s at ${rate} Hz, ${results.presses.length} key presses.`);
  } catch (error) {
    setRunning(false);
    onError(error);
  }
}

/** A 16-bit mono WAV of `samples` (full scale 1). */
function wavBytes(samples, sampleRate) {
  const pcm = encodeSamples(samples, "pcm16");
  const bytes = new ArrayBuffer(44 + pcm.byteLength);
  const view = new DataView(bytes);
  const text = (at, s) => { for (let i = 0; i < s.length; i++) view.setUint8(at + i, s.charCodeAt(i)); };
  text(0, "RIFF"); view.setUint32(4, 36 + pcm.byteLength, true); text(8, "WAVE");
  text(12, "fmt "); view.setUint32(16, 16, true); view.setUint16(20, 1, true); view.setUint16(22, 1, true);
  view.setUint32(24, sampleRate, true); view.setUint32(28, sampleRate * 2, true); view.setUint16(32, 2, true); view.setUint16(34, 16, true);
  text(36, "data"); view.setUint32(40, pcm.byteLength, true);
  new Int16Array(bytes, 44).set(pcm);
  return bytes;
}

function generate() {
  try {
    const keys = ui.tones.value.trim() || "159#0*D";
    const audio = generateDtmf({ keys, sampleRate: 8000, toneMs: 120, gapMs: 120, leadMs: 300, tailMs: 300 });
    useFile(`tones-${keys}.wav`, wavBytes(audio.samples, audio.sampleRate));
  } catch (error) {
    onError(error);
  }
}

function useFile(name, bytes) {
  current = { name, bytes };
  setRunning(Boolean(running));
  setStatus("idle", `Loaded ${name} (${bytes.byteLength} bytes).`);
}

ui.mic.addEventListener("click", startMicrophone);
ui.play.addEventListener("click", playFile);
ui.analyze.addEventListener("click", analyzeOffline);
ui.stop.addEventListener("click", () => { void stop(); });
ui.generate.addEventListener("click", generate);
ui.file.addEventListener("change", async () => {
  const file = ui.file.files?.[0];
  if (file) useFile(file.name, await file.arrayBuffer());
});
document.documentElement.dataset.ready = "true";
