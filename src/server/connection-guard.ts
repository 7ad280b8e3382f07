/**
 * Connection limits that need a clock or a count across connections: the handshake timeout
 * (a connection must start its call within `handshakeTimeoutMs` of opening), the idle timeout
 * (a connection that sends nothing for `idleTimeoutMs` is closed), and the cap on connections
 * open at once per client address. Wall clock here is an adapter only: it decides when a
 * silent peer is gone, never anything about the media. One sweep timer serves every
 * connection (no timer per connection).
 */

/** A connection the guard watches. */
export interface Guarded {
  /** Wall-clock ms of the last bytes received. */
  lastActivityAt: number;
  readonly openedAt: number;
  /** True once the connection's call has started. */
  readonly started: boolean;
  /** Closes the connection for `reason` (its call, if any, ends and reports what is open). */
  expire(reason: "handshake-timeout" | "idle-timeout"): void;
}

/** Shortest sweep interval, ms: timeouts are enforced to within a quarter of their length, at least this. */
const MIN_SWEEP_MS = 25;

export class ConnectionGuard {
  private readonly watched = new Set<Guarded>();
  private readonly perAddress = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  handshakeTimeouts = 0;
  idleTimeouts = 0;
  refusedPerAddress = 0;

  constructor(private readonly limits: { handshakeTimeoutMs: number; idleTimeoutMs: number; maxCallsPerAddress: number }) {
    const every = Math.max(MIN_SWEEP_MS, Math.round(Math.min(limits.handshakeTimeoutMs, limits.idleTimeoutMs) / 4));
    this.timer = setInterval(() => this.sweep(Date.now()), every);
    this.timer.unref();
  }

  /** Counts a new connection from `address`; false (and nothing counted) when the address is at its limit. */
  admit(address: string | undefined): boolean {
    const key = address ?? "unknown";
    const open = this.perAddress.get(key) ?? 0;
    if (open >= this.limits.maxCallsPerAddress) { this.refusedPerAddress++; return false; }
    this.perAddress.set(key, open + 1);
    return true;
  }

  /** Un-counts a connection admitted from `address`. */
  release(address: string | undefined): void {
    const key = address ?? "unknown";
    const open = (this.perAddress.get(key) ?? 1) - 1;
    if (open <= 0) this.perAddress.delete(key); else this.perAddress.set(key, open);
  }

  watch(connection: Guarded): () => void {
    this.watched.add(connection);
    return () => { this.watched.delete(connection); };
  }

  sweep(now: number): void {
    for (const c of [...this.watched]) {
      if (!c.started && now - c.openedAt >= this.limits.handshakeTimeoutMs) { this.watched.delete(c); this.handshakeTimeouts++; c.expire("handshake-timeout"); }
      else if (now - c.lastActivityAt >= this.limits.idleTimeoutMs) { this.watched.delete(c); this.idleTimeouts++; c.expire("idle-timeout"); }
    }
  }

  get connections(): number { return this.watched.size; }

  stop(): void { clearInterval(this.timer); this.watched.clear(); }
}
