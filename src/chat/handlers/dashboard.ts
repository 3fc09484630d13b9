// 驾驶舱 in chat: a one-time sign-in link to the web 驾驶舱 (sent privately), and the cards
// 本机关本季度党建情况 (机关党委) and 各单位本季度情况 (工委) with [查看明细] opening the page there.
// Rules and figures: src/services/dashboard.ts and src/services/web-sessions.ts.
import type { Router } from '../router.js';
import type { Context } from '../context.js';
import type { OutboundBody } from '../types.js';
import { say } from '../wording.js';
import { DEFAULT_LIFE, type LifeOptions } from '../../domain/life/options.js';
import { periodOf } from '../../domain/life/period.js';
import { cardNode, dashboardView } from '../../services/dashboard.js';
import { requestSignIn, SIGN_IN_LINK_SECONDS } from '../../services/web-sessions.js';
import { SIGN_IN_ACTION } from '../../web/dashboard.js';
import { dashboardCard } from '../presenters/dashboard.js';

/** A one-time sign-in link for the asker, opening `to` (a /dashboard path) once signed in. */
async function signInLink(ctx: Context, to?: string): Promise<{ url: string; scope: string }> {
  const r = await requestSignIn(ctx.unit);
  const token = ctx.tokens.sign({ action: SIGN_IN_ACTION, target: r.sessionId, member: r.memberId }, SIGN_IN_LINK_SECONDS, ctx.now);
  const base = ctx.presenters.options.publicUrl.replace(/\/$/, '');
  return { url: `${base}/dashboard/sign-in?t=${encodeURIComponent(token)}${to ? `&to=${encodeURIComponent(to)}` : ''}`, scope: r.home.name };
}

/** Privately: a DM from a group chat (and a short note in the group), else the reply itself. */
async function privately(ctx: Context, body: OutboundBody | string, key: string): Promise<void> {
  if (ctx.inbound.chat.kind === 'GROUP' && (await ctx.dm(ctx.me.id, body, `${key}:${ctx.inbound.eventId}`))) ctx.reply(say('dashboard.sent_privately'));
  else ctx.reply(body);
}

async function card(ctx: Context, which: 'organ' | 'committee', o: LifeOptions): Promise<void> {
  const subject = await ctx.subject();
  const node = await cardNode(ctx.unit, { which, subjectId: subject.id });
  const period = periodOf('quarter', ctx.now, o.timezone);
  const view = await dashboardView(ctx.unit, { nodeId: node.id, period }, o);
  const { url } = await signInLink(ctx, `/dashboard/node/${node.id}?p=${period.key}`);
  await privately(ctx, { kind: 'card', card: dashboardCard(view, url, ctx.now, o.timezone) }, `dashboard:${which}`);
}

// The card's other phrasings: this quarter said any usual way, and a question about how it stands
// (the cards change nothing, so 怎么样 asks for them).
const THIS_QUARTER = '(?:本季度|这个季度|这季度|当季|本季)?';
const HOW = '(?:怎么样|如何|咋样|怎样)?[?？]?';
const ORGAN_ASKS = new RegExp(`^(?:本机关|我们机关|机关)${THIS_QUARTER}的?党建(?:工作)?(?:情况|进展)${HOW}$`);
const COMMITTEE_ASKS = new RegExp(`^各(?:单位|机关)${THIS_QUARTER}的?(?:党建)?(?:工作)?(?:情况|进展)${HOW}$`);

export function registerDashboardCommands(router: Router, deps: Partial<LifeOptions> = {}): void {
  const o: LifeOptions = { ...DEFAULT_LIFE, ...Object.fromEntries(Object.entries(deps).filter(([, v]) => v !== undefined)) };
  router
    .command({ name: 'dashboard.sign_in', keywords: ['驾驶舱', '党建驾驶舱'], help: 'organ', examples: ['驾驶舱'] }, async (ctx) => {
      const { url, scope } = await signInLink(ctx);
      await privately(ctx, say('dashboard.link', { url, minutes: SIGN_IN_LINK_SECONDS / 60, scope }), 'dashboard:link');
    })
    .command(
      { name: 'dashboard.organ_card', keywords: ['本机关本季度党建情况', '本机关党建情况'], patterns: [ORGAN_ASKS], help: 'organ', examples: ['本机关本季度党建情况', '本机关这个季度党建情况怎么样？', '机关党建工作进展如何'] },
      (ctx) => card(ctx, 'organ', o),
    )
    .command(
      { name: 'dashboard.committee_card', keywords: ['各单位本季度情况', '各单位党建情况'], patterns: [COMMITTEE_ASKS], help: 'organ', examples: ['各单位本季度情况', '各单位这个季度党建情况怎么样', '各机关本季度党建工作进展？'] },
      (ctx) => card(ctx, 'committee', o),
    );
}
