/**
 * The RFC 4733 receiver against streams a network or a far end produces: a packet far ahead
 * of the stream, a new SSRC whose timestamps start lower, ignored non-DTMF packets with wild
 * timestamps, reordering within a few packets, and 2^32 wraps. Each used to lose presses,
 * shift them by 2^32, duplicate them or truncate their durations (issue 19).
 */
import { describe, expect, it } from "vitest";
import { seededRandom } from "../src/generator.js";
import { type RtpDtmfReceiverEvent, type RtpInfo, TelephoneEventReceiver } from "../src/rtp/receiver.js";
import { type TelephoneEventPacket, TelephoneEventSender } from "../src/rtp/sender.js";
import { encodeTelephoneEvent } from "../src/rtp/telephone-event.js";

const KEYS = "0123456789*#ABCD";
/** 200 presses: 100 ms tone every 250 ms, at 8 kHz. */
function presses(count: number, startSample = 0) {
  return Array.from({ length: count }, (_, i) => ({ digit: KEYS[i % KEYS.length], startSample: startSample + i * 2000, durationSamples: 800 }));
}

function send(count: number, options: ConstructorParameters<typeof TelephoneEventSender>[0] = {}, startSample = 0): TelephoneEventPacket[] {
  const sender = new TelephoneEventSender(options);
  return presses(count, startSample).flatMap((p) => sender.wholePress(p));
}

type Wire = { payload: Uint8Array; rtp: RtpInfo };
const wire = (packets: TelephoneEventPacket[], extra: Partial<RtpInfo> = {}): Wire[] =>
  packets.map((p) => ({ payload: p.payload, rtp: { timestamp: p.timestamp, sequence: p.sequence, ...extra } }));

function run(stream: Wire[], receiver = new TelephoneEventReceiver()): { events: RtpDtmfReceiverEvent[]; receiver: TelephoneEventReceiver } {
  const events = [...stream.flatMap((w) => receiver.receive(w.payload, w.rtp)), ...receiver.flush()];
  return { events, receiver };
}
const dtmf = (events: RtpDtmfReceiverEvent[]) => events.filter((e) => e.type === "dtmf");
const digits = (events: RtpDtmfReceiverEvent[]) => dtmf(events).map((e) => e.digit).join("");
const expected = (count: number) => presses(count).map((p) => p.digit).join("");

/** Keydown and dtmf strictly alternate, in press order: what a DigitCollector needs. */
function expectPaired(events: RtpDtmfReceiverEvent[]): void {
  for (let i = 0; i < events.length; i += 2) {
    expect(events[i].type, `event ${i}`).toBe("keydown");
    expect(events[i + 1]).toMatchObject({ type: "dtmf", digit: events[i].digit, startSample: events[i].startSample });
  }
  const starts = dtmf(events).map((e) => e.startSample);
  expect([...starts].sort((a, b) => a - b)).toEqual(starts);
}

describe("a packet far ahead of the stream", () => {
  for (const withSequence of [true, false]) {
    it(`10 M units ahead, ${withSequence ? "in sequence" : "no sequence numbers"}: no later press is lost, none shifted`, () => {
      const packets = send(200, { timestampOrigin: 1000 });
      const at = packets.findIndex((p) => p.event.end) + 3; // after press 0's end packets
      const bogus: Wire = { payload: encodeTelephoneEvent({ digit: "5", duration: 400 }), rtp: { timestamp: 1000 + 10_000_000 } };
      let stream = [...wire(packets.slice(0, at)), bogus, ...wire(packets.slice(at))];
      // Sequence numbers as on the wire: consecutive, the bogus packet one of them.
      stream = stream.map((w, i) => ({ payload: w.payload, rtp: withSequence ? { timestamp: w.rtp.timestamp, sequence: i } : { timestamp: w.rtp.timestamp } }));
      const { events, receiver } = run(stream);
      expect(digits(events)).toBe(expected(200));
      expect(dtmf(events).map((e) => e.startSample)).toEqual(presses(200).map((p) => p.startSample));
      expect(dtmf(events).every((e) => e.durationSamples === 800 && e.endReceived)).toBe(true);
      expect(receiver.stats.discarded).toBe(1);
    });
  }

  it("a real event after a long silence (a second packet confirms it) is kept", () => {
    const sender = new TelephoneEventSender({ timestampOrigin: 0 });
    const packets = [...sender.wholePress({ digit: "1", startSample: 0, durationSamples: 800 }),
      ...sender.wholePress({ digit: "2", startSample: 8000 * 600, durationSamples: 800 })]; // 10 minutes later
    const { events } = run(wire(packets));
    expect(dtmf(events).map((e) => [e.digit, e.startSample, e.durationSamples])).toEqual([["1", 0, 800], ["2", 8000 * 600, 800]]);
  });
});

