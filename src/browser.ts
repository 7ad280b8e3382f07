/**
 * dtmf-wasm in a browser bundle (the `browser` condition of the package's "." export): the
 * same API as the Node entry without the call server (`DtmfServer` and its parts, which need
 * Node's network modules), and with the WebAssembly core embedded in the bundle, so that no
 * bundler has to find or serve a .wasm file. Nothing this module reaches names a Node module
 * (test/package.test.ts bundles it with esbuild --platform=browser and runs it in Chromium).
 */
export * from "./library.js";
