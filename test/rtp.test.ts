/**
 * RFC 4733 telephone-events: the 4-byte payload against hand-computed bytes, the sender on
 * real detector events (start, 50 ms updates, three end packets, segments past 0xFFFF units,
 * sequence and timestamp wrap), the receiver on what the sender makes (in order, with loss,
 * duplicates, reordering, late packets), the two through a real UDP socket with RTP headers,
 * and the merger of in-band and RFC 4733 reports of the same call.
 */
import { createSocket } from "node:dgram";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { DigitCollector } from "../src/collector.js";
import { DtmfInputError, DtmfOptionError } from "../src/errors.js";
import type { DetectorEvent, DtmfEvent } from "../src/events.js";
import { encodeSamples, generateDtmf, seededRandom } from "../src/generator.js";
import { DtmfMerger, type MergedEvent } from "../src/rtp/merge.js";
import { REORDER_MS, type RtpDtmfReceiverEvent, TelephoneEventReceiver } from "../src/rtp/receiver.js";
import { type TelephoneEventPacket, TelephoneEventSender } from "../src/rtp/sender.js";
import {
  DtmfRtpError, EVENT_DIGITS, MAX_EVENT_DURATION, decodeTelephoneEvent, digitToEvent, encodeTelephoneEvent, volumeFromLevels,
} from "../src/rtp/telephone-event.js";
import { testEngine } from "./helpers.js";

const bytes = (...values: number[]) => new Uint8Array(values);

describe("telephone-event payload", () => {
  it("encodes to the bytes of RFC 4733 §2.3 (hand-computed)", () => {
    expect(encodeTelephoneEvent({ digit: "5", end: true, volume: 10, duration: 800 })).toEqual(bytes(0x05, 0x8a, 0x03, 0x20));
    expect(encodeTelephoneEvent({ digit: "#", volume: 0, duration: 0xffff })).toEqual(bytes(0x0b, 0x00, 0xff, 0xff));
    expect(encodeTelephoneEvent({ digit: "*", end: false, volume: 63, duration: 1 })).toEqual(bytes(0x0a, 0x3f, 0x00, 0x01));
    expect(encodeTelephoneEvent({ digit: "d", duration: 160 })).toEqual(bytes(0x0f, 0x0a, 0x00, 0xa0));
    expect(encodeTelephoneEvent({ event: 32, volume: 13, duration: 4000 })).toEqual(bytes(0x20, 0x0d, 0x0f, 0xa0));
    const target = new Uint8Array(7);
    encodeTelephoneEvent({ digit: "0", end: true, duration: 258 }, target, 2);
    expect(target).toEqual(bytes(0, 0, 0x00, 0x8a, 0x01, 0x02, 0));
  });

  it("decodes, ignoring the R bit; codes above 15 have no digit", () => {
    expect(decodeTelephoneEvent(bytes(0x01, 0xc5, 0x00, 0xa0))).toEqual({ event: 1, digit: "1", end: true, volume: 5, duration: 160 });
    expect(decodeTelephoneEvent(bytes(0x0c, 0x40, 0xff, 0xff))).toEqual({ event: 12, digit: "A", end: false, volume: 0, duration: 65535 });
    expect(decodeTelephoneEvent(bytes(0x20, 0x0d, 0x0f, 0xa0))).toEqual({ event: 32, digit: undefined, end: false, volume: 13, duration: 4000 });
    expect(decodeTelephoneEvent(bytes(9, 9, 0x0b, 0x8a, 0, 7), 2)).toEqual({ event: 11, digit: "#", end: true, volume: 10, duration: 7 });
  });

  it("round-trips every key × end × volume × duration", () => {
    let cases = 0;
    for (const digit of EVENT_DIGITS) {
      for (const end of [false, true]) {
        for (const volume of [0, 1, 10, 36, 63]) {
          for (const duration of [0, 1, 160, 255, 256, 40000, MAX_EVENT_DURATION]) {
            const decoded = decodeTelephoneEvent(encodeTelephoneEvent({ digit, end, volume, duration }));
            expect(decoded).toEqual({ event: digitToEvent(digit), digit, end, volume, duration });
            cases++;
          }
        }
      }
    }
    expect(cases).toBe(16 * 2 * 5 * 7);
  });

  it("rejects out-of-range fields with typed errors naming them", () => {
    expect(() => encodeTelephoneEvent({ digit: "5", duration: 65536 })).toThrow(new DtmfOptionError("duration", "an integer from 0 to 65535", 65536));
    expect(() => encodeTelephoneEvent({ digit: "5", duration: -1 })).toThrow("duration must be an integer from 0 to 65535; received -1");
    expect(() => encodeTelephoneEvent({ digit: "5", duration: Number.NaN })).toThrow("duration must be an integer from 0 to 65535; received NaN");
    expect(() => encodeTelephoneEvent({ digit: "5", duration: 1.5 })).toThrow("duration must be an integer from 0 to 65535; received 1.5");
    expect(() => encodeTelephoneEvent({ digit: "5", volume: 64, duration: 0 })).toThrow("volume must be an integer from 0 to 63; received 64");
    expect(() => encodeTelephoneEvent({ digit: "E", duration: 0 })).toThrow("digit must be one of 0-9, *, #, A-D; received \"E\"");
    expect(() => encodeTelephoneEvent({ event: 256, duration: 0 })).toThrow("event must be an integer from 0 to 255; received 256");
    expect(() => encodeTelephoneEvent({ digit: "1", event: 2, duration: 0 })).toThrow("event must be absent or 1 (the code of digit \"1\"); received 2");
    expect(() => encodeTelephoneEvent({ digit: "1", duration: 0 }, new Uint8Array(3))).toThrow(DtmfOptionError);
    expect(() => decodeTelephoneEvent(bytes(1, 2, 3))).toThrow(new DtmfRtpError("a telephone-event payload has 4 bytes; received 3 at offset 0"));
    expect(() => decodeTelephoneEvent(bytes(1, 2, 3, 4), 1)).toThrow(DtmfRtpError);
    expect(() => decodeTelephoneEvent([1, 2, 3, 4] as never)).toThrow("a telephone-event payload must be a Uint8Array; received an array of 4");
  });

  it("volume is the two tones' total power, −dBm0, clamped to 0…63", () => {
    expect(volumeFromLevels(-10, -10)).toBe(7); // −10 dBm0 + −10 dBm0 = −6.99 dBm0
    expect(volumeFromLevels(-20, -28)).toBe(19);
    expect(volumeFromLevels(3, 3)).toBe(0);
    expect(volumeFromLevels(-70, -70)).toBe(63);
  });
});

