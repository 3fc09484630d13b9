// 帮助, 绑定, 生成绑定码 and the fallback for text no command understood (replaced by the duties fallback,
// which answers questions first). Identity rules are in src/services/identity.ts; help is generated from
// the declared commands (src/chat/help.ts).
import type { Router } from '../router.js';
import type { Context } from '../context.js';
import { say } from '../wording.js';
import type { Card } from '../card.js';
import { helpCard, helpReader } from '../help.js';
import { shorten } from '../presenters/basics.js';
import { bindWithCode, issueBindingCode } from '../../services/identity.js';
import { fail } from '../../services/kernel.js';

/** The help card for whoever sent this event, listing what the router declares for them. */
export async function helpFor(ctx: Context, router: Router, intro?: string): Promise<Card> {
  return helpCard(router.declared(), await helpReader(ctx.tx, ctx.unit.principal), intro);
}

/** "Did not understand X" with the help card. */
export async function notUnderstood(ctx: Context, router: Router, text: string): Promise<void> {
  ctx.reply({ kind: 'card', card: await helpFor(ctx, router, say('help.unknown_command', { text: shorten(text) })) });
}

async function bind(ctx: Context, match: RegExpMatchArray): Promise<void> {
  const i = ctx.inbound;
  const { member } = await bindWithCode(ctx.unit, {
    account: { platform: i.platform, tenantKey: i.tenantKey, platformUserId: i.user.id, displayName: i.user.name },
    code: match[0] ?? '',
  });
  ctx.reply(say('binding.done', { name: member.name }));
}

async function issueCode(ctx: Context, match: RegExpMatchArray): Promise<void> {
  // A code shown in a group could be used by anyone there: a chat rule, not the service's.
  if (ctx.inbound.chat.kind !== 'DIRECT') fail('binding.issue_direct_only');
  const r = await issueBindingCode(ctx.unit, { branchId: await ctx.chatBranchId(), who: match[0] ?? '' });
  ctx.reply(say('binding.issue_done', { name: r.member.name, code: r.code, hours: r.hours }));
}

export function registerBasics(router: Router): void {
  router
    .command(
      { name: 'help', keywords: ['帮助', '使用说明', '菜单', 'help', 'Help', 'HELP', '?', '？'], guard: 'anyone', examples: ['帮助', 'help', '？'] },
      async (ctx) => ctx.reply({ kind: 'card', card: await helpFor(ctx, router) }),
    )
    .command(
      { name: 'bind', keywords: ['绑定'], args: /^[A-Za-z0-9]*$/, guard: 'anyone', changes: true, help: 'member', examples: ['绑定 K7Q2M9XA', '绑定：K7Q2M9XA'] },
      bind,
    )
    .command(
      { name: 'bind_code', keywords: ['生成绑定码'], args: /^.*$/, guard: 'branch.manage', changes: true, help: 'manager', examples: ['生成绑定码 张伟', '生成绑定码'] },
      issueCode,
    )
    .fallback((ctx, match) => notUnderstood(ctx, router, String(match[0])));
}
