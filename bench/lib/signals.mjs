/**
 * Test signals shared by the tests and the bench: sums of sines at dBm0 levels (0 dBm0 is a
 * sine 3.17 dB below full scale, src/levels.ts), added into a float buffer.
 */
import { sineAmplitude } from "../../dist/levels.js";

/**
 * Adds sines `tones` ([Hz, dBm0] pairs) over [fromMs, toMs) of `out` (float samples at `rate`,
 * default 8 kHz), their amplitude rising linearly over the first `rampMs`.
 */
export function addTones(out, fromMs, toMs, tones, rampMs = 0, rate = 8000) {
  const perMs = rate / 1000;
  for (let n = Math.round(fromMs * perMs); n < Math.round(toMs * perMs); n++) {
    const gain = rampMs > 0 ? Math.min(1, (n / perMs - fromMs) / rampMs) : 1;
    for (const [hz, dbm0] of tones) out[n] += gain * sineAmplitude(dbm0) * Math.sin((2 * Math.PI * hz * n) / rate);
  }
}
