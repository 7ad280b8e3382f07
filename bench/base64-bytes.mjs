#!/usr/bin/env node
/**
 * The base64 decode of a Twilio media payload (160 bytes of μ-law, 216 characters) into a
 * destination like the detector's input region: Node's decoder, which needs the payload as a
 * string first (`Buffer.write(buf.latin1Slice(…), 0, "base64")`, the path before), against the
 * decoder over the message's bytes (src/server/protocols/base64-bytes.ts). Interleaved rounds,
 * best of each, ns per payload; the two outputs are checked equal first.
 *
 *   npm run build && node bench/base64-bytes.mjs [--messages 1000] [--rounds 6]
 */
import { decodeBase64Into } from "../dist/server/protocols/base64-bytes.js";

const argv = process.argv.slice(2);
const opt = (name, fallback) => { const i = argv.indexOf(name); return i >= 0 ? Number(argv[i + 1]) : fallback; };
const count = opt("--messages", 1000), rounds = opt("--rounds", 6);
const messages = Array.from({ length: count }, (_, k) => {
  const b = Buffer.alloc(160);
  for (let i = 0; i < 160; i++) b[i] = (i * 31 + k * 7) & 255;
  return Buffer.from(`{"event":"media","media":{"payload":"${b.toString("base64")}"}}`);
});
const at = messages[0].indexOf('"payload":"') + 11, end = at + 216;
const region = Buffer.alloc(4096);
const node = (m) => region.write(m.latin1Slice(at, end), 0, "base64");
const bytes = (m) => decodeBase64Into(m, at, end, region);
const check = Buffer.alloc(4096);
for (const m of messages) {
  const n = check.write(m.latin1Slice(at, end), 0, "base64");
  if (bytes(m) !== n || !region.subarray(0, n).equals(check.subarray(0, n))) throw new Error("the two decoders disagree");
}
const best = { node: Infinity, bytes: Infinity };
for (let r = 0; r < rounds; r++) for (const [name, f] of [["node", node], ["bytes", bytes]]) {
  const t = process.hrtime.bigint();
  for (let rep = 0; rep < 500; rep++) for (const m of messages) f(m);
  best[name] = Math.min(best[name], Number(process.hrtime.bigint() - t) / (500 * count));
}
console.log(`node ${process.version}, ${count} payloads of 216 characters, best of ${rounds} interleaved rounds`);
console.log(`| decoder | ns per payload |\n|---|---:|\n| Buffer.write(latin1Slice(…), "base64") | ${best.node.toFixed(0)} |\n| decodeBase64Into (bytes) | ${best.bytes.toFixed(0)} |`);
