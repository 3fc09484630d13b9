// Compliance: for an org node and a reporting period, each obligation that follows from the
// meeting kinds' frequency rules (and from responsibility-list items that name a meeting kind and
// a countable rule): required, held, remaining, days left, at risk.
//
// What counts as "held": src/domain/life/held.ts (a session of the kind and node that took place, with
// more than half of those expected for 党员大会 and 支委会; a 党课 item naming its lecturer counts only
// that person's). Sessions that took place but do not count are listed with the reason.
// List items met by records or per person (委员述职, 党费, 双报到) come from the obligation engine
// (src/domain/obligations/engine.ts), one item each, in the category 责任清单.
//
// Windows: a rule shorter than the report period is checked per sub-period (支委会 monthly in a
// quarter gives three months, each needing 1; three meetings in October do not cover November).
// A rule longer than the report period is checked over its own period containing the report
// period (组织生活会 yearly, asked for this quarter, looks at the whole year).
// All boundaries are local dates in the configured zone.
import type { Tx } from '../../db/client.js';
import type { DutyLevel, OrgKind, PostTitle } from '../../generated/prisma/enums.js';
import type { FrequencyRule, Period } from '../meeting-kinds.js';
import { DEFAULT_TZ } from './time.js';
import { daysLeftIn, periodOf, subPeriods, type PeriodRange } from './period.js';
import { takenPlace, wrongLecturer, type NotCounted } from './held.js';
import { computeObligations, holderKindOf, POST_HOLDERS, type Obligation } from '../obligations/engine.js';

export { daysLeftIn };

export interface CompliancePart {
  key: string;
  label: string;
  start: Date;
  end: Date;
  required: number;
  held: number;
}

export type ComplianceStatus = 'done' | 'open' | 'at_risk' | 'missed';

export interface ComplianceItem {
  /** Stable id of the obligation within the node: kind code, kind@group code, or item:<code>. */
  obligationKey: string;
  name: string;
  kindCode: string;
  category: string;
  /** For 党小组会: the group it is about. */
  group: { id: string; name: string } | null;
  /** Set when the obligation comes from a responsibility-list item. */
  itemCode: string | null;
  rule: FrequencyRule;
  window: { start: Date; end: Date; key: string; label: string };
  parts: CompliancePart[];
  required: number;
  held: number;
  remaining: number;
  /** Local days from today to the last day of the window; 0 once it is over. */
  daysLeft: number;
  /** Something is missing and the current part (or the window) ends within the threshold. */
  atRisk: boolean;
  status: ComplianceStatus;
  /** Sessions in the window that took place but do not count: quorum not reached, or not given by the lecturer the item names. */
  notCounted: NotCounted[];
  /** For per-person list items (委员述职, 党费): how many holders there are and how many have done all of it. */
  holders?: { kind: 'post' | 'member'; total: number; done: number } | null;
}

export interface ComplianceQuery {
  orgNodeId: string;
  period: PeriodRange;
  now: Date;
  tz?: string;
  /** at risk when remaining > 0 and at most this many days are left (default 10). */
  atRiskDays?: number;
  /** Only these categories (三会一课, 组织生活 …) or these kind codes. */
  categories?: string[];
  kindCodes?: string[];
  /** Include responsibility-list items (default true). */
  includeDutyItems?: boolean;
  /**
   * The engine's obligations over a subtree holding this node, computed once by a caller that reports on
   * many nodes (the 驾驶舱); otherwise they are computed for this node.
   */
  obligations?: Obligation[];
}

export interface ComplianceReport {
  orgNode: { id: string; name: string; kind: OrgKind };
  period: PeriodRange;
  items: ComplianceItem[];
}

const SPAN: Record<Period, number> = { month: 1, quarter: 3, half: 6, year: 12 };
const LEVEL_OF: Partial<Record<OrgKind, DutyLevel>> = { BRANCH: 'BRANCH', ORGAN_COMMITTEE: 'ORGAN_COMMITTEE', UNIT: 'PARTY_GROUP' };

/** Pure: evaluate one rule against the start times of the sessions that count as held. */
export function evaluateRule(rule: FrequencyRule, report: PeriodRange, heldAt: Date[], now: Date, atRiskDays: number, tz = DEFAULT_TZ): Omit<ComplianceItem, 'obligationKey' | 'name' | 'kindCode' | 'category' | 'group' | 'itemCode' | 'rule' | 'notCounted' | 'holders'> {
  const window = SPAN[rule.period] <= SPAN[report.kind] ? report : periodOf(rule.period, report.start, tz);
  const parts = subPeriods(rule.period, window, tz).map((p) => {
    const n = heldAt.filter((t) => t >= p.start && t < p.end).length;
    return { key: p.key, label: p.label, start: p.start, end: p.end, required: rule.atLeast, held: Math.min(n, rule.atLeast) };
  });
  const required = parts.reduce((a, p) => a + p.required, 0);
  const held = parts.reduce((a, p) => a + p.held, 0);
  const remaining = required - held;
  const daysLeft = daysLeftIn(window, now, tz);
  const current = parts.find((p) => now >= p.start && now < p.end);
  const missedPart = parts.some((p) => now >= p.end && p.held < p.required);
  const atRisk = remaining > 0 && now < window.end && (daysLeft <= atRiskDays || (!!current && current.held < current.required && daysLeftIn(current, now, tz) <= atRiskDays));
  const status: ComplianceStatus = remaining === 0 ? 'done' : missedPart || now >= window.end ? 'missed' : atRisk ? 'at_risk' : 'open';
  return { window: { start: window.start, end: window.end, key: window.key, label: window.label }, parts, required, held, remaining, daysLeft, atRisk, status };
}

