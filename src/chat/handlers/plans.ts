// The 工委's plan lists in the chat: 主题党日计划 <内容> (next month's list) and 季度要求 <内容> (this
// quarter's), sent by a 工委 post to every 机关党委 and branch chat under it; [已收到] [已安排] on the card;
// 计划清单情况 shows who has answered. The rules are src/services/plans.ts.
import type { Router } from '../router.js';
import type { Context } from '../context.js';
import type { TokenClaims } from '../token.js';
import { say } from '../wording.js';
import { DEFAULT_TZ } from '../../domain/life/time.js';
import { fail } from '../../services/kernel.js';
import { ackPlan, issuePlan, planReport, type AckState } from '../../services/plans.js';
import { PLAN_ACK_ACTION, planReportText } from '../presenters/plans.js';

async function ack(ctx: Context, claims: TokenClaims): Promise<void> {
  const [broadcastId, nodeId, state] = claims.target.split('\n');
  if (!broadcastId || !nodeId || (state !== 'RECEIVED' && state !== 'ARRANGED')) fail('errors.token_forged');
  const r = await ackPlan(ctx.unit, { broadcastId, nodeId, state: state as AckState });
  const text = say(r.already ? 'plans.ack_already' : r.state === 'ARRANGED' ? 'plans.ack_arranged' : 'plans.ack_received', { node: r.node });
  if (ctx.inbound.kind === 'action') ctx.toast('success', text);
  ctx.reply(text);
}

export function registerPlans(router: Router, deps: { timezone?: string } = {}): void {
  const timezone = deps.timezone ?? DEFAULT_TZ;
  router
    .command(
      { name: 'plans.theme_day', keywords: ['主题党日计划', '主题党日计划清单'], args: /^([\s\S]*)$/, changes: true, help: 'organ', examples: ['主题党日计划 1.学习贯彻全会精神 2.重温入党誓词'] },
      async (ctx, m) => {
        const r = await issuePlan(ctx.unit, { kind: 'theme_day', text: m[1] ?? '', timezone });
        ctx.reply(say('plans.sent', { period: r.period, count: r.chats }));
      },
    )
    .command(
      { name: 'plans.quarter', keywords: ['季度要求', '季度组织生活要求'], args: /^([\s\S]*)$/, changes: true, help: 'organ', examples: ['季度要求 本季度召开组织生活会，会前开展谈心谈话'] },
      async (ctx, m) => {
        const r = await issuePlan(ctx.unit, { kind: 'quarter', text: m[1] ?? '', timezone });
        ctx.reply(say('plans.sent', { period: r.period, count: r.chats }));
      },
    )
    .command({ name: 'plans.report', keywords: ['计划清单情况', '回执情况'], help: 'organ', examples: ['计划清单情况'] }, async (ctx) => {
      const r = await planReport(ctx.unit);
      ctx.reply(r ? planReportText(r) : say('plans.report_empty'));
    })
    .action(PLAN_ACK_ACTION, ack);
}
