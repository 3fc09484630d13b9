// Delivery on real PostgreSQL with the three queue backends: 429 with retry-after, dead letters and
// their retry, rows stuck in SENDING, rate limits that wait without spending attempts, and a
// broadcast that survives stopping one worker and starting another.
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/client.js';
import { openQueueBackend, type QueueBackend } from '../../src/queue/backend.js';
import { createLogger } from '../../src/log.js';
import type { Outbound } from '../../src/chat/types.js';
import { SendError } from '../../src/platforms/types.js';
import { cardRefreshes, insertOutbox, insertOutboxIds } from '../../src/outbox/store.js';
import { CARD_WINDOW_MS, Deliverer, UNCERTAIN_NOTE, type DeliverOptions } from '../../jobs/deliver.js';
import { DestinationLimiter, parseRateLimits, type LimiterStore } from '../../jobs/rate-limit.js';
import { freshPostgres, REDIS_URL, redisPrefix } from '../helpers/env.js';
import { FakePlatform } from '../helpers/fake-platform.js';
import { until } from '../helpers/wait.js';

const log = createLogger({ level: 'silent', pretty: false });
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c().catch(() => {});
});


type Kind = 'redis' | 'postgres' | 'embedded';
interface Env {
  db: Database;
  dbUrl: string;
  prefix: string;
  openBackend(): Promise<QueueBackend>;
  store: LimiterStore;
}

async function env(kind: Kind): Promise<Env> {
  const pgdb = await freshPostgres();
  closers.push(pgdb.drop);
  const db = await openDatabase({ databaseUrl: pgdb.url, dataDir: 'unused' });
  closers.push(() => db.close());
  const prefix = redisPrefix();
  let embedded: QueueBackend | undefined;
  const openBackend = async () => {
    if (kind === 'redis') return openQueueBackend({ kind, redisUrl: REDIS_URL, prefix });
    if (kind === 'postgres') return openQueueBackend({ kind, databaseUrl: pgdb.url, prefix });
    // One embedded queue per process: every "worker" shares it.
    embedded ??= await openQueueBackend({ kind, dataDir: 'memory://', prefix });
    return embedded;
  };
  const store: LimiterStore = kind === 'redis' ? { kind, redisUrl: REDIS_URL, prefix } : kind === 'postgres' ? { kind, databaseUrl: pgdb.url } : { kind: 'memory' };
  return { db, dbUrl: pgdb.url, prefix, openBackend, store };
}

let n = 0;
function messages(count: number, chats: number, tag = `t${++n}`): Outbound[] {
  return Array.from({ length: count }, (_, i) => ({
    to: { platform: 'LARK', tenantKey: 'tenant-1', target: `chat-${tag}-${i % chats}`, targetKind: 'GROUP' },
    body: { kind: 'text', text: `消息 ${i}` },
    dedupeKey: `${tag}:${i}`,
    category: 'prompt',
  }));
}

async function start(e: Env, platform: FakePlatform, opts: Partial<DeliverOptions> & { limits?: string } = {}) {
  const backend = await e.openBackend();
  const limiter = opts.limits !== undefined ? await DestinationLimiter.open(e.store, parseRateLimits(opts.limits)) : undefined;
  const deliverer = new Deliverer(e.db, backend, [platform], log, { attempts: 8, backoffMs: 100, concurrency: 20, ...opts, limiter });
  const worker = deliverer.startWorker();
  const stop = async () => {
    await worker.close();
    await limiter?.close();
    if (backend.kind !== 'embedded') await backend.close();
  };
  closers.push(async () => {
    await stop();
    if (backend.kind === 'embedded') await backend.close();
  });
  return { deliverer, worker, stop };
}

const statusCount = (e: Env, status: 'SENT' | 'DEAD' | 'PENDING' | 'RETRY' | 'SENDING') => e.db.prisma.outboxMessage.count({ where: { status } });

