/** `dtmf-wasm collect`: not built yet. */
import type { CliIo } from "./io.js";

export async function run(_args: string[], io: CliIo): Promise<number> {
  io.stderr("dtmf-wasm collect: not available yet\n");
  return 2;
}
