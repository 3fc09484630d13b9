// Daily pledge reminders inside the whole service (real PostgreSQL and Redis, pinned clock): runs go
// through the maintenance queue's worker like the scheduler's, write reminders to the outbox and
// hand them to delivery. Only non-submitters (and returned pledges) are reminded, once a day; the
// deadline day reminds again; a National Day run waits for the next working morning and then
// re-reads who is still missing; the 调休 Saturday is a working day; quiet hours hold; the daily
// nudge budget and members who left the branch are respected; restarts leave one scheduler.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queue } from 'bullmq';
import type { App } from '../../src/app.js';
import { startTestApp, tempDataDir } from '../helpers/app.js';
import { until } from '../helpers/wait.js';
import { freshPostgres, REDIS_URL, redisPrefix } from '../helpers/env.js';
import { MAINTENANCE_QUEUE } from '../../jobs/index.js';
import { heldJobId, PLEDGE_REMIND_JOB, PLEDGE_REMIND_SCHEDULER, type PledgeReminderRun } from '../../jobs/pledges.js';
import { toLocal } from '../../src/domain/life/time.js';

const sh = (local: string) => new Date(`${local}+08:00`);
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c().catch(() => {});
});


describe('pledge reminders', () => {
  let app: App;
  let maintenance: Queue;
  let offset = 0;
  const clock = () => new Date(Date.now() + offset);
  const setClock = (t: Date) => (offset = t.getTime() - Date.now());
  const ids = new Map<string, string>(); // employee no → member id
  const no = new Map<string, string>(); // member id → employee no
  let branch2: string;
  let annual: string; // deadline 2026-10-30
  let loyalty: string; // deadline 2026-09-30 18:00
  let jobSeq = 0;

  beforeAll(async () => {
    const pg = await freshPostgres({ migrated: false });
    closers.push(pg.drop);
    // The real scheduler fires once a year at 03:00 on 1 January: runs here are the test's own.
    app = await startTestApp({ DATABASE_URL: pg.url, REDIS_URL, QUEUE_PREFIX: redisPrefix(), DATA_DIR: tempDataDir(), SEED_DEMO: 'true', PLEDGE_REMIND_CRON: '0 3 1 1 *' }, { clock });
    closers.push(() => app.stop());
    maintenance = app.queue.createQueue(MAINTENANCE_QUEUE);
    const p = app.db.prisma;
    const branch1 = (await p.orgNode.findUniqueOrThrow({ where: { code: 'demo-branch-1' } })).id;
    branch2 = (await p.orgNode.findUniqueOrThrow({ where: { code: 'demo-branch-2' } })).id;
    for (const m of await p.member.findMany({ where: { branchId: branch1 }, select: { id: true, employeeNo: true } })) {
      ids.set(m.employeeNo!, m.id);
      no.set(m.id, m.employeeNo!);
    }
    const create = async (name: string, deadline: Date) =>
      (await p.pledgeCampaign.create({ data: { orgNodeId: branch1, name, deadline, createdById: ids.get('m101')!, categories: ['学习提升'] } })).id;
    annual = await create('2027年度党员承诺践诺', sh('2026-10-30T18:00'));
    loyalty = await create('政治忠诚承诺书', sh('2026-09-30T18:00'));
    // Annual: m103 submitted, m104 approved, m106's pledge was returned; the rest have not started.
    const status: Record<string, 'SUBMITTED' | 'APPROVED' | 'RETURNED'> = { m103: 'SUBMITTED', m104: 'APPROVED', m106: 'RETURNED' };
    await p.pledge.createMany({ data: [...ids].map(([code, memberId]) => ({ campaignId: annual, memberId, status: status[code] ?? 'DRAFT' })) });
    // Loyalty: m101 and m102 submitted.
    await p.pledge.createMany({ data: ['m101', 'm102'].map((code) => ({ campaignId: loyalty, memberId: ids.get(code)!, status: 'SUBMITTED' as const })) });
    // m110 moved to another branch after the campaigns started.
    await p.member.update({ where: { id: ids.get('m110')! }, data: { branchId: branch2 } });
  });

  /** Run the job through the maintenance worker, as the scheduler does; its summary. */
  async function runJob(data: Record<string, unknown> = {}): Promise<PledgeReminderRun> {
    const job = await maintenance.add(PLEDGE_REMIND_JOB, data, { jobId: `test-${++jobSeq}` });
    return until('the run to finish', async () => {
      const j = await maintenance.getJob(job.id!);
      const state = await j?.getState();
      if (state === 'failed') throw new Error(j!.failedReason);
      return state === 'completed' ? (j!.returnvalue as PledgeReminderRun) : undefined;
    });
  }

  const day = (local: string) => local.replaceAll('-', '');
  /** Reminder rows of a campaign for a local day (yyyymmdd): employee no → kind. */
  async function reminded(campaignId: string, yyyymmdd: string): Promise<Record<string, string>> {
    const rows = await app.db.prisma.outboxMessage.findMany({ where: { dedupeKey: { startsWith: `pledge:remind:${campaignId}:`, endsWith: `:${yyyymmdd}` } }, select: { memberId: true, target: true, category: true, dedupeKey: true } });
    for (const r of rows) {
      expect(r.category).toBe('reminder');
      expect(r.target).toBe(no.get(r.memberId!) ?? 'moved');
    }
    return Object.fromEntries(rows.map((r) => [no.get(r.memberId!)!, r.dedupeKey.split(':')[4]!]).sort(([a], [b]) => a!.localeCompare(b!)));
  }
  const allSent = (yyyymmdd: string) =>
    until('delivery', async () => {
      const rows = await app.db.prisma.outboxMessage.findMany({ where: { dedupeKey: { startsWith: 'pledge:remind:', endsWith: `:${yyyymmdd}` } }, select: { status: true } });
      return rows.length > 0 && rows.every((r) => r.status === 'SENT');
    });
  const pledgeReminderCount = () => app.db.prisma.outboxMessage.count({ where: { dedupeKey: { startsWith: 'pledge:remind:' } } });

  it('reminds only members who have not submitted (or were returned), never one who left the branch, and delivers', async () => {
    setClock(sh('2026-09-29T09:30'));
    const r = await runJob();
    expect(r.heldUntil).toBeUndefined();
    expect(r.campaigns).toBe(2);
    expect(await reminded(annual, day('2026-09-29'))).toEqual({ m101: 'submit', m102: 'submit', m105: 'submit', m106: 'returned', m107: 'submit', m108: 'submit', m109: 'submit' });
    expect(Object.keys(await reminded(loyalty, day('2026-09-29')))).toEqual(['m103', 'm104', 'm105', 'm106', 'm107', 'm108', 'm109']);
    expect(r.sent).toBe(14);
    // m110's pledges are withdrawn (by the system), and nothing went to the new branch's member.
    const moved = await app.db.prisma.pledge.findMany({ where: { memberId: ids.get('m110')! }, select: { status: true } });
    expect(moved.map((x) => x.status)).toEqual(['WITHDRAWN']);
    expect(await app.db.prisma.outboxMessage.count({ where: { memberId: ids.get('m110')! } })).toBe(0);
    expect(await app.db.prisma.auditLog.count({ where: { action: 'pledge.withdraw', actorId: null } })).toBe(1);
    await allSent(day('2026-09-29'));
  });

  it('sends nothing new when run again the same day', async () => {
    const before = await pledgeReminderCount();
    setClock(sh('2026-09-29T15:00'));
    const r = await runJob();
    expect(r.sent).toBe(0);
    expect(r.already).toBe(14);
    expect(await pledgeReminderCount()).toBe(before);
  });

  it('reminds again on the deadline day, in the morning, those still missing', async () => {
    // The first run gave every member still asked a DRAFT pledge (audience sync); m103 submits.
    await app.db.prisma.pledge.update({ where: { campaignId_memberId: { campaignId: loyalty, memberId: ids.get('m103')! } }, data: { status: 'SUBMITTED' } });
    setClock(sh('2026-09-30T09:30'));
    const r = await runJob();
    expect(Object.keys(await reminded(loyalty, day('2026-09-30')))).toEqual(['m104', 'm105', 'm106', 'm107', 'm108', 'm109']);
    expect(Object.keys(await reminded(annual, day('2026-09-30')))).toHaveLength(7);
    expect(r.sent).toBe(13);
  });

  it('sends nothing on a National Day holiday and runs at the next working morning, re-reading who is missing', async () => {
    const before = await pledgeReminderCount();
    setClock(sh('2026-10-01T09:30'));
    const first = await runJob();
    expect(first.heldUntil).toEqual(sh('2026-10-08T09:00').toISOString()); // JSON return value
    setClock(sh('2026-10-03T10:00'));
    expect((await runJob()).heldUntil).toEqual(sh('2026-10-08T09:00').toISOString());
    expect(await pledgeReminderCount()).toBe(before);
    // One held run, whatever the number of holiday runs.
    const held = (await maintenance.getDelayed()).filter((j) => j.id?.startsWith(`${PLEDGE_REMIND_JOB}|`));
    expect(held.map((j) => j.id)).toEqual([heldJobId(sh('2026-10-08T09:00'))]);

    // m105 submits during the holiday.
    await app.db.prisma.pledge.update({ where: { campaignId_memberId: { campaignId: annual, memberId: ids.get('m105')! } }, data: { status: 'SUBMITTED' } });
    setClock(sh('2026-10-08T09:00'));
    await held[0]!.promote();
    await until('the held run', async () => Object.keys(await reminded(annual, day('2026-10-08'))).length > 0);
    expect(await reminded(annual, day('2026-10-08'))).toEqual({ m101: 'submit', m102: 'submit', m106: 'returned', m107: 'submit', m108: 'submit', m109: 'submit' });
    // The loyalty campaign's deadline has passed (late submissions refused): nothing more about it.
    expect(await reminded(loyalty, day('2026-10-08'))).toEqual({});
    await allSent(day('2026-10-08'));
  });

  it('runs on the 调休 Saturday workday, not on the Sunday after it', async () => {
    // m109 leaves the branch mid-campaign.
    await app.db.prisma.member.update({ where: { id: ids.get('m109')! }, data: { branchId: branch2 } });
    setClock(sh('2026-10-10T09:30')); // Saturday, a make-up workday
    const sat = await runJob();
    expect(sat.heldUntil).toBeUndefined();
    expect(await reminded(annual, day('2026-10-10'))).toEqual({ m101: 'submit', m102: 'submit', m106: 'returned', m107: 'submit', m108: 'submit' });
    const p = await app.db.prisma.pledge.findUniqueOrThrow({ where: { campaignId_memberId: { campaignId: annual, memberId: ids.get('m109')! } } });
    expect(p.status).toBe('WITHDRAWN');

    setClock(sh('2026-10-11T09:30')); // Sunday
    const sun = await runJob();
    expect(sun.heldUntil).toEqual(sh('2026-10-12T09:00').toISOString());
    expect(await reminded(annual, day('2026-10-11'))).toEqual({});
  });

  it('holds a run that fires in quiet hours until 09:00 the next working day', async () => {
    setClock(sh('2026-10-12T22:30'));
    const r = await runJob();
    expect(r.heldUntil).toEqual(sh('2026-10-13T09:00').toISOString());
    expect(r.sent).toBe(0);
    expect(await reminded(annual, day('2026-10-12'))).toEqual({});
    expect(await maintenance.getJob(heldJobId(sh('2026-10-13T09:00')))).toBeDefined();
  });

  it('skips a member over the daily nudge budget (3), not one with room for one more', async () => {
    const earlier = (code: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        dedupeKey: `earlier:${code}:${i}`, platform: 'CONSOLE' as const, target: code, targetKind: 'DIRECT' as const, kind: 'text', category: 'reminder',
        memberId: ids.get(code)!, payload: { kind: 'text', text: 'x' }, status: 'SENT' as const, createdAt: sh('2026-10-13T08:30'),
      }));
    // m107 has had three reminders today, m108 two; m102 had three yesterday.
    await app.db.prisma.outboxMessage.createMany({
      data: [...earlier('m107', 3), ...earlier('m108', 2), ...earlier('m102', 3).map((x) => ({ ...x, dedupeKey: `${x.dedupeKey}:y`, createdAt: sh('2026-10-12T16:00') }))],
    });
    setClock(sh('2026-10-13T09:30'));
    const r = await runJob();
    expect(r.overBudget).toBe(1);
    expect(await reminded(annual, day('2026-10-13'))).toEqual({ m101: 'submit', m102: 'submit', m106: 'returned', m108: 'submit' });
    await allSent(day('2026-10-13'));
  });
});

