/**
 * The Markdown summary of a run (written into README.md between the bench markers and printed),
 * and the list of figures on which dtmf-wasm is behind a peer.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fmt } from "./stats.mjs";

export const START = "<!-- bench:start -->";
export const END = "<!-- bench:end -->";
const OURS = "dtmf-wasm";

const NOTES = {
  "dtmf-wasm": "this package: one channel of the WASM engine, 16-bit input",
  spandsp: "C, Debian `libspandsp-dev`, set up as FreeSWITCH does (`bench/peers/spandsp/`)",
  "dtmf-detection-stream": "npm; reports a key only once it is over, with no onset",
  goertzel: "npm `goertzel` has no DTMF decoder: this row is **our** minimal decoder on top of it",
};

const pct = (r) => (r === null || r === undefined ? "—" : `${(100 * r).toFixed(r === 1 || r === 0 ? 0 : 1)} %`);
const ms = (v) => fmt(v, 1);
const msps = (v) => (v / 1e6).toFixed(v >= 1e8 ? 0 : 1);
const int = (v) => Math.round(v).toLocaleString("en");
const ratio = (r) => `${r.toFixed(2)}×`;
const keys = (n) => `${n} false key${n === 1 ? "" : "s"}`;
const cell = (text) => String(text).replace(/\|/g, "\\|");

function duration(seconds) {
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds - 60 * m);
  return m ? `${m} min ${s} s` : `${s} s`;
}

/** The parts made of judged rows (bench/lib/rows.mjs): accuracy, interference, codecs. */
const rowParts = (results) => ["accuracy", "interference", "codecs"].map((p) => results.parts[p]).filter((p) => p?.rows);

/** A table of judged rows: a line per row, a cell per detector (✓ / ✗ when the row has a target). */
function rowsTable(add, ids, name, part) {
  add(`| case (requirement) | ${ids.map((id) => cell(name(id))).join(" | ")} |`, `|---|${ids.map(() => "---").join("|")}|`);
  for (const row of part.rows) {
    if (row.skipped) { add(`| **${cell(row.title)}** (${cell(row.requirement)}) | skipped: ${cell(row.skipped)} |${ids.slice(1).map(() => " |").join("")}`); continue; }
    add(`| **${cell(row.title)}** (${cell(row.requirement)}) | ${ids.map((id) => { const r = row.detectors[id]; return r ? `${r.pass === true ? "✓ " : r.pass === false ? "✗ " : ""}${cell(r.figure)}` : "—"; }).join(" | ")} |`);
  }
  const references = part.rows.flatMap((row) => Object.entries(row.detectors).filter(([id]) => !ids.includes(id)).map(([id, r]) => `- ${row.title}, reference **${cell(id)}**: ${r.pass === true ? "✓ " : r.pass === false ? "✗ " : ""}${r.figure}`));
  if (references.length) add("", "Reference configurations run on those rows only:", "", ...references);
  const examples = part.rows.filter((row) => row.detectors[OURS]?.values?.falseExamples?.length).map((row) => `- ${row.title}: ${row.detectors[OURS].values.falseExamples.join("; ")}${row.detectors[OURS].values.falseKeys > row.detectors[OURS].values.falseExamples.length ? "; …" : ""}`);
  if (examples.length) add("", "dtmf-wasm's false keys there (file @ media time: digit):", "", ...examples);
  if (Object.keys(part.errors ?? {}).length) add("", ...Object.entries(part.errors).map(([id, e]) => `- ${name(id)} failed: ${e}`));
}

/**
 * Figures on which dtmf-wasm is behind a peer (one sentence per figure, naming every peer that
 * is ahead), and requirements it fails where a peer passes.
 */
