/**
 * Every core and beyond one machine (issue 16): `dtmf-wasm serve --workers 2` spreads calls
 * over two worker processes; a control request reaching the worker that does not hold the call
 * is forwarded to the one that does; /metrics sums the workers. And two independent instances
 * side by side, calls spread over both, each call's keys right, control routed by call id.
 * All on 127.0.0.1; every wait is bounded.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { afterAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type DtmfServer, startServer } from "../src/server/server.js";
import { FRAME_MS, callAudio, callEnded, frames, mulaw, sleep } from "./serve-helpers.js";

const TOKEN = "cluster-token";
const auth = { authorization: `Bearer ${TOKEN}` };

function openWs(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: auth, perMessageDeflate: false });
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

const start = (callSid: string) => JSON.stringify({ event: "start", streamSid: `MZ${callSid}`, start: { streamSid: `MZ${callSid}`, callSid, mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 } } });
const media = (callSid: string, i: number, payload: Buffer) => JSON.stringify({ event: "media", streamSid: `MZ${callSid}`, media: { track: "inbound", chunk: String(i + 1), timestamp: String(i * FRAME_MS), payload: payload.toString("base64") } });

describe("--workers 2", () => {
  const children: ReturnType<typeof spawn>[] = [];
  afterAll(() => { for (const c of children) if (c.exitCode === null) c.kill("SIGKILL"); });

  it("spreads calls over the workers, forwards control requests to the call's worker, sums /metrics", async () => {
    const child = spawn(process.execPath, [new URL("../dist/cli/main.js", import.meta.url).pathname, "serve", "--workers", "2", "--port", "0", "--auth-token", TOKEN], { stdio: ["ignore", "ignore", "pipe"] });
    children.push(child);
    const listening: { websocket: string; http: string; worker: number }[] = [];
    const started: { callId: string; worker: number }[] = [];
    createInterface({ input: child.stderr! }).on("line", (line) => {
      let r: Record<string, unknown>;
      try { r = JSON.parse(line); } catch { return; }
      if (r.msg === "listening") listening.push(r as never);
      if (r.msg === "call started") started.push(r as never);
    });
    for (let i = 0; i < 400 && listening.length < 2; i++) await sleep(25);
    expect(listening.map((l) => l.worker).sort()).toEqual([1, 2]);
    expect(listening[0].websocket).toBe(listening[1].websocket);
    const { websocket, http } = listening[0];

    const ids = ["CA-w1", "CA-w2", "CA-w3", "CA-w4", "CA-w5", "CA-w6"];
    const silence = frames(mulaw(callAudio({ keys: "", toneMs: 100, gapMs: 100, leadMs: 400, tailMs: 0 }, 0)), 160);
    const sockets: WebSocket[] = [];
    for (const id of ids) {
      const ws = await openWs(`${websocket}/twilio`);
      ws.send(start(id));
      silence.forEach((p, i) => ws.send(media(id, i, p)));
      sockets.push(ws);
    }
    for (let i = 0; i < 400 && started.length < ids.length; i++) await sleep(25);
    expect(new Set(started.map((s) => s.worker)).size).toBe(2);

    // Each collect request goes to whichever worker the HTTP connection lands on.
    for (const id of ids) {
      const res = await fetch(`${http}/calls/${id}/collect`, { method: "POST", headers: { ...auth, "content-type": "application/json", connection: "close" }, body: JSON.stringify({ command_uid: `c-${id}`, max_digits: 2 }) });
      expect(res.status, id).toBe(202);
      expect(await res.json()).toMatchObject({ command_uid: `c-${id}` });
    }
    expect((await fetch(`${http}/calls/CA-none/collect`, { method: "POST", headers: { ...auth, connection: "close" }, body: "{}" })).status).toBe(404);
    const metrics = await (await fetch(`${http}/metrics`, { headers: { ...auth, connection: "close" } })).text();
    expect(metrics).toMatch(/^dtmf_calls_open 6$/m);

    for (const ws of sockets) ws.close();
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  }, 60_000);
});

describe("two instances side by side", () => {
  let a: DtmfServer, b: DtmfServer;
  afterAll(async () => { await a?.close(); await b?.close(); });

  it("calls spread over both are each detected right; control goes by call id to the instance holding it", async () => {
    a = await startServer({ port: 0, host: "127.0.0.1", authToken: TOKEN });
    b = await startServer({ port: 0, host: "127.0.0.1", authToken: TOKEN });
    const instances = [a, b];
    const keys = ["12", "34", "56", "78"];
    const results = await Promise.all(keys.map(async (k, n) => {
      const server = instances[n % 2];
      const id = `CA-side-${n}`;
      const ended = callEnded(server, id);
      const ws = await openWs(`${server.url}/twilio`);
      ws.send(start(id));
      const audio = callAudio({ keys: k, toneMs: 100, gapMs: 300, leadMs: 300, tailMs: 400 });
      const f = frames(mulaw(audio), 160);
      f.slice(0, 5).forEach((p, i) => ws.send(media(id, i, p)));
      // Sticky routing: the instance holding the call answers; the other does not know it.
      const other = instances[(n + 1) % 2];
      const wrong = await fetch(`${other.httpUrl}/calls/${id}/prompt_ended`, { method: "POST", headers: auth, body: "{}" });
      const right = await fetch(`${server.httpUrl}/calls/${id}/prompt_ended`, { method: "POST", headers: auth, body: "{}" });
      f.slice(5).forEach((p, i) => ws.send(media(id, i + 5, p)));
      ws.send(JSON.stringify({ event: "stop", streamSid: `MZ${id}` }));
      const summary = await ended;
      return { wrong: wrong.status, right: right.status, digits: (summary.keys as { digit: string }[]).map((x) => x.digit).join("") };
    }));
    expect(results).toEqual(keys.map((k) => ({ wrong: 404, right: 202, digits: k })));
    expect(a.totals.calls).toBe(2);
    expect(b.totals.calls).toBe(2);
  });
});
