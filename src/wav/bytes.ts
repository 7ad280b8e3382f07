/**
 * Sequential access to a byte stream delivered in chunks of any size (a file read 64 KiB at
 * a time, stdin as the pipe hands it over): exact reads for header fields, skips, and fills of
 * a caller's buffer for audio data. Only the chunk being consumed is held, so memory stays
 * bounded by the chunk size whatever the length of the stream.
 *
 * Chunks may be reused by the source once consumed: nothing here keeps a reference to a chunk
 * after asking for the next one, and read() returns copies.
 */
export class ByteReader {
  /** Bytes consumed so far (read, filled or skipped): the offset in the file. */
  position = 0;
  private pending: Uint8Array = new Uint8Array(0);
  private readonly chunks: AsyncIterator<Uint8Array>;
  private ended = false;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.chunks = source[Symbol.asyncIterator]();
  }

  /** True once the source is exhausted and every byte consumed. */
  async atEnd(): Promise<boolean> {
    return !(await this.pull());
  }

  /** The next `length` bytes as a new array; shorter only when the stream ends first. */
  async read(length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    const got = await this.fill(out, 0);
    return got === length ? out : out.subarray(0, got);
  }

  /**
   * Copies bytes into `target` from `offset` until it is full or the stream ends.
   * Returns the index one past the last byte written.
   */
  async fill(target: Uint8Array, offset: number): Promise<number> {
    let at = offset;
    while (at < target.length && (await this.pull())) {
      const n = Math.min(target.length - at, this.pending.length);
      target.set(n === this.pending.length ? this.pending : this.pending.subarray(0, n), at);
      this.pending = this.pending.subarray(n);
      this.position += n;
      at += n;
    }
    return at;
  }

  /** Discards up to `length` bytes; returns how many were there to discard. */
  async skip(length: number): Promise<number> {
    let left = length;
    while (left > 0 && (await this.pull())) {
      const n = Math.min(left, this.pending.length);
      this.pending = this.pending.subarray(n);
      this.position += n;
      left -= n;
    }
    return length - left;
  }

  /**
   * Gives back bytes just read (they are read again next), for a look ahead. `bytes` must be
   * the last bytes consumed.
   */
  unread(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const joined = new Uint8Array(bytes.length + this.pending.length);
    joined.set(bytes);
    joined.set(this.pending, bytes.length);
    this.pending = joined;
    this.position -= bytes.length;
  }

  /** Stops the source early (closes the file, releases stdin). */
  async close(): Promise<void> {
    this.pending = new Uint8Array(0);
    if (!this.ended) {
      this.ended = true;
      await this.chunks.return?.();
    }
  }

  /** Makes `pending` non-empty if the stream has bytes left; false at the end. */
  private async pull(): Promise<boolean> {
    while (this.pending.length === 0) {
      if (this.ended) return false;
      const next = await this.chunks.next();
      if (next.done) {
        this.ended = true;
        return false;
      }
      this.pending = next.value;
    }
    return true;
  }
}
