/**
 * `dtmf-wasm serve` / startServer() options: one table gives each option its flag, its
 * environment variable, its type, default and allowed values, so the three sources (flags,
 * environment, a JSON or YAML config file) and `--help` cannot drift apart. Precedence:
 * flags, then environment, then the config file, then the defaults. Every value is checked,
 * with a DtmfOptionError naming the option and what it allows.
 */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { closest } from "../did-you-mean.js";
import { DtmfOptionError } from "../errors.js";
import { type TypeAhead, TYPE_AHEAD_MODES } from "./collect-request.js";
import { DEFAULT_MAX_GAP_FILL_MS, MAX_GAP_FILL_LIMIT_MS } from "./media-clock.js";
import { METHODS as REDACT_METHODS, type RedactMethod } from "../redact/methods.js";
import { DEFAULT_PAYLOADS, type PayloadKind, checkMapping, checkPayloadKinds } from "./payload-formats.js";

type Kind = "string" | "integer" | "number" | "boolean" | "list" | "strings" | "enum" | "object" | "url" | "wsUrl" | "endpoint" | "json";

interface Spec {
  kind: Kind;
  default?: unknown;
  min?: number;
  max?: number;
  /** enum: the values; endpoint: the one URL scheme. */
  values?: readonly string[];
  help: string;
}

export const RTP_ENCODINGS = ["pcmu", "pcma", "l16"] as const;
export type RtpEncoding = (typeof RTP_ENCODINGS)[number];
const SUCCESS_RULES = ["seed", "strict"] as const;
const FORWARD_OVERFLOW = ["drop", "close"] as const;
const PORT = { min: 0, max: 65535 };

