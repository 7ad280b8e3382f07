// The channel table: one fixed-size state record per open channel, in slabs of linear memory
// that are never freed but reused through a free list, so opening and closing channels in any
// order cannot leak. A handle is (generation << 16) | slot; the generation changes on every
// close, so a stale handle is refused instead of touching another channel's state.
//
// The record: the fields of `Channel` (AssemblyScript lays them out in declaration order,
// each at its natural alignment, and derives the offsets CH_*), then the magnitude history ring
// (history.ts), whose size is a constant of its own file. The configuration block (config.ts)
// is shared between the channels that use the same one (configs.ts): the record keeps its
// address. Adding a field is one line in `Channel` and one CH_ line; initChannels() checks
// at start-up that the whole record fits SLOT_BYTES and that its vectors are aligned.
import { MAG_HOPS, REF_RESET_HOPS, TWISTED_CONFIRM_HITS } from "./rules";

/** Largest value of the u16 counters (refN, pairs): 65,535 hops, 7 min of one press at any rate. */
export const U16_MAX: i32 = 0xffff;

/** Bytes of one history slot: |Y|² of the 8 bins as bfloat16 (history.ts). */
export const MAG_HOP_BYTES: usize = 16;

@unmanaged class Channel {
  // Filter bank (filterbank.ts): two Goertzel chains per frequency, one over the hop's
  // even-position samples and one over its odd-position ones: s[m−1], s[m−2] of each, as
  // (rows, columns) vector pairs.
  even1Lo: v128; even1Hi: v128;
  even2Lo: v128; even2Hi: v128;
  odd1Lo: v128; odd1Hi: v128;
  odd2Lo: v128; odd2Hi: v128;
  yPrevReLo: v128; yPrevReHi: v128;  // Y of the previous hop, re
  yPrevImLo: v128; yPrevImHi: v128;  // Y of the previous hop, im
  accE: v128;        // running Σx[n]·x[n−2] of the current hop by sample parity (lanes 0, 1), Σx² (lanes 2, 3)
  accS: v128;        // running Σx of the current hop by sample parity (lanes 0, 1); x[n−2], x[n−1] (lanes 2, 3)
  // Tone measurement (tones.ts): corrected T_row, T_col of the previous hop (re, im, re, im).
  tPrev: v128;
  // Stream position.
  hopStart: f64;     // stream position (samples) of the current hop's start
  // Press (press.ts).
  onset: f64;        // refined tone onset, samples
  toneEnd: f64;      // refined end of the tone so far, samples
  // Filter bank.
  ePrev: f32;        // Σx² of the previous hop (the hop just ended: filterbank.ts HOP_E)
  bandPrev: f32;     // band energy 2(Σx² − Σx[n]·x[n−2]) of the previous hop (filterbank.ts)
  sPrev: f32;        // Σx of the previous hop
  pending: f32;      // a sample held back to keep the sample pairs hop-aligned (hop.ts)
  configAt: u32;     // the channel's configuration block in the shared table (configs.ts)
  toneCos: f32;      // cos ω of the tone filter's notch (dialtone.ts)
  hops: i32;         // hops completed in this stream (saturates, history.ts)
  // Press state machine (press.ts).
  ref: f32;          // mean |Y_row|+|Y_col| of the hops this tone fills
  prevA: f32;        // hop coverage of the previous hop
  // Tone measurement (tones.ts): sums over the tone's full hops.
  zrRe: f32; zrIm: f32;  // Σ phase-advance phasor, row tone
  zcRe: f32; zcIm: f32;  // same, column tone
  powR: f32;         // Σ row-tone power over full hops (linear, full-scale² units)
  powC: f32;         // Σ column-tone power over full hops
  pressTotal: f32;   // Σ total power (DC removed) of the same hops
  pressBand: f32;    // Σ band power 2(Σx² − Σx[n]·x[n−2]) per sample of the same hops (filterbank.ts, press.ts steadyPair)
  fullHops: i32;     // hops counted in powR, powC, pressTotal
  absTr: f32;        // Σ |T_row| over the full hops (amplitude steadiness, press.ts busy line)
  absTc: f32;        // Σ |T_col| over the full hops
  absZr: f32;        // Σ |phase-pair phasor| of the row tone: |Σ z| / Σ |z| is its phase coherence
  absZc: f32;        // same, column tone
  // The window coherence (tones.ts windowCoherence): the previous hop's window DFT of the pair's
  // bins (row re, im, column re, im), Σ window phasor per tone, Σ its magnitude.
  wPrevRr: f32; wPrevRi: f32; wPrevCr: f32; wPrevCi: f32;
  wzrRe: f32; wzrIm: f32;
  wzcRe: f32; wzcIm: f32;
  absWr: f32; absWc: f32;
  // Dial-tone filter (dialtone.ts): the two notch sections' states (transposed direct form II).
  notch1a: f32; notch1b: f32;
  notch2a: f32; notch2b: f32;
  // Small fields last, so that they pack (the record stays within SLOT_MAX_BYTES).
  refN: u16;         // hops averaged into `ref` (saturates at U16_MAX, press.ts)
  pairs: u16;        // phase pairs accumulated (saturates at U16_MAX, tones.ts)
  windowPairs: u16;  // window phase pairs accumulated (saturates at U16_MAX, tones.ts)
  gen: u16;          // generation of the slot (15 bits; bit 15, OPEN_BIT: the slot is open)
  hopPos: u16;       // samples already in the current hop (< the longest hop, 306 at 48 kHz)
  // Channel identity (index.ts).
  rateRec: u16;      // the shared rate record, as its offset in the table (rates.ts rateRecord)
  encoding: u8;
  state: u8;         // IDLE, CANDIDATE, ACTIVE (press.ts)
  key: u8;           // key being tracked, 0-15
  tPrevKey: i8;      // the key (row×4+col) tPrev was made for; −1: none (tones.ts)
  hasPending: u8;    // 1 while `pending` holds a sample (hop.ts)
  flags: u8;         // FLAG_LATE, FLAG_STALE of the tracked tone; FLAG_REPORTED of the last press (press.ts)
  inGap: u8;         // 1 while the tracked key is missing (press.ts)
  // Codec onsets (press.ts): low nibble, the twisted-window run (0: none taken; 1 + windows within
  // the twist limits in a row since the last twisted one, saturating at 15); high nibble, hops in
  // a row holding the key under REF_SHARE of `ref` (REF_RESET_HOPS).
  codecRun: u8;
  // Dial-tone engagement (dialtone.ts).
  dialMode: u8;      // DIAL_WATCH, DIAL_TRIAL, DIAL_WAIT, DIAL_ON, DIAL_ALWAYS (hop.ts reads it with dialCount as one u16)
  dialCount: u8;     // WATCH: dial-tone-like windows in a row; TRIAL: hops run; ON: failing hops in a row; WAIT: hops left
  // Press (press.ts): held windows over full hops of the tracked tone since its candidate
  // started (rules.ts BUSY_MEASURED_HOPS), saturating at 255.
  heldHops: u8;
}

