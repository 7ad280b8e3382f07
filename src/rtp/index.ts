/** RFC 4733 telephone-events: the payload, a sender, a receiver, and merging with in-band detection. */
export {
  DtmfRtpError, EVENT_DIGITS, MAX_EVENT_DURATION, MAX_VOLUME, TELEPHONE_EVENT_BYTES, decodeTelephoneEvent, digitToEvent,
  encodeTelephoneEvent, eventToDigit, volumeFromLevels, type TelephoneEvent, type TelephoneEventInit,
} from "./telephone-event.js";
export { TelephoneEventSender, type KeyPress, type TelephoneEventPacket, type TelephoneEventSenderOptions } from "./sender.js";
export {
  TelephoneEventReceiver, type ReceiverStats, type RtpDtmfEvent, type RtpDtmfReceiverEvent, type RtpInfo, type RtpKeyDownEvent,
  type TelephoneEventReceiverOptions, type RtpAudioInfo, REORDER_PACKETS, REORDER_MS, LATE_WINDOW_MS, MAX_JUMP_MS,
} from "./receiver.js";
export { DtmfMerger, type AnyDtmfEvent, type DtmfMergerOptions, type DtmfSource, type MergedEvent } from "./merge.js";
