/**
 * A live redactor fed with raw bytes, as the stream adapters get them: a chunk may end inside
 * a sample; the 1-3 bytes of that sample wait for the next chunk (no Node imports, so the Web
 * stream can use it). A chunk of whole samples comes out as a chunk of the same length; a chunk
 * that splits a sample comes out without the split sample, whose bytes come with the chunk
 * that completes it.
 */
import { DtmfInputError } from "../errors.js";
import type { DetectorEvent } from "../events.js";
import { asBytes } from "../streams/core.js";
import type { LiveRedactor } from "./live.js";

const BYTES = { pcm16: 2, float32: 4, mulaw: 1, alaw: 1 } as const;

export class ByteRedactor {
  readonly bytesPerSample: number;
  private readonly carry: Uint8Array;
  private carried = 0;
  private closed = false;

  constructor(readonly redactor: LiveRedactor) {
    this.bytesPerSample = BYTES[redactor.encoding];
    this.carry = new Uint8Array(this.bytesPerSample);
  }

  get leftoverBytes(): number { return this.carried; }

  /** Bytes in (any view or ArrayBuffer); the redacted, delayed bytes out, and the events. */
  push(input: unknown): { audio: Uint8Array; events: readonly DetectorEvent[] } {
    let chunk = asBytes(input);
    const bps = this.bytesPerSample;
    if (this.carried > 0) {
      const joined = new Uint8Array(this.carried + chunk.length);
      joined.set(this.carry.subarray(0, this.carried));
      joined.set(chunk, this.carried);
      chunk = joined;
      this.carried = 0;
    }
    const whole = chunk.length - (chunk.length % bps);
    if (whole < chunk.length) {
      this.carry.set(chunk.subarray(whole));
      this.carried = chunk.length - whole;
    }
    if (whole === 0) return { audio: new Uint8Array(0), events: [] };
    const { audio, events } = this.redactor.process(chunk.subarray(0, whole) as Uint8Array);
    return { audio: audio as Uint8Array, events };
  }

  /** End of stream: the last delaySamples, the last events, and an error if a sample was left incomplete. */
  finish(): { audio: Uint8Array; events: readonly DetectorEvent[]; error?: DtmfInputError } {
    const { audio, events } = this.redactor.flush();
    const leftover = this.carried;
    this.close();
    if (leftover === 0) return { audio, events };
    return {
      audio, events,
      error: new DtmfInputError(`the ${this.redactor.encoding} stream ended inside a sample: ${leftover} byte${leftover === 1 ? "" : "s"} left over of a ${this.bytesPerSample}-byte sample`),
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.redactor.close();
  }
}
