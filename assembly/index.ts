// The numbers-only ABI that src/ drives (src/wasm.ts reads every layout constant and code
// below once, at instantiation; src/ keeps no copy). One instance serves many channels:
//   open(rate, encoding) → handle   (reads the configuration block the host wrote)
//   process(handle, n)   → events   (n samples already written at inputAddress())
//   flush(handle)        → events   (end of stream; the channel restarts at position 0)
//   configure / reset / close(handle)
// Negative results are error codes (ERR_*); src/wasm.ts maps each to its typed error.
// Events are read from eventsAddress() (events.ts) after each call.
//
// The data path of one call: input.ts decodes the samples the host wrote into f32, hop.ts
// runs them through the filter bank (filterbank.ts, with the shared per-rate tables of
// rates.ts) and, at each hop's end, the window tests (window.ts), the tone measurement
// (tones.ts) and the press state machine (press.ts), which writes events (events.ts). The
// channel record (channels.ts) holds all of a channel's state.

import {
  CH_CONFIG_AT, CH_ENCODING, CH_GEN, CH_RATE_REC, MAX_CHANNELS, SLOT_BYTES, allocateSlot,
  channelAddress, initChannels, openChannels, releaseSlot, streamPosition,
} from "./channels";
import { CFG_DIAL_TONE_FILTER, CONFIG_BYTES } from "./config";
import { acquireConfig, initConfigs, releaseConfig } from "./configs";
import { configureDialTone } from "./dialtone";
import { clearEvents, eventCount, initEvents } from "./events";
import { initG711 } from "./g711";
import { feed } from "./hop";
import { ENCODING_COUNT, bytesPerSample as encodingBytes, decodeInput } from "./input";
import { endStream } from "./press";
import { MAX_RATES, acquireRate, initRates, rateOffset, rateRecord, releaseRate } from "./rates";
import { MAX_SAMPLE_RATE, MIN_SAMPLE_RATE } from "../src/conventions";

// ─── Layout and codes the host reads once (src/wasm.ts) ─────────────────────────────────────
export { MAX_CHANNELS, MAX_RATES, CONFIG_BYTES };
export {
  CFG_DIAL_TONE_FILTER, CFG_FREQ_TOL, CFG_GAP_MAX, CFG_KEY_MASK, CFG_MIN_CONFIRM, CFG_MIN_POWER, CFG_PRESS_PURITY,
  CFG_REL_PEAK, CFG_TONE_TOTAL, CFG_TWIST_HI, CFG_TWIST_LO,
} from "./config";
export {
  EV_DECIDED, EV_DURATION, EV_HIGH_DBM0, EV_HIGH_ERR_HZ, EV_KEY, EV_LOW_DBM0, EV_LOW_ERR_HZ,
  EV_START, EV_TYPE, EVENT_CAPACITY, EVENT_FIELDS, EVENT_KEYDOWN,
} from "./events";
export { ENCODING_ALAW, ENCODING_FLOAT32, ENCODING_PCM16, ENCODING_ULAW } from "./input";
/** Bytes of the input region: 8192 16-bit samples, 4096 f32 or 16384 G.711 bytes a call. */
export const INPUT_BYTES: i32 = 16384;
/** Bytes of one channel's state record. */
export const CHANNEL_BYTES: i32 = <i32>SLOT_BYTES;

export const ERR_RATE: i32 = -1;      // sample rate outside MIN_SAMPLE_RATE..MAX_SAMPLE_RATE
export const ERR_ENCODING: i32 = -2;  // not one of the ENCODING_* codes
export const ERR_CHANNELS: i32 = -3;  // MAX_CHANNELS channels are open
export const ERR_RATES: i32 = -4;     // MAX_RATES other sample rates are in use by open channels
export const ERR_HANDLE: i32 = -5;    // not an open channel's handle
export const ERR_LENGTH: i32 = -6;    // sample count negative or beyond the input region

const input = heap.alloc(<usize>INPUT_BYTES);
// Three f32 more than the largest input, before it: room for a sample held back from the
// previous call and the two samples before that (hop.ts feed).
const scratch = heap.alloc((<usize>INPUT_BYTES + 3) << 2);
const config = heap.alloc(CONFIG_BYTES);
initG711();
initRates();
initChannels();
initConfigs();
initEvents();