export const CH_EVEN1: usize = offsetof<Channel>("even1Lo");  // +16: the columns' vector
export const CH_EVEN2: usize = offsetof<Channel>("even2Lo");
export const CH_ODD1: usize = offsetof<Channel>("odd1Lo");
export const CH_ODD2: usize = offsetof<Channel>("odd2Lo");
export const CH_YPREV_RE: usize = offsetof<Channel>("yPrevReLo");
export const CH_YPREV_IM: usize = offsetof<Channel>("yPrevImLo");
export const CH_ACC_E: usize = offsetof<Channel>("accE");
export const CH_ACC_S: usize = offsetof<Channel>("accS");
export const CH_TPREV: usize = offsetof<Channel>("tPrev");
export const CH_HOP_START: usize = offsetof<Channel>("hopStart");
export const CH_ONSET: usize = offsetof<Channel>("onset");
export const CH_TONE_END: usize = offsetof<Channel>("toneEnd");
export const CH_E_PREV: usize = offsetof<Channel>("ePrev");
export const CH_S_PREV: usize = offsetof<Channel>("sPrev");
export const CH_BAND_PREV: usize = offsetof<Channel>("bandPrev");
export const CH_HOP_POS: usize = offsetof<Channel>("hopPos");
export const CH_PENDING: usize = offsetof<Channel>("pending");
export const CH_HAS_PENDING: usize = offsetof<Channel>("hasPending");
export const CH_RATE_REC: usize = offsetof<Channel>("rateRec");
export const CH_ENCODING: usize = offsetof<Channel>("encoding");
export const CH_GEN: usize = offsetof<Channel>("gen");
export const CH_HOPS: usize = offsetof<Channel>("hops");
export const CH_STATE: usize = offsetof<Channel>("state");
export const CH_KEY: usize = offsetof<Channel>("key");
export const CH_FLAGS: usize = offsetof<Channel>("flags");
export const CH_IN_GAP: usize = offsetof<Channel>("inGap");
export const CH_CODEC_RUN: usize = offsetof<Channel>("codecRun");
export const CH_REF: usize = offsetof<Channel>("ref");
export const CH_REF_N: usize = offsetof<Channel>("refN");
export const CH_PREV_A: usize = offsetof<Channel>("prevA");
export const CH_TPREV_KEY: usize = offsetof<Channel>("tPrevKey");
export const CH_PAIRS: usize = offsetof<Channel>("pairs");
export const CH_WINDOW_PAIRS: usize = offsetof<Channel>("windowPairs");
export const CH_ZR_RE: usize = offsetof<Channel>("zrRe");
export const CH_ZR_IM: usize = offsetof<Channel>("zrIm");
export const CH_ZC_RE: usize = offsetof<Channel>("zcRe");
export const CH_ZC_IM: usize = offsetof<Channel>("zcIm");
export const CH_POW_R: usize = offsetof<Channel>("powR");
export const CH_POW_C: usize = offsetof<Channel>("powC");
export const CH_PRESS_TOTAL: usize = offsetof<Channel>("pressTotal");
export const CH_PRESS_BAND: usize = offsetof<Channel>("pressBand");
export const CH_FULL_HOPS: usize = offsetof<Channel>("fullHops");
export const CH_NOTCH: usize = offsetof<Channel>("notch1a"); // 4 f32: section 1 (a, b), section 2 (a, b)
export const CH_ABS_TR: usize = offsetof<Channel>("absTr");
export const CH_ABS_TC: usize = offsetof<Channel>("absTc");
export const CH_ABS_ZR: usize = offsetof<Channel>("absZr");
export const CH_ABS_ZC: usize = offsetof<Channel>("absZc");
export const CH_W_PREV: usize = offsetof<Channel>("wPrevRr"); // 4 f32
export const CH_WZR_RE: usize = offsetof<Channel>("wzrRe"); // re, im
export const CH_WZC_RE: usize = offsetof<Channel>("wzcRe"); // re, im
export const CH_ABS_WR: usize = offsetof<Channel>("absWr");
export const CH_ABS_WC: usize = offsetof<Channel>("absWc");
export const CH_DIAL_MODE: usize = offsetof<Channel>("dialMode");
export const CH_DIAL_COUNT: usize = offsetof<Channel>("dialCount");
export const CH_HELD_HOPS: usize = offsetof<Channel>("heldHops");
/**
 * Σx² of the current hop before the dial-tone filter, while the filter runs and no key is
 * tracked (dialtone.ts). It shares `pressTotal`, which only a tracked key uses (press.ts clears
 * it when a candidate starts); the record has no 4 bytes left.
 */
