// Responsibility lists in the chat: questions in plain Chinese (the router's fallback: text no command
// understood is answered from the asker's active list when it looks like a question or matches items, and
// gets the help card otherwise), [更多] for the next items, 清单模板, and what is due: 我还有哪些没完成 /
// 我的任务 for a member, 本支部本季度还差什么 for whoever may see the branch. The rules are in
// src/services/duties.ts, the cards in src/chat/presenters/duties.ts.
import type { Router } from '../router.js';
import type { Context } from '../context.js';
import type { TokenClaims } from '../token.js';
import { say } from '../wording.js';
import { notUnderstood } from './basics.js';
import { commandHint } from '../help.js';
import { answerCard, branchesDueCard, firstAnswerCard, memberDueCard, MORE_ACTION, noAnswerText, type MoreTarget } from '../presenters/duties.js';
import type { Logger } from '../../log.js';
import type { LlmConfig } from '../../domain/duties/llm.js';
import { DEFAULT_TZ } from '../../domain/life/time.js';
import { answerAgain, askDuties, dueHere, MAX_HITS, memberDue } from '../../services/duties.js';
import { fail } from '../../services/kernel.js';
import { DUTY_TEMPLATE_PATH } from '../../web/duty-files.js';
import { withRecordButtons } from './duty-forms.js';

export interface DutiesDeps {
  publicUrl: string;
  timezone?: string;
  atRiskDays?: number;
  lateCheckinDays?: number;
  /** Model phrasing of answers; off when absent. */
  llm?: LlmConfig;
  log?: Logger;
}

interface Options {
  publicUrl: string;
  timezone: string;
  atRiskDays: number;
  lateCheckinDays: number;
  llm?: LlmConfig;
  log?: Logger;
}

/** Longer text is not taken as a question about the list. */
const MAX_QUESTION = 100;

/** Wording of a question: asks how often, when, whether, who, what … */
const QUESTION_LIKE =
  /[?？]|吗|呢|多久|几次|几回|多少|什么|啥|怎么|怎样|如何|哪些|哪个|哪几|是否|要不要|需不需要|用不用|能不能|可不可以|有没有|是不是|谁|何时|几时|为什么|多长/;

export function looksLikeQuestion(text: string): boolean {
  return QUESTION_LIKE.test(text);
}

/** Text no command understood: an answer from the list, a plain "not found", or the help card. */
async function answerOrHelp(ctx: Context, router: Router, text: string, o: Options): Promise<void> {
  const question = text.replace(/[。！!]+$/, '');
  const questionLike = looksLikeQuestion(question);
  if ([...question].length <= MAX_QUESTION) {
    const answer = await askDuties(ctx.unit, { question, timezone: o.timezone });
    if (answer && answer.hits.length > 0) {
      const card = await firstAnswerCard(ctx.presenters.env(ctx.now), { list: answer.list, question, hits: answer.hits, askerId: ctx.me.id, evidence: answer.evidence }, o.llm, o.log);
      return ctx.reply({ kind: 'card', card });
    }
    if (questionLike) {
      // A question about a command the list does not answer (请假怎么请, 导出台账怎么弄): how the command is used.
      const about = router.askedAbout(question);
      const hint = about && commandHint(about.route, about.keyword);
      if (hint) return ctx.reply(hint);
      return ctx.reply(answer ? noAnswerText(question, answer.suggestions) : say('duties.no_list'));
    }
  }
  await notUnderstood(ctx, router, text);
}

function parseMoreTarget(raw: string): MoreTarget | null {
  try {
    const t = JSON.parse(raw) as Partial<MoreTarget>;
    if (typeof t.l === 'string' && typeof t.q === 'string' && typeof t.m === 'string' && Number.isInteger(t.o) && t.o! > 0 && t.o! < MAX_HITS) return t as MoreTarget;
  } catch {
    // fall through
  }
  return null;
}

