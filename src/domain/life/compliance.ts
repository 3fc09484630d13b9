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
import { takenPlace, wrongLecturer, type HeldSession, type NotCounted } from './held.js';
import { groupBy } from '../group-by.js';
import { computeObligations, holderKindOf, POST_HOLDERS, statusOf, type Obligation } from '../obligations/engine.js';
import { isGated, type Missing } from '../obligations/organizational-life.js';

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
  /** For per-person list items (委员述职, 党费): how many holders there are and how many have done all of it; 谈心谈话 also counts its 委员 pairs. */
  holders?: { kind: 'post' | 'member'; total: number; done: number; pairs?: { total: number; done: number } } | null;
  /** 组织生活会 steps, 民主评议 results still missing (the item is not done until there are none). */
  missing?: Missing[];
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
   * many nodes (the 驾驶舱, through loadCompliance and complianceFrom); otherwise they are computed for this node.
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

// Local-time arithmetic (Intl) is the costly part of a report; the 驾驶舱 asks the same few windows for
// thousands of nodes. Pure calendar results, so memoized (bounded) by zone, instant and range.
const calendar = new Map<string, unknown>();
function memo<T>(key: string, f: () => T): T {
  if (calendar.has(key)) return calendar.get(key) as T;
  if (calendar.size > 2000) calendar.clear();
  const v = f();
  calendar.set(key, v);
  return v;
}
const span = (p: { start: Date; end: Date }) => `${p.start.getTime()}-${p.end.getTime()}`;
const daysLeftOf = (p: { start: Date; end: Date }, now: Date, tz: string): number => memo(`d|${tz}|${now.getTime()}|${span(p)}`, () => daysLeftIn(p, now, tz));

/** Pure: evaluate one rule against the start times of the sessions that count as held. */
export function evaluateRule(rule: FrequencyRule, report: PeriodRange, heldAt: Date[], now: Date, atRiskDays: number, tz = DEFAULT_TZ): Omit<ComplianceItem, 'obligationKey' | 'name' | 'kindCode' | 'category' | 'group' | 'itemCode' | 'rule' | 'notCounted' | 'holders'> {
  const { window, subs } = memo(`w|${tz}|${rule.period}|${report.kind}|${span(report)}`, () => {
    const window = SPAN[rule.period] <= SPAN[report.kind] ? report : periodOf(rule.period, report.start, tz);
    return { window, subs: subPeriods(rule.period, window, tz) };
  });
  const parts = subs.map((p) => {
    const n = heldAt.filter((t) => t >= p.start && t < p.end).length;
    return { key: p.key, label: p.label, start: p.start, end: p.end, required: rule.atLeast, held: Math.min(n, rule.atLeast) };
  });
  const required = parts.reduce((a, p) => a + p.required, 0);
  const held = parts.reduce((a, p) => a + p.held, 0);
  const remaining = required - held;
  const daysLeft = daysLeftOf(window, now, tz);
  const current = parts.find((p) => now >= p.start && now < p.end);
  const missedPart = parts.some((p) => now >= p.end && p.held < p.required);
  const atRisk = remaining > 0 && now < window.end && (daysLeft <= atRiskDays || (!!current && current.held < current.required && daysLeftOf(current, now, tz) <= atRiskDays));
  const status: ComplianceStatus = remaining === 0 ? 'done' : missedPart || now >= window.end ? 'missed' : atRisk ? 'at_risk' : 'open';
  return { window: { start: window.start, end: window.end, key: window.key, label: window.label }, parts, required, held, remaining, daysLeft, atRisk, status };
}

type KindRow = { id: string; code: string; name: string; category: string; orgLevel: OrgKind; frequency: unknown };
type ListItem = { code: string; level: DutyLevel; content: string; post: string; rule: unknown; meetingKind: string | null };

/**
 * What the compliance of many nodes needs, loaded once with a handful of set-based queries (the 驾驶舱
 * reports on every branch of a work committee): the nodes and their 党小组, the meeting kinds, each
 * unit's list in force, the sessions that took place over the widest window of every period asked, and
 * the posts (for 党课 given by a named post). `complianceFrom` then computes a node's report from it.
 */
export interface ComplianceData {
  nodes: Map<string, { id: string; name: string; kind: OrgKind; parentId: string | null }>;
  groups: Map<string, Array<{ id: string; code: string; name: string }>>;
  kinds: KindRow[];
  /** The unit a node belongs to (the nearest unit above it, itself for a unit). */
  unitOf: Map<string, string>;
  /** `${unitId}|${year}`: the items naming a meeting kind of the list in force for that year. */
  lists: Map<string, ListItem[]>;
  /** Sessions that took place, counted or refused (quorum), by node. */
  counted: Map<string, HeldSession[]>;
  refused: Map<string, NotCounted[]>;
  /** Current posts by node. */
  posts: Map<string, Array<{ memberId: string; title: PostTitle }>>;
}

