// The embedded core (the browser entry's default: build/dtmf.wasm as base64 inside a module)
// against the separate .wasm file: bytes shipped (raw and gzip) and start-up (get the bytes,
// compile, instantiate), in one run on this machine, as a ratio.
//   node bench/embedded-core.mjs [rounds]      (after `npm run build`)
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { cpus } from "node:os";
import { gzipSync } from "node:zlib";

const rounds = Number(process.argv[2] ?? 200);
const wasmUrl = new URL("../build/dtmf.wasm", import.meta.url);
const embeddedUrl = new URL("../dist/core-source/embedded.generated.js", import.meta.url);
const wasm = readFileSync(wasmUrl);
const embedded = readFileSync(embeddedUrl);
const { decodeBase64 } = await import("../dist/base64.js");
const { DTMF_WASM_BASE64 } = await import(embeddedUrl.href);
const imports = { env: { abort() { throw new Error("abort"); } } };

async function startFile() { return WebAssembly.instantiate(await WebAssembly.compile(await readFile(wasmUrl)), imports); }
async function startEmbedded() { return WebAssembly.instantiate(await WebAssembly.compile(decodeBase64(DTMF_WASM_BASE64)), imports); }

async function time(fn) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) await fn();
  return Number(process.hrtime.bigint() - start) / 1e6 / rounds;
}
for (let i = 0; i < 20; i++) { await startFile(); await startEmbedded(); }
const file = [], emb = [];
for (let r = 0; r < 5; r++) { file.push(await time(startFile)); emb.push(await time(startEmbedded)); }
const median = (a) => a.sort((x, y) => x - y)[a.length >> 1];
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`CPU: ${cpus()[0]?.model ?? "unknown"}; Node ${process.version}; ${rounds} start-ups x 5 rounds each`);
console.log(`separate file  build/dtmf.wasm: ${kb(wasm.length)} (gzip ${kb(gzipSync(wasm).length)}); start-up ${median(file).toFixed(3)} ms (read + compile + instantiate)`);
console.log(`embedded       core-source/embedded.generated.js: ${kb(embedded.length)} (gzip ${kb(gzipSync(embedded).length)}); start-up ${median(emb).toFixed(3)} ms (decode base64 + compile + instantiate)`);
console.log(`embedded / file: size ${(embedded.length / wasm.length).toFixed(2)}x raw, ${(gzipSync(embedded).length / gzipSync(wasm).length).toFixed(2)}x gzip; start-up ${(median(emb) / median(file)).toFixed(2)}x`);
