/**
 * Digit collection with play_and_get_digits semantics (seed 003 ranges, seed 001 statuses),
 * run entirely on MEDIA time: sample counts from the start of the stream. Nothing here reads
 * a clock, so a recording and a live stream of the same audio give the same result, whatever
 * the chunk sizes. The host feeds the detector's events (`feed`, `onEvent`) and tells the
 * collector how far the stream has got (`advance`), which is what lets a timeout expire while
 * no key arrives. `startWallClock` (end of file) drives `advance` from a clock for live use
 * without audio; it is the only wall-clock code and stays outside the core.
 *
 * Rules (all times in samples):
 *
 * | when                                   | then                                                   |
 * |----------------------------------------|--------------------------------------------------------|
 * | a key is detected (keydown)            | it counts at its detectedSample: a digit, or a terminator |
 * | … while the prompt still plays         | the prompt stops there (barge-in) and the key counts   |
 * | a terminator key                       | the attempt ends; the key is reported, not collected   |
 * | maxDigits digits collected             | the attempt ends (terminator "")                       |
 * | promptEnd + timeout, no digit yet      | the attempt ends by timeout                            |
 * | lastDigit + interDigitTimeout          | the attempt ends by timeout                            |
 * | an attempt ends                        | success if ≥ minDigits and regex matches the whole string; |
 * |                                        | "timeout" if it timed out with < minDigits; else "failure" |
 * | a failed attempt, attempts remain      | a new attempt (and prompt) starts at the same sample   |
 * | end() (hang-up, end of file), cancel() | "failure", digits so far kept                          |
 *
 * A key detected exactly at a deadline sample is too late: the timeout comes first.
 * The inter-digit timer runs from each digit's detection (keydown); holding a key down does
 * not pause it. A `dtmf` event whose `keydown` was fed is the same press and counts nothing
 * more; a `dtmf` event without one (a host that forwards only finished presses) counts at its
 * own detectedSample.
 */
import { DtmfInputError, DtmfOptionError, describe } from "./errors.js";
import type { DetectorEvent } from "./events.js";
import { ALL_KEYS, type DtmfDigit, isDigit } from "./keys.js";
import { MAX_SAMPLE_RATE, MIN_SAMPLE_RATE, checkNumber, rejectUnknown } from "./options.js";
import { type DigitPattern, DigitPatternError, MAX_PATTERN_LENGTH, compilePattern, patternProblem } from "./regex.js";

/** Final (and per-attempt) status, the value set of seed 001's `digits.collected`. */
export type CollectStatus = "success" | "timeout" | "failure" | "unknown";

/** Which attempts ending on a terminator succeed (see CollectorOptions.successRule). */
export type SuccessRule = "seed" | "strict";
export const SUCCESS_RULES: readonly SuccessRule[] = Object.freeze(["seed", "strict"]);

/** What ended an attempt. */
export type AttemptEnd = "terminator" | "maxDigits" | "timeout" | "hangup" | "cancel" | "error";

/**
 * Collection options. Every field may be absent or null, which means "not given": the default
 * (seed 003's request fields are all nullable).
 */