/** The widest window a report over `period` looks at: its year (a yearly rule) and the period itself. */
export function complianceWindow(period: PeriodRange, tz = DEFAULT_TZ): { from: Date; to: Date } {
  const widest = periodOf('year', period.start, tz);
  return { from: new Date(Math.min(widest.start.getTime(), period.start.getTime())), to: new Date(Math.max(widest.end.getTime(), period.end.getTime())) };
}

/** Load what the compliance of `nodeIds` for each of `periods` needs (see ComplianceData). */
export async function loadCompliance(tx: Tx, nodeIds: string[], periods: PeriodRange[], now: Date, tz = DEFAULT_TZ): Promise<ComplianceData> {
  // One after another: inside a transaction they share one connection.
  const nodes = await tx.orgNode.findMany({ where: { id: { in: nodeIds } }, select: { id: true, name: true, kind: true, parentId: true } });
  const branchIds = nodes.filter((n) => n.kind === 'BRANCH').map((n) => n.id);
  const groupRows = branchIds.length ? await tx.orgNode.findMany({ where: { parentId: { in: branchIds }, kind: 'GROUP' }, select: { id: true, code: true, name: true, parentId: true }, orderBy: { code: 'asc' } }) : [];
  const kinds = await tx.meetingKind.findMany({ select: { id: true, code: true, name: true, category: true, orgLevel: true, frequency: true }, orderBy: { code: 'asc' } });
  // Each node's nearest unit above (or itself).
  const ups = await tx.$queryRawUnsafe<Array<{ start: string; unitId: string }>>(
    `WITH RECURSIVE up AS (
       SELECT id AS start, id, kind::text AS kind, "parentId", 0 AS d FROM "OrgNode" WHERE id = ANY($1::text[])
       UNION ALL
       SELECT up.start, o.id, o.kind::text, o."parentId", up.d + 1 FROM "OrgNode" o JOIN up ON o.id = up."parentId" WHERE up.kind <> 'UNIT' AND up.d < 16)
     SELECT start, id AS "unitId" FROM up WHERE kind = 'UNIT'`,
    nodes.map((n) => n.id),
  );
  const unitOf = new Map(ups.map((r) => [r.start, r.unitId]));
  // The list in force per unit and year: the newest version of the newest year up to it.
  const unitIds = [...new Set(unitOf.values())];
  const lists = new Map<string, ListItem[]>();
  for (const year of [...new Set(periods.map((p) => p.year))]) {
    if (!unitIds.length) break;
    const chosen = await tx.$queryRawUnsafe<Array<{ id: string; unitId: string }>>(
      `SELECT DISTINCT ON ("unitId") id, "unitId" FROM "ResponsibilityList" WHERE "unitId" = ANY($1::text[]) AND year <= $2 ORDER BY "unitId", year DESC, version DESC`,
      unitIds,
      year,
    );
    const items = chosen.length ? await tx.responsibilityItem.findMany({ where: { listId: { in: chosen.map((c) => c.id) }, meetingKind: { not: null } }, select: { listId: true, code: true, level: true, content: true, post: true, rule: true, meetingKind: true }, orderBy: { code: 'asc' } }) : [];
    const byList = groupBy(items, (i) => i.listId);
    for (const c of chosen) lists.set(`${c.unitId}|${year}`, (byList.get(c.id) ?? []).map(({ listId: _, ...i }) => i));
  }
  const windows = periods.map((p) => complianceWindow(p, tz));
  const from = new Date(Math.min(...windows.map((w) => w.from.getTime())));
  const to = new Date(Math.max(...windows.map((w) => w.to.getTime())));
  const held = await takenPlace(tx, [...nodes.map((n) => n.id), ...groupRows.map((g) => g.id)], from, to, now);
  const postRows = await tx.post.findMany({ where: { orgNodeId: { in: nodes.map((n) => n.id) }, until: null }, select: { orgNodeId: true, memberId: true, title: true } });
  return {
    nodes: new Map(nodes.map((n) => [n.id, n])),
    groups: groupBy(groupRows, (g) => g.parentId!),
    kinds,
    unitOf,
    lists,
    counted: groupBy(held.counted, (s) => s.orgNodeId),
    refused: groupBy(held.refused, (r) => r.orgNodeId),
    posts: groupBy(postRows, (p) => p.orgNodeId),
  };
}

