// Responsibility lists in the chat: questions in plain Chinese (the router's fallback: text no command
// understood is answered from the asker's active list when it looks like a question or matches items, and
// gets the help card otherwise), [更多] for the next items, 清单模板, and what is due: 我还有哪些没完成 /
// 我的任务 for a member, 本支部本季度还差什么 for a secretary. Search rules live in src/domain/duties/.
import type { Router } from '../router.js';
import type { Context } from '../context.js';
import type { Card } from '../card.js';
import type { TokenClaims } from '../token.js';
import { UserError } from '../context.js';
import { say } from '../wording.js';
import { helpCard } from './basics.js';
import type { Logger } from '../../log.js';
import type { Tx } from '../../db/client.js';
import type { PostTitle } from '../../generated/prisma/enums.js';
import { canManage, findMember, POST_NAMES, type MemberInfo } from '../../domain/org.js';
import { activeListForBranch, DutyIndexCache, type ActiveList } from '../../domain/duties/store.js';
import type { DutyHit } from '../../domain/duties/search.js';
import { phraseAnswer, type LlmConfig } from '../../domain/duties/llm.js';
import { computeCompliance, daysLeftIn, type ComplianceItem } from '../../domain/life/compliance.js';
import { periodOf } from '../../domain/life/period.js';
import { DEFAULT_TZ, formatShort, localDay } from '../../domain/life/time.js';
import { meetingTitle } from '../../domain/life/sessions.js';
import { currentFulfilmentPeriod } from '../../domain/pledges/rules.js';
import { DUTY_TEMPLATE_PATH } from '../../web/duty-files.js';

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

/** Items per card. */
const PAGE = 3;
/** Most items one question pages through. */
const MAX_HITS = 30;
/** Longer text is not taken as a question about the list. */
const MAX_QUESTION = 100;
const MORE_TTL_SECONDS = 7 * 86_400;
const MORE_ACTION = 'duty.more';

/** Wording of a question: asks how often, when, whether, who, what … */
const QUESTION_LIKE =
  /[?？]|吗|呢|多久|几次|几回|多少|什么|啥|怎么|怎样|如何|哪些|哪个|哪几|是否|要不要|需不需要|用不用|能不能|可不可以|有没有|是不是|谁|何时|几时|为什么|多长/;

export function looksLikeQuestion(text: string): boolean {
  return QUESTION_LIKE.test(text);
}

/** The asker's posts as lists name them (支部书记 …), plus 党员, which every member is. */
export function askerPosts(member: Pick<MemberInfo, 'posts'>): string[] {
  return [...new Set([...member.posts.map((p) => POST_NAMES[p.title]), '党员'])];
}

function shorten(text: string, max = 20): string {
  const chars = [...text];
  return chars.length > max ? `${chars.slice(0, max).join('')}…` : text;
}

function yearNow(now: Date, tz: string): number {
  return localDay(now, tz).year;
}

// ───────────────────────── questions ─────────────────────────

interface MoreTarget {
  /** list id */
  l: string;
  /** question */
  q: string;
  /** offset of the next item */
  o: number;
  /** the asker (their posts rank the items) */
  m: string;
}

function itemLines(hits: DutyHit[], from: number): string {
  return hits
    .map((h, i) =>
      say('duties.answer_item', { n: from + i + 1, post: h.item.post, frequency: h.item.frequency, content: h.item.content, source: h.item.source, code: h.item.code }),
    )
    .join('\n\n');
}

function answerCard(ctx: Context, list: ActiveList, question: string, hits: DutyHit[], offset: number, askerId: string): Card {
  const page = hits.slice(offset, offset + PAGE);
  const to = offset + page.length;
  const card: Card = {
    title: say(offset === 0 ? 'duties.answer_title' : 'duties.answer_more_title', { question: shorten(question) }),
    tone: 'blue',
    markdown: itemLines(page, offset),
    footer: say('duties.answer_footer', { unit: list.unitName, year: list.year, version: list.version, from: offset + 1, to, total: hits.length }),
  };
  if (to < hits.length) {
    const target: MoreTarget = { l: list.id, q: question, o: to, m: askerId };
    card.buttons = [{ actionId: MORE_ACTION, label: say('duties.more_button'), token: ctx.tokens.sign({ action: MORE_ACTION, target: JSON.stringify(target) }, MORE_TTL_SECONDS, ctx.now) }];
  }
  return card;
}

