/**
 * Runs a list of generated test cases through every available detector: the cases are laid
 * end to end into streams of a few minutes (StreamBuilder), each stream goes once through each
 * detector, and the scored cases are summed per sweep point.
 */
import { generateDtmf } from "../../dist/index.js";
import { StreamBuilder } from "./audio.mjs";
import { accumulate, emptyAggregate, scoreStream } from "./match.mjs";

/** Frames fed to every detector: 160 samples (20 ms), as a media server delivers them. */
export const FRAME = 160;

/**
 * cases: [{ point, gen } | { point, build }] where gen is generateDtmf's options and build()
 * returns { samples: Float32Array, tones } (its own generator call, mixed or coded as it likes);
 * an optional `source` names the case's audio in the false-key examples.
 * Returns { points: { [detectorId]: Map(point → aggregate) }, audioSeconds, errors }.
 */
export async function runCases(ctx, label, cases) {
  const detectors = ctx.detectors.filter((d) => d.available.ok);
  const points = Object.fromEntries(detectors.map((d) => [d.id, new Map()]));
  const errors = {};
  const maxSamples = ctx.quick ? 4e6 : 8e6; // 8 to 17 minutes of audio a stream
  let builder = new StreamBuilder();
  let audioSeconds = 0;
  let done = 0;

  const flush = async () => {
    const stream = builder.finish();
    builder = new StreamBuilder();
    audioSeconds += stream.durationMs / 1000;
    for (const d of detectors) {
      if (errors[d.id]) continue;
      ctx.progress.step(`${label}: ${done}/${cases.length} cases, ${d.name}`);
      let detections;
      const t0 = performance.now();
      try {
        detections = await d.detect(stream.pcm, { frameSize: FRAME });
      } catch (error) {
        errors[d.id] = String(error.message || error).split("\n")[0];
        ctx.progress.note(`${label}: ${d.name} failed: ${errors[d.id]}`);
        continue;
      }
      ctx.detectSeconds[d.id] = (ctx.detectSeconds[d.id] ?? 0) + (performance.now() - t0) / 1000;
      const scored = scoreStream(stream, detections);
      scored.forEach((record, i) => {
        const { info } = stream.cases[i];
        if (info.sentinel) return;
        const map = points[d.id];
        if (!map.has(info.point)) map.set(info.point, emptyAggregate());
        accumulate(map.get(info.point), record, info);
      });
    }
  };

  for (const c of cases) {
    const audio = c.build ? c.build() : generateDtmf(c.gen);
    builder.add({ point: c.point, ...(c.source ? { source: c.source } : {}) }, audio.samples, audio.tones);
    done++;
    if (done % 50 === 0) ctx.progress.step(`${label}: ${done}/${cases.length} cases`);
    if (builder.length >= maxSamples) await flush();
  }
  if (builder.caseCount > 0) await flush();
  for (const id of Object.keys(errors)) delete points[id];
  return { points, audioSeconds, errors };
}

export const rateOf = (a) => (a && a.total ? a.hit / a.total : 0);

/**
 * Walks `values` in order and returns the last one for which ok(aggregate) holds before the
 * first that fails (null when the first fails): "the outermost value with every key decoded".
 */
export function walk(map, values, ok) {
  let last = null;
  for (const v of values) {
    if (map.has(v) && ok(map.get(v))) last = v;
    else break;
  }
  return last;
}
