// The magnitude history: |Y|² of the 8 bins for each of the last MAG_HOPS hops, a ring in the
// channel record (channels.ts CH_MAG). The filter bank writes a slot per hop; the press state
// machine reads it back to walk a tone's onset back from the window that found it, and to
// measure the coverage of a hop by the tracked tone.
//
// Slots hold bfloat16: the top half of the f32, rounded (relative error ≤ 2^-8 in power, 2^-9
// in magnitude: an edge moves by < 0.1 sample at H = 51).
import { CH_HOPS, CH_MAG, MAG_HOP_BYTES } from "./channels";
import { MAG_HOPS } from "./rules";

/** Address of the ring's slot for hop number `hop` (≥ 0). */
@inline export function magSlot(ch: usize, hop: i32): usize {
  return ch + CH_MAG + <usize>((hop % MAG_HOPS) * <i32>MAG_HOP_BYTES);
}

/** |Y|² of bin 0-7 from a ring slot (bfloat16: the top half of the f32). */
@inline function ringPower(slot: usize, bin: i32): f32 {
  return reinterpret<f32>(<u32>load<u16>(slot + (<usize>bin << 1)) << 16);
}

/** Rounds the f32 lanes of `v` (non-negative powers) to bfloat16: the top 16 bits, rounded. */
@inline function roundToBf16(v: v128): v128 {
  return i32x4.add(v, i32x4.splat(0x8000));
}

/** Stores the current hop's |Y|² (rows `lo`, columns `hi`) in its slot. */
@inline export function recordHop(ch: usize, lo: v128, hi: v128): void {
  const magLo = roundToBf16(lo);
  const magHi = roundToBf16(hi);
  // The ring keeps the top halves of the eight f32 (little-endian bytes 2-3 of each lane).
  v128.store(magSlot(ch, load<i32>(ch, CH_HOPS)),
    v128.shuffle<u8>(magLo, magHi, 2, 3, 6, 7, 10, 11, 14, 15, 18, 19, 22, 23, 26, 27, 30, 31));
}

/** |Y_row| + |Y_col| of `key` in the hop `back` hops before hop `hops` (the ring holds |Y|²). */
export function keyMagnitude(ch: usize, hops: i32, back: i32, key: i32): f32 {
  const slot = magSlot(ch, hops - back);
  return Mathf.sqrt(ringPower(slot, key >> 2)) + Mathf.sqrt(ringPower(slot, 4 + (key & 3)));
}

/**
 * What noise as strong as in the other six bins of the same hop would give keyMagnitude: twice
 * the rms of their magnitudes (press.ts, rules.ts MASKED_NOISE_RATIO).
 */
export function noiseMagnitude(ch: usize, hops: i32, back: i32, key: i32): f32 {
  const slot = magSlot(ch, hops - back);
  let rest: f32 = 0;
  for (let b = 0; b < 8; b++) rest += ringPower(slot, b);
  rest -= ringPower(slot, key >> 2) + ringPower(slot, 4 + (key & 3));
  return <f32>2 * Mathf.sqrt(max(rest, <f32>0) * (<f32>1 / <f32>6));
}

/** Hops whose slots hold data, counting hop `hops` itself. */
@inline export function hopsAvailable(hops: i32): i32 {
  return min(hops + 1, MAG_HOPS);
}

/**
 * Counts hop `hops` done. The count only indexes the ring and says how much history exists;
 * on overflow (after 78 days at 8 kHz) it wraps to a value with the same ring position.
 */
@inline export function advanceHop(ch: usize, hops: i32): void {
  const next = hops + 1;
  store<i32>(ch, next <= 0x3fffffff ? next : next % MAG_HOPS + MAG_HOPS, CH_HOPS);
}