/** The first card, phrased by the model when configured and its text passes the citation check. */
async function firstCard(ctx: Context, o: Options, list: ActiveList, question: string, hits: DutyHit[]): Promise<Card> {
  const card = answerCard(ctx, list, question, hits, 0, ctx.me.id);
  if (!o.llm) return card;
  const shown = hits.slice(0, PAGE).map((h) => h.item);
  const r = await phraseAnswer(o.llm, question, shown);
  if (!r.ok) {
    o.log?.warn({ reason: r.reason, listId: list.id }, 'model phrasing of a duty answer failed; sent the plain card');
    return card;
  }
  const sources = shown
    .filter((it) => r.cited.includes(it.code))
    .map((it) => say('duties.llm_source_line', { code: it.code, post: it.post, frequency: it.frequency, source: it.source }));
  return {
    ...card,
    markdown: `${r.text}\n\n${say('duties.llm_sources_heading')}\n${sources.join('\n')}`,
    footer: say('duties.llm_footer', { unit: list.unitName, year: list.year, version: list.version }),
  };
}

/** Text no command understood: an answer from the list, a plain "not found", or the help card. */
async function answerOrHelp(ctx: Context, match: RegExpMatchArray, o: Options, cache: DutyIndexCache): Promise<void> {
  const text = String(match[0]).trim();
  const question = text.replace(/[。！!]+$/, '');
  const questionLike = looksLikeQuestion(question);
  if ([...question].length <= MAX_QUESTION) {
    const list = await activeListForBranch(ctx.tx, ctx.me.branchId, yearNow(ctx.now, o.timezone));
    if (!list) {
      if (questionLike) return ctx.reply(say('duties.no_list'));
    } else {
      const index = await cache.get(ctx.tx, list.id);
      const answer = index.ask(question, { askerPosts: askerPosts(ctx.me), limit: MAX_HITS });
      if (answer.hits.length > 0) return ctx.reply({ kind: 'card', card: await firstCard(ctx, o, list, question, answer.hits) });
      if (questionLike) {
        const topics = answer.suggestions.map((s) => `「${s}」`).join('、');
        return ctx.reply(topics ? say('duties.no_answer', { question: shorten(question, 30), topics }) : say('duties.no_answer_plain', { question: shorten(question, 30) }));
      }
    }
  }
  ctx.reply({ kind: 'card', card: helpCard(say('help.unknown_command', { text: shorten(text) })) });
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
async function more(ctx: Context, claims: TokenClaims, cache: DutyIndexCache): Promise<void> {
  const t = parseMoreTarget(claims.target);
  if (!t) throw new UserError(say('errors.token_forged'));
  const row = await ctx.tx.responsibilityList.findUnique({ where: { id: t.l }, select: { id: true, unitId: true, year: true, version: true, unit: { select: { name: true } } } });
  if (!row) throw new UserError(say('errors.token_expired'));
  const list: ActiveList = { id: row.id, unitId: row.unitId, unitName: row.unit.name, year: row.year, version: row.version };
  const asker = (await findMember(ctx.tx, t.m)) ?? ctx.me;
  const index = await cache.get(ctx.tx, list.id);
  const hits = index.ask(t.q, { askerPosts: askerPosts(asker), limit: MAX_HITS }).hits;
  if (t.o >= hits.length) {
    ctx.toast('info', say('duties.more_none'));
    return ctx.reply(say('duties.more_none'));
  }
  ctx.reply({ kind: 'card', card: answerCard(ctx, list, t.q, hits, t.o, t.m) });
}

// ───────────────────────── what is due ─────────────────────────

const SECRETARY_POSTS: PostTitle[] = ['BRANCH_SECRETARY', 'BRANCH_DEPUTY_SECRETARY', 'ORGANIZING_MEMBER', 'PUBLICITY_MEMBER', 'DISCIPLINE_MEMBER'];
const ORGAN_POSTS: PostTitle[] = ['ORGAN_SECRETARY', 'ORGAN_DEPUTY_SECRETARY', 'ORGAN_COMMITTEE_MEMBER'];


/** A branch committee post in the branch, or a 机关党委 post above it (or anyone who may manage it). */
async function seesBranch(tx: Tx, me: MemberInfo, branchId: string): Promise<boolean> {
  if (me.posts.some((p) => p.orgNodeId === branchId && SECRETARY_POSTS.includes(p.title))) return true;
  const branch = await tx.orgNode.findUnique({ where: { id: branchId }, select: { parentId: true } });
  if (branch?.parentId && me.posts.some((p) => p.orgNodeId === branch.parentId && ORGAN_POSTS.includes(p.title))) return true;
  return canManage(tx, me, branchId);
}

/** The member's open items: pledges to submit, meetings of this quarter missed, meetings not yet answered. */
async function memberDueLines(ctx: Context, o: Options): Promise<{ lines: string[]; period: string }> {
  const tz = o.timezone;
  const now = ctx.now;
  const quarter = periodOf('quarter', now, tz);
  const days = (d: Date) => daysLeftIn({ start: now, end: new Date(d.getTime() + 1) }, now, tz);
  const lines: string[] = [];

  const pledges = await ctx.tx.pledge.findMany({
    where: { memberId: ctx.me.id, status: { in: ['DRAFT', 'RETURNED'] }, campaign: { closedAt: null } },
    select: { status: true, campaign: { select: { name: true, deadline: true, lateRule: true } } },
    orderBy: { campaign: { deadline: 'asc' } },
  });
  const pledgeLines: string[] = [];
  for (const p of pledges) {
    const vars = { campaign: p.campaign.name, deadline: formatShort(p.campaign.deadline, tz), days: days(p.campaign.deadline) };
    if (now < p.campaign.deadline) pledgeLines.push(say(p.status === 'RETURNED' ? 'duties.due_pledge_returned' : 'duties.due_pledge_open', vars));
    else if (p.campaign.lateRule === 'ACCEPT_MARKED') pledgeLines.push(say('duties.due_pledge_late', vars));
  }
  // 践诺: an approved pledge whose items are not all reported (or a report was returned) for the current period.
  const approved = await ctx.tx.pledge.findMany({
    where: { memberId: ctx.me.id, status: 'APPROVED', campaign: { closedAt: null, reportSchedule: { not: null } } },
    select: { items: { select: { id: true } }, campaign: true },
    orderBy: { campaign: { deadline: 'asc' } },
  });
  for (const p of approved) {
    const period = currentFulfilmentPeriod(p.campaign, now);
    if (!period || p.items.length === 0) continue;
    const reported = await ctx.tx.progressReport.count({ where: { period: period.key, pledgeItemId: { in: p.items.map((i) => i.id) }, reviewStatus: { not: 'REJECTED' } } });
    if (reported < p.items.length) pledgeLines.push(say('duties.due_pledge_report', { campaign: p.campaign.name, period: period.label }));
  }
  if (pledgeLines.length) lines.push(say('duties.due_pledges_heading'), ...pledgeLines);

  const attendances = await ctx.tx.attendance.findMany({
    where: {
      memberId: ctx.me.id,
      status: { in: ['PENDING', 'ABSENT'] },
      session: { status: { not: 'CANCELLED' }, OR: [{ startsAt: { gte: quarter.start, lt: quarter.end } }, { checkinClosesAt: { gt: now } }] },
    },
    select: { status: true, session: { select: { topic: true, startsAt: true, checkinClosesAt: true, kind: { select: { name: true } } } } },
    orderBy: { session: { startsAt: 'asc' } },
  });
  const missed: string[] = [];
  const upcoming: string[] = [];
  for (const a of attendances) {
    const s = a.session;
    const vars = { when: formatShort(s.startsAt, tz), title: meetingTitle(s) };
    if (s.checkinClosesAt > now) {
      if (a.status === 'PENDING') upcoming.push(say('duties.due_upcoming', vars));
      continue;
    }
    const lateUntil = new Date(s.checkinClosesAt.getTime() + o.lateCheckinDays * 86_400_000);
    if (a.status === 'PENDING' && now < lateUntil) missed.push(say('duties.due_missed_late_ok', { ...vars, until: formatShort(lateUntil, tz) }));
    else missed.push(say('duties.due_missed', { ...vars, status: say(a.status === 'ABSENT' ? 'duties.due_status_absent' : 'duties.due_status_pending') }));
  }
  if (missed.length) lines.push(say('duties.due_missed_heading', { period: quarter.label }), ...missed);
  if (upcoming.length) lines.push(say('duties.due_upcoming_heading'), ...upcoming);
  return { lines, period: quarter.label };
}

async function memberDueCard(ctx: Context, o: Options, note?: string): Promise<Card> {
  const { lines, period } = await memberDueLines(ctx, o);
  const body = lines.length ? lines.join('\n') : say('duties.due_none');
  return {
    title: say('duties.due_title', { name: ctx.me.name }),
    tone: lines.length ? 'orange' : 'green',
    markdown: note ? `${note}\n\n${body}` : body,
    footer: say('duties.due_footer', { period }),
  };
}

/** One obligation not yet met: what is missing, by when, days left. */
function obligationLine(it: ComplianceItem, now: Date, tz: string): string {
  const name = it.group ? `${it.name}（${it.group.name}）` : it.name;
  const missedParts = it.parts.filter((p) => now >= p.end && p.held < p.required);
  const openParts = it.parts.filter((p) => now < p.end && p.held < p.required);
  if (openParts.length === 0) {
    return say('duties.branch_line_missed', { name, missed: missedParts.map((p) => p.label).join('、') });
  }
  // The nearest deadline: the current sub-period (this month for a monthly meeting), else the window.
  const next = openParts[0]!;
  const remaining = openParts.reduce((a, p) => a + p.required - p.held, 0);
  const vars = { name, next: next.required - next.held, deadline: next.label, days: daysLeftIn(next, now, tz) };
  let line = say(it.atRisk ? 'duties.branch_line_at_risk' : 'duties.branch_line_open', vars);
  if (remaining > vars.next) line += say('duties.branch_line_total', { window: it.window.label, remaining });
  return missedParts.length ? `${line}\n${say('duties.branch_line_missed', { name, missed: missedParts.map((p) => p.label).join('、') })}` : line;
}

async function branchDue(ctx: Context, o: Options): Promise<void> {
  const branchId = await ctx.chatBranchId();
  if (!(await seesBranch(ctx.tx, ctx.me, branchId))) {
    return ctx.reply({ kind: 'card', card: await memberDueCard(ctx, o, say('duties.branch_member_note')) });
  }
  const quarter = periodOf('quarter', ctx.now, o.timezone);
  const report = await computeCompliance(ctx.tx, { orgNodeId: branchId, period: quarter, now: ctx.now, tz: o.timezone, atRiskDays: o.atRiskDays });
  const open = report.items
    .filter((i) => i.remaining > 0)
    .map((i) => ({ i, days: Math.min(...i.parts.filter((p) => ctx.now < p.end && p.held < p.required).map((p) => daysLeftIn(p, ctx.now, o.timezone)), Infinity) }))
    .sort((a, b) => (a.i.status === 'missed' ? -1 : 0) - (b.i.status === 'missed' ? -1 : 0) || a.days - b.days)
    .map(({ i }) => obligationLine(i, ctx.now, o.timezone));
  ctx.reply({
    kind: 'card',
    card: {
      title: say('duties.branch_title', { branch: report.orgNode.name, period: quarter.label }),
      tone: report.items.some((i) => i.status === 'missed') ? 'red' : report.items.some((i) => i.atRisk) ? 'orange' : open.length ? 'blue' : 'green',
      markdown: open.length ? open.join('\n') : say('duties.branch_none'),
      footer: say('duties.branch_footer'),
    },
  });
}

// ───────────────────────── registration ─────────────────────────

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
  const cache = new DutyIndexCache();
  router
    .command({ name: 'duties.template', patterns: [/^(?:下载)?(?:三级)?(?:责任)?清单模板$/], guard: 'anyone' }, async (ctx) => ctx.reply(say('duties.template', { url: `${o.publicUrl}${DUTY_TEMPLATE_PATH}` })))
    .command({ name: 'duties.mine', patterns: [/^(?:我还有(?:哪些|什么)(?:事|事情|工作|任务)?(?:没有?|未)(?:完成|做)|我的(?:任务|待办)|我的待办事项)[?？。!！]*$/] }, async (ctx) => ctx.reply({ kind: 'card', card: await memberDueCard(ctx, o) }))
    .command({ name: 'duties.branch_due', patterns: [/^(?:本支部|我们支部|支部)?(?:本季度|这个季度|本季)?(?:还差什么|还差哪些|还缺什么|还有(?:哪些|什么)没(?:有)?完成)[?？。!！]*$/] }, (ctx) => branchDue(ctx, o))
    .action(MORE_ACTION, (ctx, claims) => more(ctx, claims, cache))
    .fallback((ctx, m) => answerOrHelp(ctx, m, o, cache));
}
