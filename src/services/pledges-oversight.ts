// What secretaries and the reminder job do with a campaign: its status (承诺提交情况), the export,
// reminders (催交承诺 by hand, daily by jobs/pledges.ts) and keeping its audience in line with the
// branches. Same shape as pledges.ts.
import type { PledgeStatus } from '../generated/prisma/enums.js';
import { can, managedBranchIds, viewableBranchIds } from '../access/index.js';
import { currentFulfilmentPeriod, localParts, type Period } from '../domain/pledges/rules.js';
import { fail, type Unit } from './kernel.js';
import { DEFAULT_GUARDRAILS, inQuietHours, nextWorkingMorning, type GuardrailOptions } from '../domain/guardrails.js';
import { audienceMembers, audienceOf, syncAudience, tallyCampaign, withoutIdentity, type CampaignRow, type Tally } from './pledges-audience.js';
import { PLEDGE_VIEWS } from './pledges.js';

export interface CampaignQuery {
  /** Part of the campaign's name; the newest open campaign when absent. */
  name?: string;
  /** The node the chat is about: campaigns covering it come first. */
  nodeId: string;
}

/**
 * The campaign a secretary means, and the branches of it they may act on (`branches`): by name, else
 * the newest open campaign covering one of them, those covering `nodeId` first.
 */
async function campaignFor(unit: Unit, q: CampaignQuery, allowed: string[], what: string): Promise<{ c: CampaignRow; branches: string[] }> {
  if (!allowed.length) fail('errors.not_allowed', { what: { key: what } });
  const name = q.name?.trim();
  const campaigns = await unit.tx.pledgeCampaign.findMany({ where: { closedAt: null, ...(name ? { name: { contains: name } } : {}) }, orderBy: { createdAt: 'desc' }, take: 100 });
  // A 机关党委 secretary manages many branches: campaigns covering this chat's node come first.
  const covering = (c: CampaignRow) => audienceOf(c).branchIds.includes(q.nodeId) || c.orgNodeId === q.nodeId;
  for (const c of [...campaigns.filter(covering), ...campaigns.filter((x) => !covering(x))]) {
    const branches = audienceOf(c).branchIds.filter((b) => allowed.includes(b));
    if (branches.length) return { c, branches };
  }
  return name ? fail('pledge.campaign_not_found', { name }) : fail('pledge.no_campaign');
}

export interface StatusResult {
  campaign: CampaignRow;
  tally: Tally;
  deadlinePassed: boolean;
  /** For the current fulfilment period: approved pledges by the state of their report. */
  fulfilment: { period: Period; approved: Tally['byStatus']['APPROVED']; pending: Tally['byStatus']['APPROVED']; missing: Tally['byStatus']['APPROVED'] } | null;
}

/** 承诺提交情况: who has submitted, been approved or returned, not submitted, left; and the current period's reports. */
export async function campaignStatus(unit: Unit, input: CampaignQuery & { tz: string }): Promise<StatusResult> {
  const { tx } = unit;
  const { c, branches } = await campaignFor(unit, input, await viewableBranchIds(tx, unit.principal), 'commands.pledge.status.what');
  const sync = await syncAudience(tx, c, unit.now);
  if (sync.added.length) unit.audit({ action: 'pledge.audience_sync', entityType: 'PledgeCampaign', entityId: c.id, detail: { added: sync.added.length, withdrawn: sync.withdrawn.length } });
  const tally = await tallyCampaign(tx, c.id, branches);
  const approved = tally.byStatus.APPROVED;
  const period = currentFulfilmentPeriod(c, unit.now, input.tz);
  let fulfilment: StatusResult['fulfilment'] = null;
  if (period && approved.length) {
    const items = await tx.pledgeItem.findMany({
      where: { pledge: { campaignId: c.id, status: 'APPROVED', memberId: { in: approved.map((x) => x.memberId) } } },
      select: { pledge: { select: { memberId: true } }, reports: { where: { period: period.key }, select: { reviewStatus: true } } },
    });
    // A member's state is their least advanced item's.
    const rank = { none: 3, returned: 2, pending: 1, approved: 0 } as const;
    const state = new Map<string, keyof typeof rank>();
    for (const it of items) {
      const r = it.reports[0];
      const st = !r ? 'none' : r.reviewStatus === 'PENDING' ? 'pending' : r.reviewStatus === 'APPROVED' ? 'approved' : 'returned';
      const prev = state.get(it.pledge.memberId);
      if (!prev || rank[st] > rank[prev]) state.set(it.pledge.memberId, st);
    }
    const who = (...st: string[]) => approved.filter((x) => st.includes(state.get(x.memberId) ?? ''));
    fulfilment = { period, approved: who('approved'), pending: who('pending'), missing: who('none', 'returned') };
  }
  return { campaign: c, tally, deadlinePassed: unit.now > c.deadline, fulfilment };
}

