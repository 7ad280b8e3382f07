/**
 * Digit patterns run on a linear-time engine: patterns that make a backtracking engine take
 * exponential time (nested or stacked quantifiers) compile, and match 64-digit inputs with the
 * right answer. With the previous backtracking matcher these inputs never finished (checked by
 * hand: `1*` × 16 against 40 ones and a "2" did not return within minutes).
 */
import { describe, expect, it } from "vitest";
import { DigitCollector } from "../src/collector.js";
import type { KeyDownEvent } from "../src/events.js";
import { DigitPatternError, MAX_PATTERN_LENGTH, compilePattern, patternProblem } from "../src/regex.js";

const SAMPLES_PER_PRESS = 800; // 100 ms at 8 kHz

/** The keydown events of `digits`, one every 100 ms. */
function presses(digits: string): KeyDownEvent[] {
  return [...digits].map((digit, i) => ({
    type: "keydown", digit: digit as KeyDownEvent["digit"], startSample: i * SAMPLES_PER_PRESS, startMs: i * 100,
    detectedSample: i * SAMPLES_PER_PRESS + 320, detectedMs: i * 100 + 40,
  }));
}

const CATASTROPHIC = [
  { pattern: "1*".repeat(16), matching: "1".repeat(64), failing: `${"1".repeat(40)}2` },
  { pattern: "(\\d+){20}", matching: "1".repeat(64), failing: `${"1".repeat(40)}#` },
  { pattern: "(1|1)*", matching: "1".repeat(64), failing: `${"1".repeat(63)}2` },
  { pattern: "(\\d*)*\\*", matching: `${"5".repeat(63)}*`, failing: "5".repeat(64) },
];

describe("compilePattern: linear-time whole-string matching", () => {
  for (const { pattern, matching, failing } of CATASTROPHIC) {
    it(`${pattern}: matches ${matching.length} digits and refuses a near miss`, () => {
      const re = compilePattern(pattern);
      expect(re.source).toBe(pattern);
      expect(re.test(matching)).toBe(true);
      expect(re.test(failing)).toBe(false);
    });
  }

  it("is anchored at both ends", () => {
    const re = compilePattern("12");
    expect([re.test("12"), re.test("123"), re.test("012"), re.test("")]).toEqual([true, false, false, false]);
    expect(compilePattern("[0-9]{4}|[0-9]{6}").test("12345")).toBe(false);
  });

  it("refuses what no linear-time engine runs, and bad syntax, with a typed error", () => {
    for (const bad of ["(\\d)\\1", "(?=1)\\d", "(", "x{1001}", 5, "x".repeat(MAX_PATTERN_LENGTH + 1)]) {
      expect(() => compilePattern(bad), String(bad)).toThrow(DigitPatternError);
      expect(patternProblem(bad)).toBeTypeOf("string");
    }
    expect(patternProblem("[0-9]*")).toBeUndefined();
  });
});

describe("DigitCollector with catastrophic patterns", () => {
  for (const { pattern, matching, failing } of CATASTROPHIC) {
    for (const [digits, status] of [[matching, "success"], [failing, "failure"]] as const) {
      it(`${pattern} on ${digits.length} digits: ${status}`, () => {
        const collector = new DigitCollector({ minDigits: 1, maxDigits: 64, regex: pattern, terminators: "", sampleRate: 8000 });
        collector.feed(presses(digits));
        const result = collector.end(digits.length * SAMPLES_PER_PRESS);
        expect(result.digits).toBe(digits);
        expect(result.status).toBe(status);
      });
    }
  }

  it("feed() with one event instead of an array is a typed error, not a silent end", () => {
    const collector = new DigitCollector({ minDigits: 1, maxDigits: 4 });
    expect(() => collector.feed(presses("1")[0] as never)).toThrow(/feed\(\) takes an array .* \(one event: use onEvent\(\), or wrap it in \[ \]\)/);
    expect(collector.done).toBe(false);
    collector.feed(presses("1"));
    expect(collector.digits).toBe("1");
  });
});