export interface CollectorOptions {
  /** Fewest digits of a valid input, an integer from 1 to 64 (≤ maxDigits). Default 1. */
  minDigits?: number | null;
  /** Most digits; reaching it ends the attempt. An integer from 1 to 64. Default 64 (seed 003's largest). */
  maxDigits?: number | null;
  /** Attempts before giving up, an integer from 1 to 10. Default 1. */
  maxAttempts?: number | null;
  /** ms from the end of the prompt to the first digit, 1000 to 10000. Default 5000. */
  timeout?: number | null;
  /** ms from one digit's detection to the next, 1000 to 10000. Default: `timeout`. */
  interDigitTimeout?: number | null;
  /** Keys that end the attempt, any of 0-9 A-D * # (may be ""). Default "#". */
  terminators?: string | null;
  /**
   * Pattern the whole digit string must match (anchored for you). Default "[0-9]*"; "" means
   * no validation. Invalid patterns (see `regexRisk`) are rejected; matching is linear-time
   * whatever the pattern (RE2 syntax, src/regex.ts).
   */
  regex?: string | null;
  /**
   * When an attempt that ends on a terminator key succeeds. "seed" (default): seed 001's rule,
   * "the required number of digits was collected (or a terminator key was pressed)", so a
   * terminator ends the attempt in success whatever the count (the regex still applies).
   * "strict": FreeSWITCH play_and_get_digits' rule, at least minDigits digits whatever ended it.
   */
  successRule?: SuccessRule | null;
  /**
   * ms the prompt plays at the start of each attempt (0: no prompt). Default 0. With
   * `promptUntilEnded` it is the longest the prompt may play (default: 1 hour) before the
   * timeout starts anyway.
   */
  promptMs?: number | null;
  /**
   * The prompt plays until the host calls `endPrompt()` (the platform reported its end: a Twilio
   * `mark` echo, a `prompt_ended` message…), not for a fixed promptMs. Each new attempt's
   * prompt is open again until the next endPrompt(). Default false.
   */
  promptUntilEnded?: boolean | null;
  /** Samples a second of the media time the events carry, 8000 to 48000. Default 8000. */
  sampleRate?: number | null;
  /** Media time (samples) at which the first attempt and its prompt start. Default 0. */
  startSample?: number | null;
  /** Called with every collector event, after the call that caused it has settled. */
  listener?: (event: CollectorEvent) => void;
}

/** The options in force, with defaults filled in (ms as given, and their length in samples). */
export interface CollectorSettings {
  readonly minDigits: number;
  readonly maxDigits: number;
  readonly maxAttempts: number;
  readonly timeout: number;
  readonly interDigitTimeout: number;
  readonly terminators: string;
  readonly regex: string;
  readonly successRule: SuccessRule;
  readonly promptMs: number;
  readonly promptUntilEnded: boolean;
  readonly sampleRate: number;
  readonly startSample: number;
  /** timeout, interDigitTimeout and promptMs converted to samples (rounded). */
  readonly timeoutSamples: number;
  readonly interDigitTimeoutSamples: number;
  readonly promptSamples: number;
}

/** How one attempt went. */
export interface AttemptResult {
  /** 1-based. */
  attempt: number;
  /** Media time at which the attempt and its prompt started, samples. */
  startSample: number;
  /** Where its prompt ended: start + promptMs, or earlier on barge-in. Samples. */
  promptEndSample: number;
  /** Media time at which it ended (the key's detection, or the deadline). Samples. */
  endSample: number;
  digits: string;
  /** The terminator key that ended it, or "". */
  terminator: "" | DtmfDigit;
  endedBy: AttemptEnd;
  status: CollectStatus;
}

/** The collection's outcome: the last attempt's digits and status, with the whole history. */
export interface CollectResult {
  status: CollectStatus;
  /** The last attempt's digits (kept on failure). */
  digits: string;
  terminator: "" | DtmfDigit;
  /** Attempts made, 1 to maxAttempts. */
  attempts: number;
  /** What ended the last attempt. */
  endedBy: AttemptEnd;
  /** Media time of the end, samples and ms. */
  endSample: number;
  endMs: number;
  history: readonly AttemptResult[];
  /** The internal error behind status "unknown". */
  error?: unknown;
}

/** What the collector reports as it goes; media times in samples. */
export type CollectorEvent =
  | { type: "digit"; attempt: number; digit: DtmfDigit; sample: number; digits: string }
  | { type: "bargein"; attempt: number; sample: number }
  | { type: "attemptend"; result: AttemptResult }
  /** A new attempt: the host replays its prompt from `startSample`. */
  | { type: "restart"; attempt: number; startSample: number; startMs: number; promptEndSample: number }
  | { type: "done"; result: CollectResult };