/** 导出承诺: the campaign the secretary may export (the surface makes the signed link). */
export async function requestExport(unit: Unit, input: CampaignQuery): Promise<{ campaign: CampaignRow }> {
  const { c } = await campaignFor(unit, input, await managedBranchIds(unit.tx, unit.principal), 'commands.pledge.export.what');
  unit.audit({ action: 'pledge.export', entityType: 'PledgeCampaign', entityId: c.id });
  return { campaign: c };
}

export interface ExportData {
  campaign: CampaignRow;
  pledges: Awaited<ReturnType<typeof exportPledges>>;
}

function exportPledges(unit: Unit, campaignId: string, branchIds?: string[]) {
  return unit.tx.pledge.findMany({
    where: { campaignId, ...(branchIds ? { OR: [{ member: { branchId: { in: branchIds } } }, { status: 'WITHDRAWN' }] } : {}) },
    include: {
      member: { select: { name: true, employeeNo: true, branch: { select: { name: true, code: true } } } },
      items: { orderBy: { position: 'asc' }, include: { reports: { orderBy: { period: 'asc' } } } },
      reviews: { where: { decision: 'REJECTED', pledgeId: { not: null } }, orderBy: { createdAt: 'desc' }, take: 1 },
    },
  });
}

/**
 * What the workbook of a campaign holds: every pledge of the branches the principal manages (the
 * system: all), ordered by branch and employee number. Refused when they manage none of it.
 */
export async function exportData(unit: Unit, input: { campaignId: string }): Promise<ExportData> {
  const campaign = await unit.tx.pledgeCampaign.findUnique({ where: { id: input.campaignId } });
  if (!campaign) fail('pledge.campaign_gone');
  let branches: string[] | undefined;
  if (unit.principal.kind !== 'system') {
    const managed = await managedBranchIds(unit.tx, unit.principal);
    branches = audienceOf(campaign).branchIds.filter((b) => managed.includes(b));
    if (!branches.length) fail('errors.not_allowed', { what: { key: 'commands.pledge.export.what' } });
  }
  const pledges = await exportPledges(unit, campaign.id, branches);
  pledges.sort((a, b) => a.member.branch.code.localeCompare(b.member.branch.code) || (a.member.employeeNo ?? a.member.name).localeCompare(b.member.employeeNo ?? b.member.name));
  return { campaign, pledges };
}

/** Campaigns by id, else by part of the name (for the CLI): refuses when none or several match. */
export async function findCampaign(unit: Unit, idOrName: string): Promise<CampaignRow> {
  const byId = await unit.tx.pledgeCampaign.findUnique({ where: { id: idOrName } });
  if (byId) return byId;
  const byName = await unit.tx.pledgeCampaign.findMany({ where: { name: { contains: idOrName } }, orderBy: { createdAt: 'desc' } });
  if (!byName.length) fail('pledge.campaign_not_found', { name: idOrName });
  if (byName.length > 1) fail('pledge.campaign_ambiguous', { name: idOrName, n: byName.length, ids: byName.map((c) => c.id).join(', ') });
  return byName[0]!;
}

/** Every campaign (newest fifty) with its tally, for the operator (system principal only). */
export async function listCampaigns(unit: Unit): Promise<Array<{ campaign: CampaignRow; tally: Tally }>> {
  if (unit.principal.kind !== 'system') fail('errors.not_allowed', { what: { key: 'commands.pledge.status.what' } });
  const campaigns = await unit.tx.pledgeCampaign.findMany({ orderBy: { createdAt: 'desc' }, take: 50 });
  const out = [];
  for (const campaign of campaigns) out.push({ campaign, tally: await tallyCampaign(unit.tx, campaign.id) });
  return out;
}

