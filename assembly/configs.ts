// The configuration table: each distinct tuning block (config.ts) that open channels use, held
// once however many channels share it. A media server opens thousands of channels with one
// tuning; a block in every record cost each of them CONFIG_BYTES (41) of the 512 a record may
// take (channels.ts), bytes the per-press measures need. A channel record keeps the address of
// its block (channels.ts CH_CONFIG_AT); the hot path reads the block through it (configOf).
//
// Entries live in slabs that are never freed or moved, so an address stays valid while any
// channel uses it. Each entry is the block and a count of the channels using it; an entry
// whose count fell to 0 is reused. Finding a block compares it with every entry in use: O(number
// of distinct tunings) per open() or configure(), which is small in practice; the table holds
// at most one entry per open channel (configure() rewrites a block only its channel uses in
// place), so MAX_CHANNELS entries always suffice.
import { CONFIG_BYTES } from "./config";

/** Bytes of one entry: the block, then the u32 user count, 16-byte aligned. */
const ENTRY_BYTES: usize = (CONFIG_BYTES + 4 + 15) & ~15;
const USERS: usize = ENTRY_BYTES - 4;
const ENTRIES_PER_SLAB: i32 = 64;
/** Slabs for one entry per channel: channels.ts MAX_CHANNELS / ENTRIES_PER_SLAB. */
const MAX_CONFIG_SLABS: i32 = 1024;

let slabs: usize = 0;   // MAX_CONFIG_SLABS addresses
let entries: i32 = 0;   // entries made so far

export function initConfigs(): void {
  slabs = heap.alloc(<usize>MAX_CONFIG_SLABS << 2);
}

function entryAddress(i: i32): usize {
  return load<usize>(slabs + (<usize>(i / ENTRIES_PER_SLAB) << 2)) + <usize>(i % ENTRIES_PER_SLAB) * ENTRY_BYTES;
}

/** True if the blocks at `a` and `b` hold the same bytes. */
function sameBlock(a: usize, b: usize): bool {
  for (let at: usize = 0; at < CONFIG_BYTES; at++) if (load<u8>(a + at) != load<u8>(b + at)) return false;
  return true;
}

/**
 * The entry for the block at `src` with one more user: an entry holding the same bytes, else
 * `replacing` itself rewritten when its channel is its only user (configure()), else a free or
 * new entry. `replacing` is 0 (open()) or the entry the channel leaves, which loses that user.
 */
export function acquireConfig(src: usize, replacing: usize): usize {
  let free: usize = 0;
  for (let i = 0; i < entries; i++) {
    const e = entryAddress(i);
    const users = load<u32>(e, USERS);
    if (users == 0) {
      if (free == 0) free = e;
    } else if (sameBlock(e, src)) {
      if (e != replacing) {
        store<u32>(e, users + 1, USERS);
        if (replacing != 0) releaseConfig(replacing);
      }
      return e;
    }
  }
  let e: usize;
  if (replacing != 0 && load<u32>(replacing, USERS) == 1) e = replacing;
  else {
    if (replacing != 0) releaseConfig(replacing);
    if (free != 0) e = free;
    else {
      // At most one entry per open channel is in use, and this channel's old one was released
      // or is shared: a table of MAX_CHANNELS entries never fills.
      if (entries % ENTRIES_PER_SLAB == 0) {
        store<usize>(slabs + (<usize>(entries / ENTRIES_PER_SLAB) << 2), heap.alloc(<usize>ENTRIES_PER_SLAB * ENTRY_BYTES));
      }
      e = entryAddress(entries++);
    }
  }
  memory.copy(e, src, CONFIG_BYTES);
  store<u32>(e, 1, USERS);
  return e;
}

/** One user fewer for the entry at `e` (a channel closing or moving to another block). */
export function releaseConfig(e: usize): void {
  store<u32>(e, load<u32>(e, USERS) - 1, USERS);
}

/** Entries in use (the distinct blocks of the open channels), for the tests. */
export function configsInUse(): i32 {
  let n = 0;
  for (let i = 0; i < entries; i++) if (load<u32>(entryAddress(i), USERS) != 0) n++;
  return n;
}