const DIGITS_RANGE = { min: 1, max: 64 };
const ATTEMPTS_RANGE = { min: 1, max: 10 };
const TIMEOUT_RANGE_MS = { min: 1000, max: 10000 };
/** Longest prompt accepted, ms (1 hour: only there to reject absurd values). */
const MAX_PROMPT_MS = 3_600_000;
/** Longest regex accepted, characters. */
export const MAX_REGEX_LENGTH = MAX_PATTERN_LENGTH;
const MS_PER_SECOND = 1000;

export const COLLECTOR_DEFAULTS = Object.freeze({
  minDigits: 1,
  maxDigits: 64,
  maxAttempts: 1,
  timeout: 5000,
  terminators: "#",
  regex: "[0-9]*",
  successRule: "seed" as SuccessRule,
  promptMs: 0,
  sampleRate: 8000,
  startSample: 0,
});

const KNOWN = new Set(["minDigits", "maxDigits", "maxAttempts", "timeout", "interDigitTimeout", "terminators",
  "regex", "successRule", "promptMs", "promptUntilEnded", "sampleRate", "startSample", "listener"]);

/**
 * Why a pattern is refused, or undefined if it is accepted. Patterns run on a linear-time
 * engine (src/regex.ts, RE2 syntax), so nested quantifiers are safe; what is refused is what
 * that engine cannot run (backreferences, lookaround) and invalid syntax.
 */
export function regexRisk(pattern: string): string | undefined {
  return patternProblem(pattern);
}

/** The anchored, linear-time matcher of a regex option (src/regex.ts); undefined for "": no validation. */
function compileRegex(pattern: unknown): DigitPattern | undefined {
  if (pattern === "") return undefined;
  if (typeof pattern !== "string" || pattern.length > MAX_REGEX_LENGTH) {
    throw new DtmfOptionError("regex", `a regular expression of at most ${MAX_REGEX_LENGTH} characters`, pattern);
  }
  try {
    return compilePattern(pattern);
  } catch (error) {
    if (error instanceof DigitPatternError) throw new DtmfOptionError("regex", `a valid regular expression (RE2 syntax: ${error.reason})`, pattern);
    throw error;
  }
}

function resolveCollectorOptions(options: CollectorOptions): CollectorSettings & { matcher: DigitPattern | undefined } {
  if (options === null || typeof options !== "object") throw new DtmfOptionError("options", "an object", options);
  rejectUnknown(options, KNOWN, "collector");
  const int = (name: keyof CollectorOptions, value: unknown, min: number, max: number) => checkNumber(name, value, min, max, true);
  const minDigits = int("minDigits", options.minDigits ?? COLLECTOR_DEFAULTS.minDigits, DIGITS_RANGE.min, DIGITS_RANGE.max);
  const maxDigits = int("maxDigits", options.maxDigits ?? Math.max(COLLECTOR_DEFAULTS.maxDigits, minDigits), DIGITS_RANGE.min, DIGITS_RANGE.max);
  if (minDigits > maxDigits) {
    throw new DtmfOptionError("minDigits", `an integer from ${DIGITS_RANGE.min} to maxDigits (${maxDigits})`, minDigits);
  }
  const maxAttempts = int("maxAttempts", options.maxAttempts ?? COLLECTOR_DEFAULTS.maxAttempts, ATTEMPTS_RANGE.min, ATTEMPTS_RANGE.max);
  const timeout = checkNumber("timeout", options.timeout ?? COLLECTOR_DEFAULTS.timeout, TIMEOUT_RANGE_MS.min, TIMEOUT_RANGE_MS.max);
  const interDigitTimeout = checkNumber("interDigitTimeout", options.interDigitTimeout ?? timeout, TIMEOUT_RANGE_MS.min, TIMEOUT_RANGE_MS.max);
  const promptUntilEnded = options.promptUntilEnded ?? false;
  if (typeof promptUntilEnded !== "boolean") throw new DtmfOptionError("promptUntilEnded", "a boolean", promptUntilEnded);
  const promptMs = checkNumber("promptMs", options.promptMs ?? (promptUntilEnded ? MAX_PROMPT_MS : COLLECTOR_DEFAULTS.promptMs), 0, MAX_PROMPT_MS);
  const successRule = options.successRule ?? COLLECTOR_DEFAULTS.successRule;
  if (!SUCCESS_RULES.includes(successRule)) throw new DtmfOptionError("successRule", `one of ${SUCCESS_RULES.join(", ")}`, successRule);
  const sampleRate = int("sampleRate", options.sampleRate ?? COLLECTOR_DEFAULTS.sampleRate, MIN_SAMPLE_RATE, MAX_SAMPLE_RATE);
  const startSample = int("startSample", options.startSample ?? COLLECTOR_DEFAULTS.startSample, 0, Number.MAX_SAFE_INTEGER);
  const terminatorsIn = options.terminators ?? COLLECTOR_DEFAULTS.terminators;
  if (typeof terminatorsIn !== "string" || [...terminatorsIn].some((k) => !ALL_KEYS.includes(k.toUpperCase()))) {
    throw new DtmfOptionError("terminators", `a string of keys from "${ALL_KEYS}" (may be empty)`, terminatorsIn);
  }
  const terminators = [...new Set(terminatorsIn.toUpperCase())].join("");
  const regex = options.regex ?? COLLECTOR_DEFAULTS.regex;
  const matcher = compileRegex(regex);
  if (options.listener !== undefined && typeof options.listener !== "function") {
    throw new DtmfOptionError("listener", "a function", options.listener);
  }
  const samples = (ms: number) => Math.round((ms * sampleRate) / MS_PER_SECOND);
  return {
    minDigits, maxDigits, maxAttempts, timeout, interDigitTimeout, terminators, regex, successRule, promptMs, promptUntilEnded,
    sampleRate, startSample,
    timeoutSamples: samples(timeout), interDigitTimeoutSamples: samples(interDigitTimeout), promptSamples: samples(promptMs),
    matcher,
  };
}

