// 民主评议 <姓名[、姓名…]> <等次> [政治体检情况] and 民主评议情况 (results only in a direct chat: they stay with the
// branch's managers), 组织生活会 <环节> 已完成 … and 组织生活会情况 (the year's checklist). The rules are
// src/services/organizational-life.ts.
import type { Router } from '../router.js';
import type { Context } from '../context.js';
import { say } from '../wording.js';
import { fail } from '../../services/kernel.js';
import { DEFAULT_TZ } from '../../domain/life/time.js';
import { REVIEW_RESULTS, type MarkedStep } from '../../domain/obligations/organizational-life.js';
import { enterReview, lifeChecklist, markLifeStep, myReview, reviewsOf } from '../../services/organizational-life.js';
import { attachmentsOf } from './obligations.js';
import { lifeChecklistCard, myReviewText, resultName, reviewEnteredText, reviewListCard, reviewsEnteredText } from '../presenters/organizational-life.js';

// The words a secretary uses for each step.
const STEP_WORDS: Array<[RegExp, MarkedStep]> = [
  [/^征求意见$/, 'consult'],
  [/^谈心谈话$/, 'talks'],
  [/^对照检查(?:材料)?$/, 'self_review'],
  [/^整改(?:落实)?$/, 'rectify'],
];

async function reviewList(ctx: Context, timezone: string): Promise<void> {
  const r = await reviewsOf(ctx.unit, { branchId: await ctx.chatBranchId(), timezone });
  const card = { kind: 'card' as const, card: reviewListCard(r) };
  if (ctx.inbound.chat.kind !== 'GROUP' || !r.members) return ctx.reply(card);
  // Names and results never go to a group.
  if (await ctx.dm(ctx.me.id, card, `reviews:${r.branch.id}:${ctx.inbound.eventId}`)) ctx.reply(say('orglife.sent_privately'));
  else ctx.reply(say('orglife.no_direct_chat'));
}

export function registerOrganizationalLife(router: Router, deps: { timezone?: string } = {}): void {
  const timezone = deps.timezone ?? DEFAULT_TZ;
  router
    .command(
      { name: 'orglife.review', keywords: ['民主评议'], args: /^(\S+)\s+(\S+)\s*([\s\S]*)$/, changes: true, help: 'manager', examples: ['民主评议 张伟 合格', '民主评议 陈静 优秀 政治忠诚、政治担当表现突出', '民主评议 赵磊、黄丽、周涛 合格'] },
      async (ctx, m) => {
        if (ctx.inbound.chat.kind === 'GROUP') return ctx.reply(say('orglife.direct_only'));
        const result = REVIEW_RESULTS.find((r) => resultName(r) === m[2]);
        if (!result) fail('orglife.review_usage');
        // 民主评议 张伟、李明 合格: several at once, all or none.
        const branchId = await ctx.chatBranchId();
        const entered = [];
        for (const name of m[1]!.split(/[、，,]/).filter(Boolean)) entered.push(await enterReview(ctx.unit, { branchId, name, result, notes: m[3], timezone }));
        ctx.reply(entered.length === 1 ? reviewEnteredText(entered[0]!) : reviewsEnteredText(entered));
      },
    )
    .command({ name: 'orglife.reviews', keywords: ['民主评议情况', '民主评议结果'], help: 'manager', examples: ['民主评议情况', '民主评议结果'] }, (ctx) => reviewList(ctx, timezone))
    // One's own result, in a direct chat only (a group would show it to everyone).
    .command({ name: 'orglife.mine', keywords: ['我的民主评议', '我的民主评议结果', '我的评议结果'], help: 'member', examples: ['我的民主评议'] }, async (ctx) => {
      if (ctx.inbound.chat.kind === 'GROUP') return ctx.reply(say('orglife.mine_direct_only'));
      ctx.reply(myReviewText(await myReview(ctx.unit, { timezone })));
    })
    .command(
      {
        name: 'orglife.step',
        keywords: ['组织生活会'],
        args: /^(\S+?)\s*(?:已完成|已经完成|完成)\s*([\s\S]*)$/,
        changes: true,
        guard: 'branch.manage',
        help: 'manager',
        examples: ['组织生活会 征求意见 已完成 共收集意见12条', '组织生活会 对照检查 已完成 张伟、李秀英 材料已交', '组织生活会 整改落实 已完成 整改清单见 https://example.com/list'],
      },
      async (ctx, m) => {
        const step = STEP_WORDS.find(([re]) => re.test(m[1]!))?.[1];
        if (!step) fail('orglife.step_usage');
        const c = await markLifeStep(ctx.unit, { branchId: await ctx.chatBranchId(), step, text: m[2] ?? '', attachments: attachmentsOf(ctx), timezone });
        ctx.reply({ kind: 'card', card: lifeChecklistCard(c, timezone, ctx.inbound.chat.kind !== 'GROUP') });
      },
    )
    .command({ name: 'orglife.checklist', keywords: ['组织生活会情况', '组织生活会清单'], guard: 'branch.view', help: 'manager', examples: ['组织生活会情况'] }, async (ctx) => {
      const c = await lifeChecklist(ctx.unit, { branchId: await ctx.chatBranchId(), timezone });
      ctx.reply({ kind: 'card', card: lifeChecklistCard(c, timezone, ctx.inbound.chat.kind !== 'GROUP') });
    });
}
