// Card actions processed in batches on real PostgreSQL: concurrent clicks share transactions, a
// handler failing after a change is undone alone, duplicates in one batch count once; and the shared
// transaction of plain SQL and Prisma (Database.transaction) on PostgreSQL and embedded PGlite.
import { AsyncLocalStorage } from 'node:async_hooks';
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { ChatCore } from '../../src/chat/core.js';
import { Router } from '../../src/chat/router.js';
import { UserError } from '../../src/chat/context.js';
import { createLogger } from '../../src/log.js';
import { openDatabase, type Database } from '../../src/db/client.js';
import { freshPostgres, REDIS_URL, redisPrefix } from '../helpers/env.js';
import { startTestApp, tempDataDir } from '../helpers/app.js';
import { group } from '../helpers/chat.js';
import { until } from '../helpers/wait.js';
import { say } from '../../src/chat/wording.js';

let app: App;
const users = Array.from({ length: 10 }, (_, i) => `m1${String(i + 1).padStart(2, '0')}`);
let drop: () => Promise<void>;
beforeAll(async () => {
  const db = await freshPostgres({ migrated: false });
  drop = db.drop;
  app = await startTestApp({ DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: redisPrefix(), DATA_DIR: tempDataDir(), SEED_DEMO: 'true' });
});
afterAll(async () => {
  await app.stop();
  await drop();
});

describe('card actions in batches', () => {
  const runs = new Map<string, number>();
  let core: ChatCore;
  let transactions = 0;
  beforeAll(() => {
    // One action that writes through plain SQL and Prisma alike, then may fail: 'late' after its
    // writes, 'early' before any.
    const router = new Router().action('test.points', async (ctx, claims) => {
      runs.set(claims.target, (runs.get(claims.target) ?? 0) + 1);
      if (claims.target.startsWith('early')) throw new UserError('还不能签到');
      await ctx.sql.query(`INSERT INTO "PointsEntry" (id, "memberId", delta, reason, "refType", "refId") VALUES ($1, $2, 1, 'sql', 'test', $3)`, [crypto.randomUUID(), ctx.me.id, claims.target]);
      await ctx.tx.pointsEntry.create({ data: { memberId: ctx.me.id, delta: 1, reason: 'prisma', refType: 'test', refId: claims.target } });
      ctx.audit({ action: 'test.points', entityType: 'Test', entityId: claims.target });
      if (claims.target.startsWith('late')) throw new UserError('签到失败，请重试');
      ctx.toast('success', '已记分');
    });
    const counting: Database = { ...app.db, transaction: (fn) => (transactions++, app.db.transaction(fn)) };
    core = new ChatCore(counting, router, app.tokens, createLogger({ level: 'silent', pretty: false }));
  });

  const click = (user: string, target: string, eventId: string = crypto.randomUUID()) =>
    core.handle({ kind: 'action', platform: 'CONSOLE', tenantKey: '', eventId, chat: group(1), user: { id: user }, token: app.tokens.sign({ action: 'test.points', target }, 600) });
  const points = (refId: string) => app.db.prisma.pointsEntry.findMany({ where: { refType: 'test', refId }, select: { reason: true } });

  it('commits the others and undoes only the handler that failed after a change', async () => {
    transactions = 0;
    const targets = users.flatMap((u, i) => [`ok-${i}`, i === 4 ? 'late-1' : `ok2-${i}`]);
    const results = await Promise.all(targets.map((t, i) => click(users[i % users.length]!, t)));
    const toasts = results.map((r) => (r.status === 'processed' ? r.ack.toast?.text : r.status));
    expect(toasts.filter((t) => t === '已记分')).toHaveLength(19);
    expect(toasts[targets.indexOf('late-1')]).toBe('签到失败，请重试');
    for (const t of targets.filter((x) => x !== 'late-1')) expect((await points(t)).map((p) => p.reason).sort()).toEqual(['prisma', 'sql']);
    expect(await points('late-1')).toEqual([]);
    expect(await app.db.prisma.auditLog.count({ where: { action: 'test.points' } })).toBe(19);
    // Shared transactions: fewer than one per event even with the rerun.
    expect(transactions).toBeLessThan(targets.length);
  });

  it('records a handler failing before any change without running the others again', async () => {
    const targets = ['early-1', ...users.slice(1).map((_, i) => `solo-${i}`)];
    const results = await Promise.all(targets.map((t, i) => click(users[i]!, t)));
    expect(results[0]!.status === 'processed' && results[0]!.ack.toast?.text).toBe('还不能签到');
    for (const t of targets) expect(runs.get(t)).toBe(1);
    for (const t of targets.slice(1)) expect(await points(t)).toHaveLength(2);
  });

  it('stores and answers an event PostgreSQL could not store as sent (a NUL, a lone surrogate) with a clear reply, beside the others', async () => {
    const message = (text: string) => ({ kind: 'message', platform: 'CONSOLE', tenantKey: '', eventId: crypto.randomUUID(), chat: group(1), user: { id: 'm101' }, text });
    const events = [message('帮助'), message('签\u0000到'), message('签到 \ud800 好'), message('帮助')];
    const results = await Promise.all(events.map((e) => core.handle(e)));
    expect(results.map((r) => r.status)).toEqual(['processed', 'processed', 'processed', 'processed']);
    expect(await app.db.prisma.inboundEvent.count({ where: { eventId: { in: events.map((e) => e.eventId) } } })).toBe(4);
    const replies = await app.db.prisma.outboxMessage.findMany({ where: { target: 'branch-1', createdAt: { gte: new Date(Date.now() - 60_000) } }, select: { payload: true } });
    expect(replies.filter((r) => JSON.stringify(r.payload).includes('无法识别的字符'))).toHaveLength(2);
  });

  it('processes the same event delivered several times at once only once', async () => {
    const eventId = crypto.randomUUID();
    const results = await Promise.all(Array.from({ length: 5 }, () => click('m101', 'dup-1', eventId)));
    expect(results.map((r) => r.status).sort()).toEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate', 'processed']);
    expect(runs.get('dup-1')).toBe(1);
    expect(await points('dup-1')).toHaveLength(2);
  });
});