/** Every option: camelCase name → spec. Flags are --kebab-case, environment DTMF_SERVE_UPPER_SNAKE. */
export const SERVE_OPTIONS = {
  host: { kind: "string", default: "127.0.0.1", help: "address to listen on (WebSocket, HTTP, AudioSocket, RTP)" },
  port: { kind: "integer", default: 8081, ...PORT, help: "WebSocket and HTTP port (0: any free port)" },
  audiosocketPort: { kind: "integer", ...PORT, help: "Asterisk AudioSocket TCP port (off unless given)" },
  rtpPort: { kind: "integer", ...PORT, help: "RTP UDP port for Asterisk External Media / an SBC fork (off unless given)" },
  rtpEncoding: { kind: "enum", values: RTP_ENCODINGS, default: "pcmu", help: "RTP audio for dynamic payload types (PT 0 is always PCMU, 8 PCMA)" },
  rtpRate: { kind: "integer", default: 8000, min: 8000, max: 48000, help: "RTP clock rate of the audio, Hz" },
  rtpEventPayloadType: { kind: "integer", default: 101, min: 96, max: 127, help: "RTP payload type of RFC 4733 telephone-events" },
  rtpReceiveBufferBytes: { kind: "integer", default: 4194304, min: 65536, max: 268435456, help: "the RTP socket's kernel receive buffer, bytes (capped by net.core.rmem_max): a burst beyond it is lost audio" },
  rtpIdleMs: { kind: "integer", default: 5000, min: 100, max: 600000, help: "an RTP call ends after this long without a packet, ms" },
  webhook: { kind: "url", help: "POST every payload to this URL (JSON)" },
  webhookConcurrency: { kind: "integer", default: 8, min: 1, max: 1024, help: "webhook POSTs in flight at once, across calls" },
  webhookMaxAttempts: { kind: "integer", default: 5, min: 1, max: 20, help: "requests per payload before it fails" },
  stdout: { kind: "boolean", default: false, help: "print every payload as one JSON line on stdout" },
  socketSink: { kind: "boolean", default: true, help: "send payloads back on the stream's socket where the protocol accepts messages (mod_audio_fork)" },
  payloads: { kind: "list", default: DEFAULT_PAYLOADS, help: "payloads per key and collection: dtmf, dtmf_received, bandwidth, digits.collected, keydown, reprompt (a call's dtmf_payloads parameter overrides)" },
  mapping: { kind: "object", default: {}, help: "session/call field mapping overrides, JSON (see the README)" },
  bandwidthCallUrl: { kind: "string", default: "https://voice.bandwidth.com/api/v2/accounts/{accountId}/calls/{callId}", help: "Bandwidth callUrl when the metadata has none" },
  collect: { kind: "json", help: "a collect request (JSON, seed 003 fields) started on every call whose metadata has none (AudioSocket, RTP)" },
  controlToken: { kind: "string", help: "bearer token for the HTTP control routes (POST /calls/:id/collect…)" },
  successRule: { kind: "enum", values: SUCCESS_RULES, default: "seed", help: "seed: a terminator key ends in success (seed 001); strict: min digits always (FreeSWITCH)" },
  typeAhead: { kind: "enum", values: TYPE_AHEAD_MODES, default: "discard", help: "keys pressed before a collection starts: discard, or keep those of the last --type-ahead-ms" },
  typeAheadMs: { kind: "integer", default: 2000, min: 0, max: 60000, help: "type-ahead window, ms" },
  partyField: { kind: "boolean", default: true, help: "stereo streams: add `party` (caller/callee) to each payload (an extension field)" },
  mergeWindowMs: { kind: "integer", default: 120, min: 0, max: 2000, help: "how far apart an in-band and an out-of-band report of one press may be, ms" },
  outOfBandHoldMs: { kind: "integer", default: 200, min: 0, max: 5000, help: "an out-of-band-only key waits this long for the in-band report, ms" },
  outOfBandLateMs: { kind: "integer", default: 1000, min: 0, max: 10000, help: "a platform key report without timing (Twilio's dtmf) still matches an in-band press that ended this long before, ms" },
  maxMessageBytes: { kind: "integer", default: 65536, min: 1024, max: 16777216, help: "largest WebSocket message, bytes (refused before it is read)" },
  maxBodyBytes: { kind: "integer", default: 16384, min: 256, max: 1048576, help: "largest HTTP request body, bytes (refused before it is read)" },
  maxGapFillMs: { kind: "integer", default: DEFAULT_MAX_GAP_FILL_MS, min: 0, max: MAX_GAP_FILL_LIMIT_MS, help: "longest timestamp gap filled with silence, ms; longer ones reset the media clock" },
  maxBufferedBytes: { kind: "integer", default: 1048576, min: 1024, max: 268435456, help: "bytes queued to a client that does not read before its socket is closed" },
  maxBadMessages: { kind: "integer", default: 20, min: 1, max: 100000, help: "bad messages a connection may send before it is closed" },
  maxCalls: { kind: "integer", default: 10000, min: 1, max: 1000000, help: "calls open at once; more are refused" },
  maxCallsPerAddress: { kind: "integer", default: 2000, min: 1, max: 1000000, help: "connections open at once from one client address (WebSocket, AudioSocket); more are refused" },
  handshakeTimeoutMs: { kind: "integer", default: 10000, min: 100, max: 600000, help: "time a client has to send its HTTP headers, and after the upgrade its call's start message, ms" },
  idleTimeoutMs: { kind: "integer", default: 60000, min: 100, max: 3600000, help: "a stream connection that sends nothing for this long is closed, ms" },
  twilioAuthToken: { kind: "string", help: "Twilio account auth token: every /twilio stream must carry a valid X-Twilio-Signature" },
  authToken: { kind: "string", help: "bearer token for WebSocket streams (Authorization: Bearer, or Basic with it as the password) and the HTTP routes" },
  urlSigningKey: { kind: "string", help: "key for signed stream URLs (?expires=…&signature=…, see signStreamUrl)" },
  publicUrl: { kind: "string", help: "the base URL platforms connect to (wss://dtmf.example.com), for Twilio's signature; default ws://<Host header>" },
  allowFrom: { kind: "strings", help: "addresses / CIDR blocks that may send AudioSocket and RTP (comma-separated)" },
  allowedOrigins: { kind: "strings", help: "browser origins (https://app.example.com) whose pages may open streams; a handshake with any other Origin header is refused (platforms send none)" },
  insecure: { kind: "boolean", default: false, help: "allow a non-loopback --host with no credentials" },
  webhookSecret: { kind: "string", help: "sign every webhook POST: X-Dtmf-Signature: t=<unix s>,v1=<hex HMAC-SHA256 of \"t.body\">" },
  outboxDir: { kind: "string", help: "directory of the durable webhook outbox (journal + dead letters); payloads survive a crash and are replayed" },
  outboxMaxRecords: { kind: "integer", default: 100000, min: 10, max: 100000000, help: "undelivered webhook payloads kept; beyond it new ones go to the dead-letter file" },
  webhookMaxDelayMs: { kind: "integer", default: 30000, min: 10, max: 3600000, help: "longest wait between webhook retries, ms (exponential backoff with jitter from 250 ms)" },
  shutdownTimeoutMs: { kind: "integer", default: 10000, min: 0, max: 600000, help: "on SIGTERM, how long open calls and the outbox may take to finish, ms" },
  workers: { kind: "integer", default: 1, min: 0, max: 256, help: "worker processes, each with its own engine and calls (0: one per core); the primary spreads connections over them" },
  forwardUrl: { kind: "wsUrl", help: "redact every WebSocket stream live and forward it to this ws(s) URL in its own protocol ({callId}, {protocol} are filled in; see docs/serve.md \"Redact and forward\")" },
  forwardAudiosocketUrl: { kind: "endpoint", values: ["tcp"], help: "redact every AudioSocket call live and forward it, as AudioSocket (UUID, audio, hang-up; no DTMF messages), to this tcp://host:port (with --audiosocket-port)" },
  forwardRtpUrl: { kind: "endpoint", values: ["udp"], help: "redact every RTP call live and forward its audio packets (same SSRC, sequence numbers, timestamps; no telephone-events) to this udp://host:port, one source port per call (with --rtp-port)" },
  forwardHeaders: { kind: "json", help: "HTTP headers of the --forward-url connection's handshake, a JSON object ({\"authorization\":\"Bearer …\"})" },
  redactMethod: { kind: "enum", values: REDACT_METHODS, default: "silence", help: "what replaces a key in the forwarded audio (docs/redaction.md)" },
  redactCandidates: { kind: "boolean", default: true, help: "also remove DTMF-like pairs before the detector confirms them (no leading fragment of late-confirmed keys; mutes a few ms of speech)" },
  forwardMaxBufferedBytes: { kind: "integer", default: 131072, min: 1024, max: 67108864, help: "bytes per call waiting for the forward target (connecting, or unsent); past it frames are dropped or the forward closes (--forward-overflow)" },
  forwardOverflow: { kind: "enum", values: FORWARD_OVERFLOW, default: "drop", help: "a forward target too slow: drop frames (counted), or close the forward connection for that call" },
  forwardMaxReconnects: { kind: "integer", default: 3, min: 0, max: 100, help: "times per call the forward connection is opened again after it failed (backoff 250 ms doubling, at most 5 s; RTP: only a socket that failed to open)" },
  logLevel: { kind: "enum", values: ["fatal", "error", "warn", "info", "debug"], default: "info", help: "log level (JSON lines on stderr)" },
} as const satisfies Record<string, Spec>;

