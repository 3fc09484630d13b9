// Compliance (完成情况) of a branch or other org node for a period: every obligation of the meeting
// kinds' frequency rules and the responsibility list, held against required (src/domain/life/compliance.ts).
import type { Unit } from './kernel.js';
import { authorize, can } from '../access/index.js';
import { computeCompliance, type ComplianceReport } from '../domain/life/compliance.js';
import type { PeriodRange } from '../domain/life/period.js';
import { DEFAULT_LIFE, type LifeOptions } from '../domain/life/options.js';

export interface ComplianceInput {
  nodeId: string;
  period: PeriodRange;
  /** Only these categories (三会一课, 组织生活) … */
  categories?: string[];
  /** … or these meeting kinds. */
  kindCodes?: string[];
  /**
   * The chat's subject (src/access chatSubject): a 机关党委 or 单位 whose chat it is reports its own
   * obligations (委员会议, 中心组学习, 委员述职 …) to whoever may see it, instead of `nodeId`.
   */
  subject?: { id: string; kind: string };
}

/**
 * The compliance report: members see their own branch's; others need to see the node (its 支委,
 * 机关党委 posts, the 工委 above).
 */
export async function complianceOf(unit: Unit, input: ComplianceInput, o: LifeOptions = DEFAULT_LIFE): Promise<ComplianceReport> {
  const s = input.subject;
  if (s && (s.kind === 'ORGAN_COMMITTEE' || s.kind === 'UNIT') && (await can(unit.tx, unit.principal, 'tree.view', s.id))) input = { ...input, nodeId: s.id };
  const own = unit.principal.kind === 'member' && unit.principal.member.branchId === input.nodeId;
  if (!own) await authorize(unit.tx, unit.principal, 'tree.view', input.nodeId, 'compliance.what');
  return computeCompliance(unit.tx, { orgNodeId: input.nodeId, period: input.period, now: unit.now, tz: o.timezone, atRiskDays: o.atRiskDays, categories: input.categories, kindCodes: input.kindCodes });
}
