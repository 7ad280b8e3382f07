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

/**
 * Adds sines `tones` ([Hz, dBm0] pairs, the levels at fromMs) over [fromMs, toMs) of `out`,
 * decaying together as e^(−t/decayMs) as a struck note does and a key press does not
 * (assembly/rules.ts OFF_FREQ_STEADINESS).
 */
export function addDecayingTones(out, fromMs, toMs, tones, decayMs, rate = 8000) {
  const perMs = rate / 1000;
  for (let n = Math.round(fromMs * perMs); n < Math.round(toMs * perMs); n++) {
    const gain = Math.exp(-(n / perMs - fromMs) / decayMs);
    for (const [hz, dbm0] of tones) out[n] += gain * sineAmplitude(dbm0) * Math.sin((2 * Math.PI * hz * n) / rate);
  }
}

/**
 * Adds sines `tones` ([Hz, dBm0] pairs) over [fromMs, toMs) of `out` with a common vibrato
 * (frequency × (1 + vibrato·sin 2π·vibratoHz·t)) and tremolo (amplitude × (1 + tremolo·sin
 * 2π·tremoloHz·t)): what a sung or played pair has and a key press has not (assembly/rules.ts,
 * busy-line confirmation). Phases are integrated, so the frequency glides without jumps.
 */
export function addModulatedTones(out, fromMs, toMs, tones, { vibrato = 0, vibratoHz = 7, tremolo = 0, tremoloHz = 25 } = {}, rate = 8000) {
  const perMs = rate / 1000;
  const phases = tones.map(() => 0);
  const from = Math.round(fromMs * perMs);
  for (let n = from; n < Math.round(toMs * perMs); n++) {
    const t = (n - from) / rate;
    const glide = 1 + vibrato * Math.sin(2 * Math.PI * vibratoHz * t);
    const gain = 1 + tremolo * Math.sin(2 * Math.PI * tremoloHz * t);
    tones.forEach(([hz, dbm0], i) => {
      out[n] += gain * sineAmplitude(dbm0) * Math.sin(phases[i]);
      phases[i] += (2 * Math.PI * hz * glide) / rate;
    });
  }
}