/** [更多]: the next items of the same answer (same list version, ranked for the same asker). */
async function more(ctx: Context, claims: TokenClaims): Promise<void> {
  const t = parseMoreTarget(claims.target);
  if (!t) fail('errors.token_forged');
  const answer = await answerAgain(ctx.unit, { listId: t.l, question: t.q, askerId: t.m });
  if (t.o >= answer.hits.length) {
    ctx.toast('info', say('duties.more_none'));
    return ctx.reply(say('duties.more_none'));
  }
  ctx.reply({ kind: 'card', card: answerCard(ctx.presenters.env(ctx.now), { list: answer.list, question: t.q, hits: answer.hits, offset: t.o, askerId: t.m, evidence: answer.evidence }) });
}

async function mine(ctx: Context, o: Options): Promise<void> {
  const due = await memberDue(ctx.unit, { timezone: o.timezone, lateCheckinDays: o.lateCheckinDays });
  // Each of the member's own open duties gets a [记录 …] button (the form that records it).
  const open = due.duties.filter((d) => d.status === 'open' || d.status === 'at_risk').map((d) => d.code);
  ctx.reply({ kind: 'card', card: await withRecordButtons(ctx, memberDueCard(ctx.presenters.env(ctx.now), due), open, o.timezone) });
}

async function branch(ctx: Context, o: Options): Promise<void> {
  const due = await dueHere(ctx.unit, { node: await ctx.subject(), timezone: o.timezone, atRiskDays: o.atRiskDays, lateCheckinDays: o.lateCheckinDays });
  const env = ctx.presenters.env(ctx.now);
  ctx.reply({ kind: 'card', card: 'branches' in due ? branchesDueCard(env, due.branches) : memberDueCard(env, due.member, say('duties.branch_member_note')) });
}

/**
 * Register after registerBasics: this module's fallback replaces the basic one (it still answers the help
 * card for text that is neither a question nor about the list).
 */
export function registerDuties(router: Router, deps: DutiesDeps): void {
  const o: Options = {
    publicUrl: deps.publicUrl.replace(/\/+$/, ''),
    timezone: deps.timezone ?? DEFAULT_TZ,
    atRiskDays: deps.atRiskDays ?? 10,
    lateCheckinDays: deps.lateCheckinDays ?? 7,
    llm: deps.llm,
    log: deps.log,
  };
  router
    .command(
      {
        name: 'duties_template',
        keywords: ['清单模板', '责任清单模板', '三级责任清单模板', '下载清单模板', '下载责任清单模板', '下载三级责任清单模板'],
        guard: 'anyone',
        help: 'organ',
        examples: ['清单模板', '下载三级责任清单模板'],
      },
      async (ctx) => ctx.reply(say('duties.template', { url: `${o.publicUrl}${DUTY_TEMPLATE_PATH}` })),
    )
    .command(
      {
        name: 'duties_mine',
        keywords: ['我的任务', '我的待办', '我的待办事项'],
        args: /^[?？。!！]*$/,
        patterns: [/^我(?:这个季度|本季度|这季度|这个月|本月|今年)?还有(?:哪些|什么|啥)(?:事|事情|工作|任务)?(?:没有?|未)(?:完成|做|办)了?[?？。!！]*$/],
        help: 'member',
        examples: ['我的任务', '我的待办事项', '我还有哪些没完成', '我还有什么工作没做？', '我这个季度还有什么没做'],
      },
      (ctx) => mine(ctx, o),
    )
    .command(
      {
        name: 'duties_branch',
        patterns: [/^(?:本支部|我们支部|支部)?(?:本季度|这个季度|本季)?(?:还差什么|还差哪些|还缺什么|还有(?:哪些|什么)没(?:有)?完成)[?？。!！]*$/],
        help: 'manager',
        examples: ['本支部本季度还差什么', '本季度还缺什么？', '支部还有哪些没完成'],
      },
      (ctx) => branch(ctx, o),
    )
    .action(MORE_ACTION, (ctx, claims) => more(ctx, claims))
    .fallback((ctx, m) => answerOrHelp(ctx, router, String(m[0]).trim(), o));
}