/** Whether a report of this query has the list's duty items (records, per-person duties) from the obligation engine. */
export function wantsDutyItems(kind: OrgKind, q: Pick<ComplianceQuery, 'includeDutyItems' | 'categories' | 'kindCodes'>): boolean {
  return q.includeDutyItems !== false && !!LEVEL_OF[kind] && !q.categories?.length && !q.kindCodes?.length;
}

export async function computeCompliance(tx: Tx, q: ComplianceQuery): Promise<ComplianceReport> {
  const tz = q.tz ?? DEFAULT_TZ;
  const data = await loadCompliance(tx, [q.orgNodeId], [q.period], q.now, tz);
  const node = data.nodes.get(q.orgNodeId) ?? (await tx.orgNode.findUniqueOrThrow({ where: { id: q.orgNodeId } }));
  const wants = wantsDutyItems(node.kind, q);
  // A filtered report (本季度组织生活完成情况) still needs the engine's word on what a held 组织生活会 or 民主评议 lacks.
  const gated = wants ? [] : (data.lists.get(`${data.unitOf.get(node.id)}|${q.period.year}`) ?? []).filter((i) => isGated(i.meetingKind)).map((i) => i.code);
  const engine = (itemCodes?: string[]) => computeObligations(tx, { rootId: node.id, period: q.period, now: q.now, tz, atRiskDays: q.atRiskDays ?? 10, itemCodes }).then((r) => r.obligations);
  const obligations = q.obligations ?? (wants ? await engine() : gated.length ? await engine(gated) : []);
  return complianceFrom(data, { ...q, obligations });
}

/** Pure: the report of `q.orgNodeId` from loaded data (its periods' windows loaded) and the engine's obligations over a subtree holding it. */
export function complianceFrom(data: ComplianceData, q: ComplianceQuery): ComplianceReport {
  const tz = q.tz ?? DEFAULT_TZ;
  const atRiskDays = q.atRiskDays ?? 10;
  const node = data.nodes.get(q.orgNodeId);
  if (!node) throw new Error(`compliance: node ${q.orgNodeId} not loaded`);
  const groups = node.kind === 'BRANCH' ? (data.groups.get(node.id) ?? []) : [];
  const levels: OrgKind[] = node.kind === 'BRANCH' ? ['BRANCH', 'GROUP'] : [node.kind];
  let kinds = data.kinds.filter((k) => levels.includes(k.orgLevel));
  if (q.categories?.length) kinds = kinds.filter((k) => q.categories!.includes(k.category));
  if (q.kindCodes?.length) kinds = kinds.filter((k) => q.kindCodes!.includes(k.code));

  // Obligations, one clear rule: where the unit's list has an item naming a kind at this level, that item
  // replaces the kind's own rule (the deployment default, `meeting-kinds`) for this unit: the list's rule
  // and item code, as the engine has it; a kind the list does not name keeps its own rule. Further items
  // naming a kind, and a 党课 item naming its lecturer (书记讲党课), are obligations of their own beside it.
  // A kind the list makes a duty of each member (双报到) is counted per member, among the list items below.
  type Ob = { key: string; name: string; kind: KindRow; rule: FrequencyRule; itemCode: string | null; lecturerPosts: PostTitle[] | null };
  // A 党小组 follows its branch's list (党小组会 is a branch-level item).
  const level = LEVEL_OF[node.kind === 'GROUP' ? 'BRANCH' : node.kind];
  const withItems = q.includeDutyItems !== false && !!level;
  const unitId = data.unitOf.get(node.id);
  // The list's rules replace the kinds' own also where its other items are left out (the ledger's 应开实开, 季度要求).
  const listItems = level && unitId ? (data.lists.get(`${unitId}|${q.period.year}`) ?? []).filter((i) => i.level === level) : [];
  const perMemberKinds = new Set(withItems ? listItems.filter((i) => holderKindOf(i) === 'member').map((i) => i.meetingKind) : []);
  const ruled = listItems.flatMap((item) => {
    const kind = kinds.find((k) => k.code === item.meetingKind);
    const rule = item.rule as unknown as FrequencyRule | null;
    if (!kind || !rule?.period || !rule.atLeast || holderKindOf(item) === 'member') return [];
    const lecturerPosts = kind.code === 'party_lecture' ? (POST_HOLDERS[item.post] ?? null) : null;
    return [{ item, kind, rule: { period: rule.period, atLeast: rule.atLeast }, lecturerPosts }];
  });
  const replacing = new Map<string, (typeof ruled)[number]>();
  for (const r of ruled) if (!r.lecturerPosts && !replacing.has(r.kind.code)) replacing.set(r.kind.code, r);
  const obligations: Ob[] = kinds
    .filter((k) => !perMemberKinds.has(k.code))
    .map((k) => {
      const r = replacing.get(k.code);
      return { key: k.code, name: k.name, kind: k, rule: r?.rule ?? (k.frequency as unknown as FrequencyRule), itemCode: r?.item.code ?? null, lecturerPosts: null };
    });
  for (const r of withItems ? ruled : []) {
    if (replacing.get(r.kind.code) === r) continue;
    obligations.push({ key: `item:${r.item.code}`, name: r.item.content, kind: r.kind, rule: r.rule, itemCode: r.item.code, lecturerPosts: r.lecturerPosts });
  }

  // The sessions loaded may cover a wider span than this report's: each is filtered by its windows below.
  const lecturerPosts = data.posts.get(node.id) ?? [];
  const items: ComplianceItem[] = [];
  for (const ob of obligations) {
    const targets = ob.kind.orgLevel === 'GROUP' && node.kind === 'BRANCH' ? groups.map((g) => ({ nodeId: g.id, group: { id: g.id, name: g.name }, suffix: `@${g.code}` })) : [{ nodeId: node.id, group: null, suffix: '' }];
    for (const t of targets) {
      const sessions = (data.counted.get(t.nodeId) ?? []).filter((s) => s.kindId === ob.kind.id);
      const notCounted: NotCounted[] = (data.refused.get(t.nodeId) ?? []).filter((r) => r.kindId === ob.kind.id);
      let times = sessions.map((s) => s.startsAt);
      if (ob.lecturerPosts) {
        const by = new Set(lecturerPosts.filter((p) => ob.lecturerPosts!.includes(p.title)).map((p) => p.memberId));
        times = sessions.filter((s) => s.lecturerId && by.has(s.lecturerId)).map((s) => s.startsAt);
        notCounted.push(...sessions.filter((s) => !(s.lecturerId && by.has(s.lecturerId))).map(wrongLecturer));
      }
      const evaluated = evaluateRule(ob.rule, q.period, times, q.now, atRiskDays, tz);
      // 组织生活会, 民主评议党员: steps or results the engine finds missing keep a held meeting from counting as done.
      const missing = isGated(ob.kind.code) ? q.obligations?.find((o) => o.holder.node.id === t.nodeId && o.meetingKind === ob.kind.code && o.window.key === evaluated.window.key)?.missing : undefined;
      if (missing?.length && evaluated.status === 'done') {
        evaluated.status = statusOf(1, 0, evaluated.window, q.now, atRiskDays, tz, evaluated.daysLeft).status;
        evaluated.atRisk = evaluated.status === 'at_risk';
      }
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
        ...(missing?.length ? { missing } : {}),
      });
    }
  }

  // The list's other items with a rule for this node (records, per-person duties), from the obligation engine.
  if (wantsDutyItems(node.kind, q)) items.push(...dutyItems(q.obligations ?? [], node.id, q.period, q.now, tz));
  return { orgNode: { id: node.id, name: node.name, kind: node.kind }, period: q.period, items };
}

