#!/usr/bin/env node
/**
 * The durable outbox's store, measured against its peer in the same run: the journal
 * (src/server/outbox.ts: NDJSON append + one fdatasync per batch, acknowledgements appended)
 * and better-sqlite3 (WAL, synchronous=FULL: one transaction per batch, a DELETE per
 * acknowledgement, batched the same way). Both store the same payloads in the same batches
 * (payloads accepted in one event-loop turn: --batch) and acknowledge all of them. Also the
 * longest event-loop stall while accepting: better-sqlite3 is synchronous, so its fsync holds
 * every call's frames; the journal's fdatasync runs on libuv's thread pool.
 *
 *   npm run build && node bench/outbox.mjs [--payloads 20000] [--batch 25] [--sqlite-from DIR]
 *
 * better-sqlite3 is not a dependency of dtmf-wasm: give a directory where it is installed
 * (`npm install --prefix DIR better-sqlite3@12`; 13.x needs Node 22), or the SQLite column is skipped.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Outbox } from "../dist/server/outbox.js";

const arg = (name, fallback) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : fallback; };
const count = Number(arg("--payloads", 20000));
const batch = Number(arg("--batch", 25));
const sqliteFrom = arg("--sqlite-from", undefined);
const payload = (i) => ({ event: "dtmf", digit: "0123456789*#"[i % 12], duration_ms: 100, session_uuid: `call-${i % 1500}`, timestamp: "2026-12-02T00:00:00.000Z", command_uid: null });

async function journal() {
  const dir = mkdtempSync(join(tmpdir(), "outbox-bench-"));
  const { outbox } = Outbox.open(dir);
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const t0 = process.hrtime.bigint();
  const seqs = [];
  for (let at = 0; at < count; at += batch) {
    const n = Math.min(batch, count - at);
    await Promise.all(Array.from({ length: n }, (_, k) => new Promise((resolve, reject) => outbox.append(`call-${(at + k) % 1500}`, payload(at + k), (r, e) => (e ? reject(e) : (seqs.push(r.seq), resolve()))))));
  }
  const accepted = process.hrtime.bigint();
  loop.disable();
  for (const s of seqs) outbox.ack(s);
  const t1 = process.hrtime.bigint();
  await outbox.close();
  rmSync(dir, { recursive: true, force: true });
  return { acceptUs: Number(accepted - t0) / 1000 / count, ackUs: Number(t1 - accepted) / 1000 / count, stallMs: loop.max / 1e6 };
}

async function sqlite() {
  let Database;
  try { Database = createRequire(join(sqliteFrom, "package.json"))("better-sqlite3"); } catch { return undefined; }
  const dir = mkdtempSync(join(tmpdir(), "outbox-bench-sq-"));
  const db = new Database(join(dir, "outbox.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.exec("CREATE TABLE outbox (seq INTEGER PRIMARY KEY, key TEXT, call_id TEXT, at INTEGER, payload TEXT)");
  const insert = db.prepare("INSERT INTO outbox (key, call_id, at, payload) VALUES (?, ?, ?, ?)");
  const remove = db.prepare("DELETE FROM outbox WHERE seq = ?");
  const insertMany = db.transaction((rows) => rows.map((r) => insert.run(r.key, r.callId, r.at, JSON.stringify(r.payload)).lastInsertRowid));
  const removeMany = db.transaction((ids) => { for (const id of ids) remove.run(id); });
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const t0 = process.hrtime.bigint();
  const ids = [];
  for (let at = 0; at < count; at += batch) {
    const rows = Array.from({ length: Math.min(batch, count - at) }, (_, k) => ({ key: crypto.randomUUID(), callId: `call-${(at + k) % 1500}`, at: Date.now(), payload: payload(at + k) }));
    ids.push(...insertMany(rows));
    // One event-loop turn per batch, as the journal gets (the sync above blocked it: better-sqlite3 is synchronous).
    await new Promise((resolve) => setImmediate(resolve));
  }
  const accepted = process.hrtime.bigint();
  loop.disable();
  // Acknowledgements need not be durable (a lost one is a duplicate, never a loss): as the journal's, not synced.
  db.pragma("synchronous = NORMAL");
  for (let at = 0; at < ids.length; at += batch) removeMany(ids.slice(at, at + batch));
  const t1 = process.hrtime.bigint();
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return { acceptUs: Number(accepted - t0) / 1000 / count, ackUs: Number(t1 - accepted) / 1000 / count, stallMs: loop.max / 1e6 };
}

const j = await journal();
const s = sqliteFrom ? await sqlite() : undefined;
console.log(`node ${process.version}, ${count} payloads in batches of ${batch}, temp dir ${tmpdir()}`);
console.log("| store | accept (durable), µs per payload | acknowledge, µs per payload | longest event-loop stall while accepting |\n|---|---:|---:|---:|");
console.log(`| journal (outbox.ts) | ${j.acceptUs.toFixed(1)} | ${j.ackUs.toFixed(1)} | ${j.stallMs.toFixed(1)} ms |`);
if (s) console.log(`| better-sqlite3 (WAL; FULL for inserts, NORMAL for deletes) | ${s.acceptUs.toFixed(1)} | ${s.ackUs.toFixed(1)} | ${s.stallMs.toFixed(1)} ms |`);
else console.log("| better-sqlite3 | (not installed: --sqlite-from DIR) | |");
if (s) console.log(`journal accept: ${(s.acceptUs / j.acceptUs).toFixed(2)}× SQLite's speed; acknowledge: ${(s.ackUs / j.ackUs).toFixed(2)}×`);
