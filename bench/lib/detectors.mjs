/**
 * Every detector the bench compares, behind the interface of bench/peers/README.md:
 * `detect(Int16Array of 8 kHz PCM, { frameSize })` → [{ digit, startMs, endMs, keydownMs, keyupMs }].
 * dtmf-wasm itself is wrapped here the same way (one channel on a shared engine, pcm16 input,
 * fed frameSize samples at a time), so every detector gets the very same samples.
 */
import { readFileSync } from "node:fs";
import { DtmfEngine } from "../../dist/index.js";
import { loadPeers } from "../peers.mjs";

const RATE = 8000;
export const OURS = "dtmf-wasm";

let enginePromise;
/** One engine for the whole bench run (the module is compiled once per process anyway). */
export function sharedEngine() {
  enginePromise ??= DtmfEngine.create();
  return enginePromise;
}

/** dtmf-wasm's events as detections: keydown gives keydownMs, the dtmf event start/end/keyup. */
export function oursDetections(events, into = []) {
  for (const e of events) {
    if (e.type === "keydown") {
      into.push({ digit: e.digit, startMs: e.startMs, endMs: null, keydownMs: e.detectedMs, keyupMs: null });
    } else {
      // The press this dtmf event closes: the latest open one of that digit (keydown comes first).
      let open = null;
      for (let i = into.length - 1; i >= 0 && i >= into.length - 4; i--) {
        if (into[i].keyupMs === null && into[i].digit === e.digit) { open = into[i]; break; }
      }
      if (!open) { open = { digit: e.digit, startMs: e.startMs, endMs: null, keydownMs: e.detectedMs, keyupMs: null }; into.push(open); }
      open.startMs = e.startMs;
      open.endMs = e.startMs + e.durationMs;
      open.keyupMs = e.detectedMs;
    }
  }
  return into;
}

async function oursDetector() {
  const engine = await sharedEngine();
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
  return {
    id: OURS,
    name: "dtmf-wasm",
    version: pkg.version,
    available: { ok: true },
    ours: true,
    async detect(samples, { frameSize = 160, dialToneFilter = false } = {}) {
      const detector = engine.createDetector({ sampleRate: RATE, encoding: "pcm16", dialToneFilter });
      const detections = [];
      for (let at = 0; at < samples.length; at += frameSize) oursDetections(detector.process(samples.subarray(at, at + frameSize)), detections);
      oursDetections(detector.flush(), detections);
      detector.close();
      return detections;
    },
  };
}

/** Peers in table order: the C reference first, then the npm packages; unknown ones after. */
const ORDER = ["spandsp", "dtmf-detection-stream", "goertzel"];

/** dtmf-wasm first, then the peers, each with id, name, version, available. */
export async function loadDetectors() {
  const rank = (id) => (ORDER.includes(id) ? ORDER.indexOf(id) : ORDER.length);
  const peers = (await loadPeers()).sort((a, b) => rank(a.id) - rank(b.id) || a.id.localeCompare(b.id));
  return [await oursDetector(), ...peers];
}
