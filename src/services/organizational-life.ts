// The parts of a branch's yearly organizational life that a held meeting alone does not show
// (src/domain/obligations/organizational-life.ts): 民主评议党员 results per member, entered by the branch's
// managers and seen by them only (counts for anyone who sees the branch from above), and the steps of
// the 组织生活会 (会前 征求意见, 谈心谈话, 对照检查材料 per member; 会上 the meeting; 会后 整改落实) as a checklist.
import { authorize, seesBranchPrivate } from '../access/index.js';
import { computeObligations, PAIR_KIND, type Obligation, type ObligationStatus } from '../domain/obligations/engine.js';
import { LIFE_MEETING_KIND, MARKED_STEPS, REVIEW_RESULTS, type MarkedStep, type Missing, type ReviewResult } from '../domain/obligations/organizational-life.js';
import { periodRange } from '../domain/life/period.js';
import { localDay } from '../domain/life/time.js';
import { fail, type Unit } from './kernel.js';
import { evidenceOf, type Evidence } from './obligations.js';

const MAX_TEXT = 1000;

/** The branch a command is about: the chat's, else the acting member's own. */
function branchOf(unit: Unit, branchId?: string): string {
  if (unit.principal.kind !== 'member') fail('errors.internal');
  return branchId ?? unit.principal.member.branchId;
}

async function activeMembers(unit: Unit, branchId: string) {
  return unit.tx.member.findMany({ where: { branchId, active: true }, select: { id: true, name: true }, orderBy: [{ employeeNo: 'asc' }, { id: 'asc' }] });
}

/** The one active member of the branch with this name. */
async function memberNamed(unit: Unit, branchId: string, name: string): Promise<{ id: string; name: string }> {
  const found = (await activeMembers(unit, branchId)).filter((m) => m.name === name);
  if (found.length === 1) return found[0]!;
  fail(found.length ? 'orglife.name_twice' : 'orglife.no_member', { name });
}

// ───────────────────────── 民主评议党员 ─────────────────────────

export interface ReviewCounts {
  done: number;
  total: number;
}

export interface EnteredReview {
  branch: { id: string; name: string };
  year: number;
  member: { id: string; name: string };
  result: ReviewResult;
  /** The result it replaces (a correction), if any. */
  previous: ReviewResult | null;
  counts: ReviewCounts;
}

/** The latest result per member of a branch for a year. */
async function latestResults(unit: Unit, branchId: string, year: number): Promise<Map<string, { result: ReviewResult; notes: string | null; at: Date }>> {
  const rows = await unit.tx.memberReview.findMany({ where: { branchId, year }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], select: { memberId: true, result: true, notes: true, createdAt: true } });
  return new Map(rows.map((r) => [r.memberId, { result: r.result as ReviewResult, notes: r.notes, at: r.createdAt }]));
}

/**
 * 民主评议 张三 优秀 …: a branch manager enters (or corrects: the latest wins) a member's result for the
 * year, with optional notes (政治体检). Only the branch's own managers (seesBranchPrivate). Audited.
 */
export async function enterReview(unit: Unit, input: { branchId?: string; name: string; result: string; notes?: string; year?: number; timezone: string }): Promise<EnteredReview> {
  const branchId = branchOf(unit, input.branchId);
  if (!seesBranchPrivate(unit.principal, branchId)) fail('errors.not_allowed', { what: { key: 'orglife.what_review' } });
  if (!REVIEW_RESULTS.includes(input.result as ReviewResult)) fail('orglife.review_usage');
  const notes = input.notes?.trim() || null;
  if (notes && [...notes].length > MAX_TEXT) fail('obligations.too_long', { max: MAX_TEXT });
  const year = input.year ?? localDay(unit.now, input.timezone).year;
  const member = await memberNamed(unit, branchId, input.name.trim());
  const before = (await latestResults(unit, branchId, year)).get(member.id)?.result ?? null;
  const row = await unit.tx.memberReview.create({ data: { branchId, memberId: member.id, year, result: input.result, notes, recordedById: unit.actorId!, createdAt: unit.now }, select: { id: true } });
  unit.audit({ action: before ? 'member_review.correct' : 'member_review.enter', entityType: 'MemberReview', entityId: row.id, detail: { branchId, memberId: member.id, year, result: input.result, previous: before } });
  const branch = await unit.tx.orgNode.findUniqueOrThrow({ where: { id: branchId }, select: { id: true, name: true } });
  const members = await activeMembers(unit, branchId);
  const results = await latestResults(unit, branchId, year);
  return { branch, year, member, result: input.result as ReviewResult, previous: before, counts: { done: members.filter((m) => results.has(m.id)).length, total: members.length } };
}

