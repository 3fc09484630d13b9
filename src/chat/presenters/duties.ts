// Presenters for responsibility lists and what is due: answer cards (with a signed [更多] button and the
// optional model phrasing), the member's to-do card and the branch's "still missing" card. Wording from
// prompts/replies/duties.yaml.
import type { Card } from '../card.js';
import { say } from '../wording.js';
import type { Presenters, PresentEnv } from './registry.js';
import { shorten } from './basics.js';
import type { Logger } from '../../log.js';
import type { ActiveList } from '../../domain/duties/store.js';
import type { DutyHit } from '../../domain/duties/search.js';
import { phraseAnswer, type LlmConfig } from '../../domain/duties/llm.js';
import { daysLeftIn, type ComplianceItem } from '../../domain/life/compliance.js';
import { formatShort } from '../../domain/life/time.js';
import type { BranchDue, MeetingRef, MemberDue } from '../../services/duties.js';

/** Items per card. */
export const DUTY_PAGE = 3;
export const MORE_ACTION = 'duty.more';
const MORE_TTL_SECONDS = 7 * 86_400;

export function registerDutiesPresenters(presenters: Presenters): void {
  void presenters; // duties send no notifications: their cards are replies
}

/** What [更多] carries (short keys: it rides in a signed token). */
export interface MoreTarget {
  /** list id */
  l: string;
  /** question */
  q: string;
  /** offset of the next item */
  o: number;
  /** the asker (their posts rank the items) */
  m: string;
}

/** The items of a page; with `evidence`, each item's 佐证材料 too (the question asked what proves it). */
function itemLines(hits: DutyHit[], from: number, evidence: boolean): string {
  return hits
    .map((h, i) => {
      const vars = { n: from + i + 1, post: h.item.post, frequency: h.item.frequency, content: h.item.content, source: h.item.source, code: h.item.code, evidence: h.item.evidence };
      return say(evidence && h.item.evidence ? 'duties.answer_item_evidence' : 'duties.answer_item', vars);
    })
    .join('\n\n');
}

/** One page of an answer, from `offset`, with [更多] when items are left. */
export function answerCard(env: PresentEnv, a: { list: ActiveList; question: string; hits: DutyHit[]; offset: number; askerId: string; evidence?: boolean }): Card {
  const { list, question, hits, offset } = a;
  const page = hits.slice(offset, offset + DUTY_PAGE);
  const to = offset + page.length;
  const card: Card = {
    title: say(offset === 0 ? 'duties.answer_title' : 'duties.answer_more_title', { question: shorten(question) }),
    tone: 'blue',
    markdown: itemLines(page, offset, a.evidence ?? false),
    footer: say('duties.answer_footer', { unit: list.unitName, year: list.year, version: list.version, from: offset + 1, to, total: hits.length }),
  };
  if (to < hits.length) {
    const target: MoreTarget = { l: list.id, q: question, o: to, m: a.askerId };
    card.buttons = [{ actionId: MORE_ACTION, label: say('duties.more_button'), token: env.tokens.sign({ action: MORE_ACTION, target: JSON.stringify(target) }, MORE_TTL_SECONDS, env.now) }];
  }
  return card;
}

/** The first page, phrased by the model when configured and its text passes the citation check. */
export async function firstAnswerCard(env: PresentEnv, a: { list: ActiveList; question: string; hits: DutyHit[]; askerId: string; evidence?: boolean }, llm?: LlmConfig, log?: Logger): Promise<Card> {
  const card = answerCard(env, { ...a, offset: 0 });
  if (!llm) return card;
  const shown = a.hits.slice(0, DUTY_PAGE).map((h) => h.item);
  const r = await phraseAnswer(llm, a.question, shown);
  if (!r.ok) {
    log?.warn({ reason: r.reason, listId: a.list.id }, 'model phrasing of a duty answer failed; sent the plain card');
    return card;
  }
  const sources = shown
    .filter((it) => r.cited.includes(it.code))
    .map((it) => say('duties.llm_source_line', { code: it.code, post: it.post, frequency: it.frequency, source: it.source }));
  return {
    ...card,
    markdown: `${r.text}\n\n${say('duties.llm_sources_heading')}\n${sources.join('\n')}`,
    footer: say('duties.llm_footer', { unit: a.list.unitName, year: a.list.year, version: a.list.version }),
  };
}

/** Nothing in the list answers the question: a plain "not found", with topics the list covers when there are some. */
export function noAnswerText(question: string, suggestions: string[]): string {
  const topics = suggestions.map((s) => `「${s}」`).join('、');
  return topics ? say('duties.no_answer', { question: shorten(question, 30), topics }) : say('duties.no_answer_plain', { question: shorten(question, 30) });
}

/** When and which meeting: 主题党日「…」, or the kind alone when the topic is just its name. */
function meetingVars(m: MeetingRef, tz: string): { when: string; title: string } {
  return { when: formatShort(m.startsAt, tz), title: m.topic && m.topic !== m.kind ? say('duties.meeting_title', { kind: m.kind, topic: m.topic }) : m.kind };
}

