// Chat cards of the 驾驶舱 (本机关本季度党建情况, 各单位本季度情况): the same figures as the page
// (src/services/dashboard.ts), per branch or per unit in the roster's order, never a member's name, with
// [查看明细] opening the page at that place through a one-time sign-in link.
import type { Card } from '../card.js';
import { say } from '../wording.js';
import { formatIso } from '../../domain/life/time.js';
import type { DashboardView, Figures } from '../../services/dashboard.js';

const pct = (n: number, d: number) => (d ? `${Math.round((n / d) * 1000) / 10}%` : say('dashboard.none'));

function totals(f: Figures): string {
  return say('dashboard.card.totals', {
    records: pct(f.records.withMinutes, f.records.held),
    attendance: pct(f.attendance.attended, f.attendance.expected),
    pledges: pct(f.pledges.submitted, f.pledges.audience),
    prompts: pct(f.prompts.acknowledged, f.prompts.delivered),
  });
}

/** The card for an organ (or unit) view or a 工委 view; `detailUrl` is the sign-in link to the page. */
export function dashboardCard(v: DashboardView, detailUrl: string, now: Date, tz: string): Card {
  const period = say('dashboard.card.period', { period: v.period.label, date: formatIso(now, tz).slice(0, 10) });
  const link = `[${say('dashboard.card.detail')}](${detailUrl})`;
  if (v.level === 'committee') {
    const lines = v.units.map((u) => say('dashboard.card.unit_line', { name: u.name, done: u.rollUp.branchesAllDone, branches: u.rollUp.branches, missed: u.rollUp.missed }));
    return { title: say('dashboard.card.committee_title'), tone: 'blue', markdown: [period, say('dashboard.summary', { branches: v.rollUp.branches, done: v.rollUp.branchesAllDone, missed: v.rollUp.missed }), ...lines, totals(v.rollUp), link].join('\n') };
  }
  if (v.level === 'organ') {
    const lines = v.organ.branches.map((b) => {
      const short = b.lines.filter((l) => l.status === 'missed').map((l) => (l.missedParts.length ? `${l.name} ${l.missedParts.join('、')}` : l.name));
      return say('dashboard.card.branch_line', { name: b.name, ...b.obligations, short: short.length ? say('dashboard.card.short', { items: short.join('、') }) : '' });
    });
    return { title: say('dashboard.card.organ_title'), tone: 'blue', markdown: [period, say('dashboard.summary', { branches: v.organ.rollUp.branches, done: v.organ.rollUp.branchesAllDone, missed: v.organ.rollUp.missed }), ...lines, totals(v.organ.rollUp), link].join('\n') };
  }
  return { title: say('dashboard.title'), tone: 'blue', markdown: [period, totals(v.branch), link].join('\n') };
}