export type ServeOptionName = keyof typeof SERVE_OPTIONS;

/** The options in force. */
export interface ServeSettings {
  host: string;
  port: number;
  audiosocketPort?: number;
  rtpPort?: number;
  rtpEncoding: RtpEncoding;
  rtpRate: number;
  rtpEventPayloadType: number;
  rtpIdleMs: number;
  rtpReceiveBufferBytes: number;
  webhook?: string;
  webhookConcurrency: number;
  webhookMaxAttempts: number;
  stdout: boolean;
  socketSink: boolean;
  payloads: PayloadKind[];
  mapping: Record<string, string>;
  bandwidthCallUrl: string;
  collect?: Record<string, unknown>;
  controlToken?: string;
  successRule: "seed" | "strict";
  typeAhead: TypeAhead;
  typeAheadMs: number;
  partyField: boolean;
  mergeWindowMs: number;
  outOfBandHoldMs: number;
  outOfBandLateMs: number;
  maxMessageBytes: number;
  maxBodyBytes: number;
  maxGapFillMs: number;
  maxBufferedBytes: number;
  maxBadMessages: number;
  maxCalls: number;
  maxCallsPerAddress: number;
  handshakeTimeoutMs: number;
  idleTimeoutMs: number;
  twilioAuthToken?: string;
  authToken?: string;
  urlSigningKey?: string;
  publicUrl?: string;
  allowFrom?: string[];
  allowedOrigins?: string[];
  insecure: boolean;
  webhookSecret?: string;
  outboxDir?: string;
  outboxMaxRecords: number;
  webhookMaxDelayMs: number;
  shutdownTimeoutMs: number;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug";
  workers: number;
  forwardUrl?: string;
  forwardAudiosocketUrl?: string;
  forwardRtpUrl?: string;
  forwardHeaders?: Record<string, unknown>;
  redactMethod: RedactMethod;
  redactCandidates: boolean;
  forwardMaxBufferedBytes: number;
  forwardOverflow: (typeof FORWARD_OVERFLOW)[number];
  forwardMaxReconnects: number;
}