/** The detector on generated μ-law audio in 20 ms frames, with a sender advanced after each frame. */
async function liveSend(keys: string | Parameters<typeof generateDtmf>[0]["keys"], options: ConstructorParameters<typeof TelephoneEventSender>[0] = {}, gen: Partial<Parameters<typeof generateDtmf>[0]> = {}) {
  const sampleRate = options.sampleRate ?? 8000;
  const audio = generateDtmf({ keys, sampleRate, toneMs: 100, gapMs: 100, ...gen });
  const data = encodeSamples(audio.samples, "mulaw");
  const detector = (await testEngine()).createDetector({ sampleRate, encoding: "mulaw" });
  const sender = new TelephoneEventSender(options);
  const events: DetectorEvent[] = [];
  const packets: TelephoneEventPacket[] = [];
  const frame = sampleRate / 50;
  for (let at = 0; at < data.length; at += frame) {
    const got = detector.process(data.subarray(at, at + frame));
    events.push(...got);
    packets.push(...sender.feed(got));
    packets.push(...sender.advance(Math.min(data.length, at + frame)));
  }
  const last = detector.flush();
  events.push(...last);
  packets.push(...sender.feed(last), ...sender.end(data.length));
  detector.close();
  const presses = events.filter((e): e is DtmfEvent => e.type === "dtmf");
  return { audio, events, presses, packets };
}

/** Packets grouped by event (by timestamp of the first segment, in order of appearance). */
function byEvent(packets: TelephoneEventPacket[]): TelephoneEventPacket[][] {
  const groups: TelephoneEventPacket[][] = [];
  for (const p of packets) {
    if (p.marker) groups.push([]);
    groups[groups.length - 1].push(p);
  }
  return groups;
}

