// GET /files/pledges?t=<token>: a campaign's xlsx workbook, from a short-lived signed link the bot
// sends (token action pledge.export, target the campaign id, bound to the member who asked). The
// member's right to the campaign's branches is checked again on download; they get their branches.
import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/client.js';
import type { TokenSigner } from '../chat/token.js';
import { findMember, managedBranchIds } from '../domain/org.js';
import { audienceOf } from '../domain/pledges/service.js';
import { campaignWorkbook } from '../domain/pledges/export.js';

export const PLEDGE_EXPORT_ACTION = 'pledge.export';

export function registerPledgeFiles(server: FastifyInstance, deps: { db: Database; tokens: TokenSigner; clock?: () => Date }): void {
  const clock = deps.clock ?? (() => new Date());
  server.get('/files/pledges', async (req, reply) => {
    const check = deps.tokens.verify(String((req.query as { t?: string }).t ?? ''), clock());
    if (!check.ok) return reply.code(check.reason === 'expired' ? 410 : 403).send({ error: check.reason === 'expired' ? '下载链接已过期，请重新发送「导出承诺」' : '下载链接无效' });
    const { action, target, member: memberId } = check.claims;
    if (action !== PLEDGE_EXPORT_ACTION || !memberId) return reply.code(403).send({ error: '下载链接无效' });
    const p = deps.db.prisma;
    const [member, campaign] = await Promise.all([findMember(p, memberId), p.pledgeCampaign.findUnique({ where: { id: target } })]);
    if (!campaign) return reply.code(404).send({ error: '承诺活动不存在' });
    const managed = member ? await managedBranchIds(p, member) : [];
    const branches = audienceOf(campaign).branchIds.filter((b) => managed.includes(b));
    if (!member?.active || !branches.length) return reply.code(403).send({ error: '没有导出该承诺活动的权限' });
    const file = await campaignWorkbook(p, campaign.id, branches);
    return reply
      .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header('content-disposition', `attachment; filename="pledges.xlsx"; filename*=UTF-8''${encodeURIComponent(file.filename)}`)
      .header('cache-control', 'no-store')
      .send(file.buffer);
  });
}
