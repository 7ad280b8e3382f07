// The event records one process/flush call hands back: a fixed array of f64 records in linear
// memory that the host reads through one long-lived Float64Array view, then discards.

export const EVENT_KEYDOWN: f64 = 1; // a key press confirmed (tone still on)
export const EVENT_KEYUP: f64 = 2;   // a key press ended: start and duration are final

// Record fields, in f64 units.
export const EV_TYPE: i32 = 0;
export const EV_KEY: i32 = 1;            // 0-15: row × 4 + column
export const EV_START: i32 = 2;          // refined tone onset, samples from stream start
export const EV_DURATION: i32 = 3;       // samples (keydown: the part heard so far)
export const EV_DECIDED: i32 = 4;        // stream position at which the event was decided
export const EV_LOW_DBM0: i32 = 5;       // row tone level, dBm0
export const EV_HIGH_DBM0: i32 = 6;      // column tone level, dBm0
export const EV_LOW_ERR_HZ: i32 = 7;     // measured row frequency − nominal, Hz
export const EV_HIGH_ERR_HZ: i32 = 8;    // measured column frequency − nominal, Hz
export const EVENT_FIELDS: i32 = 9;
/** Records one call can hold: two per hop of the largest input at the shortest hop, with room. */
export const EVENT_CAPACITY: i32 = 1024;

let events: usize = 0;
let count: i32 = 0;

export function initEvents(): void {
  events = heap.alloc(<usize>(EVENT_CAPACITY * EVENT_FIELDS) << 3);
}

export function eventsAddress(): usize { return events; }
export function eventCount(): i32 { return count; }
export function clearEvents(): void { count = 0; }

export function emit(type: f64, key: i32, start: f64, duration: f64, decided: f64,
  lowDbm0: f64, highDbm0: f64, lowErrHz: f64, highErrHz: f64): void {
  if (count == EVENT_CAPACITY) return; // cannot happen for inputs within the ABI's limits
  const r = events + (<usize>(count * EVENT_FIELDS) << 3);
  store<f64>(r, type, EV_TYPE << 3);
  store<f64>(r, <f64>key, EV_KEY << 3);
  store<f64>(r, start, EV_START << 3);
  store<f64>(r, duration, EV_DURATION << 3);
  store<f64>(r, decided, EV_DECIDED << 3);
  store<f64>(r, lowDbm0, EV_LOW_DBM0 << 3);
  store<f64>(r, highDbm0, EV_HIGH_DBM0 << 3);
  store<f64>(r, lowErrHz, EV_LOW_ERR_HZ << 3);
  store<f64>(r, highErrHz, EV_HIGH_ERR_HZ << 3);
  count++;
}