describe('a batch action', () => {
  const calls: number[] = [];
  let core: ChatCore;
  beforeAll(() => {
    // Writes one row per click in one statement, as 签到 does; refuses m103 (changing nothing for
    // them), and fails after its write when m105 is among the clicks.
    const router = new Router().batchAction('test.together', async (clicks) => {
      calls.push(clicks.length);
      const taken = clicks.filter((c) => c.ctx.inbound.user.id !== 'm103');
      await clicks[0]!.ctx.sql.query(
        `INSERT INTO "PointsEntry" (id, "memberId", delta, reason, "refType", "refId") SELECT gen_random_uuid()::text, m, 1, 'together', 'test', t FROM unnest($1::text[], $2::text[]) AS u(m, t)`,
        [taken.map((c) => c.ctx.me.id), taken.map((c) => c.claims.target)],
      );
      if (clicks.some((c) => c.ctx.inbound.user.id === 'm105')) throw new Error('boom');
      return clicks.map(({ ctx }) => (ctx.inbound.user.id === 'm103' ? new UserError('不能签到') : ctx.toast('success', '好')));
    });
    core = new ChatCore(app.db, router, app.tokens, createLogger({ level: 'silent', pretty: false }));
  });
  const click = (user: string, target: string) =>
    core.handle({ kind: 'action', platform: 'CONSOLE', tenantKey: '', eventId: crypto.randomUUID(), chat: group(1), user: { id: user }, token: app.tokens.sign({ action: 'test.together', target }, 600) });
  const toasts = (results: Awaited<ReturnType<typeof click>>[]) => results.map((r) => (r.status === 'processed' ? r.ack.toast?.text : r.status));
  const rows = (refId: string) => app.db.prisma.pointsEntry.findMany({ where: { refType: 'test', refId }, select: { member: { select: { employeeNo: true } } } });

  it('gets the clicks that arrive together at once, and each click its own answer', async () => {
    calls.length = 0;
    const clickers = users.filter((u) => u !== 'm105');
    const results = await Promise.all(clickers.map((u) => click(u, 'together-1')));
    expect(toasts(results)).toEqual(clickers.map((u) => (u === 'm103' ? '不能签到' : '好')));
    expect(calls.reduce((a, b) => a + b)).toBe(clickers.length);
    expect(Math.max(...calls)).toBeGreaterThan(1);
    expect((await rows('together-1')).map((r) => r.member.employeeNo).sort()).toEqual(clickers.filter((u) => u !== 'm103'));
    // A click alone comes as a list of one.
    calls.length = 0;
    expect(toasts([await click('m101', 'together-2')])).toEqual(['好']);
    expect(calls).toEqual([1]);
  });

  it('failing after a change, gets the clicks again one at a time, so only the click that fails it is refused', async () => {
    calls.length = 0;
    const results = await Promise.all(users.map((u) => click(u, 'together-3')));
    expect(toasts(results)).toEqual(users.map((u) => (u === 'm103' ? '不能签到' : u === 'm105' ? say('errors.internal') : '好')));
    // Everyone else's row once: what the failed tries wrote was rolled back.
    expect((await rows('together-3')).map((r) => r.member.employeeNo).sort()).toEqual(users.filter((u) => u !== 'm103' && u !== 'm105'));
    expect(calls).toContain(1);
  });
});

