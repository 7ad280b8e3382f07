/**
 * `dtmf-wasm serve` as a command: --help prints the options and starts nothing; bad values are
 * usage errors naming the flag or variable; a real run (its own process, port 0, --stdout)
 * takes a Twilio call and prints its payloads as NDJSON; SIGTERM ends it cleanly.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import { FRAME_MS, callAudio, frames, mulaw, open } from "./serve-helpers.js";

function io() {
  const out: string[] = [], err: string[] = [];
  return { io: { stdout: (s: string) => out.push(s), stderr: (s: string) => err.push(s) }, out, err };
}

describe("dtmf-wasm serve", () => {
  it("--help prints every option with its flag and environment variable, and exits 0 without listening", async () => {
    const t = io();
    expect(await main(["serve", "--help"], t.io as never)).toBe(0);
    const help = t.out.join("");
    for (const flag of ["--port", "--webhook", "--audiosocket-port", "--rtp-port", "--payloads", "--control-token", "--success-rule", "--type-ahead", "--max-message-bytes", "DTMF_SERVE_WEBHOOK"]) {
      expect(help).toContain(flag);
    }
    expect(help).toContain("[default: 127.0.0.1]");
  });

  it("a bad value is a usage error (exit 2) naming the flag and what it allows", async () => {
    const t = io();
    expect(await main(["serve", "--success-rule", "lenient"], t.io as never)).toBe(2);
    expect(t.err.join("")).toContain("--success-rule must be one of seed, strict; received \"lenient\"");
    const u = io();
    expect(await main(["serve", "--webhook", "ftp://x"], u.io as never)).toBe(2);
    expect(u.err.join("")).toContain("--webhook must be an absolute http(s) URL");
  });

  it("runs: a Twilio call in, NDJSON payloads out on stdout, logs on stderr, SIGTERM exits 0", async () => {
    const child = spawn(process.execPath, ["dist/cli/main.js", "serve", "--port", "0", "--stdout", "--payloads", "dtmf,digits.collected,keydown"], { stdio: ["ignore", "pipe", "pipe"] });
    const log = createInterface({ input: child.stderr! });
    const listening = await new Promise<{ websocket: string }>((resolve) => log.on("line", (line) => { const r = JSON.parse(line); if (r.msg === "listening") resolve(r); }));
    const lines: Record<string, unknown>[] = [];
    createInterface({ input: child.stdout! }).on("line", (line) => lines.push(JSON.parse(line)));
    const audio = callAudio({ keys: "42", toneMs: 100, gapMs: 200, leadMs: 300, tailMs: 300 });
    const c = await open(`${listening.websocket}/twilio`);
    c.json({ event: "start", sequenceNumber: "1", streamSid: "MZcli", start: { callSid: "CAcli", streamSid: "MZcli", mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 } } });
    frames(mulaw(audio), 160).forEach((f, i) => c.json({ event: "media", streamSid: "MZcli", media: { chunk: String(i + 1), timestamp: String(i * FRAME_MS), payload: f.toString("base64") } }));
    c.json({ event: "stop", streamSid: "MZcli" });
    await c.closed;
    const stopped = new Promise<string>((resolve) => log.on("line", (line) => { const r = JSON.parse(line); if (r.msg === "stopped") resolve(line); }));
    // The call has ended (socket closed after stop); its payloads were written before the close.
    child.kill("SIGTERM");
    const [code] = await once(child, "exit");
    expect(code).toBe(0);
    expect(JSON.parse(await stopped)).toMatchObject({ calls: 1 });
    expect(lines.map((p) => `${p.event}:${p.digit}`)).toEqual(["keydown:4", "dtmf:4", "keydown:2", "dtmf:2"]);
    expect(lines[1]).toMatchObject({ session_uuid: "CAcli", duration_ms: expect.any(Number) });
  });
});
