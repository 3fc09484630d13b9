// The batch path of reminders against the one-at-a-time meeting side, on PostgreSQL and on the
// embedded PGlite: meetingReminderMessagesBulk must send exactly what meetingReminderMessages sends
// (same recipients, bodies, buttons, dedupe keys) for every reminder kind and attendance state, and
// fireDue's plain SQL (claim, leave, budget, outbox insert) must run on both databases.
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/client.js';
import { openQueueBackend } from '../../src/queue/backend.js';
import { createLogger } from '../../src/log.js';
import { seedDemo } from '../../src/seed/seed.js';
import { TokenSigner } from '../../src/chat/token.js';
import { meetingReminderMessages } from '../../src/domain/life/reminders.js';
import { meetingReminderMessagesBulk } from '../../src/domain/life/reminders-bulk.js';
import { Deliverer } from '../../jobs/deliver.js';
import { ReminderService } from '../../jobs/remind.js';
import { freshPostgres, REDIS_URL, redisPrefix } from '../helpers/env.js';
import { FakePlatform } from '../helpers/fake-platform.js';

const log = createLogger({ level: 'silent', pretty: false });
const sh = (local: string) => new Date(`${local}+08:00`);
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c().catch(() => {});
});

async function scenario(db: Database) {
  const p = db.prisma;
  await seedDemo(p);
  const branch = await p.orgNode.findUniqueOrThrow({ where: { code: 'demo-branch-1' } });
  const group = await p.orgNode.findFirstOrThrow({ where: { parentId: branch.id, kind: 'GROUP' } });
  const chat = await p.chat.findFirstOrThrow({ where: { orgNodeId: branch.id, kind: 'GROUP' } });
  const kind = await p.meetingKind.findUniqueOrThrow({ where: { code: 'branch_assembly' } });
  const members = await p.member.findMany({ where: { branchId: branch.id }, orderBy: { name: 'asc' } });
  const creator = members[0]!.id;
  const reminders = [];
  for (const [i, orgNodeId] of [branch.id, group.id].entries()) {
    const startsAt = sh(`2026-11-1${i + 1}T14:30`);
    const s = await p.meetingSession.create({
      data: { kindId: kind.id, orgNodeId, chatId: chat.id, topic: `学习 ${i}`, place: i ? null : '三楼会议室', startsAt, checkinOpensAt: new Date(startsAt.getTime() - 30 * 60_000), checkinClosesAt: new Date(startsAt.getTime() + 120 * 60_000), createdById: creator },
    });
    // Every attendance state: answered, on leave, absent, pending with and without a pending request.
    const states = ['PRESENT', 'LEAVE', 'ABSENT', 'PENDING', 'PENDING', 'PENDING', 'LATE', 'PENDING', 'ABSENT', 'PENDING'] as const;
    for (const [j, m] of members.entries()) {
      const a = await p.attendance.create({ data: { sessionId: s.id, memberId: m.id, status: states[j % states.length]! } });
      if (j === 4) await p.attendanceRequest.create({ data: { attendanceId: a.id, kind: 'LEAVE', reason: '出差', status: 'PENDING' } });
      if (j === 8) await p.attendanceRequest.create({ data: { attendanceId: a.id, kind: 'LATE', reason: '补签', status: 'PENDING' } });
    }
    for (const k of ['day_before', 'hour_before', 'start', 'after_end'] as const) {
      reminders.push(await p.reminder.create({ data: { key: `remind:${s.id}:${k}`, sessionId: s.id, kind: k, dueAt: startsAt } }));
    }
  }
  await p.member.update({ where: { id: members[5]!.id }, data: { active: false } });
  const cancelled = await p.meetingSession.create({
    data: { kindId: kind.id, orgNodeId: branch.id, chatId: chat.id, topic: '取消的会', startsAt: sh('2026-11-11T16:00'), checkinOpensAt: sh('2026-11-11T15:30'), checkinClosesAt: sh('2026-11-11T18:00'), createdById: creator, status: 'CANCELLED' },
  });
  reminders.push(await p.reminder.create({ data: { key: `remind:${cancelled.id}:hour_before`, sessionId: cancelled.id, kind: 'hour_before', dueAt: sh('2026-11-11T15:00') } }));
  return reminders;
}

for (const kind of ['postgres', 'embedded'] as const) {
  describe(`reminders in batches (${kind})`, () => {
    it('computes the same messages as the one-at-a-time meeting side, for every kind and state', async () => {
      let db: Database;
      if (kind === 'postgres') {
        const pg = await freshPostgres();
        closers.push(pg.drop);
        db = await openDatabase({ databaseUrl: pg.url, dataDir: 'unused' });
      } else {
        db = await openDatabase({ dataDir: 'memory://' });
        await db.migrate();
      }
      closers.push(() => db.close());
      const reminders = await scenario(db);
      const tokens = new TokenSigner('x'.repeat(64));
      // Moments at which each kind still sends (and one at which the day_before is stale).
      for (const now of [sh('2026-11-10T09:00'), sh('2026-11-11T14:00'), sh('2026-11-11T17:00'), sh('2026-11-12T14:05'), sh('2026-11-13T10:00')]) {
        const bulk = await db.prisma.$transaction((tx) => meetingReminderMessagesBulk(tx, reminders, now, { tokens }));
        let total = 0;
        for (const r of reminders) {
          const one = await db.prisma.$transaction((tx) => meetingReminderMessages(tx, r, now, { tokens }));
          expect(bulk.get(r.id)).toEqual(one);
          total += one.length;
        }
        if (now.getTime() === sh('2026-11-11T14:00').getTime()) expect(total).toBeGreaterThan(0);
      }
    });
  });
}

describe('fireDue on the embedded database', () => {
  it('claims, applies leave and budget, writes the outbox and marks rows fired', async () => {
    const db = await openDatabase({ dataDir: 'memory://' });
    await db.migrate();
    closers.push(() => db.close());
    const reminders = await scenario(db);
    const backend = await openQueueBackend({ kind: 'redis', redisUrl: REDIS_URL, prefix: redisPrefix() });
    closers.push(() => backend.close());
    const deliverer = new Deliverer(db, backend, [new FakePlatform({ platform: 'CONSOLE' })], log);
    const now = sh('2026-11-11T14:30:05'); // a Wednesday: the first meeting's four reminders are due
    const svc = new ReminderService(db, backend, deliverer, log, { clock: () => now });
    const r = await svc.fireDue();
    const rows = await db.prisma.reminder.findMany({ where: { id: { in: reminders.map((x) => x.id) } } });
    const fired = rows.filter((x) => x.status === 'FIRED');
    expect(fired.length).toBe(r.fired);
    expect(r.fired).toBe(4);
    expect(r.sent).toBeGreaterThan(0);
    const outbox = await db.prisma.outboxMessage.findMany({ where: { category: 'reminder' } });
    expect(outbox).toHaveLength(r.sent);
    expect(new Set(outbox.map((o) => o.dedupeKey)).size).toBe(outbox.length);
    expect(outbox.every((o) => o.createdAt.getTime() === now.getTime())).toBe(true);
    expect((await svc.fireDue()).fired).toBe(0);
  });
});