describe.each<Kind>(['redis', 'postgres', 'embedded'])('delivery on %s', (kind) => {
  it('retries a 429 after the platform retry-after and loses nothing', async () => {
    const e = await env(kind);
    const fake = new FakePlatform();
    fake.failNext((r) => r.key.endsWith(':0'), new SendError('429 Too Many Requests', true, 1500));
    const { deliverer } = await start(e, fake);
    const msgs = messages(5, 5);
    const t0 = Date.now();
    await deliverer.enqueue(await insertOutboxIds(e.db.prisma, msgs));
    await until('all sent', async () => (await statusCount(e, 'SENT')) === 5, 20_000);
    const first = fake.sent.find((s) => s.key === msgs[0]!.dedupeKey)!;
    expect(first.at - t0).toBeGreaterThanOrEqual(1500);
    expect(fake.rejected429).toBe(1);
    expect(fake.duplicates).toBe(0);
    const row = await e.db.prisma.outboxMessage.findUniqueOrThrow({ where: { dedupeKey: msgs[0]!.dedupeKey } });
    expect(row.attempts).toBe(2);
    expect(row.platformMessageId).toMatch(/^fm_/);
  });

  it('coalesces the updates of one card: the newest rendering goes out once per window, older ones are cancelled', async () => {
    const e = await env(kind);
    const fake = new FakePlatform();
    const { deliverer } = await start(e, fake);
    const tag = `card${++n}`;
    const to = { platform: 'LARK' as const, tenantKey: 'tenant-1', target: `chat-${tag}`, targetKind: 'GROUP' as const };
    await e.db.prisma.outboxMessage.create({
      data: { dedupeKey: `${tag}:card`, platform: 'LARK', tenantKey: 'tenant-1', target: to.target, targetKind: 'GROUP', kind: 'card', payload: { kind: 'card', card: { title: '签到' } }, status: 'SENT', platformMessageId: 'om_card' },
    });
    const update = (i: number): Outbound => ({ to, body: { kind: 'card_update', ofKey: `${tag}:card`, card: { title: '签到', footer: `已签到 ${i}` } }, dedupeKey: `${tag}:u${i}` });
    // Thirty clicks' updates written one after another, as thirty events would.
    for (let i = 1; i <= 30; i++) await deliverer.enqueueRows(await insertOutbox(e.db.sql, [update(i)]));
    await until('newest sent', async () => fake.perKey.has(`${tag}:u30`), 20_000);
    await new Promise((r) => setTimeout(r, 3 * CARD_WINDOW_MS));
    const sends = fake.sent.filter((s) => s.key.startsWith(`${tag}:u`));
    expect(sends.length).toBeLessThan(6); // one per window that saw updates, not thirty
    expect(sends.at(-1)!.key).toBe(`${tag}:u30`);
    expect(await e.db.prisma.outboxMessage.count({ where: { updateOfKey: `${tag}:card`, status: { notIn: ['SENT', 'CANCELLED'] } } })).toBe(0);
    expect(await e.db.prisma.outboxMessage.count({ where: { updateOfKey: `${tag}:card`, status: 'SENT' } })).toBe(sends.length);
    // A later update goes out in its own window.
    await deliverer.enqueueRows(await insertOutbox(e.db.sql, [update(31)]));
    await until('later update sent', async () => fake.perKey.has(`${tag}:u31`), 20_000);
    // Two updates in one statement share their createdAt: insertion order still names the newest.
    await deliverer.enqueueRows(await insertOutbox(e.db.sql, [update(32), update(33)]));
    await until('newest of a tie sent', async () => fake.perKey.has(`${tag}:u33`), 20_000);
    expect(fake.perKey.has(`${tag}:u32`)).toBe(false);
    expect(fake.duplicates).toBe(0);
  });

  it('renders a card refresh once per window from the state at delivery, and sends it as the card\'s update', async () => {
    const e = await env(kind);
    const fake = new FakePlatform();
    const { deliverer } = await start(e, fake);
    const tag = `refresh${++n}`;
    const to = { platform: 'LARK' as const, tenantKey: 'tenant-1', target: `chat-${tag}`, targetKind: 'GROUP' as const };
    await e.db.prisma.outboxMessage.create({
      data: { dedupeKey: `${tag}:card`, platform: 'LARK', tenantKey: 'tenant-1', target: to.target, targetKind: 'GROUP', kind: 'card', payload: { kind: 'card', card: { title: '签到' } }, status: 'SENT', platformMessageId: 'om_card' },
    });
    // "State": how many asked; each rendering reads it then (and numbers its version).
    let asked = 0;
    let renders = 0;
    deliverer.renderCardsWith(async (_sql, card, ids) => {
      expect([card, ids]).toEqual(['test', [tag]]);
      const version = ++renders;
      return [{ to, body: { kind: 'card_update', ofKey: `${tag}:card`, card: { title: '签到', footer: `已签到 ${asked}` } }, dedupeKey: `${tag}:card:v${version}` }];
    });
    const origin = { platform: 'LARK' as const, tenantKey: 'tenant-1', target: 'somewhere', targetKind: 'DIRECT' as const };
    // Thirty asks within a window: one refresh row (the others are the same key).
    const now = new Date(Math.floor(Date.now() / CARD_WINDOW_MS) * CARD_WINDOW_MS + 10);
    const rows = [];
    for (let i = 1; i <= 30; i++) {
      asked = i;
      rows.push(...(await insertOutbox(e.db.sql, cardRefreshes([{ card: 'test', id: tag }], origin, now))));
    }
    expect(rows).toHaveLength(1);
    await deliverer.enqueueRows(rows);
    await until('the rendered update sent', async () => fake.perKey.has(`${tag}:card:v1`), 20_000);
    expect(renders).toBe(1);
    expect(fake.sent.filter((x) => x.key.startsWith(`${tag}:`)).map((x) => x.target)).toEqual([to.target]);
    // The refresh was a request: gone once rendered; the update is an ordinary sent row.
    await until('the update marked sent', async () => (await e.db.prisma.outboxMessage.count({ where: { updateOfKey: `${tag}:card`, status: 'SENT' } })) === 1);
    expect(await e.db.prisma.outboxMessage.count({ where: { kind: 'card_refresh', updateOfKey: `refresh:test:${tag}` } })).toBe(0);
    const sent = await e.db.prisma.outboxMessage.findFirstOrThrow({ where: { updateOfKey: `${tag}:card` } });
    expect((sent.payload as { card: { footer: string } }).card.footer).toBe('已签到 30');
  });

  it('sends the newest update of every card in a window, waiting for the chat\'s limit without spending attempts', async () => {
    const e = await env(kind);
    const fake = new FakePlatform();
    const { deliverer } = await start(e, fake, { limits: 'LARK.chat=1/1s,LARK.app=50/1s' });
    const tag = `cards${++n}`;
    const to = { platform: 'LARK' as const, tenantKey: 'tenant-1', target: `chat-${tag}`, targetKind: 'GROUP' as const };
    const cards = ['a', 'b', 'c'].map((c) => `${tag}:${c}`);
    await e.db.prisma.outboxMessage.createMany({
      data: cards.map((key) => ({ dedupeKey: key, platform: 'LARK' as const, tenantKey: 'tenant-1', target: to.target, targetKind: 'GROUP' as const, kind: 'card', payload: { kind: 'card', card: { title: '签到' } }, status: 'SENT' as const, platformMessageId: `om_${key}` })),
    });
    const updates = cards.flatMap((key) => Array.from({ length: 10 }, (_, i): Outbound => ({ to, body: { kind: 'card_update', ofKey: key, card: { title: '签到', footer: `已签到 ${i + 1}` } }, dedupeKey: `${key}:u${i + 1}` })));
    await deliverer.enqueueRows(await insertOutbox(e.db.sql, updates));
    await until('every card\'s newest sent', async () => cards.every((key) => fake.perKey.has(`${key}:u10`)), 20_000);
    // Marked sent just after the platform took it.
    await until('the rows marked sent', async () => (await e.db.prisma.outboxMessage.count({ where: { updateOfKey: { in: cards }, status: 'SENT' } })) === 3);
    const sends = fake.sent.filter((x) => x.key.startsWith(`${tag}:`));
    expect(sends.map((x) => x.key).sort()).toEqual(cards.map((key) => `${key}:u10`));
    // One chat, one edit a second: the three edits are spread over at least two seconds.
    expect(sends.at(-1)!.at - sends[0]!.at).toBeGreaterThanOrEqual(1800);
    expect(await e.db.prisma.outboxMessage.count({ where: { updateOfKey: { in: cards }, status: { not: 'SENT' } } })).toBe(0);
    // Waiting for a slot is not an attempt: each card's update went out on its first.
    const sent = await e.db.prisma.outboxMessage.findMany({ where: { updateOfKey: { in: cards } }, select: { attempts: true } });
    expect(sent.map((r) => r.attempts)).toEqual([1, 1, 1]);
  });

  it('leaves a row DEAD after the last attempt and sends it on retry', async () => {
    const e = await env(kind);
    const fake = new FakePlatform();
    fake.failNext(() => true, new SendError('500 Internal Server Error', true), 3);
    const { deliverer } = await start(e, fake, { attempts: 3, backoffMs: 50 });
    const [id] = await insertOutboxIds(e.db.prisma, messages(1, 1));
    await deliverer.enqueue([id!]);
    await until('dead', async () => (await statusCount(e, 'DEAD')) === 1, 20_000);
    const dead = await deliverer.list('DEAD');
    expect(dead.map((d) => [d.id, d.attempts, d.lastError])).toEqual([[id, 3, '500 Internal Server Error']]);
    expect(await deliverer.retryDead()).toBe(1);
    await until('sent after retry', async () => (await statusCount(e, 'SENT')) === 1, 20_000);
    expect(fake.perKey.size).toBe(1);
  });

  it('waits for its per-chat turn without spending attempts and without a 429', async () => {
    const e = await env(kind);
    const fake = new FakePlatform();
    // attempts: 1 — a wait that cost an attempt would leave rows DEAD.
    const { deliverer } = await start(e, fake, { attempts: 1, limits: 'LARK.chat=5/1s,LARK.app=50/1s' });
    const t0 = Date.now();
    await deliverer.enqueue(await insertOutboxIds(e.db.prisma, messages(15, 1)));
    await until('all sent', async () => (await statusCount(e, 'SENT')) === 15, 20_000);
    const elapsed = Math.max(...fake.sent.map((s) => s.at)) - t0;
    expect(elapsed).toBeGreaterThanOrEqual(1900); // 15 at 5 per second: three windows
    expect(await statusCount(e, 'DEAD')).toBe(0);
    expect(fake.calls).toBe(15);
    expect(fake.duplicates).toBe(0);
  });

  it('delivers every remaining message of a broadcast exactly once after one worker stops and another starts', async () => {
    const e = await env(kind);
    const fake = new FakePlatform({ chatPerSecond: 5, appPerSecond: 50, latencyMs: 5, idempotentSend: false });
    const limits = 'LARK.chat=5/1s,LARK.app=50/1s';
    const first = await start(e, fake, { limits });
    const msgs = messages(150, 15);
    await first.deliverer.enqueue(await insertOutboxIds(e.db.prisma, msgs));
    await until('first worker started sending', async () => fake.sent.length >= 40, 40_000);
    await first.stop();
    const sentByFirst = fake.sent.length;
    expect(sentByFirst).toBeLessThan(150);
    const second = await start(e, fake, { limits });
    await second.deliverer.sweep();
    await until('all sent', async () => (await statusCount(e, 'SENT')) === 150, 60_000);
    expect(fake.sent.length).toBe(150);
    expect(fake.duplicates).toBe(0);
    expect(new Set(fake.sent.map((s) => s.key))).toEqual(new Set(msgs.map((m) => m.dedupeKey)));
  }, 120_000);
});

