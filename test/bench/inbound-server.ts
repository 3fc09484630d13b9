// The service as the inbound benchmark runs it: the real app on PostgreSQL + Redis, with the cards
// the clicks act on. BENCH_ACTION picks the card action:
// - "meeting.checkin": the real 签到 button of meeting cards (life handlers), on BENCH_SESSIONS
//   meetings per demo branch whose check-in window is open, every branch member expected;
// - "bench.checkin": an action with the work of a check-in (read state, write state, audit row,
//   card update), written as hot-path handlers are: a batch action, plain SQL in the event's transaction.
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startApp } from '../../src/app.js';

const action = process.env.BENCH_ACTION ?? 'meeting.checkin';
const config = loadConfig({ ...process.env, NODE_ENV: 'test', PORT: '0', LOG_LEVEL: 'warn', SEED_DEMO: 'true' });
const app = await startApp(config, createLogger({ level: 'warn', pretty: false }), {
  extendRouter: (router) =>
    router.batchAction('bench.checkin', async (clicks) => {
      // Read and write state in one statement for the clicks that arrived together, as the real 签到 does (checkInAll).
      const added = await clicks[0]!.ctx.sql.query<{ memberId: string; refId: string }>(
        `INSERT INTO "PointsEntry" (id, "memberId", delta, reason, "refType", "refId")
         SELECT gen_random_uuid()::text, t."memberId", 1, 'checkin', 'bench', t."refId" FROM unnest($1::text[], $2::text[]) AS t("memberId", "refId")
         ON CONFLICT ("memberId", "refType", "refId", reason) DO NOTHING RETURNING "memberId", "refId"`,
        [clicks.map((c) => c.ctx.me.id), clicks.map((c) => c.claims.target)],
      );
      const fresh = new Set(added.map((r) => `${r.memberId}:${r.refId}`));
      return clicks.map(({ ctx, claims }) => {
        // (a click repeated in the batch finds the first one's row)
        if (!fresh.delete(`${ctx.me.id}:${claims.target}`)) return ctx.toast('info', '您已签到');
        ctx.audit({ action: 'bench.checkin', entityType: 'Bench', entityId: claims.target });
        ctx.send({
          to: ctx.here,
          body: { kind: 'card_update', ofKey: `bench-card:${claims.target}`, card: { title: '签到', footer: `已签到 ${ctx.me.name}` } },
          dedupeKey: `bench-card:${claims.target}:${ctx.me.id}`,
        });
        ctx.toast('success', '签到成功');
      });
    }),
});

const prisma = app.db.prisma;
const count = Number(process.env.BENCH_SESSIONS ?? 600);
const sent = { platform: 'CONSOLE' as const, targetKind: 'GROUP' as const, kind: 'card', payload: { kind: 'card', card: { title: '签到' } }, status: 'SENT' as const, sentAt: new Date() };
/** Per branch (1..3): the targets of its cards, in order; each member of the branch clicks each once. */
const targets: string[][] = [];
if (action === 'meeting.checkin') {
  const kind = await prisma.meetingKind.findUniqueOrThrow({ where: { code: 'branch_assembly' } });
  const now = Date.now();
  for (let b = 1; b <= 3; b++) {
    const branch = await prisma.orgNode.findUniqueOrThrow({ where: { code: `demo-branch-${b}` } });
    const chat = await prisma.chat.findFirstOrThrow({ where: { platform: 'CONSOLE', platformChatId: `branch-${b}` } });
    const members = await prisma.member.findMany({ where: { branchId: branch.id, active: true }, select: { id: true } });
    const sessions = Array.from({ length: count }, (_, i) => ({
      id: randomUUID(), kindId: kind.id, orgNodeId: branch.id, chatId: chat.id, topic: `基准测试会议 ${i + 1}`, place: '会议室',
      startsAt: new Date(now + 30 * 60_000), checkinOpensAt: new Date(now - 60_000), checkinClosesAt: new Date(now + 3 * 3600_000),
      createdById: members[0]!.id, cardMessageKey: `bench-meeting:${b}:${i}`,
    }));
    await prisma.meetingSession.createMany({ data: sessions });
    await prisma.attendance.createMany({ data: sessions.flatMap((s) => members.map((m) => ({ sessionId: s.id, memberId: m.id }))) });
    await prisma.outboxMessage.createMany({ data: sessions.map((s) => ({ ...sent, dedupeKey: s.cardMessageKey, target: `branch-${b}`, platformMessageId: `cm_${s.id}` })) });
    targets.push(sessions.map((s) => s.id));
  }
} else {
  // Cards as if sent earlier (a check-in updates an existing card).
  for (let b = 1; b <= 3; b++) {
    const ids = Array.from({ length: count }, (_, i) => `b${b}s${i}`);
    await prisma.outboxMessage.createMany({ data: ids.map((id) => ({ ...sent, dedupeKey: `bench-card:${id}`, target: `branch-${b}`, platformMessageId: `cm_bench_${id}` })) });
    targets.push(ids);
  }
}
process.stdout.write(`READY ${app.url} ${JSON.stringify(targets)}\n`);
process.once('SIGTERM', () => void app.stop().then(() => process.exit(0)));
