// The service as the inbound benchmark runs it: the real app on PostgreSQL + Redis, plus one card
// action with the work of a check-in (read state, write state, audit row, card update in the outbox).
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startApp } from '../../src/app.js';

const config = loadConfig({ ...process.env, NODE_ENV: 'test', PORT: '0', LOG_LEVEL: 'warn', SEED_DEMO: 'true' });
const app = await startApp(config, createLogger({ level: 'warn', pretty: false }), {
  extendRouter: (router) =>
    router.action('bench.checkin', async (ctx, claims) => {
      const me = ctx.me;
      const prior = await ctx.tx.pointsEntry.findUnique({ where: { memberId_refType_refId_reason: { memberId: me.id, refType: 'bench', refId: claims.target, reason: 'checkin' } } });
      if (prior) return ctx.toast('info', '您已签到');
      await ctx.tx.pointsEntry.create({ data: { memberId: me.id, delta: 1, reason: 'checkin', refType: 'bench', refId: claims.target } });
      ctx.audit({ action: 'bench.checkin', entityType: 'Bench', entityId: claims.target });
      ctx.send({
        to: ctx.here,
        body: { kind: 'card_update', ofKey: `bench-card:${claims.target}`, card: { title: '签到', footer: `已签到 ${me.name}` } },
        dedupeKey: `bench-card:${claims.target}:${me.id}`,
      });
      ctx.toast('success', '签到成功');
    }),
});
// The cards the clicks update, as if sent earlier (a check-in updates an existing card).
await app.db.prisma.outboxMessage.createMany({
  data: Array.from({ length: Number(process.env.BENCH_CARDS ?? 3000) }, (_, i) => ({
    dedupeKey: `bench-card:s${i}`, platform: 'CONSOLE' as const, target: 'branch-1', targetKind: 'GROUP' as const, kind: 'card',
    payload: { kind: 'card', card: { title: '签到' } }, status: 'SENT' as const, platformMessageId: `cm_bench_${i}`, sentAt: new Date(),
  })),
});
process.stdout.write(`READY ${app.url}\n`);
process.once('SIGTERM', () => void app.stop().then(() => process.exit(0)));