describe('rows stuck in SENDING after a crash (redis)', () => {
  it('re-sends them where the platform dedupes sends and marks them for an operator otherwise', async () => {
    const e = await env('redis');
    const safe = new FakePlatform({ platform: 'LARK', idempotentSend: true });
    const unsafe = new FakePlatform({ platform: 'WECHATY', idempotentSend: false });
    const backend = await e.openBackend();
    closers.push(() => backend.close());
    const deliverer = new Deliverer(e.db, backend, [safe, unsafe], log, { attempts: 3, backoffMs: 50, concurrency: 4, stuckAfterMs: 60_000 });
    const worker = deliverer.startWorker();
    closers.push(() => worker.close());
    const lark = messages(1, 1, 'stuck-lark');
    const wechaty = messages(1, 1, 'stuck-wechaty').map((m) => ({ ...m, to: { ...m.to, platform: 'WECHATY' as const } }));
    const recent = messages(1, 1, 'stuck-recent');
    await insertOutboxIds(e.db.prisma, [...lark, ...wechaty, ...recent]);
    const long = new Date(Date.now() - 10 * 60_000);
    await e.db.prisma.$executeRaw`UPDATE "OutboxMessage" SET status = 'SENDING', "updatedAt" = ${long} WHERE "dedupeKey" IN (${lark[0]!.dedupeKey}, ${wechaty[0]!.dedupeKey})`;
    await e.db.prisma.$executeRaw`UPDATE "OutboxMessage" SET status = 'SENDING' WHERE "dedupeKey" = ${recent[0]!.dedupeKey}`;
    await deliverer.sweep();
    await until('lark row re-sent', async () => (await statusCount(e, 'SENT')) === 1, 10_000);
    const rows = await e.db.prisma.outboxMessage.findMany({ orderBy: { dedupeKey: 'asc' }, select: { dedupeKey: true, status: true, lastError: true } });
    expect(rows).toEqual([
      { dedupeKey: lark[0]!.dedupeKey, status: 'SENT', lastError: null },
      { dedupeKey: recent[0]!.dedupeKey, status: 'SENDING', lastError: null }, // may still be in flight elsewhere
      { dedupeKey: wechaty[0]!.dedupeKey, status: 'DEAD', lastError: UNCERTAIN_NOTE },
    ]);
    expect(unsafe.calls).toBe(0);
  });
});