describe('pledge reminder scheduler', () => {
  it('is one Job Scheduler in Asia/Shanghai after restarting twice, following PLEDGE_REMIND_CRON', async () => {
    const pg = await freshPostgres({ migrated: false });
    closers.push(pg.drop);
    const env = { DATABASE_URL: pg.url, REDIS_URL, QUEUE_PREFIX: redisPrefix(), DATA_DIR: tempDataDir() };
    const seen = [];
    for (const cron of [undefined, undefined, '0 10 * * 1-5']) {
      const app = await startTestApp({ ...env, PLEDGE_REMIND_CRON: cron });
      try {
        const all = await app.queue.createQueue(MAINTENANCE_QUEUE).getJobSchedulers(0, -1);
        const mine = all.filter((s) => s.key === PLEDGE_REMIND_SCHEDULER);
        expect(mine).toHaveLength(1);
        expect(all.filter((s) => s.name === PLEDGE_REMIND_JOB)).toHaveLength(1);
        seen.push({ pattern: mine[0]!.pattern, tz: mine[0]!.tz });
        const next = toLocal(new Date(mine[0]!.next!), 'Asia/Shanghai');
        expect([next.hour, next.minute]).toEqual(cron ? [10, 0] : [9, 30]);
      } finally {
        await app.stop();
      }
    }
    expect(seen).toEqual([
      { pattern: '30 9 * * *', tz: 'Asia/Shanghai' },
      { pattern: '30 9 * * *', tz: 'Asia/Shanghai' },
      { pattern: '0 10 * * 1-5', tz: 'Asia/Shanghai' },
    ]);
  }, 60_000);
});
