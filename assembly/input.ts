// Input decoding: every encoding the ABI accepts becomes f32 samples normalised so that a
// full-scale 16-bit sample is ±1.0. The host writes raw bytes once into the input region;
// these loops read them there and write the f32 scratch the filter bank consumes.
import { FULL_SCALE_16 } from "../src/conventions";
import { expandAlaw, expandUlaw } from "./g711";

export const ENCODING_PCM16: i32 = 0;   // signed 16-bit little-endian
export const ENCODING_FLOAT32: i32 = 1; // IEEE 754 f32 little-endian, nominal range −1..1
export const ENCODING_ULAW: i32 = 2;    // G.711 μ-law, 1 byte a sample
export const ENCODING_ALAW: i32 = 3;    // G.711 A-law, 1 byte a sample
export const ENCODING_COUNT: i32 = 4;

const PCM16_SCALE: f32 = <f32>(1.0 / <f64>FULL_SCALE_16);
/**
 * The smallest normal f32 (2^−126). Smaller magnitudes (denormals, 1.4e−45 … 1.2e−38, far below
 * any audio: −759 dBFS and less) become 0 on input: arithmetic on denormals takes a slow path
 * in most CPUs, and a stream of them ran the detector 60-80× slower.
 */
const MIN_NORMAL: f32 = 1.17549435e-38;

export function bytesPerSample(encoding: i32): i32 {
  if (encoding == ENCODING_PCM16) return 2;
  if (encoding == ENCODING_FLOAT32) return 4;
  return 1;
}

/** 16-bit PCM → f32, eight samples a step with i16x8 widening, then the tail one by one. */
function decodePcm16(src: usize, dst: usize, n: i32): void {
  const scale = f32x4.splat(PCM16_SCALE);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const v = v128.load(src + (<usize>i << 1));
    const lo = f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(v));
    const hi = f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(v));
    v128.store(dst + (<usize>i << 2), f32x4.mul(lo, scale));
    v128.store(dst + (<usize>i << 2), f32x4.mul(hi, scale), 16);
  }
  for (; i < n; i++) {
    store<f32>(dst + (<usize>i << 2), <f32>load<i16>(src + (<usize>i << 1)) * PCM16_SCALE);
  }
}

/**
 * f32 → f32 with the anomalies made harmless: NaN becomes 0 (silence), values beyond ±1,
 * ±Infinity included, are clipped to ±1 as a 16-bit converter would clip them, and denormals
 * become 0 (MIN_NORMAL).
 */
function decodeFloat32(src: usize, dst: usize, n: i32): void {
  const one = f32x4.splat(1.0);
  const minusOne = f32x4.splat(-1.0);
  const zero = f32x4.splat(0.0);
  const minNormal = f32x4.splat(MIN_NORMAL);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(src + (<usize>i << 2));
    // Lanes kept: numbers (NaN ≠ NaN) of at least normal magnitude (0 itself gives 0 either way).
    const keep = f32x4.ge(f32x4.abs(v), minNormal);
    const clipped = f32x4.pmax(minusOne, f32x4.pmin(one, v));
    v128.store(dst + (<usize>i << 2), v128.bitselect(clipped, zero, keep));
  }
  for (; i < n; i++) {
    const x = load<f32>(src + (<usize>i << 2));
    store<f32>(dst + (<usize>i << 2), !(Mathf.abs(x) >= MIN_NORMAL) ? 0.0 : (x > 1.0 ? 1.0 : (x < -1.0 ? -1.0 : x)));
  }
}

export function decodeInput(encoding: i32, src: usize, dst: usize, n: i32): void {
  if (encoding == ENCODING_PCM16) decodePcm16(src, dst, n);
  else if (encoding == ENCODING_FLOAT32) decodeFloat32(src, dst, n);
  else if (encoding == ENCODING_ULAW) expandUlaw(src, dst, n);
  else expandAlaw(src, dst, n);
}
