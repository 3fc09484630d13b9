// What the bot says about 民主评议 results and the 组织生活会 checklist (src/services/organizational-life.ts),
// and the missing parts the 完成情况 line names (src/chat/presenters/life.ts).
import type { Card } from '../card.js';
import { say } from '../wording.js';
import { formatShort } from '../../domain/life/time.js';
import type { LifeStep, Missing, ReviewResult } from '../../domain/obligations/organizational-life.js';
import type { EnteredReview, LifeChecklist, ReviewList } from '../../services/organizational-life.js';

// Keys spelled out, so that every wording key is found in the source (test/chat/wording.test.ts).
const RESULT_KEYS: Record<ReviewResult, string> = { EXCELLENT: 'orglife.results.EXCELLENT', QUALIFIED: 'orglife.results.QUALIFIED', BASICALLY_QUALIFIED: 'orglife.results.BASICALLY_QUALIFIED', UNQUALIFIED: 'orglife.results.UNQUALIFIED' };
const STEP_KEYS: Record<LifeStep, string> = { consult: 'orglife.steps.consult', talks: 'orglife.steps.talks', self_review: 'orglife.steps.self_review', meeting: 'orglife.steps.meeting', rectify: 'orglife.steps.rectify' };
const STATUS_KEYS = { done: 'orglife.status_done', open: 'orglife.status_open', missed: 'orglife.status_missed' } as const;
/** The 完成情况 line of a held 组织生活会 or 民主评议 whose other parts are not done. */
export const HELD_LINE_KEYS = { open: 'orglife.held_line_open', at_risk: 'orglife.held_line_at_risk', missed: 'orglife.held_line_missed' } as const;

export const resultName = (r: ReviewResult): string => say(RESULT_KEYS[r]);
const stepName = (s: LifeStep): string => say(STEP_KEYS[s]);

/** 征求意见、对照检查材料（8/10 人）… */
export function missingText(missing: Missing[]): string {
  return missing
    .map((m) => (m.kind === 'step' ? stepName(m.step) : say(m.kind === 'self_review' ? 'orglife.missing_self_review' : 'orglife.missing_reviews', { done: m.done, total: m.total })))
    .join('、');
}

/** 我的民主评议: the member's own result, or that none is entered yet. */
export function myReviewText(r: { year: number; result: ReviewResult | null; notes: string | null }): string {
  if (!r.result) return say('orglife.mine_none', { year: r.year });
  return say(r.notes ? 'orglife.mine_notes' : 'orglife.mine', { year: r.year, result: resultName(r.result), notes: r.notes ?? '' });
}

export function reviewEnteredText(r: EnteredReview): string {
  const vars = { name: r.member.name, year: r.year, result: resultName(r.result), done: r.counts.done, total: r.counts.total };
  return r.previous ? say('orglife.review_corrected', { ...vars, previous: resultName(r.previous) }) : say('orglife.review_entered', vars);
}

/** Several entered at once: one line, and the count after the last. */
export function reviewsEnteredText(list: EnteredReview[]): string {
  const last = list.at(-1)!;
  return say('orglife.reviews_entered', { count: list.length, year: last.year, result: resultName(last.result), names: list.map((r) => r.member.name).join('、'), done: last.counts.done, total: last.counts.total });
}

/** The branch's own managers get every member with the result; anyone else the counts only. */
export function reviewListCard(r: ReviewList): Card {
  const title = say('orglife.review_title', { branch: r.branch.name, year: r.year });
  const counts = say('orglife.review_counts', { ...r.counts });
  if (!r.members) return { title, markdown: say('orglife.review_counts_only', { branch: r.branch.name, year: r.year, ...r.counts }) };
  const lines = r.members.map((m) =>
    m.result ? say(m.notes ? 'orglife.review_line_notes' : 'orglife.review_line', { name: m.name, result: resultName(m.result), notes: m.notes ?? '' }) : say('orglife.review_line_none', { name: m.name }),
  );
  return { title, tone: r.counts.done === r.counts.total ? 'green' : 'blue', markdown: [counts, ...lines].join('\n'), footer: say('orglife.review_footer') };
}

/** `names`: who has no 对照检查材料 yet (the service gives them to the branch's managers; never in a group). */
export function lifeChecklistCard(c: LifeChecklist, tz: string, names = true): Card {
  const lines: string[] = [];
  const step = (s: LifeChecklist['steps'][number]) =>
    s.done ? say('orglife.step_done', { step: stepName(s.step), when: formatShort(s.at!, tz), text: s.text ?? '' }) : say('orglife.step_open', { step: stepName(s.step) });
  for (const s of c.steps) {
    if (s.step === 'rectify') {
      // 会上 comes before 会后.
      if (c.meetings.length)
        for (const m of c.meetings) {
          lines.push(say('orglife.meeting_held', { when: formatShort(m.at, tz), topic: m.topic ? `「${m.topic}」` : '' }));
          if (m.observers.length) lines.push(say('orglife.meeting_observers', { names: m.observers.join('、') }));
        }
      else lines.push(say('orglife.meeting_open'));
    }
    if (s.step === 'self_review') {
      const done = c.selfReview.done === c.selfReview.total && s.done;
      lines.push(say('orglife.self_review_line', { icon: done ? '✅' : '⭕', done: c.selfReview.done, total: c.selfReview.total }));
      if (names && c.selfReview.missingNames?.length) lines.push(say('orglife.self_review_missing', { names: c.selfReview.missingNames.join('、') }));
      continue;
    }
    lines.push(step(s));
    if (s.step === 'talks') lines.push(say('orglife.talks_line', { pairsDone: c.talks.pairs.done, pairsTotal: c.talks.pairs.total, membersDone: c.talks.members.done, membersTotal: c.talks.members.total }));
  }
  const status = c.status === 'done' ? 'done' : c.status === 'missed' ? 'missed' : 'open';
  return {
    title: say('orglife.checklist_title', { branch: c.branch.name, year: c.year }),
    tone: status === 'done' ? 'green' : status === 'missed' ? 'red' : c.status === 'at_risk' ? 'orange' : 'blue',
    markdown: [...lines, '', say(STATUS_KEYS[status]), ...(c.missing.length ? [say('orglife.missing_line', { list: missingText(c.missing) })] : [])].join('\n'),
    footer: say('orglife.checklist_footer'),
  };
}
