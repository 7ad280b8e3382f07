#!/usr/bin/env node
/**
 * The benchmark suite: `npm run bench` (everything, < 15 min on 2 cores), `npm run bench --
 * --quick` (about a minute), `--only speed,accuracy,latency,duration,talkoff,interference,codecs`
 * (some parts).
 * See bench/README.md. Results: bench/results/<name>.json, SVG plots beside it, and (full
 * runs) the Markdown summary written into bench/README.md between the bench markers; the summary
 * is also printed on stdout, progress goes to stderr.
 */
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { loadDetectors } from "./lib/detectors.mjs";
import { machineInfo, versions } from "./lib/machine.mjs";
import { stringify } from "./lib/json.mjs";
import { writePlots } from "./lib/plots.mjs";
import { Progress } from "./lib/progress.mjs";
import { failures, markdown, writeReadme } from "./lib/report.mjs";

const PARTS = ["speed", "accuracy", "latency", "duration", "talkoff", "interference", "codecs", "redact"];
const USAGE = `usage: npm run bench -- [--quick] [--heldout] [--only ${PARTS.join(",")}] [--name NAME] [--readme | --no-readme] [--quiet]

  --quick       about a minute: fewer seeds, coarser sweeps, talk-off on the committed excerpts
  --heldout     talk-off on the held-out music (bash scripts/talkoff-corpus.sh heldout) instead of
                the corpus the thresholds were chosen on; results as heldout.json, README untouched
  --only LIST   run only these parts (comma-separated)
  --name NAME   results file bench/results/NAME.json and plots NAME-*.svg
                (default: full, quick, or only-<parts>)
  --readme      write the summary into bench/README.md (default only for a full run of every part)
  --no-readme   never touch bench/README.md
  --quiet       no progress on stderr`;

function parseArgs(argv) {
  const o = { quick: false, heldout: false, only: PARTS, name: null, readme: null, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (a.includes("=")) return a.slice(a.indexOf("=") + 1);
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === "--quick") o.quick = true;
    else if (a === "--heldout") o.heldout = true;
    else if (a === "--quiet") o.quiet = true;
    else if (a === "--readme") o.readme = true;
    else if (a === "--no-readme") o.readme = false;
    else if (a === "--help" || a === "-h") { console.log(USAGE); process.exit(0); }
    else if (a.startsWith("--only")) {
      o.only = value().split(",").map((s) => s.trim()).filter(Boolean);
      const unknown = o.only.filter((p) => !PARTS.includes(p));
      if (unknown.length || o.only.length === 0) throw new Error(`--only takes parts among ${PARTS.join(", ")}; got ${JSON.stringify(o.only.join(","))}`);
    } else if (a.startsWith("--name")) {
      o.name = value();
      if (!/^[A-Za-z0-9._-]+$/.test(o.name)) throw new Error(`--name takes letters, digits, ".", "_" and "-"; got ${JSON.stringify(o.name)}`);
    } else throw new Error(`unknown argument ${JSON.stringify(a)}\n${USAGE}`);
  }
  return o;
}

let options;
try {
  options = parseArgs(process.argv.slice(2));
} catch (error) {
  console.error(`bench: ${error.message}`);
  process.exit(2);
}
if (!existsSync(new URL("../dist/index.js", import.meta.url)) || !existsSync(new URL("../build/dtmf.wasm", import.meta.url))) {
  console.error("bench: dist/ or build/dtmf.wasm is missing: run `npm run build` first (npm install does it too)");
  process.exit(2);
}

const t0 = performance.now();
const all = PARTS.every((p) => options.only.includes(p));
const name = options.name ?? (options.heldout ? "heldout" : options.quick ? "quick" : all ? "full" : `only-${options.only.join("-")}`);
const args = process.argv.slice(2);
const command = process.env.npm_lifecycle_event === "bench" ? `npm run bench${args.length ? ` -- ${args.join(" ")}` : ""}` : `node bench/run.mjs${args.length ? ` ${args.join(" ")}` : ""}`;
const detectors = await loadDetectors();
const setup = new Progress("bench", { quiet: options.quiet });
for (const d of detectors) if (!d.available.ok) setup.note(`${d.name}: skipped (${d.available.reason})`);

const results = {
  name, command, date: new Date().toISOString(), quick: options.quick, partsRun: options.only,
  machine: machineInfo(), versions: versions(detectors),
  detectors: Object.fromEntries(detectors.map((d) => [d.id, { name: d.name, version: d.version, available: d.available }])),
  parts: {}, partSeconds: {}, detectSeconds: {},
};
const ctx = { quick: options.quick, heldout: options.heldout, detectors, detectSeconds: results.detectSeconds, progress: null };
const runners = {
  speed: async () => (await import("./parts/speed.mjs")).runSpeed(ctx),
  accuracy: async () => (await import("./parts/accuracy.mjs")).runAccuracy(ctx),
  latency: async () => (await import("./parts/timing.mjs")).runLatency(ctx),
  duration: async () => (await import("./parts/timing.mjs")).runDuration(ctx),
  talkoff: async () => (await import("./parts/talkoff.mjs")).runTalkoff(ctx),
  interference: async () => (await import("./parts/interference.mjs")).runInterference(ctx),
  codecs: async () => (await import("./parts/codecs.mjs")).runCodecs(ctx),
  redact: async () => (await import("./parts/redact.mjs")).runRedact(ctx),
};
for (const part of PARTS.filter((p) => options.only.includes(p))) {
  ctx.progress = new Progress(part, { quiet: options.quiet });
  results.parts[part] = await runners[part]();
  results.partSeconds[part] = Math.round(ctx.progress.elapsed() * 10) / 10;
  ctx.progress.done();
}
for (const [id, s] of Object.entries(results.detectSeconds)) results.detectSeconds[id] = Math.round(s * 10) / 10;
results.machine.loadAverageEnd = machineInfo().loadAverage;
results.seconds = Math.round((performance.now() - t0) / 100) / 10;

const dir = new URL("./results/", import.meta.url);
await mkdir(dir, { recursive: true });
const plots = await writePlots(results, dir, name);
results.plots = plots;
await writeFile(new URL(`${name}.json`, dir), `${stringify(results)}\n`);
const summary = markdown(results, plots);
const toReadme = options.heldout ? false : options.readme ?? (all && !options.quick && options.name === null);
// The summary's links are relative to the repository root; bench/README.md is one level down.
if (toReadme) writeReadme(new URL("./README.md", import.meta.url), summary.replaceAll("](bench/", "]("));
console.log(summary);
setup.note(`results: bench/results/${name}.json, ${plots.length} plots${toReadme ? ", bench/README.md updated" : ""}; ${results.seconds} s in all`);
const fails = failures(results);
if (fails.length) setup.note(`dtmf-wasm misses ${fails.length} requirement(s) in this run (listed in the summary)`);
