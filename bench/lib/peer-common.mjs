/**
 * What the peer wrappers in bench/peers/ share: the input check of their detect() and
 * throughput(), and loading an npm package with the available()/version() the interface
 * asks for (bench/peers/README.md).
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
