// A tiny fake chat platform for delivery tests and benchmarks: it enforces its own limits (token
// buckets per app and per chat, like Lark's "50/s per app, 5/s per chat") and answers 429 with a
// retry-after when they are exceeded, can be told to fail on purpose, and records every send so a
// test can count duplicates and lost messages.
import type { Platform } from '../../src/generated/prisma/enums.js';
import { type Capabilities, type PlatformSender, type SendRequest, SendError } from '../../src/platforms/types.js';

interface Bucket {
  tokens: number;
  at: number;
}

export interface FakePlatformOptions {
  platform?: Platform;
  /** Requests per second the platform accepts per app (tenant) and per chat; 0 = unlimited. */
  appPerSecond?: number;
  chatPerSecond?: number;
  /** Simulated API latency. */
  latencyMs?: number;
  idempotentSend?: boolean;
}

export interface FakeSend {
  key: string;
  target: string;
  at: number;
}

export class FakePlatform implements PlatformSender {
  readonly platform: Platform;
  readonly capabilities: Capabilities;
  readonly sent: FakeSend[] = [];
  /** How many times each key reached the platform successfully (a duplicate is a count > 1). */
  readonly perKey = new Map<string, number>();
  rejected429 = 0;
  calls = 0;
  private readonly buckets = new Map<string, Bucket>();
  private readonly scripted: Array<{ match: (r: SendRequest) => boolean; error: SendError; times: number }> = [];
  private seq = 0;

  constructor(private readonly o: FakePlatformOptions = {}) {
    this.platform = o.platform ?? 'LARK';
    this.capabilities = { cardUpdate: true, forms: true, memberList: true, directMessages: true, idempotentSend: o.idempotentSend ?? true };
  }

  private readonly hangs: Array<{ match: (r: SendRequest) => boolean; released: Promise<void> }> = [];
  /** Sends in flight now (started, not finished), by target. */
  readonly inFlight = new Map<string, number>();
  /** The most sends ever in flight at once, by target. */
  readonly maxInFlight = new Map<string, number>();

  /** Sends matching `match` hang (never answer) until the returned function is called. */
  hang(match: (r: SendRequest) => boolean): () => void {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const entry = { match, released };
    this.hangs.push(entry);
    return () => {
      this.hangs.splice(this.hangs.indexOf(entry), 1);
      release();
    };
  }

  /** Fail the next `times` sends matching `match` with `error`. */
  failNext(match: (r: SendRequest) => boolean, error: SendError, times = 1): void {
    this.scripted.push({ match, error, times });
  }

  private take(key: string, perSecond: number, now: number): number {
    if (!perSecond) return 0;
    const b = this.buckets.get(key) ?? { tokens: perSecond, at: now };
    b.tokens = Math.min(perSecond, b.tokens + ((now - b.at) / 1000) * perSecond);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - b.tokens) / perSecond) * 1000);
  }

  async send(req: SendRequest): Promise<{ messageId: string }> {
    this.calls++;
    const t = req.to.target;
    this.inFlight.set(t, (this.inFlight.get(t) ?? 0) + 1);
    this.maxInFlight.set(t, Math.max(this.maxInFlight.get(t) ?? 0, this.inFlight.get(t)!));
    try {
      return await this.answer(req);
    } finally {
      this.inFlight.set(t, (this.inFlight.get(t) ?? 1) - 1);
    }
  }

  private async answer(req: SendRequest): Promise<{ messageId: string }> {
    const hang = this.hangs.find((h) => h.match(req));
    if (hang) {
      await hang.released;
      throw new SendError('connection reset after a hang', true);
    }
    if (this.o.latencyMs) await new Promise((r) => setTimeout(r, this.o.latencyMs));
    const s = this.scripted.find((x) => x.times > 0 && x.match(req));
    if (s) {
      s.times--;
      if (s.error.retryAfterMs) this.rejected429++;
      throw s.error;
    }
    const now = Date.now();
    const waitApp = this.take(`app:${req.to.tenantKey}`, this.o.appPerSecond ?? 0, now);
    const waitChat = waitApp ? 0 : this.take(`chat:${req.to.target}`, this.o.chatPerSecond ?? 0, now);
    if (waitApp || waitChat) {
      if (!waitApp) {
        // give the app token back: the request was refused
        const b = this.buckets.get(`app:${req.to.tenantKey}`);
        if (b) b.tokens += 1;
      }
      this.rejected429++;
      throw new SendError('429 Too Many Requests', true, Math.max(waitApp, waitChat));
    }
    const n = (this.perKey.get(req.key) ?? 0) + 1;
    this.perKey.set(req.key, n);
    this.sent.push({ key: req.key, target: req.to.target, at: now });
    return { messageId: `fm_${++this.seq}` };
  }

  get duplicates(): number {
    let d = 0;
    for (const n of this.perKey.values()) d += n - 1;
    return d;
  }
}
