/**
 * Who may stream audio to the server and call its HTTP routes. Every check happens before a
 * WebSocket upgrade is accepted (an HTTP 401 answer, no audio read) or, for AudioSocket (TCP)
 * and RTP (UDP), before the first byte of a connection or datagram is parsed.
 *
 * | protocol                         | credential                                                          |
 * |----------------------------------|---------------------------------------------------------------------|
 * | Twilio (WebSocket)               | `X-Twilio-Signature` on the handshake: base64 HMAC-SHA1, keyed with the account's auth token, over the full URL Twilio connected to (`publicUrl` + path and query; a GET has no POST parameters) |
 * | any WebSocket protocol           | `Authorization: Bearer <authToken>` (or Basic with `authToken` as the password: jambonz' `wsAuth`) |
 * | any WebSocket protocol           | a signed URL: `…?expires=<unix s>&signature=<base64url HMAC-SHA256 of everything before "&signature=", keyed with urlSigningKey>` (for platforms that cannot send headers: Telnyx, Plivo, SignalWire, Vonage, mod_audio_fork) |
 * | AudioSocket, RTP                 | source address in `allowFrom` (addresses or CIDR blocks): neither protocol has a handshake that could carry a secret |
 * | HTTP control, /stats, /metrics   | `Authorization: Bearer <authToken>` (or `controlToken`); /healthz and /readyz are open (load-balancer probes, no data) |
 *
 * Comparisons are constant-time. Without any stream credential the server accepts every
 * stream; it then binds loopback only, unless `insecure` is set (see `checkBindPolicy`).
 */
import { BlockList, isIP } from "node:net";
import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { DtmfOptionError } from "../errors.js";

export interface AuthSettings {
  host: string;
  twilioAuthToken?: string;
  authToken?: string;
  controlToken?: string;
  urlSigningKey?: string;
  publicUrl?: string;
  allowFrom?: string[];
  insecure: boolean;
  audiosocketPort?: number;
  rtpPort?: number;
}

/** Why a handshake was refused, or how it was let in. */
export type AuthResult = { ok: true; method: "none" | "twilio-signature" | "bearer" | "basic" | "signed-url" } | { ok: false; reason: string };

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a), y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Twilio's request signature: base64(HMAC-SHA1(authToken, url + sorted POST name+value pairs)). */
export function twilioSignature(authToken: string, url: string, params: Record<string, string> = {}): string {
  let data = url;
  for (const name of Object.keys(params).sort()) data += name + params[name];
  return createHmac("sha1", authToken).update(data, "utf8").digest("base64");
}

const SIGNATURE_PARAM = "signature";
const EXPIRES_PARAM = "expires";

/**
 * Signs a stream URL for `urlSigningKey`: appends `expires` (unix seconds) and `signature`
 * (base64url HMAC-SHA256 over the path and query before `&signature=`). Give it to the platform as the
 * stream URL; it stops working at `expiresAt`.
 */
export function signStreamUrl(url: string, key: string, expiresAt: Date): string {
  const base = `${url}${url.includes("?") ? "&" : "?"}${EXPIRES_PARAM}=${Math.floor(expiresAt.getTime() / 1000)}`;
  // Only the path and query are signed: what the server sees in the request line, whatever host or proxy is in front.
  const origin = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(base)?.[0] ?? "";
  return `${base}&${SIGNATURE_PARAM}=${createHmac("sha256", key).update(base.slice(origin.length), "utf8").digest("base64url")}`;
}

/** Checks a signed URL's path+query (as in request.url) at `nowMs`. */
export function checkSignedUrl(pathAndQuery: string, key: string, nowMs: number): string | undefined {
  const at = pathAndQuery.lastIndexOf(`&${SIGNATURE_PARAM}=`);
  if (at < 0) return "no signature parameter";
  const signed = pathAndQuery.slice(0, at);
  const given = pathAndQuery.slice(at + SIGNATURE_PARAM.length + 2);
  if (!safeEqual(createHmac("sha256", key).update(signed, "utf8").digest("base64url"), given)) return "the URL signature does not match";
  const query = new URLSearchParams(signed.slice(signed.indexOf("?") + 1));
  const expires = Number(query.get(EXPIRES_PARAM));
  if (!Number.isFinite(expires)) return "the signed URL has no expires parameter";
  if (expires * 1000 < nowMs) return "the signed URL has expired";
  return undefined;
}

