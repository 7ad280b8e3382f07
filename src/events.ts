/** The events a detector reports, decoded from the core's f64 records (assembly/events.ts). */
import { type DtmfDigit, KEY_ORDER } from "./keys.js";
import type { CoreLayout } from "./wasm.js";

/** A key press confirmed while its tone is still on (the earliest safe moment to act on it). */
export interface KeyDownEvent {
  type: "keydown";
  digit: DtmfDigit;
  /** Tone onset, samples from the start of the stream (media time, refined below the hop). */
  startSample: number;
  startMs: number;
  /** Stream position at which the key was confirmed; latency = detectedMs − startMs. */
  detectedSample: number;
  detectedMs: number;
  /** Measured level of the low-group (row) and high-group (column) tone, dBm0. */
  lowDbm0: number;
  highDbm0: number;
}

/** A finished key press: onset, duration and measured tone properties. */
export interface DtmfEvent {
  type: "dtmf";
  digit: DtmfDigit;
  startSample: number;
  startMs: number;
  durationSamples: number;
  durationMs: number;
  /** Stream position at which the key press was known to be over. */
  detectedSample: number;
  detectedMs: number;
  lowDbm0: number;
  highDbm0: number;
  /** highDbm0 − lowDbm0, dB (positive: high group louder, "reverse twist"). */
  twistDb: number;
  /** Measured frequency minus nominal, Hz, averaged over the tone. */
  lowErrorHz: number;
  highErrorHz: number;
}

export type DetectorEvent = KeyDownEvent | DtmfEvent;

const round1 = (v: number) => Math.round(v * 10) / 10;

/**
 * Turns record `r` of `records` into an event object; the record's fields are where the
 * core's layout says (assembly/events.ts EV_*). @internal
 */
export function decodeEvent(records: Float64Array, r: number, layout: CoreLayout, sampleRate: number): DetectorEvent {
  const at = r * layout.eventFields;
  const f = layout.event;
  const ms = (samples: number) => round1((samples * 1000) / sampleRate);
  const digit = KEY_ORDER[records[at + f.key]] as DtmfDigit;
  const startSample = Math.round(records[at + f.start]);
  const detectedSample = Math.round(records[at + f.decided]);
  const lowDbm0 = round1(records[at + f.lowDbm0]);
  const highDbm0 = round1(records[at + f.highDbm0]);
  if (records[at + f.type] === layout.keydown) {
    return { type: "keydown", digit, startSample, startMs: ms(startSample), detectedSample, detectedMs: ms(detectedSample), lowDbm0, highDbm0 };
  }
  const durationSamples = Math.max(0, Math.round(records[at + f.start] + records[at + f.duration]) - startSample);
  return {
    type: "dtmf", digit, startSample, startMs: ms(startSample), durationSamples, durationMs: ms(durationSamples),
    detectedSample, detectedMs: ms(detectedSample), lowDbm0, highDbm0, twistDb: round1(highDbm0 - lowDbm0),
    lowErrorHz: round1(records[at + f.lowErrHz]), highErrorHz: round1(records[at + f.highErrHz]),
  };
}