export const CH_DIAL_RAW: usize = CH_PRESS_TOTAL;
/**
 * The tone watch's scratch (dialtone.ts toneWatch), used only while no key is tracked, in the
 * tone measurement's sums (tones.ts), which only a tracked key uses and a new candidate clears:
 * the watched bin's previous hop DFT (re, im), the sum of its hop-to-hop phasors (re, im) and of
 * their moduli, (bin << 8) | phasor count, and the number of the hop that last took part.
 */
export const CH_TONE_PREV: usize = CH_ZR_RE;
export const CH_TONE_Z: usize = CH_ZC_RE;
export const CH_TONE_ABS: usize = CH_ABS_ZR;
export const CH_TONE_WATCH: usize = CH_PAIRS;
export const CH_TONE_HOP: usize = CH_FULL_HOPS; // the hop number of the watch's last hop, tagged (dialtone.ts)
/** The address of the channel's configuration block (configs.ts), and the tone filter's cos ω (dialtone.ts). */
export const CH_CONFIG_AT: usize = offsetof<Channel>("configAt");
export const CH_TONE_COS: usize = offsetof<Channel>("toneCos");
/** The magnitude history ring (history.ts): MAG_HOPS slots of MAG_HOP_BYTES, 16-byte aligned. */
export const CH_MAG: usize = (offsetof<Channel>() + 15) & ~15;
const RECORD_END: usize = CH_MAG + <usize>MAG_HOPS * MAG_HOP_BYTES;
/** Bytes a channel takes (the record rounded up to 16); at most SLOT_MAX_BYTES. */
export const SLOT_BYTES: usize = (RECORD_END + 15) & ~15;
/** The size budget of a channel record: thousands of channels per engine (README figures). */
const SLOT_MAX_BYTES: usize = 512;

const SLOTS_PER_SLAB: i32 = 64;
const MAX_SLABS: i32 = 1024;
export const MAX_CHANNELS: i32 = SLOTS_PER_SLAB * MAX_SLABS; // 65,536
const GEN_MASK: i32 = 0x7fff;
/** Bit 15 of the record's `gen`: set while the slot is open. */
export const OPEN_BIT: i32 = 0x8000;

