// Responsibility lists (三级责任清单) and what is still due. Questions are answered from the active list of
// the asker's unit, their own posts' items first; "what is due" lists a member's open pledges, 践诺 reports
// and meetings of this quarter, and, for whoever may see a branch (src/access `branch.view`), the branch's
// obligations not yet met this quarter; an import writes the next version of a unit's list. Results are
// data: src/chat/presenters/duties.ts turns them into cards and text.
import type { ParsedList } from '../domain/duties/list-file.js';
import { activeListForBranch, DutyIndexCache, itemRows, unitOf, type ActiveList } from '../domain/duties/store.js';
import { computeObligations, type ObligationStatus } from '../domain/obligations/engine.js';
import type { DutyHit } from '../domain/duties/search.js';
import { computeCompliance, daysLeftIn, type ComplianceItem } from '../domain/life/compliance.js';
import { periodOf } from '../domain/life/period.js';
import { localDay } from '../domain/life/time.js';
import { currentFulfilmentPeriod } from '../domain/pledges/rules.js';
import { findMember, POST_NAMES, type MemberInfo } from '../domain/org.js';
import { actingMember, authorize, can, pathOf, viewableBranchIds } from '../access/index.js';
import { fail, type Unit } from './kernel.js';

/** Most items one question pages through. */
export const MAX_HITS = 30;

// A list version never changes once written (an import makes a new list id), so one index per list id
// serves every caller in the process.
const indexes = new DutyIndexCache();

/** The asker's posts as lists name them (支部书记 …), plus 党员, which every member is. */
export function askerPosts(member: Pick<MemberInfo, 'posts'>): string[] {
  return [...new Set([...member.posts.map((p) => POST_NAMES[p.title]), '党员'])];
}

export interface DutyAnswer {
  list: ActiveList;
  /** Best first; at most MAX_HITS. */
  hits: DutyHit[];
  /** Topics the list covers, when nothing matched. */
  suggestions: string[];
  /** The question asks what proves the duty was done: show each item's evidence. */
  evidence: boolean;
}

/**
 * Items of the active list of the acting member's unit that answer `question`, ranked for the asker's posts.
 * Null when the unit has no list.
 */
export async function askDuties(unit: Unit, input: { question: string; timezone: string }): Promise<DutyAnswer | null> {
  const me = actingMember(unit.principal);
  const list = await activeListForBranch(unit.tx, me.branchId, localDay(unit.now, input.timezone).year);
  if (!list) return null;
  const index = await indexes.get(unit.tx, list.id);
  const answer = index.ask(input.question, { askerPosts: askerPosts(me), limit: MAX_HITS });
  return { list, hits: answer.hits, suggestions: answer.suggestions, evidence: answer.evidence };
}

/**
 * The same answer again (for [更多]): the list version the first answer came from, ranked for the member
 * who asked. A list that no longer exists is refused `errors.token_expired`.
 */
export async function answerAgain(unit: Unit, input: { listId: string; question: string; askerId: string }): Promise<DutyAnswer> {
  const me = actingMember(unit.principal);
  const row = await unit.tx.responsibilityList.findUnique({ where: { id: input.listId }, select: { id: true, unitId: true, year: true, version: true, unit: { select: { name: true } } } });
  if (!row) fail('errors.token_expired');
  const list: ActiveList = { id: row.id, unitId: row.unitId, unitName: row.unit.name, year: row.year, version: row.version };
  const asker = (await findMember(unit.tx, input.askerId)) ?? me;
  const index = await indexes.get(unit.tx, list.id);
  const answer = index.ask(input.question, { askerPosts: askerPosts(asker), limit: MAX_HITS });
  return { list, hits: answer.hits, suggestions: answer.suggestions, evidence: answer.evidence };
}

// ───────────────────────── what is due ─────────────────────────

export interface MeetingRef {
  kind: string;
  topic: string;
  startsAt: Date;
}