/** A member's to-do card; `note` goes above the list (a member who asked about the whole branch). */
export function memberDueCard(env: PresentEnv, due: MemberDue, note?: string): Card {
  const tz = env.timezone;
  const lines: string[] = [];
  const pledges = [
    ...due.pledges.map((p) => {
      const vars = { campaign: p.campaign, deadline: formatShort(p.deadline, tz), days: p.daysLeft };
      return say(p.state === 'returned' ? 'duties.due_pledge_returned' : p.state === 'late' ? 'duties.due_pledge_late' : 'duties.due_pledge_open', vars);
    }),
    ...due.reports.map((r) => say('duties.due_pledge_report', { campaign: r.campaign, period: r.period })),
  ];
  if (pledges.length) lines.push(say('duties.due_pledges_heading'), ...pledges);
  const missed = due.missed.map((m) => {
    const vars = meetingVars(m, tz);
    if (m.state === 'late_ok') return say('duties.due_missed_late_ok', { ...vars, until: formatShort(m.lateUntil, tz) });
    return say('duties.due_missed', { ...vars, status: say(m.state === 'absent' ? 'duties.due_status_absent' : 'duties.due_status_pending') });
  });
  if (missed.length) lines.push(say('duties.due_missed_heading', { period: due.period.label }), ...missed);
  const upcoming = due.upcoming.map((m) => say('duties.due_upcoming', meetingVars(m, tz)));
  if (upcoming.length) lines.push(say('duties.due_upcoming_heading'), ...upcoming);
  const duties = (due.duties ?? []).map((d) =>
    say(d.status === 'missed' ? 'duties.due_duty_missed' : 'duties.due_duty', { code: d.code, content: d.with ? say('duties.due_with', { content: d.content, name: d.with }) : d.content, window: d.window, met: d.met, required: d.required, days: d.daysLeft }),
  );
  if (duties.length) lines.push(say('duties.due_duties_heading'), ...duties);
  const body = lines.length ? lines.join('\n') : say('duties.due_none');
  return {
    title: say('duties.due_title', { name: due.member.name }),
    tone: lines.length ? 'orange' : 'green',
    markdown: note ? `${note}\n\n${body}` : body,
    footer: say('duties.due_footer', { period: due.period.label }),
  };
}

/** One obligation not yet met: what is missing, by when, days left. */
function obligationLine(it: ComplianceItem, now: Date, tz: string): string {
  const name = it.group ? `${it.name}（${it.group.name}）` : it.name;
  const missedParts = it.parts.filter((p) => now >= p.end && p.held < p.required);
  const openParts = it.parts.filter((p) => now < p.end && p.held < p.required);
  const missedLine = () => say('duties.branch_line_missed', { name, missed: missedParts.map((p) => p.label).join('、') });
  if (openParts.length === 0) return missedLine();
  // The nearest deadline: the current sub-period (this month for a monthly meeting), else the window.
  const next = openParts[0]!;
  const remaining = openParts.reduce((a, p) => a + p.required - p.held, 0);
  const vars = { name, next: next.required - next.held, deadline: next.label, days: daysLeftIn(next, now, tz) };
  let line = say(it.atRisk ? 'duties.branch_line_at_risk' : 'duties.branch_line_open', vars);
  if (remaining > vars.next) line += say('duties.branch_line_total', { window: it.window.label, remaining });
  return missedParts.length ? `${line}\n${missedLine()}` : line;
}

/** A branch's obligations still missing this quarter. */
export function branchDueCard(env: PresentEnv, due: BranchDue): Card {
  const lines = due.open.map((i) => obligationLine(i, env.now, env.timezone));
  return {
    title: say('duties.branch_title', { branch: due.branch.name, period: due.period.label }),
    tone: toneOf([due]),
    markdown: lines.length ? lines.join('\n') : say('duties.branch_none'),
    footer: say('duties.branch_footer'),
  };
}

function toneOf(dues: BranchDue[]): Card['tone'] {
  return dues.some((d) => d.anyMissed) ? 'red' : dues.some((d) => d.anyAtRisk) ? 'orange' : dues.some((d) => d.open.length) ? 'blue' : 'green';
}

/** One branch's card, or for several (a 机关党委's chat) one card with a section per branch. */
export function branchesDueCard(env: PresentEnv, dues: BranchDue[]): Card {
  if (dues.length === 1) return branchDueCard(env, dues[0]!);
  const sections = dues.map((d) => {
    const lines = d.open.map((i) => obligationLine(i, env.now, env.timezone));
    return [say('duties.branches_heading', { branch: d.branch.name }), ...(lines.length ? lines : [say('duties.branches_none')])].join('\n');
  });
  return {
    title: say('duties.branches_title', { period: dues[0]?.period.label ?? '' }),
    tone: toneOf(dues),
    markdown: sections.join('\n\n'),
    footer: say('duties.branch_footer'),
  };
}
