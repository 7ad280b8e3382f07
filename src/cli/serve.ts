/**
 * `dtmf-wasm serve [--config FILE] [flags]`: the media-stream server (src/server/). Options
 * come from flags, DTMF_SERVE_* environment variables and a JSON/YAML config file (in that
 * precedence); `--help` prints them and starts nothing. Logs (one JSON object a line) go to
 * stderr; payloads to stdout only with --stdout. SIGINT/SIGTERM end the open calls (their
 * presses and collections are reported) and exit once the sinks have drained.
 * Logs are pino JSON lines ({"level":"info","time":…,"msg":…,"callId":…}). SIGTERM: stop
 * accepting, end the open calls, drain the outbox for at most --shutdown-timeout-ms (what is
 * left stays in --outbox-dir and is sent after the restart), exit.
 * Exit codes: 0 after a clean shutdown, 2 on a usage error, 1 when a listener cannot bind.
 */
import cluster from "node:cluster";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { joinCluster, runPrimary, workerIndex } from "../server/cluster.js";
import { DtmfOptionError } from "../errors.js";
import { optionsFromArgs, optionsFromEnv, optionsFromFile, resolveServeOptions, serveHelp } from "../server/options.js";
import { startServer } from "../server/server.js";
import type { CliIo } from "./io.js";

export async function run(args: string[], io: CliIo, signals: NodeJS.Process = process): Promise<number> {
  const usage = (message: string) => { io.stderr(`dtmf-wasm serve: ${message} (see --help)\n`); return 2; };
  let values: Record<string, unknown>;
  try {
    const parsed = optionsFromArgs(args);
    if (parsed.help) { io.stdout(serveHelp()); return 0; }
    const layers = [];
    const configPath = parsed.config ?? process.env.DTMF_SERVE_CONFIG;
    if (configPath) layers.push({ values: optionsFromFile(configPath), source: "config" });
    layers.push({ values: optionsFromEnv(process.env), source: "environment" });
    layers.push({ values: parsed.values, source: "flag" });
    // Checked here so that a bad value is a usage error before anything listens.
    const settings = resolveServeOptions(layers);
    values = settings as unknown as Record<string, unknown>;
  } catch (error) {
    if (error instanceof DtmfOptionError) return usage(error.message);
    throw error;
  }
  const logger = pino({
    level: String(values.logLevel ?? "info"), base: workerIndex() === undefined ? undefined : { worker: workerIndex() }, timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  }, { write: (line: string) => io.stderr(line) });
  const log = (record: Record<string, unknown>) => {
    const { level, msg, ...rest } = record;
    const method = (["fatal", "error", "warn", "info", "debug"].includes(String(level)) ? level : "info") as "info";
    logger[method](rest, typeof msg === "string" ? msg : typeof rest.message === "string" ? rest.message : "");
  };
  const workers = values.workers === 0 ? availableParallelism() : Number(values.workers ?? 1);
  if (workers > 1 && cluster.isPrimary) {
    log({ level: "info", msg: "starting workers", workers });
    return runPrimary(workers, log);
  }
  const worker = workerIndex();
  if (worker !== undefined) {
    // Each worker its own journal; RTP (one datagram socket) on the first worker only.
    if (typeof values.outboxDir === "string") values = { ...values, outboxDir: join(values.outboxDir, `worker-${worker}`) };
    if (worker !== 1) values = { ...values, rtpPort: undefined };
  }
  let server;
  try {
    server = await startServer({ ...values, workers: undefined });
    if (worker !== undefined) joinCluster(server, await server.listenPrivate());
  } catch (error) {
    io.stderr(`dtmf-wasm serve: ${(error as Error).message}\n`);
    return 1;
  }
  server.on("warning", (w: Record<string, unknown>) => log({ level: "warn", ...w }));
  server.on("callStarted", (c: Record<string, unknown>) => log({ level: "info", msg: "call started", ...c }));
  server.on("callEnded", (s: Record<string, unknown>) => log({ level: "info", msg: "call ended", callId: s.callId, protocol: s.protocol, reason: s.reason, mediaMs: s.mediaMs, keys: (s.keys as { digit: string }[]).map((k) => k.digit).join("") }));
  server.on("webhookError", ({ error }: { error: Error }) => log({ level: "error", msg: "webhook", error: error.message }));
  log({
    level: "info", msg: "listening", websocket: server.url, http: server.httpUrl, audiosocketPort: server.audiosocketPort, rtpPort: server.rtpPort,
  });
  if (server.openWithoutCredentials.length > 0) {
    log({ level: "warn", msg: server.settings.insecure ? "listening WITHOUT credentials on a non-loopback address (--insecure)" : "no credentials: listening on loopback only", open: server.openWithoutCredentials });
  }
  await new Promise<void>((resolve) => {
    const stop = () => { signals.off("SIGINT", stop); signals.off("SIGTERM", stop); resolve(); };
    signals.on("SIGINT", stop);
    signals.on("SIGTERM", stop);
  });
  await server.close();
  log({ level: "info", msg: "stopped", ...server.totals });
  // A worker's IPC channel would keep it alive.
  if (worker !== undefined) process.disconnect?.();
  return 0;
}
