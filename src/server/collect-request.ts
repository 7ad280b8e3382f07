/**
 * A digit collection requested by the application (in the stream, over HTTP, or in the call's
 * start metadata): seed 003's DTMF request fields in snake_case, `command_uid` added (seed 001's
 * digits.collected names it). Every seed 003 field may be null: "not given", the default.
 *
 * | field               | meaning                                                          | default  |
 * |---------------------|------------------------------------------------------------------|----------|
 * | command_uid         | echoed in digits.collected (required, a string)                  |          |
 * | min_digits          | 1-64                                                             | 1        |
 * | max_digits          | 1-64                                                             | 64       |
 * | max_attempts        | 1-10                                                             | 1        |
 * | timeout             | ms to the first digit after the prompt, and between digits, 1000-10000 | 5000 |
 * | inter_digit_timeout | ms between digits, 1000-10000                                    | timeout  |
 * | terminators         | keys that end input                                              | "#"      |
 * | regex               | the whole input must match; "" = no validation                   | [0-9]*   |
 * | prompt_ms           | a fixed prompt length, ms                                        | 0        |
 * | prompt_until_ended  | the prompt plays until the platform reports its end (mark echo, prompt_ended) | false |
 * | prompt_mark         | the mark name whose echo ends the prompt (implies prompt_until_ended) | any mark |
 * | success_rule        | "seed" (a terminator succeeds) or "strict" (min_digits always)   | server's |
 * | type_ahead          | "discard" or "keep" keys pressed just before the request         | server's |
 */
import { type CollectorOptions, DigitCollector } from "../collector.js";
import { DtmfOptionError } from "../errors.js";

export type TypeAhead = "discard" | "keep";
export const TYPE_AHEAD_MODES: readonly TypeAhead[] = ["discard", "keep"];

const FIELDS: Record<string, keyof CollectorOptions | "commandUid" | "promptMark" | "typeAhead"> = {
  command_uid: "commandUid", min_digits: "minDigits", max_digits: "maxDigits", max_attempts: "maxAttempts", timeout: "timeout",
  inter_digit_timeout: "interDigitTimeout", terminators: "terminators", regex: "regex", prompt_ms: "promptMs",
  prompt_until_ended: "promptUntilEnded", prompt_mark: "promptMark", success_rule: "successRule", type_ahead: "typeAhead",
};
/** Longest command_uid accepted, characters. */
const MAX_COMMAND_UID = 256;

export interface CollectRequest {
  commandUid: string;
  collector: DigitCollector;
  promptMark?: string;
  typeAhead: TypeAhead;
}

/** The command_uid of a request, if it has a usable one (so a rejected request can still be answered). */
export function commandUidOf(request: unknown): string {
  const uid = (request as { command_uid?: unknown } | null)?.command_uid;
  return typeof uid === "string" && uid.length <= MAX_COMMAND_UID ? uid : "";
}

/**
 * Checks a request and makes its collector, starting at `startSample`. Throws a
 * DtmfOptionError naming the snake_case field.
 */
export function parseCollectRequest(
  request: unknown, defaults: { sampleRate: number; startSample: number; successRule: "seed" | "strict"; typeAhead: TypeAhead },
): CollectRequest {
  if (request === null || typeof request !== "object" || Array.isArray(request)) throw new DtmfOptionError("collect", "an object", request);
  const options: Record<string, unknown> = { sampleRate: defaults.sampleRate, startSample: defaults.startSample, successRule: defaults.successRule };
  let commandUid: unknown;
  let promptMark: unknown;
  let typeAhead: unknown = defaults.typeAhead;
  for (const [key, value] of Object.entries(request)) {
    const name = FIELDS[key];
    if (name === undefined) throw new DtmfOptionError(`collect.${key}`, `one of the collect fields (${Object.keys(FIELDS).join(", ")})`, "an unknown field");
    if (name === "commandUid") commandUid = value;
    else if (name === "promptMark") promptMark = value;
    else if (name === "typeAhead") typeAhead = value ?? defaults.typeAhead;
    else if (name === "successRule") options.successRule = value ?? defaults.successRule;
    else options[name] = value;
  }
  if (typeof commandUid !== "string" || commandUid.length > MAX_COMMAND_UID) {
    throw new DtmfOptionError("collect.command_uid", `a string of at most ${MAX_COMMAND_UID} characters`, commandUid);
  }
  if (promptMark !== undefined && promptMark !== null) {
    if (typeof promptMark !== "string" || promptMark.length === 0 || promptMark.length > MAX_COMMAND_UID) {
      throw new DtmfOptionError("collect.prompt_mark", `a non-empty string of at most ${MAX_COMMAND_UID} characters`, promptMark);
    }
    options.promptUntilEnded = true;
  }
  if (!TYPE_AHEAD_MODES.includes(typeAhead as TypeAhead)) throw new DtmfOptionError("collect.type_ahead", `one of ${TYPE_AHEAD_MODES.join(", ")}`, typeAhead);
  let collector: DigitCollector;
  try {
    collector = new DigitCollector(options as CollectorOptions);
  } catch (error) {
    if (error instanceof DtmfOptionError) {
      const snake = Object.entries(FIELDS).find(([, camel]) => camel === error.option)?.[0] ?? error.option;
      throw new DtmfOptionError(`collect.${snake}`, error.allowed, error.received);
    }
    throw error;
  }
  return { commandUid, collector, promptMark: (promptMark as string | null | undefined) ?? undefined, typeAhead: typeAhead as TypeAhead };
}
