// The debug build (`npm run build:wasm`, build/dtmf.debug.wasm): the release ABI plus probes
// for the tests (test/g711.test.ts, test/engine.test.ts). Nothing here is in the release core.
import { alawCodeToLinear, ulawCodeToLinear } from "./g711";

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
