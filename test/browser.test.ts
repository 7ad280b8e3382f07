/**
 * The browser demo in Debian's chromium, headless, driven by playwright-core (no browser
 * download). The page is served by scripts/serve-demo.mjs; a WAV generated here goes in through
 * the page's file input and through the AudioWorklet, offline (OfflineAudioContext: the same
 * samples every run) at 48 and 44.1 kHz and live (AudioContext, real time). The keys, their
 * durations and the `dtmf` payloads shown in the page are checked, and the offline events are
 * compared with the library's own on the same samples in Node. Without /usr/bin/chromium the
 * tests are skipped, and the suite's title says so.
 */
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { DtmfEngine } from "../src/engine.js";
import type { DetectorEvent, DtmfEvent, KeyDownEvent } from "../src/events.js";
import { encodeSamples, generateDtmf } from "../src/generator.js";
import { buildDtmfPayload } from "../src/payloads/index.js";
import { encodeWav } from "../src/wav/write.js";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
// The README's screenshot is refreshed only on request (UPDATE_SCREENSHOT=1 npm test), so an
// ordinary test run leaves the tracked file alone; otherwise it goes to the system temp folder.
const SCREENSHOT = process.env.UPDATE_SCREENSHOT
  ? new URL("../examples/browser/screenshot.png", import.meta.url).pathname
  : join(tmpdir(), "dtmf-wasm-demo-screenshot.png");
const KEYS = "159#0*D";
/** Real-time playback attempts before the live case fails (it runs at the machine's pace). */
const LIVE_ATTEMPTS = 3;
const SKIPPED = `skipped: chromium not installed at ${CHROMIUM} (apt-get install chromium)`;
if (!hasChromium) console.warn(`test/browser.test.ts: ${SKIPPED}; the browser demo is NOT tested in this run.`);

/** A 16-bit mono WAV file, by the library's one WAV writer. */
function wav(samples: Float32Array, sampleRate: number): Buffer {
  return Buffer.from(encodeWav([samples], sampleRate, "pcm16"));
}

function tones(sampleRate: number) {
  const audio = generateDtmf({ keys: KEYS, sampleRate, toneMs: 90, gapMs: 110, leadMs: 250, tailMs: 250, seed: 3 });
  const pcm = encodeSamples(audio.samples, "pcm16");
  return { audio, pcm, file: wav(audio.samples, sampleRate) };
}

/** The library in Node on `samples` (as the browser decoded them), plus the page's 200 ms of padding. */
async function nodeEvents(samples: number[], sampleRate: number): Promise<DetectorEvent[]> {
  const engine = await DtmfEngine.create();
  const detector = engine.createDetector({ sampleRate, encoding: "float32" });
  const padded = new Float32Array(samples.length + Math.round(sampleRate * 0.2));
  padded.set(samples);
  const events = [...detector.process(padded), ...detector.flush()];
  detector.close();
  return events;
}

interface PageResults {
  keys: string; presses: DtmfEvent[]; keydowns: { digit: string; startMs: number; detectedMs: number; postedMs: number }[];
  payloads: { event: string; session_uuid: string; digit: string; duration_ms: number }[]; sampleRate: number; mode: string;
}

