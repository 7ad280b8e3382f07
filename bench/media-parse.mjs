#!/usr/bin/env node
/**
 * The cheap frame path against its peer, in the same run: reading a Twilio media message
 * (160 bytes of μ-law, base64) with JSON.parse of the UTF-8 text (the full path), and with
 * readMediaFast (src/server/protocols/media-fast-path.ts), each followed by the same base64
 * decode into one reused buffer. Reports ns per message and the ratio.
 *
 *   npm run build && node bench/media-parse.mjs [--messages 2000000]
 */
import { readMediaFast } from "../dist/server/protocols/media-fast-path.js";

const count = Number(process.argv[process.argv.indexOf("--messages") + 1]) || 2_000_000;
const payload = Buffer.alloc(160, 0x7f).map((_, i) => (i * 37) & 0xff);
const message = Buffer.from(`{"event":"media","sequenceNumber":"4711","media":{"track":"inbound","chunk":"4710","timestamp":"94200","payload":"${Buffer.from(payload).toString("base64")}"},"streamSid":"MZ18ad3ab5a668481ce02b83e7395059f0"}`);
const scratch = Buffer.allocUnsafe(4096);
let sink = 0;

function full(data) {
  const m = JSON.parse(data.toString("utf8"));
  const media = m.media;
  sink += Number(media.timestamp) + Number(media.chunk) + (media.track === "inbound" ? 1 : 0);
  return scratch.write(media.payload, 0, "base64");
}
function fast(data) {
  const f = readMediaFast(data);
  sink += f.timestampMs + f.chunk + (f.track === "inbound" ? 1 : 0);
  return scratch.write(f.payload, 0, "base64");
}
function time(fn) {
  for (let i = 0; i < 100_000; i++) fn(message);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) fn(message);
  return Number(process.hrtime.bigint() - t0) / count;
}
const rounds = [];
for (let r = 0; r < 3; r++) rounds.push({ full: time(full), fast: time(fast) });
const best = (k) => Math.min(...rounds.map((x) => x[k]));
console.log(`node ${process.version}, ${message.length}-byte media message, ${count} per round, best of 3`);
console.log(`| path | ns per message |\n|---|---:|\n| JSON.parse + base64 | ${best("full").toFixed(0)} |\n| readMediaFast + base64 | ${best("fast").toFixed(0)} |`);
console.log(`fast path: ${(best("full") / best("fast")).toFixed(2)}× the full parse's speed (${sink > 0 ? "ok" : ""})`);