describe("sender: detected keys → packet sequences", () => {
  it("start (M bit), updates every 50 ms, three end packets with the exact duration", async () => {
    const { presses, packets } = await liveSend("1#9", { timestampOrigin: 1000, firstSequence: 7 });
    expect(presses.map((p) => p.digit).join("")).toBe("1#9");
    const groups = byEvent(packets);
    expect(groups).toHaveLength(3);
    packets.forEach((p, i) => expect(p.sequence).toBe(7 + i));
    groups.forEach((group, k) => {
      const press = presses[k];
      expect(group.every((p) => p.timestamp === 1000 + press.startSample)).toBe(true);
      expect(group.map((p) => p.marker)).toEqual([true, ...group.slice(1).map(() => false)]);
      expect(group.every((p) => p.event.digit === press.digit && p.event.volume === 7)).toBe(true);
      const ends = group.filter((p) => p.event.end);
      expect(ends).toHaveLength(3);
      expect(group.slice(-3)).toEqual(ends);
      expect(new Set(ends.map((p) => p.event.duration))).toEqual(new Set([press.durationSamples]));
      expect(ends.every((p) => p.sendSample === press.detectedSample)).toBe(true);
      // The first packet goes out at the keydown, with the duration so far; updates follow every 400 samples.
      const updates = group.filter((p) => !p.event.end);
      expect(updates[0].event.duration).toBe(updates[0].sendSample - press.startSample);
      for (let i = 1; i < updates.length; i++) {
        expect(updates[i].sendSample - updates[i - 1].sendSample).toBe(400);
        expect(updates[i].event.duration).toBeGreaterThan(updates[i - 1].event.duration);
      }
      // A 100 ms press: keydown ≈ 30 ms in, then updates until its end is known ≈ 130 ms in.
      expect(updates.length).toBeGreaterThanOrEqual(2);
      expect(new Uint8Array(group[0].payload)).toEqual(encodeTelephoneEvent(group[0].event));
    });
  });

  it("media time at 48 kHz → timestamps at the 8 kHz clock; sequence and timestamp wrap", async () => {
    const origin = 2 ** 32 - 1000;
    const { presses, packets } = await liveSend("47", { sampleRate: 48000, timestampOrigin: origin, firstSequence: 65534 });
    expect(packets.slice(0, 4).map((p) => p.sequence)).toEqual([65534, 65535, 0, 1]);
    const groups = byEvent(packets);
    groups.forEach((group, k) => {
      const units = Math.round(presses[k].startSample / 6);
      expect(group[0].timestamp).toBe((origin + units) % 2 ** 32);
      expect(group.at(-1)!.event.duration).toBe(Math.round((presses[k].startSample + presses[k].durationSamples) / 6) - units);
    });
    expect(groups[1][0].timestamp).toBeLessThan(origin); // wrapped past 2^32
  });

  it("long-duration events: 0xFFFF closes a segment; the next starts at timestamp + 0xFFFF (RFC 4733 §2.5.1.3)", async () => {
    const { presses, packets } = await liveSend("5", { timestampOrigin: 0 }, { toneMs: 20000, leadMs: 100, tailMs: 200 });
    expect(presses).toHaveLength(1);
    const press = presses[0];
    const stamps = [...new Set(packets.map((p) => p.timestamp))];
    expect(stamps).toEqual([press.startSample, press.startSample + 0xffff, press.startSample + 2 * 0xffff]);
    for (const stamp of stamps.slice(0, 2)) {
      const segment = packets.filter((p) => p.timestamp === stamp);
      expect(segment.at(-1)!.event.duration).toBe(0xffff);
      expect(segment.every((p) => !p.event.end)).toBe(true);
    }
    const last = packets.filter((p) => p.timestamp === stamps[2]);
    expect(last.filter((p) => p.event.end).map((p) => p.event.duration)).toEqual(Array(3).fill(press.durationSamples - 2 * 0xffff));
    expect(packets.filter((p) => p.marker)).toHaveLength(1);
    // The receiver puts the segments back together: one press, its full duration.
    const receiver = new TelephoneEventReceiver({ timestampOrigin: 0 });
    const got = packets.flatMap((p) => receiver.receive(p.payload, { timestamp: p.timestamp, sequence: p.sequence }));
    expect(got.map((e) => e.type)).toEqual(["keydown", "dtmf"]);
    expect(got[1]).toMatchObject({ digit: "5", startSample: press.startSample, durationSamples: press.durationSamples, endReceived: true });
  });

  it("wholePress() gives the sequence of a finished press from its onset; a dtmf without keydown gets it at once", () => {
    const sender = new TelephoneEventSender({ firstSequence: 100, volume: 12 });
    const packets = sender.wholePress({ digit: "C", startSample: 800, durationSamples: 1000 });
    expect(packets.map((p) => [p.sendSample, p.event.duration, p.event.end, p.marker])).toEqual([
      [800, 0, false, true], [1200, 400, false, false], [1600, 800, false, false],
      [1800, 1000, true, false], [1800, 1000, true, false], [1800, 1000, true, false],
    ]);
    expect(packets.every((p) => p.timestamp === 800 && p.event.volume === 12 && p.event.digit === "C")).toBe(true);
    const late = new TelephoneEventSender().onEvent({ type: "dtmf", digit: "2", startSample: 4000, startMs: 500, durationSamples: 480, durationMs: 60, detectedSample: 4720, detectedMs: 590,
      lowDbm0: -20, highDbm0: -20, twistDb: 0, lowErrorHz: 0, highErrorHz: 0 });
    expect(late.map((p) => [p.sendSample, p.event.duration, p.event.end])).toEqual([[4720, 0, false], [4720, 400, false], [4720, 480, true], [4720, 480, true], [4720, 480, true]]);
    expect(late[0].event.volume).toBe(17);
  });

  it("checks its options and input", () => {
    expect(() => new TelephoneEventSender({ updateIntervalMs: 5 })).toThrow("updateIntervalMs must be a number from 10 to 1000; received 5");
    expect(() => new TelephoneEventSender({ endPackets: 0 })).toThrow("endPackets must be an integer from 1 to 10; received 0");
    expect(() => new TelephoneEventSender({ timestampOrigin: 2 ** 32 })).toThrow("timestampOrigin must be an integer from 0 to 4294967295; received 4294967296");
    expect(() => new TelephoneEventSender({ volume: 64 })).toThrow(DtmfOptionError);
    expect(() => new TelephoneEventSender({ clockrate: 8000 } as never)).toThrow(DtmfOptionError);
    const sender = new TelephoneEventSender({ nextSequence: () => 70000 });
    expect(() => sender.wholePress({ digit: "1", startSample: 0, durationSamples: 10 })).toThrow("nextSequence() must be an integer from 0 to 65535; received 70000");
    expect(() => new TelephoneEventSender().onEvent({ type: "keyup" } as never)).toThrow(DtmfInputError);
    expect(() => new TelephoneEventSender().advance(Number.NaN)).toThrow("positionSamples must be a number from 0 to 9007199254740991; received NaN");
  });
});