export function behind(results) {
  const figures = new Map(); // figure → { ours, ahead: [] }
  const name = (id) => results.detectors[id]?.name ?? id;
  const ahead = (figure, ours, id, theirs) => {
    if (!figures.has(figure)) figures.set(figure, { ours, ahead: [] });
    figures.get(figure).ahead.push(`${name(id)} ${theirs}`);
  };
  const { speed, latency, duration: edges, talkoff } = results.parts;
  if (speed) {
    for (const row of speed.stream) {
      if (row.skipped || row.id.startsWith("dtmf-wasm") || row.id === "plain-ts") continue;
      if (row.oursOneChannelRatio < 1) ahead("Speed, 160-sample frames (samples/s, relative to dtmf-wasm on one channel)", "1×", row.id, ratio(1 / row.oursOneChannelRatio));
    }
    for (const f of speed.frameSizes) {
      if (f.id === OURS || f.id === "plain-ts") continue;
      for (const size of ["1024", "8192"]) if (f.oursRatio[size] < 1) ahead(`Speed, ${size}-sample frames (samples/s, relative to dtmf-wasm)`, "1×", f.id, ratio(1 / f.oursRatio[size]));
    }
    const ours = speed.memory.find((m) => m.id === OURS);
    for (const m of speed.memory) {
      if (m.id === OURS || !m.totalBytes) continue;
      if (m.stateBytes && ours.stateBytes > m.stateBytes) ahead("Memory per channel, detector state", `${ours.stateBytes} B (WASM record; ${int(ours.totalBytes)} B with the memory growth and its JS object)`, m.id, `${m.stateBytes} B`);
      else if (!m.stateBytes && ours.totalBytes > m.totalBytes) ahead("Memory per channel, in all", `${ours.totalBytes} B`, m.id, `${m.totalBytes} B`);
    }
  }
  const fails = [];
  for (const rowPart of rowParts(results)) {
    for (const row of rowPart.rows) {
      const ours = row.detectors[OURS];
      if (!ours) continue;
      const passing = Object.entries(row.detectors).filter(([id, r]) => id !== OURS && r.pass).map(([id]) => name(id));
      if (ours.pass === false && passing.length) fails.push(`**${row.title}:** dtmf-wasm fails the requirement (${ours.figure}) where ${passing.join(", ")} pass${passing.length === 1 ? "es" : ""}.`);
      for (const c of row.compare ?? []) {
        const a = ours.values[c.key];
        const show = (v) => (c.unit === "share" ? pct(v) : `${fmt(v)} ${c.unit}`);
        for (const [id, r] of Object.entries(row.detectors)) {
          const b = r.values?.[c.key];
          if (id === OURS || a === null || a === undefined || b === null || b === undefined) continue;
          if (c.better === "higher" ? b > a : b < a) ahead(`${row.title}, ${c.label}`, show(a), id, show(b));
        }
      }
    }
  }
  if (latency?.detectors[OURS]) {
    const ours = latency.detectors[OURS];
    for (const [id, r] of Object.entries(latency.detectors)) {
      if (id === OURS) continue;
      for (const q of ["p50", "p95", "max"]) if (r[q] < ours[q]) ahead(`Keydown latency ${q}`, `${ms(ours[q])} ms`, id, `${ms(r[q])} ms`);
    }
  }
  if (edges?.detectors[OURS]?.reportsOnset) {
    const ours = edges.detectors[OURS];
    for (const [id, r] of Object.entries(edges.detectors)) {
      if (id === OURS || !r.reportsOnset) continue;
      if (r.onsetAbs.p95 < ours.onsetAbs.p95) ahead("Onset error p95", `${ms(ours.onsetAbs.p95)} ms`, id, `${ms(r.onsetAbs.p95)} ms`);
      if (r.durationAbs.p95 < ours.durationAbs.p95) ahead("Duration error p95", `${ms(ours.durationAbs.p95)} ms`, id, `${ms(r.durationAbs.p95)} ms`);
    }
  }
  if (talkoff?.detectors?.[OURS]) {
    const ours = talkoff.detectors[OURS];
    for (const [id, r] of Object.entries(talkoff.detectors)) {
      if (id === OURS) continue;
      for (const kind of ["speech", "music"]) if (r[kind] < ours[kind]) ahead(`Talk-off on ${kind}, false keys`, String(ours[kind]), id, String(r[kind]));
    }
  }
  return [...fails, ...[...figures].map(([figure, f]) => `**${figure}:** dtmf-wasm ${f.ours}; ${f.ahead.join(", ")}.`)];
}