// ───────────── reminders ─────────────

export type ReminderKind = 'submit' | 'returned' | 'report';

/** Local date key, so one member gets at most one reminder of a kind per campaign and day. */
function dayKey(now: Date, tz: string): string {
  const p = localParts(now, tz);
  return `${p.year}${String(p.month).padStart(2, '0')}${String(p.day).padStart(2, '0')}`;
}

interface DueReminder {
  memberId: string;
  view: string;
  data: Record<string, unknown>;
  key: string;
}

/**
 * The reminders due now for one campaign, restricted to `branchIds` when given:
 * - members still in the audience who have not submitted (while submissions are accepted),
 * - members whose pledge was returned and not yet resubmitted,
 * - after the deadline, members with an approved pledge who have not reported (or whose report was
 *   returned) for the current fulfilment period.
 * Nobody who left the branch, nobody already done, nobody without an identity to reach. Keys are
 * per member, kind and local day.
 */
async function remindersDue(unit: Unit, c: CampaignRow, tz: string, branchIds?: string[]): Promise<DueReminder[]> {
  const { tx, now } = unit;
  if (c.closedAt) return [];
  const members = await audienceMembers(tx, c, branchIds);
  if (!members.length) return [];
  const pledges = await tx.pledge.findMany({ where: { campaignId: c.id, memberId: { in: members.map((m) => m.id) } }, select: { memberId: true, status: true, items: { select: { id: true } } } });
  const byMember = new Map(pledges.map((p) => [p.memberId, p]));
  const accepting = now.getTime() <= c.deadline.getTime() || c.lateRule === 'ACCEPT_MARKED';
  const period = currentFulfilmentPeriod(c, now, tz);

  const wanted: Array<{ memberId: string; kind: ReminderKind; view: string; data: Record<string, unknown> }> = [];
  for (const m of members) {
    const status: PledgeStatus = byMember.get(m.id)?.status ?? 'DRAFT';
    if (status === 'DRAFT' && accepting) wanted.push({ memberId: m.id, kind: 'submit', view: PLEDGE_VIEWS.remindSubmit, data: { campaign: c.name, deadline: c.deadline } });
    else if (status === 'RETURNED') wanted.push({ memberId: m.id, kind: 'returned', view: 'pledge.remind_returned', data: { campaign: c.name } });
  }
  if (period) {
    const approved = pledges.filter((p) => p.status === 'APPROVED' && p.items.length);
    const reports = await tx.progressReport.findMany({ where: { period: period.key, pledgeItemId: { in: approved.flatMap((p) => p.items.map((i) => i.id)) } }, select: { pledgeItemId: true, reviewStatus: true } });
    const ok = new Set(reports.filter((r) => r.reviewStatus !== 'REJECTED').map((r) => r.pledgeItemId));
    for (const p of approved) {
      if (p.items.every((i) => ok.has(i.id))) continue;
      wanted.push({ memberId: p.memberId, kind: 'report', view: 'pledge.remind_report', data: { campaign: c.name, period: period.label } });
    }
  }
  const missing = await withoutIdentity(tx, [...new Set(wanted.map((w) => w.memberId))]);
  const day = dayKey(now, tz);
  return wanted
    .filter((w) => !missing.has(w.memberId))
    .map((w) => ({ memberId: w.memberId, view: w.view, data: w.data, key: `pledge:remind:${c.id}:${w.memberId}:${w.kind}:${w.kind === 'report' ? period!.key : 'submit'}:${day}` }));
}

const remind = (unit: Unit, r: DueReminder, notBefore?: Date | null) => unit.notify({ member: r.memberId }, r.view, r.data, r.key, { category: 'reminder', ...(notBefore ? { notBefore } : {}) });

/**
 * 催交承诺: remind the members of the secretary's branches who still owe something, at most once a
 * day each. Like the scheduled reminders it keeps quiet hours: asked at night, the messages wait
 * for the next working morning (`deferredTo`). By day it sends at once, also on a rest day (asked for).
 */