export async function computeCompliance(tx: Tx, q: ComplianceQuery): Promise<ComplianceReport> {
  const tz = q.tz ?? DEFAULT_TZ;
  const atRiskDays = q.atRiskDays ?? 10;
  const node = await tx.orgNode.findUniqueOrThrow({ where: { id: q.orgNodeId }, select: { id: true, name: true, kind: true, parentId: true } });
  const groups = node.kind === 'BRANCH' ? await tx.orgNode.findMany({ where: { parentId: node.id, kind: 'GROUP' }, select: { id: true, code: true, name: true }, orderBy: { code: 'asc' } }) : [];
  const levels: OrgKind[] = node.kind === 'BRANCH' ? ['BRANCH', 'GROUP'] : [node.kind];
  let kinds = await tx.meetingKind.findMany({ where: { orgLevel: { in: levels } }, orderBy: { code: 'asc' } });
  if (q.categories?.length) kinds = kinds.filter((k) => q.categories!.includes(k.category));
  if (q.kindCodes?.length) kinds = kinds.filter((k) => q.kindCodes!.includes(k.code));

  // Obligations: each kind's own rule, then list items that add a different rule to a kind. A kind the
  // list makes a duty of each member (双报到) is counted per member, among the list items below.
  type Ob = { key: string; name: string; kind: (typeof kinds)[number]; rule: FrequencyRule; itemCode: string | null; lecturerPosts: PostTitle[] | null };
  const level = LEVEL_OF[node.kind];
  const withItems = q.includeDutyItems !== false && !!level;
  let listItems: Array<{ code: string; content: string; post: string; rule: unknown; meetingKind: string | null }> = [];
  if (withItems) {
    let unitId: string | null = node.parentId;
    for (let i = 0; unitId && i < 4; i++) {
      const n: { id: string; kind: OrgKind; parentId: string | null } | null = await tx.orgNode.findUnique({ where: { id: unitId }, select: { id: true, kind: true, parentId: true } });
      if (!n || n.kind === 'UNIT') break;
      unitId = n.parentId;
    }
    if (node.kind === 'UNIT') unitId = node.id;
    const list = unitId
      ? await tx.responsibilityList.findFirst({ where: { unitId, year: { lte: q.period.year } }, orderBy: [{ year: 'desc' }, { version: 'desc' }], include: { items: { where: { level, meetingKind: { not: null } }, orderBy: { code: 'asc' } } } })
      : null;
    listItems = list?.items ?? [];
  }
  const perMemberKinds = new Set(listItems.filter((i) => holderKindOf(i) === 'member').map((i) => i.meetingKind));
  const obligations: Ob[] = kinds.filter((k) => !perMemberKinds.has(k.code)).map((k) => ({ key: k.code, name: k.name, kind: k, rule: k.frequency as unknown as FrequencyRule, itemCode: null, lecturerPosts: null }));
  for (const item of listItems) {
    const kind = kinds.find((k) => k.code === item.meetingKind);
    const rule = item.rule as unknown as FrequencyRule | null;
    if (!kind || !rule?.period || !rule.atLeast || holderKindOf(item) === 'member') continue;
    const lecturerPosts = kind.code === 'party_lecture' ? (POST_HOLDERS[item.post] ?? null) : null;
    if (!lecturerPosts && obligations.some((o) => o.kind.code === kind.code && o.rule.period === rule.period && o.rule.atLeast === rule.atLeast)) continue;
    obligations.push({ key: `item:${item.code}`, name: item.content, kind, rule: { period: rule.period, atLeast: rule.atLeast }, itemCode: item.code, lecturerPosts });
  }

  // One query for all sessions that could matter (the widest window is a year).
  const widest = periodOf('year', q.period.start, tz);
  const from = new Date(Math.min(widest.start.getTime(), q.period.start.getTime()));
  const to = new Date(Math.max(widest.end.getTime(), q.period.end.getTime()));
  const { counted, refused } = await takenPlace(tx, [node.id, ...groups.map((g) => g.id)], from, to, q.now);
  const lecturerPosts = obligations.some((o) => o.lecturerPosts)
    ? await tx.post.findMany({ where: { orgNodeId: node.id, until: null }, select: { memberId: true, title: true } })
    : [];

  const items: ComplianceItem[] = [];
  for (const ob of obligations) {
    const targets = ob.kind.orgLevel === 'GROUP' && node.kind === 'BRANCH' ? groups.map((g) => ({ nodeId: g.id, group: { id: g.id, name: g.name }, suffix: `@${g.code}` })) : [{ nodeId: node.id, group: null, suffix: '' }];
    for (const t of targets) {
      const sessions = counted.filter((s) => s.kindId === ob.kind.id && s.orgNodeId === t.nodeId);
      const notCounted: NotCounted[] = refused.filter((r) => r.kindId === ob.kind.id && r.orgNodeId === t.nodeId);
      let times = sessions.map((s) => s.startsAt);
      if (ob.lecturerPosts) {
        const by = new Set(lecturerPosts.filter((p) => ob.lecturerPosts!.includes(p.title)).map((p) => p.memberId));
        times = sessions.filter((s) => s.lecturerId && by.has(s.lecturerId)).map((s) => s.startsAt);
        notCounted.push(...sessions.filter((s) => !(s.lecturerId && by.has(s.lecturerId))).map(wrongLecturer));
      }
      const evaluated = evaluateRule(ob.rule, q.period, times, q.now, atRiskDays, tz);
      items.push({
        obligationKey: `${ob.key}${t.suffix}`,
        name: ob.name,
        kindCode: ob.kind.code,
        category: ob.kind.category,
        group: t.group,
        itemCode: ob.itemCode,
        rule: ob.rule,
        ...evaluated,
        notCounted: notCounted.filter((r) => r.startsAt >= evaluated.window.start && r.startsAt < evaluated.window.end),
      });
    }
  }

  // The list's other items with a rule for this node (records, per-person duties), from the obligation engine.
  if (withItems && !q.categories?.length && !q.kindCodes?.length) {
    const obligations = q.obligations ?? (await computeObligations(tx, { rootId: node.id, period: q.period, now: q.now, tz, atRiskDays })).obligations;
    items.push(...dutyItems(obligations, node.id, q.period, q.now, tz));
  }
  return { orgNode: { id: node.id, name: node.name, kind: node.kind }, period: q.period, items };
}

