/**
 * Matching detections to the true key presses of a stream, the same way for every detector.
 *
 * A detection is matched by its digit and by when it was reported (keydownMs), since one peer
 * (dtmf-detection-stream) gives no onset at all and reports a key only once it is over, often
 * when the next key starts. A detection of digit d reported at k matches the earliest
 * not-yet-matched true press of d that started at most EARLY_MS after k and whose window runs
 * past k; a press's window ends LATE_MS after the start of the next press (or of the end of the
 * stream). Detections that match nothing are false keys (wrong digit, a second report of one
 * press, a key in silence or noise) and count against the case in which they were reported.
 */
export const EARLY_MS = 5;
export const LATE_MS = 60;

/**
 * Scores one detector's detections on a stream from StreamBuilder.finish(). Returns one record
 * per case: { hit, total, extra, presses, latencies, onsetErrors, durationErrors, falseKeys }.
 */
export function scoreStream(stream, detections) {
  const { tones, cases, durationMs } = stream;
  const perCase = cases.map(() => ({ hit: 0, total: 0, extra: 0, presses: 0, latencies: [], onsetErrors: [], durationErrors: [], falseKeys: [] }));
  for (const t of tones) perCase[t.caseIndex].total++;
  const windowEnd = tones.map((t, i) => (i + 1 < tones.length ? tones[i + 1].startMs : durationMs) + LATE_MS);
  const matched = new Uint8Array(tones.length);
  const sorted = [...detections].sort((a, b) => a.keydownMs - b.keydownMs);
  let lo = 0;
  let caseAt = 0;
  for (const d of sorted) {
    const k = d.keydownMs;
    while (lo < tones.length && windowEnd[lo] <= k) lo++;
    let hit = -1;
    for (let j = lo; j < tones.length && tones[j].startMs - EARLY_MS <= k; j++) {
      if (!matched[j] && tones[j].digit === d.digit && windowEnd[j] > k) { hit = j; break; }
    }
    if (hit >= 0) {
      matched[hit] = 1;
      const t = tones[hit];
      const c = perCase[t.caseIndex];
      c.hit++;
      c.presses++;
      c.latencies.push(k - t.startMs);
      if (d.startMs !== null && d.startMs !== undefined) {
        c.onsetErrors.push(d.startMs - t.startMs);
        if (d.endMs !== null && d.endMs !== undefined) c.durationErrors.push(d.endMs - d.startMs - t.durationMs);
      }
    } else {
      // A false key: charged to the case whose span (up to the next case's start) holds k.
      while (caseAt + 1 < cases.length && cases[caseAt + 1].spanStartMs <= k) caseAt++;
      while (caseAt > 0 && cases[caseAt].spanStartMs > k) caseAt--;
      perCase[caseAt].extra++;
      perCase[caseAt].presses++;
      perCase[caseAt].falseKeys.push({ digit: d.digit, atMs: Math.round(k - cases[caseAt].startMs) });
    }
  }
  return perCase;
}

/** False keys kept as examples per aggregate (where they were: the case's info.source, ms into the case). */
const FALSE_EXAMPLES = 10;

/** Adds case records into an aggregate (per sweep point); `info` is the case's (its source names the audio). */
export function accumulate(into, record, info = {}) {
  for (const f of record.falseKeys ?? []) if (into.falseExamples.length < FALSE_EXAMPLES) into.falseExamples.push(info.source ? { source: info.source, ...f } : f);
  into.hit += record.hit;
  into.total += record.total;
  into.extra += record.extra;
  into.cases++;
  into.presses.push(record.presses);
  for (const v of record.latencies) into.latencies.push(v);
  for (const v of record.onsetErrors) into.onsetErrors.push(v);
  for (const v of record.durationErrors) into.durationErrors.push(v);
  return into;
}

export const emptyAggregate = () => ({ hit: 0, total: 0, extra: 0, cases: 0, presses: [], latencies: [], onsetErrors: [], durationErrors: [], falseExamples: [] });
