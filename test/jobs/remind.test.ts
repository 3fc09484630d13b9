// Meeting reminders on real PostgreSQL and Redis with a pinned clock (an offset from real time, so
// BullMQ's real delays line up with the clock): firing at the local time, quiet hours and holidays
// moving a reminder, members on leave skipped, the daily nudge budget, and no double firing from
// two instances.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/client.js';
import { openQueueBackend, type QueueBackend } from '../../src/queue/backend.js';
import { createLogger } from '../../src/log.js';
import { seedDemo } from '../../src/seed/seed.js';
import { Deliverer } from '../../jobs/deliver.js';
import { ReminderService } from '../../jobs/remind.js';
import { freshPostgres, REDIS_URL, redisPrefix } from '../helpers/env.js';
import { FakePlatform } from '../helpers/fake-platform.js';
import { until } from '../helpers/wait.js';

const log = createLogger({ level: 'silent', pretty: false });
const sh = (local: string) => new Date(`${local}+08:00`);
let db: Database;
let drop: () => Promise<void>;
const backends: QueueBackend[] = [];
const platform = new FakePlatform({ platform: 'CONSOLE' });
let offset = 0;
const clock = () => new Date(Date.now() + offset);
/** Pin the clock so that it reads `t` now. */
const setClock = (t: Date) => (offset = t.getTime() - Date.now());

async function service(): Promise<ReminderService> {
  const backend = await openQueueBackend({ kind: 'redis', redisUrl: REDIS_URL, prefix });
  backends.push(backend);
  const deliverer = new Deliverer(db, backend, [platform], log, { attempts: 3, backoffMs: 100, concurrency: 8 });
  deliverer.startWorker();
  const r = new ReminderService(db, backend, deliverer, log, { clock });
  r.startWorker();
  return r;
}

let prefix: string;
let svc: ReminderService;
let branchId: string;
let chatId: string;
let kindId: string;
let creator: string;
let members: Array<{ id: string; userId: string }>;

beforeAll(async () => {
  const pg = await freshPostgres();
  drop = pg.drop;
  db = await openDatabase({ databaseUrl: pg.url, dataDir: 'unused' });
  await seedDemo(db.prisma);
  prefix = redisPrefix();
  branchId = (await db.prisma.orgNode.findUniqueOrThrow({ where: { code: 'demo-branch-1' } })).id;
  chatId = (await db.prisma.chat.findFirstOrThrow({ where: { orgNodeId: branchId, kind: 'GROUP' } })).id;
  kindId = (await db.prisma.meetingKind.findUniqueOrThrow({ where: { code: 'branch_assembly' } })).id;
  const ids = await db.prisma.platformIdentity.findMany({ where: { platform: 'CONSOLE', member: { branchId } }, select: { memberId: true, platformUserId: true }, orderBy: { platformUserId: 'asc' } });
  members = ids.map((i) => ({ id: i.memberId, userId: i.platformUserId }));
  creator = members[0]!.id;
  svc = await service();
});
afterAll(async () => {
  for (const b of backends) await b.close();
  await db.close();
  await drop();
});

/** A meeting with attendance rows (all PENDING except the given statuses) and one reminder row. */
async function meeting(startsAt: Date, reminder: { kind: string; dueAt: Date }, statuses: Record<string, 'LEAVE' | 'PRESENT'> = {}) {
  const s = await db.prisma.meetingSession.create({
    data: { kindId, orgNodeId: branchId, chatId, topic: '学习讨论', place: '三楼会议室', startsAt, checkinOpensAt: new Date(startsAt.getTime() - 30 * 60_000), checkinClosesAt: new Date(startsAt.getTime() + 120 * 60_000), createdById: creator },
  });
  await db.prisma.attendance.createMany({ data: members.map((m) => ({ sessionId: s.id, memberId: m.id, status: statuses[m.userId] ?? 'PENDING' })) });
  const r = await db.prisma.reminder.create({ data: { key: `remind:${s.id}:${reminder.kind}`, sessionId: s.id, kind: reminder.kind, dueAt: reminder.dueAt } });
  return { session: s, reminder: r };
}


const row = (id: string) => db.prisma.reminder.findUniqueOrThrow({ where: { id } });
const sentTo = (key: string) => platform.sent.filter((s) => s.key.startsWith(`${key}:`)).map((s) => s.target).sort();