const round1 = (v: number) => Math.round(v * 10) / 10;
/** Marks "no digit in this attempt yet". */
const NONE = -1;

export class DigitCollector {
  readonly settings: CollectorSettings;
  private readonly matcher: DigitPattern | undefined;
  private readonly listener?: (event: CollectorEvent) => void;
  /** Media time the collector has reached, samples. Never goes back. */
  private now: number;
  private attemptNo = 1;
  private attemptStart: number;
  private promptEnd: number;
  /** Whether this attempt's prompt still waits for endPrompt() (promptUntilEnded). */
  private promptOpen: boolean;
  private collected = "";
  /** Detection sample of this attempt's last digit, or NONE. */
  private lastDigitSample = NONE;
  /** The last keydown seen, so its dtmf event is recognised as the same press. */
  private lastKeydown?: { digit: string; startSample: number };
  private readonly history: AttemptResult[] = [];
  private final?: CollectResult;
  private pending: CollectorEvent[] = [];

  constructor(options: CollectorOptions) {
    const { matcher, ...settings } = resolveCollectorOptions(options);
    this.settings = Object.freeze(settings);
    this.matcher = matcher;
    this.listener = options.listener;
    this.now = settings.startSample;
    this.attemptStart = settings.startSample;
    this.promptEnd = settings.startSample + settings.promptSamples;
    this.promptOpen = settings.promptUntilEnded;
  }

  /** Whether the current attempt's prompt is still waiting for endPrompt(). */
  get promptPlaying(): boolean { return this.promptOpen && !this.final; }

  /**
   * The platform reports that the prompt finished playing at `positionSamples` (default: the
   * position reached): the timeout to the first digit runs from there. Ignored when no prompt
   * is open (already ended, barged in, or the collection is done).
   */
  endPrompt(positionSamples?: number): readonly CollectorEvent[] {
    if (positionSamples !== undefined) checkNumber("positionSamples", positionSamples, 0, Number.MAX_SAFE_INTEGER);
    return this.step(() => {
      if (!this.promptOpen || this.final) return;
      const at = Math.max(this.attemptStart, Math.min(this.promptEnd, positionSamples ?? this.now));
      this.promptOpen = false;
      this.promptEnd = at;
      this.expire(this.now);
    });
  }

