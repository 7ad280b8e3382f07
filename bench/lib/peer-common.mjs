/**
 * What the peer wrappers in bench/peers/ share: the input check of their detect() and
 * throughput(), loading an npm package with the available()/version() the interface asks for
 * (bench/peers/README.md), and the warm-up and timed passes of a JavaScript peer's throughput().
 */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** Throws unless `samples` is 8 kHz 16-bit PCM as an Int16Array and `frameSize` a positive integer. */
export function checkPeerInput(peerName, samples, frameSize) {
  if (!(samples instanceof Int16Array)) throw new TypeError(`${peerName}: samples must be an Int16Array of 8 kHz PCM`);
  if (!Number.isInteger(frameSize) || frameSize < 1) throw new RangeError(`${peerName}: frameSize must be a positive integer`);
}

/** load(), available() and version() of the npm package `pkg`. */
export function npmPackage(pkg) {
  const load = () => require(pkg);
  return {
    load,
    async available() {
      try {
        load();
        return { ok: true };
      } catch (error) {
        return { ok: false, reason: `npm package ${pkg} is not installed (npm install): ${error.message.split("\n")[0]}` };
      }
    },
    async version() {
      return require(`${pkg}/package.json`).version;
    },
  };
}

/** throughput() warms up for at least one pass and at least this long (JIT tier-up). */
const WARMUP_MS = 200;

/**
 * throughput()'s result for a JavaScript peer: untimed passes first (at least one, and at least
 * WARMUP_MS of work) so that the timed ones do not include JIT compilation, then `repeat` timed
 * passes. `pass()` runs the detector once over `samples` and returns { cpu, wall, reports }
 * (nanoseconds of process CPU and wall time around the detector calls, keys reported);
 * `timed` says which calls, for the result's clock description.
 */
export async function timePasses(pass, samples, repeat, timed) {
  let warmup = 0;
  for (const start = Date.now(); warmup < 1 || (Date.now() - start < WARMUP_MS && warmup < 100); warmup++) await pass();
  const runs = [];
  for (let r = 0; r < repeat; r++) runs.push(await pass());
  return {
    samples: samples.length * repeat,
    nanoseconds: runs.reduce((sum, run) => sum + run.cpu, 0),
    clock: `process CPU time (process.cpuUsage, user + system) around ${timed} (synchronous, on the main thread); Node 20 has no per-thread CPU clock, so V8 helper threads (GC, compiler) count too`,
    wallNanoseconds: runs.reduce((sum, run) => sum + run.wall, 0),
    runNanoseconds: runs.map((run) => run.cpu),
    runWallNanoseconds: runs.map((run) => run.wall),
    warmup,
    reports: runs.reduce((sum, run) => sum + run.reports, 0),
  };
}