describe('a shared card in a batch', () => {
  it('renders a meeting card once per transaction, counting every check-in of the batch', async () => {
    const p = app.db.prisma;
    const branch = await p.orgNode.findUniqueOrThrow({ where: { code: 'demo-branch-1' } });
    const kind = await p.meetingKind.findUniqueOrThrow({ where: { code: 'branch_assembly' } });
    const chatRow = await p.chat.findFirstOrThrow({ where: { platform: 'CONSOLE', platformChatId: 'branch-1' } });
    const members = await p.member.findMany({ where: { branchId: branch.id, active: true }, select: { id: true } });
    const cardKey = `batch-test:${crypto.randomUUID()}`;
    const at = Date.now();
    const session = await p.meetingSession.create({
      data: {
        kindId: kind.id, orgNodeId: branch.id, chatId: chatRow.id, topic: '批量签到', place: '会议室', createdById: members[0]!.id, cardMessageKey: cardKey,
        startsAt: new Date(at + 30 * 60_000), checkinOpensAt: new Date(at - 60_000), checkinClosesAt: new Date(at + 3 * 3600_000),
      },
    });
    await p.attendance.createMany({ data: members.map((m) => ({ sessionId: session.id, memberId: m.id })) });
    // The card as already sent, so its updates can go out.
    await p.outboxMessage.create({
      data: { dedupeKey: cardKey, platform: 'CONSOLE', tenantKey: '', target: 'branch-1', targetKind: 'GROUP', kind: 'card', payload: { kind: 'card', card: { title: '会议通知' } }, status: 'SENT', platformMessageId: `cm_${session.id}`, sentAt: new Date() },
    });
    const token = app.tokens.sign({ action: 'meeting.checkin', target: session.id }, 600);
    const results = await Promise.all(users.map((u) => app.core.handle({ kind: 'action', platform: 'CONSOLE', tenantKey: '', eventId: crypto.randomUUID(), chat: group(1), user: { id: u }, token })));
    expect(results.map((r) => (r.status === 'processed' ? r.ack.toast?.type : r.status))).toEqual(users.map(() => 'success'));
    // The card goes out showing every check-in: rendered in the batch's transaction, or (a service's
    // RefreshIntent) by delivery at the end of the card's window, from the state then.
    const footer = (row: { payload: unknown } | null) => (row?.payload as { card?: { footer?: string } } | undefined)?.card?.footer;
    await until('the card update counting every check-in', async () =>
      footer(await p.outboxMessage.findFirst({ where: { updateOfKey: cardKey }, orderBy: { seq: 'desc' } })) === '应到 10 · 已签到 10 · 请假 0 · 未响应 0',
    );
    // Each rendering bumps the session's version once: fewer renderings than clicks.
    const { version } = await p.meetingSession.findUniqueOrThrow({ where: { id: session.id } });
    expect(version - session.version).toBeGreaterThan(0);
    expect(version - session.version).toBeLessThan(users.length);
    expect(await p.auditLog.count({ where: { action: 'attendance.checkin', entityId: { in: (await p.attendance.findMany({ where: { sessionId: session.id } })).map((a) => a.id) } } })).toBe(10);
  });
});

