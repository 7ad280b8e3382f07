/**
 * Strict base64 straight from a message's bytes: `src[start, end)` decoded into `dst` from 0
 * without making a string (Buffer.write(…, "base64") needs one, and Node 20 copies it once
 * more). Only the canonical form is taken: the standard alphabet, a length that is a multiple
 * of 4, and "=" only as the last one or two characters; anything else (whitespace, the URL
 * alphabet, missing padding, an escape or control character, non-ASCII) returns -1, having
 * written at most part of `dst`, and the caller takes the lenient path (Node's decoder, via
 * the full parse). On canonical input Node's decoder gives the same bytes, so the two agree.
 */
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/** Each byte's 6-bit value, or -1 (outside the alphabet: any OR with it stays negative). */
const VALUE = new Int32Array(256).fill(-1);
for (let i = 0; i < 64; i++) VALUE[ALPHABET.charCodeAt(i)] = i;
const PAD = 0x3d;

/** Bytes canonical base64 `src[start, end)` decodes to, or -1 when it is not canonical (then nothing is promised about `dst`). */
export function decodedLength(src: Uint8Array, start: number, end: number): number {
  const n = end - start;
  if (n < 0 || (n & 3) !== 0) return -1;
  if (n === 0) return 0;
  const pad = src[end - 1] !== PAD ? 0 : src[end - 2] !== PAD ? 1 : 2;
  return (n >>> 2) * 3 - pad;
}

/**
 * Decodes canonical base64 `src[start, end)` into `dst` from 0; returns the byte count, or -1
 * (not canonical). `dst` must hold decodedLength() bytes (checked: -1 otherwise, nothing written).
 */
export function decodeBase64Into(src: Uint8Array, start: number, end: number, dst: Uint8Array): number {
  const length = decodedLength(src, start, end);
  if (length <= 0 || length > dst.length) return length === 0 ? 0 : -1;
  // Whole groups but the last, which may carry the padding.
  const last = end - 4;
  let o = 0;
  for (let i = start; i < last; i += 4) {
    const v = (VALUE[src[i]] << 18) | (VALUE[src[i + 1]] << 12) | (VALUE[src[i + 2]] << 6) | VALUE[src[i + 3]];
    if (v < 0) return -1;
    dst[o] = v >>> 16; dst[o + 1] = v >>> 8; dst[o + 2] = v;
    o += 3;
  }
  const a = VALUE[src[last]], b = VALUE[src[last + 1]];
  const c3 = src[last + 2], c4 = src[last + 3];
  if ((a | b) < 0) return -1;
  if (c4 === PAD) {
    if (c3 === PAD) { dst[o] = (a << 2) | (b >>> 4); return o + 1; }
    const c = VALUE[c3];
    if (c < 0) return -1;
    const v = (a << 18) | (b << 12) | (c << 6);
    dst[o] = v >>> 16; dst[o + 1] = v >>> 8;
    return o + 2;
  }
  const c = VALUE[c3], d = VALUE[c4];
  if ((c | d) < 0) return -1;
  const v = (a << 18) | (b << 12) | (c << 6) | d;
  dst[o] = v >>> 16; dst[o + 1] = v >>> 8; dst[o + 2] = v;
  return o + 3;
}
