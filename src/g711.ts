/**
 * G.711 compression (linear → μ-law / A-law code), for the generator and the codec round-trip
 * tests. Expansion lives in the WASM core (assembly/g711.ts), where the detector decodes.
 */

const ULAW_BIAS = 0x84;     // 132: added before the segment search (G.711 μ-law)
const ULAW_CLIP = 32635;    // largest magnitude that does not overflow after the bias

/** 16-bit linear sample → μ-law code byte (truncating, as G.711 table 2a). */
export function linearToUlaw(sample: number): number {
  let x = Math.round(sample);
  const sign = x < 0 ? 0x80 : 0;
  if (x < 0) x = -x;
  x = Math.min(x, ULAW_CLIP) + ULAW_BIAS;
  const segment = 31 - Math.clz32(x) - 7;
  const mantissa = (x >> (segment + 3)) & 0x0f;
  return ~(sign | (segment << 4) | mantissa) & 0xff;
}

/** 16-bit linear sample → A-law code byte (truncating, as G.711 table 1a). */
export function linearToAlaw(sample: number): number {
  let x = Math.round(sample);
  const sign = x >= 0 ? 0x80 : 0;
  x = Math.min(x < 0 ? -x : x, 32767);
  let code: number;
  if (x < 256) {
    code = x >> 4;
  } else {
    const segment = 31 - Math.clz32(x) - 7;
    code = (segment << 4) | ((x >> (segment + 3)) & 0x0f);
  }
  return (sign | code) ^ 0x55;
}

/** Reference expansions in TypeScript, for tests that check the WASM tables against G.711. */
export function ulawToLinear(code: number): number {
  const u = ~code & 0xff;
  const magnitude = ((((u & 0x0f) << 3) + ULAW_BIAS) << ((u >> 4) & 7)) - ULAW_BIAS;
  return (u & 0x80 ? -magnitude : magnitude) | 0; // | 0: no negative zero
}

export function alawToLinear(code: number): number {
  const a = code ^ 0x55;
  const segment = (a >> 4) & 7;
  let magnitude = ((a & 0x0f) << 4) + 8;
  if (segment !== 0) magnitude = (magnitude + 0x100) << (segment - 1);
  return a & 0x80 ? magnitude : -magnitude;
}