export type ServeOptionValues = Partial<{ [K in keyof ServeSettings]: unknown }>;

export const flagOf = (name: string) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
export const envOf = (name: string) => `DTMF_SERVE_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
const nameOfFlag = (flag: string) => flag.replace(/^--/, "").replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
/** An option as its source spells it: --flag, DTMF_SERVE_ENV, the option name, or the config key. */
const labelOf = (name: string, source: string) => source === "flag" ? flagOf(name) : source === "environment" ? envOf(name) : source === "option" ? name : `${name} (${source})`;

/** The forward target options: the URL scheme each takes, and the listener it forwards. */
const FORWARD_TARGETS = [
  { name: "forwardUrl", schemes: "ws(s)", listener: undefined },
  { name: "forwardAudiosocketUrl", schemes: "tcp", listener: "audiosocketPort" },
  { name: "forwardRtpUrl", schemes: "udp", listener: "rtpPort" },
] as const;

/** Where a target URL of another scheme goes instead (a tcp:// URL given to forwardUrl…). */
function otherTarget(name: string, value: unknown, source: string): string {
  let scheme = "";
  if (typeof value === "string") { try { scheme = new URL(value.replace(/\{(callId|protocol)\}/g, "x")).protocol.replace(/:$/, ""); } catch { scheme = ""; } }
  const other = FORWARD_TARGETS.find((t) => t.name !== name && (t.schemes === scheme || (t.schemes === "ws(s)" && /^wss?$/.test(scheme))));
  return other ? `; a ${scheme}:// target is ${labelOf(other.name, source)}` : "";
}

/** host and port of a tcp:// or udp:// target (`scheme`), or undefined if it is not one: no path, query, credentials. IPv6 without brackets. */
export function endpointOf(url: string, scheme?: string): { host: string; port: number } | undefined {
  let u: URL;
  try { u = new URL(url); } catch { return undefined; }
  if (!/^(tcp|udp):$/.test(u.protocol) || (scheme !== undefined && u.protocol !== `${scheme}:`)) return undefined;
  if (u.hostname === "" || u.port === "" || (u.pathname !== "" && u.pathname !== "/") || u.search !== "" || u.hash !== "" || u.username !== "" || u.password !== "") return undefined;
  return { host: u.hostname.replace(/^\[(.*)\]$/, "$1"), port: Number(u.port) };
}

