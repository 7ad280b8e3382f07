// G.711 expansion tables (ITU-T G.711, 1988): μ-law (North America, Japan) and A-law (Europe).
// Each table maps one code byte to a linear sample normalised to 16-bit full scale (÷ 32768),
// so the decoded range is ±0.98 (μ-law ±32124/32768, A-law ±32256/32768). Tables are computed
// once at start-up from the segment formulas of G.711 tables 1a/2a and shared by all channels.

import { FULL_SCALE_16 } from "../src/conventions";

/** Bytes per table: 256 codes × 4-byte f32. */
const TABLE_BYTES: usize = 256 * 4;

let ulawTable: usize = 0;
let alawTable: usize = 0;

/** μ-law code → 16-bit linear (G.711 table 2a: bias 0x84 = 132, 8 segments). */
function ulawToLinear(code: i32): i32 {
  const u = ~code & 0xff;
  const mantissa = u & 0x0f;
  const segment = (u >> 4) & 0x07;
  const magnitude = (((mantissa << 3) + 0x84) << segment) - 0x84;
  return (u & 0x80) != 0 ? -magnitude : magnitude;
}

/** A-law code → 16-bit linear (G.711 table 1a: even bits inverted, segment 0 linear). */
function alawToLinear(code: i32): i32 {
  const a = code ^ 0x55;
  const mantissa = a & 0x0f;
  const segment = (a >> 4) & 0x07;
  let magnitude = (mantissa << 4) + 8;
  if (segment != 0) magnitude = (magnitude + 0x100) << (segment - 1);
  return (a & 0x80) != 0 ? magnitude : -magnitude;
}

export function initG711(): void {
  ulawTable = heap.alloc(TABLE_BYTES);
  alawTable = heap.alloc(TABLE_BYTES);
  for (let code = 0; code < 256; code++) {
    store<f32>(ulawTable + (<usize>code << 2), <f32>ulawToLinear(code) / <f32>FULL_SCALE_16);
    store<f32>(alawTable + (<usize>code << 2), <f32>alawToLinear(code) / <f32>FULL_SCALE_16);
  }
}

/** Expands `n` code bytes at `src` into f32 samples at `dst` through `table`. */
function expand(table: usize, src: usize, dst: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const code = <usize>load<u8>(src + <usize>i);
    store<f32>(dst + (<usize>i << 2), load<f32>(table + (code << 2)));
  }
}

export function expandUlaw(src: usize, dst: usize, n: i32): void { expand(ulawTable, src, dst, n); }
export function expandAlaw(src: usize, dst: usize, n: i32): void { expand(alawTable, src, dst, n); }

/** For the debug build's probes (debug.ts): the linear value (16-bit scale) of one code. */
export function ulawCodeToLinear(code: i32): i32 { return ulawToLinear(code & 0xff); }
export function alawCodeToLinear(code: i32): i32 { return alawToLinear(code & 0xff); }