describe('events stored but never processed', () => {
  it('are processed at start-up when received in the last week, and older ones are left alone', async () => {
    const p = app.db.prisma;
    const event = (eventId: string) => JSON.parse(JSON.stringify({ kind: 'message', platform: 'CONSOLE', tenantKey: '', eventId, chat: group(1), user: { id: 'm101' }, text: '帮助' })) as Record<string, string>;
    const recent = crypto.randomUUID();
    const old = crypto.randomUUID();
    // As a crash between storing and processing leaves them.
    await p.inboundEvent.create({ data: { platform: 'CONSOLE', eventId: recent, payload: event(recent), receivedAt: new Date(Date.now() - 60_000) } });
    await p.inboundEvent.create({ data: { platform: 'CONSOLE', eventId: old, payload: event(old), receivedAt: new Date(Date.now() - 8 * 86_400_000) } });
    expect(await app.core.recover()).toBe(1);
    expect((await p.inboundEvent.findFirstOrThrow({ where: { eventId: recent } })).status).toBe('DONE');
    expect((await p.inboundEvent.findFirstOrThrow({ where: { eventId: old } })).status).toBe('RECEIVED');
    expect(await p.outboxMessage.count({ where: { dedupeKey: { startsWith: `reply:CONSOLE:${recent}:` } } })).toBe(1);
  });
});

describe('lock order across concurrent batches', () => {
  it('queues clicks on one card in one lane, so two batches never deadlock over its row', async () => {
    const codes = ['demo-branch-1', 'demo-branch-2', 'demo-branch-3'];
    const ids = await Promise.all(codes.map(async (code) => (await app.db.prisma.orgNode.findUniqueOrThrow({ where: { code } })).id));
    // Each click locks its card's row, as a check-in bumps its meeting card's version.
    const router = new Router().action('test.lock', async (ctx, claims) => {
      await ctx.sql.query(`SELECT id FROM "OrgNode" WHERE id = $1 FOR UPDATE`, [claims.target]);
      await new Promise((r) => setTimeout(r, 3));
      await ctx.sql.query(`UPDATE "OrgNode" SET name = name WHERE id = $1`, [claims.target]);
      ctx.toast('success', '好');
    });
    let deadlocks = 0;
    const watching: Database = {
      ...app.db,
      transaction: (fn) => app.db.transaction(fn).catch((e: { code?: string }) => { if (e.code === '40P01') deadlocks++; throw e; }),
    };
    const core = new ChatCore(watching, router, app.tokens, createLogger({ level: 'silent', pretty: false }));
    const tokens = ids.map((id) => app.tokens.sign({ action: 'test.lock', target: id }, 600));
    const clicks = Array.from({ length: 90 }, (_, i) => tokens[(i * 7) % 3]!);
    const results = await Promise.all(clicks.map((token, i) => core.handle({ kind: 'action', platform: 'CONSOLE', tenantKey: '', eventId: crypto.randomUUID(), chat: group(1), user: { id: `m1${String((i % 10) + 1).padStart(2, '0')}` }, token })));
    expect(results.every((r) => r.status === 'processed' && r.ack.toast?.text === '好')).toBe(true);
    expect(deadlocks).toBe(0);
  });
});

