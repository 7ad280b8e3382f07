// The per-channel configuration block: the detector's tuning in the units the tests use
// (linear power ratios, samples). The host writes it at configAddress() (index.ts) before
// open()/configure(), which copy it into the channel record; src/options.ts writes it at the
// offsets the core exports (CFG_*), read once at instantiation (src/wasm.ts).

/** The fields, declared once: AssemblyScript derives each offset and the block's size. */
@unmanaged class Config {
  minPower: f32;     // minimum power of each tone, linear (full-scale² units)
  twistLo: f32;      // minimum P_col/P_row (normal twist limit)
  twistHi: f32;      // maximum P_col/P_row (reverse twist limit)
  relPeak: f32;      // maximum P_second/P_peak within a group
  toneTotal: f32;    // minimum (P_row+P_col)/P_total over the window
  freqTol: f32;      // maximum |frequency error| as a fraction of nominal
  minConfirm: i32;   // tone length that confirms a key, samples
  gapMax: i32;       // silence after which a key press ends, samples
  keyMask: i32;      // bit k set: key k may be reported
  pressPurity: f32;  // minimum (P_row+P_col)/P_total over the tone's full hops
  dialToneFilter: u8; // 1: the dial-tone filter runs before the filter bank (dialtone.ts)
}

export const CFG_MIN_POWER: usize = offsetof<Config>("minPower");
export const CFG_TWIST_LO: usize = offsetof<Config>("twistLo");
export const CFG_TWIST_HI: usize = offsetof<Config>("twistHi");
export const CFG_REL_PEAK: usize = offsetof<Config>("relPeak");
export const CFG_TONE_TOTAL: usize = offsetof<Config>("toneTotal");
export const CFG_FREQ_TOL: usize = offsetof<Config>("freqTol");
export const CFG_MIN_CONFIRM: usize = offsetof<Config>("minConfirm");
export const CFG_GAP_MAX: usize = offsetof<Config>("gapMax");
export const CFG_KEY_MASK: usize = offsetof<Config>("keyMask");
export const CFG_PRESS_PURITY: usize = offsetof<Config>("pressPurity");
export const CFG_DIAL_TONE_FILTER: usize = offsetof<Config>("dialToneFilter");
export const CONFIG_BYTES: usize = offsetof<Config>();
