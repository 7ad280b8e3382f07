/**
 * A stand-in for the voice platform: streams a call's μ-law audio to a media-stream server
 * over a WebSocket, as the platforms do (connected, start, one media message per 20 ms frame
 * with sequence numbers and timestamps, stop). Used by the test, the load script and the
 * README example.
 */
import WebSocket from "ws";

export const FRAME_MS = 20;

export class PlatformCall {
  /**
   * @param {string} url ws:// URL of the server
   * @param {{ callSid: string, audio: Uint8Array, sampleRate?: number, encoding?: string, customParameters?: object }} call
   */
  constructor(url, { callSid, audio, sampleRate = 8000, encoding = "audio/x-mulaw", customParameters = {} }) {
    this.url = url;
    this.callSid = callSid;
    this.streamSid = `MZ${callSid}`;
    this.audio = audio;
    this.sampleRate = sampleRate;
    this.encoding = encoding;
    this.customParameters = customParameters;
    this.frameSamples = Math.round((sampleRate * FRAME_MS) / 1000);
    this.frames = Math.ceil(audio.length / this.frameSamples);
    this.sequence = 0;
    this.socket = undefined;
    this.closed = undefined;
  }

  /** Opens the socket and sends connected + start. */
  async open() {
    const socket = new WebSocket(this.url, { perMessageDeflate: false });
    this.socket = socket;
    this.closed = new Promise((resolve) => socket.once("close", (code) => resolve(code)));
    await new Promise((resolve, reject) => { socket.once("open", resolve); socket.once("error", reject); });
    this.send({ event: "connected", protocol: "Call", version: "1.0.0" });
    this.send({
      event: "start", sequenceNumber: String(++this.sequence), streamSid: this.streamSid,
      start: {
        streamSid: this.streamSid, callSid: this.callSid, accountSid: "ACtest", tracks: ["inbound"], customParameters: this.customParameters,
        mediaFormat: { encoding: this.encoding, sampleRate: this.sampleRate, channels: 1 },
      },
    });
  }

  send(message) { this.socket.send(typeof message === "string" ? message : JSON.stringify(message)); }

  /** Sends frame `index` (20 ms of audio; the last one may be shorter). */
  sendFrame(index) {
    const from = index * this.frameSamples;
    const payload = Buffer.from(this.audio.buffer, this.audio.byteOffset + from, Math.min(this.frameSamples, this.audio.length - from)).toString("base64");
    this.send(`{"event":"media","sequenceNumber":"${++this.sequence}","streamSid":"${this.streamSid}","media":{"track":"inbound","chunk":"${index + 1}","timestamp":"${index * FRAME_MS}","payload":"${payload}"}}`);
  }

  /** Asks for a digit collection from the current point of the stream. */
  sendCollect(collect) { this.send({ event: "collect", streamSid: this.streamSid, collect }); }

  sendStop() { this.send({ event: "stop", sequenceNumber: String(++this.sequence), streamSid: this.streamSid, stop: { accountSid: "ACtest", callSid: this.callSid } }); }

  /** Drops the connection without a stop message (a crashed platform, a network failure). */
  drop() { this.socket.terminate(); }
}

/**
 * Streams a whole call. pace "realtime": one frame per 20 ms timer tick; "fast": every frame at
 * once. `collect` is sent before frame `collectAtFrame` (default 0); `dropAfterFrame` cuts the
 * connection after that frame (no stop); `skipFrames` are never sent (lost packets).
 */
export async function streamCall(url, call, { pace = "fast", collect, collectAtFrame = 0, dropAfterFrame, skipFrames = new Set() } = {}) {
  const platform = new PlatformCall(url, call);
  await platform.open();
  const step = (index) => {
    if (collect && index === collectAtFrame) platform.sendCollect(collect);
    if (!skipFrames.has(index)) platform.sendFrame(index);
    if (index === dropAfterFrame) { platform.drop(); return false; }
    return true;
  };
  let last = platform.frames - 1;
  if (dropAfterFrame !== undefined) last = Math.min(last, dropAfterFrame);
  if (pace === "fast") {
    for (let i = 0; i <= last; i++) if (!step(i)) return platform.closed;
  } else {
    await new Promise((resolve) => {
      let i = 0;
      const timer = setInterval(() => {
        const goOn = step(i);
        i++;
        if (!goOn || i > last) { clearInterval(timer); resolve(); }
      }, FRAME_MS);
    });
    if (dropAfterFrame !== undefined) return platform.closed;
  }
  platform.sendStop();
  return platform.closed;
}
