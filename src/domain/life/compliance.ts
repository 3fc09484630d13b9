// Compliance: for an org node and a reporting period, each obligation that follows from the
// meeting kinds' frequency rules (and from responsibility-list items that name a meeting kind and
// a countable rule): required, held, remaining, days left, at risk.
//
// What counts as "held": a session of the kind, of the node (for 党小组会: of that 党小组), whose
// start lies in the window, that is not cancelled, and either has status HELD (minutes recorded)
// or has already started and has at least one check-in (签到 or approved 补签) or minutes.
// Notices alone do not count.
//
// Windows: a rule shorter than the report period is checked per sub-period (支委会 monthly in a
// quarter gives three months, each needing 1; three meetings in October do not cover November).
// A rule longer than the report period is checked over its own period containing the report
// period (组织生活会 yearly, asked for this quarter, looks at the whole year).
// All boundaries are local dates in the configured zone.
import type { Tx } from '../../db/client.js';
import type { DutyLevel, OrgKind } from '../../generated/prisma/enums.js';
import type { FrequencyRule, Period } from '../meeting-kinds.js';
import { daysBetween, DEFAULT_TZ, localDay } from './time.js';
import { periodOf, subPeriods, type PeriodRange } from './period.js';

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
}

export interface ComplianceReport {
  orgNode: { id: string; name: string; kind: OrgKind };
  period: PeriodRange;
  items: ComplianceItem[];
}

const SPAN: Record<Period, number> = { month: 1, quarter: 3, half: 6, year: 12 };
const LEVEL_OF: Partial<Record<OrgKind, DutyLevel>> = { BRANCH: 'BRANCH', ORGAN_COMMITTEE: 'ORGAN_COMMITTEE', UNIT: 'PARTY_GROUP' };

function lastDay(end: Date, tz: string) {
  return localDay(new Date(end.getTime() - 1), tz);
}

/** Days left from `now` to the last day of [start, end). */
export function daysLeftIn(p: { start: Date; end: Date }, now: Date, tz = DEFAULT_TZ): number {
  if (now >= p.end) return 0;
  return daysBetween(localDay(now, tz), lastDay(p.end, tz));
}

/** Pure: evaluate one rule against the start times of the sessions that count as held. */
export function evaluateRule(rule: FrequencyRule, report: PeriodRange, heldAt: Date[], now: Date, atRiskDays: number, tz = DEFAULT_TZ): Omit<ComplianceItem, 'obligationKey' | 'name' | 'kindCode' | 'category' | 'group' | 'itemCode' | 'rule'> {
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

/** The start times of the sessions of `kindIds` at `nodeIds` in [from, to) that count as held. */
async function heldSessions(tx: Tx, nodeIds: string[], from: Date, to: Date, now: Date) {
  return tx.meetingSession.findMany({
    where: {
      orgNodeId: { in: nodeIds },
      startsAt: { gte: from, lt: to },
      OR: [
        { status: 'HELD' },
        {
          status: 'SCHEDULED',
          startsAt: { lte: now },
          OR: [{ minutes: { isNot: null } }, { attendances: { some: { status: { in: ['PRESENT', 'LATE'] } } } }],
        },
      ],
    },
    select: { kindId: true, orgNodeId: true, startsAt: true },
  });
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

  // Obligations: each kind's own rule, then list items that add a different rule to a kind.
  type Ob = { key: string; name: string; kind: (typeof kinds)[number]; rule: FrequencyRule; itemCode: string | null };
  const obligations: Ob[] = kinds.map((k) => ({ key: k.code, name: k.name, kind: k, rule: k.frequency as unknown as FrequencyRule, itemCode: null }));
  const level = LEVEL_OF[node.kind];
  if (q.includeDutyItems !== false && level) {
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
    for (const item of list?.items ?? []) {
      const kind = kinds.find((k) => k.code === item.meetingKind);
      const rule = item.rule as unknown as FrequencyRule | null;
      if (!kind || !rule?.period || !rule.atLeast) continue;
      if (obligations.some((o) => o.kind.code === kind.code && o.rule.period === rule.period && o.rule.atLeast === rule.atLeast)) continue;
      obligations.push({ key: `item:${item.code}`, name: item.content, kind, rule: { period: rule.period, atLeast: rule.atLeast }, itemCode: item.code });
    }
  }

  // One query for all sessions that could matter (the widest window is a year).
  const widest = periodOf('year', q.period.start, tz);
  const from = new Date(Math.min(widest.start.getTime(), q.period.start.getTime()));
  const to = new Date(Math.max(widest.end.getTime(), q.period.end.getTime()));
  const held = await heldSessions(tx, [node.id, ...groups.map((g) => g.id)], from, to, q.now);

  const items: ComplianceItem[] = [];
  for (const ob of obligations) {
    const targets = ob.kind.orgLevel === 'GROUP' && node.kind === 'BRANCH' ? groups.map((g) => ({ nodeId: g.id, group: { id: g.id, name: g.name }, suffix: `@${g.code}` })) : [{ nodeId: node.id, group: null, suffix: '' }];
    for (const t of targets) {
      const times = held.filter((s) => s.kindId === ob.kind.id && s.orgNodeId === t.nodeId).map((s) => s.startsAt);
      items.push({
        obligationKey: `${ob.key}${t.suffix}`,
        name: ob.name,
        kindCode: ob.kind.code,
        category: ob.kind.category,
        group: t.group,
        itemCode: ob.itemCode,
        rule: ob.rule,
        ...evaluateRule(ob.rule, q.period, times, q.now, atRiskDays, tz),
      });
    }
  }
  return { orgNode: { id: node.id, name: node.name, kind: node.kind }, period: q.period, items };
}
