/** The 16 DTMF keys and their frequency pairs (ITU-T Q.23). */
import * as conventions from "./conventions.js";

/** Low-group (row) frequencies, Hz: 697, 770, 852, 941 (src/conventions.ts, shared with the core). */
export const ROW_HZ: readonly number[] = Object.freeze(conventions.ROW_HZ.slice());
/** High-group (column) frequencies, Hz: 1209, 1336, 1477, 1633. */
export const COL_HZ: readonly number[] = Object.freeze(conventions.COL_HZ.slice());

/** Keys in the order the WASM core numbers them: index = row × 4 + column. */
export const KEY_ORDER = "123A456B789C*0#D";
/** Every key, in the order people list them. */
export const ALL_KEYS = "0123456789*#ABCD";

export type DtmfDigit =
  | "0" | "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9" | "*" | "#" | "A" | "B" | "C" | "D";

export function isDigit(value: string): value is DtmfDigit {
  return value.length === 1 && KEY_ORDER.includes(value);
}

/** The low and high frequency of a key, Hz. */
export function keyFrequencies(digit: DtmfDigit): { lowHz: number; highHz: number } {
  const index = KEY_ORDER.indexOf(digit);
  return { lowHz: ROW_HZ[index >> 2], highHz: COL_HZ[index & 3] };
}