const dtmfOf = (events: RtpDtmfReceiverEvent[]) => events.filter((e) => e.type === "dtmf");

describe("receiver: packets → dtmf events", () => {
  const feed = (receiver: TelephoneEventReceiver, packets: TelephoneEventPacket[]) =>
    packets.flatMap((p) => receiver.receive(p.payload, { timestamp: p.timestamp, sequence: p.sequence }));

  it("in order: one keydown and one dtmf per key, the detector's start and duration exactly; repeated ends counted once", async () => {
    const { presses, packets } = await liveSend("0123456789*#ABCD", { timestampOrigin: 123456 });
    const receiver = new TelephoneEventReceiver({ timestampOrigin: 123456 });
    const events = [...feed(receiver, packets), ...receiver.flush()];
    expect(events.map((e) => e.type)).toEqual(presses.flatMap(() => ["keydown", "dtmf"]));
    expect(dtmfOf(events).map((e) => [e.digit, e.startSample, e.durationSamples, e.endReceived, e.volumeDbm0])).toEqual(
      presses.map((p) => [p.digit, p.startSample, p.durationSamples, true, -7]));
    expect(receiver.stats).toMatchObject({ events: 16, repeatedEnds: 32, endsLost: 0, late: 0, duplicates: 0 });
    // Each dtmf is known at the press's end; each keydown when its first packet left the sender.
    const keydowns = events.filter((e) => e.type === "keydown");
    keydowns.forEach((k, i) => expect(k.detectedSample).toBe(byEvent(packets)[i][0].sendSample));
  });

  it("tolerates loss: lost first packets, lost updates, every end packet lost", async () => {
    const { presses, packets } = await liveSend("369#", {});
    const groups = byEvent(packets);
    // Key 1: first packet lost. Key 2: all updates lost. Key 3: all end packets lost. Key 4: all end packets lost too.
    const kept = [
      ...groups[0].slice(1),
      ...groups[1].filter((p) => p.marker || p.event.end),
      ...groups[2].filter((p) => !p.event.end),
      ...groups[3].filter((p) => !p.event.end),
    ];
    const receiver = new TelephoneEventReceiver({ timestampOrigin: 0 });
    const fed = feed(receiver, kept);
    // Key 4 begins while key 3 is open and after a gap in the sequence (key 3's end packets):
    // it is held in case they are only late, and taken once media time passes it by REORDER_MS.
    expect(fed.map((e) => `${e.type}:${e.digit}`)).toEqual(["keydown:3", "dtmf:3", "keydown:6", "dtmf:6", "keydown:9"]);
    const first4 = groups[3][0];
    const releaseAt = first4.timestamp + first4.event.duration + (REORDER_MS * 8000) / 1000 + 1;
    const released = receiver.advance(releaseAt);
    const got = [...fed, ...released.filter((e) => e.type === "keydown" || e.digit !== "#")];
    expect(got.map((e) => `${e.type}:${e.digit}`)).toEqual(["keydown:3", "dtmf:3", "keydown:6", "dtmf:6", "keydown:9", "dtmf:9", "keydown:#"]);
    const [d3, d6, d9] = dtmfOf(got);
    expect([d3.durationSamples, d3.endReceived]).toEqual([presses[0].durationSamples, true]);
    expect([d6.durationSamples, d6.endReceived]).toEqual([presses[1].durationSamples, true]);
    // Key 3's end never came: it ends when key 4 starts, with the last update's duration, known then.
    const lastUpdate9 = groups[2].filter((p) => !p.event.end).at(-1)!;
    expect([d9.durationSamples, d9.endReceived, d9.detectedSample]).toEqual([lastUpdate9.event.duration, false, presses[3].startSample]);
    // Key 4's end never came either: audio timestamps passing its end by 200 ms end it.
    const lastUpdate = groups[3].filter((p) => !p.event.end).at(-1)!;
    const knownEnd = lastUpdate.timestamp + lastUpdate.event.duration;
    const endedAtRelease = released.filter((e) => e.type === "dtmf" && e.digit === "#");
    if (endedAtRelease.length === 0) expect(receiver.advance(knownEnd + 1600)).toEqual([]);
    const ended = endedAtRelease.length > 0 ? endedAtRelease : receiver.advance(knownEnd + 1601);
    expect(ended).toMatchObject([{ type: "dtmf", digit: "#", durationSamples: lastUpdate.event.duration, endReceived: false, detectedSample: Math.max(knownEnd + 1601, endedAtRelease.length ? releaseAt : 0) }]);
    expect(receiver.flush()).toEqual([]);
    expect(receiver.stats.endsLost).toBe(2);
  });

  it("random loss of 40 % of the packets over 20 seeds: the keys are never lost, doubled or reordered", async () => {
    const { presses, packets } = await liveSend("2580#", {});
    const groups = byEvent(packets);
    for (let seed = 1; seed <= 20; seed++) {
      const random = seededRandom(seed);
      // Loss, but at least one packet of each event arrives (else the key is gone on the wire).
      const kept = groups.flatMap((group) => {
        const survivors = group.filter(() => random() >= 0.4);
        return survivors.length > 0 ? survivors : [group[Math.floor(random() * group.length)]];
      });
      const receiver = new TelephoneEventReceiver({ timestampOrigin: 0 });
      const got = [...feed(receiver, kept), ...receiver.flush()];
      expect(dtmfOf(got).map((e) => e.digit).join(""), `seed ${seed}`).toBe("2580#");
      expect(got.filter((e) => e.type === "keydown").map((e) => e.digit).join("")).toBe("2580#");
      dtmfOf(got).forEach((e, i) => {
        expect(e.startSample).toBe(presses[i].startSample);
        // With an end packet the duration is exact; without, no longer than the press.
        if (e.endReceived) expect(e.durationSamples).toBe(presses[i].durationSamples);
        else expect(e.durationSamples).toBeLessThanOrEqual(presses[i].durationSamples + 400);
      });
    }
  });

  it("reordering, network duplicates, late packets and other events are ignored", async () => {
    const { presses, packets } = await liveSend("78", {});
    const [first, second] = byEvent(packets);
    const endIndex = first.findIndex((p) => p.event.end);
    // The first end packet overtakes the last update; a copy of one update arrives twice;
    // key 7's second packet arrives only after key 8 has begun; a fax tone event (code 36) is in between.
    const swapped = [first[0], ...first.slice(2, endIndex - 1), first[endIndex], first[endIndex - 1], ...first.slice(endIndex + 1)];
    const receiver = new TelephoneEventReceiver({ timestampOrigin: 0 });
    const got = [
      ...feed(receiver, swapped),
      ...feed(receiver, [second[0], second[0]]),
      ...feed(receiver, [first[1]]),
      ...receiver.receive(encodeTelephoneEvent({ event: 36, duration: 100 }), { timestamp: second[0].timestamp + 10, sequence: 60000 }),
      ...feed(receiver, second.slice(1)),
    ];
    expect(got.map((e) => `${e.type}:${e.digit}`)).toEqual(["keydown:7", "dtmf:7", "keydown:8", "dtmf:8"]);
    expect(dtmfOf(got).map((e) => e.durationSamples)).toEqual(presses.map((p) => p.durationSamples));
    expect(receiver.stats).toMatchObject({ duplicates: 1, late: 1, otherEvents: 1, repeatedEnds: 3 + 2 });
  });

  it("unwraps timestamps across 2^32 and takes the first timestamp as origin by default", () => {
    const sender = new TelephoneEventSender({ timestampOrigin: 2 ** 32 - 500 });
    const packets = [
      ...sender.wholePress({ digit: "1", startSample: 0, durationSamples: 800 }),
      ...sender.wholePress({ digit: "2", startSample: 1600, durationSamples: 800 }),
    ];
    expect(packets.at(-1)!.timestamp).toBe(1100);
    const receiver = new TelephoneEventReceiver();
    const got = dtmfOf(packets.flatMap((p) => receiver.receive(p.payload, { timestamp: p.timestamp, sequence: p.sequence })));
    expect(receiver.timestampOrigin).toBe(2 ** 32 - 500);
    expect(got.map((e) => [e.digit, e.startSample, e.durationSamples, e.timestamp])).toEqual([["1", 0, 800, 2 ** 32 - 500], ["2", 1600, 800, 1100]]);
  });

  it("checks its input", () => {
    const receiver = new TelephoneEventReceiver();
    expect(() => receiver.receive(bytes(1, 2), { timestamp: 0 })).toThrow(DtmfRtpError);
    expect(() => receiver.receive(bytes(1, 2, 3, 4), { timestamp: -1 })).toThrow("rtp.timestamp must be an integer from 0 to 4294967295; received -1");
    expect(() => receiver.receive(bytes(1, 2, 3, 4), { timestamp: 0, sequence: 65536 })).toThrow("rtp.sequence must be an integer from 0 to 65535; received 65536");
    expect(() => new TelephoneEventReceiver({ inactivityMs: 10 })).toThrow("inactivityMs must be a number from 50 to 10000; received 10");
  });
});