describe('meeting reminders', () => {
  it('fires the day-before reminder at 09:00 local time, only to members who have not answered and are not on leave', async () => {
    setClock(sh('2026-09-29T08:59:58.5'));
    const { reminder } = await meeting(sh('2026-09-30T14:30'), { kind: 'day_before', dueAt: sh('2026-09-29T09:00') }, { m102: 'LEAVE', m103: 'PRESENT' });
    expect(await svc.schedule()).toBeGreaterThanOrEqual(1);
    await until('reminder state', async () => (await row(reminder.id)).status === 'FIRED');
    const fired = await row(reminder.id);
    expect(fired.firedAt!.getTime() - sh('2026-09-29T09:00').getTime()).toBeGreaterThanOrEqual(0);
    expect(fired.firedAt!.getTime() - sh('2026-09-29T09:00').getTime()).toBeLessThan(1000);
    await until('reminder state', async () => sentTo(reminder.key).length === members.length - 2);
    const expected = members.map((m) => m.userId).filter((u) => u !== 'm102' && u !== 'm103').sort();
    expect(sentTo(reminder.key)).toEqual(expected);
  });

  it('moves a reminder due on a National Day holiday to the first working morning, then fires it there', async () => {
    setClock(sh('2026-10-03T08:59:59'));
    const { reminder } = await meeting(sh('2026-10-08T14:30'), { kind: 'day_before', dueAt: sh('2026-10-03T09:00') });
    await svc.schedule();
    await until('reminder state', async () => (await row(reminder.id)).dueAt.getTime() !== sh('2026-10-03T09:00').getTime());
    const moved = await row(reminder.id);
    expect(moved.status).toBe('PLANNED');
    expect(moved.dueAt).toEqual(sh('2026-10-08T09:00'));
    expect(await db.prisma.outboxMessage.count({ where: { dedupeKey: { startsWith: reminder.key } } })).toBe(0);

    setClock(sh('2026-10-08T08:59:59'));
    await svc.schedule();
    await until('reminder state', async () => (await row(reminder.id)).status === 'FIRED');
    const fired = await row(reminder.id);
    expect(fired.firedAt!.getTime() - sh('2026-10-08T09:00').getTime()).toBeLessThan(1000);
    await until('reminder state', async () => sentTo(reminder.key).length === members.length);
  });

  it('moves a reminder due in quiet hours (22:00) to 09:00 the next working day', async () => {
    setClock(sh('2026-10-09T21:59:59'));
    const { reminder } = await meeting(sh('2026-10-12T15:00'), { kind: 'day_before', dueAt: sh('2026-10-09T22:00') });
    await svc.schedule();
    await until('reminder state', async () => (await row(reminder.id)).dueAt.getTime() !== sh('2026-10-09T22:00').getTime());
    expect((await row(reminder.id)).dueAt).toEqual(sh('2026-10-10T09:00')); // the 调休 Saturday is a workday
  });

  it('keeps to the daily nudge budget', async () => {
    setClock(sh('2026-10-14T10:59:59'));
    const m104 = members.find((m) => m.userId === 'm104')!;
    // m104 has already had three reminders today.
    await db.prisma.outboxMessage.createMany({
      data: [1, 2, 3].map((i) => ({ dedupeKey: `earlier:${i}`, platform: 'CONSOLE', target: 'm104', targetKind: 'DIRECT', kind: 'text', category: 'reminder', memberId: m104.id, payload: { kind: 'text', text: 'x' }, status: 'SENT', createdAt: sh('2026-10-14T09:00') })),
    });
    const { reminder } = await meeting(sh('2026-10-14T12:00'), { kind: 'hour_before', dueAt: sh('2026-10-14T11:00') });
    await svc.schedule();
    await until('reminder state', async () => (await row(reminder.id)).status === 'FIRED');
    await until('reminder state', async () => sentTo(reminder.key).length === members.length - 1);
    expect(sentTo(reminder.key)).not.toContain('m104');
  });

  it('fires once however many instances schedule and fire it', async () => {
    setClock(sh('2026-10-15T09:59:59'));
    const other = await service();
    const { reminder } = await meeting(sh('2026-10-15T11:00'), { kind: 'hour_before', dueAt: sh('2026-10-15T10:00') });
    await Promise.all([svc.schedule(), other.schedule(), svc.schedule()]);
    await until('reminder state', async () => (await row(reminder.id)).status === 'FIRED');
    // A late duplicate firing by either instance finds nothing due.
    expect((await svc.fireDue(sh('2026-10-15T10:00'))).fired).toBe(0);
    await until('reminder state', async () => sentTo(reminder.key).length === members.length);
    await new Promise((r) => setTimeout(r, 500));
    expect(sentTo(reminder.key)).toHaveLength(members.length);
    expect(platform.duplicates).toBe(0);
  });

  it('fires reminders due together exactly once when two instances claim them at the same moment', async () => {
    // Three meetings (the daily nudge budget is 3), claimed one row per batch by both instances.
    setClock(sh('2026-10-19T13:00:00'));
    const other = await service();
    const created = [];
    for (let i = 0; i < 3; i++) created.push(await meeting(sh('2026-10-19T14:00'), { kind: 'hour_before', dueAt: sh('2026-10-19T12:59:30') }));
    for (const s of [svc, other]) s.opts.batchSize = 1;
    const [a, b] = await Promise.all([svc.fireDue(), other.fireDue()]).finally(() => [svc, other].forEach((s) => (s.opts.batchSize = 2500)));
    expect(a.fired + b.fired).toBe(3);
    expect(a.sent + b.sent).toBe(3 * members.length);
    for (const c of created) await until('reminder state', async () => sentTo(c.reminder.key).length === members.length);
    expect(await db.prisma.outboxMessage.count({ where: { dedupeKey: { in: created.flatMap((c) => members.map((m) => `${c.reminder.key}:${m.id}`)) } } })).toBe(3 * members.length);
    expect(platform.duplicates).toBe(0);
  });

  it('does nothing for a cancelled reminder or an old due time after the meeting moved', async () => {
    setClock(sh('2026-10-16T14:00:01'));
    const { reminder } = await meeting(sh('2026-10-16T17:00'), { kind: 'hour_before', dueAt: sh('2026-10-16T14:00') });
    await db.prisma.reminder.update({ where: { id: reminder.id }, data: { dueAt: sh('2026-10-16T16:00') } });
    expect((await svc.fireDue()).fired).toBe(0);
    expect((await row(reminder.id)).status).toBe('PLANNED');
    setClock(sh('2026-10-16T16:00:01'));
    await db.prisma.reminder.update({ where: { id: reminder.id }, data: { status: 'CANCELLED' } });
    expect((await svc.fireDue()).fired).toBe(0);
    expect(await db.prisma.outboxMessage.count({ where: { dedupeKey: { startsWith: reminder.key } } })).toBe(0);
  });
});
