/**
 * The cheap frame path (media-fast-path.ts) reads exactly what JSON.parse would, or declines:
 * compact messages of Twilio's and Telnyx's shapes in any key order are read; spaces, escapes,
 * other nestings, numbers where strings were, other events all go to the full parse; a
 * repeated key keeps its last value as in JSON.parse; and on generated messages (random
 * mutations of a real one) the fast path, when it answers, agrees with JSON.parse.
 */
import { describe, expect, it } from "vitest";
import { readMediaFast } from "../src/server/protocols/media-fast-path.js";

const b = (s: string) => Buffer.from(s);

describe("readMediaFast", () => {
  it("reads Twilio's and Telnyx's compact media messages, whatever the key order", () => {
    expect(readMediaFast(b('{"event":"media","sequenceNumber":"3","media":{"track":"inbound","chunk":"1","timestamp":"5","payload":"/v7+"},"streamSid":"MZ1"}')))
      .toEqual({ track: "inbound", chunk: 1, timestampMs: 5, payload: "/v7+" });
    expect(readMediaFast(b('{"event":"media","stream_id":"x","media":{"payload":"AAAA","timestamp":"1700000000123","chunk":"2"},"sequence_number":"4"}')))
      .toEqual({ track: undefined, chunk: 2, timestampMs: 1700000000123, payload: "AAAA" });
  });

  it("declines what it cannot read safely, so the full parse decides", () => {
    for (const text of [
      '{"event": "media","media":{"payload":"AAAA"}}',
      '{"event":"stop","media":{"payload":"AAAA"}}',
      '{"event":"media","media":{"payload":"AA\\u0041A"}}',
      '{"event":"media","x":{"payload":"BBBB"},"media":{"payload":"AAAA"}}',
      '{"event":"media","media":{"payload":"AAAA"},"media":"x"}',
      '{"event":"media","media":{"payload":"AAAA"}',
      '{"event":"media","media":{"payload":"AAAA","extra":true}}',
      '{"event":"media","media":{"payload":"AAAA"}}}',
      '{"media":{"payload":"AAAA"}}',
      '{"event":"media","media":{"payload":"AAAA","timestamp":20}}',
      '{"event":"media","media":{"payload":"AAAA","chunk":"-1"}}',
      '{"event":"media","media":{"payload":"AAAA","chunk":"1"}} ',
      '{"event":"media","media":{"timestamp":"20"}}',
      '{"event":"media","media":{"payload":1}}',
      '{"event":"media",',
    ]) expect(readMediaFast(b(text)), text).toBeUndefined();
  });

  it("a repeated key keeps its last value, as JSON.parse does", () => {
    expect(readMediaFast(b('{"event":"stop","event":"media","media":{"payload":"AAAA","payload":"BBBB","chunk":"1","chunk":"2"}}')))
      .toEqual({ track: undefined, chunk: 2, timestampMs: undefined, payload: "BBBB" });
  });

  it("agrees with JSON.parse on mutated messages whenever it answers", () => {
    const base = '{"event":"media","sequenceNumber":"3","media":{"track":"inbound","chunk":"17","timestamp":"340","payload":"/v7+AAAA"},"streamSid":"MZ1"}';
    const alphabet = '{}":,\\ 0123456789abcdemnpt';
    let seed = 12345;
    const rand = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
    let answered = 0;
    for (let round = 0; round < 5000; round++) {
      const chars = base.split("");
      for (let m = 1 + rand(3); m > 0; m--) {
        const at = rand(chars.length);
        const op = rand(3);
        if (op === 0) chars.splice(at, 1);
        else if (op === 1) chars.splice(at, 0, alphabet[rand(alphabet.length)]);
        else chars[at] = alphabet[rand(alphabet.length)];
      }
      const text = chars.join("");
      const fast = readMediaFast(b(text));
      if (!fast) continue;
      answered++;
      const full = JSON.parse(text) as { event: string; media: Record<string, unknown> };
      expect(full.event, text).toBe("media");
      expect(fast.payload, text).toBe(full.media.payload);
      expect(fast.track, text).toBe(full.media.track);
      expect(fast.chunk, text).toBe(full.media.chunk === undefined ? undefined : Number(full.media.chunk));
      expect(fast.timestampMs, text).toBe(full.media.timestamp === undefined ? undefined : Number(full.media.timestamp));
    }
    expect(answered).toBeGreaterThan(100);
  });
});
