/**
 * Bench peer: spandsp's DTMF receiver (dtmf_rx), the detector FreeSWITCH and others use.
 *
 * A small C program (spandsp/dtmf_rx_harness.c) links the system libspandsp. It is compiled
 * on first use into bench/work/spandsp-harness and recompiled whenever the .c is newer. Each
 * call writes the samples to a temporary s16le file and runs the harness on it; the harness
 * feeds dtmf_rx() frameSize samples at a time with spandsp's default parameters and a
 * realtime callback (as FreeSWITCH's mod_spandsp does) and prints the key-down / key-up
 * reports as JSON, each with the exact stream position at which spandsp made it.
 *
 * spandsp decides on 102-sample blocks and changes state only after two consecutive blocks
 * agree, so a key-down reported at the end of block k means the key's tone filled blocks
 * k-1 and k: startMs is the start of block k-1 (report position − 204 samples), and endMs is
 * likewise the start of the first of the two blocks that ended it. These are derived from
 * spandsp's own rule; spandsp itself only reports the moments of the state changes
 * (keydownMs, keyupMs).
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rename, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkPeerInput } from "../lib/peer-common.mjs";

export const name = "spandsp dtmf_rx";

const HERE = dirname(fileURLToPath(import.meta.url));
const SOURCE = join(HERE, "spandsp", "dtmf_rx_harness.c");
const WORK = join(HERE, "..", "work");
const HARNESS = join(WORK, "spandsp-harness");
const RATE = 8000;
/** spandsp's analysis block (DTMF_SAMPLES_PER_BLOCK in dtmf.c) and its two-block rule. */
const BLOCK = 102;
const CONFIRM_SAMPLES = 2 * BLOCK;
/** Untimed passes before the timed ones in throughput() (the JS peers warm their JIT the same way). */
const WARMUP = 1;
const INSTALL_HINT = "libspandsp-dev is not installed: apt-get install libspandsp-dev (plus a C compiler and pkg-config)";

function run(file, args, options = {}) {
  return new Promise((resolve, reject) => {
    execFile(file, args, { maxBuffer: 64 * 1024 * 1024, ...options }, (error, stdout, stderr) => {
      if (error) {
        error.stdout = stdout;
        error.stderr = stderr;
        reject(error);
      } else {
        resolve({ stdout, stderr });
      }
    });
  });
}

async function mtimeMs(path) {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return null;
  }
}

/** Compiler flags for libspandsp: pkg-config's when it knows the library, else plain -lspandsp. */
async function spandspFlags() {
  try {
    const { stdout } = await run("pkg-config", ["--cflags", "--libs", "spandsp"]);
    return { flags: stdout.trim().split(/\s+/).filter(Boolean), pkgConfig: true };
  } catch {
    return { flags: ["-lspandsp"], pkgConfig: false };
  }
}

async function build() {
  const source = await mtimeMs(SOURCE);
  if (source === null) return { ok: false, reason: `harness source missing: ${SOURCE}` };
  const built = await mtimeMs(HARNESS);
  if (built === null || built < source) {
    const { flags, pkgConfig } = await spandspFlags();
    const cc = process.env.CC || "cc";
    await mkdir(WORK, { recursive: true });
    const temporary = `${HARNESS}.${process.pid}.tmp`;
    try {
      await run(cc, ["-O2", "-std=c11", "-Wall", "-o", temporary, SOURCE, ...flags, "-lm"]);
      await rename(temporary, HARNESS);
    } catch (error) {
      await rm(temporary, { force: true });
      if (error.code === "ENOENT") return { ok: false, reason: `no C compiler (${cc}) found: apt-get install gcc` };
      const message = String(error.stderr || error.message);
      if (!pkgConfig || /spandsp\/[a-z_]+\.h|-lspandsp|cannot find/i.test(message)) return { ok: false, reason: INSTALL_HINT };
      return { ok: false, reason: `building the spandsp harness failed: ${message.split("\n").slice(0, 3).join(" ")}` };
    }
  }
  try {
    const { stdout } = await run(HARNESS, ["--version"]);
    return { ok: true, release: JSON.parse(stdout).release };
  } catch (error) {
    // Typically the shared library went away (libspandsp2 removed) after the harness was built.
    const message = String(error.stderr || error.message);
    if (/libspandsp/.test(message)) return { ok: false, reason: INSTALL_HINT };
    return { ok: false, reason: `the spandsp harness does not run: ${message.split("\n")[0]}` };
  }
}