export interface ReviewList {
  branch: { id: string; name: string };
  year: number;
  counts: ReviewCounts;
  /** Each active member with their result: for the branch's own managers only; null for views from above. */
  members: Array<{ name: string; result: ReviewResult | null; notes: string | null }> | null;
}

/**
 * A branch's 民主评议 results for a year: names and results for its own managers, the counts only for
 * anyone else who sees the branch (its other 委员, the 机关党委, the 工委); refused to other members.
 */
export async function reviewsOf(unit: Unit, input: { branchId?: string; year?: number; timezone: string }): Promise<ReviewList> {
  const branchId = branchOf(unit, input.branchId);
  const own = seesBranchPrivate(unit.principal, branchId);
  if (!own) await authorize(unit.tx, unit.principal, 'branch.view', branchId, 'orglife.what_review');
  const year = input.year ?? localDay(unit.now, input.timezone).year;
  const branch = await unit.tx.orgNode.findUniqueOrThrow({ where: { id: branchId }, select: { id: true, name: true } });
  const members = await activeMembers(unit, branchId);
  const results = await latestResults(unit, branchId, year);
  return {
    branch,
    year,
    counts: { done: members.filter((m) => results.has(m.id)).length, total: members.length },
    members: own ? members.map((m) => ({ name: m.name, result: results.get(m.id)?.result ?? null, notes: results.get(m.id)?.notes ?? null })) : null,
  };
}

/** 我的民主评议: a member's own latest result for a year (null: none entered yet); nobody else's. */
export async function myReview(unit: Unit, input: { year?: number; timezone: string }): Promise<{ year: number; result: ReviewResult | null; notes: string | null }> {
  if (unit.principal.kind !== 'member') fail('errors.internal');
  const year = input.year ?? localDay(unit.now, input.timezone).year;
  const row = await unit.tx.memberReview.findFirst({ where: { memberId: unit.principal.member.id, year }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], select: { result: true, notes: true } });
  return { year, result: (row?.result as ReviewResult | undefined) ?? null, notes: row?.notes ?? null };
}

// ───────────────────────── 组织生活会 steps ─────────────────────────

export interface LifeChecklist {
  branch: { id: string; name: string };
  year: number;
  /** The 组织生活会 obligation of the year (null: the list has no such item). */
  status: ObligationStatus | null;
  missing: Missing[];
  steps: Array<{ step: MarkedStep; done: boolean; at: Date | null; text: string | null; evidence: number }>;
  /** 对照检查材料: members who have one, of all; names of those missing for the branch's managers only. */
  selfReview: { done: number; total: number; missingNames: string[] | null };
  /** 会上: the 组织生活会 sessions that count, with their 列席 from the minutes. */
  meetings: Array<{ at: Date; topic: string | null; observers: string[] }>;
  /** 谈心谈话 coverage this year (src/domain/obligations/engine.ts): 委员 pairs and the other members. */
  talks: { pairs: ReviewCounts; members: ReviewCounts };
}

