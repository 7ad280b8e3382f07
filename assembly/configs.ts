// The configuration table: each distinct tuning block (config.ts) that open channels use, held
// once however many channels share it. A media server opens thousands of channels with one
// tuning; a block in every record cost each of them CONFIG_BYTES (41) of the 512 a record may
// take (channels.ts), bytes the per-press measures need. A channel record keeps the address of
// its block (channels.ts CH_CONFIG_AT); the hot path reads the block through it (configOf).
//
// Entries live in slabs that are never freed or moved, so an address stays valid while any
// channel uses it. Each entry is the block, a count of the channels using it, and its links: a
// hash of the block picks one of BUCKETS chains, so open() and configure() find an equal block
// in O(1) however many distinct tunings are in use (a linear search made 20,000 channels of
// distinct tunings take 3 s to open: `node bench/config-table.mjs`). An entry whose count falls
// to 0 leaves its chain for a free list and is reused. The table holds at most one entry per
// open channel (configure() rewrites a block only its channel uses in place), so
// MAX_CONFIG_SLABS × ENTRIES_PER_SLAB = MAX_CHANNELS entries always suffice.
import { CONFIG_BYTES } from "./config";

/** One entry: the block, then its user count, chain link, hash and own index (u32 each). */
const ENTRY_BYTES: usize = 64;
const USERS: usize = 44;
const NEXT: usize = 48;  // index + 1 of the next entry in its chain or the free list; 0: none
const HASH: usize = 52;
const INDEX: usize = 56;
const ENTRIES_PER_SLAB: i32 = 64;
/** Slabs for one entry per channel: channels.ts MAX_CHANNELS / ENTRIES_PER_SLAB. */
const MAX_CONFIG_SLABS: i32 = 1024;
/** Hash chains (a power of two). */
const BUCKETS: u32 = 4096;
const FNV_OFFSET: u32 = 2166136261;
const FNV_PRIME: u32 = 16777619;

let slabs: usize = 0;    // MAX_CONFIG_SLABS addresses
let buckets: usize = 0;  // BUCKETS u32: index + 1 of each chain's first entry
let entries: i32 = 0;    // entries made so far
let freeHead: u32 = 0;   // index + 1 of the first free entry

export function initConfigs(): void {
  assert(CONFIG_BYTES <= USERS, "configs.ts: the configuration block overlaps its entry's fields");
  slabs = heap.alloc(<usize>MAX_CONFIG_SLABS << 2);
  buckets = heap.alloc(<usize>BUCKETS << 2);
  memory.fill(buckets, 0, <usize>BUCKETS << 2);
}

function entryAddress(i: i32): usize {
  return load<usize>(slabs + (<usize>(i / ENTRIES_PER_SLAB) << 2)) + <usize>(i % ENTRIES_PER_SLAB) * ENTRY_BYTES;
}

/** FNV-1a over the block at `src`, a byte at a time. */
function hashBlock(src: usize): u32 {
  let h = FNV_OFFSET;
  for (let at = src, end = src + CONFIG_BYTES; at < end; at++) h = (h ^ <u32>load<u8>(at)) * FNV_PRIME;
  return h;
}

/** True if the blocks at `a` and `b` hold the same bytes. */
function sameBlock(a: usize, b: usize): bool {
  for (let at: usize = 0; at < CONFIG_BYTES; at++) if (load<u8>(a + at) != load<u8>(b + at)) return false;
  return true;
}

@inline function bucketOf(h: u32): usize {
  return buckets + (<usize>(h & (BUCKETS - 1)) << 2);
}

/** Takes entry `e` out of its chain. */
function unlink(e: usize): void {
  const self = load<u32>(e, INDEX) + 1;
  let link = bucketOf(load<u32>(e, HASH)); // the u32 that points at the next entry to look at
  while (load<u32>(link) != self) link = entryAddress(<i32>load<u32>(link) - 1) + NEXT;
  store<u32>(link, load<u32>(e, NEXT));
}

/**
 * The entry for the block at `src` with one more user: an entry holding the same bytes, else
 * `replacing` itself rewritten when its channel is its only user (configure()), else a free or
 * new entry. `replacing` is 0 (open()) or the entry the channel leaves, which loses that user.
 */
export function acquireConfig(src: usize, replacing: usize): usize {
  const h = hashBlock(src);
  const bucket = bucketOf(h);
  for (let i = load<u32>(bucket); i != 0; ) {
    const e = entryAddress(<i32>i - 1);
    if (load<u32>(e, HASH) == h && sameBlock(e, src)) {
      if (e != replacing) {
        store<u32>(e, load<u32>(e, USERS) + 1, USERS);
        if (replacing != 0) releaseConfig(replacing);
      }
      return e;
    }
    i = load<u32>(e, NEXT);
  }
  let e: usize;
  if (replacing != 0 && load<u32>(replacing, USERS) == 1) {
    unlink(replacing);
    e = replacing;
  } else {
    if (replacing != 0) releaseConfig(replacing);
    if (freeHead != 0) {
      e = entryAddress(<i32>freeHead - 1);
      freeHead = load<u32>(e, NEXT);
    } else {
      // At most one entry per open channel is in use, and this channel's old one was released
      // or is shared: a table of MAX_CHANNELS entries never fills.
      if (entries % ENTRIES_PER_SLAB == 0) {
        store<usize>(slabs + (<usize>(entries / ENTRIES_PER_SLAB) << 2), heap.alloc(<usize>ENTRIES_PER_SLAB * ENTRY_BYTES));
      }
      e = entryAddress(entries);
      store<u32>(e, <u32>entries, INDEX);
      entries++;
    }
  }
  memory.copy(e, src, CONFIG_BYTES);
  store<u32>(e, 1, USERS);
  store<u32>(e, h, HASH);
  store<u32>(e, load<u32>(bucket), NEXT);
  store<u32>(bucket, load<u32>(e, INDEX) + 1);
  return e;
}

/** One user fewer for the entry at `e` (a channel closing or moving to another block). */
export function releaseConfig(e: usize): void {
  const users = load<u32>(e, USERS) - 1;
  store<u32>(e, users, USERS);
  if (users != 0) return;
  unlink(e);
  store<u32>(e, freeHead, NEXT);
  freeHead = load<u32>(e, INDEX) + 1;
}

/** Entries in use (the distinct blocks of the open channels), for the tests. */
export function configsInUse(): i32 {
  let n = 0;
  for (let i = 0; i < entries; i++) if (load<u32>(entryAddress(i), USERS) != 0) n++;
  return n;
}
