// The recipients of reminders in batches, on PostgreSQL and on the embedded PGlite: for every
// reminder kind, attendance state and moment, meetingReminderNotes reaches exactly the members the
// rules name (non-responders; absentees after the end; never someone inactive or with a request
// waiting; nothing once the moment has passed or for a cancelled meeting), and fireDue's plain SQL
// (claim, leave, budget, outbox insert) runs on both databases.
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/client.js';
import { openQueueBackend } from '../../src/queue/backend.js';
import { createLogger } from '../../src/log.js';
import { seedDemo } from '../../src/seed/seed.js';
import { meetingReminderNotes, REMINDER_VIEWS } from '../../src/services/reminders.js';
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

// Attendance state of the j-th member by name; j = 4 also has a leave request waiting, j = 8 a 补签
// request, and j = 5 is made inactive.
const STATES = ['PRESENT', 'LEAVE', 'ABSENT', 'PENDING', 'PENDING', 'PENDING', 'LATE', 'PENDING', 'ABSENT', 'PENDING'] as const;

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
    for (const [j, m] of members.entries()) {
      const a = await p.attendance.create({ data: { sessionId: s.id, memberId: m.id, status: STATES[j % STATES.length]! } });
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
  return { reminders, members, approver: members.find((m) => m.employeeNo === 'm101')! };
}

for (const kind of ['postgres', 'embedded'] as const) {
  describe(`reminders in batches (${kind})`, () => {
    it('reach exactly the members the rules name, for every kind, state and moment', async () => {
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
      const { reminders, members, approver } = await scenario(db);
      const sessions = [...new Set(reminders.map((r) => r.sessionId!))].slice(0, 2);
      const starts = [sh('2026-11-11T14:30'), sh('2026-11-12T14:30')];
      const lateUntil = (i: number) => new Date(starts[i]!.getTime() + 120 * 60_000 + 7 * 86_400_000);
      const waiting = (afterEnd: boolean) =>
        members.filter((_, j) => j !== 4 && j !== 5 && j !== 8 && (STATES[j % 10] === 'PENDING' || (afterEnd && STATES[j % 10] === 'ABSENT'))).map((m) => m.employeeNo!).sort();
      /** What each reminder should reach at `now`: member codes, plus 'summary' for the approver's card. */
      const expected = (r: (typeof reminders)[number], now: Date): string[] => {
        const i = sessions.indexOf(r.sessionId!);
        if (i < 0) return []; // the cancelled meeting
        const live = r.kind === 'after_end' ? now < lateUntil(i) : r.kind === 'start' ? now < new Date(starts[i]!.getTime() + 120 * 60_000) : now < starts[i]!;
        if (!live) return [];
        return r.kind === 'after_end' ? [...waiting(true), 'summary'] : waiting(false);
      };
      let total = 0;
      for (const now of [sh('2026-11-10T09:00'), sh('2026-11-11T14:00'), sh('2026-11-11T17:00'), sh('2026-11-12T14:05'), sh('2026-11-13T10:00'), sh('2026-11-19T17:00')]) {
        const notes = await db.prisma.$transaction((tx) => meetingReminderNotes(tx, reminders, now));
        for (const r of reminders) {
          const got = notes.get(r.id)!;
          const reached = got.map((n) => (n.view === REMINDER_VIEWS.summary ? 'summary' : members.find((m) => m.id === n.memberId)!.employeeNo!)).sort();
          expect(reached, `${r.kind} of ${r.sessionId} at ${now.toISOString()}`).toEqual(expected(r, now).sort());
          for (const n of got) {
            if (n.view === REMINDER_VIEWS.summary) {
              expect(n).toMatchObject({ dedupeKey: `${r.key}:summary`, memberId: approver.id, to: { platform: 'CONSOLE', target: 'm101', targetKind: 'DIRECT' } });
              expect(n.data.approverId).toBe(approver.id);
              expect([...(n.data.missing as string[])].sort()).toEqual(waiting(true).map((c) => members.find((m) => m.employeeNo === c)!.name).sort());
            } else {
              const code = members.find((m) => m.id === n.memberId)!.employeeNo;
              expect(n).toMatchObject({ dedupeKey: `${r.key}:${n.memberId}`, view: REMINDER_VIEWS.meeting, to: { platform: 'CONSOLE', target: code, targetKind: 'DIRECT' }, data: { kind: r.kind, sessionId: r.sessionId } });
            }
          }
          total += got.length;
        }
      }
      expect(total).toBeGreaterThan(0);
    });
  });
}

describe('fireDue on the embedded database', () => {
  it('claims, applies leave and budget, writes the outbox and marks rows fired', async () => {
    const db = await openDatabase({ dataDir: 'memory://' });
    await db.migrate();
    closers.push(() => db.close());
    const { reminders } = await scenario(db);
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
