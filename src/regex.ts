/**
 * Digit patterns (the `regex` of a collection) matched in time linear in the input, whatever
 * the pattern: they are compiled by RE2JS, a port of RE2 that runs automata instead of
 * backtracking, so `1*1*…1*` or `(\d+){20}` cost no more than `[0-9]*`. A pattern someone
 * else wrote (an IVR config, a server request) can therefore never stall the process.
 *
 * The syntax is RE2's (https://github.com/google/re2/wiki/Syntax): what IVR patterns use
 * (classes, `\d`, alternation, groups, `* + ? {n,m}`) works as in JavaScript; backreferences
 * (`\1`) and lookaround (`(?=…)`) are refused, since no linear-time engine can run them, and a
 * repeat count above 1000 is refused (RE2's limit). The match is always of the whole string.
 */
import { RE2JS } from "re2js";
import { DtmfError } from "./errors.js";

/** Longest pattern accepted, characters (keeps the compiled automaton small). */
export const MAX_PATTERN_LENGTH = 256;

/** A compiled digit pattern. */
export interface DigitPattern {
  /** The pattern as given. */
  readonly source: string;
  /** Whether `digits` matches the pattern as a whole (anchored at both ends). */
  test(digits: string): boolean;
}

/** A pattern that cannot be compiled: not a string, too long, or not RE2 syntax. */
export class DigitPatternError extends DtmfError {
  constructor(
    readonly pattern: unknown,
    /** Why, in a few words ("missing closing ): `(`"). */
    readonly reason: string,
  ) {
    super("ERR_DTMF_PATTERN", `invalid digit pattern: ${reason}`);
  }
}

/** Compiles `pattern` for whole-string matching. Throws DigitPatternError. */
export function compilePattern(pattern: unknown): DigitPattern {
  if (typeof pattern !== "string") throw new DigitPatternError(pattern, `a pattern is a string, not ${typeof pattern}`);
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new DigitPatternError(pattern, `${pattern.length} characters (at most ${MAX_PATTERN_LENGTH})`);
  }
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(pattern);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new DigitPatternError(pattern, message.replace(/^error parsing regexp: /, ""));
  }
  return { source: pattern, test: (digits: string) => compiled.matches(digits) };
}

/** Why `pattern` is refused, or undefined if it compiles. */
export function patternProblem(pattern: unknown): string | undefined {
  try {
    compilePattern(pattern);
    return undefined;
  } catch (error) {
    if (error instanceof DigitPatternError) return error.reason;
    throw error;
  }
}