/** The 组织生活会 checklist of a branch for a year (whoever sees the branch). */
export async function lifeChecklist(unit: Unit, input: { branchId?: string; year?: number; timezone: string }): Promise<LifeChecklist> {
  const branchId = branchOf(unit, input.branchId);
  await authorize(unit.tx, unit.principal, 'branch.view', branchId, 'orglife.what_checklist');
  const year = input.year ?? localDay(unit.now, input.timezone).year;
  const report = await computeObligations(unit.tx, { rootId: branchId, period: periodRange('year', year, 1, input.timezone), now: unit.now, tz: input.timezone });
  const mine = report.obligations.filter((o) => o.holder.node.id === branchId);
  const life = mine.find((o) => o.meetingKind === LIFE_MEETING_KIND && o.holder.kind === 'node');
  const talks = mine.filter((o) => o.meetingKind === PAIR_KIND);
  const count = (list: Obligation[]): ReviewCounts => ({ done: list.filter((o) => o.status === 'done').length, total: list.length });

  const rows = await unit.tx.lifeMeetingStep.findMany({ where: { branchId, year }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  const steps = MARKED_STEPS.map((step) => {
    const own = rows.filter((r) => r.step === step);
    const last = own.at(-1);
    return { step, done: !!last, at: last?.createdAt ?? null, text: last?.text ?? null, evidence: own.reduce((a, r) => a + (Array.isArray(r.evidence) ? r.evidence.length : 0), 0) };
  });
  const members = await activeMembers(unit, branchId);
  const all = rows.some((r) => r.step === 'self_review' && !r.memberId);
  const reviewed = new Set(rows.filter((r) => r.step === 'self_review' && r.memberId).map((r) => r.memberId!));
  const missingMembers = all ? [] : members.filter((m) => !reviewed.has(m.id));
  const meetingIds = (life?.metBy ?? []).filter((m) => m.kind === 'meeting').map((m) => m.id);
  const minutes = meetingIds.length ? await unit.tx.minutes.findMany({ where: { sessionId: { in: meetingIds } }, select: { sessionId: true, observers: true } }) : [];
  const branch = await unit.tx.orgNode.findUniqueOrThrow({ where: { id: branchId }, select: { id: true, name: true } });
  return {
    branch,
    year,
    status: life?.status ?? null,
    missing: life?.missing ?? [],
    steps,
    selfReview: { done: members.length - missingMembers.length, total: members.length, missingNames: seesBranchPrivate(unit.principal, branchId) ? missingMembers.map((m) => m.name) : null },
    meetings: (life?.metBy ?? []).filter((m) => m.kind === 'meeting').map((m) => ({ at: m.at, topic: m.topic, observers: minutes.find((x) => x.sessionId === m.id)?.observers ?? [] })),
    talks: { pairs: count(talks.filter((o) => o.holder.kind === 'pair')), members: count(talks.filter((o) => o.holder.kind === 'member')) },
  };
}

/**
 * 组织生活会 <步骤> 已完成 …: a branch manager marks a step of this year's 组织生活会 done, with its evidence
 * (text, links in it, photos and files). For 对照检查 the names the text begins with are the members
 * whose materials are in; no name: everyone's. Marking again adds to it. Audited.
 */
export async function markLifeStep(unit: Unit, input: { branchId?: string; step: MarkedStep; text: string; attachments?: Evidence[]; year?: number; timezone: string }): Promise<LifeChecklist> {
  const branchId = branchOf(unit, input.branchId);
  await authorize(unit.tx, unit.principal, 'branch.manage', branchId, 'orglife.what_step');
  if (!MARKED_STEPS.includes(input.step)) fail('orglife.step_usage');
  let text = input.text.trim();
  if ([...text].length > MAX_TEXT) fail('obligations.too_long', { max: MAX_TEXT });
  const year = input.year ?? localDay(unit.now, input.timezone).year;
  let named: Array<{ id: string; name: string }> = [];
  if (input.step === 'self_review') {
    const members = await activeMembers(unit, branchId);
    // Leading names (张三、李四 …) until the first word that is not a member's name.
    const words = text.split(/[\s、，,]+/);
    let i = 0;
    for (; i < words.length; i++) {
      const m = members.filter((x) => x.name === words[i]);
      if (m.length !== 1) break;
      if (!named.some((n) => n.id === m[0]!.id)) named.push(m[0]!);
    }
    text = words.slice(i).join(' ');
  }
  if (!text && !input.attachments?.length) fail('orglife.step_no_evidence');
  const evidence = evidenceOf(text, input.attachments);
  const data = (named.length ? named : [null]).map((m) => ({ branchId, year, step: input.step, memberId: m?.id ?? null, text: text || '（见附件）', evidence: evidence as never, recordedById: unit.actorId!, createdAt: unit.now }));
  const rows = await unit.tx.lifeMeetingStep.createManyAndReturn({ data, select: { id: true } });
  for (const r of rows) unit.audit({ action: 'life_step.mark', entityType: 'LifeMeetingStep', entityId: r.id, detail: { branchId, year, step: input.step, evidence: evidence.length } });
  return lifeChecklist(unit, { branchId, year, timezone: input.timezone });
}
