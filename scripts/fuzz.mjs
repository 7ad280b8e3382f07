#!/usr/bin/env node
/**
 * `npm run fuzz`: mutated WAVs and raw streams through the library and the CLI (the build in
 * dist/, so `npm run build` first), under a watchdog, with counts by outcome. Not part of
 * `npm test`: it runs for minutes.
 *
 *   node scripts/fuzz.mjs [--cases N] [--cli-batches N] [--raw-streams N] [--collect N] [--seed S] [--minutes M]
 *
 * - Library: N cases (default 10,000) on worker threads (one per core, at most 2): a valid WAV
 *   (16/24-bit PCM, float, μ-law, A-law, 8-192 kHz) or a raw stream, then mutated (bytes
 *   flipped, header fields set to extremes, truncated, chunks inserted or unpadded, a second
 *   fmt chunk…), read with AudioReader in random-sized pieces and run through a detector.
 *   One case in 10 is left unmutated and its keys are checked against what was generated.
 * - CLI: --cli-batches batches (default 100) of 20 mutated files each through
 *   `dtmf-wasm analyze --jobs 2` as a process, --raw-streams raw streams (default 100) piped to
 *   `dtmf-wasm analyze --raw --rate R --encoding E -`, and --collect files (default 100) through
 *   `dtmf-wasm collect`: every file must end in a result or a one-line error naming it, with
 *   exit code 0 or 1, and no batch may lose a file's report.
 *
 * Watchdog: a case that does not finish in CASE_TIMEOUT_MS ends its worker ("hang"); the
 * process RSS is sampled and the run stops above RSS_LIMIT_MB or after --minutes (default 20).
 * Outcomes that mean a bug (hang, an error other than a typed DtmfError, wrong keys, a CLI
 * crash, a lost report) make the exit code 1.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DIST = join(ROOT, "dist");
/** Deterministic per-case random numbers: the library's seeded generator (mulberry32). */
const { seededRandom: rng } = await import(join(DIST, "index.js"));
const CLI = join(DIST, "cli", "main.js");
/** A case taking longer than this is a hang (the slowest valid case takes well under 1 s). */
const CASE_TIMEOUT_MS = 20_000;
/** Process RSS above which the run stops as a failure, MB. */
const RSS_LIMIT_MB = 2048;
const KEYS = "0123456789*#ABCD";

const pick = (random, list) => list[Math.floor(random() * list.length)];
const int = (random, min, max) => min + Math.floor(random() * (max - min + 1));

/** A case: the bytes, how to read them, and the keys if they are known to be intact. */
async function makeCase(lib, index, seed) {
  const random = rng(seed * 1_000_003 + index);
  const raw = random() < 0.15;
  const rate = pick(random, [8000, 8000, 11025, 16000, 22050, 44100, 48000, 96000, 192000]);
  const encoding = pick(random, ["pcm16", "float32", "mulaw", "alaw"]);
  const keys = Array.from({ length: int(random, 1, 4) }, () => pick(random, [...KEYS])).join("");
  const audio = lib.generateDtmf({ keys, sampleRate: rate, toneMs: 70, gapMs: 70, leadMs: 50, tailMs: 80, seed: index + 1 });
  const mutate = random() >= 0.1;
  let bytes;
  let options = {};
  if (raw) {
    const rawEncoding = { pcm16: "s16le", float32: "f32le", mulaw: "mulaw", alaw: "alaw" }[encoding];
    const encoded = lib.encodeSamples(audio.samples, encoding);
    bytes = new Uint8Array(encoded.buffer, encoded.byteOffset, encoded.byteLength).slice();
    options = { raw: { sampleRate: rate, encoding: rawEncoding } };
    if (mutate) bytes = mutateBytes(random, bytes, 0, bytes.length);
  } else {
    bytes = lib.encodeWav([audio.samples], rate, encoding);
    if (mutate) bytes = mutateWav(random, bytes);
  }
  const sizes = Array.from({ length: int(random, 1, 6) }, () => int(random, 1, 70_000));
  return { bytes, options, sizes, keys: mutate ? undefined : keys, kind: raw ? "raw" : "wav", mutated: mutate };
}

const EXTREMES32 = [0, 1, 7999, 48001, 376_094, 768_001, 63_375_757, 0x7fffffff, 0xfffffffe, 0xffffffff];
const EXTREMES16 = [0, 1, 2, 3, 7, 8, 15, 16, 17, 24, 32, 33, 64, 255, 256, 257, 0xfffe, 0xffff];