/** A 12-byte RTP header (RFC 3550 §5.1) + payload. */
function rtpPacket(p: TelephoneEventPacket, payloadType: number, ssrc: number): Buffer {
  const out = Buffer.alloc(12 + p.payload.length);
  out[0] = 0x80; // V=2, no padding, no extension, no CSRC
  out[1] = (p.marker ? 0x80 : 0) | payloadType;
  out.writeUInt16BE(p.sequence, 2);
  out.writeUInt32BE(p.timestamp, 4);
  out.writeUInt32BE(ssrc, 8);
  out.set(p.payload, 12);
  return out;
}

function parseRtp(packet: Buffer): { payloadType: number; marker: boolean; sequence: number; timestamp: number; ssrc: number; payload: Uint8Array } {
  const csrcs = packet[0] & 0x0f;
  const start = 12 + 4 * csrcs;
  return {
    payloadType: packet[1] & 0x7f, marker: (packet[1] & 0x80) !== 0, sequence: packet.readUInt16BE(2),
    timestamp: packet.readUInt32BE(4), ssrc: packet.readUInt32BE(8), payload: new Uint8Array(packet.subarray(start)),
  };
}

describe("over a real UDP socket", () => {
  it("sender → RTP packets on 127.0.0.1 → receiver: the same keys and durations", async () => {
    const { presses, packets } = await liveSend("1590*", { timestampOrigin: 987654321, firstSequence: 4000 });
    const PT = 101, SSRC = 0x1234abcd;
    const server = createSocket("udp4");
    const client = createSocket("udp4");
    const received: Buffer[] = [];
    const all = new Promise<void>((resolve) => server.on("message", (m) => { received.push(m); if (received.length === packets.length) resolve(); }));
    await new Promise<void>((resolve) => server.bind(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    for (const p of packets) await new Promise<void>((resolve, reject) => client.send(rtpPacket(p, PT, SSRC), port, "127.0.0.1", (e) => (e ? reject(e) : resolve())));
    await all;
    client.close();
    server.close();
    const receiver = new TelephoneEventReceiver({ timestampOrigin: 987654321 });
    const got: RtpDtmfReceiverEvent[] = [];
    for (const datagram of received) {
      const rtp = parseRtp(datagram);
      expect([rtp.payloadType, rtp.ssrc]).toEqual([PT, SSRC]);
      got.push(...receiver.receive(rtp.payload, rtp));
    }
    expect(dtmfOf(got).map((e) => [e.digit, e.startSample, e.durationSamples])).toEqual(presses.map((p) => [p.digit, p.startSample, p.durationSamples]));
    expect(received.filter((d) => parseRtp(d).marker)).toHaveLength(5);
  });
});

describe("merging in-band and RFC 4733 reports of one call", () => {
  /** In-band events of generated audio, and RFC 4733 events of the same presses sent `offsetMs` later. */
  async function twoSources(keys: string, offsetMs: number, gen: Partial<Parameters<typeof generateDtmf>[0]> = {}) {
    const { events, presses } = await liveSend(keys, {}, gen);
    const sender = new TelephoneEventSender();
    const offset = Math.round(offsetMs * 8);
    const packets = presses.flatMap((p) => sender.wholePress({ ...p, startSample: p.startSample + offset }));
    const receiver = new TelephoneEventReceiver({ timestampOrigin: 0 });
    const rtp = [...packets.flatMap((p) => receiver.receive(p.payload, { timestamp: p.timestamp, sequence: p.sequence })), ...receiver.flush()];
    return { inband: events, rtp, presses };
  }

  /** Both sources in media-time order (ties: in-band first). */
  function interleave(inband: DetectorEvent[], rtp: RtpDtmfReceiverEvent[]) {
    return [
      ...inband.map((event) => ({ source: "inband" as const, event: event as DetectorEvent | RtpDtmfReceiverEvent })),
      ...rtp.map((event) => ({ source: "rfc4733" as const, event: event as DetectorEvent | RtpDtmfReceiverEvent })),
    ].sort((a, b) => a.event.detectedSample - b.event.detectedSample);
  }

  function merge(inband: DetectorEvent[], rtp: RtpDtmfReceiverEvent[], merger = new DtmfMerger()): MergedEvent[] {
    return interleave(inband, rtp).map(({ source, event }) => merger.push(source, event)).filter((e): e is MergedEvent => e !== undefined);
  }

  const collect = (events: Iterable<DetectorEvent>) => {
    const collector = new DigitCollector({ minDigits: 4, maxDigits: 8, terminators: "#" });
    collector.feed(events);
    return collector.end();
  };

  for (const offsetMs of [0, 20, 45, -30]) {
    it(`both sources report "1234#", RFC 4733 ${offsetMs} ms off: each key once, and the collector gets 1234`, async () => {
      const { inband, rtp } = await twoSources("1234#", offsetMs);
      // Without merging, the collector counts keys more than once (and stops at maxDigits 8).
      const unmerged = collect(interleave(inband, rtp).map((e) => e.event) as DetectorEvent[]);
      expect(unmerged.digits).toMatch(/^11+2+/);
      expect(unmerged.digits).toHaveLength(8);
      const merged = merge(inband, rtp);
      expect(merged.filter((e) => e.type === "dtmf").map((e) => e.digit).join("")).toBe("1234#");
      expect(merged.filter((e) => e.type === "keydown").map((e) => e.digit).join("")).toBe("1234#");
      const result = collect(merged as DetectorEvent[]);
      expect([result.status, result.digits, result.terminator]).toEqual(["success", "1234", "#"]);
      // Each press's keydown and dtmf carry the same start, whichever source each came from.
      for (const id of new Set(merged.map((e) => e.pressId))) {
        const [down, up] = merged.filter((e) => e.pressId === id);
        expect([down.type, up.type, down.startSample]).toEqual(["keydown", "dtmf", up.startSample]);
      }
    });
  }

  it("a key only one source reported still counts once", async () => {
    const { inband, rtp } = await twoSources("1234", 10);
    const missingInband = inband.filter((e) => e.digit !== "2");
    const missingRtp = rtp.filter((e) => e.digit !== "4");
    const merged = merge(missingInband, missingRtp);
    // Whichever source reports first is passed on: RFC 4733 ends are known at the tone's end,
    // in-band ones 30 ms later (gapMs), so RFC 4733 wins where it has the key.
    expect(merged.filter((e) => e.type === "dtmf").map((e) => `${e.digit}:${e.source}`)).toEqual(["1:rfc4733", "2:rfc4733", "3:rfc4733", "4:inband"]);
  });

  it("a key pressed twice (40 ms tone, 40 ms pause, the Q.24 minimums) stays two presses, even with a window wider than their spacing", async () => {
    const { inband, rtp, presses } = await twoSources("55", 25, { toneMs: 40, gapMs: 40 });
    expect(presses.map((p) => p.digit).join("")).toBe("55");
    for (const windowMs of [60, 150]) {
      const merger = new DtmfMerger({ windowMs });
      const merged = merge(inband, rtp, merger);
      expect(merged.filter((e) => e.type === "dtmf").map((e) => e.digit).join(""), `windowMs ${windowMs}`).toBe("55");
      expect(merged.filter((e) => e.type === "keydown")).toHaveLength(2);
      expect(merger.duplicates).toBe(4);
    }
  });

  it("the window bounds the offset: 100 ms apart is two presses at the default 60 ms, one at windowMs 120", async () => {
    const { inband, rtp } = await twoSources("7", 100);
    expect(merge(inband, rtp).filter((e) => e.type === "dtmf")).toHaveLength(2);
    expect(merge(inband, rtp, new DtmfMerger({ windowMs: 120 })).filter((e) => e.type === "dtmf")).toHaveLength(1);
    expect(() => new DtmfMerger({ windowMs: -1 })).toThrow("windowMs must be a number from 0 to 1000; received -1");
    expect(() => new DtmfMerger().push("sip-info" as never, inband[0])).toThrow("source must be one of inband, rfc4733; received \"sip-info\"");
    expect(() => new DtmfMerger().push("inband", { type: "dtmf" } as never)).toThrow(DtmfInputError);
  });
});