/** Category of list items met by records or per person, in compliance reports. */
export const DUTY_CATEGORY = '责任清单';

/** How many holders (people; 委员 pairs apart) an item has, and how many have done it. */
function holderCounts(obs: Obligation[]): NonNullable<ComplianceItem['holders']> {
  const key = (o: Obligation) => `${o.holder.member?.id ?? ''}+${o.holder.partner?.id ?? ''}`;
  const count = (list: Obligation[]) => ({ total: new Set(list.map(key)).size, done: new Set(list.filter((o) => o.status === 'done').map(key)).size });
  const people = obs.filter((o) => o.holder.kind !== 'pair');
  const pairs = obs.filter((o) => o.holder.kind === 'pair');
  return { kind: people.some((o) => o.holder.kind === 'post') ? 'post' : 'member', ...count(people), ...(pairs.length ? { pairs: count(pairs) } : {}) };
}

/**
 * The obligations of `node` itself that are not meetings of the node (records, per-post and per-member
 * duties), one compliance item per list item: its windows as parts, each needing every holder's count.
 */
function dutyItems(obligations: Obligation[], nodeId: string, period: PeriodRange, now: Date, tz: string): ComplianceItem[] {
  const mine = obligations.filter((o) => o.holder.node.id === nodeId && !(o.meetingKind && o.holder.kind === 'node'));
  const byItem = groupBy(mine, (o) => o.itemCode);
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
      daysLeft: daysLeftOf(window, now, tz),
      atRisk: status === 'at_risk',
      status,
      notCounted: [],
      holders: first.holder.kind === 'node' ? null : holderCounts(obs),
    });
  }
  return items;
}
