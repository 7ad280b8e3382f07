/**
 * JSON for the results file: indented objects, but arrays of numbers (and of short number
 * pairs) and small records of plain values on one line, so that the file stays small and its diffs readable.
 */
export function stringify(value, indent = "") {
  const inner = `${indent} `;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const flat = value.every((v) => v === null || typeof v !== "object" || (Array.isArray(v) && v.every((x) => x === null || typeof x !== "object")));
    if (flat) return JSON.stringify(value);
    return `[\n${value.map((v) => `${inner}${stringify(v, inner)}`).join(",\n")}\n${indent}]`;
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return "{}";
    // Small records of plain values (a curve point, a latency summary) on one line.
    if (entries.every(([, v]) => v === null || typeof v !== "object")) {
      const line = JSON.stringify(Object.fromEntries(entries));
      if (line.length <= 160) return line;
    }
    return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${stringify(v, inner)}`).join(",\n")}\n${indent}}`;
  }
  return JSON.stringify(value) ?? "null";
}