/** Category of list items met by records or per person, in compliance reports. */
export const DUTY_CATEGORY = '责任清单';

/**
 * The obligations of `node` itself that are not meetings of the node (records, per-post and per-member
 * duties), one compliance item per list item: its windows as parts, each needing every holder's count.
 */
function dutyItems(obligations: Obligation[], nodeId: string, period: PeriodRange, now: Date, tz: string): ComplianceItem[] {
  const mine = obligations.filter((o) => o.holder.node.id === nodeId && !(o.meetingKind && o.holder.kind === 'node'));
  const byItem = new Map<string, Obligation[]>();
  for (const o of mine) byItem.set(o.itemCode, [...(byItem.get(o.itemCode) ?? []), o]);
  const items: ComplianceItem[] = [];
  for (const [code, obs] of byItem) {
    const first = obs[0]!;
    const windows = [...new Map(obs.map((o) => [o.window.key, o.window])).values()].sort((a, b) => a.start.getTime() - b.start.getTime());
    const parts: CompliancePart[] = windows.map((w) => {
      const here = obs.filter((o) => o.window.key === w.key);
      return { key: w.key, label: w.label, start: w.start, end: w.end, required: here.reduce((a, o) => a + o.required, 0), held: here.reduce((a, o) => a + o.met, 0) };
    });
    const required = parts.reduce((a, p) => a + p.required, 0);
    const held = parts.reduce((a, p) => a + p.held, 0);
    const window = windows.length === 1 ? windows[0]! : { key: period.key, label: period.label, start: period.start, end: period.end };
    const status: ComplianceStatus = obs.some((o) => o.status === 'missed') ? 'missed' : obs.some((o) => o.status === 'at_risk') ? 'at_risk' : held >= required ? 'done' : 'open';
    items.push({
      obligationKey: `item:${code}`,
      name: first.content,
      kindCode: '',
      category: DUTY_CATEGORY,
      group: null,
      itemCode: code,
      rule: first.rule,
      window,
      parts,
      required,
      held,
      remaining: required - held,
      daysLeft: daysLeftIn(window, now, tz),
      atRisk: status === 'at_risk',
      status,
      notCounted: [],
      holders: first.holder.kind === 'node' ? null : { kind: first.holder.kind, total: new Set(obs.map((o) => o.holder.member?.id ?? '')).size, done: new Set(obs.filter((o) => o.status === 'done').map((o) => o.holder.member?.id ?? '')).size },
    });
  }
  return items;
}
