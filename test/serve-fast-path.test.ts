/**
 * The cheap frame path (media-fast-path.ts) reads exactly what JSON.parse would, or declines:
 * compact messages of Twilio's and Telnyx's shapes in any key order are read; spaces, escapes,
 * repeated keys, numbers where strings were, other events all go to the full parse.
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
      '{"event":"media","media":{"payload":"AAAA","timestamp":20}}',
      '{"event":"media","media":{"payload":"AAAA","chunk":"-1"}}',
      '{"event":"media","media":{"payload":"AAAA","chunk":"1"}} ',
      '{"event":"media","media":{"timestamp":"20"}}',
      '{"event":"media","media":{"payload":1}}',
      '{"event":"media",',
    ]) expect(readMediaFast(b(text)), text).toBeUndefined();
  });
});
