// What a held meeting alone does not show for two yearly branch items, read by the obligation engine
// and by compliance: the 组织生活会 counts only with its steps done, and the 民主评议党员 only once every
// active member has a result.
//
// 组织生活会: seed 003 一、3「明确会前征求意见、谈心谈话、对照检查，会上批评与自我批评，会后整改落实各环节的
// 刚性标准」. Steps: 会前 consult (征求意见), talks (谈心谈话), self_review (对照检查材料, per member); 会上 the
// held meeting itself (its 纪实 names the 列席); 会后 rectify (整改落实). A branch manager marks the others
// done (LifeMeetingStep rows).
// 民主评议党员: 条例 第十九条; the result per member and year (MemberReview, the latest row wins). The 等次
// 优秀/合格/基本合格/不合格 come from the 党员评议 practice, not from the seeds.
import type { Tx } from '../../db/client.js';

export const LIFE_MEETING_KIND = 'life_meeting';
export const MEMBER_REVIEW_KIND = 'member_review';

/** The steps of a 组织生活会 in their order; `meeting` is the held session, the others are marked. */
export const LIFE_STEPS = ['consult', 'talks', 'self_review', 'meeting', 'rectify'] as const;
export type LifeStep = (typeof LIFE_STEPS)[number];
export type MarkedStep = Exclude<LifeStep, 'meeting'>;
export const MARKED_STEPS: MarkedStep[] = ['consult', 'talks', 'self_review', 'rectify'];

export const REVIEW_RESULTS = ['EXCELLENT', 'QUALIFIED', 'BASICALLY_QUALIFIED', 'UNQUALIFIED'] as const;
export type ReviewResult = (typeof REVIEW_RESULTS)[number];

/** What is still missing besides the meeting itself (which the held count shows). */
export type Missing = { kind: 'step'; step: 'consult' | 'talks' | 'rectify' } | { kind: 'self_review'; done: number; total: number } | { kind: 'reviews'; done: number; total: number };

export interface YearRecords {
  steps: Set<MarkedStep>;
  /** Members with 对照检查材料; `all` when a manager marked it for everyone. */
  selfReviewed: Set<string>;
  selfReviewedAll: boolean;
  /** The latest result per member. */
  reviewed: Map<string, ReviewResult>;
}

/** Whether an item's meeting kind needs more than the meeting. */
export const isGated = (kindCode: string | null | undefined): boolean => kindCode === LIFE_MEETING_KIND || kindCode === MEMBER_REVIEW_KIND;

/** The steps and results of `year` for each branch (two queries). */
export async function loadYearRecords(tx: Tx, branchIds: string[], year: number): Promise<Map<string, YearRecords>> {
  const out = new Map<string, YearRecords>();
  if (!branchIds.length) return out;
  const of = (branchId: string) => out.get(branchId) ?? out.set(branchId, { steps: new Set(), selfReviewed: new Set(), selfReviewedAll: false, reviewed: new Map() }).get(branchId)!;
  const steps = await tx.lifeMeetingStep.findMany({ where: { branchId: { in: branchIds }, year }, select: { branchId: true, step: true, memberId: true } });
  for (const s of steps) {
    const r = of(s.branchId);
    r.steps.add(s.step as MarkedStep);
    if (s.step === 'self_review') {
      if (s.memberId) r.selfReviewed.add(s.memberId);
      else r.selfReviewedAll = true;
    }
  }
  const reviews = await tx.memberReview.findMany({ where: { branchId: { in: branchIds }, year }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], select: { branchId: true, memberId: true, result: true } });
  for (const r of reviews) of(r.branchId).reviewed.set(r.memberId, r.result as ReviewResult);
  return out;
}

/** What `kindCode`'s yearly item of a branch still lacks, given its active members (ids); empty when nothing. */
export function missingFor(kindCode: string, rec: YearRecords | undefined, memberIds: string[]): Missing[] {
  const missing: Missing[] = [];
  if (kindCode === LIFE_MEETING_KIND) {
    for (const step of ['consult', 'talks'] as const) if (!rec?.steps.has(step)) missing.push({ kind: 'step', step });
    const done = rec?.selfReviewedAll ? memberIds.length : memberIds.filter((id) => rec?.selfReviewed.has(id)).length;
    if (done < memberIds.length || !rec?.steps.has('self_review')) missing.push({ kind: 'self_review', done, total: memberIds.length });
    if (!rec?.steps.has('rectify')) missing.push({ kind: 'step', step: 'rectify' });
  } else if (kindCode === MEMBER_REVIEW_KIND) {
    const done = memberIds.filter((id) => rec?.reviewed.has(id)).length;
    if (done < memberIds.length) missing.push({ kind: 'reviews', done, total: memberIds.length });
  }
  return missing;
}
