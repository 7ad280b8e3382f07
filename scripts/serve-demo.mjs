#!/usr/bin/env node
/**
 * A tiny static server for the browser demo (`npm run demo`): serves the package directory
 * read-only (the page in examples/browser/, the compiled library in dist/, the core in
 * build/dtmf.wasm) on 127.0.0.1. Usage: node scripts/serve-demo.mjs [--port 8080] [--host 127.0.0.1]
 * Run `npm run build` first so that dist/ and build/ exist.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DEMO_PATH = "/examples/browser/";
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".wasm": "application/wasm",
  ".wav": "audio/wav",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".ts": "text/plain; charset=utf-8",
  ".md": "text/plain; charset=utf-8",
};
/** Only these top-level directories are served (not node_modules, not .git). */
const SERVED = ["examples", "dist", "build"];

/** Starts the server; resolves with its URL and a close function. */
export async function startDemoServer({ port = 8080, host = "127.0.0.1", root = ROOT } = {}) {
  const server = createServer(async (request, response) => {
    const send = (status, text, headers = {}) => {
      response.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...headers });
      response.end(text);
    };
    if (request.method !== "GET" && request.method !== "HEAD") return send(405, "GET only\n", { allow: "GET, HEAD" });
    let path;
    try {
      path = decodeURIComponent(new URL(request.url ?? "/", "http://localhost").pathname);
    } catch {
      return send(400, "bad path\n");
    }
    if (path === "/" || path === "/index.html") return send(302, `see ${DEMO_PATH}\n`, { location: DEMO_PATH });
    if (path.endsWith("/")) path += "index.html";
    const file = resolve(root, `.${path}`);
    const top = path.split("/")[1];
    if (!file.startsWith(root.endsWith(sep) ? root : root + sep) || !SERVED.includes(top)) return send(404, "not found\n");
    let info;
    try {
      info = await stat(file);
    } catch {
      return send(404, "not found\n");
    }
    if (!info.isFile()) return send(404, "not found\n");
    response.writeHead(200, {
      "content-type": TYPES[extname(file)] ?? "application/octet-stream",
      "content-length": info.size,
      "cache-control": "no-cache",
    });
    if (request.method === "HEAD") return response.end();
    createReadStream(file).on("error", () => response.destroy()).pipe(response);
  });
  await new Promise((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => { server.off("error", reject); resolveListen(); });
  });
  const address = server.address();
  const url = `http://${address.address}:${address.port}${DEMO_PATH}`;
  return {
    url,
    port: address.port,
    server,
    close: () => new Promise((done) => { server.closeAllConnections(); server.close(() => done()); }),
  };
}

function argValue(args, name, fallback) {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const port = Number(argValue(args, "--port", process.env.PORT ?? "8080"));
  const host = argValue(args, "--host", "127.0.0.1");
  const { url } = await startDemoServer({ port, host });
  console.log(`dtmf-wasm demo: ${url}  (Ctrl-C to stop)`);
}
