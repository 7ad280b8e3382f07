/** Small statistics helpers for the bench (quantiles by the nearest-rank method). */

/** The p-quantile (0 ≤ p ≤ 1) of `values` by nearest rank; null when there are none. */
export function quantile(values, p) {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

/** min / p5 / p25 / p50 / p75 / p95 / max / mean / count of `values` (null fields when there are none). */
export function summary(values) {
  if (values.length === 0) return { count: 0, min: null, p5: null, p25: null, p50: null, p75: null, p95: null, max: null, mean: null };
  let sum = 0, min = Infinity, max = -Infinity;
  for (const v of values) { sum += v; if (v < min) min = v; if (v > max) max = v; }
  return { count: values.length, min, p5: quantile(values, 0.05), p25: quantile(values, 0.25), p50: quantile(values, 0.5), p75: quantile(values, 0.75), p95: quantile(values, 0.95), max, mean: sum / values.length };
}

/** `from`, `from + by`, … `to` (inclusive), rounded to 3 decimals against float drift. */
export function steps(from, to, by) {
  const n = Math.round((to - from) / by);
  return Array.from({ length: n + 1 }, (_, i) => +(from + i * by).toFixed(3));
}

/** Rounds for JSON: keeps results small and diffs readable. */
export function round(x, digits = 2) {
  if (x === null || x === undefined || !Number.isFinite(x)) return x ?? null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** A number for prose and tables: typographic minus, optional fixed digits, "—" for null. */
export function fmt(v, digits) {
  if (v === null || v === undefined || Number.isNaN(v)) return "—";
  return (digits === undefined ? String(v) : v.toFixed(digits)).replace(/^-/, "−");
}

/** As fmt, with a + on positive values. */
export function fmtSigned(v, digits) {
  return v > 0 ? `+${fmt(v, digits)}` : fmt(v, digits);
}
