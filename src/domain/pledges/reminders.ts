// What the reminder jobs (jobs/, with their quiet hours, holidays and nudge budgets) and the manual
// 催交承诺 command send for a campaign: pure reads that return outbox messages, nothing written.
import type { Tx } from '../../db/client.js';
import type { Outbound } from '../../chat/types.js';
import { say } from '../../chat/wording.js';
import { currentFulfilmentPeriod, dueFulfilmentPeriods, formatLocal, localParts } from './rules.js';
import { audienceMembers, memberDestinations } from './service.js';

export { dueFulfilmentPeriods };

export type ReminderKind = 'submit' | 'returned' | 'report';

/** Local date key, so one member gets at most one reminder of a kind per campaign and day. */
function dayKey(now: Date): string {
  const p = localParts(now);
  return `${p.year}${String(p.month).padStart(2, '0')}${String(p.day).padStart(2, '0')}`;
}

/**
 * Reminders due now for one campaign, restricted to `branchIds` when given:
 * - members still in the audience who have not submitted (while submissions are accepted),
 * - members whose pledge was returned and not yet resubmitted,
 * - after the deadline, members with an approved pledge who have not reported (or whose report was
 *   returned) for the current fulfilment period.
 * Nobody who left the branch, nobody already done. Dedupe keys are per member, kind and local day.
 */
export async function pledgeReminderMessages(tx: Tx, campaignId: string, now: Date, branchIds?: string[]): Promise<Outbound[]> {
  const c = await tx.pledgeCampaign.findUnique({ where: { id: campaignId } });
  if (!c || c.closedAt) return [];
  const members = await audienceMembers(tx, c, branchIds);
  if (!members.length) return [];
  const pledges = await tx.pledge.findMany({
    where: { campaignId, memberId: { in: members.map((m) => m.id) } },
    select: { memberId: true, status: true, items: { select: { id: true } } },
  });
  const byMember = new Map(pledges.map((p) => [p.memberId, p]));
  const accepting = now.getTime() <= c.deadline.getTime() || c.lateRule === 'ACCEPT_MARKED';
  const period = currentFulfilmentPeriod(c, now);

  const wanted: Array<{ memberId: string; kind: ReminderKind; text: string }> = [];
  for (const m of members) {
    const p = byMember.get(m.id);
    const status = p?.status ?? 'DRAFT';
    if (status === 'DRAFT' && accepting) {
      wanted.push({ memberId: m.id, kind: 'submit', text: say('pledge.remind_submit', { campaign: c.name, deadline: formatLocal(c.deadline) }) });
    } else if (status === 'RETURNED') {
      wanted.push({ memberId: m.id, kind: 'returned', text: say('pledge.remind_returned', { campaign: c.name }) });
    }
  }
  if (period) {
    const approved = pledges.filter((p) => p.status === 'APPROVED' && p.items.length);
    const reports = await tx.progressReport.findMany({
      where: { period: period.key, pledgeItemId: { in: approved.flatMap((p) => p.items.map((i) => i.id)) } },
      select: { pledgeItemId: true, reviewStatus: true },
    });
    const ok = new Set(reports.filter((r) => r.reviewStatus !== 'REJECTED').map((r) => r.pledgeItemId));
    for (const p of approved) {
      if (p.items.every((i) => ok.has(i.id))) continue;
      wanted.push({ memberId: p.memberId, kind: 'report', text: say('pledge.remind_report', { campaign: c.name, period: period.label }) });
    }
  }

  const destinations = await memberDestinations(tx, [...new Set(wanted.map((w) => w.memberId))]);
  const day = dayKey(now);
  return wanted.flatMap((w) => {
    const to = destinations.get(w.memberId);
    if (!to) return [];
    const scope = w.kind === 'report' ? period!.key : 'submit';
    return [{ to, body: { kind: 'text' as const, text: w.text }, dedupeKey: `pledge:remind:${c.id}:${w.memberId}:${w.kind}:${scope}:${day}`, category: 'reminder' as const, memberId: w.memberId }];
  });
}

/**
 * Campaigns that may have reminders due at `now` (for the reminder scheduler to iterate): not closed,
 * and either still taking submissions or inside their fulfilment reporting time.
 */
export async function activePledgeCampaignIds(tx: Tx, now: Date): Promise<string[]> {
  const rows = await tx.pledgeCampaign.findMany({
    where: {
      closedAt: null,
      OR: [{ deadline: { gte: now } }, { lateRule: 'ACCEPT_MARKED' }, { reportSchedule: { not: null }, OR: [{ reportUntil: null }, { reportUntil: { gte: now } }] }],
    },
    select: { id: true },
    orderBy: { createdAt: 'asc' },
  });
  return rows.map((r) => r.id);
}
