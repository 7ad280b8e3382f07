// One channel's samples through the data path, hop by hop: the filter bank runs over the
// samples, and at each hop's end the filter bank ends the hop (filterbank.ts), the window
// tests judge the window (window.ts), the tone measurement corrects the tracked pair
// (tones.ts), and the press state machine moves (press.ts), which emits events (events.ts).
import { CH_HAS_PENDING, CH_HOP_POS, CH_HOP_START, CH_HOPS, CH_PENDING } from "./channels";
import { dialToneFiltering, dialToneHop, filterDialTone } from "./dialtone";
import { endBankHop, runBank, runBankOne } from "./filterbank";
import { advanceHop } from "./history";
import { track, trackedKey, tracking } from "./press";
import { R_HOP } from "./rates";
import { clearPair, correctPair, shiftPair } from "./tones";
import { HELD, TWISTED, classify, held } from "./window";

/**
 * Called when the current hop is complete: filter bank, window tests, tones, state machine.
 * Inlined into feed as the optimizer did by itself until the tone filter made it larger: called,
 * it cost ≈ 5 % of the core's time (`node bench/ab-cores.mjs`).
 */
@inline function endHop(ch: usize, rate: usize): void {
  const total = endBankHop(ch, rate);
  const hops = load<i32>(ch, CH_HOPS);
  let hit = classify(ch, rate, total);
  // T is needed only while a key is tracked or about to be (its first phase pair uses the
  // previous hop's T); in speech, music and silence the correction is skipped.
  const tracked = tracking(ch);
  if (hit < 0 && tracked && held(ch, rate, total)) hit = HELD + trackedKey(ch);
  if (tracked || hit >= 0) correctPair(rate, tracked ? trackedKey(ch) : hit & (TWISTED - 1));
  else clearPair();
  if (!tracked) dialToneHop(ch, rate, total, hit >= 0); // dial-tone and tone filter engagement (dialtone.ts)
  const hopStart = load<f64>(ch, CH_HOP_START);
  // An idle channel's window without a key (nearly every hop) leaves the state machine as it
  // is: the call is skipped (ab-cores 1.006 and 1.016 in both orders).
  if (tracked || hit != -1) track(ch, rate, hit, hops, hopStart);
  shiftPair(ch);
  advanceHop(ch, hops);
  store<f64>(ch, hopStart + <f64>load<i32>(rate, R_HOP), CH_HOP_START);
  store<u16>(ch, 0, CH_HOP_POS);
}

/**
 * Runs `samples` f32 samples at `src` through channel `ch` (rate record `rate`). `src − 12`
 * must be writable: a sample left over at the end of the previous call (the filter bank takes
 * samples in pairs aligned to the hop start) was held back and goes first now, at src − 4, and
 * the filter bank writes the two samples before that below it (runBank).
 */
export function feed(ch: usize, rate: usize, src: usize, samples: i32): void {
  const pending = <i32>load<u8>(ch, CH_HAS_PENDING);
  store<f32>(src - 4, load<f32>(ch, CH_PENDING));
  const first = src - (<usize>pending << 2);
  const total = samples + pending;
  const hop = load<i32>(rate, R_HOP);
  let done = 0;
  while (done < total) {
    const pos = <i32>load<u16>(ch, CH_HOP_POS);
    const take = min(hop - pos, total - done);
    const pairs = take & ~1;
    // The dial-tone filter over this hop's new samples (a held-back one went through it already).
    if (dialToneFiltering(ch)) {
      const skip = done == 0 ? pending : 0;
      filterDialTone(ch, rate, first + (<usize>(done + skip) << 2), take - skip, tracking(ch), pos == 0 && skip == 0);
    }
    runBank(ch, rate, first + (<usize>done << 2), pairs);
    if (pos + take == hop) {
      if (take != pairs) runBankOne(ch, rate, load<f32>(first + (<usize>(done + pairs) << 2)));
      endHop(ch, rate);
    } else {
      store<u16>(ch, <u16>(pos + pairs), CH_HOP_POS);
    }
    done += pairs;
    if (pos + take == hop) done += take - pairs;
    else if (take != pairs) { // hold back the unpaired last sample
      store<f32>(ch, load<f32>(first + (<usize>done << 2)), CH_PENDING);
      store<u8>(ch, 1, CH_HAS_PENDING);
      return;
    }
  }
  store<u8>(ch, 0, CH_HAS_PENDING);
}
