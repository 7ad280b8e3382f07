/**
 * Proof that the differential suite (test/differential.ts) guards every rule constant: each
 * constant of assembly/rules.ts is changed on one side only, the reference's (through its
 * `rules` probe) and then the core's (a variant core compiled from a copy of assembly/ with the
 * constant changed), and the suite must report disagreements both times. A constant the suite
 * cannot see drift would fail here.
 *
 *   npm run perturb-rules      (compiles one variant core per constant: about a minute)
 *
 * Not part of `npm test` (the variant builds take time); .ci/run runs it.
 */
import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as RULES from "../assembly/rules.js";
import { DtmfEngine } from "../src/engine.js";
import { type DifferentialCase, differential, differentialCases } from "./differential.js";
import { testEngine } from "./helpers.js";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * The changed value of each constant: a drift of the size a careless edit makes (a rounded
 * figure, a neighbouring integer). The guards (REF_FLOOR, POWER_FLOOR, OFFSET_LOSS_FLOOR) only
 * act on degenerate values, so theirs are moved to where the suite's signals reach them.
 */
const PERTURBED: Record<keyof typeof RULES, number> = {
  HOP_MS: 6.5,
  LEAK_OFFSET: 0.03,
  LEAK_OFFSET_STEP: 0.015, // a grid that no longer reaches +2 %
  LEAK_SHARE: 0.3,
  BACKGROUND_OWN_SHARE: 0.9, // key 1 beside a steady note: its own bins no longer clear of their background
  BACKGROUND_SHARE: 0.9, // the note's bin no longer counted as its background
  MAG_HOPS: 4,
  COVER_MIN: 0.3,
  COVER_FULL: 0.7,
  REF_SHARE: 0.5,
  REF_FLOOR: 3,
  REF_RESET_HOPS: 3,
  TWIST_SPAN: 31.6, // 15 dB
  STALE_COVER: 0.5,
  STALE_RISE: 1.5,
  STALE_REPEAT_HOPS: 4, // the guard shorter than the gap a press needs to end and come back
  STALE_WINDOW_HOPS: 4,
  STALE_PURE_PURITY: 0.9,
  STALE_PURE_FULL_HOPS: 4,
  STALE_PURE_STEADINESS: 0.98,
  STALE_IMPURE_FREQ_TOL: 0.006,
  STALE_IMPURE_COHERENCE: 0.98,
  MIN_WINDOW_PAIRS: 5,
  LATE_PRESS_PURITY: 0.7,
  TWISTED_PRESS_PURITY: 0.75,
  TWISTED_CONFIRM_HITS: 3,
  MIN_PHASE_PAIRS: 3,
  OFFSET_LOSS_FLOOR: 0.995,
  POWER_FLOOR: 1e-3,
  NOTCH_LOW_HZ: 330.0,
  NOTCH_HIGH_HZ: 460.0,
  NOTCH_Q: 2.0,
  DIAL_BIN_SHARE: 0.02,
  DIAL_WATCH_HOPS: 5,
  DIAL_TRIAL_HOPS: 1,
  DIAL_REMOVED_SHARE: 0.95,
  DIAL_OFF_HOPS: 1,
  DIAL_RETRY_HOPS: 8,
  HOLD_PURITY: 0.5,
  HOLD_REL_PEAK: 0.25,
  CONT_MIN_COS: 0.99, // a 0.14 rad turn: the column 5 Hz off after the onset no longer goes on
  CONT_MAG_SHARE: 0.8, // the column 4 dB down after the onset no longer goes on
  CONT_MEASURE_COS: 0.99, // the key under a 2200 Hz tone from 20 ms: its hops measured later (a key at 102.0 ms, not 89.3)
  PURE_COHERENCE: 0.97,
  OFF_FREQ_TOL: 0.015,
  OFF_FREQ_HOPS: 3,
  OFF_FREQ_STEADINESS: 0.9,
  BUSY_MIN_FULL_HOPS: 6,
  BUSY_MEASURED_HOPS: 4, // the rule before: every one of the full hops measured
  BUSY_PRESS_PURITY: 0.45,
  BUSY_FREQ_TOL: 0.012,
  BUSY_COHERENCE: 0.95,
  BUSY_STEADINESS: 0.95,
  BUSY_NOISE_LOSS: 0,
  BUSY_STEADY_NOISE_LOSS: 1.5,
  MASKED_NOISE_RATIO: 1.0,
  TONE_GROUP_RATIO: 8.0,
  TONE_WATCH_HOPS: 5,
  TONE_COHERENCE: 0.999,
  TONE_OFF_GRID: 0.05,
  TONE_NOTCH_Q: 10.0,
  TONE_OFF_HOPS: 1,
};

let work: string;
let cases: DifferentialCase[];

/** Compiles assembly/ with `name` set to `value` in rules.ts; the module's bytes. */
async function variantCore(name: string, value: number): Promise<Uint8Array> {
  const dir = join(work, name);
  await cp(join(ROOT, "assembly"), join(dir, "assembly"), { recursive: true });
  await cp(join(ROOT, "src/conventions.ts"), join(dir, "src/conventions.ts"));
  const rules = join(dir, "assembly/rules.ts");
  const source = await readFile(rules, "utf8");
  const pattern = new RegExp(`^export const ${name} = [^;]+;`, "m");
  expect(source).toMatch(pattern);
  // A decimal point keeps AssemblyScript's type of a float constant (f64) for integral values.
  const literal = Number.isInteger(value) && !Number.isInteger(RULES[name as keyof typeof RULES]) ? value.toFixed(1) : String(value);
  await writeFile(rules, source.replace(pattern, `export const ${name} = ${literal};`));
  const out = join(dir, "core.wasm");
  await run(process.execPath, [join(ROOT, "node_modules/assemblyscript/bin/asc.js"), join(dir, "assembly/index.ts"),
    "--config", join(ROOT, "asconfig.json"), "--target", "release", "--outFile", out, "--textFile", join(dir, "core.wat")], { cwd: ROOT });
  return readFile(out);
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "dtmf-perturb-"));
  cases = await differentialCases();
});
afterAll(async () => { await rm(work, { recursive: true, force: true }); });

describe("the differential suite fails when a rule constant drifts on one side", () => {
  it("agrees with itself unperturbed (the baseline)", async () => {
    expect(differential(await testEngine(), cases)).toEqual([]);
  });
  it("covers every constant of assembly/rules.ts", () => {
    expect(Object.keys(PERTURBED).sort()).toEqual(Object.keys(RULES).sort());
  });
  for (const [name, value] of Object.entries(PERTURBED)) {
    const original = RULES[name as keyof typeof RULES];
    it(`${name} ${original} → ${value} in the reference only`, async () => {
      const problems = differential(await testEngine(), cases, { [name]: value });
      console.log(`${name} → ${value}, reference side: ${problems.length} disagreements; first: ${problems[0]}`);
      expect(problems.length).toBeGreaterThan(0);
    });
    it(`${name} ${original} → ${value} in the core only`, async () => {
      const engine = await DtmfEngine.create({ wasm: await variantCore(name, value) });
      const problems = differential(engine, cases);
      console.log(`${name} → ${value}, core side: ${problems.length} disagreements; first: ${problems[0]}`);
      expect(problems.length).toBeGreaterThan(0);
    });
  }
  it("a channel record over its 512-byte budget stops the core at start-up, naming the check", async () => {
    const bytes = await variantCore("MAG_HOPS", 8); // the history ring grows by 48 bytes
    await expect(DtmfEngine.create({ wasm: bytes })).rejects.toThrow(/channel record is longer than 512 bytes/);
  });
});