/** Header-aware mutations of a RIFF file (the canonical 44-byte header wavefile writes, or 68 with extensible). */
function mutateWav(random, input) {
  let bytes = input.slice();
  const view = () => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const steps = int(random, 1, 3);
  for (let s = 0; s < steps; s++) {
    const r = random();
    if (r < 0.2) {
      const field = pick(random, [24, 28]); // sample rate, byte rate
      if (field + 4 <= bytes.length) view().setUint32(field, random() < 0.5 ? pick(random, EXTREMES32) : int(random, 0, 0xffffffff), true);
    } else if (r < 0.4) {
      const field = pick(random, [20, 22, 32, 34]); // format tag, channels, block align, bits
      if (field + 2 <= bytes.length) view().setUint16(field, random() < 0.6 ? pick(random, EXTREMES16) : int(random, 0, 0xffff), true);
    } else if (r < 0.5) {
      const field = pick(random, [4, 16, 40]); // RIFF size, fmt size, data size (plain header)
      if (field + 4 <= bytes.length) view().setUint32(field, pick(random, EXTREMES32.concat([14, 18, 40, 4096, 4097])), true);
    } else if (r < 0.62) {
      bytes = mutateBytes(random, bytes, 0, Math.min(bytes.length, 80));
    } else if (r < 0.72) {
      bytes = bytes.subarray(0, int(random, 0, Math.min(bytes.length, 200))).slice();
    } else if (r < 0.82) {
      bytes = insertChunk(random, bytes);
    } else if (r < 0.9) {
      // A second fmt chunk (same or different) before the data.
      const fmt = bytes.slice(12, 36);
      if (random() < 0.5 && fmt.length >= 16) new DataView(fmt.buffer).setUint32(12, int(random, 8000, 48000), true);
      bytes = concat(bytes.subarray(0, 36), fmt, bytes.subarray(36));
    } else {
      bytes = mutateBytes(random, bytes, 0, bytes.length);
    }
  }
  return bytes;
}

/** An extra chunk after fmt: odd-sized with or without its pad byte, huge size, or junk id. */
function insertChunk(random, bytes) {
  const size = pick(random, [0, 1, 3, 17, 255, int(random, 0, 5000), 0xfffffff0]);
  const body = Math.min(size, 6000);
  const header = new Uint8Array(8);
  const id = pick(random, ["LIST", "JUNK", "fact", "bext", "\x00\x01ab", "data"]);
  for (let i = 0; i < 4; i++) header[i] = id.charCodeAt(i);
  new DataView(header.buffer).setUint32(4, size, true);
  const pad = body & 1 && random() < 0.5 ? new Uint8Array(1) : new Uint8Array(0);
  return concat(bytes.subarray(0, 36), header, new Uint8Array(body).fill(0x41), pad, bytes.subarray(36));
}

function mutateBytes(random, input, from, to) {
  const bytes = input.slice();
  const n = int(random, 1, 16);
  for (let i = 0; i < n && to > from; i++) bytes[int(random, from, to - 1)] = random() < 0.3 ? pick(random, [0, 0xff, 0x80, 0x7f]) : int(random, 0, 255);
  return bytes;
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

async function* pieces(bytes, sizes) {
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length];
    yield bytes.slice(at, at + size);
    at += size;
  }
}

// ---- worker: library cases ------------------------------------------------------------------

async function workerMain() {
  const { AudioReader } = await import(join(DIST, "wav", "reader.js"));
  const { encodeWav } = await import(join(DIST, "wav", "write.js"));
  const lib = { ...(await import(join(DIST, "index.js"))), encodeWav };
  const { seed } = workerData;
  // The engine keeps a table of 64 sample rates (a core limit, issue 19); renew it before.
  let engine = await lib.DtmfEngine.create();
  let rates = new Set();
  parentPort.on("message", async (index) => {
    let outcome;
    let c = { kind: "?" };
    try {
      c = await makeCase(lib, index, seed);
      const reader = await AudioReader.open({ stream: pieces(c.bytes, c.sizes), name: `case-${index}` }, c.options);
      if (!rates.has(reader.sampleRate) && rates.size >= 60) { engine = await lib.DtmfEngine.create(); rates = new Set(); }
      rates.add(reader.sampleRate);
      const detectors = Array.from({ length: reader.channels }, () => engine.createDetector({ sampleRate: reader.sampleRate, encoding: reader.encoding }));
      const digits = detectors.map(() => "");
      try {
        for await (const block of reader.blocks()) {
          block.channels.forEach((chunk, ch) => {
            for (const e of detectors[ch].process(chunk)) if (e.type === "dtmf") digits[ch] += e.digit;
          });
        }
        detectors.forEach((d, ch) => { for (const e of d.flush()) if (e.type === "dtmf") digits[ch] += e.digit; });
      } finally {
        for (const d of detectors) d.close();
      }
      if (c.keys !== undefined) outcome = digits[0] === c.keys ? "intact: keys right" : "BUG intact: wrong keys";
      else outcome = `read (${reader.warnings.length ? "with warnings" : "clean"})`;
    } catch (error) {
      if (error instanceof lib.DtmfFileError) outcome = `refused: ${error.problem ?? "file"}`;
      else if (error instanceof lib.DtmfError || error?.name === "DtmfOptionError") outcome = `refused: ${error.name}`;
      else outcome = `BUG untyped ${error?.name}: ${String(error?.message).slice(0, 80)}`;
      if (outcome.startsWith("BUG") && process.env.FUZZ_DEBUG) console.error(index, error);
    }
    parentPort.postMessage({ index, kind: c.kind, outcome });
  });
  parentPort.postMessage({ ready: true });
}

