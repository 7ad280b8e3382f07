#!/usr/bin/env node
/**
 * The webhook's transport, CPU per POST: global fetch (undici, what WebhookSink uses by
 * default) against the server's node:http keep-alive transport (src/server/http-post.ts),
 * each driving the same WebhookSink (retries, idempotency key, bounded body read) to a
 * receiver in another process that answers 204, 64 POSTs in flight, in interleaved rounds.
 * Reports µs of this process's CPU per POST (the server's cost of a key's webhook) and the ratio.
 *
 *   npm run build && node bench/webhook-post.mjs [--posts 3000]
 */
import { spawn } from "node:child_process";
import { nodePost } from "../dist/server/http-post.js";
import { WebhookSink } from "../dist/webhook.js";

const posts = Number(process.argv[process.argv.indexOf("--posts") + 1]) || 3000;
const receiver = spawn(process.execPath, ["-e", `require("node:http").createServer((q, s) => { q.resume(); q.on("end", () => s.writeHead(204).end()); }).listen(0, "127.0.0.1", function () { console.log(this.address().port); })`], { stdio: ["ignore", "pipe", "inherit"] });
const port = Number(await new Promise((r) => receiver.stdout.once("data", (d) => r(String(d).trim()))));
const url = `http://127.0.0.1:${port}/hook`;
const payload = { event: "dtmf", session_uuid: "twil-0001234", digit: "5", duration_ms: 100, call_id: "CA0123456789abcdef0123456789abcdef" };
const transport = nodePost(64);
const sinks = { fetch: new WebhookSink({ url }), "node:http": new WebhookSink({ url, fetch: transport.fetch }) };

async function round(sink) {
  const c0 = process.cpuUsage();
  for (let sent = 0; sent < posts; sent += 64) await Promise.all(Array.from({ length: Math.min(64, posts - sent) }, (_, i) => sink.send({ ...payload, n: sent + i })));
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / posts;
}
const best = {};
for (let r = 0; r < 4; r++) for (const [name, sink] of Object.entries(sinks)) { const us = await round(sink); if (r > 0) best[name] = Math.min(best[name] ?? Infinity, us); }
console.log(`node ${process.version}, ${posts} POSTs per round, 64 in flight, best of 3 rounds after a warm-up`);
console.log("| transport | µs of CPU per POST |\n|---|---:|");
for (const [name, us] of Object.entries(best)) console.log(`| ${name} | ${us.toFixed(0)} |`);
console.log(`node:http: ${(best.fetch / best["node:http"]).toFixed(2)}× less CPU per POST than fetch`);
transport.close();
receiver.kill();
