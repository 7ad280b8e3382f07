/**
 * The durable webhook outbox: an append-only journal on disk. A payload counts as accepted
 * once its line is written and fdatasync'ed; it leaves the outbox when the receiver answered
 * 2xx (or it was dead-lettered), which appends its sequence number to the acknowledgement
 * file. After a crash or a restart every journaled record without an acknowledgement is
 * replayed. Delivery is therefore at least once: a record delivered just before a crash,
 * whose acknowledgement had not reached the disk, is sent again with the same idempotency key.
 *
 * Files in `dir`:
 * | file                     | content                                                                  |
 * |--------------------------|--------------------------------------------------------------------------|
 * | segment-<first seq>.ndjson | one record a line: {"seq","key","callId","at","payload"}; a new segment at SEGMENT_BYTES |
 * | acked.ndjson             | one acknowledged (delivered or dead-lettered) seq a line; not synced (a lost ack is a duplicate, never a loss) |
 * | dead-letter.ndjson       | {"seq","key","callId","at","reason","payload"}: what will never be delivered, and why |
 *
 * Compaction: a segment whose every record is acknowledged is deleted (the current one once it
 * has rolled over); the acknowledgement file is rewritten (write, sync, rename) at start-up with
 * only the seqs still in a segment. Writes are grouped: records accepted in one event-loop turn
 * share one write and one fdatasync ("group commit"), so the cost is per batch, not per payload.
 *
 * Why a journal and not an embedded database: records are written once, read only after a
 * crash, deleted in bulk; the journal needs no native module (better-sqlite3 needs a compiled
 * addon per Node ABI: 13.x crashes on this machine's Node 20, 12.x installs), and one
 * fdatasync per batch is the same durability SQLite's WAL gives per transaction.
 */
import { randomUUID } from "node:crypto";
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { join } from "node:path";

/** One payload in the outbox. */
export interface OutboxRecord {
  seq: number;
  /** Idempotency key: the same on every attempt and after a replay. */
  key: string;
  callId: string;
  /** Wall-clock ms when it was produced. */
  at: number;
  payload: Record<string, unknown>;
}

/** A segment rolls over past this many bytes (small enough to delete soon, large enough to be few). */
export const SEGMENT_BYTES = 4 * 1024 * 1024;
const SEGMENT_RE = /^segment-(\d+)\.ndjson$/;

interface Segment { first: number; path: string; bytes: number; pending: number; handle?: FileHandle }

export class Outbox {
  private readonly segments: Segment[] = [];
  private current?: Segment;
  private nextSeq = 1;
  private batch: { record: OutboxRecord; line: string; done: (error?: Error) => void }[] = [];
  private writing = false;
  private ackFd?: number;
  private readonly segmentOf = new Map<number, Segment>();
  /** Records accepted (or being written) and not acknowledged. */
  depth = 0;

  private constructor(readonly dir: string | undefined) {}

