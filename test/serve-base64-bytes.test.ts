/**
 * The strict base64 decoder over bytes (base64-bytes.ts) against Node's decoder: on canonical
 * base64 (every length, so every padding) the same bytes; on anything else -1, so that the
 * caller takes Node's lenient path; a destination too small is refused before anything is
 * written. And readMedia(): the payload span it leaves is what readMediaFast() makes a string of.
 */
import { describe, expect, it } from "vitest";
import { decodeBase64Into, decodedLength } from "../src/server/protocols/base64-bytes.js";
import { payloadIsPlain, payloadText, readMedia, readMediaFast } from "../src/server/protocols/media-fast-path.js";

const bytes = (s: string) => Buffer.from(s, "latin1");

describe("decodeBase64Into", () => {
  it("decodes canonical base64 of every length 0-300 (no, one and two '=') as Node does, from any offset", () => {
    let seed = 7;
    for (let n = 0; n <= 300; n++) {
      const raw = Buffer.alloc(n);
      for (let i = 0; i < n; i++) { seed = (seed * 1103515245 + 12345) & 0x7fffffff; raw[i] = seed >>> 8; }
      const text = raw.toString("base64");
      const src = bytes(`xy"${text}"z`);
      const dst = new Uint8Array(n + 3).fill(0xaa);
      expect(decodedLength(src, 3, 3 + text.length)).toBe(n);
      expect(decodeBase64Into(src, 3, 3 + text.length, dst), `${n} bytes`).toBe(n);
      expect(Buffer.from(dst.subarray(0, n)).equals(raw), `${n} bytes`).toBe(true);
      expect([...dst.subarray(n)]).toEqual([0xaa, 0xaa, 0xaa]);
    }
    // Every character in every position of a group, and all 2^6 values of the padded groups' last character.
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (const c of alphabet) for (const t of [`${c}AAA`, `A${c}AA`, `AA${c}A`, `AAA${c}`, `A${c}==`, `AA${c}=`]) {
      const dst = new Uint8Array(3);
      const n = decodeBase64Into(bytes(t), 0, 4, dst);
      expect(Buffer.from(dst.subarray(0, n)).equals(Buffer.from(t, "base64")), t).toBe(true);
    }
  });

  it("refuses (-1) what is not canonical: Node reads it leniently, the caller then takes Node's path", () => {
    for (const t of ["A", "AA", "AAA", "AAAAA", "AA==AAAA", "A===", "====", "AAA==", "AA=A", "AB C", "AB\tC", "AB-_", "-_AA", "AB\\/", "ABCé", "AB\"A", "AAAA AAA", "AAAA\nAAA", "\u0000AAA"]) {
      expect(decodeBase64Into(bytes(t), 0, bytes(t).length, new Uint8Array(16)), JSON.stringify(t)).toBe(-1);
    }
    expect(decodeBase64Into(bytes("AAAA"), 2, 1, new Uint8Array(4))).toBe(-1);
    expect(decodeBase64Into(bytes(""), 0, 0, new Uint8Array(0))).toBe(0);
  });

  it("refuses a payload larger than the destination, writing nothing", () => {
    const text = Buffer.alloc(300, 7).toString("base64");
    const dst = new Uint8Array(299).fill(1);
    expect(decodeBase64Into(bytes(text), 0, text.length, dst)).toBe(-1);
    expect(dst.every((v) => v === 1)).toBe(true);
    expect(decodeBase64Into(bytes(text), 0, text.length, new Uint8Array(300))).toBe(300);
  });
});

describe("readMedia", () => {
  it("leaves the payload span readMediaFast() makes its string of; a span with an escape or control character is not plain", () => {
    const m = bytes('{"event":"media","media":{"track":"inbound","chunk":"1","timestamp":"5","payload":"/v7+AA=="},"streamSid":"MZ1"}');
    const r = readMedia(m)!;
    expect(r).toBeDefined();
    expect(payloadIsPlain(r)).toBe(true);
    expect(payloadText(r)).toBe(readMediaFast(m)!.payload);
    expect([r.track, r.chunk, r.timestampMs]).toEqual(["inbound", 1, 5]);
    for (const raw of ["AA\\/A", "AA\tA", "AA\\\\", "\\u0041AAA"]) {
      const text = bytes(`{"event":"media","media":{"payload":"${raw}"}}`);
      const rr = readMedia(text);
      expect(rr === undefined || !payloadIsPlain(rr), raw).toBe(true);
      expect(readMediaFast(text), raw).toBeUndefined();
    }
    // An escaped quote: the span ends at it, is not plain, and the full parse decides.
    const q = readMedia(bytes('{"event":"media","media":{"payload":"AA\\"","x":"1"}}'));
    expect(q === undefined || !payloadIsPlain(q)).toBe(true);
  });

  it("an earlier payload of a repeated key or media object must still be a plain string", () => {
    expect(readMedia(bytes('{"event":"media","media":{"payload":"A\tAA","payload":"BBBB"}}'))).toBeUndefined();
    expect(readMedia(bytes('{"event":"media","media":{"payload":"A\tAA"},"media":{"payload":"BBBB"}}'))).toBeUndefined();
    const r = readMedia(bytes('{"event":"media","media":{"payload":"AAAA","payload":"BBBB"}}'))!;
    expect(payloadText(r)).toBe("BBBB");
  });
});
