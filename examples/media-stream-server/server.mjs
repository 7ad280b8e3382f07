#!/usr/bin/env node
/**
 * The media-stream server, as an application embeds it: a thin user of `startServer()` from
 * the package (the same server as `dtmf-wasm serve`). Every protocol the server speaks is
 * available (Twilio, SignalWire, Telnyx, Plivo, Vonage, jambonz, mod_audio_fork on the
 * WebSocket port; AudioSocket and RTP when their ports are given); this script prints each
 * payload as a JSON line and each call's summary on stderr.
 *
 * Run (after `npm run build`; in an application, import from "dtmf-wasm"):
 *   node examples/media-stream-server/server.mjs [--port 8081] [--webhook URL] [any `dtmf-wasm serve` flag]
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { optionsFromArgs, serveHelp, startServer } from "../../dist/index.js";

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values, help } = optionsFromArgs(process.argv.slice(2));
  if (help) { process.stdout.write(serveHelp()); process.exit(0); }
  const server = await startServer(values);
  server.on("payload", ({ callId, payload }) => console.log(JSON.stringify({ callId, payload })));
  server.on("callEnded", (s) => console.error(`call ${s.callId} (${s.protocol}) ended (${s.reason}): ${s.keys.map((k) => k.digit).join("") || "no keys"}, ${s.mediaMs} ms of audio`));
  server.on("warning", (w) => console.error(`warning: ${w.message}`));
  console.error(JSON.stringify({ listening: server.url, http: server.httpUrl }));
  const shutdown = async () => { await server.close(); process.exit(0); };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}
