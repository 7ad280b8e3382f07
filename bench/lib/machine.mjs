/** What ran the bench: machine, Node, package versions, the build, the date. */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";

const require = createRequire(import.meta.url);
const ROOT = new URL("../../", import.meta.url);

function packageVersion(name) {
  try { return require(`${name}/package.json`).version; } catch { return null; }
}

function git(args) {
  try { return execFileSync("git", args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim(); } catch { return null; }
}

export function machineInfo() {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model?.trim() ?? "unknown",
    cores: typeof os.availableParallelism === "function" ? os.availableParallelism() : cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

export function versions(detectors) {
  const pkg = JSON.parse(readFileSync(new URL("package.json", ROOT), "utf8"));
  let wasmSha256 = null, wasmBytes = null;
  try {
    const wasm = readFileSync(new URL("build/dtmf.wasm", ROOT));
    wasmBytes = wasm.length;
    wasmSha256 = createHash("sha256").update(wasm).digest("hex").slice(0, 16);
  } catch { /* not built */ }
  const status = git(["status", "--porcelain", "--", "assembly", "src"]);
  return {
    "dtmf-wasm": pkg.version,
    gitCommit: git(["rev-parse", "--short=12", "HEAD"]),
    sourceChangedSinceCommit: status === null ? null : status.length > 0,
    wasmBytes,
    wasmSha256,
    detectors: Object.fromEntries(detectors.map((d) => [d.id, d.available.ok ? d.version : `unavailable: ${d.available.reason}`])),
    assemblyscript: packageVersion("assemblyscript"),
    benchmark: packageVersion("benchmark"),
    vega: packageVersion("vega"),
    "vega-lite": packageVersion("vega-lite"),
  };
}
