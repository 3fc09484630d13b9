// 践诺: a member reports the progress of each item of an approved pledge for a fulfilment period;
// the branch's reviewers approve or return the report. Same shape as pledges.ts.
import { actingMember, authorize } from '../access/index.js';
import { currentFulfilmentPeriod, dueFulfilmentPeriods, EVIDENCE_MAX_LENGTH, isSchedule, periodByKey, type Period } from '../domain/pledges/rules.js';
import { fail, type Unit } from './kernel.js';
import { inAudience, loadPledge, reviewersOf, withoutIdentity, type CampaignRow } from './pledges-audience.js';
import { PLEDGE_CARDS, PLEDGE_VIEWS, type ItemView } from './pledges.js';

export type ProgressStateName = 'IN_PROGRESS' | 'DONE';
export interface ItemReport {
  state: string;
  evidence: string;
}

export const reportReviewKey = (target: string, reviewerId: string) => `pledge:report-review:${target}:${reviewerId}`;

export interface ReportForm {
  campaign: CampaignRow;
  pledge: { id: string; memberId: string };
  items: ItemView[];
  period: Period;
  /** What was reported for the period so far, by item position. */
  existing: Map<number, ItemReport>;
}

/** The member's approved pledges with a period open for reporting now, each with what is already reported. */
export async function myReportForms(unit: Unit, input: { tz: string }): Promise<ReportForm[]> {
  const me = actingMember(unit.principal);
  const pledges = await unit.tx.pledge.findMany({
    where: { memberId: me.id, status: 'APPROVED', campaign: { closedAt: null } },
    include: { campaign: true, items: { orderBy: { position: 'asc' }, include: { reports: true } } },
    orderBy: { campaign: { createdAt: 'desc' } },
    take: 5,
  });
  const out: ReportForm[] = [];
  for (const p of pledges) {
    const period = currentFulfilmentPeriod(p.campaign, unit.now, input.tz);
    if (!period) continue;
    const existing = new Map(p.items.flatMap((it) => it.reports.filter((r) => r.period === period.key).map((r) => [it.position, { state: r.state as string, evidence: r.evidence }] as const)));
    out.push({ campaign: p.campaign, pledge: { id: p.id, memberId: p.memberId }, items: p.items, period, existing });
  }
  return out;
}

/** The report form of one pledge and period (for a form page); null when either is gone. */
export async function reportForm(unit: Unit, input: { pledgeId: string; periodKey: string; tz: string }): Promise<ReportForm | null> {
  const p = await unit.tx.pledge.findUnique({ where: { id: input.pledgeId }, include: { campaign: true, items: { orderBy: { position: 'asc' }, include: { reports: true } } } });
  if (!p || !isSchedule(p.campaign.reportSchedule)) return null;
  const period = periodByKey(p.campaign.reportSchedule, input.periodKey, input.tz);
  if (!period) return null;
  const existing = new Map(p.items.flatMap((it) => it.reports.filter((r) => r.period === period.key).map((r) => [it.position, { state: r.state as string, evidence: r.evidence }] as const)));
  return { campaign: p.campaign, pledge: { id: p.id, memberId: p.memberId }, items: p.items, period, existing };
}

export interface ReportInput {
  pledgeId: string;
  periodKey: string;
  /** By item position. */
  reports: Map<number, ItemReport>;
  tz: string;
}

export type ReportResult = { outcome: 'unchanged' } | { outcome: 'submitted'; period: Period; reviewersReached: boolean };

