// The numbers-only ABI that src/ drives. One instance serves many channels:
//   open(rate, encoding) → handle   (reads the configuration block the host wrote)
//   process(handle, n)   → events   (n samples already written at inputAddress())
//   flush(handle)        → events   (end of stream; the channel restarts at position 0)
//   configure / reset / close(handle)
// Negative results are error codes (ERR_*); src/errors.ts turns them into typed errors.
// Events are read from eventsAddress() (events.ts) after each call.

import {
  CH_CONFIG, CH_ENCODING, CH_GEN, CH_HAS_PENDING, CH_HOP_POS, CH_HOP_START, CH_OPEN, CH_PENDING,
  CH_RATE_REC, CONFIG_BYTES,
  MAX_CHANNELS, SLOT_BYTES, allocateSlot, channelAddress, initChannels, openChannels, releaseSlot,
  slotsMade,
} from "./channels";
import { endHop, endStream } from "./decision";
import { EVENT_CAPACITY, EVENT_FIELDS, clearEvents, eventCount, eventsAddress, initEvents } from "./events";
import { R_HOP, initFilterbank, rateRecord, runBank, runBankOne } from "./filterbank";
import { alawCodeToLinear, initG711, ulawCodeToLinear } from "./g711";
import { ENCODING_COUNT, bytesPerSample, decodeInput } from "./input";

export const MIN_RATE: i32 = 8000;
export const MAX_RATE: i32 = 48000;
/** Bytes of the input region: 8192 16-bit samples, 4096 f32 or 16384 G.711 bytes a call. */
export const INPUT_BYTES: i32 = 16384;

export const ERR_RATE: i32 = -1;
export const ERR_ENCODING: i32 = -2;
export const ERR_CHANNELS: i32 = -3;
export const ERR_RATES: i32 = -4;
export const ERR_HANDLE: i32 = -5;
export const ERR_LENGTH: i32 = -6;

const input = heap.alloc(<usize>INPUT_BYTES);
// One f32 more than the largest input: room for a sample held back from the previous call.
const scratch = heap.alloc((<usize>INPUT_BYTES + 1) << 2);
const config = heap.alloc(CONFIG_BYTES);
initG711();
initFilterbank();
initChannels();
initEvents();

export function inputAddress(): usize { return input; }
export function configAddress(): usize { return config; }
export function eventRecordsAddress(): usize { return eventsAddress(); }
export function eventFields(): i32 { return EVENT_FIELDS; }
export function eventCapacity(): i32 { return EVENT_CAPACITY; }
export function channelBytes(): i32 { return <i32>SLOT_BYTES; }
export function maxChannels(): i32 { return MAX_CHANNELS; }
export function channelsOpen(): i32 { return openChannels(); }
export function channelSlots(): i32 { return slotsMade(); }
export function ulawToLinear(code: i32): i32 { return ulawCodeToLinear(code); }
export function alawToLinear(code: i32): i32 { return alawCodeToLinear(code); }

export function open(rate: i32, encoding: i32): i32 {
  if (rate < MIN_RATE || rate > MAX_RATE) return ERR_RATE;
  if (encoding < 0 || encoding >= ENCODING_COUNT) return ERR_ENCODING;
  const rec = rateRecord(rate);
  if (rec == 0) return ERR_RATES;
  const handle = allocateSlot();
  if (handle == 0) return ERR_CHANNELS;
  const ch = channelAddress(handle);
  store<i32>(ch, <i32>rec, CH_RATE_REC);
  store<i32>(ch, encoding, CH_ENCODING);
  memory.copy(ch + CH_CONFIG, config, CONFIG_BYTES);
  return handle;
}

/** Copies the configuration block into an open channel (takes effect from the next hop). */
export function configure(handle: i32): i32 {
  const ch = channelAddress(handle);
  if (ch == 0) return ERR_HANDLE;
  memory.copy(ch + CH_CONFIG, config, CONFIG_BYTES);
  return 0;
}

export function close(handle: i32): i32 {
  return releaseSlot(handle) ? 0 : ERR_HANDLE;
}

/** Forgets the stream (filter state, key state, position) but keeps rate, encoding, config. */
export function reset(handle: i32): i32 {
  const ch = channelAddress(handle);
  if (ch == 0) return ERR_HANDLE;
  const rec = load<i32>(ch, CH_RATE_REC);
  const encoding = load<i32>(ch, CH_ENCODING);
  const gen = load<i32>(ch, CH_GEN);
  memory.copy(config, ch + CH_CONFIG, CONFIG_BYTES); // the block is scratch: keep the channel's
  memory.fill(ch, 0, SLOT_BYTES);
  memory.copy(ch + CH_CONFIG, config, CONFIG_BYTES);
  store<i32>(ch, rec, CH_RATE_REC);
  store<i32>(ch, encoding, CH_ENCODING);
  store<i32>(ch, gen, CH_GEN);
  store<i32>(ch, 1, CH_OPEN);
  return 0;
}

/** Samples processed since the stream started (media time). */
export function position(handle: i32): f64 {
  const ch = channelAddress(handle);
  if (ch == 0) return <f64>ERR_HANDLE;
  return load<f64>(ch, CH_HOP_START) + <f64>(load<i32>(ch, CH_HOP_POS) + load<i32>(ch, CH_HAS_PENDING));
}

export function process(handle: i32, samples: i32): i32 {
  const ch = channelAddress(handle);
  if (ch == 0) return ERR_HANDLE;
  const encoding = load<i32>(ch, CH_ENCODING);
  if (samples < 0 || samples * bytesPerSample(encoding) > INPUT_BYTES) return ERR_LENGTH;
  clearEvents();
  // The filter bank takes samples in pairs aligned to the hop start; a sample left over at
  // the end of the previous call was held back and goes first now.
  const pending = load<i32>(ch, CH_HAS_PENDING);
  decodeInput(encoding, input, scratch + 4, samples);
  store<f32>(scratch, load<f32>(ch, CH_PENDING));
  const first = scratch + 4 - (<usize>pending << 2);
  const total = samples + pending;
  const rate = <usize>load<i32>(ch, CH_RATE_REC);
  const hop = load<i32>(rate, R_HOP);
  let done = 0;
  while (done < total) {
    const pos = load<i32>(ch, CH_HOP_POS);
    const take = min(hop - pos, total - done);
    const pairs = take & ~1;
    runBank(ch, rate, first + (<usize>done << 2), pairs);
    if (pos + take == hop) {
      if (take != pairs) runBankOne(ch, rate, load<f32>(first + (<usize>(done + pairs) << 2)));
      endHop(ch, rate);
    } else {
      store<i32>(ch, pos + pairs, CH_HOP_POS);
    }
    done += pairs;
    if (pos + take == hop) done += take - pairs;
    else if (take != pairs) { // hold back the unpaired last sample
      store<f32>(ch, load<f32>(first + (<usize>done << 2)), CH_PENDING);
      store<i32>(ch, 1, CH_HAS_PENDING);
      return eventCount();
    }
  }
  store<i32>(ch, 0, CH_HAS_PENDING);
  return eventCount();
}

export function flush(handle: i32): i32 {
  const ch = channelAddress(handle);
  if (ch == 0) return ERR_HANDLE;
  clearEvents();
  endStream(ch, <usize>load<i32>(ch, CH_RATE_REC));
  reset(handle);
  return eventCount();
}

/**
 * Aborts with a message when `code` is not 0: lets the host's tests prove that an abort inside
 * the core surfaces as a typed error naming its cause.
 */
export function selfCheck(code: i32): i32 {
  assert(code == 0, "selfCheck: the host asked for an abort");
  return 0;
}
