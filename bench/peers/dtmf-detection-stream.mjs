/**
 * Bench peer: the npm package dtmf-detection-stream (a Node Writable stream; a Goertzel
 * bank over 92-sample blocks at 8 kHz).
 *
 * Fed as its README shows: new DtmfDetectionStream({ format }) with 16-bit mono 8 kHz, one
 * write() of raw PCM bytes per frame, 'dtmf' events listened to with .on(). What it reports
 * and how we map it:
 *   - one 'dtmf' event per key, { digit, timestamp }, emitted when it sees the key's tone
 *     go away (a block of a different key, or a block whose spectrum has more than two
 *     peaks). timestamp is its sample counter in seconds at that block's end; we give it as
 *     keydownMs (the moment the key was reported) and keyupMs (the same moment).
 *   - it never says where a key started or ended, so startMs and endMs are null.
 *   - A-D come out lower-case; we upper-case them.
 * Quirks of the package (1.18.0) we work around or leave visible:
 *   - _write() reads chunk.buffer from offset 0 (it ignores byteOffset), so every chunk
 *     must be a Buffer over its own ArrayBuffer: a Buffer from Node's shared pool, or a view
 *     into a bigger array, would feed it the wrong samples. We copy each frame.
 *   - .on() is redirected to an internal emitter, so the stream's own 'finish' cannot be
 *     listened to; we use end(callback).
 *   - After each key it arms a 500 ms timer (its 'speech' aggregation); we clear it at the
 *     end so it does not hold the process open.
 *   - A key followed by clean silence ("energy not enough" blocks) is not reported until
 *     something else triggers the emission; whatever is pending when the stream ends is
 *     lost, as the package has no flush.
 */
import { checkPeerInput, npmPackage, timePasses } from "../lib/peer-common.mjs";

export const name = "dtmf-detection-stream";

const PACKAGE = "dtmf-detection-stream";
const RATE = 8000;
const FORMAT = { sampleRate: RATE, bitDepth: 16, channels: 1 };

const { load, available, version } = npmPackage(PACKAGE);
export { available, version };

const checkInput = (samples, frameSize) => checkPeerInput(name, samples, frameSize);

/**
 * The frames as Buffers of 16-bit PCM in host byte order (what the package reads back with
 * new Int16Array), each over its own ArrayBuffer starting at offset 0.
 */
function toChunks(samples, frameSize) {
  const chunks = [];
  for (let at = 0; at < samples.length; at += frameSize) {
    const frame = samples.slice(at, Math.min(samples.length, at + frameSize)); // fresh ArrayBuffer
    chunks.push(Buffer.from(frame.buffer, 0, frame.byteLength));
  }
  return chunks;
}

function finish(stream) {
  return new Promise((resolve, reject) => {
    stream.end((error) => {
      clearTimeout(stream.timeoutID); // its 'speech' aggregation timer
      if (error) reject(error);
      else resolve();
    });
  });
}

export async function detect(samples, { frameSize = 160 } = {}) {
  checkInput(samples, frameSize);
  const DtmfDetectionStream = load();
  const stream = new DtmfDetectionStream({ format: { ...FORMAT } });
  const detections = [];
  stream.on("dtmf", ({ digit, timestamp }) => {
    const reportedMs = (Math.round(timestamp * RATE) * 1000) / RATE; // its counter, back to exact samples
    detections.push({ digit: String(digit).toUpperCase(), startMs: null, endMs: null, keydownMs: reportedMs, keyupMs: reportedMs });
  });
  for (const chunk of toChunks(samples, frameSize)) stream.write(chunk);
  await finish(stream);
  return detections;
}

export async function throughput(samples, { frameSize = 160, repeat = 10 } = {}) {
  checkInput(samples, frameSize);
  if (!Number.isInteger(repeat) || repeat < 1) throw new RangeError(`${name}: repeat must be a positive integer`);
  const DtmfDetectionStream = load();
  // Converting to Buffers is our adapter's work, not the detector's: done once, outside the clock.
  const chunks = toChunks(samples, frameSize);
  /** One pass over the samples with a fresh stream; only the writes and end() are timed. */
  const pass = async () => {
    const stream = new DtmfDetectionStream({ format: { ...FORMAT } });
    let reports = 0;
    stream.on("dtmf", () => { reports++; });
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (const chunk of chunks) stream.write(chunk);
    await finish(stream);
    const wall = Number(process.hrtime.bigint() - t0);
    const cpu = process.cpuUsage(cpu0);
    return { cpu: (cpu.user + cpu.system) * 1000, wall, reports };
  };
  return timePasses(pass, samples, repeat, "the write() calls and end()");
}
