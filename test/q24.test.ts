/**
 * The ITU-T Q.24 / Bellcore receiver requirements, swept along each axis with every key and
 * several random start phases (seeds). Each case is named by its parameters.
 */
import { describe, expect, it } from "vitest";
import { ALL, detect } from "./helpers.js";

const SEEDS = [1, 2, 3];
const base = { keys: ALL, toneMs: 60, gapMs: 60 };

describe("frequency tolerance", () => {
  for (const group of ["lowErrorPct", "highErrorPct"] as const) {
    for (const pct of [-1.5, -1, 1, 1.5]) {
      it(`accepts every key with ${group} = ${pct} %`, async () => {
        for (const seed of SEEDS) expect((await detect({ ...base, seed, [group]: pct })).digits).toBe(ALL);
      });
    }
    for (const pct of [-6, -4.5, -3.5, 3.5, 4.5, 6]) {
      it(`rejects every key with ${group} = ${pct} %`, async () => {
        for (const seed of SEEDS) expect((await detect({ ...base, seed, [group]: pct })).digits).toBe("");
      });
    }
  }
  it("accepts both tones off by 1.5 % in opposite directions, at a low level with twist", async () => {
    for (const seed of SEEDS) {
      expect((await detect({ ...base, seed, lowErrorPct: 1.5, highErrorPct: -1.5, levelDbm0: -25, twistDb: -4 })).digits).toBe(ALL);
    }
  });
  it("measures the frequency error it reports (within 2 Hz)", async () => {
    const { presses } = await detect({ keys: "1D", toneMs: 80, lowErrorPct: 1.2, highErrorPct: -0.8 });
    expect(presses[0].lowErrorHz).toBeCloseTo(697 * 0.012, 0);
    expect(Math.abs(presses[1].highErrorHz - -1633 * 0.008)).toBeLessThan(2);
  });
});

describe("twist (high group level − low group level)", () => {
  for (const twist of [-8, -6, -3, 0, 2, 4]) {
    it(`accepts twist ${twist} dB at −10 and −22 dBm0`, async () => {
      for (const levelDbm0 of [-10, -22]) {
        for (const seed of SEEDS) expect((await detect({ ...base, seed, levelDbm0, twistDb: twist })).digits).toBe(ALL);
      }
    });
  }
  it("accepts every key at −7 and −8 dB twist at 24 edge positions (the 941 Hz sidelobe beside a weak 1336 Hz tone)", async () => {
    for (const twistDb of [-7, -8]) {
      for (let seed = 1; seed <= 24; seed++) {
        expect((await detect({ ...base, seed, twistDb, leadMs: 20 + seed * 0.37 })).digits).toBe(ALL);
      }
    }
  });
  for (const twist of [-16, -12, 8, 12]) {
    it(`rejects twist ${twist} dB`, async () => {
      expect((await detect({ ...base, twistDb: twist })).digits).toBe("");
    });
  }
});

describe("level", () => {
  for (const levelDbm0 of [0, -5, -15, -25, -33, -40]) {
    it(`accepts ${levelDbm0} dBm0 per tone${levelDbm0 <= -5 ? " and reports it within 0.5 dB" : ""}`, async () => {
      for (const seed of SEEDS) {
        const { digits, presses } = await detect({ ...base, seed, levelDbm0 });
        expect(digits).toBe(ALL);
        // A pair above −3.2 dBm0 per tone peaks over full scale and is clipped: levels drop.
        if (levelDbm0 > -5) continue;
        for (const p of presses) {
          expect(Math.abs(p.lowDbm0 - levelDbm0)).toBeLessThan(0.5);
          expect(Math.abs(p.highDbm0 - levelDbm0)).toBeLessThan(0.5);
        }
      }
    });
  }
  it("rejects tones at −50 and −60 dBm0 (below the −45 dBm0 threshold)", async () => {
    expect((await detect({ ...base, levelDbm0: -50 })).digits).toBe("");
    expect((await detect({ ...base, levelDbm0: -60 })).digits).toBe("");
  });
  it("decodes 0 dBm0 and +3 dBm0 pairs clipped by 16-bit full scale", async () => {
    for (const levelDbm0 of [0, 3]) {
      for (const seed of SEEDS) expect((await detect({ ...base, seed, levelDbm0 }, {}, "pcm16")).digits).toBe(ALL);
    }
  });
  it("follows minLevelDbm0", async () => {
    expect((await detect({ ...base, levelDbm0: -30 }, { minLevelDbm0: -25 })).digits).toBe("");
    expect((await detect({ ...base, levelDbm0: -20 }, { minLevelDbm0: -25 })).digits).toBe(ALL);
  });
});