/** True when some credential protects the streams. */
export function streamsProtected(s: AuthSettings): boolean {
  return Boolean(s.twilioAuthToken || s.authToken || s.urlSigningKey);
}

/** The HTTP-route token (authToken, or the older controlToken). */
export function controlTokenOf(s: AuthSettings): string | undefined {
  return s.authToken ?? s.controlToken;
}

/** Decides a WebSocket handshake, before the upgrade. */
export function authenticateUpgrade(request: IncomingMessage, s: AuthSettings, nowMs: number): AuthResult {
  if (!streamsProtected(s)) return { ok: true, method: "none" };
  const path = request.url ?? "/";
  const twilio = request.headers["x-twilio-signature"];
  if (typeof twilio === "string" && s.twilioAuthToken) {
    const base = (s.publicUrl ?? `ws://${request.headers.host ?? "localhost"}`).replace(/\/+$/, "");
    if (safeEqual(twilioSignature(s.twilioAuthToken, base + path), twilio)) return { ok: true, method: "twilio-signature" };
    return { ok: false, reason: "X-Twilio-Signature does not match (is publicUrl the URL Twilio connects to?)" };
  }
  const authorization = String(request.headers.authorization ?? "");
  if (s.authToken && authorization) {
    if (authorization.startsWith("Bearer ") && safeEqual(authorization.slice(7), s.authToken)) return { ok: true, method: "bearer" };
    if (authorization.startsWith("Basic ")) {
      const decoded = Buffer.from(authorization.slice(6), "base64").toString("utf8");
      if (safeEqual(decoded.slice(decoded.indexOf(":") + 1), s.authToken)) return { ok: true, method: "basic" };
    }
    return { ok: false, reason: "the Authorization header does not carry the token" };
  }
  if (s.urlSigningKey && path.includes(`${SIGNATURE_PARAM}=`)) {
    const problem = checkSignedUrl(path, s.urlSigningKey, nowMs);
    return problem ? { ok: false, reason: problem } : { ok: true, method: "signed-url" };
  }
  return { ok: false, reason: "no credentials (X-Twilio-Signature, Authorization, or a signed URL)" };
}

/** An address allow-list (AudioSocket, RTP): undefined when none is configured. */
export function allowList(entries: readonly string[] | undefined): ((address: string) => boolean) | undefined {
  if (!entries || entries.length === 0) return undefined;
  const list = new BlockList();
  for (const entry of entries) {
    const [address, bits] = entry.split("/");
    const type = isIP(address) === 6 ? "ipv6" : isIP(address) === 4 ? "ipv4" : undefined;
    if (!type) throw new DtmfOptionError("allowFrom", "IP addresses or CIDR blocks (10.0.0.0/8, ::1)", entry);
    if (bits === undefined) list.addAddress(address, type);
    else {
      const prefix = Number(bits);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > (type === "ipv4" ? 32 : 128)) throw new DtmfOptionError("allowFrom", "a CIDR prefix length", entry);
      list.addSubnet(address, prefix, type);
    }
  }
  return (raw: string) => {
    const address = raw.startsWith("::ffff:") && isIP(raw.slice(7)) === 4 ? raw.slice(7) : raw;
    const type = isIP(address) === 6 ? "ipv6" : "ipv4";
    return list.check(address, type);
  };
}

/** True for 127.0.0.0/8, ::1 and "localhost". */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Refuses to listen beyond loopback without credentials: streams need one of twilioAuthToken /
 * authToken / urlSigningKey; the HTTP routes authToken or controlToken; AudioSocket and RTP an
 * allowFrom list. `insecure` lifts the rule (the caller logs that it did). Returns what is open.
 */
export function checkBindPolicy(s: AuthSettings): string[] {
  const open: string[] = [];
  if (!streamsProtected(s)) open.push("WebSocket streams (no --twilio-auth-token, --auth-token or --url-signing-key)");
  if (!controlTokenOf(s)) open.push("HTTP control and stats routes (no --auth-token)");
  if ((s.audiosocketPort !== undefined || s.rtpPort !== undefined) && !(s.allowFrom && s.allowFrom.length)) open.push("AudioSocket/RTP (no --allow-from)");
  if (open.length > 0 && !isLoopback(s.host) && !s.insecure) {
    throw new DtmfOptionError("--host", `a loopback address (127.0.0.1, ::1) while these have no credentials: ${open.join("; ")}; or pass --insecure`, s.host);
  }
  return open;
}
