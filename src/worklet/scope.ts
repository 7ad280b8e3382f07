/**
 * Imported first by the processor module: AudioWorkletGlobalScope has no URL class (Chromium
 * 120+ included), and the library's loader computes its default WebAssembly location with
 * `new URL(...)` when its module is evaluated. The worklet never uses that location (the
 * compiled module comes from the main thread), so a stand-in that keeps the string is enough.
 */
const scope = globalThis as { URL?: unknown };
if (typeof scope.URL === "undefined") {
  scope.URL = class WorkletUrl {
    readonly href: string;
    readonly protocol: string;
    constructor(url: string | { href: string }) {
      this.href = typeof url === "string" ? url : String(url.href);
      this.protocol = /^[a-z][a-z0-9+.-]*:/i.exec(this.href)?.[0] ?? "";
    }
    toString(): string { return this.href; }
  };
}
export {};