// ---- main: orchestration and watchdog -------------------------------------------------------

function args() {
  const get = (name, fallback) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
  };
  return {
    cases: get("cases", 10_000), cliBatches: get("cli-batches", 100), rawStreams: get("raw-streams", 100), collect: get("collect", 100),
    seed: get("seed", 19), minutes: get("minutes", 20),
  };
}

async function runLibrary({ cases, seed }, counts, deadline, watch) {
  const threads = Math.max(1, Math.min(2, cpus().length));
  let next = 0;
  let done = 0;
  let restarts = 0;
  await new Promise((resolve) => {
    let finished = 0;
    const start = () => {
      const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { seed } });
      let current;
      let since = Date.now();
      let retired = false;
      const retire = () => {
        if (retired) return;
        retired = true;
        clearInterval(timer);
        void worker.terminate();
      };
      /** The worker is gone (hang or death): another takes over, unless that keeps happening. */
      const replace = (why) => {
        if (retired) return;
        count(counts, "library", `BUG ${why}${current === undefined ? "" : ` (case ${current})`}`);
        retire();
        if (++restarts <= 20) start();
        else if (++finished === threads) resolve();
      };
      const feed = () => {
        if (next >= cases || Date.now() > deadline || watch.stopped) { retire(); if (++finished === threads) resolve(); return; }
        current = next++;
        since = Date.now();
        worker.postMessage(current);
      };
      const timer = setInterval(() => { if (current !== undefined && Date.now() - since > CASE_TIMEOUT_MS) replace("hang"); }, 500);
      worker.on("message", (m) => {
        if (m.ready) { feed(); return; }
        count(counts, `library ${m.kind}`, m.outcome);
        current = undefined;
        if (++done % 1000 === 0) process.stderr.write(`fuzz: ${done} library cases\n`);
        feed();
      });
      worker.on("error", (e) => replace(`worker died: ${e.message}`));
      worker.on("exit", (code) => replace(`worker exited (${code})`));
    };
    for (let t = 0; t < threads; t++) start();
  });
  return done;
}

function runCli(cliArgs, cwd, input) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...cliArgs], { cwd });
    child.stdin.on("error", () => {}); // the CLI may stop reading a stream it refuses
    let stdout = "", stderr = "";
    child.stdout.on("data", (c) => { stdout += c; });
    child.stderr.on("data", (c) => { stderr += c; });
    const timer = setTimeout(() => child.kill("SIGKILL"), CASE_TIMEOUT_MS * 3);
    child.on("close", (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr }); });
    child.stdin.end(input);
  });
}

