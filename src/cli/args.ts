/**
 * Command-line parsing shared by the subcommands: node:util parseArgs, plus the two things it
 * does not do for us: negative numbers as option values (`--level -20`) and numbers checked
 * with a message that names the flag, the allowed range and what was typed.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";
import { DtmfOptionError } from "../errors.js";
import { suggestFlag } from "../did-you-mean.js";

/** A mistake in the command line: exit status 2, message without a stack. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** A value that looks like a negative number, not like an option. */
const NEGATIVE_NUMBER = /^-(\d|\.\d)/;

/**
 * parseArgs in strict mode, with `--opt -3` accepted for string options (parseArgs alone
 * rejects a value starting with a dash as ambiguous) and its errors turned into UsageError.
 */
type Config<O extends Options> = { args: string[]; options: O; allowPositionals: true; strict: true };
export type ParsedCommandLine<O extends Options> = ReturnType<typeof parseArgs<Config<O>>>;

export function parseCommandLine<O extends Options>(args: string[], options: O): ParsedCommandLine<O> {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const name = arg.startsWith("--") ? arg.slice(2) : undefined;
    const short = !name && /^-[a-zA-Z]$/.test(arg) ? Object.entries(options).find(([, o]) => o.short === arg[1])?.[0] : undefined;
    const option = name ?? short;
    if (option !== undefined && options[option]?.type === "string" && NEGATIVE_NUMBER.test(args[i + 1] ?? "")) {
      joined.push(`--${option}=${args[++i]}`);
    } else {
      joined.push(arg);
    }
  }
  try {
    return parseArgs<Config<O>>({ args: joined, options, allowPositionals: true, strict: true });
  } catch (error) {
    // parseArgs adds advice on `--` that does not fit one line: keep its first sentence.
    throw new UsageError(suggestFlag((error as Error).message.split("\n")[0].replace(/\. To specify .*$/, ""), Object.keys(options)));
  }
}

/** `text` as a finite number in [min, max] (an integer if asked), or a UsageError naming `flag`. */
export function numberFlag(flag: string, text: string, min: number, max: number, integer = false): number {
  const value = text.trim() === "" ? Number.NaN : Number(text);
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    const range = Number.isFinite(min) && Number.isFinite(max) ? ` from ${min} to ${max}` : "";
    throw new UsageError(`${flag} must be ${integer ? "an integer" : "a number"}${range}; received ${JSON.stringify(text)}`);
  }
  return value;
}

/** `text` if it is one of `choices`, else a UsageError naming `flag`. */
export function choiceFlag<T extends string>(flag: string, text: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(text)) {
    throw new UsageError(`${flag} must be one of ${choices.join(", ")}; received ${JSON.stringify(text)}`);
  }
  return text as T;
}

/** A library option error reworded for the flag the user typed (`minLevelDbm0` → `--min-level`). */
export function flagError(error: unknown, flags: Readonly<Record<string, string>>): unknown {
  if (!(error instanceof DtmfOptionError)) return error;
  const flag = flags[error.option] ?? error.option;
  return new UsageError(`${flag} ${error.message.slice(error.option.length + 1)}`);
}