  /** Whether the collection has finished (result available). */
  get done(): boolean { return this.final !== undefined; }
  /** The final result, once done. */
  get result(): CollectResult | undefined { return this.final; }
  /** The attempt under way (or the last one), 1-based. */
  get attempt(): number { return this.attemptNo; }
  /** Digits collected in the current attempt. */
  get digits(): string { return this.collected; }
  /** Media time reached, samples and ms. */
  get positionSamples(): number { return this.now; }
  get positionMs(): number { return round1((this.now * MS_PER_SECOND) / this.settings.sampleRate); }
  /** Where the current attempt's prompt ends (earlier after a barge-in), samples. */
  get promptEndSample(): number { return this.promptEnd; }
  /** Media time at which the running timer expires (samples), or undefined once done. */
  get deadlineSample(): number | undefined { return this.final ? undefined : this.deadline(); }

  /** Takes one detector event. Events must come in the order the detector reports them. */
  onEvent(event: DetectorEvent): readonly CollectorEvent[] {
    return this.step(() => this.take(event));
  }

  /** Takes a batch of detector events (such as one process() return value), in order. */
  feed(events: Iterable<DetectorEvent>): readonly CollectorEvent[] {
    if (events === null || typeof events !== "object" || typeof (events as Partial<Iterable<unknown>>)[Symbol.iterator] !== "function") {
      throw new DtmfInputError(`feed() takes an array (or iterable) of detector events; received ${describe(events)}` +
        (events !== null && typeof events === "object" && "type" in events ? " (one event: use onEvent(), or wrap it in [ ])" : ""));
    }
    return this.step(() => { for (const event of events) this.take(event); });
  }

  /**
   * The stream has reached `positionSamples` (e.g. detector.positionSamples after a chunk,
   * AFTER feeding that chunk's events): timers that expire by then do. Earlier positions are
   * ignored (media time never goes back).
   */
  advance(positionSamples: number): readonly CollectorEvent[] {
    checkNumber("positionSamples", positionSamples, 0, Number.MAX_SAFE_INTEGER);
    return this.step(() => this.expire(positionSamples));
  }

  /**
   * The call or stream has ended (hang-up, end of file) at `positionSamples` (default: the
   * position reached). Timers that expire before then still count; if the collection is
   * still open, it fails (status "failure", digits so far kept). Returns the final result.
   */
  end(positionSamples?: number): CollectResult {
    if (positionSamples !== undefined) checkNumber("positionSamples", positionSamples, 0, Number.MAX_SAFE_INTEGER);
    this.step(() => {
      if (positionSamples !== undefined) this.expire(positionSamples);
      if (!this.final) this.endAttempt("hangup", this.now, "");
    });
    return this.final!;
  }

  /** Stops the collection now: status "failure", digits so far kept. Returns the final result. */
  cancel(): CollectResult {
    this.step(() => { if (!this.final) this.endAttempt("cancel", this.now, ""); });
    return this.final!;
  }

  /**
   * Runs one state change. An exception from inside the state machine (a bug) ends the
   * collection with "unknown". API misuse (a malformed event) throws before that event
   * changes anything; the events before it in the same batch have been taken.
   */
  private step(change: () => void): readonly CollectorEvent[] {
    this.pending = [];
    try {
      change();
    } catch (error) {
      if (error instanceof DtmfInputError || error instanceof DtmfOptionError || this.final) throw error;
      this.endAttempt("error", this.now, "", error);
    }
    const events = this.pending;
    this.pending = [];
    if (this.listener) for (const event of events) this.listener(event);
    return events;
  }

  private emit(event: CollectorEvent): void { this.pending.push(event); }

  private take(event: DetectorEvent): void {
    checkEvent(event);
    if (this.final) return;
    const raw = event.detectedSample;
    if (event.type === "keydown") {
      this.lastKeydown = { digit: event.digit, startSample: event.startSample };
    } else if (this.lastKeydown && this.lastKeydown.digit === event.digit && this.lastKeydown.startSample === event.startSample) {
      this.lastKeydown = undefined;
      return; // the end of a press already counted (or ignored) at its keydown
    }
    if (raw < this.settings.startSample) return; // before the collection started
    // Events are in time order; one detected before the position already reached (a wall
    // clock ran ahead of the audio) is taken at that position.
    const at = Math.max(raw, this.now);
    this.expire(at);
    if (this.final) return;
    this.press(event.digit, at);
  }

