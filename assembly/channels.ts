// The channel table: one fixed-size state record per open channel, in slabs of linear memory
// that are never freed but reused through a free list, so opening and closing channels in any
// order cannot leak. A handle is (generation << 16) | slot; the generation changes on every
// close, so a stale handle is refused instead of touching another channel's state.

// Record layout (bytes). Vectors first (16-byte aligned), then scalars.
// The filter bank runs two Goertzel chains per frequency, one over the hop's even-position
// samples and one over its odd-position ones (filterbank.ts): s[m−1], s[m−2] of each.
export const CH_EVEN1: usize = 0;     // even chain s[m−1]: rows (v128), +16 columns
export const CH_EVEN2: usize = 32;    // even chain s[m−2]
export const CH_ODD1: usize = 64;     // odd chain s[m−1]
export const CH_ODD2: usize = 96;     // odd chain s[m−2]
export const CH_YPREV_RE: usize = 128;// Y of the previous hop, re (2 × v128), im (2 × v128)
export const CH_YPREV_IM: usize = 160;
// |Y|² of the last MAG_HOPS hops, 8 bins each (a ring), as bfloat16: the top half of the f32,
// rounded (relative error ≤ 2^-8 in power, 2^-9 in magnitude: an edge moves by < 0.1 sample
// at H = 51). Slots 0-3 are here, slot 4 at CH_MAG_LAST (decision.ts magSlot()).
export const CH_MAG: usize = 192;
export const MAG_HOPS: i32 = 5;
export const MAG_HOP_BYTES: i32 = 16;
export const CH_E: usize = 256;       // f32 Σx² of the last completed hop (from CH_ACC_*)
export const CH_S: usize = 260;       // f32 Σx of the last completed hop
export const CH_E_PREV: usize = 264;  // f32 Σx² of the previous hop
export const CH_S_PREV: usize = 268;  // f32 Σx of the previous hop
export const CH_HOP_POS: usize = 272; // i32 samples already in the current hop
export const CH_RATE_REC: usize = 276;// i32 address of the shared rate record
export const CH_HOP_START: usize = 280; // f64 stream position (samples) of the current hop's start
export const CH_ENCODING: usize = 288;// i32
export const CH_GEN: usize = 292;     // i32 generation of the slot
export const CH_OPEN: usize = 296;    // i32 1 while open
export const CH_HOPS: usize = 300;    // i32 hops completed in this stream (saturates)
export const CH_STATE: usize = 304;   // i32 key state (decision.ts)
export const CH_KEY: usize = 308;     // i32 key being tracked, 0-15
export const CH_ONSET: usize = 312;   // f64 refined tone onset, samples
export const CH_TONE_END: usize = 320;// f64 refined end of the tone so far, samples
export const CH_REF: usize = 328;     // f32 mean |Y_row|+|Y_col| of the hops this tone fills
export const CH_IN_GAP: usize = 332;  // i32 1 while the tracked key is missing
export const CH_PREV_A: usize = 336;  // f32 hop coverage of the previous hop
export const CH_PAIRS: usize = 340;   // i32 phase pairs accumulated
export const CH_ZR_RE: usize = 344;   // f32 Σ phase-advance phasor, row tone (re, im)
export const CH_ZR_IM: usize = 348;
export const CH_ZC_RE: usize = 352;   // f32 same, column tone
export const CH_ZC_IM: usize = 356;
export const CH_POW_R: usize = 360;   // f32 Σ row-tone power over full hops (linear, FS² units)
export const CH_POW_C: usize = 364;   // f32 Σ column-tone power over full hops
export const CH_FULL_HOPS: usize = 368; // i32 hops counted in CH_POW_*
export const CH_REF_N: usize = 372;   // i32 hops averaged into CH_REF
export const CH_LATE: usize = 376;    // i32 1 if the tracked tone's onset lies at the far end of the history
export const CH_TPREV: usize = 384;   // corrected T_row, T_col of the previous hop (re, im, re, im)
export const CH_TPREV_KEY: usize = 400; // i32 the key (row×4+col) CH_TPREV was made for
export const CH_PENDING: usize = 404; // f32 a sample held back to keep the sample pairs hop-aligned
export const CH_HAS_PENDING: usize = 408; // i32 1 while CH_PENDING holds a sample
export const CH_PRESS_TOTAL: usize = 412; // f32 Σ total power (DC removed) of the hops in CH_POW_*
export const CH_CONFIG: usize = 416;  // per-channel configuration, CONFIG_BYTES long
export const CH_ACC_E: usize = 464;   // v128 running Σx² of the current hop by sample parity (lanes 0, 1)
export const CH_ACC_S: usize = 480;   // v128 running Σx of the current hop by sample parity (lanes 0, 1)
export const CH_MAG_LAST: usize = 496; // the magnitude ring's slot 4 (16 bytes)
// Configuration block layout (offsets from the block start), written by the host.
export const CFG_MIN_POWER: usize = 0;   // f32 minimum power of each tone, linear (FS² units)
export const CFG_TWIST_LO: usize = 4;    // f32 minimum P_col/P_row (normal twist limit)
export const CFG_TWIST_HI: usize = 8;    // f32 maximum P_col/P_row (reverse twist limit)
export const CFG_REL_PEAK: usize = 12;   // f32 maximum P_second/P_peak within a group
export const CFG_TONE_TOTAL: usize = 16; // f32 minimum (P_row+P_col)/P_total
export const CFG_FREQ_TOL: usize = 20;   // f32 maximum |frequency error| as a fraction of nominal
export const CFG_MIN_CONFIRM: usize = 24;// i32 tone length that confirms a key, samples
export const CFG_GAP_MAX: usize = 28;    // i32 silence after which a key press ends, samples
export const CFG_KEY_MASK: usize = 32;   // i32 bit k set: key k may be reported
export const CFG_PRESS_PURITY: usize = 36; // f32 minimum (P_row+P_col)/P_total over the tone's full hops
export const CONFIG_BYTES: usize = 48;
export const SLOT_BYTES: usize = 512;