describe('operator commands (npm run cli -- outbox …)', () => {
  it('lists rows by status and puts only DEAD rows back in line', async () => {
    const { jobsCli } = await import('../../jobs/cli.js');
    const e = await env('postgres');
    const [dead, pending] = await insertOutboxIds(e.db.sql, messages(2, 1));
    await e.db.prisma.outboxMessage.update({ where: { id: dead! }, data: { status: 'DEAD', lastError: '429', attempts: 8 } });
    const listed = await jobsCli(e.db, 'outbox', ['list', '--status', 'dead']);
    expect(listed).toContain(dead);
    expect(listed).not.toContain(pending);
    await expect(jobsCli(e.db, 'outbox', ['retry', pending!])).rejects.toThrow(/只能重发 DEAD 状态的消息/);
    await expect(jobsCli(e.db, 'outbox', ['retry', 'no-such-id'])).rejects.toThrow(/找不到这些编号/);
    expect(await jobsCli(e.db, 'outbox', ['retry', dead!])).toContain('已将 1 条消息放回发送队列');
    expect(await e.db.prisma.outboxMessage.findUniqueOrThrow({ where: { id: dead! } })).toMatchObject({ status: 'RETRY', attempts: 0 });
  });
});

// A platform that hangs (no answer, no error) holds only its own slots: issue 19 (a 30 s hang once
// filled all 16 delivery slots and stalled every platform).
describe('delivery while one destination hangs', () => {
  it('a hanging Lark chat holds at most two slots: DingTalk and the other Lark chats go out meanwhile, and it is sent once it answers', async () => {
    const e = await env('redis');
    const lark = new FakePlatform({ platform: 'LARK' });
    const ding = new FakePlatform({ platform: 'DINGTALK', idempotentSend: false });
    const release = lark.hang((r) => r.to.target === 'chat-hang');
    const backend = await e.openBackend();
    const deliverer = new Deliverer(e.db, backend, [lark, ding], log, { attempts: 20, backoffMs: 100, maxBackoffMs: 500, concurrency: 16 });
    const worker = deliverer.startWorker();
    closers.push(async () => {
      release();
      await worker.close();
      await backend.close();
    });
    const to = (platform: 'LARK' | 'DINGTALK', target: string) => ({ platform, tenantKey: 'tenant-1', target, targetKind: 'GROUP' as const });
    const rows: Outbound[] = [
      // The hanging chat's rows first: without per-destination slots they would take all 16.
      ...Array.from({ length: 30 }, (_, i): Outbound => ({ to: to('LARK', 'chat-hang'), body: { kind: 'text', text: `挂起 ${i}` }, dedupeKey: `hang:${i}` })),
      ...Array.from({ length: 30 }, (_, i): Outbound => ({ to: to('LARK', `chat-ok-${i % 10}`), body: { kind: 'text', text: `飞书 ${i}` }, dedupeKey: `lark-ok:${i}` })),
      ...Array.from({ length: 30 }, (_, i): Outbound => ({ to: to('DINGTALK', `cid-${i % 10}`), body: { kind: 'text', text: `钉钉 ${i}` }, dedupeKey: `ding:${i}` })),
    ];
    const t0 = Date.now();
    await deliverer.enqueue(await insertOutboxIds(e.db.prisma, rows));
    await until('the other chats and DingTalk sent', async () => lark.sent.length === 30 && ding.sent.length === 30, 15_000);
    const elapsed = Date.now() - t0;
    console.log(`others delivered in ${elapsed} ms while chat-hang holds ${lark.inFlight.get('chat-hang')} sends`);
    expect(elapsed).toBeLessThan(8000);
    expect(lark.sent.every((s) => s.target !== 'chat-hang')).toBe(true);
    expect(lark.maxInFlight.get('chat-hang')).toBeLessThanOrEqual(2);
    expect(lark.inFlight.get('chat-hang')).toBeGreaterThan(0);
    // The chat answers again: its rows go out, each once.
    release();
    await until('the hanging chat sent too', async () => (await statusCount(e, 'SENT')) === 90, 30_000);
    expect(lark.duplicates + ding.duplicates).toBe(0);
    expect(await statusCount(e, 'DEAD')).toBe(0);
  });

  it('a send that never answers is cut off: retried where the platform dedupes, left for an operator where it does not', async () => {
    const e = await env('redis');
    const lark = new FakePlatform({ platform: 'LARK', idempotentSend: true });
    const ding = new FakePlatform({ platform: 'DINGTALK', idempotentSend: false });
    const releaseLark = lark.hang(() => true);
    const releaseDing = ding.hang(() => true);
    const backend = await e.openBackend();
    const deliverer = new Deliverer(e.db, backend, [lark, ding], log, { attempts: 5, backoffMs: 100, concurrency: 4, sendTimeoutMs: 300 });
    const worker = deliverer.startWorker();
    closers.push(async () => {
      releaseLark();
      releaseDing();
      await worker.close();
      await backend.close();
    });
    const to = (platform: 'LARK' | 'DINGTALK') => ({ platform, tenantKey: 't', target: `c-${platform}`, targetKind: 'GROUP' as const });
    await deliverer.enqueue(await insertOutboxIds(e.db.prisma, [
      { to: to('LARK'), body: { kind: 'text', text: '飞书' }, dedupeKey: 'timeout:lark' },
      { to: to('DINGTALK'), body: { kind: 'text', text: '钉钉' }, dedupeKey: 'timeout:ding' },
    ]));
    const dead = await until('the DingTalk row left for an operator', () => e.db.prisma.outboxMessage.findFirst({ where: { dedupeKey: 'timeout:ding', status: 'DEAD' } }).then((r) => r ?? undefined), 10_000);
    expect(dead.lastError).toContain('UNCERTAIN');
    expect(dead.attempts).toBe(1);
    await until('the Lark row retried after a timeout', async () => {
      const r = await e.db.prisma.outboxMessage.findFirstOrThrow({ where: { dedupeKey: 'timeout:lark' } });
      return r.attempts >= 2 && r.status !== 'DEAD' ? r : undefined;
    }, 10_000);
    releaseLark();
    await until('the Lark row sent once the platform answers', async () => (await e.db.prisma.outboxMessage.count({ where: { dedupeKey: 'timeout:lark', status: 'SENT' } })) === 1, 20_000);
  });
});
