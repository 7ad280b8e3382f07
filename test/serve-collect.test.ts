/**
 * Collection control in the server: type-ahead (discard / keep), the prompt's end reported in
 * the stream and over HTTP, reprompt on an invalid attempt, the strict success rule, the
 * keydown extension, and the API's async iterator, over a real WebSocket (mod_audio_fork
 * framing: metadata then binary L16).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DtmfServer, startServer } from "../src/server/server.js";
import type { DeliveryRecord } from "../src/server/sinks.js";
import { callAudio, callEnded, frames, open, pcm16le, recordPayloads, summary } from "./serve-helpers.js";

let server: DtmfServer;
let payloads: Map<string, Record<string, unknown>[]>;

beforeAll(async () => {
  server = await startServer({ port: 0, payloads: ["keydown", "dtmf", "digits.collected", "reprompt"], typeAhead: "discard" });
  payloads = recordPayloads(server);
});
afterAll(async () => { await server.close(); });

/** Streams `gen` as a mod_audio_fork call, running `at(frame)` before each frame. */
async function play(id: string, gen: Parameters<typeof callAudio>[0], at: (i: number, c: Awaited<ReturnType<typeof open>>) => void | Promise<void> = () => undefined) {
  const c = await open(`${server.url}/audio_fork`);
  const ended = callEnded(server, id);
  c.json({ uuid: id });
  const list = frames(pcm16le(callAudio(gen, 0)), 320);
  for (let i = 0; i < list.length; i++) { await at(i, c); c.binary(list[i]); }
  c.close();
  await ended;
  return payloads.get(id)!;
}

describe("collections in the server", () => {
  it("type-ahead: a key pressed just before the request is discarded by default, kept with type_ahead keep", async () => {
    const gen = { keys: "9", toneMs: 100, leadMs: 200, tailMs: 1500 };
    const discard = await play("ta-discard", gen, (i, c) => { if (i === 25) c.json({ event: "collect", collect: { command_uid: "d", max_digits: 1, timeout: 1000 } }); });
    expect(summary(discard)).toEqual(["k9", "d9", "c[:timeout]"]);
    const keep = await play("ta-keep", gen, (i, c) => { if (i === 25) c.json({ event: "collect", collect: { command_uid: "k", max_digits: 1, type_ahead: "keep" } }); });
    expect(summary(keep)).toEqual(["k9", "d9", "c[9:success]"]);
  });

  it("the prompt's end: no timeout while it plays; prompt_ended in the stream, then over HTTP for the second attempt; reprompt names an invalid attempt", async () => {
    // Attempt 1: the prompt ends at 0.4 s; "7#" (0.8-1.2 s) is invalid (regex 1*): reprompt "invalid". Attempt 2's
    // prompt ends (HTTP) at 2.0 s: "1#" at 2.4 s is in time (without the wait it would have timed out at 2.1 s).
    const keys = [{ digit: "7", durationMs: 100, gapMs: 200 }, { digit: "#", durationMs: 100, gapMs: 1200 }, { digit: "1", durationMs: 100, gapMs: 200 }, { digit: "#", durationMs: 100 }];
    const got = await play("prompt", { keys, leadMs: 800, tailMs: 600 }, async (i, c) => {
      if (i === 0) c.json({ event: "collect", collect: { command_uid: "p", prompt_until_ended: true, timeout: 1000, regex: "1*", max_attempts: 2 } });
      if (i === 20) c.json({ event: "prompt_ended" });
      if (i === 100) {
        await new Promise((r) => setTimeout(r, 30)); // the frames before have been processed
        const r = await fetch(`${server.httpUrl}/calls/prompt/prompt_ended`, { method: "POST", body: "{}" });
        expect(await r.json()).toEqual({ prompt_was_open: true });
      }
    });
    expect(summary(got)).toEqual(["k7", "d7", "k#", "r2", "d#", "k1", "d1", "k#", "d#", "c[1#:success]"]);
    expect(got.find((p) => p.event === "reprompt")).toEqual({ event: "reprompt", session_uuid: "prompt", command_uid: "p", attempt: 2, reason: "invalid" });
  });

  it("a pattern that backtracks catastrophically (16 × 1*) judges 29 digits at once, and the next call keeps its keys", async () => {
    // On a backtracking engine "1*" × 16 against 28 ones and a 2 runs for minutes and blocks every
    // call of the process (issue found by a probe); the collector's linear-time engine (src/regex.ts) answers at once.
    const keys = "1".repeat(28) + "2#";
    const got = await play("redos", { keys, toneMs: 60, gapMs: 60, leadMs: 200, tailMs: 300 }, (i, c) => {
      if (i === 0) c.json({ event: "collect", collect: { command_uid: "r", max_digits: 64, regex: "1*".repeat(16), terminators: "#", timeout: 5000 } });
    });
    expect(got.filter((p) => p.event === "digits.collected")).toEqual([
      { event: "digits.collected", session_uuid: "redos", command_uid: "r", digits: "1".repeat(28) + "2", terminator: "#", status: "failure" },
    ]);
    const next = await play("after-redos", { keys: "5", toneMs: 100, leadMs: 200, tailMs: 300 });
    expect(summary(next)).toEqual(["k5", "d5"]);
  });

  it("the strict success rule (per request): a terminator before min_digits fails", async () => {
    const got = await play("strict", { keys: "1#", toneMs: 100, gapMs: 200, leadMs: 200, tailMs: 300 }, (i, c) => {
      if (i === 0) c.json({ event: "collect", collect: { command_uid: "s", min_digits: 3, success_rule: "strict" } });
    });
    expect(summary(got)).toEqual(["k1", "d1", "k#", "d#", "c[1#:failure]"]);
  });

  it("payloads() iterates every record in order", async () => {
    const iterator = server.payloads();
    const seen: DeliveryRecord[] = [];
    const reading = (async () => { for await (const r of iterator) { seen.push(r); if (r.kind === "dtmf" && r.payload.digit === "3") break; } })();
    await play("iter", { keys: "23", toneMs: 100, gapMs: 200, leadMs: 200, tailMs: 300 });
    await reading;
    expect(seen.filter((r) => r.callId === "iter").map((r) => `${r.kind}:${r.payload.digit}`)).toEqual(["keydown:2", "dtmf:2", "keydown:3", "dtmf:3"]);
  });
});