describe("a new source whose timestamps start lower", () => {
  for (const [name, withSsrc] of [["with SSRC", true], ["SSRC not given (timestamps and sequence jump back)", false]] as const) {
    it(`${name}: all 200 presses, media time never going back`, () => {
      const a = wire(send(100, { timestampOrigin: 3_000_000, firstSequence: 40000 }), withSsrc ? { ssrc: 1 } : {});
      const b = wire(send(100, { timestampOrigin: 5000, firstSequence: 7 }), withSsrc ? { ssrc: 2 } : {});
      const { events, receiver } = run([...a, ...b]);
      expect(digits(events)).toBe(expected(100) + expected(100));
      expectPaired(events);
      expect(dtmf(events).every((e) => e.durationSamples === 800 && e.endReceived)).toBe(true);
      // Each source's presses keep their spacing.
      const starts = dtmf(events).map((e) => e.startSample);
      for (let i = 1; i < 200; i++) if (i !== 100) expect(starts[i] - starts[i - 1]).toBe(2000);
      expect(receiver.stats.restarts).toBe(1);
    });
  }
});

describe("ignored packets change nothing", () => {
  it("two non-DTMF packets with timestamps half the clock away: no shift by 2^32, no duplicate", () => {
    const packets = wire(send(20, { timestampOrigin: 100 }));
    const fax = (timestamp: number, sequence: number): Wire => ({ payload: encodeTelephoneEvent({ event: 36, duration: 10 }), rtp: { timestamp, sequence } });
    const at = 10;
    const stream = [...packets.slice(0, at), fax((100 + 2 ** 31 - 10) % 2 ** 32, 30000), fax((100 + 2 ** 32 - 20) % 2 ** 32, 30001), ...packets.slice(at)];
    const { events, receiver } = run(stream);
    expect(digits(events)).toBe(expected(20));
    expect(dtmf(events).map((e) => e.startSample)).toEqual(presses(20).map((p) => p.startSample));
    expect(receiver.stats.otherEvents).toBe(2);
  });
});

describe("reordering", () => {
  it("400 presses, every packet displaced by up to 6 places (20 seeds): none lost, no duration cut", () => {
    const packets = wire(send(400, { timestampOrigin: 2 ** 32 - 300_000 })); // wraps on the way
    for (let seed = 1; seed <= 20; seed++) {
      const random = seededRandom(seed);
      // Sort by position + a random delay of 0-6 places: each packet ends up at most 6 places off.
      const shuffled = packets.map((w, i) => ({ w, key: i + random() * 6.99 })).sort((x, y) => x.key - y.key).map((x) => x.w);
      const { events } = run(shuffled);
      expect(digits(events), `seed ${seed}`).toBe(expected(400));
      expectPaired(events);
      expect(dtmf(events).map((e) => e.startSample), `seed ${seed}`).toEqual(presses(400).map((p) => p.startSample));
      expect(dtmf(events).filter((e) => e.durationSamples !== 800), `seed ${seed}`).toEqual([]);
    }
  });
});

describe("advance() far ahead", () => {
  it("one audio timestamp far ahead is not believed; two that agree are", () => {
    const receiver = new TelephoneEventReceiver({ timestampOrigin: 0 });
    const sender = new TelephoneEventSender({ timestampOrigin: 0 });
    const first = sender.wholePress({ digit: "1", startSample: 0, durationSamples: 800 }).filter((p) => !p.event.end);
    for (const p of first) receiver.receive(p.payload, { timestamp: p.timestamp, sequence: p.sequence });
    // A bogus audio timestamp 10 M units ahead does not end the open press…
    expect(receiver.advance(10_000_000)).toEqual([]);
    // …but audio that keeps coming from there does (the press's end packets were lost).
    expect(receiver.advance(10_000_160)).toMatchObject([{ type: "dtmf", digit: "1", endReceived: false }]);
  });
});
