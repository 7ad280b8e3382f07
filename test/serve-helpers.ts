/**
 * Helpers for the `serve` tests: call audio (generated keys over real speech from
 * audio-fixtures/talkoff/), the platforms' exact messages, a webhook receiver, WebSocket
 * clients on 127.0.0.1. Every loop is bounded by the audio's length.
 */
import { readFileSync } from "node:fs";
import { type IncomingMessage, type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import wavefile from "wavefile";
import WebSocket from "ws";
import { encodeSamples, generateDtmf, type GenerateOptions, type GeneratedTone } from "../src/generator.js";
import type { DtmfServer } from "../src/server/server.js";

export const FRAME_MS = 20;

let speech8k: Float32Array | undefined;
/** 25 s of French speech at 8 kHz (audio-fixtures/talkoff/speech-fr.wav), full scale = 1. */
export function speech(): Float32Array {
  if (!speech8k) {
    const wav = new wavefile.WaveFile(readFileSync(new URL("../audio-fixtures/talkoff/speech-fr.wav", import.meta.url)));
    const pcm = wav.getSamples(false, Int16Array) as unknown as Int16Array;
    speech8k = Float32Array.from(pcm, (v) => v / 32768);
  }
  return speech8k;
}

export interface CallAudio { samples: Float32Array; tones: GeneratedTone[]; sampleRate: number }

/**
 * Keys over speech: `gen` generated at `sampleRate`, with the speech excerpt (from `speechAtS`,
 * linearly interpolated to the rate) mixed in at `speechGain` (0: no speech).
 */
export function callAudio(gen: GenerateOptions, speechGain = 0.3, speechAtS = 2): CallAudio {
  const audio = generateDtmf(gen);
  const rate = audio.sampleRate;
  const s = speech();
  const out = Float32Array.from(audio.samples);
  if (speechGain > 0) {
    const step = 8000 / rate;
    for (let n = 0; n < out.length; n++) {
      const x = speechAtS * 8000 + n * step;
      const i = Math.floor(x);
      if (i + 1 >= s.length) break;
      out[n] += speechGain * (s[i] + (x - i) * (s[i + 1] - s[i]));
    }
  }
  return { samples: out, tones: audio.tones, sampleRate: rate };
}

export function mulaw(a: CallAudio): Uint8Array { return encodeSamples(a.samples, "mulaw"); }
export function alaw(a: CallAudio): Uint8Array { return encodeSamples(a.samples, "alaw"); }
/** 16-bit little-endian bytes. */
export function pcm16le(a: CallAudio): Buffer { const i = encodeSamples(a.samples, "pcm16"); return Buffer.from(i.buffer, i.byteOffset, i.byteLength); }
export function pcm16be(a: CallAudio): Buffer { return Buffer.from(pcm16le(a)).swap16(); }
/** Two mono calls interleaved as 16-bit LE stereo (the shorter one padded with silence). */
export function stereo16le(left: CallAudio, right: CallAudio): Buffer {
  const l = encodeSamples(left.samples, "pcm16"), r = encodeSamples(right.samples, "pcm16");
  const n = Math.max(l.length, r.length);
  const out = Buffer.alloc(n * 4);
  for (let i = 0; i < n; i++) { out.writeInt16LE(l[i] ?? 0, i * 4); out.writeInt16LE(r[i] ?? 0, i * 4 + 2); }
  return out;
}

/** Splits bytes into 20 ms frames of `bytesPerFrame`. */
export function frames(bytes: Uint8Array, bytesPerFrame: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += bytesPerFrame) out.push(Buffer.from(bytes.subarray(at, Math.min(bytes.length, at + bytesPerFrame))));
  return out;
}

/** An RTP packet: version 2, the marker, payload type, sequence, timestamp, SSRC. */
export function rtpPacket(pt: number, sequence: number, timestamp: number, ssrc: number, payload: Uint8Array, marker = false): Buffer {
  const b = Buffer.alloc(12 + payload.length);
  b[0] = 0x80;
  b[1] = (marker ? 0x80 : 0) | pt;
  b.writeUInt16BE(sequence & 0xffff, 2);
  b.writeUInt32BE(timestamp >>> 0, 4);
  b.writeUInt32BE(ssrc >>> 0, 8);
  b.set(payload, 12);
  return b;
}

/** A WebSocket client playing the platform. */
export class Client {
  readonly socket: WebSocket;
  readonly received: unknown[] = [];
  readonly closed: Promise<number>;
  readonly opened: Promise<void>;
  constructor(url: string, protocols?: string | string[]) {
    this.socket = new WebSocket(url, protocols, { perMessageDeflate: false });
    this.closed = new Promise((resolve) => this.socket.once("close", (code) => resolve(code)));
    this.opened = new Promise((resolve, reject) => { this.socket.once("open", () => resolve()); this.socket.once("error", reject); });
    this.socket.on("message", (data, isBinary) => { if (!isBinary) { try { this.received.push(JSON.parse(data.toString())); } catch { this.received.push(data.toString()); } } });
  }
  json(message: unknown): void { this.socket.send(JSON.stringify(message)); }
  text(text: string): void { this.socket.send(text); }
  binary(data: Uint8Array): void { this.socket.send(data); }
  close(): void { this.socket.close(); }
}

export async function open(url: string, protocols?: string | string[]): Promise<Client> {
  const c = new Client(url, protocols);
  await c.opened;
  return c;
}

/** Resolves with the summary of call `callId` when it ends. */
export function callEnded(server: DtmfServer, callId: string): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const on = (s: Record<string, unknown>) => { if (s.callId === callId) { server.off("callEnded", on); resolve(s); } };
    server.on("callEnded", on);
  });
}

/** Payloads of one call, in the order the server produced them. */
export function recordPayloads(server: DtmfServer): Map<string, Record<string, unknown>[]> {
  const byCall = new Map<string, Record<string, unknown>[]>();
  server.on("payload", (r: { callId: string; payload: Record<string, unknown> }) => {
    if (!byCall.has(r.callId)) byCall.set(r.callId, []);
    byCall.get(r.callId)!.push(r.payload);
  });
  return byCall;
}

/** A webhook receiver: every POST body, in arrival order. */
export interface Receiver { url: string; bodies: Record<string, unknown>[]; server: Server; close(): Promise<void> }

export async function webhookReceiver(): Promise<Receiver> {
  const bodies: Record<string, unknown>[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (c) => { text += c; });
    req.on("end", () => { bodies.push(JSON.parse(text)); res.writeHead(204).end(); });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/dtmf`, bodies, server,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** A short one-line view of a payload list: d5 = dtmf 5, c[12#success] = digits.collected, r2 = reprompt, k5 = keydown. */
export function summary(payloads: Record<string, unknown>[]): string[] {
  return payloads.map((p) => {
    if (p.event === "dtmf") return `d${p.digit}`;
    if (p.event === "digits.collected") return `c[${p.digits}${p.terminator}:${p.status}]`;
    if (p.event === "reprompt") return `r${p.attempt}`;
    if (p.event === "keydown") return `k${p.digit}`;
    if (p.type === "dtmf_received") return `R${p.digit}`;
    if (p.eventType === "dtmf") return `B${p.digit}`;
    return JSON.stringify(p);
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
