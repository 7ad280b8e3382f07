/**
 * `dtmf-wasm analyze FILE...`: one record per key press. Minimal version: whole-file WAV
 * reading through wavefile, NDJSON output. (Streaming, formats and batch: see issue #5.)
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import wavefile from "wavefile";
import { DtmfEngine } from "../engine.js";
import type { CliIo } from "./io.js";

const HELP = `usage: dtmf-wasm analyze FILE.wav...

Prints one JSON object per key press: file, channel, digit, start_ms, duration_ms,
low_dbm0, high_dbm0.
`;

export async function run(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { help: { type: "boolean", short: "h" }, format: { type: "string" } } });
  } catch (error) {
    io.stderr(`dtmf-wasm analyze: ${(error as Error).message}\n`);
    return 2;
  }
  if (parsed.values.help) { io.stdout(HELP); return 0; }
  if (parsed.positionals.length === 0) { io.stderr(HELP); return 2; }
  const engine = await DtmfEngine.create();
  let failed = 0;
  for (const file of parsed.positionals) {
    try {
      const wav = new wavefile.WaveFile(await readFile(file));
      wav.toBitDepth("32f");
      const rate = (wav.fmt as { sampleRate: number }).sampleRate;
      let channels = wav.getSamples(false, Float32Array) as unknown as Float32Array | Float32Array[];
      if (!Array.isArray(channels)) channels = [channels];
      channels.forEach((samples, channel) => {
        const detector = engine.createDetector({ sampleRate: rate, encoding: "float32" });
        for (const e of [...detector.process(samples), ...detector.flush()]) {
          if (e.type !== "dtmf") continue;
          io.stdout(`${JSON.stringify({ file, channel, digit: e.digit, start_ms: e.startMs, duration_ms: e.durationMs, low_dbm0: e.lowDbm0, high_dbm0: e.highDbm0 })}\n`);
        }
        detector.close();
      });
    } catch (error) {
      failed++;
      io.stderr(`dtmf-wasm analyze: ${file}: ${(error as Error).message}\n`);
    }
  }
  return failed ? 1 : 0;
}
