/**
 * The WebSocket fast path's frame reading (RFC 6455 §5.2), for the one shape that nearly every
 * message of a media stream has: a whole, unfragmented, masked data frame from the client.
 * ws-connection.ts reads such frames out of a socket chunk itself, unmasks them where they lie
 * (or straight into the detector's input region) and hands the payload to the protocol; it
 * gives everything else to the `ws` library, unchanged and in order, so that `ws` decides
 * exactly what it decided before (control frames, fragments, compression, an oversize frame's
 * 1009, a protocol error's 1002, invalid UTF-8's 1007).
 *
 * Nothing here allocates per frame: a frame's header is read into a reused record, the mask is
 * one 32-bit number, and the unmasking XORs a 32-bit word at a time (byte-wise at the ends)
 * through one Int32Array view over the chunk's memory, made once per chunk.
 */

/** What a frame header says, read at `at` (reused between frames: valid until the next read). */
export interface FrameHeader {
  /**
   * "frame": a whole qualifying data frame lies at `at`; "partial": its header or payload runs
   * past the end (the header so far qualifies, or is too short to tell); "other": anything
   * the fast path does not take (the `ws` library reads it).
   */
  kind: "frame" | "partial" | "other";
  binary: boolean;
  /** Offset of the payload, its length, and the end of the frame (0 while the header itself is incomplete). */
  payloadAt: number;
  payloadLength: number;
  end: number;
  /** The masking key as the little-endian 32-bit word of its 4 bytes. */
  mask: number;
}

export const header: FrameHeader = { kind: "other", binary: false, payloadAt: 0, payloadLength: 0, end: 0, mask: 0 };

/** readLength()'s results besides the offset: the frame's header ran past the end (SHORT), or announced 2^32 bytes or more (TOO_LONG). */
const SHORT = -1, TOO_LONG = -2;
/** The payload length readLength() read last. */
let payloadLength = 0;

/**
 * Reads the payload length of the frame header at `at` (at least its first 2 bytes lie in
 * `buf[0..length)`) into `payloadLength`; returns the offset after the length fields, SHORT
 * when the extended length runs past `length`, TOO_LONG when its high 32 bits are not 0 (any
 * such frame is over every limit the server takes anyway).
 */
function readLength(buf: Uint8Array, at: number, length: number): number {
  let len = buf[at + 1] & 0x7f;
  let p = at + 2;
  if (len === 126) {
    if (length - p < 2) return SHORT;
    len = (buf[p] << 8) | buf[p + 1];
    p += 2;
  } else if (len === 127) {
    if (length - p < 8) return SHORT;
    if ((buf[p] | buf[p + 1] | buf[p + 2] | buf[p + 3]) !== 0) return TOO_LONG;
    len = buf[p + 4] * 0x1000000 + ((buf[p + 5] << 16) | (buf[p + 6] << 8) | buf[p + 7]);
    p += 8;
  }
  payloadLength = len;
  return p;
}

/**
 * Reads the frame header at `at` of `buf[0..length)` into `header`. A data frame qualifies when
 * FIN is set, RSV1-3 are clear, its opcode is text (1) or binary (2), it is masked, and its
 * payload is 1 to `maxPayload` bytes long (an empty one, or one over the limit, goes to `ws`,
 * which refuses the oversize one with 1009 as soon as its header arrives).
 */
export function readHeader(buf: Uint8Array, at: number, length: number, maxPayload: number): FrameHeader {
  const h = header;
  h.kind = "other";
  h.end = 0;
  if (length - at < 2) { h.kind = "partial"; return h; }
  const b0 = buf[at], b1 = buf[at + 1];
  // FIN set, RSV clear, opcode 1 or 2; MASK set.
  if ((b0 !== 0x81 && b0 !== 0x82) || (b1 & 0x80) === 0) return h;
  let p = readLength(buf, at, length);
  if (p === SHORT) { h.kind = "partial"; return h; }
  if (p === TOO_LONG) return h;
  const len = payloadLength;
  if (len === 0 || len > maxPayload) return h;
  if (length - p < 4) { h.kind = "partial"; return h; }
  h.mask = (buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16) | (buf[p + 3] << 24));
  p += 4;
  h.binary = b0 === 0x82;
  h.payloadAt = p;
  h.payloadLength = len;
  h.end = p + len;
  h.kind = h.end <= length ? "frame" : "partial";
  return h;
}

