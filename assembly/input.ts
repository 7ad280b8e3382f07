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
 * f32 → f32 with the anomalies made harmless: NaN becomes 0 (silence) and values beyond
 * ±1, ±Infinity included, are clipped to ±1 as a 16-bit converter would clip them.
 */
function decodeFloat32(src: usize, dst: usize, n: i32): void {
  const one = f32x4.splat(1.0);
  const minusOne = f32x4.splat(-1.0);
  const zero = f32x4.splat(0.0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(src + (<usize>i << 2));
    const isNumber = f32x4.eq(v, v); // false lanes are NaN
    const clipped = f32x4.pmax(minusOne, f32x4.pmin(one, v));
    v128.store(dst + (<usize>i << 2), v128.bitselect(clipped, zero, isNumber));
  }
  for (; i < n; i++) {
    const x = load<f32>(src + (<usize>i << 2));
    store<f32>(dst + (<usize>i << 2), x != x ? 0.0 : (x > 1.0 ? 1.0 : (x < -1.0 ? -1.0 : x)));
  }
}

export function decodeInput(encoding: i32, src: usize, dst: usize, n: i32): void {
  if (encoding == ENCODING_PCM16) decodePcm16(src, dst, n);
  else if (encoding == ENCODING_FLOAT32) decodeFloat32(src, dst, n);
  else if (encoding == ENCODING_ULAW) expandUlaw(src, dst, n);
  else expandAlaw(src, dst, n);
}