/** Requirements dtmf-wasm itself fails in this run (whatever the peers do). */
export function failures(results) {
  const out = [];
  const { speed, latency, duration: edges, talkoff } = results.parts;
  const spandsp = speed?.stream.find((r) => r.id === "spandsp" && !r.skipped);
  if (spandsp && spandsp.oursOneChannelRatio < 2.5) out.push(`Speed: dtmf-wasm on one channel runs ${ratio(spandsp.oursOneChannelRatio)} spandsp dtmf_rx's samples/s at 160-sample frames (the project's target: ≥ 2.5×)`);
  for (const row of rowParts(results).flatMap((p) => p.rows)) if (row.detectors[OURS] && row.detectors[OURS].pass === false) out.push(`${row.title}: ${row.detectors[OURS].figure} (requirement: ${row.requirement})`);
  if (latency?.detectors[OURS] && !latency.detectors[OURS].pass) out.push(`Keydown latency: p95 ${ms(latency.detectors[OURS].p95)} ms (requirement: ${latency.requirement})`);
  if (edges?.detectors[OURS] && edges.detectors[OURS].pass === false) out.push(`Onset/duration: p95 ${ms(edges.detectors[OURS].onsetAbs.p95)} / ${ms(edges.detectors[OURS].durationAbs.p95)} ms (requirement: ${edges.requirement})`);
  if (talkoff?.detectors?.[OURS] && !talkoff.detectors[OURS].pass) out.push(`Talk-off: ${keys(talkoff.detectors[OURS].speech)} on speech, ${talkoff.detectors[OURS].music} on music`);
  return out;
}

