/**
 * Detector options: their defaults (with the Q.24 figure each one serves), their validation,
 * and their translation into the WASM configuration block (linear powers, samples).
 */
import { MAX_SAMPLE_RATE, MIN_SAMPLE_RATE } from "./conventions.js";
import { DtmfOptionError } from "./errors.js";
import { ALL_KEYS, KEY_ORDER } from "./keys.js";
import { dbm0ToPower } from "./levels.js";
import type { CoreLayout } from "./wasm.js";

export { MAX_SAMPLE_RATE, MIN_SAMPLE_RATE };
export type Encoding = "pcm16" | "float32" | "mulaw" | "alaw";
/** The encodings a detector takes (their codes in the core: src/wasm.ts reads them from it). */
export const ENCODING_NAMES: readonly Encoding[] = Object.freeze(["pcm16", "float32", "mulaw", "alaw"]);

/** What a detector is tuned with. Every field is optional; defaults below. */
export interface DetectorTuning {
  /**
   * Minimum level of each tone, dBm0. Default −45: Q.24 requires operation down to −25 dBm0
   * per tone; good receivers decode at −40, and this leaves 5 dB below that.
   */
  minLevelDbm0?: number;
  /**
   * How far the high group may be below the low group, dB. Default 10: Q.24 requires 8 dB
   * ("normal twist"); 2 dB more absorbs the measurement's loss for tones 1.5 % off frequency.
   */
  normalTwistDb?: number;
  /** How far the high group may be above the low group, dB. Default 6 (Q.24 requires 4 dB). */
  reverseTwistDb?: number;
  /**
   * How far the second-strongest frequency of each group must be below the strongest, dB.
   * Default 8: a tone 1.5 % off towards its neighbour (697/770, the closest pair) leaves 12 dB.
   */
  peakRatioDb?: number;
  /**
   * Share of the window's power (DC removed) the two tones must hold, as dB (≤ 0). Default −2.2
   * (60 %): white noise at S/N 10 dB leaves −0.4 dB, a 0 dBm0 pair clipped at full scale
   * about −0.7 dB; speech and music seldom hold that much power in two DTMF frequencies.
   */
  purityDb?: number;
  /**
   * Share of the power the two tones must hold over the tone's full hops before the key is
   * confirmed, as dB (≤ 0). Default −1.55 (70 %): DTMF at S/N 10 dB holds ≥ 83 %, keys at
   * −10 dBm0 under dial tone at −15 dBm0 per tone 76 %; most pairs of speech harmonics that
   * pass the window tests hold 54-67 % (the talk-off part of `npm run bench`). A candidate
   * found late (its tones already there four hops before its first window) needs at least
   * 80 % (assembly/rules.ts, LATE_PRESS_PURITY).
   */
  pressPurityDb?: number;
  /**
   * Largest frequency error accepted, percent of each nominal frequency. Default 1.8: Q.24
   * accepts ±1.5 % and rejects ±3.5 %; the measured frequency is good to a few tenths of a
   * percent, and a limit close to 1.5 % keeps out musical notes that sit 1.6-2.5 % from DTMF
   * frequencies (talk-off corpus of `npm run bench`: no false key at 1.8 %, 1 at 2.0 %; every
   * key at S/N 10 dB with ±1.5 % offsets still decodes).
   */
  frequencyTolerancePct?: number;
  /**
   * Tone length that confirms a key press, ms. Default 28: Q.24 requires accepting 40 ms and
   * rejecting 23 ms; 28 ms leaves 5 ms for the onset and end estimates and keeps the keydown
   * within 35 ms of the true onset.
   */
  minToneMs?: number;
  /**
   * Silence after a tone's end that ends its key press, ms. Default 30. The same key back
   * sooner continues the press: with the ≈ 12 ms it takes to detect the returning tone,
   * drop-outs up to ≈ 18 ms are bridged (Q.24: ≤ 10 ms must be) and pauses of 40 ms always
   * separate two presses (Q.24: ≥ 40 ms must).
   */
  gapMs?: number;
  /** Keys that may be reported. Default all 16: "0123456789*#ABCD". */
  keys?: string;
  /**
   * Always runs the dial-tone filter before the filter bank: notches at 350 and 440 Hz
   * (assembly/rules.ts NOTCH_*), as hardware receivers and spandsp's dial-tone filter have.
   * Default false: the filter then runs only while a 350 + 440 Hz dial tone is on the line (the
   * core watches for one and switches the filter in and out: rules.ts DIAL_*), so keys decode
   * with the dial tone up to 18 dB above them either way (`npm run bench -- --only
   * interference`), while speech and music keep their 300-500 Hz energy in the purity tests
   * (always on, the filter costs talk-off) and a line without a dial tone pays nothing. True
   * for lines where another steady low tone near 350-440 Hz sits over the keys; it costs two
   * biquad sections a sample, and the low group loses 0.4 dB at 697 Hz.
   */
  dialToneFilter?: boolean;
}

export interface DetectorOptions extends DetectorTuning {
  /** Samples a second, an integer from 8000 to 48000. Default 8000. */
  sampleRate?: number;
  /** Sample encoding. Default "pcm16". */
  encoding?: Encoding;
}

export const DEFAULT_TUNING: Readonly<Required<DetectorTuning>> = Object.freeze({
  minLevelDbm0: -45,
  normalTwistDb: 10,
  reverseTwistDb: 6,
  peakRatioDb: 8,
  purityDb: -2.2,
  pressPurityDb: -1.55,
  frequencyTolerancePct: 1.8,
  minToneMs: 28,
  gapMs: 30,
  keys: ALL_KEYS,
  dialToneFilter: false,
});