  private press(digit: DtmfDigit, at: number): void {
    if (at < this.promptEnd) {
      this.promptEnd = at;
      this.promptOpen = false;
      this.emit({ type: "bargein", attempt: this.attemptNo, sample: at });
    }
    if (this.settings.terminators.includes(digit)) {
      this.endAttempt("terminator", at, digit);
      return;
    }
    this.collected += digit;
    this.lastDigitSample = at;
    this.emit({ type: "digit", attempt: this.attemptNo, digit, sample: at, digits: this.collected });
    if (this.collected.length >= this.settings.maxDigits) this.endAttempt("maxDigits", at, "");
  }

  /** When the running timer expires, samples. */
  private deadline(): number {
    // An open prompt (promptUntilEnded) runs to its cap (promptMs) unless endPrompt() comes first.
    return this.lastDigitSample === NONE
      ? this.promptEnd + this.settings.timeoutSamples
      : this.lastDigitSample + this.settings.interDigitTimeoutSamples;
  }

  /** Lets every timer that expires at or before `position` expire (restarts included). */
  private expire(position: number): void {
    while (!this.final && this.deadline() <= position) this.endAttempt("timeout", this.deadline(), "");
    if (!this.final) this.now = Math.max(this.now, position);
  }

  private endAttempt(endedBy: AttemptEnd, at: number, terminator: "" | DtmfDigit, error?: unknown): void {
    this.now = Math.max(this.now, at);
    const s = this.settings;
    const digits = this.collected;
    let status: CollectStatus;
    if (endedBy === "error") status = "unknown";
    else if (endedBy === "hangup" || endedBy === "cancel") status = "failure";
    else if (endedBy === "timeout" && digits.length < s.minDigits) status = "timeout";
    else {
      const enough = digits.length >= s.minDigits || (endedBy === "terminator" && s.successRule === "seed");
      status = enough && (this.matcher === undefined || this.matcher.test(digits)) ? "success" : "failure";
    }
    const attempt: AttemptResult = {
      attempt: this.attemptNo, startSample: this.attemptStart, promptEndSample: Math.min(this.promptEnd, at),
      endSample: at, digits, terminator, endedBy, status,
    };
    this.history.push(attempt);
    this.emit({ type: "attemptend", result: attempt });
    const retry = (status === "timeout" || status === "failure") &&
      (endedBy === "timeout" || endedBy === "terminator" || endedBy === "maxDigits") && this.attemptNo < s.maxAttempts;
    if (!retry) {
      this.final = {
        status, digits, terminator, attempts: this.attemptNo, endedBy, endSample: at,
        endMs: round1((at * MS_PER_SECOND) / s.sampleRate), history: [...this.history],
        ...(error === undefined ? {} : { error }),
      };
      this.emit({ type: "done", result: this.final });
      return;
    }
    this.attemptNo++;
    this.attemptStart = at;
    this.promptEnd = at + s.promptSamples;
    this.promptOpen = s.promptUntilEnded;
    this.collected = "";
    this.lastDigitSample = NONE;
    this.emit({
      type: "restart", attempt: this.attemptNo, startSample: at,
      startMs: round1((at * MS_PER_SECOND) / s.sampleRate), promptEndSample: this.promptEnd,
    });
  }
}