/**
 * The end of the frame of any kind at `at` when all of it lies in `buf[0..length)`, else -1
 * (a frame announcing 2^32 bytes or more, too: `ws` refuses it from its header).
 */
export function frameEnd(buf: Uint8Array, at: number, length: number): number {
  if (length - at < 2) return -1;
  const p = readLength(buf, at, length);
  if (p < 0) return -1;
  const end = p + ((buf[at + 1] & 0x80) !== 0 ? 4 : 0) + payloadLength;
  return end <= length ? end : -1;
}

/** A 32-bit view over the whole of a chunk's ArrayBuffer, kept for the chunks that share it. */
let wordsBuffer: ArrayBufferLike | undefined;
let words: Int32Array<ArrayBufferLike> = new Int32Array(0);

export function wordsOf(buf: Uint8Array): Int32Array<ArrayBufferLike> {
  if (buf.buffer !== wordsBuffer) {
    wordsBuffer = buf.buffer;
    words = new Int32Array(buf.buffer, 0, buf.buffer.byteLength >>> 2);
  }
  return words;
}

/** The mask turned so that its byte 0 applies to payload byte `phase` (0-3). */
function rotate(mask: number, phase: number): number {
  return phase === 0 ? mask : (mask >>> (8 * phase)) | (mask << (32 - 8 * phase));
}

/** XORs `n` bytes of `buf` from `at` with the mask, in place (payload byte i with mask byte i % 4). */
export function unmaskInPlace(buf: Uint8Array, at: number, n: number, mask: number): void {
  const abs = buf.byteOffset + at;
  let i = 0;
  // Byte-wise up to a 4-byte boundary of the underlying memory…
  const head = Math.min(n, (4 - (abs & 3)) & 3);
  for (; i < head; i++) buf[at + i] ^= mask >>> (8 * (i & 3));
  // …a word at a time…
  const w = wordsOf(buf);
  const m = rotate(mask, i & 3);
  const count = (n - i) >>> 2;
  for (let k = (abs + i) >>> 2, stop = k + count; k < stop; k++) w[k] ^= m;
  i += count << 2;
  // …and byte-wise for the tail.
  for (; i < n; i++) buf[at + i] ^= mask >>> (8 * (i & 3));
}

/**
 * Writes the `n` unmasked bytes of `src` from `at` to `dst` from 0 (`dstWords`: an Int32Array
 * over `dst`, whose start is 4-byte aligned), leaving `src` as it was: one write of each byte,
 * into its final place. Words are read from the source's aligned words (two per word when the
 * payload is not aligned, funnel-shifted).
 */
export function unmaskTo(src: Uint8Array, at: number, n: number, mask: number, dst: Uint8Array, dstWords: Int32Array): void {
  const abs = src.byteOffset + at;
  const w = wordsOf(src);
  const shift = (abs & 3) * 8;
  let k = abs >>> 2;
  let count = n >>> 2;
  if (shift === 0) {
    for (let j = 0; j < count; j++) dstWords[j] = w[k + j] ^ mask;
  } else {
    // Each word takes the high bytes of one source word and the low bytes of the next, which must lie in the view.
    count = Math.max(0, Math.min(count, w.length - k - 1));
    for (let j = 0; j < count; j++, k++) dstWords[j] = ((w[k] >>> shift) | (w[k + 1] << (32 - shift))) ^ mask;
  }
  for (let i = count << 2; i < n; i++) dst[i] = src[at + i] ^ (mask >>> (8 * (i & 3)));
}