describe('a transaction that loses a race', () => {
  it('is tried again rather than answered with an error', async () => {
    let runs = 0;
    const router = new Router().action('test.race', async (ctx) => {
      await ctx.sql.query(`INSERT INTO "PointsEntry" (id, "memberId", delta, reason, "refType", "refId") VALUES ($1, $2, 1, 'race', 'test', $3)`, [crypto.randomUUID(), ctx.me.id, String(runs)]);
      if (runs++ === 0) throw Object.assign(new Error('could not serialize access due to concurrent update'), { code: '40001' });
      ctx.toast('success', '好');
    });
    const core = new ChatCore(app.db, router, app.tokens, createLogger({ level: 'silent', pretty: false }));
    const r = await core.handle({ kind: 'action', platform: 'CONSOLE', tenantKey: '', eventId: crypto.randomUUID(), chat: group(1), user: { id: 'm101' }, token: app.tokens.sign({ action: 'test.race', target: 'x' }, 600) });
    expect(r.status === 'processed' && r.ack.toast?.text).toBe('好');
    expect(runs).toBe(2);
    expect(await app.db.prisma.pointsEntry.count({ where: { reason: 'race' } })).toBe(1); // the first try rolled back
  });
});

describe.each(['postgres', 'embedded'] as const)('one transaction for plain SQL and Prisma on %s', (kind) => {
  let db: Database;
  let dropDb = async () => {};
  beforeAll(async () => {
    if (kind === 'postgres') {
      const pg = await freshPostgres();
      dropDb = pg.drop;
      db = await openDatabase({ databaseUrl: pg.url, dataDir: 'unused' });
    } else {
      db = await openDatabase({ dataDir: 'memory://' });
      await db.migrate();
    }
  });
  afterAll(async () => {
    await db.close();
    await dropDb();
  });

  const node = (code: string) => ({ id: crypto.randomUUID(), code });
  const insertNode = `INSERT INTO "OrgNode" (id, code, kind, name) VALUES ($1, $2, 'BRANCH', '测试支部')`;

  it('lets Prisma see rows written with plain SQL and rolls both back together', async () => {
    const a = node(`tx-a-${kind}`);
    await expect(
      db.transaction(async ({ sql, tx }) => {
        await sql.query(insertNode, [a.id, a.code]);
        expect(await tx.orgNode.findUnique({ where: { code: a.code } })).not.toBeNull();
        await tx.orgNode.create({ data: { code: `${a.code}-2`, name: '另一个', kind: 'BRANCH' } });
        expect(await sql.query(`SELECT code FROM "OrgNode" WHERE code = $1`, [`${a.code}-2`])).toHaveLength(1);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await db.prisma.orgNode.count({ where: { code: { startsWith: a.code } } })).toBe(0);
  });

  it('commits both, and keeps the uncommitted rows out of other work meanwhile', async () => {
    const b = node(`tx-b-${kind}`);
    let seenOutside = -1;
    const outside = AsyncLocalStorage.snapshot(); // as an event arriving meanwhile would run
    await db.transaction(async ({ sql, tx }) => {
      await sql.query(insertNode, [b.id, b.code]);
      await tx.orgNode.update({ where: { id: b.id }, data: { name: '改过的名字' } });
      // Work started outside the transaction (another event) must not join it. On PGlite it waits
      // for the transaction to end instead, so only PostgreSQL can look while it is open.
      // (async: a Prisma query runs when awaited, so the await must happen outside too)
      if (kind === 'postgres') seenOutside = await outside(async () => await db.prisma.orgNode.count({ where: { code: b.code } }));
    });
    if (kind === 'postgres') expect(seenOutside).toBe(0);
    expect((await db.prisma.orgNode.findUniqueOrThrow({ where: { code: b.code } })).name).toBe('改过的名字');
  });
});
