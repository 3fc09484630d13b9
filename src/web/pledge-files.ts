// GET /files/pledges?t=<token>: a campaign's xlsx workbook, from a short-lived signed link the bot
// sends (token action pledge.export, target the campaign id, bound to the member who asked). The
// export service checks the member's right to the campaign's branches again; they get their branches.
import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/client.js';
import type { TokenSigner } from '../chat/token.js';
import { A } from '../chat/presenters/pledges.js';
import { campaignWorkbook } from '../chat/presenters/pledge-workbook.js';
import { errorText } from '../chat/presenters/registry.js';
import { findMember } from '../domain/org.js';
import { DEFAULT_TZ } from '../domain/life/time.js';
import { memberPrincipal } from '../access/principal.js';
import { DomainError, Unit } from '../services/kernel.js';
import { exportData } from '../services/pledges-oversight.js';

export const PLEDGE_EXPORT_ACTION = A.export;

export function registerPledgeFiles(server: FastifyInstance, deps: { db: Database; tokens: TokenSigner; clock?: () => Date; timezone?: string }): void {
  const clock = deps.clock ?? (() => new Date());
  const tz = deps.timezone ?? DEFAULT_TZ;
  server.get('/files/pledges', async (req, reply) => {
    const now = clock();
    const check = deps.tokens.verify(String((req.query as { t?: string }).t ?? ''), now);
    if (!check.ok) return reply.code(check.reason === 'expired' ? 410 : 403).send({ error: check.reason === 'expired' ? '下载链接已过期，请重新发送「导出承诺」' : '下载链接无效' });
    const { action, target, member: memberId } = check.claims;
    if (action !== PLEDGE_EXPORT_ACTION || !memberId) return reply.code(403).send({ error: '下载链接无效' });
    const member = await findMember(deps.db.prisma, memberId);
    if (!member?.active) return reply.code(403).send({ error: '没有导出该承诺活动的权限' });
    try {
      const data = await deps.db.transaction((scope) => exportData(new Unit(scope, memberPrincipal(member, 'web'), now), { campaignId: target }));
      const file = await campaignWorkbook(data, tz);
      return reply
        .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('content-disposition', `attachment; filename="pledges.xlsx"; filename*=UTF-8''${encodeURIComponent(file.filename)}`)
        .header('cache-control', 'no-store')
        .send(file.buffer);
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      return reply.code(e.code === 'pledge.campaign_gone' ? 404 : 403).send({ error: errorText(e, tz) });
    }
  });
}