/** [min, max] of each numeric tuning option. */
const RANGES: Record<Exclude<keyof DetectorTuning, "keys" | "dialToneFilter">, [number, number]> = {
  minLevelDbm0: [-70, 0],
  normalTwistDb: [0, 20],
  reverseTwistDb: [0, 20],
  peakRatioDb: [3, 30],
  purityDb: [-10, 0],
  pressPurityDb: [-10, 0],
  frequencyTolerancePct: [0.5, 6],
  minToneMs: [10, 200],
  gapMs: [10, 500],
};

/** The end of its range at which each numeric option finds the most keys: "min" or "max". */
const SENSITIVE_END: Record<keyof typeof RANGES, "min" | "max"> = {
  minLevelDbm0: "min", normalTwistDb: "max", reverseTwistDb: "max", peakRatioDb: "min", purityDb: "min",
  pressPurityDb: "min", frequencyTolerancePct: "max", minToneMs: "min", gapMs: "min",
};

/**
 * @internal Every numeric option at the end of its range that finds the most keys: the redaction's
 * notch check (src/redact/spans.ts) and the redaction bench count keys left with it.
 */
export const MOST_SENSITIVE_TUNING: Readonly<DetectorTuning> = Object.freeze(Object.fromEntries(
  (Object.keys(RANGES) as (keyof typeof RANGES)[]).map((name) => [name, RANGES[name][SENSITIVE_END[name] === "min" ? 0 : 1]]),
));

const KNOWN = new Set<string>(["sampleRate", "encoding", "onEvent", ...Object.keys(DEFAULT_TUNING)]);

export function checkNumber(option: string, value: unknown, min: number, max: number, integer = false): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max ||
      (integer && !Number.isInteger(value))) {
    throw new DtmfOptionError(option, `${integer ? "an integer" : "a number"} from ${min} to ${max}`, value);
  }
  return value;
}

export function rejectUnknown(options: object, known: ReadonlySet<string>, where: string): void {
  for (const key of Object.keys(options)) {
    if (!known.has(key)) {
      throw new DtmfOptionError(key, `one of the ${where} options (${[...known].join(", ")})`, "an unknown option");
    }
  }
}

export interface ResolvedOptions extends Required<DetectorTuning> {
  sampleRate: number;
  encoding: Encoding;
}

export function resolveOptions(options: DetectorOptions = {}): ResolvedOptions {
  if (options === null || typeof options !== "object") {
    throw new DtmfOptionError("options", "an object", options);
  }
  rejectUnknown(options, KNOWN, "detector");
  const sampleRate = options.sampleRate ?? 8000;
  checkNumber("sampleRate", sampleRate, MIN_SAMPLE_RATE, MAX_SAMPLE_RATE, true);
  const encoding = options.encoding ?? "pcm16";
  if (!ENCODING_NAMES.includes(encoding)) {
    throw new DtmfOptionError("encoding", `one of ${ENCODING_NAMES.join(", ")}`, encoding);
  }
  return { sampleRate, encoding, ...resolveTuning(options) };
}

export function resolveTuning(options: DetectorTuning, base: Required<DetectorTuning> = DEFAULT_TUNING): Required<DetectorTuning> {
  const out = { ...base };
  for (const [name, [min, max]] of Object.entries(RANGES) as [keyof typeof RANGES, [number, number]][]) {
    const value = options[name];
    if (value !== undefined) out[name] = checkNumber(name, value, min, max);
  }
  if (options.keys !== undefined) {
    const keys = options.keys;
    if (typeof keys !== "string" || keys.length === 0 || [...keys].some((k) => !KEY_ORDER.includes(k.toUpperCase()))) {
      throw new DtmfOptionError("keys", `a non-empty string of keys from "${ALL_KEYS}"`, keys);
    }
    out.keys = keys.toUpperCase();
  }
  if (options.dialToneFilter !== undefined) {
    if (typeof options.dialToneFilter !== "boolean") throw new DtmfOptionError("dialToneFilter", "true or false", options.dialToneFilter);
    out.dialToneFilter = options.dialToneFilter;
  }
  return out;
}

/** Writes the configuration block read by open()/configure() at the offsets the core exports (assembly/config.ts). @internal */
export function writeConfig(view: DataView, layout: CoreLayout, o: ResolvedOptions): void {
  const at = layout.config;
  const ms = (v: number) => Math.round((v * o.sampleRate) / 1000);
  let mask = 0;
  for (const k of o.keys) mask |= 1 << KEY_ORDER.indexOf(k);
  view.setFloat32(at.minPower, dbm0ToPower(o.minLevelDbm0), true);
  view.setFloat32(at.twistLo, 10 ** (-o.normalTwistDb / 10), true);
  view.setFloat32(at.twistHi, 10 ** (o.reverseTwistDb / 10), true);
  view.setFloat32(at.relPeak, 10 ** (-o.peakRatioDb / 10), true);
  view.setFloat32(at.toneTotal, 10 ** (o.purityDb / 10), true);
  view.setFloat32(at.freqTol, o.frequencyTolerancePct / 100, true);
  view.setInt32(at.minConfirm, ms(o.minToneMs), true);
  view.setInt32(at.gapMax, ms(o.gapMs), true);
  view.setInt32(at.keyMask, mask, true);
  view.setFloat32(at.pressPurity, 10 ** (o.pressPurityDb / 10), true);
  view.setUint8(at.dialToneFilter, o.dialToneFilter ? 1 : 0);
}
