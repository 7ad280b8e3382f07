/**
 * Where the WebAssembly core comes from in Node (the `node` and `default` conditions of the
 * package's `#core-source` import): build/dtmf.wasm beside the package, read from disk.
 * The browser variant (./browser.ts) embeds the bytes instead and names no Node module.
 */
import { readFile } from "node:fs/promises";

/** The package's own core: its file, read when first needed. */
export const DEFAULT_CORE = {
  where: new URL("../../build/dtmf.wasm", import.meta.url).href,
  hint: " (run `npm run build`?)",
  bytes: (): Promise<Uint8Array<ArrayBuffer>> => readFile(new URL("../../build/dtmf.wasm", import.meta.url)),
};

/** The bytes behind a file: URL. */
export function readFileUrl(url: URL): Promise<Uint8Array<ArrayBuffer>> {
  return readFile(url);
}