let harness; // Promise<{ ok, reason?, release? }>, once per process
function ensureHarness() {
  harness ??= build();
  return harness;
}

async function requireHarness() {
  const state = await ensureHarness();
  if (!state.ok) throw new Error(`${name} is not available: ${state.reason}`);
}

export async function available() {
  const state = await ensureHarness();
  return state.ok ? { ok: true } : { ok: false, reason: state.reason };
}

export async function version() {
  try {
    const { stdout } = await run("pkg-config", ["--modversion", "spandsp"]);
    if (stdout.trim()) return stdout.trim();
  } catch {
    // fall through to the release date compiled into the harness
  }
  const state = await ensureHarness();
  return state.ok ? `release ${state.release}` : "unknown";
}

const checkInput = (samples, frameSize) => checkPeerInput(name, samples, frameSize);

/** Runs the harness on the samples (written to a temporary s16le file) and parses its JSON. */
async function runOnSamples(samples, args) {
  const dir = await mkdtemp(join(tmpdir(), "dtmf-peer-spandsp-"));
  try {
    const file = join(dir, "input.s16le");
    const bytes = new Uint8Array(samples.length * 2);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < samples.length; i++) view.setInt16(2 * i, samples[i], true);
    await writeFile(file, bytes);
    const { stdout } = await run(HARNESS, [...args, file]);
    return JSON.parse(stdout);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const ms = (sample) => (sample * 1000) / RATE;

/** filterDialtone: spandsp's dial-tone filter on (off by default, as in FreeSWITCH). */
export async function detect(samples, { frameSize = 160, filterDialtone = false } = {}) {
  checkInput(samples, frameSize);
  await requireHarness();
  const report = await runOnSamples(samples, ["--frame", String(frameSize), ...(filterDialtone ? ["--filter-dialtone"] : [])]);
  const detections = [];
  let open = null;
  for (const event of report.events) {
    // Any state change ends the key in progress: key-up (code "") or a direct change to
    // another key (spandsp allows back-to-back keys without a gap).
    if (open) {
      open.endMs = ms(event.sample - CONFIRM_SAMPLES);
      open.keyupMs = ms(event.sample);
      open = null;
    }
    if (event.code) {
      open = {
        digit: event.code,
        startMs: ms(Math.max(0, event.sample - CONFIRM_SAMPLES)),
        endMs: null,
        keydownMs: ms(event.sample),
        keyupMs: null,
        levelDbm0: event.level,
      };
      detections.push(open);
    }
  }
  return detections;
}

export async function throughput(samples, { frameSize = 160, repeat = 10 } = {}) {
  checkInput(samples, frameSize);
  if (!Number.isInteger(repeat) || repeat < 1) throw new RangeError(`${name}: repeat must be a positive integer`);
  await requireHarness();
  const report = await runOnSamples(samples, ["--frame", String(frameSize), "--repeat", String(repeat), "--warmup", String(WARMUP)]);
  return {
    samples: report.samples,
    nanoseconds: report.cpuNanoseconds,
    clock: "thread CPU time (CLOCK_THREAD_CPUTIME_ID) around the dtmf_rx() calls",
    wallNanoseconds: report.wallNanoseconds,
    runNanoseconds: report.runs.map(([cpu]) => cpu),
    runWallNanoseconds: report.runs.map(([, wall]) => wall),
    warmup: WARMUP,
  };
}
