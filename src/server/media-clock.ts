/**
 * A call's media clock: where the platform's timestamps say a frame belongs, against how much
 * audio has arrived. Lost frames leave a gap that is filled with silence so that media time
 * (and the collector's timeouts) stays true, but only up to `maxGapFillMs`: a claimed jump
 * beyond that (a 100 h timestamp in a 101-byte message) is not believed. The clock is then
 * reset, so the frame counts as following on from the audio already received, with a warning;
 * nothing is ever allocated or processed in proportion to a claimed gap.
 *
 * | timestamp says the frame starts…            | then                                        |
 * |---------------------------------------------|---------------------------------------------|
 * | within `toleranceMs` of the audio received  | nothing: sender jitter                      |
 * | later, by at most maxGapFillMs              | `fill` samples of silence first             |
 * | later by more, or earlier (a clock reset)   | `reset`: the timestamp origin moves; warning |
 */
import { checkNumber } from "../options.js";

/** Timestamp jitter ignored, ms: senders stamp 20 ms frames with whole ms. */
export const TIMESTAMP_TOLERANCE_MS = 2;
/** Default longest gap filled with silence, ms: 50 lost 20 ms frames. */
export const DEFAULT_MAX_GAP_FILL_MS = 1000;
/** Largest gap fill accepted as an option, ms. */
export const MAX_GAP_FILL_LIMIT_MS = 60_000;

export type ClockDecision =
  | { kind: "inline" }
  | { kind: "fill"; samples: number }
  | { kind: "reset"; claimedGapMs: number };

/** The usual answer, one shared object (place() runs for every stamped frame). */
const INLINE: ClockDecision = Object.freeze({ kind: "inline" });

export class MediaClock {
  /** ms to add to a platform timestamp to get media ms; undefined until the first timestamp. */
  private offsetMs: number | undefined;
  private readonly maxFillSamples: number;
  private readonly toleranceSamples: number;

  constructor(readonly sampleRate: number, maxGapFillMs = DEFAULT_MAX_GAP_FILL_MS) {
    checkNumber("maxGapFillMs", maxGapFillMs, 0, MAX_GAP_FILL_LIMIT_MS);
    this.maxFillSamples = Math.round((maxGapFillMs * sampleRate) / 1000);
    this.toleranceSamples = Math.round((TIMESTAMP_TOLERANCE_MS * sampleRate) / 1000);
  }

  /**
   * A frame stamped `timestampMs` (the platform's clock: ms from the stream's start, a Unix
   * time, RTP units converted to ms) arrives when `positionSamples` of audio have been received.
   */
  place(timestampMs: number, positionSamples: number): ClockDecision {
    if (!Number.isFinite(timestampMs)) return INLINE;
    const positionMs = (positionSamples * 1000) / this.sampleRate;
    if (this.offsetMs === undefined) {
      // The first stamp sets the origin, unless it is a plausible "ms from the start".
      this.offsetMs = timestampMs >= 0 && timestampMs - positionMs <= (this.maxFillSamples * 1000) / this.sampleRate ? 0 : positionMs - timestampMs;
    }
    const due = Math.round(((timestampMs + this.offsetMs) * this.sampleRate) / 1000);
    const gap = due - positionSamples;
    if (Math.abs(gap) <= this.toleranceSamples) return INLINE;
    if (gap > 0 && gap <= this.maxFillSamples) return { kind: "fill", samples: gap };
    if (gap < 0 && gap > -this.toleranceSamples * 10) return INLINE; // a frame a little early: sender jitter
    this.offsetMs = positionMs - timestampMs;
    return { kind: "reset", claimedGapMs: Math.round((gap * 1000) / this.sampleRate) };
  }

  /** Forgets the origin (a new RTP SSRC, a new segment): the next stamp sets it again. */
  forget(): void { this.offsetMs = undefined; }
}

/**
 * Puts frames back in order by sequence number within a small window. A frame older than the
 * last one released is dropped (a replay, or later than the window). Frames ahead of the next
 * expected number wait (copied, since the caller's buffer is reused) until the missing one
 * comes or `window` frames wait, then the missing one is given up.
 */
export class ReorderBuffer<T> {
  private expected: number | undefined;
  private readonly waiting = new Map<number, T>();
  /** waiting.size, kept here: inOrder() runs on every frame and then need not touch the Map. */
  private held = 0;
  dropped = 0;
  reordered = 0;

  constructor(private readonly window: number, private readonly modulo = 0) {}

  /** Distance from a to b in sequence space (wraps when `modulo` is set). */
  private distance(a: number, b: number): number {
    if (this.modulo === 0) return b - a;
    let d = (b - a) % this.modulo;
    if (d > this.modulo / 2) d -= this.modulo;
    if (d < -this.modulo / 2) d += this.modulo;
    return d;
  }

  private next(n: number): number { return this.modulo === 0 ? n + 1 : (n + 1) % this.modulo; }

  /**
   * The common case without allocating: frame `sequence` is the next expected and none is
   * waiting. Then it counts as taken (as push() would release it alone) and true is returned:
   * the caller uses the frame at once. Otherwise nothing changes: push() it.
   */
  inOrder(sequence: number): boolean {
    if (this.held !== 0) return false;
    if (this.expected !== undefined && this.distance(this.expected, sequence) !== 0) return false;
    this.expected = this.next(sequence);
    return true;
  }

  /** Takes frame `sequence`; `keep` copies it if it must wait. Returns the frames to release, in order. */
  push(sequence: number, frame: T, keep: (frame: T) => T): T[] {
    if (this.expected === undefined) this.expected = sequence;
    const d = this.distance(this.expected, sequence);
    if (d < 0 || this.waiting.has(sequence)) { this.dropped++; return []; }
    if (d > 0) {
      this.waiting.set(sequence, keep(frame));
      this.held = this.waiting.size;
      this.reordered++;
      if (this.waiting.size < this.window) return [];
      // Give up on the missing frame(s): release from the oldest waiting one.
      let oldest = sequence;
      for (const s of this.waiting.keys()) if (this.distance(s, oldest) > 0) oldest = s;
      this.expected = oldest;
      return this.release([]);
    }
    this.expected = this.next(sequence);
    return this.release([frame]);
  }

  private release(out: T[]): T[] {
    for (;;) {
      const frame = this.waiting.get(this.expected!);
      if (frame === undefined) return out;
      this.waiting.delete(this.expected!);
      this.held = this.waiting.size;
      out.push(frame);
      this.expected = this.next(this.expected!);
    }
  }

  /** The frames still waiting, in order (end of stream). */
  drain(): T[] {
    const keys = [...this.waiting.keys()].sort((a, b) => this.distance(b, a));
    const out = keys.map((k) => this.waiting.get(k)!);
    this.waiting.clear();
    this.held = 0;
    return out;
  }
}
