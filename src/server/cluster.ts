/**
 * Every core: `dtmf-wasm serve --workers N` runs N worker processes (node:cluster), each with
 * its own DtmfEngine and its own calls. The primary holds the listening sockets and hands new
 * connections to the workers in turn (cluster's round-robin), so calls spread evenly; a call
 * stays on the worker that accepted its connection.
 *
 * | concern            | how                                                                       |
 * |--------------------|---------------------------------------------------------------------------|
 * | HTTP control routes | every worker also listens on its own loopback port; the primary knows which worker holds which call (workers report calls opening and ending); a worker asked about a call it does not hold forwards the request, as is, to the holder's port |
 * | /metrics           | prom-client's AggregatorRegistry: the primary sums the workers' series (event-loop lag: the worst worker) |
 * | /stats, /calls     | the answering worker's own                                                 |
 * | RTP (UDP)          | worker 1 only: a datagram socket cannot be split by stream across processes |
 * | outbox             | one journal per worker: `<outboxDir>/worker-<i>`, replayed by the worker of that index after a restart |
 * | a worker that dies | forked again with its index (its outbox is replayed); its calls' sockets were closed |
 * | SIGTERM            | sent on to every worker; each stops accepting, ends its calls, drains its outbox; the primary exits when all have |
 */
import cluster, { type Worker } from "node:cluster";
import { AggregatorRegistry } from "prom-client";
import type { DtmfServer } from "./server.js";

type Message =
  | { t: "call"; id: string; open: boolean }
  | { t: "port"; port: number }
  | { t: "where"; id: string; req: number }
  | { t: "here"; req: number; port?: number }
  | { t: "metrics"; req: number }
  | { t: "metrics-text"; req: number; text: string; contentType: string };

/** Environment variable naming a worker's index (1…N). */
export const WORKER_ENV = "DTMF_SERVE_WORKER";

/** The worker index of this process, or undefined outside a cluster. */
export function workerIndex(): number | undefined {
  const v = process.env[WORKER_ENV];
  return cluster.isWorker && v ? Number(v) : undefined;
}

/**
 * Primary: forks `workers` workers and routes between them until every worker has exited after
 * a SIGTERM / SIGINT. `log` gets one record per lifecycle event.
 */
export async function runPrimary(workers: number, log: (record: Record<string, unknown>) => void): Promise<number> {
  const owners = new Map<string, Worker>();
  const ports = new Map<Worker, number>();
  const aggregator = new AggregatorRegistry();
  let stopping = false;
  let exitCode = 0;
  const fork = (index: number) => {
    const worker = cluster.fork({ [WORKER_ENV]: String(index) });
    worker.on("message", (m: Message) => {
      if (m.t === "call") { if (m.open) owners.set(m.id, worker); else if (owners.get(m.id) === worker) owners.delete(m.id); }
      else if (m.t === "port") ports.set(worker, m.port);
      else if (m.t === "where") { const owner = owners.get(m.id); worker.send({ t: "here", req: m.req, port: owner ? ports.get(owner) : undefined } satisfies Message); }
      else if (m.t === "metrics") {
        aggregator.clusterMetrics().then(
          (text) => worker.send({ t: "metrics-text", req: m.req, text, contentType: aggregator.contentType } satisfies Message),
          (error: Error) => worker.send({ t: "metrics-text", req: m.req, text: `# cluster metrics failed: ${error.message}\n`, contentType: "text/plain" } satisfies Message),
        );
      }
    });
    worker.on("exit", (code, signal) => {
      ports.delete(worker);
      for (const [id, w] of owners) if (w === worker) owners.delete(id);
      if (stopping) return;
      log({ level: "error", msg: "worker exited; forking it again", worker: index, code, signal });
      fork(index);
    });
  };
  for (let i = 1; i <= workers; i++) fork(i);
  await new Promise<void>((resolve) => {
    const stop = () => {
      if (stopping) return;
      stopping = true;
      log({ level: "info", msg: "stopping workers", workers: Object.keys(cluster.workers ?? {}).length });
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill("SIGTERM");
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
    cluster.on("exit", (_w, code) => {
      if (code !== 0) exitCode = 1;
      if (stopping && Object.keys(cluster.workers ?? {}).length === 0) resolve();
    });
  });
  return exitCode;
}

/**
 * Worker: reports its calls and its private control port to the primary, forwards control
 * requests for calls it does not hold, and answers /metrics for the whole cluster.
 */
export function joinCluster(server: DtmfServer, privatePort: number): void {
  const send = (m: Message) => { if (process.connected) process.send!(m); };
  let next = 0;
  const waiting = new Map<number, (m: Message) => void>();
  process.on("message", (m: Message) => {
    if ((m.t === "here" || m.t === "metrics-text") && waiting.has(m.req)) { const w = waiting.get(m.req)!; waiting.delete(m.req); w(m); }
  });
  const ask = <T extends Message>(make: (req: number) => Message): Promise<T> => new Promise((resolve) => {
    const req = ++next;
    waiting.set(req, resolve as (m: Message) => void);
    send(make(req));
  });
  AggregatorRegistry.setRegistries([server.metrics.registry]);
  // Constructing one installs prom-client's worker-side answer to the primary's metrics requests.
  new AggregatorRegistry();
  send({ t: "port", port: privatePort });
  server.on("callStarted", (c: { callId: string }) => send({ t: "call", id: c.callId, open: true }));
  server.on("callEnded", (c: { callId: string }) => send({ t: "call", id: c.callId, open: false }));
  server.locateCall = async (id) => (await ask<Extract<Message, { t: "here" }>>((req) => ({ t: "where", id, req }))).port;
  server.clusterMetrics = async () => {
    const m = await ask<Extract<Message, { t: "metrics-text" }>>((req) => ({ t: "metrics", req }));
    return { text: m.text, contentType: m.contentType };
  };
}
