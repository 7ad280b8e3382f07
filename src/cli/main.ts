#!/usr/bin/env node
/**
 * `dtmf-wasm` command line: one module per subcommand, each exporting
 * `run(args, io) → exit code` (0 ok, 1 some input failed, 2 usage error).
 */
import { readFileSync } from "node:fs";
import type { CliIo } from "./io.js";
import { nodeIo } from "./io.js";
import { closest } from "../did-you-mean.js";

/** The flags that print the version, before or after a command (`dtmf-wasm analyze --version`). */
const VERSION_FLAGS = new Set(["--version", "-V", "-v"]);

const SUBCOMMANDS: Record<string, { summary: string; load: () => Promise<{ run(args: string[], io: CliIo): Promise<number> }> }> = {
  analyze: { summary: "find the DTMF key presses in WAV or raw audio files", load: () => import("./analyze.js") },
  generate: { summary: "write a WAV of DTMF tones (levels, twist, noise…)", load: () => import("./generate.js") },
  redact: { summary: "remove the DTMF keys from recordings (PCI), with an audit", load: () => import("./redact.js") },
  collect: { summary: "collect digits from a recording as play_and_get_digits would", load: () => import("./collect.js") },
  serve: { summary: "find DTMF in voice platforms' media streams (Twilio, Vonage, jambonz, AudioSocket, RTP…)", load: () => import("./serve.js") },
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

function usage(): string {
  const lines = Object.entries(SUBCOMMANDS).map(([name, s]) => `  ${name.padEnd(10)} ${s.summary}`);
  return `usage: dtmf-wasm <command> [options]\n\ncommands:\n${lines.join("\n")}\n\n` +
    "`dtmf-wasm <command> --help` describes a command; `dtmf-wasm --version` (-V) prints the version.\n";
}

export async function main(argv: string[], io: CliIo = nodeIo()): Promise<number> {
  const [command, ...rest] = argv;
  const beforeEnd = argv.indexOf("--") < 0 ? argv : argv.slice(0, argv.indexOf("--"));
  if (VERSION_FLAGS.has(command ?? "") || (command !== undefined && SUBCOMMANDS[command] && beforeEnd.some((a) => a === "--version" || a === "-V"))) {
    io.stdout(`${version()}\n`);
    return 0;
  }
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    (command === undefined ? io.stderr : io.stdout)(usage());
    return command === undefined ? 2 : 0;
  }
  const sub = SUBCOMMANDS[command];
  if (!sub) {
    const guess = closest(command, Object.keys(SUBCOMMANDS));
    io.stderr(`dtmf-wasm: unknown command '${command}'${guess ? `; did you mean '${guess}'?` : ""}\n\n${usage()}`);
    return 2;
  }
  return (await sub.load()).run(rest, io);
}

const isEntry = process.argv[1] !== undefined && import.meta.url === new URL(`file://${(await import("node:fs")).realpathSync(process.argv[1])}`).href;
if (isEntry) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (error: unknown) => {
    process.stderr.write(`dtmf-wasm: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
