// 帮助, 绑定, 生成绑定码 and the fallback for text no command understood.
import type { Router } from '../router.js';
import type { Context } from '../context.js';
import { UserError } from '../context.js';
import { say } from '../wording.js';
import type { Card } from '../card.js';
import { BINDING_CODE_TTL_HOURS, issueBindingCode, redeemBindingCode } from '../identity.js';
import { canManage } from '../../domain/org.js';

export function helpCard(intro?: string): Card {
  return {
    title: say('help.title'),
    tone: 'blue',
    markdown: intro ? `${intro}\n\n${say('help.body')}` : say('help.body'),
    footer: say('help.footer'),
  };
}

async function bind(ctx: Context, match: RegExpMatchArray): Promise<void> {
  const code = match[1]?.trim();
  if (ctx.member) return ctx.reply(say('binding.already', { name: ctx.member.name }));
  if (!code) throw new UserError(say('binding.code_missing'));
  const i = ctx.inbound;
  const r = await redeemBindingCode(ctx.tx, { platform: i.platform, tenantKey: i.tenantKey, platformUserId: i.user.id, displayName: i.user.name }, code, ctx.now);
  if (!r.ok) throw new UserError(say('binding.bad_code'));
  ctx.audit({ action: 'identity.bind', entityType: 'Member', entityId: r.member.id, detail: { platform: i.platform } });
  ctx.reply(say('binding.done', { name: r.member.name }));
}

async function issueCode(ctx: Context, match: RegExpMatchArray): Promise<void> {
  if (ctx.inbound.chat.kind !== 'DIRECT') throw new UserError(say('binding.issue_direct_only'));
  const who = match[1]?.trim();
  if (!who) throw new UserError(say('binding.issue_usage'));
  const me = ctx.me;
  if (!(await canManage(ctx.tx, me, me.branchId))) throw new UserError(say('errors.not_allowed', { what: '生成绑定码' }));
  const candidates = await ctx.tx.member.findMany({
    where: { branchId: me.branchId, active: true, OR: [{ name: who }, { employeeNo: who }] },
    select: { id: true, name: true },
  });
  if (candidates.length === 0) throw new UserError(say('binding.issue_no_member', { name: who }));
  if (candidates.length > 1) throw new UserError(say('binding.issue_ambiguous', { name: who, count: candidates.length }));
  const target = candidates[0]!;
  const code = await issueBindingCode(ctx.tx, me.id, target.id, ctx.now);
  ctx.audit({ action: 'identity.issue_code', entityType: 'Member', entityId: target.id });
  ctx.reply(say('binding.issue_done', { name: target.name, code, hours: BINDING_CODE_TTL_HOURS }));
}

export function registerBasics(router: Router): void {
  router
    .command({ name: 'help', patterns: [/^(帮助|help|\?|？|菜单|使用说明)$/i], guard: 'anyone' }, async (ctx) => ctx.reply({ kind: 'card', card: helpCard() }))
    .command({ name: 'bind', patterns: [/^绑定(?:\s+|[:：]\s*)?([A-Za-z0-9]*)$/], guard: 'anyone' }, bind)
    .command({ name: 'binding.issue_code', patterns: [/^生成绑定码(?:\s+|[:：]\s*)?(.*)$/] }, issueCode)
    .fallback(async (ctx, match) => {
      const text = String(match[0]);
      const shown = [...text].length > 20 ? `${[...text].slice(0, 20).join('')}…` : text;
      ctx.reply({ kind: 'card', card: helpCard(say('help.unknown_command', { text: shown })) });
    });
}
