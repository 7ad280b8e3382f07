/** dtmf-wasm: real-time DTMF detection in WebAssembly. */
export * from "./library.js";
export * from "./server/index.js";
