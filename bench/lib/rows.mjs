/**
 * Result rows of a bench part, the way the accuracy battery makes them: cases run through every
 * detector (runCases), a row per case family with a figure and pass/fail per detector, and the
 * sweep curves that plots.mjs draws. Used by the interference and codecs parts; report.mjs
 * renders every part built this way with one table.
 */
import { rateOf, runCases } from "./battery.mjs";
import { round } from "./stats.mjs";

export const pct = (r) => (r === null || r === undefined ? "—" : `${(100 * r).toFixed(r === 1 || r === 0 ? 0 : 1)} %`);
/** A target share: "99 %", "95 %" (no decimals unless it has them). */
export const targetPct = (r) => `${+(100 * r).toFixed(1)} %`;
export const falseKeysOf = (map) => [...map.values()].reduce((s, a) => s + a.extra, 0);

/**
 * A part's collector: battery(label, cases) runs cases and returns points per detector;
 * addRow(...) judges them into a row; curve(...) keeps a sweep for the plots; result() is the
 * part's result ({ rows, curves, audioSeconds, errors, ...extra }).
 */
export function rowCollector(ctx) {
  const rows = [];
  const curves = {};
  const errors = {};
  let audioSeconds = 0;
  const names = Object.fromEntries(ctx.detectors.map((d) => [d.id, d.name]));
  return {
    rows,
    names,
    /** extra: reference detectors run on these cases only (shown under the table, not as columns). */
    async battery(label, cases, extra = []) {
      for (const d of extra) names[d.id] = d.name;
      const result = await runCases(extra.length ? { ...ctx, detectors: [...ctx.detectors, ...extra] } : ctx, label, cases);
      audioSeconds += result.audioSeconds;
      for (const [id, message] of Object.entries(result.errors)) errors[id] = `${label}: ${message}`;
      return result.points;
    },
    /** Adds audio scored outside runCases (the codecs part scores its own streams). */
    addAudio(seconds) { audioSeconds += seconds; },
    addError(id, message) { errors[id] = message; },
    /** A row: the figure and pass/fail per detector from judge(map of that detector). */
    addRow(id, title, requirement, points, judge, compare = [], extra = {}) {
      const detectors = {};
      for (const [detector, map] of Object.entries(points)) detectors[detector] = judge(map, detector);
      rows.push({ id, title, requirement, compare, detectors, ...extra });
      ctx.progress.note(`${title}: ${Object.entries(detectors).map(([d, r]) => `${d} ${r.pass ? "pass" : "FAIL"}`).join(", ")}`);
    },
    skipRow(id, title, requirement, skipped) {
      rows.push({ id, title, requirement, skipped, detectors: {} });
      ctx.progress.note(`${title}: skipped (${skipped})`);
    },
    /**
     * A sweep's curves, compact for the results file: per detector (and group), the x values and
     * the keys decoded (%) and false keys at each. plots.mjs expands them into rows.
     */
    curve(points, key, xName, xOf, meta = {}) {
      const series = [];
      for (const [detector, map] of Object.entries(points)) {
        const byGroup = new Map();
        for (const [point, a] of map) {
          const x = xOf(point);
          if (x === undefined) continue;
          const group = x.group ?? null;
          if (!byGroup.has(group)) byGroup.set(group, []);
          byGroup.get(group).push([x.value, round(100 * rateOf(a), 2), a.extra]);
        }
        for (const [group, list] of byGroup) {
          list.sort((a, b) => a[0] - b[0]);
          series.push({ detector: names[detector], ...(group === null ? {} : { group }), x: list.map((r) => r[0]), percent: list.map((r) => r[1]), falseKeys: list.map((r) => r[2]) });
        }
      }
      curves[key] = { x: xName, ...meta, series };
    },
    result(extra = {}) {
      return { rows, curves, audioSeconds: round(audioSeconds, 0), errors, ...extra };
    },
  };
}