export function markdown(results, plots) {
  const lines = [];
  const add = (...l) => lines.push(...l);
  const ids = Object.keys(results.detectors).filter((id) => results.detectors[id].available.ok);
  const name = (id) => results.detectors[id]?.name ?? id;
  const m = results.machine;
  const v = results.versions;
  add(`Produced by \`${results.command}\` on ${results.date.slice(0, 16).replace("T", " ")} UTC in ${duration(results.seconds)}${results.quick ? " (**quick mode**: fewer seeds, coarser steps, the committed talk-off excerpts only)" : ""}: ${m.cpuModel}, ${m.cores} cores, ${m.os}, Node ${m.node}; dtmf-wasm ${v["dtmf-wasm"]} (commit ${v.gitCommit ?? "?"}${v.sourceChangedSinceCommit ? " plus uncommitted changes" : ""}, WASM ${int(v.wasmBytes ?? 0)} bytes). Load average at the start ${m.loadAverage[0]}: other work may share the machine, so speed is quoted as ratios measured in the same run. Every figure: [\`bench/results/${results.name}.json\`](bench/results/${results.name}.json); parts and flags: [\`bench/README.md\`](bench/README.md).`, "");
  add("| detector | version | notes |", "|---|---|---|");
  for (const [id, d] of Object.entries(results.detectors)) add(`| ${cell(d.name)} | ${d.available.ok ? d.version : "—"} | ${d.available.ok ? NOTES[id] ?? "" : `**skipped:** ${cell(d.available.reason)}`} |`);
  add("");

  const { speed, accuracy, latency, duration: edges, talkoff, interference, codecs } = results.parts;
  if (speed) {
    add("### Speed", "", `The same ${speed.audioSeconds} s of 8 kHz 16-bit audio (keys in noise), 160-sample (20 ms) frames; each figure is the best of ${speed.rounds} passes taken round-robin across the detectors (elapsed time; only the detector calls are timed).`, "");
    add("| detector | M samples/s | × real time (= 8 kHz channels per core) | dtmf-wasm, 1 channel, runs |", "|---|---:|---:|---|");
    for (const r of speed.stream) {
      if (r.skipped) { add(`| ${cell(r.name)} | skipped: ${cell(r.skipped)} | | |`); continue; }
      const peer = !r.id.startsWith(OURS) && r.id !== "plain-ts";
      add(`| ${cell(r.name)} | ${msps(r.samplesPerSecond)} | ${int(r.realTime)} | ${r.id === OURS ? "—" : `${ratio(r.oursOneChannelRatio)} as fast${r.oursOneChannelRatio < 1 ? (peer ? " (**slower**)" : " (slower)") : ""}`} |`);
    }
    add("", "Frame size (M samples/s; in brackets how many times as fast dtmf-wasm is at that size):", "");
    add("| detector | 160 | 1024 | 8192 |", "|---|---:|---:|---:|");
    for (const f of speed.frameSizes) {
      const row = speed.stream.find((s) => s.id === f.id);
      add(`| ${cell(row?.name ?? f.id)} | ${["160", "1024", "8192"].map((s) => `${msps(f.samplesPerSecond[s])}${f.id === OURS ? "" : ` (${ratio(f.oursRatio[s])})`}`).join(" | ")} |`);
    }
    add("", "Micro-benchmarks ([benchmark.js](https://benchmarkjs.com/)) of one call on a running stream, and setup timed apart:", "");
    add("| case | per call | M samples/s | ± (RME) |", "|---|---:|---:|---:|");
    for (const b of speed.micro) add(`| ${b.name} | ${b.nsPerCall >= 1000 ? `${(b.nsPerCall / 1000).toFixed(2)} µs` : `${b.nsPerCall.toFixed(0)} ns`} | ${b.samplesPerSecond ? msps(b.samplesPerSecond) : "—"} | ${b.rmePct} % |`);
    add("", "benchmark.js gives the mean over its samples (± its relative margin of error), the tables above the best pass: on a loaded machine the mean is the higher figure.");
    const plain = speed.micro.find((b) => b.impl === "plain-ts");
    if (plain?.oursRatio) add("", `One 160-sample call costs ${ratio(plain.oursRatio)} as much in plain TypeScript as in WASM.`);
    add("", ...speed.setup.map((s) => `- ${s.name}: ${s.ms} ms`), "");
    add("Memory per channel:", "", "| detector | bytes per channel | measured as |", "|---|---:|---|");
    for (const mem of speed.memory) {
      if (mem.skipped) { add(`| ${cell(name(mem.id))} | — | ${cell(mem.skipped)} |`); continue; }
      if (mem.id === OURS) add(`| dtmf-wasm | ${int(mem.totalBytes)} | ${mem.stateBytes} B WASM state record (\`engine.bytesPerChannel\`; WASM memory grew ${mem.wasmGrowthBytes} B a channel over ${int(mem.channels)} channels${mem.reopenWithoutGrowth ? ", and not at all when they were closed and reopened" : ""}) + ${mem.jsHeapBytes} B JS heap per \`Detector\` |`);
      else if (mem.id === "spandsp") add(`| ${cell(name(mem.id))} | ${int(mem.totalBytes)} | \`sizeof(dtmf_rx_state_t)\` (C) |`);
      else add(`| ${cell(name(mem.id))} | ${int(mem.totalBytes)} | JS heap per stream object after its first frame (${int(mem.channels)} streams) |`);
    }
    add("");
  }
  if (accuracy) {
    add("### Accuracy (Q.24 battery)", "", `Signals from the library's generator, laid end to end (${(accuracy.audioSeconds / 3600).toFixed(1)} h of audio in all), the same 16-bit samples for every detector in 160-sample frames. A key counts as decoded when its digit is reported once (matched by the moment of the report, since one peer gives no onset); any other report is a false key. Sweep figures are the outermost value with **every** key decoded. ✓ / ✗: pass / fail against the requirement.`, "");
    rowsTable(add, ids, name, accuracy);
    add("");
  }
  if (interference) {
    const src = interference.sources ?? {};
    add("### Keys with other sound on the line", "", `Keys over real speech (${src.speech?.source ?? "—"}; ${src.speech?.seconds ?? 0} s) and music (${src.music?.source ?? "—"}; ${src.music?.seconds ?? 0} s), the ratio being the tone pair's power over the sound's active level (20 ms frames above −50 dBm0, a P.56-like active level); keys under dial tone and a 1 kHz tone at levels relative to the key's tones; white noise in 1 dB steps. ${(interference.audioSeconds / 3600).toFixed(1)} h of audio, scored as the accuracy battery. Figures: the share of keys decoded at each target ratio or level and the false keys over the whole row.`, "");
    rowsTable(add, ids, name, interference);
    add("");
  }
  if (codecs) {
    const ran = codecs.codecs.filter((c) => !c.skipped);
    add("### Keys through codecs", "", `${codecs.setup}, coded and decoded by each codec (\`bench/lib/codecs.mjs\`; the decoder's delay is measured and taken out: ${ran.filter((c) => c.delayMs).map((c) => `${c.id} ${c.delayMs} ms`).join(", ") || "none"}); every detector runs on the decoded stream. Share of keys decoded (false keys); ✓ / ✗ against the project's target (≥ 99 %, no false keys) where it sets one, the other codecs as measured.`, "");
    rowsTable(add, ids, name, codecs);
    add("");
  }
  if (latency) {
    add("### Latency", "", `Media time from the true tone onset to the keydown report (dtmf-wasm: \`keydown.detectedMs\`; peers: the stream position of their report), over ${latency.detectors[OURS]?.keys ?? ""} clean key presses of 40-1000 ms (random level −5 … −25 dBm0, twist −6 … +3 dB, gaps, positions). Requirement: ${latency.requirement}.`, "");
    add("| detector | keys decoded | p50 | p95 | max | pass |", "|---|---:|---:|---:|---:|---|");
    for (const id of ids) {
      const r = latency.detectors[id];
      if (!r) continue;
      add(`| ${cell(name(id))} | ${pct(r.decoded)} | ${ms(r.p50)} ms | ${ms(r.p95)} ms | ${ms(r.max)} ms | ${r.pass ? "✓" : "✗"} |`);
    }
    add("");
  }
  if (edges) {
    add("### Onset and duration", "", `Reported minus true onset and duration on the same key presses, for the detectors that report an onset. Requirement: ${edges.requirement}. |error| p50 / p95 / max:`, "");
    const withOnset = ids.filter((id) => edges.detectors[id]?.reportsOnset);
    add("| detector | onset | duration | pass |", "|---|---|---|---|");
    for (const id of ids) {
      const r = edges.detectors[id];
      if (!r) continue;
      if (!r.reportsOnset) { add(`| ${cell(name(id))} | ${r.note} | | — |`); continue; }
      add(`| ${cell(name(id))} | ${ms(r.onsetAbs.p50)} / ${ms(r.onsetAbs.p95)} / ${ms(r.onsetAbs.max)} ms | ${ms(r.durationAbs.p50)} / ${ms(r.durationAbs.p95)} / ${ms(r.durationAbs.max)} ms | ${r.pass ? "✓" : "✗"} |`);
    }
    add("", "Per tone length, signed error p5 … p95 (onset; duration), ms:", "");
    add(`| tone | ${withOnset.map((id) => cell(name(id))).join(" | ")} |`, `|---:|${withOnset.map(() => "---").join("|")}|`);
    for (const length of edges.lengthsMs) {
      add(`| ${length} ms | ${withOnset.map((id) => { const p = edges.detectors[id].perLength[length]; return p ? `${ms(p.onset.p5)} … ${ms(p.onset.p95)}; ${ms(p.duration.p5)} … ${ms(p.duration.p95)}` : "—"; }).join(" | ")} |`);
    }
    add("");
  }
  if (talkoff) {
    add("### Talk-off", "");
    if (talkoff.skipped) add(`Skipped: ${talkoff.skipped}`, "");
    else {
      add(`False keys on ${(talkoff.seconds.speech / 60).toFixed(0)} min of speech and ${(talkoff.seconds.music / 60).toFixed(0)} min of music (${talkoff.files} files, ${talkoff.source}). Requirement: ${talkoff.requirement}.`, "");
      add("| detector | speech: false keys | per hour | music: false keys | per hour | pass |", "|---|---:|---:|---:|---:|---|");
      for (const id of ids) {
        const r = talkoff.detectors[id];
        if (!r) continue;
        add(`| ${cell(name(id))} | ${r.speech} | ${fmt(r.speechPerHour)} | ${r.music} | ${fmt(r.musicPerHour)} | ${r.pass ? "✓" : "✗"} |`);
      }
      const ours = talkoff.detectors[OURS];
      if (ours?.examples.length) add("", `dtmf-wasm's false keys (file @ media time: digit): ${ours.examples.map((e) => `${e.file} @ ${(e.atMs / 1000).toFixed(2)} s: ${e.digit}`).join("; ")}${ours.speech + ours.music > ours.examples.length ? "; …" : ""}.`);
      add("");
    }
  }
  if (plots.length) {
    add("### Plots", "");
    for (const p of plots) add(`![${p.title}](${p.file})`, "");
  }
  const fails = failures(results);
  const late = behind(results);
  add("### Where dtmf-wasm is behind", "");
  if (late.length === 0) add("On no figure of this run is a peer ahead of dtmf-wasm.");
  else add("Figures of this run on which a peer is ahead of dtmf-wasm:", "", ...late.map((s) => `- ${s}`));
  add("");
  if (fails.length) add("Requirements dtmf-wasm does not meet in this run:", "", ...fails.map((s) => `- ${s}`), "");
  return lines.join("\n");
}

/**
 * Writes `section` into README.md between the bench markers (appending a "## Benchmarks"
 * heading with the markers at the end when they are missing). The file is read right before
 * it is written, and only the text between the markers changes: others edit the rest.
 */
export function writeReadme(readmeUrl, section) {
  const text = readFileSync(readmeUrl, "utf8");
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  let next;
  if (start >= 0 && end > start) next = `${text.slice(0, start + START.length)}\n${section.trim()}\n${text.slice(end)}`;
  else next = `${text.replace(/\s*$/, "")}\n\n## Benchmarks\n\n${START}\n${section.trim()}\n${END}\n`;
  writeFileSync(readmeUrl, next);
}