describe(hasChromium ? "browser demo in headless chromium (playwright-core)" : `browser demo (${SKIPPED})`, () => {
  let browser: Browser | undefined;
  let page: Page;
  let server: { url: string; close(): Promise<void> } | undefined;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!hasChromium) return;
    if (!existsSync(new URL("../dist/worklet/processor.js", import.meta.url)) || !existsSync(new URL("../build/dtmf.wasm", import.meta.url))) {
      throw new Error("dist/ or build/ is missing: run `npm run build` first");
    }
    // @ts-expect-error: a JavaScript script without type declarations
    const { startDemoServer } = await import("../scripts/serve-demo.mjs");
    server = await startDemoServer({ port: 0 });
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 640 } });
    page.on("pageerror", (error) => pageErrors.push(String(error)));
    page.on("console", (message) => { if (message.type() === "error") pageErrors.push(message.text()); });
    await page.goto(server!.url);
    await page.waitForSelector("html[data-ready=true]");
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const results = () => page.evaluate(() => (window as unknown as { dtmfDemo: { results: PageResults } }).dtmfDemo.results);

  async function loadFile(name: string, file: Buffer): Promise<void> {
    await page.setInputFiles("#file", { name, mimeType: "audio/wav", buffer: file });
    await page.waitForSelector("#analyze:not([disabled])");
  }

  async function analyse(rate: number): Promise<PageResults> {
    await page.selectOption("#rate", String(rate));
    await page.click("#analyze");
    await page.waitForSelector("#status[data-state=done], #status[data-state=error]");
    expect(await page.getAttribute("#status", "data-state"), await page.textContent("#status") ?? "").toBe("done");
    return results();
  }

  for (const rate of [48000, 44100]) {
    it.skipIf(!hasChromium)(`offline at ${rate} Hz: the keys, durations and payloads in the page; events identical to Node's`, async () => {
      const { audio, pcm, file } = tones(rate);
      await loadFile(`tones-${rate}.wav`, file);
      const got = await analyse(rate);
      expect(got.sampleRate).toBe(rate);
      expect(await page.textContent("#keys")).toBe(KEYS);
      // The page's table: one row per press, its duration within 10 ms of the generated tone.
      const rows = await page.$$eval("#presses tbody tr", (trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent ?? "")));
      expect(rows.map((r) => r[1]).join("")).toBe(KEYS);
      rows.forEach((row, k) => {
        expect(Math.abs(Number(row[3]) - audio.tones[k].durationMs), `row ${k} duration`).toBeLessThanOrEqual(10);
        expect(Math.abs(Number(row[2]) - audio.tones[k].startMs), `row ${k} start`).toBeLessThanOrEqual(5);
      });
      // The payload list: the seed `dtmf` payload of each press.
      const shown = await page.$$eval("#payloads pre", (pres) => pres.map((pre) => JSON.parse(pre.textContent ?? "null")));
      expect(shown).toEqual(got.presses.map((p) => buildDtmfPayload(p, { sessionUuid: "demo-session" })));
      expect(shown.map((p: { digit: string }) => p.digit).join("")).toBe(KEYS);
      // Same samples, same events: the worklet and the library in Node agree exactly. (The
      // samples are the browser's decoding of the file, which at 44.1 kHz is not exactly int16/32768.)
      const decoded = await page.evaluate(`(async () => {
        const bytes = Uint8Array.from(atob(${JSON.stringify(file.toString("base64"))}), (c) => c.charCodeAt(0));
        const buffer = await new OfflineAudioContext(1, 1, ${rate}).decodeAudioData(bytes.buffer);
        return Array.from(buffer.getChannelData(0));
      })()`) as number[];
      expect(decoded).toHaveLength(pcm.length);
      const reference = await nodeEvents(decoded, rate);
      expect(got.presses).toEqual(reference.filter((e) => e.type === "dtmf"));
      const keydowns = reference.filter((e): e is KeyDownEvent => e.type === "keydown");
      expect(got.keydowns.map(({ digit, startMs, detectedMs }) => ({ digit, startMs, detectedMs })))
        .toEqual(keydowns.map(({ digit, startMs, detectedMs }) => ({ digit, startMs, detectedMs })));
      // Each event is posted at the end of the 128-frame render quantum in which it was decided.
      got.keydowns.forEach((k) => {
        const lateFrames = Math.round(((k.postedMs - k.detectedMs) * rate) / 1000);
        expect(lateFrames).toBeGreaterThanOrEqual(0);
        expect(lateFrames).toBeLessThan(128);
      });
      // Every key that was pressed is marked on the keypad.
      const seen = await page.$$eval("#keypad .seen", (cells) => cells.map((c) => (c as HTMLElement).dataset.key).sort().join(""));
      expect(seen).toBe([...KEYS].sort().join(""));
      if (rate === 48000) await page.screenshot({ path: SCREENSHOT, fullPage: true });
    });
  }

  it.skipIf(!hasChromium)("live at 48 kHz (AudioContext, real time): Play, then Stop, gives the same keys and durations", async () => {
    // Real-time playback depends on the machine keeping up: on a loaded machine an attempt can
    // underrun. Up to LIVE_ATTEMPTS attempts; the test fails only if none is right, and then
    // reports what each attempt got.
    const { audio, file } = tones(8000);
    const attempts: string[][] = [];
    for (let attempt = 1; attempt <= LIVE_ATTEMPTS; attempt++) {
      await loadFile("tones-8k.wav", file);
      await page.selectOption("#rate", "48000");
      await page.click("#play");
      await page.waitForSelector("#status[data-state=played]", { timeout: 30_000 });
      await page.click("#stop");
      await page.waitForSelector("#status[data-state=done]");
      const got = await results();
      const problems: string[] = [];
      if (got.mode !== "play") problems.push(`mode ${got.mode}`);
      if (got.keys !== KEYS) problems.push(`keys "${got.keys}", sent "${KEYS}"`);
      else {
        // Resampled from 8 kHz by the browser: the durations still within 10 ms of the tones.
        got.presses.forEach((p, k) => {
          if (Math.abs(p.durationMs - audio.tones[k].durationMs) > 10) problems.push(`press ${k}: ${p.durationMs} ms, sent ${audio.tones[k].durationMs} ms`);
        });
        // Media time starts when the worklet starts, before the source: onsets keep their spacing.
        got.presses.slice(1).forEach((p, k) => {
          const spacing = audio.tones[k + 1].startMs - audio.tones[k].startMs;
          if (Math.abs(p.startMs - got.presses[k].startMs - spacing) > 5) problems.push(`press ${k + 1}: ${p.startMs - got.presses[k].startMs} ms after the one before, sent ${spacing} ms`);
        });
      }
      if (problems.length === 0) {
        if (attempt > 1) console.warn(`live playback right at attempt ${attempt}; before: ${attempts.map((a) => a.join(", ")).join(" | ")}`);
        return;
      }
      attempts.push(problems);
    }
    expect(attempts, `no live attempt of ${LIVE_ATTEMPTS} was right`).toEqual([]);
  });

  it.skipIf(!hasChromium)("the Web Streams adapter runs in the page (no Node imports): μ-law bytes in, keys out", async () => {
    const mulaw = encodeSamples(generateDtmf({ keys: "2580#", toneMs: 70, gapMs: 70 }).samples, "mulaw");
    // A string, so that the test runner leaves its dynamic imports alone: the page loads them.
    const digits = await page.evaluate(`(async () => {
      const { DtmfEngine } = await import("/dist/engine.js");
      const { DtmfTransformStream } = await import("/dist/streams/web.js");
      const engine = await DtmfEngine.create();
      const data = Uint8Array.from(atob(${JSON.stringify(Buffer.from(mulaw).toString("base64"))}), (c) => c.charCodeAt(0));
      const source = new ReadableStream({
        start(controller) {
          for (let at = 0; at < data.length; at += 161) controller.enqueue(data.subarray(at, at + 161));
          controller.close();
        },
      });
      const out = [];
      const reader = source.pipeThrough(new DtmfTransformStream({ engine, encoding: "mulaw", events: "dtmf" })).getReader();
      for (let r = await reader.read(); !r.done; r = await reader.read()) out.push(r.value.digit);
      return { digits: out.join(""), channelsOpen: engine.channelsOpen };
    })()`);
    expect(digits).toEqual({ digits: "2580#", channelsOpen: 0 });
  });

  it.skipIf(!hasChromium)("a context rate the detector cannot run at is refused with a typed error naming it", async () => {
    const error = await page.evaluate(`(async () => {
      const { createDtmfWorkletNode } = await import("/dist/worklet/index.js");
      try {
        await createDtmfWorkletNode(new OfflineAudioContext(1, 128, 96000));
        return "no error";
      } catch (e) {
        return { name: e.name, code: e.code, message: e.message };
      }
    })()`);
    expect(error).toEqual({
      name: "DtmfOptionError", code: "ERR_DTMF_OPTION",
      message: "context.sampleRate must be an integer from 8000 to 48000 (make the context with { sampleRate: 48000 }); received 96000",
    });
    const tuning = await page.evaluate(`(async () => {
      const { createDtmfWorkletNode } = await import("/dist/worklet/index.js");
      const errors = [];
      for (const options of [{ tuning: { sampleRate: 8000 } }, { tuning: { minToneMs: 5 } }, { channel: -1 }, { onevent: () => {} }]) {
        try { await createDtmfWorkletNode(new OfflineAudioContext(1, 128, 48000), options); errors.push("no error"); }
        catch (e) { errors.push(e.name + ": " + e.message.split(";")[0]); }
      }
      return errors;
    })()`);
    expect(tuning).toEqual([
      expect.stringMatching(/^DtmfOptionError: sampleRate must be one of the tuning options/),
      "DtmfOptionError: minToneMs must be a number from 10 to 200",
      "DtmfOptionError: channel must be an integer ≥ 0 or \"mix\"",
      expect.stringMatching(/^DtmfOptionError: onevent must be one of the worklet options/),
    ]);
  });

  it.skipIf(!hasChromium)("the page logged no errors", () => {
    expect(pageErrors).toEqual([]);
  });
});