let slabs: usize = 0;       // MAX_SLABS addresses
let slotCount: i32 = 0;     // slots made so far
let freeList: usize = 0;    // MAX_CHANNELS i32 slot indices
let freeCount: i32 = 0;
let openCount: i32 = 0;

export function initChannels(): void {
  // The layout checks (offsets come from the compiler, so fields cannot overlap): the record
  // fits its budget, and the vector fields and the ring are 16-byte aligned.
  assert(SLOT_BYTES <= SLOT_MAX_BYTES, "channels.ts: the channel record is longer than 512 bytes");
  assert(TWISTED_CONFIRM_HITS < 15 && REF_RESET_HOPS <= 15, "channels.ts: codecRun's nibbles cannot count to TWISTED_CONFIRM_HITS or REF_RESET_HOPS");
  assert(CH_DIAL_COUNT == CH_DIAL_MODE + 1 && (CH_DIAL_MODE & 1) == 0, "channels.ts: dialMode and dialCount are not one aligned u16");
  assert(CH_ZR_IM == CH_ZR_RE + 4 && CH_ZC_IM == CH_ZC_RE + 4, "channels.ts: the tone watch's complex scratch is not two f32 in a row");
  assert(CH_ABS_WC - CH_ZR_RE == 22 * 4, "channels.ts: zrRe … absWc are not one run (tones.ts clearToneSums)");
  assert(((CH_EVEN1 | CH_EVEN2 | CH_ODD1 | CH_ODD2 | CH_YPREV_RE | CH_YPREV_IM | CH_ACC_E | CH_ACC_S | CH_TPREV | CH_MAG) & 15) == 0,
    "channels.ts: a vector field of the channel record is not 16-byte aligned");
  slabs = heap.alloc(<usize>MAX_SLABS << 2);
  freeList = heap.alloc(<usize>MAX_CHANNELS << 2);
}

function slotAddress(slot: i32): usize {
  return load<usize>(slabs + (<usize>(slot / SLOTS_PER_SLAB) << 2)) +
    <usize>(slot % SLOTS_PER_SLAB) * SLOT_BYTES;
}

/** A fresh slot's handle, its record zeroed; 0 when MAX_CHANNELS are open. */
export function allocateSlot(): i32 {
  let slot: i32;
  if (freeCount > 0) {
    freeCount--;
    slot = load<i32>(freeList + (<usize>freeCount << 2));
  } else {
    if (slotCount == MAX_CHANNELS) return 0;
    slot = slotCount++;
    if (slot % SLOTS_PER_SLAB == 0) {
      store<usize>(slabs + (<usize>(slot / SLOTS_PER_SLAB) << 2),
        heap.alloc(<usize>SLOTS_PER_SLAB * SLOT_BYTES));
    }
  }
  const ch = slotAddress(slot);
  const gen = (((<i32>load<u16>(ch, CH_GEN) & GEN_MASK) + 1) & GEN_MASK) | 1;
  memory.fill(ch, 0, SLOT_BYTES);
  store<u16>(ch, gen | OPEN_BIT, CH_GEN);
  openCount++;
  return (gen << 16) | slot;
}

/** The record of an open channel, or 0 for a handle that is not (or no longer) open. */
export function channelAddress(handle: i32): usize {
  if (handle <= 0) return 0;
  const slot = handle & 0xffff;
  if (slot >= slotCount) return 0;
  const ch = slotAddress(slot);
  if (<i32>load<u16>(ch, CH_GEN) != ((handle >>> 16) | OPEN_BIT)) return 0;
  return ch;
}

export function releaseSlot(handle: i32): bool {
  const ch = channelAddress(handle);
  if (ch == 0) return false;
  store<u16>(ch, <i32>load<u16>(ch, CH_GEN) & GEN_MASK, CH_GEN);
  store<i32>(freeList + (<usize>freeCount << 2), handle & 0xffff);
  freeCount++;
  openCount--;
  return true;
}

export function openChannels(): i32 { return openCount; }

/** The channel's configuration block (config.ts CFG_* offsets), shared through configs.ts. */
@inline export function configOf(ch: usize): usize {
  return <usize>load<u32>(ch, CH_CONFIG_AT);
}

/** Samples channel `ch` has processed since its stream started (media time). */
export function streamPosition(ch: usize): f64 {
  return load<f64>(ch, CH_HOP_START) + <f64>(<i32>load<u16>(ch, CH_HOP_POS) + <i32>load<u8>(ch, CH_HAS_PENDING));
}
