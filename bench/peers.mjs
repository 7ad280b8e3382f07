/** Loads the peer detectors of bench/peers/ (each reports whether it can run here). */
import { readdir } from "node:fs/promises";

export async function loadPeers() {
  const dir = new URL("./peers/", import.meta.url);
  let files = [];
  try { files = (await readdir(dir)).filter((f) => f.endsWith(".mjs")).sort(); } catch { return []; }
  const peers = [];
  for (const file of files) {
    const peer = await import(new URL(file, dir).href);
    const available = await peer.available();
    const version = await peer.version().catch(() => "");
    // id: the module's file name (spandsp, goertzel, …), stable keys for results files.
    peers.push({ ...peer, id: file.replace(/\.mjs$/, ""), name: peer.name, available, version });
  }
  return peers;
}