/** Report every item of an approved pledge for an open period; the reviewers get a review card. */
export async function submitReport(unit: Unit, input: ReportInput): Promise<ReportResult> {
  const { tx } = unit;
  const p = await loadPledge(tx, input.pledgeId);
  if (unit.actorId !== p.memberId) fail('pledge.not_yours');
  const c = p.campaign;
  if (p.status === 'WITHDRAWN' || !(await inAudience(tx, c, p.memberId))) fail('pledge.withdrawn');
  if (p.status !== 'APPROVED') fail('pledge.report_not_approved');
  const period = isSchedule(c.reportSchedule) ? periodByKey(c.reportSchedule, input.periodKey, input.tz) : null;
  if (!period || !dueFulfilmentPeriods(c, unit.now, input.tz).some((x) => x.key === period.key)) fail('pledge.report_period_closed');
  for (const it of p.items) {
    const r = input.reports.get(it.position);
    if (!r || (r.state !== 'IN_PROGRESS' && r.state !== 'DONE') || !r.evidence.trim() || [...r.evidence].length > EVIDENCE_MAX_LENGTH) fail('pledge.report_incomplete', { n: it.position, max: EVIDENCE_MAX_LENGTH });
  }
  const existing = await tx.progressReport.findMany({ where: { period: period.key, pledgeItemId: { in: p.items.map((i) => i.id) } } });
  const unchanged =
    existing.length === p.items.length &&
    existing.every((r) => r.reviewStatus !== 'REJECTED') &&
    p.items.every((it) => {
      const r = existing.find((x) => x.pledgeItemId === it.id);
      const v = input.reports.get(it.position)!;
      return r && r.state === v.state && r.evidence === v.evidence;
    });
  if (unchanged) return { outcome: 'unchanged' };
  const version = Math.max(0, ...existing.map((r) => r.version)) + 1;
  for (const it of p.items) {
    const v = input.reports.get(it.position)!;
    const data = { state: v.state as ProgressStateName, evidence: v.evidence, reviewStatus: 'PENDING' as const, submittedAt: unit.now, version };
    await tx.progressReport.upsert({ where: { pledgeItemId_period: { pledgeItemId: it.id, period: period.key } }, create: { pledgeItemId: it.id, period: period.key, ...data }, update: data });
  }
  unit.audit({ action: existing.length ? 'pledge.report_resubmit' : 'pledge.report', entityType: 'Pledge', entityId: p.id, detail: { period: period.key, items: p.items.length, version } });

  const target = `${p.id}:${period.key}:${version}`;
  const reviewers = await reviewersOf(tx, p.member.branchId, p.memberId);
  const reports = Object.fromEntries([...input.reports].filter(([pos]) => p.items.some((it) => it.position === pos)));
  for (const r of reviewers) {
    unit.notify({ member: r.id }, PLEDGE_VIEWS.reportReview, { campaign: c, member: p.member, items: p.items, period, reports, target }, reportReviewKey(target, r.id), { category: 'approval' });
  }
  const unreachable = await withoutIdentity(tx, reviewers.map((r) => r.id));
  return { outcome: 'submitted', period, reviewersReached: reviewers.some((r) => !unreachable.has(r.id)) };
}

export interface ReportReviewInput {
  pledgeId: string;
  periodKey: string;
  version: number;
  approve: boolean;
  comment?: string | null;
  tz: string;
}

export interface ReportReviewResult {
  approve: boolean;
  member: { id: string; name: string };
  /** The period's label source: the period, or null when its key no longer matches the schedule. */
  period: Period | null;
  periodKey: string;
  comment: string | null;
  reviewer: string;
}

/** A PENDING report of this version → APPROVED or REJECTED (returned with a comment and the form again). */
export async function reviewReport(unit: Unit, input: ReportReviewInput): Promise<ReportReviewResult> {
  const { tx } = unit;
  const me = actingMember(unit.principal);
  const p = await loadPledge(tx, input.pledgeId);
  await authorize(tx, unit.principal, 'branch.manage', p.member.branchId, 'pledge.what_report_review');
  if (p.memberId === me.id) fail('pledge.review_own');
  if (p.status === 'WITHDRAWN') fail('pledge.review_withdrawn');
  const reports = await tx.progressReport.findMany({ where: { period: input.periodKey, pledgeItemId: { in: p.items.map((i) => i.id) } }, include: { pledgeItem: { select: { position: true } } } });
  if (!reports.length || reports.some((r) => r.version !== input.version)) fail('pledge.review_stale');
  if (reports.some((r) => r.reviewStatus !== 'PENDING')) fail('pledge.review_not_pending');
  const comment = input.approve ? null : (input.comment ?? '').trim();
  if (comment === '') fail('pledge.comment_missing');
  await tx.progressReport.updateMany({ where: { id: { in: reports.map((r) => r.id) } }, data: { reviewStatus: input.approve ? 'APPROVED' : 'REJECTED' } });
  await tx.pledgeReview.createMany({ data: reports.map((r) => ({ progressReportId: r.id, reviewerId: me.id, decision: input.approve ? ('APPROVED' as const) : ('REJECTED' as const), comment })) });
  unit.audit({ action: input.approve ? 'pledge.report_approve' : 'pledge.report_return', entityType: 'Pledge', entityId: p.id, detail: { period: input.periodKey } });

  const period = isSchedule(p.campaign.reportSchedule) ? periodByKey(p.campaign.reportSchedule, input.periodKey, input.tz) : null;
  const target = `${p.id}:${input.periodKey}:${input.version}`;
  const reviewers = await reviewersOf(tx, p.member.branchId, p.memberId);
  for (const id of new Set([...reviewers.map((r) => r.id), me.id])) unit.refresh(PLEDGE_CARDS.reportReview, reportReviewKey(target, id));
  const label = period?.label ?? input.periodKey;
  if (input.approve) {
    unit.notify({ member: p.memberId }, 'pledge.report_approved_notice', { campaign: p.campaign.name, period: label }, `pledge:report-approved:${target}`, { category: 'notice' });
  } else if (period) {
    const existing = Object.fromEntries(reports.map((r) => [r.pledgeItem.position, { state: r.state as string, evidence: r.evidence }]));
    unit.notify({ member: p.memberId }, PLEDGE_VIEWS.reportReturned, { campaign: p.campaign, pledge: { id: p.id, memberId: p.memberId }, items: p.items, period, existing, comment }, `pledge:report-returned:${target}`, { category: 'notice' });
  }
  return { approve: input.approve, member: { id: p.member.id, name: p.member.name }, period, periodKey: input.periodKey, comment, reviewer: me.name };
}
