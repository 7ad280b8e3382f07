#!/usr/bin/env node
/**
 * Where a server's CPU went: for each .cpuprofile in DIR (written by
 * `bench/serve-load.mjs --server-node-flags "--cpu-prof --cpu-prof-dir=DIR"`), the share of
 * the busy (non-idle) samples spent in each named function, callees included (a name matches
 * "function@file" as a substring, e.g. "deliver@" or "readMediaFast"); with no names, the 25
 * functions with the most self time.
 *
 *   node bench/profile-share.mjs /tmp/prof "(garbage collector)" receiver.js message@ws-connection deliver@ idempotencyKey fetch
 */
import { readFileSync, readdirSync } from "node:fs";

const [dir, ...names] = process.argv.slice(2);
if (!dir) throw new Error("usage: profile-share.mjs DIR [NAME…]");
for (const file of readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"))) {
  const profile = JSON.parse(readFileSync(`${dir}/${file}`, "utf8"));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const time = new Map();
  profile.samples.forEach((id, i) => time.set(id, (time.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const label = (n) => `${n.callFrame.functionName || "(anonymous)"}@${n.callFrame.url.split("/").pop()}:${n.callFrame.lineNumber}`;
  let busy = 0;
  const self = new Map(), inclusive = new Map(names.map((n) => [n, 0]));
  for (const [id, t] of time) {
    const node = byId.get(id);
    if (node.callFrame.functionName === "(idle)") continue;
    busy += t;
    self.set(label(node), (self.get(label(node)) ?? 0) + t);
    const hit = new Set();
    for (let x = id; x !== undefined; x = parent.get(x)) for (const n of names) if (!hit.has(n) && label(byId.get(x)).includes(n)) { hit.add(n); inclusive.set(n, inclusive.get(n) + t); }
  }
  console.log(`${file}: ${(busy / 1e6).toFixed(2)} s busy`);
  const rows = names.length ? [...inclusive] : [...self].sort((a, b) => b[1] - a[1]).slice(0, 25);
  for (const [n, t] of rows) console.log(`${((100 * t) / busy).toFixed(1).padStart(6)} %  ${n}`);
}