export async function remindCampaign(
  unit: Unit,
  input: CampaignQuery & { tz: string; guardrails?: GuardrailOptions },
): Promise<{ campaign: CampaignRow; sent: number; skipped: number; due: number; deferredTo: Date | null }> {
  const { tx } = unit;
  const { c, branches } = await campaignFor(unit, input, await managedBranchIds(tx, unit.principal), 'commands.pledge.remind.what');
  await syncAudience(tx, c, unit.now);
  const due = await remindersDue(unit, c, input.tz, branches);
  // Reminders already sent today (same key) are not asked for again.
  const already = new Set((await tx.outboxMessage.findMany({ where: { dedupeKey: { in: due.map((r) => r.key) } }, select: { dedupeKey: true } })).map((r) => r.dedupeKey));
  const fresh = due.filter((r) => !already.has(r.key));
  const rules = input.guardrails ?? { ...DEFAULT_GUARDRAILS, timezone: input.tz };
  const deferredTo = inQuietHours(unit.now, rules) ? nextWorkingMorning(unit.now, rules) : null;
  fresh.forEach((r) => remind(unit, r, deferredTo));
  unit.audit({ action: 'pledge.remind', entityType: 'PledgeCampaign', entityId: c.id, detail: { sent: fresh.length, skipped: already.size, ...(deferredTo ? { deferredTo: deferredTo.toISOString() } : {}) } });
  return { campaign: c, sent: fresh.length, skipped: already.size, due: due.length, deferredTo };
}

/**
 * The daily run for one campaign (the system): bring its audience in line (members who left get
 * WITHDRAWN) and ask for every reminder due today. The job drops those already sent and applies
 * the nudge budget. False when the campaign is gone or closed.
 */
export async function campaignReminders(unit: Unit, input: { campaignId: string; tz: string }): Promise<boolean> {
  const c = await unit.tx.pledgeCampaign.findUnique({ where: { id: input.campaignId } });
  if (!c || c.closedAt) return false;
  await syncAudience(unit.tx, c, unit.now);
  (await remindersDue(unit, c, input.tz)).forEach((r) => remind(unit, r));
  return true;
}

/**
 * Campaigns that may have reminders due now (for the reminder job to iterate): not closed, and
 * either still taking submissions or inside their fulfilment reporting time.
 */
export async function activeCampaignIds(unit: Unit): Promise<string[]> {
  const now = unit.now;
  const rows = await unit.tx.pledgeCampaign.findMany({
    where: {
      closedAt: null,
      OR: [{ deadline: { gte: now } }, { lateRule: 'ACCEPT_MARKED' }, { reportSchedule: { not: null }, OR: [{ reportUntil: null }, { reportUntil: { gte: now } }] }],
    },
    select: { id: true },
    orderBy: { createdAt: 'asc' },
  });
  return rows.map((r) => r.id);
}

// ───────────── closing ─────────────

/**
 * 结束承诺: close a campaign (by name, else the newest open one the principal may close): no more
 * submissions, reviews or reminders; what was submitted stays for the ledger and the export. Those
 * who run the node that started it may close it (a branch's managers, a 机关党委's managers).
 */
export async function closeCampaign(unit: Unit, input: { name?: string }): Promise<{ campaign: CampaignRow }> {
  const { tx } = unit;
  const name = input.name?.trim();
  const open = await tx.pledgeCampaign.findMany({ where: { closedAt: null, ...(name ? { name: { contains: name } } : {}) }, include: { orgNode: { select: { kind: true } } }, orderBy: { createdAt: 'desc' }, take: 100 });
  let chosen: (typeof open)[number] | undefined;
  for (const c of open) {
    if (await can(tx, unit.principal, c.orgNode.kind === 'BRANCH' ? 'branch.manage' : 'organ.manage', c.orgNodeId)) {
      chosen = c;
      break;
    }
  }
  if (!chosen) {
    if (open.length) fail('errors.not_allowed', { what: { key: 'commands.pledge.close.what' } });
    return name ? fail('pledge.campaign_not_found', { name }) : fail('pledge.no_campaign');
  }
  const { orgNode: _node, ...c } = chosen;
  const done = await tx.pledgeCampaign.updateMany({ where: { id: c.id, closedAt: null }, data: { closedAt: unit.now } });
  if (!done.count) fail('pledge.no_campaign');
  unit.audit({ action: 'pledge.close', entityType: 'PledgeCampaign', entityId: c.id });
  return { campaign: { ...c, closedAt: unit.now } };
}