/** Rejects things that are not detector events (API misuse) before any state changes. */
function checkEvent(event: DetectorEvent): void {
  const e = event as unknown as Record<string, unknown> | null;
  if (e === null || typeof e !== "object" || (e.type !== "keydown" && e.type !== "dtmf")) {
    throw new DtmfInputError(`a collector takes detector events ({ type: "keydown" | "dtmf", … }); received ${JSON.stringify(e) ?? String(e)}`);
  }
  if (typeof e.digit !== "string" || !isDigit(e.digit)) {
    throw new DtmfInputError(`event digit must be one of 0-9, A-D, *, #; received ${JSON.stringify(e.digit)}`);
  }
  for (const field of ["detectedSample", "startSample"] as const) {
    const v = e[field];
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
      throw new DtmfInputError(`event ${field} must be a finite number of samples ≥ 0; received ${String(v)}`);
    }
  }
}

// ---------------------------------------------------------------------------------------
// Wall-clock adapter: the one place that reads a clock, apart from the media-time core.

export interface WallClockOptions {
  /**
   * The media time now, ms (e.g. ms since the call was answered). Default: the collector's
   * position when the clock starts plus the ms elapsed since then (performance.now()).
   */
  positionMs?: () => number;
  /** How often to advance the collector, ms, 5 to 1000. Default 20. */
  intervalMs?: number;
  /** Timer functions (injectable for tests). Default: the global ones. */
  setInterval?: (tick: () => void, ms: number) => unknown;
  clearInterval?: (handle: unknown) => void;
}

export interface WallClock {
  /** Stops advancing the collector. Idempotent. */
  stop(): void;
  /** Whether the clock still runs. */
  readonly running: boolean;
  /** Settles with the result when the collector finishes, or undefined if stopped first. */
  readonly finished: Promise<CollectResult | undefined>;
}

const WALL_CLOCK_KNOWN = new Set(["positionMs", "intervalMs", "setInterval", "clearInterval"]);
const INTERVAL_RANGE_MS = { min: 5, max: 1000, default: 20 };

/**
 * Advances `collector` from a clock every `intervalMs`, so timeouts expire when no audio (or
 * no key) arrives, e.g. when keys come from RFC 4733 or SIP INFO instead of the detector.
 * The collector's outcome then depends on when ticks happen: use it only for live calls.
 */
export function startWallClock(collector: DigitCollector, options: WallClockOptions = {}): WallClock {
  if (!(collector instanceof DigitCollector)) throw new DtmfOptionError("collector", "a DigitCollector", collector);
  if (options === null || typeof options !== "object") throw new DtmfOptionError("options", "an object", options);
  rejectUnknown(options, WALL_CLOCK_KNOWN, "wall clock");
  const intervalMs = checkNumber("intervalMs", options.intervalMs ?? INTERVAL_RANGE_MS.default, INTERVAL_RANGE_MS.min, INTERVAL_RANGE_MS.max);
  for (const name of ["positionMs", "setInterval", "clearInterval"] as const) {
    if (options[name] !== undefined && typeof options[name] !== "function") throw new DtmfOptionError(name, "a function", options[name]);
  }
  const setTimer = options.setInterval ?? ((tick: () => void, ms: number) => setInterval(tick, ms));
  const clearTimer = options.clearInterval ?? ((handle: unknown) => clearInterval(handle as ReturnType<typeof setInterval>));
  let positionMs = options.positionMs;
  if (!positionMs) {
    const originMs = performance.now() - (collector.positionSamples * MS_PER_SECOND) / collector.settings.sampleRate;
    positionMs = () => performance.now() - originMs;
  }
  const readPosition = positionMs;
  let running = true;
  let settle!: (result: CollectResult | undefined) => void;
  const finished = new Promise<CollectResult | undefined>((resolve) => { settle = resolve; });
  let handle: unknown;
  const stop = (result?: CollectResult) => {
    if (!running) return;
    running = false;
    clearTimer(handle);
    settle(result);
  };
  const tick = () => {
    if (!running) return;
    if (!collector.done) {
      const ms = readPosition();
      if (Number.isFinite(ms) && ms >= 0) collector.advance(Math.round((ms * collector.settings.sampleRate) / MS_PER_SECOND));
    }
    if (collector.done) stop(collector.result);
  };
  handle = setTimer(tick, intervalMs);
  return {
    stop: () => stop(undefined),
    get running() { return running; },
    finished,
  };
}
