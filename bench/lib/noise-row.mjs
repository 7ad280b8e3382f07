/**
 * The interference part's white-noise row in small (bench/parts/interference.mjs settings, 8
 * seeds of the 16 keys: 60 ms keys at −8 … −24 dBm0, twist −4 … +2 dB), scored by dtmf events:
 * a key is found by an event of its digit starting within 20 ms of it. Shared by
 * test/busy-line.test.ts and bench/noise-row.mjs.
 */
import { generateDtmf } from "../../dist/index.js";

/** Keys found, sent and wrong at `snrDb`; `presses(samples)` returns the dtmf events of 8 kHz float samples. */
export function noiseRow(snrDb, presses) {
  let found = 0, sent = 0, wrong = 0;
  for (let seed = 1; seed <= 8; seed++) {
    const audio = generateDtmf({ keys: "0123456789*#ABCD", toneMs: 60, gapMs: 80, leadMs: 50 + seed * 1.37, seed: 300 + seed, snrDb, levelDbm0: -8 - (seed % 5) * 4, twistDb: (seed % 7) - 4 });
    const got = presses(audio.samples);
    const used = new Set();
    for (const t of audio.tones) {
      sent++;
      const i = got.findIndex((p, j) => !used.has(j) && p.digit === t.digit && Math.abs(p.startMs - t.startMs) < 20);
      if (i >= 0) { used.add(i); found++; }
    }
    wrong += got.length - used.size;
  }
  return { found, sent, wrong };
}
