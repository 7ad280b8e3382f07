#!/usr/bin/env node
/**
 * A webhook request's abort signal (src/webhook.ts requestSignal): AbortSignal.any over
 * AbortSignal.timeout and the sink's closing signal (the way before), against an
 * AbortController with its own timer and a listener on the closing signal, made and released
 * per request. Interleaved rounds, best of each, µs per request.
 *
 *   node bench/abort-signal.mjs [--requests 50000] [--rounds 5]
 */
const argv = process.argv.slice(2);
const opt = (name, fallback) => { const i = argv.indexOf(name); return i >= 0 ? Number(argv[i + 1]) : fallback; };
const count = opt("--requests", 50000), rounds = opt("--rounds", 5);
const closing = new AbortController();
const any = () => AbortSignal.any([AbortSignal.timeout(10_000), closing.signal]);
function own() {
  const c = new AbortController();
  const onClose = () => c.abort(closing.signal.reason);
  const t = setTimeout(() => c.abort(new DOMException("The operation was aborted due to timeout", "TimeoutError")), 10_000);
  t.unref();
  closing.signal.addEventListener("abort", onClose, { once: true });
  clearTimeout(t);
  closing.signal.removeEventListener("abort", onClose);
  return c.signal;
}
const best = { any: Infinity, own: Infinity };
for (let r = 0; r < rounds; r++) {
  for (const [name, fn] of [["any", any], ["own", own]]) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < count; i++) fn();
    best[name] = Math.min(best[name], Number(process.hrtime.bigint() - t) / count / 1000);
  }
}
console.log(`node ${process.version}, ${count} requests a round, best of ${rounds}`);
console.log(`AbortSignal.any([AbortSignal.timeout(ms), closing]): ${best.any.toFixed(2)} µs a request`);
console.log(`AbortController + timer + closing listener, released: ${best.own.toFixed(2)} µs a request`);
process.exit(0);
