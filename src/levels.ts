/**
 * Level conventions used everywhere in dtmf-wasm.
 *
 * Samples are normalised so that 16-bit full scale (32768) is 1.0. Power is the mean square
 * of those samples, so a full-scale sine has power 0.5. 0 dBm0 is the G.711 μ-law
 * convention: a sine whose RMS is 3.17 dB below a full-scale sine. DTMF levels are per tone.
 */

import { DBM0_REF_POWER, FULL_SCALE_16 } from "./conventions.js";

/** Mean power of a 0 dBm0 sine, full-scale² units: 0.5 × 10^(−3.17/10) (src/conventions.ts, shared with the core). */
export { DBM0_REF_POWER, FULL_SCALE_16 };

/** Peak amplitude (full scale = 1) of a sine at `dbm0`. */
export function sineAmplitude(dbm0: number): number {
  return Math.sqrt(2 * DBM0_REF_POWER * 10 ** (dbm0 / 10));
}

/** Mean power (full-scale² units) of a sine at `dbm0`. */
export function dbm0ToPower(dbm0: number): number {
  return DBM0_REF_POWER * 10 ** (dbm0 / 10);
}

export function powerToDbm0(power: number): number {
  return 10 * Math.log10(power / DBM0_REF_POWER);
}
