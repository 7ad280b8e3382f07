// The debug build (`npm run build:wasm`, build/dtmf.debug.wasm): the release ABI plus probes
// for the tests (test/g711.test.ts, test/engine.test.ts). Nothing here is in the release core.
import { allocateSlot, channelAddress, releaseSlot } from "./channels";
import { configsInUse } from "./configs";
import { Y_RE, endBankHop, runBank, runBankOne } from "./filterbank";
import { alawCodeToLinear, ulawCodeToLinear } from "./g711";
import { INPUT_BYTES, inputAddress } from "./index";
import { decodeInput } from "./input";
import { R_HOP, acquireRate, releaseRate } from "./rates";

export * from "./index";

/** The linear value (16-bit scale) of one μ-law code, from the core's own expansion. */
export function ulawToLinear(code: i32): i32 { return ulawCodeToLinear(code); }
/** The linear value (16-bit scale) of one A-law code. */
export function alawToLinear(code: i32): i32 { return alawCodeToLinear(code); }

/**
 * Aborts with a message when `code` is not 0: lets the host's tests prove that an abort inside
 * the core surfaces as a typed error naming its cause.
 */
export function selfCheck(code: i32): i32 {
  assert(code == 0, "selfCheck: the host asked for an abort");
  return 0;
}

const probeSamples = heap.alloc(<usize>INPUT_BYTES + 8);

/**
 * Runs `hops` hops of f32 samples written at inputAddress() through a fresh channel's filter
 * bank at `rate` and returns the address of the last hop's results: Y re (8 f32: rows then
 * columns), Y im (8 f32), then the window's power per bin (8 f32). For the accuracy test
 * against a float64 DFT (test/filterbank.test.ts).
 */
export function bankProbe(rate: i32, hops: i32): usize {
  const rec = acquireRate(rate);
  const handle = allocateSlot();
  const ch = channelAddress(handle);
  const hop = load<i32>(rec, R_HOP);
  // The samples go to a copy with room before it: the filter bank writes the two samples before
  // a call's first below it (filterbank.ts runBank).
  memory.copy(probeSamples + 8, inputAddress(), <usize>INPUT_BYTES);
  for (let h = 0; h < hops; h++) {
    const src = probeSamples + 8 + (<usize>(h * hop) << 2);
    runBank(ch, rec, src, hop & ~1);
    if (hop & 1) runBankOne(ch, rec, load<f32>(src + (<usize>(hop - 1) << 2)));
    endBankHop(ch, rec);
  }
  releaseSlot(handle);
  releaseRate(rec);
  return Y_RE;
}

const decoded = heap.alloc(<usize>INPUT_BYTES << 2);

/**
 * Decodes `n` samples of `encoding` written at inputAddress() as process() would, and returns
 * the address of the f32 result (test/errors.test.ts: NaN, clipping, denormals).
 */
export function decodeProbe(encoding: i32, n: i32): usize {
  decodeInput(encoding, inputAddress(), decoded, n);
  return decoded;
}

/** Distinct configuration blocks the open channels use (configs.ts; test/engine.test.ts). */
export function configBlocks(): i32 { return configsInUse(); }
