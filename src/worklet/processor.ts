/**
 * The AudioWorklet processor (`dtmf-wasm/worklet/processor`): a DTMF detector running in the
 * audio thread at the context's rate (44.1 or 48 kHz; any 8-48 kHz), on float32 input, one
 * render quantum (128 frames) at a time. Events go to the main thread through the node's port.
 * Load it with `context.audioWorklet.addModule(url)`; createDtmfWorkletNode() (./index.ts)
 * does that and passes the compiled WebAssembly module, since a worklet cannot fetch.
 *
 * Media time is the count of frames analysed since the processor started; the quanta that
 * arrive while the engine is still being instantiated are kept and analysed first, so no
 * audio is skipped and the events are the same as from the library on the same samples.
 */
import "./scope.js";
import type { Detector } from "../detector.js";
import { DtmfEngine } from "../engine.js";
import type { DetectorEvent } from "../events.js";
import { DtmfOptionError } from "../errors.js";
import { type DtmfProcessorOptions, type FromProcessor, PROCESSOR_NAME, type ToProcessor } from "./messages.js";

// AudioWorkletGlobalScope, as much of it as this file uses (lib.dom does not declare it).
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
  constructor(options?: AudioWorkletNodeOptions);
}
declare function registerProcessor(name: string, processor: new (options: AudioWorkletNodeOptions) => AudioWorkletProcessor): void;
declare const sampleRate: number;
declare const currentFrame: number;

class DtmfProcessor extends AudioWorkletProcessor {
  private detector: Detector | undefined;
  private pending: Float32Array[] | undefined = [];
  private stopped = false;
  /** Context frame of the first quantum seen: media time 0. */
  private firstFrame: number | undefined;
  private readonly channel: number | "mix";
  private readonly passThrough: boolean;
  private mix = new Float32Array(128);
  private silence = new Float32Array(128);

  constructor(options: AudioWorkletNodeOptions) {
    super(options);
    const o = (options.processorOptions ?? {}) as Partial<DtmfProcessorOptions>;
    this.channel = o.channel ?? 0;
    this.passThrough = o.passThrough === true;
    this.port.onmessage = (message: MessageEvent<ToProcessor>) => this.onMessage(message.data);
    void this.start(o);
  }

  private async start(o: Partial<DtmfProcessorOptions>): Promise<void> {
    try {
      if (o.wasm === undefined) throw new DtmfOptionError("processorOptions.wasm", "a compiled WebAssembly.Module or its bytes", undefined);
      if (this.channel !== "mix" && (!Number.isInteger(this.channel) || this.channel < 0)) {
        throw new DtmfOptionError("processorOptions.channel", `an integer ≥ 0 or "mix"`, this.channel);
      }
      const engine = await DtmfEngine.create({ wasm: o.wasm });
      if (this.stopped) return;
      this.detector = engine.createDetector({ ...(o.tuning ?? {}), sampleRate, encoding: "float32" });
      this.post({ type: "ready", sampleRate, startFrame: this.firstFrame ?? currentFrame });
      const pending = this.pending ?? [];
      this.pending = undefined;
      for (const block of pending) this.analyse(block);
    } catch (error) {
      this.fail(error);
    }
  }

  process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    if (this.stopped) return false;
    this.firstFrame ??= currentFrame;
    const block = this.select(inputs[0] ?? [], outputs[0]?.[0]?.length ?? this.silence.length);
    if (this.passThrough && outputs[0]?.[0]) outputs[0][0].set(block.subarray(0, outputs[0][0].length));
    if (this.detector) this.analyse(block);
    else if (this.pending) this.pending.push(block.slice());
    return true;
  }

  /**
   * The samples to analyse in this quantum: one channel, the mix of all, or silence when
   * nothing is connected (media time goes on with the context's, so a press still ends).
   */
  private select(channels: Float32Array[], quantum: number): Float32Array {
    if (channels.length === 0) {
      if (this.silence.length !== quantum) this.silence = new Float32Array(quantum);
      return this.silence;
    }
    const frames = channels[0].length;
    if (this.channel !== "mix") return channels[Math.min(this.channel, channels.length - 1)];
    if (this.mix.length !== frames) this.mix = new Float32Array(frames);
    const mix = this.mix;
    mix.set(channels[0]);
    for (let c = 1; c < channels.length; c++) {
      const data = channels[c];
      for (let i = 0; i < frames; i++) mix[i] += data[i];
    }
    const scale = 1 / channels.length;
    for (let i = 0; i < frames; i++) mix[i] *= scale;
    return mix;
  }

  private analyse(block: Float32Array): void {
    const detector = this.detector!;
    let events: readonly DetectorEvent[];
    try {
      events = detector.process(block);
    } catch (error) {
      this.fail(error);
      return;
    }
    if (events.length > 0) this.post({ type: "events", events: [...events], positionSamples: detector.positionSamples });
  }

  private onMessage(message: ToProcessor): void {
    try {
      if (message.type === "flush") {
        const detector = this.detector;
        if (!detector) {
          this.post({ type: "flushed", id: message.id, events: [], positionSamples: 0 });
        } else {
          const positionSamples = detector.positionSamples;
          this.post({ type: "flushed", id: message.id, events: [...detector.flush()], positionSamples });
        }
        this.stop();
      } else if (message.type === "configure") {
        this.detector?.configure(message.tuning);
      } else if (message.type === "close") {
        this.stop();
      }
    } catch (error) {
      this.fail(error);
    }
  }

  private stop(): void {
    this.stopped = true;
    this.pending = undefined;
    this.detector?.close();
  }

  private fail(error: unknown): void {
    const e = error as { name?: string; code?: string; message?: string };
    this.post({ type: "error", name: e?.name ?? "Error", code: e?.code ?? "ERR_DTMF_WORKLET", message: e?.message ?? String(error) });
    this.stop();
  }

  private post(message: FromProcessor): void { this.port.postMessage(message); }
}

registerProcessor(PROCESSOR_NAME, DtmfProcessor);
