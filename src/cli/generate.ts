/** `dtmf-wasm generate`: not built yet. */
import type { CliIo } from "./io.js";

export async function run(_args: string[], io: CliIo): Promise<number> {
  io.stderr("dtmf-wasm generate: not available yet\n");
  return 2;
}