/** Checks one value; `text` values (flags, environment) are parsed first. */
function checkValue(name: string, spec: Spec, value: unknown, source: string): unknown {
  const label = labelOf(name, source);
  const fromText = typeof value === "string" && source !== "option" && source !== "config";
  switch (spec.kind) {
    case "string":
      if (typeof value !== "string" || value.length === 0) throw new DtmfOptionError(label, "a non-empty string", value);
      return value;
    case "url": {
      let ok = false;
      if (typeof value === "string") { try { ok = /^https?:$/.test(new URL(value).protocol); } catch { ok = false; } }
      if (!ok) throw new DtmfOptionError(label, "an absolute http(s) URL", value);
      return value;
    }
    case "wsUrl": {
      // A template: {callId} and {protocol} are filled per call (src/server/forward.ts).
      let ok = false;
      if (typeof value === "string") { try { ok = /^wss?:$/.test(new URL(value.replace(/\{(callId|protocol)\}/g, "x")).protocol); } catch { ok = false; } }
      if (!ok) throw new DtmfOptionError(label, `an absolute ws(s) URL ({callId} and {protocol} may appear in it)${otherTarget(name, value, source)}`, value);
      return value;
    }
    case "endpoint": {
      const scheme = spec.values![0];
      if (typeof value !== "string" || !endpointOf(value, scheme) || endpointOf(value, scheme)!.port === 0) {
        throw new DtmfOptionError(label, `a ${scheme}://host:port URL (a port from 1 to 65535, no path)${otherTarget(name, value, source)}`, value);
      }
      return value;
    }
    case "integer": case "number": {
      const n = fromText || typeof value === "string" ? Number(value) : value;
      if (typeof n !== "number" || !Number.isFinite(n) || (spec.kind === "integer" && !Number.isInteger(n)) || n < spec.min! || n > spec.max!) {
        throw new DtmfOptionError(label, `${spec.kind === "integer" ? "an integer" : "a number"} from ${spec.min} to ${spec.max}`, value);
      }
      return n;
    }
    case "boolean": {
      if (typeof value === "boolean") return value;
      if (typeof value === "string" && ["true", "1", "yes", "on"].includes(value.toLowerCase())) return true;
      if (typeof value === "string" && ["false", "0", "no", "off"].includes(value.toLowerCase())) return false;
      throw new DtmfOptionError(label, "true or false", value);
    }
    case "enum":
      if (typeof value !== "string" || !spec.values!.includes(value)) throw new DtmfOptionError(label, `one of ${spec.values!.join(", ")}`, value);
      return value;
    case "list": return checkPayloadKinds(label, value);
    case "strings": {
      const list = typeof value === "string" ? value.split(",").map((v) => v.trim()).filter((v) => v !== "") : value;
      if (!Array.isArray(list) || list.some((v) => typeof v !== "string" || v === "")) throw new DtmfOptionError(label, "a comma-separated list (or an array) of strings", value);
      return list;
    }
    case "json": {
      let v = value;
      if (typeof v === "string") { try { v = JSON.parse(v); } catch { throw new DtmfOptionError(label, "a JSON object", value); } }
      if (v === null || typeof v !== "object" || Array.isArray(v)) throw new DtmfOptionError(label, "a JSON object", value);
      return v;
    }
    case "object": {
      let v = value;
      if (typeof v === "string") { try { v = JSON.parse(v); } catch { throw new DtmfOptionError(label, "a JSON object", value); } }
      return checkMapping(v);
    }
  }
}

/** Resolves options given as an object (startServer, a config file): unknown names refused. */
export function resolveServeOptions(layers: { values: Record<string, unknown>; source: string }[]): ServeSettings {
  const out: Record<string, unknown> = {};
  const sourceOf: Record<string, string> = {};
  for (const [name, spec] of Object.entries(SERVE_OPTIONS) as [string, Spec][]) if (spec.default !== undefined) out[name] = spec.default;
  for (const { values, source } of layers) {
    if (values === null || typeof values !== "object" || Array.isArray(values)) throw new DtmfOptionError(source, "an object of options", values);
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) continue;
      const spec = (SERVE_OPTIONS as Record<string, Spec>)[name];
      if (!spec) throw new DtmfOptionError(source === "option" ? name : `${name} (${source})`, `one of the serve options (${Object.keys(SERVE_OPTIONS).join(", ")})`, "an unknown option");
      out[name] = checkValue(name, spec, value, source);
      sourceOf[name] = source;
    }
  }
  // A forward target with no listener for it would forward nothing.
  for (const t of FORWARD_TARGETS) {
    if (t.listener && out[t.name] !== undefined && out[t.listener] === undefined) {
      throw new DtmfOptionError(labelOf(t.name, sourceOf[t.name]), `given with ${labelOf(t.listener, sourceOf[t.name])} (without that listener there is nothing to forward)`, out[t.name]);
    }
  }
  return out as unknown as ServeSettings;
}

