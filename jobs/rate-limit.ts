// Per-destination send limits shared by every worker process: per app (platform + tenant), per
// group chat and per user (direct messages), as fixed-window counters in rate-limiter-flexible
// (Redis store with the Redis queue backend, PostgreSQL store with the PostgreSQL backend, memory
// only in the single-process embedded mode). Open-source BullMQ has only a per-queue limiter.
//
// A refused consume still counts (rate-limiter-flexible increments before comparing), so the
// count a refused caller sees is its place in line: with P points per window, caller number c
// (c > P) belongs to the window floor((c - 1) / P) windows ahead. Waiting exactly that long spreads
// a burst of 20,000 messages evenly over the windows instead of waking all of them every window.
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Platform } from '../src/generated/prisma/enums.js';
import type { Destination } from '../src/chat/types.js';

export type Scope = 'app' | 'chat' | 'user';
export interface Limit {
  points: number;
  durationMs: number;
}
export type RateLimitTable = Partial<Record<Platform, Partial<Record<Scope, Limit | null>>>>;

const perSecond = (n: number): Limit => ({ points: n, durationMs: 1000 });
const perMinute = (n: number): Limit => ({ points: n, durationMs: 60_000 });

/**
 * Defaults from docs/PLATFORMS.md; override with RATE_LIMITS. null = no limit of ours.
 * - Lark/Feishu: 5 QPS per user and per group (shared by all bots in it), 50/s per app.
 * - DingTalk: group robots 20 messages/min (then a 10-minute ban); no per-app QPS was documented, 20/s
 *   keeps well under the API's limits (mind the monthly quota of basic-edition orgs).
 * - WeCom: group robot 20/min, ≤30/min per member from one app (excess is dropped silently),
 *   10,000/min per corp per API.
 * - Wechaty: an RPA-style logged-in account; gentle limits avoid bans.
 * - Console: local, unlimited.
 */
export const DEFAULT_RATE_LIMITS: RateLimitTable = {
  LARK: { app: perSecond(50), chat: perSecond(5), user: perSecond(5) },
  DINGTALK: { app: perSecond(20), chat: perMinute(20), user: perMinute(20) },
  WECOM: { app: perMinute(10_000), chat: perMinute(20), user: perMinute(30) },
  WECHATY: { app: perSecond(1), chat: perMinute(20), user: perMinute(20) },
  CONSOLE: { app: null, chat: null, user: null },
};

const PLATFORMS: Platform[] = ['CONSOLE', 'LARK', 'DINGTALK', 'WECOM', 'WECHATY'];

/**
 * Parse RATE_LIMITS, e.g. `LARK.app=50/1s, LARK.chat=5/1s, WECOM.chat=20/1m, CONSOLE.app=off`.
 * Units: ms, s, m, h. Returns the defaults with the overrides applied; throws a Chinese message
 * naming the bad entry.
 */
export function parseRateLimits(text: string | undefined, base: RateLimitTable = DEFAULT_RATE_LIMITS): RateLimitTable {
  const out: RateLimitTable = {};
  for (const p of PLATFORMS) out[p] = { ...base[p] };
  if (!text?.trim()) return out;
  for (const raw of text.split(/[,;\s]+/).filter(Boolean)) {
    const m = /^([A-Za-z]+)\.(app|chat|user)=(?:(off)|(\d+)\/(\d*)(ms|s|m|h))$/.exec(raw.trim());
    const platform = m?.[1]?.toUpperCase() as Platform | undefined;
    if (!m || !platform || !PLATFORMS.includes(platform)) {
      throw new Error(`无法识别「${raw}」，应为 平台.范围=次数/时长，例如 LARK.chat=5/1s 或 WECOM.user=30/1m 或 CONSOLE.app=off`);
    }
    const scope = m[2] as Scope;
    if (m[3]) {
      out[platform]![scope] = null;
      continue;
    }
    const points = Number(m[4]);
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[6] as 'ms' | 's' | 'm' | 'h'];
    const durationMs = Number(m[5] || '1') * unit;
    if (points < 1 || durationMs < 100) throw new Error(`「${raw}」：次数至少为 1，时长至少 100 毫秒`);
    out[platform]![scope] = { points, durationMs };
  }
  return out;
}

export type LimiterStore =
  | { kind: 'redis'; redisUrl: string; prefix: string }
  | { kind: 'postgres'; databaseUrl: string }
  | { kind: 'memory' };

export type Reservation = { ok: true } | { ok: false; waitMs: number; scope: Scope };