export function inputAddress(): usize { return input; }
export function configAddress(): usize { return config; }
export { eventsAddress } from "./events";
export function channelsOpen(): i32 { return openChannels(); }
/** Bytes a sample of `encoding` takes in the input region (0 for an unknown code). */
export function bytesPerSample(encoding: i32): i32 {
  return encoding < 0 || encoding >= ENCODING_COUNT ? 0 : encodingBytes(encoding);
}

export function open(rate: i32, encoding: i32): i32 {
  if (rate < MIN_SAMPLE_RATE || rate > MAX_SAMPLE_RATE) return ERR_RATE;
  if (encoding < 0 || encoding >= ENCODING_COUNT) return ERR_ENCODING;
  const rec = acquireRate(rate);
  if (rec == 0) return ERR_RATES;
  const handle = allocateSlot();
  if (handle == 0) {
    releaseRate(rec);
    return ERR_CHANNELS;
  }
  const ch = channelAddress(handle);
  store<u16>(ch, rateOffset(rec), CH_RATE_REC);
  store<u8>(ch, encoding, CH_ENCODING);
  store<u32>(ch, <u32>acquireConfig(config, 0), CH_CONFIG_AT);
  configureDialTone(ch);
  return handle;
}

/**
 * Gives an open channel the configuration block the host wrote (takes effect from the next
 * hop); channels with the same block share one copy (configs.ts).
 */
export function configure(handle: i32): i32 {
  const ch = channelAddress(handle);
  if (ch == 0) return ERR_HANDLE;
  store<u32>(ch, <u32>acquireConfig(config, <usize>load<u32>(ch, CH_CONFIG_AT)), CH_CONFIG_AT);
  configureDialTone(ch);
  return 0;
}

export function close(handle: i32): i32 {
  const ch = channelAddress(handle);
  if (ch == 0) return ERR_HANDLE;
  releaseRate(rateRecord(load<u16>(ch, CH_RATE_REC)));
  releaseConfig(<usize>load<u32>(ch, CH_CONFIG_AT));
  releaseSlot(handle);
  return 0;
}

/** Forgets the stream (filter state, key state, position) but keeps rate, encoding, config. */
export function reset(handle: i32): i32 {
  const ch = channelAddress(handle);
  if (ch == 0) return ERR_HANDLE;
  const rec = load<u16>(ch, CH_RATE_REC);
  const encoding = <i32>load<u8>(ch, CH_ENCODING);
  const gen = <i32>load<u16>(ch, CH_GEN); // with OPEN_BIT
  const configAt = load<u32>(ch, CH_CONFIG_AT);
  memory.fill(ch, 0, SLOT_BYTES);
  store<u32>(ch, configAt, CH_CONFIG_AT);
  store<u16>(ch, rec, CH_RATE_REC);
  store<u8>(ch, encoding, CH_ENCODING);
  store<u16>(ch, gen, CH_GEN);
  configureDialTone(ch);
  return 0;
}

/** Samples processed since the stream started (media time). */
export function position(handle: i32): f64 {
  const ch = channelAddress(handle);
  if (ch == 0) return <f64>ERR_HANDLE;
  return streamPosition(ch);
}

export function process(handle: i32, samples: i32): i32 {
  const ch = channelAddress(handle);
  if (ch == 0) return ERR_HANDLE;
  const encoding = <i32>load<u8>(ch, CH_ENCODING);
  if (samples < 0 || samples * encodingBytes(encoding) > INPUT_BYTES) return ERR_LENGTH;
  clearEvents();
  decodeInput(encoding, input, scratch + 12, samples);
  const rate = rateRecord(load<u16>(ch, CH_RATE_REC));
  feed(ch, rate, scratch + 12, samples);
  return eventCount();
}

export function flush(handle: i32): i32 {
  const ch = channelAddress(handle);
  if (ch == 0) return ERR_HANDLE;
  clearEvents();
  endStream(ch, rateRecord(load<u16>(ch, CH_RATE_REC)));
  reset(handle);
  return eventCount();
}
