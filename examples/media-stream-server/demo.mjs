#!/usr/bin/env node
/**
 * The media-stream server in one script: a webhook receiver that prints what it gets, the
 * server, and one generated call ("1234#", with a PIN collection) streamed to it as a voice
 * platform would. Run after `npm run build`:
 *
 *   node examples/media-stream-server/demo.mjs
 */
import { createServer } from "node:http";
import { encodeSamples, generateDtmf, startServer } from "../../dist/index.js";
import { streamCall } from "./client.mjs";

// 1. A webhook receiver (your application's endpoint).
const webhook = createServer((request, response) => {
  let body = "";
  request.on("data", (chunk) => { body += chunk; });
  request.on("end", () => { console.log("webhook got", body); response.writeHead(204).end(); });
});
await new Promise((resolve) => webhook.listen(0, "127.0.0.1", resolve));

// 2. The media-stream server, posting to it.
const server = await startServer({ port: 0, webhook: `http://127.0.0.1:${webhook.address().port}/dtmf` });
console.log("media-stream server on", server.url);

// 3. A call: μ-law 8 kHz, keys "1234#", streamed in 20 ms frames; a 4-digit PIN collection from its start.
const audio = encodeSamples(generateDtmf({ keys: "1234#", toneMs: 90, gapMs: 110 }).samples, "mulaw");
const ended = new Promise((resolve) => server.once("callEnded", resolve));
await streamCall(`${server.url}/twilio`, { callSid: "CA-demo", audio }, {
  pace: "realtime",
  collect: { command_uid: "collect-pin-001", min_digits: 4, max_digits: 8, terminators: "#" },
});
const summary = await ended;
console.log(`call ${summary.callId} ended (${summary.reason}) after ${summary.mediaMs} ms of audio`);

await server.close();
webhook.close();