const SLOTS_PER_SLAB: i32 = 64;
const MAX_SLABS: i32 = 1024;
export const MAX_CHANNELS: i32 = SLOTS_PER_SLAB * MAX_SLABS; // 65,536
const GEN_MASK: i32 = 0x7fff;

let slabs: usize = 0;       // MAX_SLABS addresses
let slotCount: i32 = 0;     // slots made so far
let freeList: usize = 0;    // MAX_CHANNELS i32 slot indices
let freeCount: i32 = 0;
let openCount: i32 = 0;

export function initChannels(): void {
  slabs = heap.alloc(<usize>MAX_SLABS << 2);
  freeList = heap.alloc(<usize>MAX_CHANNELS << 2);
}

function slotAddress(slot: i32): usize {
  return load<usize>(slabs + (<usize>(slot / SLOTS_PER_SLAB) << 2)) +
    <usize>(slot % SLOTS_PER_SLAB) * SLOT_BYTES;
}

/** A fresh slot's address and handle; 0 handle when MAX_CHANNELS are open. */
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
  const gen = ((load<i32>(ch, CH_GEN) + 1) & GEN_MASK) | 1;
  memory.fill(ch, 0, SLOT_BYTES);
  store<i32>(ch, gen, CH_GEN);
  store<i32>(ch, 1, CH_OPEN);
  openCount++;
  return (gen << 16) | slot;
}

/** The record of an open channel, or 0 for a handle that is not (or no longer) open. */
export function channelAddress(handle: i32): usize {
  if (handle <= 0) return 0;
  const slot = handle & 0xffff;
  if (slot >= slotCount) return 0;
  const ch = slotAddress(slot);
  if (load<i32>(ch, CH_OPEN) != 1 || load<i32>(ch, CH_GEN) != (handle >>> 16)) return 0;
  return ch;
}

export function releaseSlot(handle: i32): bool {
  const ch = channelAddress(handle);
  if (ch == 0) return false;
  store<i32>(ch, 0, CH_OPEN);
  store<i32>(freeList + (<usize>freeCount << 2), handle & 0xffff);
  freeCount++;
  openCount--;
  return true;
}

export function openChannels(): i32 { return openCount; }
export function slotsMade(): i32 { return slotCount; }
