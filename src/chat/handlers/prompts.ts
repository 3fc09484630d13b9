// 工作提示: an organ-committee post (机关党委书记, 专职副书记, 机关党委委员) broadcasts a prompt to every
// branch chat under their 机关党委, and asks how far it got (sent, failed, pending).
import type { Router } from '../router.js';
import type { Context } from '../context.js';
import { UserError } from '../context.js';
import { say } from '../wording.js';
import type { PostTitle } from '../../generated/prisma/enums.js';
import { adhocBroadcast, deliveryReport } from '../../../jobs/prompt.js';

const ORGAN_POSTS: PostTitle[] = ['ORGAN_SECRETARY', 'ORGAN_DEPUTY_SECRETARY', 'ORGAN_COMMITTEE_MEMBER'];

async function organIds(ctx: Context): Promise<string[]> {
  if (!ctx.me.active) return [];
  const ids = ctx.me.posts.filter((p) => ORGAN_POSTS.includes(p.title)).map((p) => p.orgNodeId);
  if (!ids.length) return [];
  const organs = await ctx.tx.orgNode.findMany({ where: { id: { in: ids }, kind: 'ORGAN_COMMITTEE' }, select: { id: true } });
  return organs.map((o) => o.id);
}

export function registerPrompts(router: Router): void {
  router.command({ name: 'prompts.report', patterns: [/^工作提示情况$/] }, async (ctx) => {
    const organs = await organIds(ctx);
    if (!organs.length) throw new UserError(say('prompts.not_allowed'));
    const last = await ctx.tx.promptBroadcast.findFirst({
      where: { prompt: { templateId: 'adhoc', createdById: ctx.me.id } },
      orderBy: { createdAt: 'desc' },
      select: { id: true, text: true },
    });
    if (!last) return ctx.reply(say('prompts.report_none'));
    const r = await deliveryReport(ctx.tx, last.id);
    ctx.reply(say('prompts.report', { text: [...last.text].slice(0, 30).join(''), total: r.total, sent: r.sent, failed: r.failed, pending: r.pending }));
  });

  router.command({ name: 'prompts.send', patterns: [/^工作提示(?:[\s：:]+([\s\S]*))?$/] }, async (ctx, m) => {
    const text = (m[1] ?? '').trim();
    const organs = await organIds(ctx);
    if (!organs.length) throw new UserError(say('prompts.not_allowed'));
    if (!text) throw new UserError(say('prompts.usage'));
    if ([...text].length > 1500) throw new UserError(say('prompts.too_long', { max: 1500 }));
    const branches = await ctx.tx.orgNode.findMany({ where: { parentId: { in: organs }, kind: 'BRANCH' }, select: { id: true } });
    const { broadcastId, messages } = await adhocBroadcast(ctx.tx, { text, orgNodeIds: branches.map((b) => b.id), createdById: ctx.me.id, periodKey: `${ctx.inbound.platform}:${ctx.inbound.eventId}` });
    if (!messages.length) throw new UserError(say('prompts.no_chats'));
    messages.forEach((msg) => ctx.send(msg));
    ctx.audit({ action: 'prompt.broadcast', entityType: 'PromptBroadcast', entityId: broadcastId, detail: { chats: messages.length } });
    ctx.reply(say('prompts.sent', { count: messages.length }));
  });
}