async function runCliCases({ cliBatches, collect, rawStreams, seed }, counts, deadline, watch) {
  const { generateDtmf, encodeSamples } = await import(join(DIST, "index.js"));
  const { encodeWav } = await import(join(DIST, "wav", "write.js"));
  const lib = { generateDtmf, encodeSamples, encodeWav };
  const dir = mkdtempSync(join(tmpdir(), "dtmf-fuzz-"));
  let files = 0;
  let collected = 0;
  let streamed = 0;
  try {
    for (let b = 0; b < cliBatches && Date.now() < deadline && !watch.stopped; b++) {
      const names = [];
      for (let i = 0; i < 20; i++) {
        const c = await makeCase(lib, 1_000_000 + b * 20 + i, seed);
        if (c.kind === "raw") continue; // analyze takes raw input with flags; the library part covers it
        const name = `b${b}-${i}.wav`;
        writeFileSync(join(dir, name), c.bytes);
        names.push(name);
      }
      const run = await runCli(["analyze", "-d", "--jobs", "2", ...names], dir);
      files += names.length;
      if (run.signal || ![0, 1].includes(run.code)) { count(counts, "cli analyze --jobs 2", `BUG exit ${run.code ?? run.signal}`); continue; }
      for (const name of names) {
        const reported = run.stdout.includes(`${name}\t`) || run.stderr.includes(`${name}: `);
        count(counts, "cli analyze --jobs 2", reported ? (run.stdout.includes(`${name}\t`) ? "file reported" : "file refused, named") : "BUG file report lost");
      }
      if (/allocation failed|unreachable|RangeError|TypeError|thread stopped/.test(run.stderr)) count(counts, "cli analyze --jobs 2", "BUG raw engine message");
    }
    // Raw streams through stdin: `analyze --raw --rate R --encoding E -`.
    for (let i = 0; i < rawStreams && Date.now() < deadline && !watch.stopped; i++) {
      let c;
      for (let k = 0; !c || c.kind !== "raw"; k++) c = await makeCase(lib, 3_000_000 + i * 50 + k, seed);
      const { sampleRate, encoding } = c.options.raw;
      const run = await runCli(["analyze", "-d", "--raw", "--rate", String(sampleRate), "--encoding", encoding, "-"], dir, c.bytes);
      streamed++;
      let outcome;
      if (run.signal || ![0, 1].includes(run.code)) outcome = `BUG exit ${run.code ?? run.signal}`;
      else if (/allocation failed|unreachable|RangeError|TypeError/.test(run.stderr)) outcome = "BUG raw engine message";
      else if (run.code === 0) outcome = /^[0-9*#A-D]*\n$/.test(run.stdout) ? "stream reported" : `BUG exit 0 without a digits line: ${run.stdout.slice(0, 40)}`;
      else outcome = run.stderr.includes("dtmf-wasm analyze: -: ") ? "stream refused, named" : `BUG error not naming the stream: ${run.stderr.slice(0, 80)}`;
      count(counts, "cli analyze --raw -", outcome);
    }
    for (let i = 0; i < collect && Date.now() < deadline && !watch.stopped; i++) {
      const c = await makeCase(lib, 2_000_000 + i, seed);
      if (c.kind === "raw") continue;
      const name = `c${i}.wav`;
      writeFileSync(join(dir, name), c.bytes);
      collected++;
      const run = await runCli(["collect", name, "--min-digits", "1", "--max-digits", "8", "--session-uuid", "s", "--command-uid", "c"], dir);
      let outcome;
      if (run.signal || ![0, 1].includes(run.code)) outcome = `BUG exit ${run.code ?? run.signal}`;
      else if (run.code === 0) outcome = /"digits"|status/.test(run.stdout) ? "payload printed" : "BUG exit 0 without payload";
      else outcome = run.stderr.startsWith(`dtmf-wasm collect: ${name}: `) ? "file refused, named" : `BUG error not naming the file: ${run.stderr.slice(0, 80)}`;
      count(counts, "cli collect", outcome);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { files, collected, streamed };
}

function count(counts, group, outcome) {
  const key = `${group}\t${outcome}`;
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

async function main() {
  const options = args();
  const started = Date.now();
  const deadline = started + options.minutes * 60_000;
  const counts = new Map();
  const watch = { stopped: false, maxRssMb: 0 };
  const sampler = setInterval(() => {
    const rss = process.memoryUsage().rss / 2 ** 20;
    watch.maxRssMb = Math.max(watch.maxRssMb, rss);
    if (rss > RSS_LIMIT_MB && !watch.stopped) { watch.stopped = true; count(counts, "watchdog", `BUG RSS ${rss.toFixed(0)} MB > ${RSS_LIMIT_MB}`); }
  }, 200);
  const libraryCases = await runLibrary(options, counts, deadline, watch);
  const { files: cliFiles, collected, streamed } = await runCliCases(options, counts, deadline, watch);
  clearInterval(sampler);
  if (Date.now() > deadline) count(counts, "watchdog", "stopped at --minutes");
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`dtmf-wasm fuzz: seed ${options.seed}, ${libraryCases} library cases, ${cliFiles} files through \`analyze --jobs 2\`, ${streamed} raw streams through \`analyze --raw -\`, ${collected} files through \`collect\`; ${seconds} s, max RSS ${watch.maxRssMb.toFixed(0)} MB`);
  console.log("group\toutcome\tcount");
  for (const [key, n] of [...counts].sort()) console.log(`${key}\t${n}`);
  const bugs = [...counts].filter(([key]) => key.includes("BUG")).reduce((n, [, v]) => n + v, 0);
  console.log(bugs === 0 ? "no bug outcomes" : `${bugs} BUG outcome(s)`);
  process.exitCode = bugs === 0 ? 0 : 1;
}

if (isMainThread) await main();
else await workerMain();
