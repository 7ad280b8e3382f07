/**
 * Where the WebAssembly core comes from in a browser bundle (the `browser` condition of the
 * package's `#core-source` import): its bytes are embedded in this module (base64, written
 * at build time by scripts/embed-core.mjs), so no bundler has to find, copy or serve a
 * separate .wasm file, and nothing here names a Node module.
 */
import { DTMF_WASM_BASE64 } from "./embedded.generated.js";
import { decodeBase64 } from "../base64.js";

/** The package's own core: the embedded bytes. */
export const DEFAULT_CORE = {
  where: "the bytes embedded in dtmf-wasm",
  hint: "",
  bytes: (): Promise<Uint8Array<ArrayBuffer>> => Promise.resolve(decodeBase64(DTMF_WASM_BASE64)),
};

/** A browser cannot read file: URLs; the caller learns so with the URL. */
export function readFileUrl(url: URL): Promise<Uint8Array<ArrayBuffer>> {
  return Promise.reject(new Error(`${url.href}: file: URLs cannot be read in a browser; pass the core's bytes, an http(s) URL or a Response`));
}
