/**
 * The signal conventions the WebAssembly core (assembly/, compiled by AssemblyScript), the
 * TypeScript API (src/) and the float64 reference (reference/) share: one file that both
 * compilers read, so each fact is written once. Plain numeric literals only: AssemblyScript
 * reads a literal with a decimal point as f64 and one without as i32, TypeScript as number.
 * No imports, no types beyond what both languages spell the same way.
 */

/** Sample rates the detector takes, Hz (the core's rate tables are made for any rate between). */
export const MIN_SAMPLE_RATE = 8000;
export const MAX_SAMPLE_RATE = 48000;

/**
 * 16-bit full scale: samples are normalised so that 32768 (2^15) is 1.0, the convention of
 * every decoder in dtmf-wasm (16-bit PCM, G.711 expansion, WAV reading, the generator).
 */
export const FULL_SCALE_16 = 32768;

/**
 * Mean power of a 0 dBm0 sine in full-scale² units: a full-scale sine (power 0.5) less 3.17 dB,
 * the G.711 convention: 0.5 × 10^(−3.17/10) (test/generator.test.ts checks the digits).
 */
export const DBM0_REF_POWER = 0.24097389881256367;

/** DTMF frequencies, Hz (ITU-T Q.23): rows (low group) and columns (high group). */
export const ROW_HZ = [697.0, 770.0, 852.0, 941.0];
export const COL_HZ = [1209.0, 1336.0, 1477.0, 1633.0];