describe("timing", () => {
  for (const toneMs of [40, 45, 60, 1000]) {
    it(`accepts ${toneMs} ms tones at any edge position`, async () => {
      for (let seed = 1; seed <= 6; seed++) {
        expect((await detect({ ...base, toneMs, leadMs: 20 + seed * 1.37, seed })).digits).toBe(ALL);
      }
    });
  }
  for (const toneMs of [10, 16, 20, 23]) {
    it(`rejects ${toneMs} ms tones at any edge position`, async () => {
      for (let seed = 1; seed <= 6; seed++) {
        expect((await detect({ ...base, toneMs, leadMs: 20 + seed * 1.37, seed })).digits).toBe("");
      }
    });
  }
  for (const dropMs of [3, 6, 10]) {
    it(`bridges a ${dropMs} ms drop-out inside a tone (one key press)`, async () => {
      for (const seed of SEEDS) {
        for (const at of [20, 47.3, 100]) {
          const { presses } = await detect({ keys: [{ digit: "7", durationMs: 160, dropouts: [[at, dropMs]] }], seed });
          expect(presses.map((p) => p.digit)).toEqual(["7"]);
          expect(presses[0].durationMs).toBeGreaterThan(155);
        }
      }
    });
  }
  for (const gapMs of [40, 60, 200]) {
    it(`separates two presses of the same key by a ${gapMs} ms pause`, async () => {
      for (const seed of SEEDS) expect((await detect({ keys: "8888", toneMs: 50, gapMs, seed })).digits).toBe("8888");
    });
  }
  it("reports each key once for a long press (3 s)", async () => {
    expect((await detect({ keys: "#", toneMs: 3000 })).digits).toBe("#");
  });
});

describe("noise", () => {
  it("decodes ≥ 99 % of keys at S/N 10 dB with no false keys (20 runs × 16 keys, varied level and twist)", async () => {
    let decoded = 0;
    let total = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const { audio, presses } = await detect({
        ...base, gapMs: 80, seed, snrDb: 10, levelDbm0: -8 - (seed % 5) * 4, twistDb: (seed % 7) - 4,
      });
      total += audio.tones.length;
      for (const tone of audio.tones) {
        if (presses.some((p) => p.digit === tone.digit && Math.abs(p.startMs - tone.startMs) < 10)) decoded++;
      }
      // No false keys: every press matches a true tone.
      for (const p of presses) expect(audio.tones.some((t) => t.digit === p.digit && Math.abs(p.startMs - t.startMs) < 10)).toBe(true);
    }
    expect(decoded / total).toBeGreaterThanOrEqual(0.99);
  });
  it("reports nothing for white noise alone at −10 to −40 dBm0 (60 s)", async () => {
    for (const levelDbm0 of [-10, -25, -40]) {
      // No keys: the noise is set against the (absent) tones' nominal level by snrDb = 0.
      const { presses } = await detect({ keys: "", leadMs: 20_000, tailMs: 0, levelDbm0, snrDb: 0, seed: levelDbm0 + 100 });
      expect(presses).toEqual([]);
    }
  });
});

describe("interference", () => {
  const dialTone = [{ hz: 350, levelDbm0: -15 }, { hz: 440, levelDbm0: -15 }];
  it("decodes every key under continuous dial tone (350+440 Hz at −15 dBm0 per tone), keys at −10 dBm0", async () => {
    for (const seed of SEEDS) expect((await detect({ ...base, seed, interference: dialTone })).digits).toBe(ALL);
  });
  it("decodes every key under a 1 kHz tone at −20 dBm0, keys at −10 dBm0", async () => {
    for (const seed of SEEDS) expect((await detect({ ...base, seed, interference: [{ hz: 1000, levelDbm0: -20 }] })).digits).toBe(ALL);
  });
  it("reports nothing for dial tone, busy tone or a 1 kHz tone alone", async () => {
    for (const interference of [dialTone, [{ hz: 480, levelDbm0: -10 }, { hz: 620, levelDbm0: -10 }], [{ hz: 1000, levelDbm0: 0 }]]) {
      expect((await detect({ keys: "", leadMs: 5000, interference })).presses).toEqual([]);
    }
  });
  it("reports nothing for a single DTMF frequency alone", async () => {
    for (const hz of [697, 941, 1209, 1633]) {
      expect((await detect({ keys: "", leadMs: 2000, interference: [{ hz, levelDbm0: -10 }] })).presses).toEqual([]);
    }
  });
});

describe("codecs and sample rates", () => {
  for (const encoding of ["pcm16", "float32", "mulaw", "alaw"] as const) {
    for (const levelDbm0 of [-3, -20, -35]) {
      it(`decodes every key through ${encoding} at ${levelDbm0} dBm0`, async () => {
        for (const seed of SEEDS) expect((await detect({ ...base, seed, levelDbm0 }, {}, encoding)).digits).toBe(ALL);
      });
    }
  }
  for (const sampleRate of [8000, 11025, 16000, 22050, 32000, 44100, 48000]) {
    it(`decodes at ${sampleRate} Hz with the 8 kHz decisions (accept 1.5 %, reject 3.5 %, reject 23 ms)`, async () => {
      expect((await detect({ ...base, sampleRate, lowErrorPct: 1.5, highErrorPct: -1.5 })).digits).toBe(ALL);
      expect((await detect({ ...base, sampleRate, highErrorPct: 3.5 })).digits).toBe("");
      expect((await detect({ ...base, sampleRate, toneMs: 23 })).digits).toBe("");
    });
  }
});

describe("key selection", () => {
  it("reports only the keys in `keys`", async () => {
    expect((await detect({ ...base }, { keys: "0123456789*#" })).digits).toBe("0123456789*#");
    expect((await detect({ ...base }, { keys: "abcd" })).digits).toBe("ABCD");
  });
});
