// The dial-tone filter (off unless the channel's configuration asks for it): two notch sections
// at NOTCH_LOW_HZ and NOTCH_HIGH_HZ (rules.ts) run over the decoded f32 samples in place, before
// the filter bank, so that a dial tone above the keys neither holds the power the purity tests
// measure nor leaks into the low group's bins. Coefficients per rate (rates.ts R_NOTCH); each
// channel keeps the sections' two states (transposed direct form II: y = b0·x + z1,
// z1 ← b1·x − a1·y + z2, z2 ← b2·x − a2·y) in its record, so any split of the stream filters alike.
import { CH_NOTCH } from "./channels";
import { R_NOTCH } from "./rates";

/** Filters `n` f32 samples at `buf` in place through channel `ch`'s notch sections. */
export function filterDialTone(ch: usize, rate: usize, buf: usize, n: i32): void {
  section(ch + CH_NOTCH, rate + R_NOTCH, buf, n);
  section(ch + CH_NOTCH + 8, rate + R_NOTCH + 20, buf, n);
}

/** One biquad section: coefficients b0, b1, b2, a1, a2 at `coef`, states z1, z2 at `state`. */
function section(state: usize, coef: usize, buf: usize, n: i32): void {
  const b0 = load<f32>(coef), b1 = load<f32>(coef, 4), b2 = load<f32>(coef, 8);
  const a1 = load<f32>(coef, 12), a2 = load<f32>(coef, 16);
  let z1 = load<f32>(state), z2 = load<f32>(state, 4);
  const end = buf + (<usize>n << 2);
  for (let p = buf; p < end; p += 4) {
    const x = load<f32>(p);
    const y = b0 * x + z1;
    z1 = b1 * x - a1 * y + z2;
    z2 = b2 * x - a2 * y;
    store<f32>(p, y);
  }
  store<f32>(state, z1);
  store<f32>(state, z2, 4);
}
