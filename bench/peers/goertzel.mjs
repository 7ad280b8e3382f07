/**
 * Bench peer: a minimal DTMF decoder of OUR OWN, built on the npm package `goertzel`.
 *
 * The package only answers "is this one frequency present in this block?" (a boolean per
 * call, for a fixed block length); it has no DTMF decoder. This file is the simplest honest
 * decoder its API allows, written for the bench, so its results measure this decoder on top
 * of the package, not a DTMF detector the package's authors shipped.
 *
 * How it works:
 *   - Blocks of 102 samples (12.75 ms at 8 kHz; the same length spandsp uses), back to back
 *     from the start of the stream, independent of the frame size fed in. A trailing partial
 *     block is never analysed.
 *   - Blocks quieter than -40 dBm0 (mean power) are "no key".
 *   - Otherwise the block is scaled to unit RMS and each of the 8 DTMF frequencies gets its
 *     own goertzel() detector (threshold 0.2: a tone carrying about 10 % or more of the
 *     block's power is "present"). The scaling turns the package's absolute threshold into a
 *     relative one; with raw levels the 13 dB leakage between neighbouring rows of a
 *     102-sample block leaves an absolute threshold only ~10 dB of usable level range.
 *   - A block holds a key when exactly one low-group and exactly one high-group frequency
 *     are present (no twist test, no harmonic or energy-ratio test: the booleans give none).
 *   - Debounce: a key is reported (keydown) when the same key holds in 2 consecutive
 *     blocks; it ends after 2 consecutive blocks without it (keyup).
 *   - startMs is the start of the first of the two blocks that confirmed the key; endMs the
 *     start of the first of the two blocks that ended it; keydownMs / keyupMs are the ends
 *     of the blocks on which those decisions were made. A key still on when the samples run
 *     out is reported with endMs / keyupMs null.
 */
import { COL_HZ, ROW_HZ } from "../../dist/keys.js";
import { FULL_SCALE_16, dbm0ToPower } from "../../dist/levels.js";
import { checkPeerInput, npmPackage, timePasses } from "../lib/peer-common.mjs";

export const name = "goertzel (npm) + our minimal decoder";

const PACKAGE = "goertzel";
const RATE = 8000;
const BLOCK = 102;
const LOW_HZ = ROW_HZ;
const HIGH_HZ = COL_HZ;
const KEYS = ["123A", "456B", "789C", "*0#D"];
/** goertzel()'s threshold on the unit-RMS block: power relative to a full-scale sine. */
const PRESENT = 0.2;
/** Least block power, −40 dBm0 (dtmf-wasm's level convention, src/levels.ts). */
const MIN_BLOCK_POWER = dbm0ToPower(-40);
const CONFIRM_BLOCKS = 2;
const RELEASE_BLOCKS = 2;

const { load, available, version } = npmPackage(PACKAGE);
export { available, version };

class Decoder {
  constructor(goertzel) {
    const detector = (hz) => goertzel({ targetFrequency: hz, sampleRate: RATE, samplesPerFrame: BLOCK, threshold: PRESENT });
    this.low = LOW_HZ.map(detector);
    this.high = HIGH_HZ.map(detector);
    this.block = new Float32Array(BLOCK);
    this.fill = 0;
    this.power = 0;
    this.index = 0; // blocks analysed so far
    this.detections = [];
    this.current = null; // the reported key still on
    this.absent = 0;
    this.absentFrom = 0;
    this.runKey = null; // run of consecutive blocks decoding to the same thing
    this.runLength = 0;
    this.runFrom = 0;
  }

  push(frame) {
    const block = this.block;
    for (let i = 0; i < frame.length; i++) {
      const x = frame[i] / FULL_SCALE_16;
      block[this.fill++] = x;
      this.power += x * x;
      if (this.fill === BLOCK) {
        this.decide(this.keyOf(block, this.power / BLOCK));
        this.fill = 0;
        this.power = 0;
      }
    }
  }

  /** The key this block holds, or null. */
  keyOf(block, power) {
    if (power < MIN_BLOCK_POWER) return null;
    const scale = 1 / Math.sqrt(power);
    for (let i = 0; i < BLOCK; i++) block[i] *= scale;
    let row = -1;
    for (let i = 0; i < 4; i++) {
      if (this.low[i](block)) {
        if (row >= 0) return null;
        row = i;
      }
    }
    if (row < 0) return null;
    let col = -1;
    for (let i = 0; i < 4; i++) {
      if (this.high[i](block)) {
        if (col >= 0) return null;
        col = i;
      }
    }
    return col < 0 ? null : KEYS[row][col];
  }

  decide(key) {
    const b = this.index++;
    if (key === this.runKey) {
      this.runLength++;
    } else {
      this.runKey = key;
      this.runLength = 1;
      this.runFrom = b;
    }
    if (this.current !== null) {
      if (key === this.current.digit) {
        this.absent = 0;
      } else {
        if (this.absent === 0) this.absentFrom = b;
        if (++this.absent >= RELEASE_BLOCKS) {
          this.current.endMs = ms(this.absentFrom * BLOCK);
          this.current.keyupMs = ms((b + 1) * BLOCK);
          this.current = null;
        }
      }
    }
    if (this.current === null && this.runKey !== null && this.runLength >= CONFIRM_BLOCKS) {
      this.current = { digit: this.runKey, startMs: ms(this.runFrom * BLOCK), endMs: null, keydownMs: ms((b + 1) * BLOCK), keyupMs: null };
      this.absent = 0;
      this.detections.push(this.current);
    }
  }
}

const ms = (sample) => (sample * 1000) / RATE;

const checkInput = (samples, frameSize) => checkPeerInput(name, samples, frameSize);

export async function detect(samples, { frameSize = 160 } = {}) {
  checkInput(samples, frameSize);
  const decoder = new Decoder(load());
  for (let at = 0; at < samples.length; at += frameSize) decoder.push(samples.subarray(at, at + frameSize));
  return decoder.detections;
}

export async function throughput(samples, { frameSize = 160, repeat = 10 } = {}) {
  checkInput(samples, frameSize);
  if (!Number.isInteger(repeat) || repeat < 1) throw new RangeError(`${name}: repeat must be a positive integer`);
  const goertzel = load();
  /** One pass over the samples with a fresh decoder; only the frame loop is timed. */
  const pass = async () => {
    const decoder = new Decoder(goertzel);
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let at = 0; at < samples.length; at += frameSize) decoder.push(samples.subarray(at, at + frameSize));
    const wall = Number(process.hrtime.bigint() - t0);
    const cpu = process.cpuUsage(cpu0);
    return { cpu: (cpu.user + cpu.system) * 1000, wall, reports: decoder.detections.length };
  };
  return timePasses(pass, samples, repeat, "the frame loop");
}
