/**
 * `dtmf-wasm analyze big.wav | head`: when the reader of stdout goes away, writes fail with
 * EPIPE. That is the reader's choice, not an error: exit quietly instead of printing a stack
 * trace (the work left would only produce output nobody reads).
 */

let installed = false;

/** Exits the process quietly (status so far, else 0) when stdout's reader has gone away. */
export function exitQuietlyOnBrokenPipe(stream: NodeJS.WriteStream = process.stdout): void {
  if (installed) return;
  installed = true;
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);
    process.stderr.write(`dtmf-wasm: cannot write the output: ${error.message}\n`);
    process.exit(1);
  });
}