export interface MemberDue {
  member: { id: string; name: string };
  /** The quarter the meetings are counted in (its label names it). */
  period: { key: string; label: string };
  /** Pledges to submit: open (before the deadline), returned for changes, or late but still accepted (marked). */
  pledges: Array<{ campaign: string; deadline: Date; daysLeft: number; state: 'open' | 'returned' | 'late' }>;
  /** Approved pledges whose 践诺 report for the current period is missing. */
  reports: Array<{ campaign: string; period: string }>;
  /** Meetings of this quarter whose check-in closed without a check-in or approved leave. */
  missed: Array<MeetingRef & { state: 'late_ok' | 'pending' | 'absent'; lateUntil: Date }>;
  /** Meetings still open that the member has not answered. */
  upcoming: MeetingRef[];
  /** The member's own list duties (党费, 双报到, 委员述职 …) of windows already begun and not yet met. */
  /** `with`: the other 委员 of a 谈心谈话 pair. */
  duties: Array<{ code: string; content: string; window: string; required: number; met: number; status: ObligationStatus; daysLeft: number; with?: string }>;
}

export interface DueOptions {
  timezone: string;
  /** Days after check-in closes during which a 补签 may be asked for. */
  lateCheckinDays: number;
}

/**
 * What a member still has to do. Default: the acting member; another member's list needs `branch.view`
 * over their branch.
 */
export async function memberDue(unit: Unit, input: DueOptions & { memberId?: string }): Promise<MemberDue> {
  const tx = unit.tx;
  const now = unit.now;
  let member: { id: string; name: string; branchId: string };
  if (!input.memberId || (unit.principal.kind === 'member' && unit.principal.member.id === input.memberId)) {
    member = actingMember(unit.principal);
  } else {
    const row = await tx.member.findUnique({ where: { id: input.memberId }, select: { id: true, name: true, branchId: true } });
    if (!row) fail('duties.no_member');
    await authorize(tx, unit.principal, 'branch.view', row.branchId, 'duties.what_member');
    member = row;
  }
  const quarter = periodOf('quarter', now, input.timezone);
  const daysLeft = (d: Date) => daysLeftIn({ start: now, end: new Date(d.getTime() + 1) }, now, input.timezone);

  const pledges: MemberDue['pledges'] = [];
  const open = await tx.pledge.findMany({
    where: { memberId: member.id, status: { in: ['DRAFT', 'RETURNED'] }, campaign: { closedAt: null } },
    select: { status: true, campaign: { select: { name: true, deadline: true, lateRule: true } } },
    orderBy: { campaign: { deadline: 'asc' } },
  });
  for (const p of open) {
    const c = p.campaign;
    const state = now < c.deadline ? (p.status === 'RETURNED' ? 'returned' : 'open') : c.lateRule === 'ACCEPT_MARKED' ? 'late' : null;
    if (state) pledges.push({ campaign: c.name, deadline: c.deadline, daysLeft: daysLeft(c.deadline), state });
  }

  // 践诺: an approved pledge whose items are not all reported (or a report was returned) for the current period.
  const reports: MemberDue['reports'] = [];
  const approved = await tx.pledge.findMany({
    where: { memberId: member.id, status: 'APPROVED', campaign: { closedAt: null, reportSchedule: { not: null } } },
    select: { items: { select: { id: true } }, campaign: true },
    orderBy: { campaign: { deadline: 'asc' } },
  });
  for (const p of approved) {
    const period = currentFulfilmentPeriod(p.campaign, now, input.timezone);
    if (!period || p.items.length === 0) continue;
    const reported = await tx.progressReport.count({ where: { period: period.key, pledgeItemId: { in: p.items.map((i) => i.id) }, reviewStatus: { not: 'REJECTED' } } });
    if (reported < p.items.length) reports.push({ campaign: p.campaign.name, period: period.label });
  }

  const attendances = await tx.attendance.findMany({
    where: {
      memberId: member.id,
      status: { in: ['PENDING', 'ABSENT'] },
      session: { status: { not: 'CANCELLED' }, OR: [{ startsAt: { gte: quarter.start, lt: quarter.end } }, { checkinClosesAt: { gt: now } }] },
    },
    select: { status: true, session: { select: { topic: true, startsAt: true, checkinClosesAt: true, kind: { select: { name: true } } } } },
    orderBy: { session: { startsAt: 'asc' } },
  });
  const missed: MemberDue['missed'] = [];
  const upcoming: MeetingRef[] = [];
  for (const a of attendances) {
    const s = a.session;
    const ref: MeetingRef = { kind: s.kind.name, topic: s.topic, startsAt: s.startsAt };
    if (s.checkinClosesAt > now) {
      if (a.status === 'PENDING') upcoming.push(ref);
      continue;
    }
    const lateUntil = new Date(s.checkinClosesAt.getTime() + input.lateCheckinDays * 86_400_000);
    const state = a.status === 'ABSENT' ? 'absent' : now < lateUntil ? 'late_ok' : 'pending';
    missed.push({ ...ref, state, lateUntil });
  }
  // The member's own obligations from the list (src/domain/obligations/engine.ts), over their unit.
  const unitNode = await unitOf(tx, member.branchId);
  const own = unitNode ? (await computeObligations(tx, { rootId: unitNode.id, period: quarter, now, tz: input.timezone })).obligations : [];
  const duties: MemberDue['duties'] = own
    .filter((o) => (o.holder.member?.id === member.id || o.holder.partner?.id === member.id) && o.status !== 'done' && o.window.start <= now)
    .map((o) => {
      const other = o.holder.partner && (o.holder.partner.id === member.id ? o.holder.member : o.holder.partner);
      return { code: o.itemCode, content: o.content, window: o.window.label, required: o.required, met: o.met, status: o.status, daysLeft: o.daysLeft, ...(other ? { with: other.name } : {}) };
    });
  return { member: { id: member.id, name: member.name }, period: { key: quarter.key, label: quarter.label }, pledges, reports, missed, upcoming, duties };
}