/** Options from the environment (DTMF_SERVE_PORT=8081 …). */
export function optionsFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(SERVE_OPTIONS)) { const v = env[envOf(name)]; if (v !== undefined && v !== "") out[name] = v; }
  return out;
}

/** Options from a JSON or YAML file (by extension; .yml/.yaml are YAML, anything else JSON, then YAML). */
export function optionsFromFile(path: string): Record<string, unknown> {
  let text: string;
  try { text = readFileSync(path, "utf8"); } catch (error) { throw new DtmfOptionError("config", "a readable JSON or YAML file", `${path} (${(error as Error).message})`); }
  let parsed: unknown;
  try {
    parsed = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new DtmfOptionError("config", "a JSON or YAML object of options", `${path}: ${(error as Error).message.split("\n")[0]}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new DtmfOptionError("config", "a JSON or YAML object of options", path);
  return parsed as Record<string, unknown>;
}

/** Options from flags: --name value, --name=value; booleans as --stdout / --no-stdout. */
export function optionsFromArgs(args: readonly string[]): { values: Record<string, unknown>; config?: string; help: boolean } {
  const values: Record<string, unknown> = {};
  let config: string | undefined;
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--help" || arg === "-h") { help = true; continue; }
    if (!arg.startsWith("--")) throw new DtmfOptionError(arg, "a --flag (dtmf-wasm serve takes no file arguments)", arg);
    const eq = arg.indexOf("=");
    const flag = eq >= 0 ? arg.slice(0, eq) : arg;
    let name = nameOfFlag(flag);
    if (name === "config") {
      config = eq >= 0 ? arg.slice(eq + 1) : args[++i];
      if (config === undefined) throw new DtmfOptionError("--config", "a file path", undefined);
      continue;
    }
    let negated = false;
    if (!(name in SERVE_OPTIONS) && name.startsWith("no") && (SERVE_OPTIONS as Record<string, Spec>)[name[2]?.toLowerCase() + name.slice(3)]?.kind === "boolean") {
      name = name[2].toLowerCase() + name.slice(3);
      negated = true;
    }
    const spec = (SERVE_OPTIONS as Record<string, Spec>)[name];
    if (!spec) {
      const near = closest(flag, Object.keys(SERVE_OPTIONS).map(flagOf));
      throw new DtmfOptionError(flag, `one of the flags of dtmf-wasm serve (see --help${near ? `; did you mean ${near}?` : ""})`, "an unknown flag");
    }
    if (spec.kind === "boolean" && eq < 0) { values[name] = !negated; continue; }
    const value = eq >= 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined) throw new DtmfOptionError(flag, "a value", undefined);
    values[name] = value;
  }
  return { values, config, help };
}

/** --help text, from the table. */
export function serveHelp(): string {
  const rows = (Object.entries(SERVE_OPTIONS) as [string, Spec][]).map(([name, spec]) => {
    const allowed = spec.kind === "enum" ? ` (${spec.values!.join("|")})` : spec.kind === "integer" ? ` (${spec.min}-${spec.max})` : "";
    const def = spec.default === undefined ? "" : ` [default: ${Array.isArray(spec.default) ? spec.default.join(",") : typeof spec.default === "object" ? "{}" : String(spec.default)}]`;
    return `  ${flagOf(name).padEnd(26)} ${spec.help}${allowed}${def}\n  ${"".padEnd(26)} env ${envOf(name)}`;
  });
  return `usage: dtmf-wasm serve [--config FILE] [flags]

Takes call audio from voice platforms' media streams, finds every DTMF key in-band (merged
with the keys the platform reports out of band), runs digit collections, and delivers the
payloads. WebSocket paths: /twilio /signalwire /telnyx /plivo /vonage /jambonz /audio_fork,
or any other path (the first message tells the protocol). HTTP: POST /calls/:id/collect,
POST /calls/:id/prompt_ended, GET /calls, GET /stats.

  --config FILE              JSON or YAML file of options (camelCase names, as below)
  --help                     print this and exit
${rows.join("\n")}

Precedence: flags, then environment, then the config file, then the defaults.
`;
}
