/**
 * SVG plots of what the tables hide, made with vega-lite (specs compiled to vega, rendered
 * headless to SVG): decode rate against S/N, frequency offset, twist, level, duration and
 * key-to-speech ratio per detector, the keydown latency distribution, and onset errors per
 * tone length.
 */
import { writeFile } from "node:fs/promises";
import * as vega from "vega";
import * as vl from "vega-lite";
import { round } from "./stats.mjs";

const WIDTH = 520;
const HEIGHT = 260;
const COLORS = { domain: [], range: ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"] };

async function render(spec) {
  const compiled = vl.compile({ config: { font: "sans-serif", view: { stroke: "#ccc" } }, ...spec }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

const color = (names) => ({ field: "detector", type: "nominal", title: "detector", scale: { ...COLORS, domain: names }, legend: { orient: "bottom", columns: 2, labelLimit: 320 } });

/** Decode rate (% of keys) against one sweep variable, a line per detector. */
function rateSpec(title, values, xField, xTitle, names, extra = {}) {
  return {
    title, width: WIDTH, height: HEIGHT,
    data: { values },
    // Point marks only on sparse sweeps: dense ones stay small as plain paths.
    mark: { type: "line", point: values.length <= 120 ? { size: 18 } : false, interpolate: "linear", strokeWidth: 1.5 },
    encoding: {
      x: { field: xField, type: "quantitative", title: xTitle, ...(extra.x ?? {}) },
      y: { field: "percent", type: "quantitative", title: "keys decoded (%)", scale: { domain: [0, 100] } },
      color: color(names),
      ...(extra.encoding ?? {}),
    },
  };
}

/** Writes the plots; returns [{ file, title }] (paths relative to the repository root). */
export async function writePlots(results, dir, prefix) {
  const written = [];
  const names = Object.values(results.detectors).map((d) => d.name);
  // Reference configurations that ran on some rows only (spandsp with its dial-tone filter).
  for (const curve of Object.values(results.parts.interference?.curves ?? {})) for (const s of curve.series) if (!names.includes(s.detector)) names.push(s.detector);
  const save = async (slug, title, spec) => {
    const file = `${prefix}-${slug}.svg`;
    await writeFile(new URL(file, dir), await render(spec));
    written.push({ file: `bench/results/${file}`, title });
  };
  /** Rows for vega-lite from a compact curve ({ x, series: [{ detector, group?, x[], percent[] }] }). */
  const withPercent = (curve) => curve.series.flatMap((s) => s.x.map((x, i) => ({ detector: s.detector, ...(s.group ? { group: s.group } : {}), [curve.x]: x, percent: s.percent[i] })));
  const curves = results.parts.accuracy?.curves ?? {};

  if (curves.noise) await save("noise", "Keys decoded vs white-noise S/N", rateSpec("Keys decoded vs white-noise S/N (Q.24: ≥ 99 % at 10 dB)", withPercent(curves.noise), "snrDb", "S/N, dB (tone pair vs noise over 0-4 kHz)", names, { x: { scale: { reverse: true } } }));
  if (curves.frequency) {
    const spec = rateSpec("", withPercent(curves.frequency), "offsetPct", "frequency offset, %", names);
    delete spec.title;
    spec.width = WIDTH / 2 + 20;
    await save("frequency", "Keys decoded vs frequency offset", {
      title: "Keys decoded vs frequency offset of one group (Q.24: accept ±1.5 %, reject ±3.5 %)",
      data: spec.data, facet: { column: { field: "group", type: "nominal", title: null } },
      spec: { width: spec.width, height: HEIGHT, mark: spec.mark, encoding: spec.encoding },
    });
  }
  if (curves.twist) await save("twist", "Keys decoded vs twist", rateSpec("Keys decoded vs twist (Q.24: accept +4 … −8 dB)", withPercent(curves.twist), "twistDb", "twist, dB (high group − low group; low group at −10 dBm0)", names));
  if (curves.level) await save("level", "Keys decoded vs level", rateSpec("Keys decoded vs level per tone (Q.24: accept 0 … −25 dBm0)", withPercent(curves.level), "levelDbm0", "level per tone, dBm0", names, { x: { scale: { reverse: true } } }));
  if (curves.duration) await save("duration", "Keys decoded vs tone duration", rateSpec("Keys decoded vs tone duration (Q.24: reject ≤ 23 ms, accept ≥ 40 ms)", withPercent(curves.duration), "toneMs", "tone duration, ms", names));
  if (curves.speech) await save("speech", "Keys decoded over speech", rateSpec("Keys decoded over speech", withPercent(curves.speech), "ratioDb", "tone pair over active speech level, dB", names, { x: { scale: { reverse: true } } }));

  const mixed = results.parts.interference?.curves ?? {};
  const reversed = { x: { scale: { reverse: true } } };
  if (mixed.speech) await save("interference-speech", "Keys decoded over speech, many voices", rateSpec("Keys decoded over speech, many voices (target: ≥ 99 % at 8 dB, ≥ 95 % at 3 dB, ≥ 90 % at 0 dB)", withPercent(mixed.speech), "ratioDb", "tone pair over the speech's active level, dB", names, reversed));
  if (mixed.music) await save("interference-music", "Keys decoded over music", rateSpec("Keys decoded over music (target: ≥ 99 % at 8 dB)", withPercent(mixed.music), "ratioDb", "tone pair over the music's active level, dB", names, reversed));
  if (mixed["dialtone-relative"]) await save("interference-dialtone", "Keys decoded under dial tone", rateSpec("Keys decoded under dial tone, 350 + 440 Hz (target: every key at +10 dB)", withPercent(mixed["dialtone-relative"]), "relativeDb", "dial tone over the key's tones (each), dB; keys at −20 dBm0 per tone", names));
  if (mixed["1khz-relative"]) await save("interference-1khz", "Keys decoded under a 1 kHz tone", rateSpec("Keys decoded under a 1 kHz tone (target: every key at 0 dB)", withPercent(mixed["1khz-relative"]), "relativeDb", "1 kHz tone over the key's tones (each), dB; keys at −20 dBm0 per tone", names));
  if (mixed["noise-fine"]) await save("interference-noise", "Keys decoded in white noise, 1 dB steps", rateSpec("Keys decoded in white noise (target: ≥ 99 % at S/N 3 dB)", withPercent(mixed["noise-fine"]), "snrDb", "S/N, dB (tone pair vs noise over 0-4 kHz)", names, reversed));
  const codecs = results.parts.codecs;
  if (codecs?.bars?.length) {
    const order = codecs.codecs.filter((c) => !c.skipped).map((c) => c.label);
    await save("codecs", "Keys decoded through codecs", {
      title: "Keys decoded after a codec round trip (target: ≥ 99 % through GSM, G.722, Opus ≥ 16 kbit/s)",
      data: { values: codecs.bars },
      mark: { type: "bar" },
      width: { step: 9 }, height: HEIGHT,
      encoding: {
        x: { field: "codec", type: "nominal", title: null, sort: order, axis: { labelAngle: -40, labelLimit: 220 } },
        xOffset: { field: "detector", type: "nominal", sort: names },
        y: { field: "percent", type: "quantitative", title: "keys decoded (%)", scale: { domain: [0, 100] } },
        color: color(names),
      },
    });
    const levels = [];
    for (const row of codecs.rows) {
      if (row.skipped) continue;
      for (const [id, r] of Object.entries(row.detectors)) for (const [level, share] of Object.entries(r.values.perLevel)) levels.push({ codec: row.title, detector: results.detectors[id]?.name ?? id, level: +level, percent: round(100 * share, 2) });
    }
    await save("codecs-level", "Keys decoded through codecs, per key level", {
      title: "Keys decoded after a codec round trip, per key level (mean of the two tones)",
      data: { values: levels },
      facet: { field: "codec", type: "nominal", title: null, sort: order, header: { labelLimit: 240 } },
      columns: 4,
      spec: {
        width: 200, height: 120,
        mark: { type: "line", strokeWidth: 1.5 },
        encoding: {
          x: { field: "level", type: "quantitative", title: "key level, dBm0", scale: { reverse: true } },
          y: { field: "percent", type: "quantitative", title: "keys decoded (%)", scale: { domain: [0, 100] } },
          color: color(names),
        },
      },
    });
  }

  const latency = results.parts.latency?.detectors;
  if (latency) {
    const values = [];
    for (const [id, d] of Object.entries(latency)) {
      d.percentiles.forEach((ms, i) => { if (ms !== null) values.push({ detector: results.detectors[id].name, ms: Math.max(ms, 1), share: i }); });
    }
    await save("latency", "Keydown latency distribution", {
      title: "Keydown latency: media time from the true onset to the report (clean keys of 40-1000 ms)",
      width: WIDTH, height: HEIGHT, data: { values },
      layer: [
        { mark: { type: "line", interpolate: "step-after", strokeWidth: 1.5 }, encoding: { x: { field: "ms", type: "quantitative", title: "latency, ms (log scale)", scale: { type: "log", domain: [10, 2000], nice: false } }, y: { field: "share", type: "quantitative", title: "keys reported by then (%)" }, color: color(names) } },
        { data: { values: [{ ms: 35 }] }, mark: { type: "rule", strokeDash: [4, 3], color: "#888" }, encoding: { x: { field: "ms", type: "quantitative" } } },
      ],
    });
  }
  const duration = results.parts.duration;
  if (duration) {
    // Whisker p5-p95, box p25-p75, tick at the median, per tone length; one panel per detector
    // (columns) and per figure (rows: onset, duration).
    const rows = [];
    for (const [what, key] of [["onset error", "onset"], ["duration error", "duration"]]) {
      const panels = [];
      for (const [id, d] of Object.entries(duration.detectors)) {
        if (!d.reportsOnset) continue;
        const values = duration.lengthsMs.filter((l) => d.perLength[l]).map((l) => ({ length: l, ...d.perLength[l][key] }));
        const x = { field: "length", type: "ordinal", title: "tone length, ms", sort: duration.lengthsMs };
        const hue = COLORS.range[names.indexOf(results.detectors[id].name)] ?? "#444";
        panels.push({
          title: { text: `${results.detectors[id].name}: ${what}`, fontSize: 11, limit: 300 },
          width: 260, height: 150, data: { values },
          layer: [
            { mark: { type: "rule", color: hue }, encoding: { x, y: { field: "p5", type: "quantitative", title: "reported − true, ms" }, y2: { field: "p95" } } },
            { mark: { type: "bar", color: hue, size: 12 }, encoding: { x, y: { field: "p25", type: "quantitative" }, y2: { field: "p75" } } },
            { mark: { type: "tick", color: "white", size: 12, thickness: 2 }, encoding: { x, y: { field: "p50", type: "quantitative" } } },
            { data: { values: [{ y: -5 }, { y: 5 }] }, mark: { type: "rule", strokeDash: [4, 3], color: "#888" }, encoding: { y: { field: "y", type: "quantitative" } } },
          ],
        });
      }
      if (panels.length) rows.push({ hconcat: panels });
    }
    if (rows.length) {
      await save("onset", "Onset and duration errors per tone length", {
        title: "Onset and duration errors per tone length: p5-p95 whiskers, p25-p75 boxes, median (target |error| ≤ 5 ms at p95, dashed)",
        vconcat: rows,
      });
    }
  }
  return written;
}
