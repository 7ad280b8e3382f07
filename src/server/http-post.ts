/**
 * The server's webhook transport: the part of fetch() the webhook sinks use (a POST with a
 * string body, redirect "manual", an AbortSignal; the answer's status, statusText, headers,
 * and its body read as a stream or whole), on node:http / node:https with one keep-alive
 * agent. Global fetch (undici) costs about twice the CPU per POST (its Request and Response
 * objects, web streams): 286 against 131 µs per POST through the same WebhookSink
 * (`node bench/webhook-post.mjs`, shared 2-vCPU machine, load average 17), which at 1,500
 * calls with a key every 2 s each (750 POSTs a second) is an eighth of a core. The sinks keep every rule of their own (retries, the redirect policy,
 * the bounded body read, timeouts through the signal); a fetch given in
 * StartServerOptions.webhookOptions.fetch replaces this one.
 */
import { Agent as HttpAgent, type IncomingMessage, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";

/** The slice of a fetch Response the webhook sinks read. */
class PostResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: { get(name: string): string | null };
  private readonly chunks: AsyncIterator<Buffer>;

  constructor(private readonly res: IncomingMessage) {
    this.status = res.statusCode ?? 0;
    this.statusText = res.statusMessage ?? "";
    this.headers = {
      get(name: string): string | null {
        const v = res.headers[name.toLowerCase()];
        return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
      },
    };
    this.chunks = res[Symbol.asyncIterator]();
  }

  /** The body as a stream reader: read() a chunk at a time, cancel() drops the rest (and the connection). */
  get body(): { getReader(): { read(): Promise<{ done: boolean; value?: Uint8Array }>; cancel(): Promise<void> } } {
    return {
      getReader: () => ({
        read: async () => {
          const r = await this.chunks.next();
          return r.done ? { done: true } : { done: false, value: r.value };
        },
        cancel: async () => { this.res.destroy(); },
      }),
    };
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const parts: Buffer[] = [];
    for (let r = await this.chunks.next(); !r.done; r = await this.chunks.next()) parts.push(r.value);
    const all = Buffer.concat(parts);
    return all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  }
}

/** A fetch for the webhook sinks over keep-alive node:http(s) connections, at most `maxSockets` per host at once. */
export function nodePost(maxSockets: number): { fetch: typeof fetch; close(): void } {
  const agents = { "http:": new HttpAgent({ keepAlive: true, maxSockets }), "https:": new HttpsAgent({ keepAlive: true, maxSockets }) };
  const post = (input: string | URL | Request, init?: RequestInit): Promise<PostResponse> => new Promise((resolve, reject) => {
    const url = new URL(typeof input === "string" || input instanceof URL ? input : input.url);
    const protocol = url.protocol as keyof typeof agents;
    if (!(protocol in agents)) { reject(new TypeError(`webhook URL must be http(s): ${url.protocol}`)); return; }
    const body = typeof init?.body === "string" ? init.body : "";
    const headers: Record<string, string> = {};
    const given = init?.headers;
    if (given instanceof Headers || Array.isArray(given)) new Headers(given).forEach((v, k) => { headers[k] = v; });
    else if (given) for (const [k, v] of Object.entries(given)) headers[k.toLowerCase()] = String(v);
    headers["content-length"] = String(Buffer.byteLength(body));
    const send = protocol === "https:" ? httpsRequest : httpRequest;
    const req = send(url, { method: init?.method ?? "POST", headers, agent: agents[protocol], signal: init?.signal ?? undefined }, (res) => resolve(new PostResponse(res)));
    req.on("error", reject);
    req.end(body);
  });
  return {
    fetch: post as unknown as typeof fetch,
    close() { agents["http:"].destroy(); agents["https:"].destroy(); },
  };
}
