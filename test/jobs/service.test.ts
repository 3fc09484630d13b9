// Jobs inside the whole service (real PostgreSQL and Redis): restarts leave one Job Scheduler per
// task prompt, an organ committee's 工作提示 reaches every branch chat and its report counts what
// happened, and a reminder due 30 s after its notice is written fires on time (the notice hands
// its plan to the jobs side; the minute dispatcher is only the backstop).
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { App } from '../../src/app.js';
import { startTestApp, tempDataDir } from '../helpers/app.js';
import { ChatDriver, direct, group } from '../helpers/chat.js';
import { until } from '../helpers/wait.js';
import { freshPostgres, REDIS_URL, redisPrefix } from '../helpers/env.js';
import { PROMPT_QUEUE } from '../../jobs/prompt.js';
import { LONG_JOBS_QUEUE, MAINTENANCE_QUEUE } from '../../jobs/index.js';
import { REMIND_QUEUE, dueJobId } from '../../jobs/remind.js';

const sh = (local: string) => new Date(`${local}+08:00`);
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c().catch(() => {});
});


describe('jobs in the service', () => {
  it('leaves exactly one scheduler per task prompt after restarting twice', async () => {
    const pg = await freshPostgres({ migrated: false });
    closers.push(pg.drop);
    const env = { DATABASE_URL: pg.url, REDIS_URL, QUEUE_PREFIX: redisPrefix(), DATA_DIR: tempDataDir(), SEED_DEMO: 'true' };
    const seen: string[][] = [];
    for (let i = 0; i < 3; i++) {
      const app = await startTestApp(env);
      try {
        const prompts = await app.db.prisma.taskPrompt.findMany({ where: { enabled: true, schedule: { not: null } }, select: { id: true } });
        const schedulers = await app.queue.createQueue(PROMPT_QUEUE).getJobSchedulers(0, -1);
        const keys = schedulers.map((s) => s.key).sort();
        expect(prompts.length).toBeGreaterThan(0);
        expect(keys).toEqual(prompts.map((p) => `prompt-${p.id}`).sort());
        const maintenance = (await app.queue.createQueue(MAINTENANCE_QUEUE).getJobSchedulers(0, -1)).map((s) => s.key).sort();
        expect(maintenance).toEqual(['attachment-fetch', 'inbound-purge', 'outbox-sweep', 'pledge-reminders', 'reminder-dispatch']);
        // The scan over the whole tree may take minutes: on its own queue it holds up none of the above.
        expect((await app.queue.createQueue(LONG_JOBS_QUEUE).getJobSchedulers(0, -1)).map((s) => s.key).sort()).toEqual(['compliance-scan', 'dashboard-figures']);
        // The kept 驾驶舱 figures, emptied at start, are computed again in the background: this quarter's and the last, for every branch.
        await vi.waitFor(async () => {
          const [row] = await app.db.sql.query<{ kept: number; branches: number }>(
            `SELECT (SELECT count(*)::int FROM "NodeFigures" WHERE "nodeId" IN (SELECT id FROM "OrgNode" WHERE kind = 'BRANCH')) AS kept,
                    (SELECT count(*)::int FROM "OrgNode" WHERE kind = 'BRANCH') AS branches`,
          );
          expect(row!.kept).toBe(2 * row!.branches);
        }, { timeout: 30_000, interval: 200 });
        seen.push(keys);
        // As a version before the long queue left it: the next start takes it off the maintenance queue.
        if (i === 0) await app.queue.createQueue(MAINTENANCE_QUEUE).upsertJobScheduler('compliance-scan', { every: 3_600_000 }, { name: 'compliance' });
      } finally {
        await app.stop();
      }
    }
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[2]).toEqual(seen[0]);
  });

  describe('with a running service', () => {
    let app: App;
    let chat: ChatDriver;
    let offset = 0;
    const clock = () => new Date(Date.now() + offset);

    it('starts', async () => {
      const pg = await freshPostgres({ migrated: false });
      closers.push(pg.drop);
      app = await startTestApp({ DATABASE_URL: pg.url, REDIS_URL, QUEUE_PREFIX: redisPrefix(), DATA_DIR: tempDataDir(), SEED_DEMO: 'true' }, { clock });
      closers.push(() => app.stop());
      chat = new ChatDriver(app);
      closers.push(async () => chat.close());
    });

    it('broadcasts 工作提示 from the 机关党委书记 to every branch chat and reports sent, failed and pending', async () => {
      const refused = await chat.say('m102', group(1), '工作提示 请报送学习计划');
      expect(refused.status).toBe('processed');
      // Refused by the command's guard ('organ.any'), before the service runs, naming who may.
      await chat.waitFor(group(1), (e) => e.type === 'message' && e.text === '只有机关党委书记、专职副书记或机关党委委员才能发送工作提示。');
      expect(await app.db.prisma.promptBroadcast.count()).toBe(0);

      const text = '请各支部于本月25日前报送下月主题党日计划。';
      for (const n of [1, 2, 3]) chat.watch(group(n));
      await chat.say('m101', direct('m101'), `工作提示 ${text}`);
      await chat.waitFor(direct('m101'), (e) => e.type === 'message' && e.text === '已向 3 个支部群发送工作提示。发送「工作提示情况」查看送达情况。');
      for (const n of [1, 2, 3]) await chat.waitFor(group(n), (e) => e.type === 'message' && !!e.card?.markdown?.includes(text));
      const rows = await app.db.prisma.outboxMessage.findMany({ where: { category: 'prompt' }, orderBy: { target: 'asc' } });
      expect(rows.map((r) => r.target)).toEqual(['branch-1', 'branch-2', 'branch-3']);
      await until('all SENT', async () => (await app.db.prisma.outboxMessage.count({ where: { category: 'prompt', status: 'SENT' } })) === 3);
      expect(await app.db.prisma.auditLog.count({ where: { action: 'prompt.broadcast' } })).toBe(1);

      await chat.say('m101', direct('m101'), '工作提示情况');
      await chat.waitFor(direct('m101'), (e) => e.type === 'message' && e.text === `工作提示「${[...text].slice(0, 30).join('')}」：共 3 个支部群，已送达 3，失败 0，发送中 0。`);
      // One row gives up (dead letter), one waits for a retry: the report counts them as such.
      await app.db.prisma.outboxMessage.update({ where: { id: rows[1]!.id }, data: { status: 'DEAD', lastError: '429' } });
      await app.db.prisma.outboxMessage.update({ where: { id: rows[2]!.id }, data: { status: 'RETRY', notBefore: new Date(Date.now() + 3600_000) } });
      await chat.say('m101', direct('m101'), '工作提示情况');
      await chat.waitFor(direct('m101'), (e) => e.type === 'message' && !!e.text?.endsWith('共 3 个支部群，已送达 1，失败 1，发送中 1。'));
    });

    it('fires a reminder due 30 s after the notice on time, without waiting for the dispatcher', async () => {
      // Wednesday 13:29:30: a meeting at 14:30 has its one-hour reminder due at 13:30:00.
      offset = sh('2026-10-14T13:29:30').getTime() - Date.now();
      chat.watch(direct('m103'));
      await chat.say('m101', group(1), '@支部助手 通知 支部党员大会 今天 14:30 三楼会议室 主题：学习党章');
      const session = await until('the session', () => app.db.prisma.meetingSession.findFirst({ where: { topic: '学习党章' } }).then((s) => s ?? undefined));
      const reminder = await app.db.prisma.reminder.findUniqueOrThrow({ where: { key: `remind:${session.id}:hour_before` } });
      expect(reminder.dueAt).toEqual(sh('2026-10-14T13:30'));
      expect(reminder.status).toBe('PLANNED');
      // Its delayed job exists as soon as the notice is handled (the dispatcher runs once a minute).
      const job = await until('the due job', () => app.queue.createQueue(REMIND_QUEUE).getJob(dueJobId(reminder.dueAt)).then((j) => j ?? undefined), 1000);
      expect(await job.isDelayed()).toBe(true);
      const fired = await until('the reminder fired', async () => {
        const r = await app.db.prisma.reminder.findUniqueOrThrow({ where: { id: reminder.id } });
        return r.status === 'FIRED' ? r : undefined;
      }, 45_000);
      const late = fired.firedAt!.getTime() - reminder.dueAt.getTime();
      expect(late).toBeGreaterThanOrEqual(0);
      expect(late).toBeLessThan(1500);
      // Members who have not answered get it directly.
      await chat.waitFor(direct('m103'), (e) => e.type === 'message' && !!e.text?.includes('学习党章'), 5000);
    }, 60_000);
  });
});