  /**
   * Opens (creating) the outbox in `dir` and returns the records to replay, in seq order.
   * Without `dir`: an outbox in memory (no durability, same behaviour otherwise).
   */
  static open(dir: string | undefined): { outbox: Outbox; replay: OutboxRecord[] } {
    const outbox = new Outbox(dir);
    if (!dir) return { outbox, replay: [] };
    mkdirSync(dir, { recursive: true });
    const acked = new Set<number>();
    const ackPath = join(dir, "acked.ndjson");
    if (existsSync(ackPath)) for (const line of readFileSync(ackPath, "utf8").split("\n")) { const n = Number(line); if (line !== "" && Number.isInteger(n)) acked.add(n); }
    const replay: OutboxRecord[] = [];
    const files = readdirSync(dir).filter((f) => SEGMENT_RE.test(f)).sort((a, b) => Number(SEGMENT_RE.exec(a)![1]) - Number(SEGMENT_RE.exec(b)![1]));
    for (const file of files) {
      const segment: Segment = { first: Number(SEGMENT_RE.exec(file)![1]), path: join(dir, file), bytes: 0, pending: 0 };
      for (const line of readFileSync(segment.path, "utf8").split("\n")) {
        if (line === "") continue;
        let record: OutboxRecord;
        // A torn last line (a crash mid-write, before its sync) was never accepted: skipped.
        try { record = JSON.parse(line) as OutboxRecord; } catch { continue; }
        if (!Number.isInteger(record.seq)) continue;
        outbox.nextSeq = Math.max(outbox.nextSeq, record.seq + 1);
        if (acked.has(record.seq)) continue;
        segment.pending++;
        outbox.segmentOf.set(record.seq, segment);
        replay.push(record);
      }
      if (segment.pending === 0) unlinkSync(segment.path); else outbox.segments.push(segment);
    }
    replay.sort((a, b) => a.seq - b.seq);
    outbox.depth = replay.length;
    // Compact the acknowledgements: keep only those of records still in a segment.
    const tmp = `${ackPath}.tmp`;
    const fd = openSync(tmp, "w");
    const oldest = outbox.segments.length > 0 ? outbox.segments[0].first : Infinity;
    writeSync(fd, [...acked].filter((n) => n >= oldest).map((n) => `${n}\n`).join(""));
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, ackPath);
    outbox.ackFd = openSync(ackPath, "a");
    return { outbox, replay };
  }

  /**
   * Accepts a payload: `accepted` is called once it is on disk (at once without a dir), or with
   * the write's error (the record is then only in memory: still counted until acknowledged).
   */
  append(callId: string, payload: Record<string, unknown>, accepted: (record: OutboxRecord, error?: Error) => void): void {
    const record: OutboxRecord = { seq: this.nextSeq++, key: randomUUID(), callId, at: Date.now(), payload };
    this.depth++;
    if (!this.dir) { accepted(record); return; }
    this.batch.push({ record, line: `${JSON.stringify(record)}\n`, done: (error) => accepted(record, error) });
    if (!this.writing) { this.writing = true; setImmediate(() => { void this.flush(); }); }
  }

  private async flush(): Promise<void> {
    while (this.batch.length > 0) {
      const batch = this.batch;
      this.batch = [];
      try {
        const segment = await this.segmentFor(batch[0].record.seq);
        const text = batch.map((b) => b.line).join("");
        await segment.handle!.write(text);
        await segment.handle!.datasync();
        segment.bytes += Buffer.byteLength(text);
        segment.pending += batch.length;
        for (const b of batch) this.segmentOf.set(b.record.seq, segment);
        for (const b of batch) b.done();
      } catch (error) {
        for (const b of batch) b.done(error as Error);
      }
    }
    this.writing = false;
  }

  private async segmentFor(first: number): Promise<Segment> {
    if (this.current && this.current.bytes < SEGMENT_BYTES) return this.current;
    if (this.current) {
      const old = this.current;
      this.current = undefined;
      await old.handle!.close();
      old.handle = undefined;
      this.maybeDelete(old, true);
    }
    const segment: Segment = { first, path: join(this.dir!, `segment-${String(first).padStart(12, "0")}.ndjson`), bytes: 0, pending: 0 };
    segment.handle = await open(segment.path, "a");
    this.segments.push(segment);
    this.current = segment;
    return segment;
  }

  /** The record left the outbox (delivered, or dead-lettered). */
  ack(seq: number): void {
    this.depth--;
    if (!this.dir) return;
    writeSync(this.ackFd!, `${seq}\n`);
    const segment = this.segmentOf.get(seq);
    this.segmentOf.delete(seq);
    if (segment) { segment.pending--; this.maybeDelete(segment, segment !== this.current); }
  }

  private maybeDelete(segment: Segment, closed: boolean): void {
    if (!closed || segment.pending > 0) return;
    const at = this.segments.indexOf(segment);
    if (at >= 0) this.segments.splice(at, 1);
    try { unlinkSync(segment.path); } catch { /* already gone */ }
  }

  /** Appends a dead letter (synced: it is the only trace of that payload). */
  deadLetter(record: OutboxRecord, reason: string): void {
    if (!this.dir) return;
    const fd = openSync(join(this.dir, "dead-letter.ndjson"), "a");
    try { writeSync(fd, `${JSON.stringify({ seq: record.seq, key: record.key, callId: record.callId, at: record.at, failedAt: Date.now(), reason, payload: record.payload })}\n`); fsyncSync(fd); } finally { closeSync(fd); }
  }

  /** Files on disk (for tests and the operator). */
  get segmentFiles(): string[] { return this.segments.map((s) => s.path); }

  async close(): Promise<void> {
    while (this.writing) await new Promise((r) => setImmediate(r));
    await this.current?.handle?.close();
    if (this.current) this.current.handle = undefined;
    if (this.ackFd !== undefined) { closeSync(this.ackFd); this.ackFd = undefined; }
  }
}
