/** G.711: the WASM expansion tables against the TypeScript reference, and compression round trips. */
import { describe, expect, it } from "vitest";
import { alawToLinear, linearToAlaw, linearToUlaw, ulawToLinear } from "../src/g711.js";
import { debugCore } from "./helpers.js";

describe("G.711", () => {
  it("the WASM μ-law and A-law tables match the reference for all 256 codes", async () => {
    const probes = (await debugCore()).exports as unknown as { ulawToLinear(code: number): number; alawToLinear(code: number): number };
    for (let code = 0; code < 256; code++) {
      expect(probes.ulawToLinear(code)).toBe(ulawToLinear(code));
      expect(probes.alawToLinear(code)).toBe(alawToLinear(code));
    }
  });
  it("known points: silence, full scale and sign (G.711 tables 1a, 2a)", () => {
    expect(ulawToLinear(0xff)).toBe(0);
    expect(ulawToLinear(0x80)).toBe(32124);
    expect(ulawToLinear(0x00)).toBe(-32124);
    expect(alawToLinear(0xd5)).toBe(8);
    expect(alawToLinear(0x55)).toBe(-8);
    expect(alawToLinear(0xaa)).toBe(32256);
    expect(linearToUlaw(0)).toBe(0xff);
    expect(linearToAlaw(0)).toBe(0xd5);
  });
  it("compressing a decoded value gives its code back (every code except μ-law's negative zero)", () => {
    for (let code = 0; code < 256; code++) {
      if (code !== 0x7f) expect(linearToUlaw(ulawToLinear(code))).toBe(code);
      expect(linearToAlaw(alawToLinear(code))).toBe(code);
    }
  });
  it("round trips every 16-bit value within the segment's quantisation step", () => {
    for (let x = -32768; x < 32768; x += 7) {
      const u = ulawToLinear(linearToUlaw(x));
      const a = alawToLinear(linearToAlaw(x));
      const clipU = Math.max(-32124, Math.min(32124, x)), clipA = Math.max(-32256, Math.min(32256, x));
      expect(Math.abs(u - clipU)).toBeLessThanOrEqual(Math.max(4, Math.abs(clipU) / 16 + 1));
      expect(Math.abs(a - clipA)).toBeLessThanOrEqual(Math.max(8, Math.abs(clipA) / 16 + 1));
    }
  });
});
