// GET /files/ledger?t=<token>: the ledger workbook for a branch and period, from a short-lived
// signed link the bot sends (token action ledger.download, target "<branchId>|<period key>",
// bound to the member who asked). The member's right to the branch is checked again on download.
import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/client.js';
import type { TokenSigner } from '../chat/token.js';
import { findMember } from '../domain/org.js';
import { can, memberPrincipal } from '../access/index.js';
import { parsePeriod } from '../domain/life/period.js';
import { ledgerFileName, ledgerWorkbook, loadLedger } from '../domain/life/ledger.js';

export const LEDGER_ACTION = 'ledger.download';

export function ledgerTarget(branchId: string, periodKey: string): string {
  return `${branchId}|${periodKey}`;
}

export function registerLedgerFiles(server: FastifyInstance, deps: { db: Database; tokens: TokenSigner; timezone: string; clock?: () => Date }): void {
  const clock = deps.clock ?? (() => new Date());
  server.get('/files/ledger', async (req, reply) => {
    const now = clock();
    const check = deps.tokens.verify(String((req.query as { t?: string }).t ?? ''), now);
    if (!check.ok) return reply.code(check.reason === 'expired' ? 410 : 403).send({ error: check.reason === 'expired' ? '下载链接已过期，请重新导出' : '下载链接无效' });
    const { action, target, member: memberId } = check.claims;
    const [branchId, periodKey] = target.split('|');
    if (action !== LEDGER_ACTION || !branchId || !periodKey || !memberId) return reply.code(403).send({ error: '下载链接无效' });
    const member = await findMember(deps.db.prisma, memberId);
    if (!member || !(await can(deps.db.prisma, memberPrincipal(member, 'web'), 'branch.manage', branchId))) return reply.code(403).send({ error: '没有导出该支部台账的权限' });
    const period = parsePeriod(periodKey, now, deps.timezone);
    if (!period) return reply.code(400).send({ error: '期间无效' });
    const ledger = await loadLedger(deps.db.prisma, branchId, period);
    const file = await ledgerWorkbook(ledger, deps.timezone);
    return reply
      .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header('content-disposition', `attachment; filename="ledger-${period.key}.xlsx"; filename*=UTF-8''${encodeURIComponent(ledgerFileName(ledger))}`)
      .header('cache-control', 'no-store')
      .send(file);
  });
}