export interface BranchDue {
  branch: { id: string; name: string };
  period: { key: string; label: string };
  /** Obligations with something missing: missed ones first, then by the nearest deadline. */
  open: ComplianceItem[];
  /** Whether any obligation of the quarter is missed / at risk (all, not only the open ones). */
  anyMissed: boolean;
  anyAtRisk: boolean;
}

/** A branch's obligations not yet met this quarter. Needs `branch.view` over the branch (its 支委, 机关党委 posts, the 工委). */
export async function branchDue(unit: Unit, input: { branchId: string; timezone: string; atRiskDays: number }): Promise<BranchDue> {
  await authorize(unit.tx, unit.principal, 'branch.view', input.branchId, 'duties.what_branch');
  const { now } = unit;
  const tz = input.timezone;
  const quarter = periodOf('quarter', now, tz);
  const report = await computeCompliance(unit.tx, { orgNodeId: input.branchId, period: quarter, now, tz, atRiskDays: input.atRiskDays });
  const nearest = (i: ComplianceItem) => Math.min(...i.parts.filter((p) => now < p.end && p.held < p.required).map((p) => daysLeftIn(p, now, tz)), Infinity);
  const open = report.items
    .filter((i) => i.remaining > 0)
    .map((i) => ({ i, days: nearest(i) }))
    .sort((a, b) => (a.i.status === 'missed' ? -1 : 0) - (b.i.status === 'missed' ? -1 : 0) || a.days - b.days)
    .map(({ i }) => i);
  return {
    branch: { id: report.orgNode.id, name: report.orgNode.name },
    period: { key: quarter.key, label: quarter.label },
    open,
    anyMissed: report.items.some((i) => i.status === 'missed'),
    anyAtRisk: report.items.some((i) => i.atRisk),
  };
}

/**
 * "What is still due here", about a chat's subject (src/access chatSubject): for a branch, its obligations for
 * whoever may see it; for a 机关党委 (or anything above branches), every branch under it the asker may see;
 * otherwise the asker's own list (a plain member asking about their branch is told what they have to do).
 */
