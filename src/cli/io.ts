/** The CLI's view of the outside world, so tests can run subcommands in-process. */
import type { Readable } from "node:stream";

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  stdin: Readable;
  /** Whether stdout / stderr are terminals (tables and progress bars only then). */
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /** Environment variables (NO_COLOR, …). */
  env: Record<string, string | undefined>;
  cwd: string;
}

export function nodeIo(): CliIo {
  return {
    stdout: (text) => { process.stdout.write(text); },
    stderr: (text) => { process.stderr.write(text); },
    stdin: process.stdin,
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    env: process.env,
    cwd: process.cwd(),
  };
}
