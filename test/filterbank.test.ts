/**
 * The filter bank's accuracy: the core's f32 SIMD bank (two half-rate Goertzel chains per
 * frequency, assembly/filterbank.ts) against a float64 DFT of the same samples at the eight
 * DTMF frequencies, over a sweep of sample rates (8-48 kHz) and tone frequencies (every DTMF
 * frequency ±3 %, and frequencies between them), for the hop DFT Y and the 2-hop window's
 * power. Errors are relative to the full-scale figure of each (a full-scale sine's |Y| = H/2;
 * its window power 0.5), so they read as a share of full scale.
 */
import { describe, expect, it } from "vitest";
import { COL_HZ, ROW_HZ } from "../src/keys.js";
import { seededRandom } from "../src/generator.js";
import { HOP_MS } from "../assembly/rules.js";
import { debugCore } from "./helpers.js";

const RATES = [8000, 11025, 16000, 22050, 32000, 44100, 48000];
const BIN_HZ = [...ROW_HZ, ...COL_HZ];
/** Tone frequencies: each DTMF frequency and ±1, ±2, ±3 % from it, and points between the groups. */
const TONES_HZ = [...BIN_HZ.flatMap((f) => [-3, -2, -1, 0, 1, 2, 3].map((pct) => f * (1 + pct / 100))), 300, 1000, 1100, 2000, 3400];
/**
 * Bounds: f32 has a 2^-24 relative step; the resonators accumulate H steps (51 at 8 kHz, 306 at
 * 48 kHz) with a gain near H/2, so the error grows with H. Observed worst (the log line):
 * Y 5.4e-6 of H/2 (−105 dB, 44.1 kHz), window power 5.9e-7 of 0.5; the bounds leave 2-3×.
 */
const MAX_Y_ERROR = 1e-5;       // of H/2, the |Y| of a full-scale sine
const MAX_WINDOW_ERROR = 2e-6;  // of 0.5, the window power of a full-scale sine

type Probe = { bankProbe(rate: number, hops: number): number };

describe("filter bank accuracy: f32 SIMD against a float64 DFT", () => {
  it(`hop DFT within ${MAX_Y_ERROR} and window power within ${MAX_WINDOW_ERROR} of full scale, ${RATES.length} rates × ${TONES_HZ.length} tones`, async () => {
    const core = await debugCore();
    const probe = core.exports as unknown as Probe;
    const random = seededRandom(13);
    let worstY = 0, worstWindow = 0, where = "";
    for (const rate of RATES) {
      const hop = Math.round((rate * HOP_MS) / 1000);
      for (const toneHz of TONES_HZ) {
        // Two hops of a sine (amplitude 0.5, random phase) plus a second, weaker tone, in f32.
        const phase = random() * 2 * Math.PI, other = 697 + random() * 1000;
        const x = Float32Array.from({ length: 2 * hop }, (_, n) =>
          0.5 * Math.sin((2 * Math.PI * toneHz * n) / rate + phase) + 0.1 * Math.sin((2 * Math.PI * other * n) / rate));
        core.refresh();
        core.f32.set(x);
        const at = probe.bankProbe(rate, 2);
        const out = new Float32Array(core.exports.memory.buffer, at, 24);
        for (let b = 0; b < 8; b++) {
          const w = (2 * Math.PI * BIN_HZ[b]) / rate;
          // The last hop's DFT referenced to its first sample, and the window's X = Σ over both hops.
          let yr = 0, yi = 0, xr = 0, xi = 0;
          for (let n = 0; n < 2 * hop; n++) {
            const c = Math.cos(w * n), s = Math.sin(w * n);
            xr += x[n] * c; xi -= x[n] * s;
            if (n >= hop) { const m = n - hop; yr += x[n] * Math.cos(w * m); yi -= x[n] * Math.sin(w * m); }
          }
          const yError = Math.hypot(out[b] - yr, out[8 + b] - yi) / (hop / 2);
          const windowPower = ((xr * xr + xi * xi) * 2) / (4 * hop * hop);
          const windowError = Math.abs(out[16 + b] - windowPower) / 0.5;
          if (yError > worstY) { worstY = yError; where = `Y at ${rate} Hz, tone ${toneHz.toFixed(1)} Hz, bin ${BIN_HZ[b]} Hz`; }
          worstWindow = Math.max(worstWindow, windowError);
        }
      }
    }
    console.log(`filter bank worst error: Y ${worstY.toExponential(2)} of H/2 (${where}); window power ${worstWindow.toExponential(2)} of 0.5`);
    expect(worstY).toBeGreaterThan(0); // a real comparison: f32 is never exact everywhere
    expect(worstY).toBeLessThan(MAX_Y_ERROR);
    expect(worstWindow).toBeLessThan(MAX_WINDOW_ERROR);
  });
});