export async function dueHere(
  unit: Unit,
  input: DueOptions & { node: { id: string; kind: string }; atRiskDays: number },
): Promise<{ branches: BranchDue[] } | { member: MemberDue }> {
  const { tx, principal } = unit;
  const branchIds =
    input.node.kind === 'BRANCH'
      ? (await can(tx, principal, 'branch.view', input.node.id)) ? [input.node.id] : []
      : await branchesUnder(unit, input.node.id, await viewableBranchIds(tx, principal));
  if (!branchIds.length) return { member: await memberDue(unit, input) };
  const branches: BranchDue[] = [];
  for (const branchId of branchIds) branches.push(await branchDue(unit, { branchId, timezone: input.timezone, atRiskDays: input.atRiskDays }));
  return { branches };
}

/** Those of `branchIds` under `nodeId`, in the order of their codes. */
async function branchesUnder(unit: Unit, nodeId: string, branchIds: string[]): Promise<string[]> {
  const rows = await unit.tx.orgNode.findMany({ where: { id: { in: branchIds } }, select: { id: true, code: true } });
  const under: Array<{ id: string; code: string }> = [];
  for (const r of rows) if ((await pathOf(unit.tx, r.id)).some((n) => n.id === nodeId)) under.push(r);
  return under.sort((a, b) => a.code.localeCompare(b.code)).map((r) => r.id);
}

// ───────────────────────── import ─────────────────────────

/** The system, or a manager (`organ.manage`) of a 机关党委 directly under the unit. */
async function managesUnit(unit: Unit, unitId: string): Promise<boolean> {
  if (unit.principal.kind === 'system') return true;
  const organs = await unit.tx.orgNode.findMany({ where: { parentId: unitId, kind: 'ORGAN_COMMITTEE' }, select: { id: true } });
  for (const o of organs) if (await can(unit.tx, unit.principal, 'organ.manage', o.id)) return true;
  return false;
}

export interface ImportedList {
  unit: string;
  year: number;
  /** The version written (or that would be written, on a dry run). */
  version: number;
  items: number;
  listId: string | null;
  dryRun: boolean;
}

/**
 * Write a checked list as the next version of the unit's list for its year (the active one from now on),
 * with an audit entry; nothing on a dry run. The system (operator) may import for any unit; a member only
 * as a manager of a 机关党委 of that unit.
 */
export async function importDutyList(unit: Unit, input: { unitId: string; list: ParsedList; file: string; dryRun?: boolean }): Promise<ImportedList> {
  const tx = unit.tx;
  const node = await tx.orgNode.findUnique({ where: { id: input.unitId }, select: { id: true, name: true, kind: true } });
  if (!node) fail('duties.no_unit');
  if (node.kind !== 'UNIT') fail('duties.not_a_unit', { name: node.name });
  if (!(await managesUnit(unit, node.id))) fail('errors.not_allowed', { what: { key: 'duties.what_import' } });
  const { list } = input;
  // Serialise imports for a unit: the version number is read and written under the unit row's lock.
  await tx.$queryRaw`SELECT id FROM "OrgNode" WHERE id = ${node.id} FOR UPDATE`;
  const last = await tx.responsibilityList.findFirst({ where: { unitId: node.id, year: list.year }, orderBy: { version: 'desc' }, select: { version: true } });
  const version = (last?.version ?? 0) + 1;
  if (input.dryRun) return { unit: node.name, year: list.year, version, items: list.items.length, listId: null, dryRun: true };
  const created = await tx.responsibilityList.create({
    data: { unitId: node.id, year: list.year, version, sourceFile: input.file, importedById: unit.actorId, items: { create: itemRows(list) } },
    select: { id: true },
  });
  unit.audit({
    action: 'duties.import',
    entityType: 'ResponsibilityList',
    entityId: created.id,
    detail: { unitId: node.id, year: list.year, version, items: list.items.length, file: input.file },
  });
  return { unit: node.name, year: list.year, version, items: list.items.length, listId: created.id, dryRun: false };
}