interface Bucket {
  scope: Scope;
  key: string;
  limiter: RateLimiterAbstract;
  limit: Limit;
}

/** The wait a refused caller should take: to the start of the window its place in line falls in. */
export function waitForPlace(res: Pick<RateLimiterRes, 'consumedPoints' | 'msBeforeNext'>, limit: Limit): number {
  const ahead = Math.max(0, Math.floor((res.consumedPoints - limit.points - 1) / limit.points));
  return Math.max(1, res.msBeforeNext) + ahead * limit.durationMs;
}

export class DestinationLimiter {
  private readonly limiters = new Map<string, RateLimiterAbstract>();

  private constructor(
    private readonly table: RateLimitTable,
    private readonly make: (name: string, limit: Limit) => RateLimiterAbstract,
    private readonly closeStore: () => Promise<void>,
  ) {}

  static async open(store: LimiterStore, table: RateLimitTable = DEFAULT_RATE_LIMITS): Promise<DestinationLimiter> {
    if (store.kind === 'redis') {
      const redis = new Redis(store.redisUrl, { maxRetriesPerRequest: 3, enableOfflineQueue: true });
      redis.on('error', () => {});
      return new DestinationLimiter(
        table,
        (name, l) => new RateLimiterRedis({ storeClient: redis, keyPrefix: `${store.prefix}:rl:${name}`, points: l.points, duration: l.durationMs / 1000 }),
        async () => void redis.disconnect(),
      );
    }
    if (store.kind === 'postgres') {
      const { default: pg } = await import('pg'); // on PostgreSQL only
      const pool = new pg.Pool({ connectionString: store.databaseUrl, max: 5, connectionTimeoutMillis: 3000 });
      pool.on('error', () => {});
      // One table for every bucket; created here (not by the library's async constructor) so that
      // several processes starting at once cannot race on it.
      await pool.query('SELECT pg_advisory_lock(7310, 5)');
      try {
        await pool.query('CREATE TABLE IF NOT EXISTS "RateLimitBucket" (key varchar(255) PRIMARY KEY, points integer NOT NULL DEFAULT 0, expire bigint)');
      } finally {
        await pool.query('SELECT pg_advisory_unlock(7310, 5)');
      }
      return new DestinationLimiter(
        table,
        (name, l) =>
          new RateLimiterPostgres({ storeClient: pool, storeType: 'pool', tableName: 'RateLimitBucket', tableCreated: true, clearExpiredByTimeout: true, keyPrefix: `rl:${name}`, points: l.points, duration: l.durationMs / 1000 }),
        () => pool.end(),
      );
    }
    return new DestinationLimiter(table, (name, l) => new RateLimiterMemory({ keyPrefix: `rl:${name}`, points: l.points, duration: l.durationMs / 1000 }), async () => {});
  }

  private buckets(to: Destination): Bucket[] {
    const limits = this.table[to.platform] ?? {};
    const out: Bucket[] = [];
    const add = (scope: Scope, key: string) => {
      const limit = limits[scope];
      if (!limit) return;
      const name = `${to.platform}:${scope}:${limit.points}/${limit.durationMs}`;
      let limiter = this.limiters.get(name);
      if (!limiter) this.limiters.set(name, (limiter = this.make(name, limit)));
      out.push({ scope, key, limiter, limit });
    };
    // Narrow to wide: a refusal by the app bucket (the usual bottleneck) gives the narrow tokens back.
    add(to.targetKind === 'GROUP' ? 'chat' : 'user', `${to.tenantKey}|${to.target}`);
    add('app', to.tenantKey);
    return out;
  }

  /** Take one send from every bucket of `to`, or none and say how long to wait. */
  async reserve(to: Destination): Promise<Reservation> {
    const taken: Bucket[] = [];
    for (const b of this.buckets(to)) {
      try {
        await b.limiter.consume(b.key, 1);
        taken.push(b);
      } catch (e) {
        if (!(e instanceof RateLimiterRes)) throw e;
        await Promise.all(taken.map((t) => t.limiter.reward(t.key, 1).catch(() => undefined)));
        return { ok: false, waitMs: waitForPlace(e, b.limit), scope: b.scope };
      }
    }
    return { ok: true };
  }

  /** The platform said "too many": hold the destination's own bucket for `ms`. */
  async hold(to: Destination, ms: number): Promise<void> {
    const b = this.buckets(to)[0];
    if (b && ms > 0) await b.limiter.block(b.key, Math.ceil(ms / 1000)).catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.closeStore();
  }
}
