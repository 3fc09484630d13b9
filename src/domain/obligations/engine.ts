// The obligation engine: every item of a unit's responsibility list that has a frequency rule becomes
// obligations, one per period of the rule and per holder, over the whole tree or a subtree.
//
// Holders (who must do it), from the item:
// - a meeting item (meetingKind): the node that holds that kind of meeting (党组/单位, 机关党委, each
//   党支部, each 党小组 for 党小组会), met by the meetings that count as held (src/domain/life/held.ts);
//   a 党课 item whose post names a person (支部书记讲党课) counts only the sessions that person gave;
// - post 党员: each active member of each branch (党费, 双报到, 承诺), met by records for that member,
//   and for a meeting kind (双报到 community_service) also by the member's check-ins at such sessions;
// - 谈心谈话 (heart_talk), as pairs: 条例 第十八条「支部委员之间、支部委员和党员之间、党员和党员之间，每年谈心
//   谈话一般不少于1次」. Every pair of the branch's 委员 (支部委员会: 书记, 副书记, 组织/宣传/纪检委员) is an
//   obligation (holder kind `pair`), and each other member must have talked with at least one 委员 (holder
//   kind `member`; with no 委员 in office, with anyone), so a branch of n members has a few pairs and n
//   lines, not n²; talks between two ordinary members are recorded but tracked by no line. Met by talks
//   recorded with the partner (记录 谈心谈话 <姓名> …: one DutyRecord for each of the two, with partnerId);
//   a pair's holder names stay inside the branch (views above it count);
// - a post held by people (党组书记, 机关党委委员, 支部书记 …): each holder of that post at the node
//   (委员述职 per 委员), met by records for that holder; a vacant post leaves the node as the holder;
// - anything else: the node of the item's level, met by records for the node (DutyRecord).
//
// Periods: a rule shorter than the asked period gives one obligation per sub-period (支委会 monthly in
// 2026 gives twelve); a longer rule gives the one window of its own period that contains the asked
// period (组织生活会 yearly, asked for Q4, looks at the year). Status per obligation: done, open, at
// risk (something missing and at most `atRiskDays` days left), missed (the window is over).
import type { Tx } from '../../db/client.js';
import type { DutyLevel, OrgKind, PostTitle } from '../../generated/prisma/enums.js';
import type { FrequencyRule, Period } from '../meeting-kinds.js';
import { daysLeftIn, periodOf, subPeriods, type PeriodRange } from '../life/period.js';
import { DEFAULT_TZ } from '../life/time.js';
import { takenPlace, wrongLecturer, type NotCounted } from '../life/held.js';
import { groupBy } from '../group-by.js';
import { isGated, loadYearRecords, missingFor, type Missing } from './organizational-life.js';

export type ObligationStatus = 'done' | 'open' | 'at_risk' | 'missed';
export type HolderKind = 'node' | 'post' | 'member' | 'pair';

export interface OrgRef {
  id: string;
  code: string;
  name: string;
  kind: OrgKind;
  parentId: string | null;
}

export interface Holder {
  kind: HolderKind;
  node: OrgRef;
  /** How the node is named where it is shown: a 党小组 with its branch (第二党支部（规划处）第一党小组). */
  where: string;
  /** The person, for post and member holders (null: the post is vacant); the first of a pair. */
  member: { id: string; name: string } | null;
  /** The second of a pair (谈心谈话 between two 委员). */
  partner?: { id: string; name: string };
}

export interface MetBy {
  kind: 'meeting' | 'record' | 'attendance';
  id: string;
  at: Date;
  /** Meeting kind name, or the record's text. */
  what: string;
  topic: string | null;
}

export interface Obligation {
  /** Stable: item@node[:member]:window, e.g. B-02@demo-branch-1:2026-10. */
  key: string;
  unitId: string;
  itemCode: string;
  content: string;
  level: DutyLevel;
  post: string;
  meetingKind: string | null;
  rule: FrequencyRule;
  holder: Holder;
  window: { key: string; label: string; start: Date; end: Date };
  required: number;
  /** min(required, what met it) */
  met: number;
  daysLeft: number;
  status: ObligationStatus;
  metBy: MetBy[];
  /** Sessions in the window that took place but do not count, with the reason (quorum, lecturer). */
  notCounted: NotCounted[];
  /** 组织生活会 and 民主评议党员: what besides the meeting is still missing (src/domain/obligations/organizational-life.ts); not done until empty. */
  missing?: Missing[];
}

export interface UntrackedItem {
  unitId: string;
  itemCode: string;
  reason: 'unknown_kind' | 'no_node';
}

export interface ObligationReport {
  period: PeriodRange;
  /** Items with a rule in the lists that apply (per unit). */
  ruledItems: Array<{ unitId: string; itemCode: string }>;
  obligations: Obligation[];
  /** Items with a rule that yielded no obligation, and why. */
  untracked: UntrackedItem[];
}

export interface ObligationQuery {
  /** The subtree's root; the whole tree when absent. */
  rootId?: string;
  /** Instead of a subtree: only these nodes (and their 党小组), e.g. the branches whose kept 驾驶舱 figures are out of date. */
  nodeIds?: string[];
  period: PeriodRange;
  now: Date;
  tz?: string;
  atRiskDays?: number;
  /** Only these items (codes). */
  itemCodes?: string[];
}

const SPAN: Record<Period, number> = { month: 1, quarter: 3, half: 6, year: 12 };
const LEVEL_NODE: Record<DutyLevel, OrgKind> = { PARTY_GROUP: 'UNIT', ORGAN_COMMITTEE: 'ORGAN_COMMITTEE', BRANCH: 'BRANCH' };

/** Posts as lists name them that are held by people, and the titles that hold them. */
export const POST_HOLDERS: Record<string, PostTitle[]> = {
  党组书记: ['PARTY_GROUP_SECRETARY'],
  党委书记: ['PARTY_GROUP_SECRETARY'],
  党组成员: ['PARTY_GROUP_MEMBER'],
  机关党委书记: ['ORGAN_SECRETARY'],
  专职副书记: ['ORGAN_DEPUTY_SECRETARY'],
  机关党委委员: ['ORGAN_SECRETARY', 'ORGAN_DEPUTY_SECRETARY', 'ORGAN_COMMITTEE_MEMBER'],
  支部书记: ['BRANCH_SECRETARY'],
  支部委员: ['BRANCH_SECRETARY', 'BRANCH_DEPUTY_SECRETARY', 'ORGANIZING_MEMBER', 'PUBLICITY_MEMBER', 'DISCIPLINE_MEMBER'],
  党小组长: ['GROUP_LEADER'],
};

/** The meeting kind recorded as talks between two members, each counting for both. */
export const PAIR_KIND = 'heart_talk';
/** The 支部委员会, whose members are paired for 谈心谈话. */
const BRANCH_COMMITTEE = POST_HOLDERS['支部委员']!;

/** Who holds an item's obligation (see the top of this file). */
export function holderKindOf(item: { post: string; meetingKind: string | null }): HolderKind {
  // 谈心谈话 is between two people (条例: 委员之间、委员和党员、党员之间), not a branch meeting: each member needs one.
  if (item.post === '党员' || item.meetingKind === PAIR_KIND) return 'member';
  if (item.meetingKind) return 'node';
  return POST_HOLDERS[item.post] ? 'post' : 'node';
}

/** The windows of `rule` that a report over `period` looks at. */
export function windowsOf(rule: FrequencyRule, period: PeriodRange, tz = DEFAULT_TZ): PeriodRange[] {
  return SPAN[rule.period] <= SPAN[period.kind] ? subPeriods(rule.period, period, tz) : [periodOf(rule.period, period.start, tz)];
}

export function statusOf(required: number, count: number, window: { start: Date; end: Date }, now: Date, atRiskDays: number, tz = DEFAULT_TZ, daysLeft = daysLeftIn(window, now, tz)): { status: ObligationStatus; daysLeft: number } {
  if (count >= required) return { status: 'done', daysLeft };
  if (now >= window.end) return { status: 'missed', daysLeft };
  return { status: now >= window.start && daysLeft <= atRiskDays ? 'at_risk' : 'open', daysLeft };
}

/**
 * The nodes the engine looks at (`all`): the whole tree, or the subtree of `rootId` (or the nodes `nodeIds`
 * and their 党小组) with their ancestors (for the unit above); and those in scope (`inScope`; all when absent).
 */
async function treeOf(tx: Tx, rootId?: string, nodeIds?: string[]): Promise<{ all: Map<string, OrgRef>; inScope: Set<string> }> {
  if (nodeIds) {
    const rows = await tx.$queryRawUnsafe<Array<OrgRef & { own: boolean }>>(
      `WITH RECURSIVE up AS (SELECT id, "parentId", 0 AS d FROM "OrgNode" WHERE id = ANY($1::text[])
                             UNION ALL SELECT o.id, o."parentId", up.d + 1 FROM "OrgNode" o JOIN up ON o.id = up."parentId" WHERE up.d < 16),
            own AS (SELECT id FROM "OrgNode" WHERE id = ANY($1::text[]) UNION SELECT id FROM "OrgNode" WHERE "parentId" = ANY($1::text[]) AND kind = 'GROUP')
       SELECT id, code, name, kind::text AS kind, "parentId", id IN (SELECT id FROM own) AS own FROM "OrgNode"
        WHERE id IN (SELECT id FROM up UNION SELECT id FROM own) ORDER BY code`,
      nodeIds,
    );
    return { all: new Map(rows.map(({ own: _, ...r }) => [r.id, r])), inScope: new Set(rows.filter((r) => r.own).map((r) => r.id)) };
  }
  const rows = rootId
    ? await tx.$queryRawUnsafe<OrgRef[]>(
        `WITH RECURSIVE down AS (SELECT id, 0 AS d FROM "OrgNode" WHERE id = $1
                                 UNION ALL SELECT o.id, down.d + 1 FROM "OrgNode" o JOIN down ON o."parentId" = down.id WHERE down.d < 16),
                       up AS (SELECT id, "parentId", 0 AS d FROM "OrgNode" WHERE id = $1
                              UNION ALL SELECT o.id, o."parentId", up.d + 1 FROM "OrgNode" o JOIN up ON o.id = up."parentId" WHERE up.d < 16)
         SELECT id, code, name, kind::text AS kind, "parentId" FROM "OrgNode" WHERE id IN (SELECT id FROM down UNION SELECT id FROM up) ORDER BY code`,
        rootId,
      )
    : await tx.orgNode.findMany({ select: { id: true, code: true, name: true, kind: true, parentId: true }, orderBy: { code: 'asc' } });
  const all = new Map(rows.map((r) => [r.id, r]));
  if (!rootId) return { all, inScope: new Set(all.keys()) };
  const children = groupBy(rows.filter((r) => r.parentId), (r) => r.parentId!);
  const inScope = new Set<string>();
  const stack = [rootId];
  while (stack.length) {
    const id = stack.pop()!;
    if (inScope.has(id)) continue;
    inScope.add(id);
    stack.push(...(children.get(id) ?? []).map((c) => c.id));
  }
  return { all, inScope };
}

/** The unit a node belongs to (itself for a unit), or null above units. */
function unitAbove(all: Map<string, OrgRef>, id: string): string | null {
  for (let n = all.get(id), i = 0; n && i < 16; n = n.parentId ? all.get(n.parentId) : undefined, i++) if (n.kind === 'UNIT') return n.id;
  return null;
}

/** Stands for what `loadObligations` read: the subtree, the lists in force for the period's year, and what can meet an obligation over that year. */
export type ObligationInputs = Awaited<ReturnType<typeof loadObligations>>;

/**
 * The loading half of computeObligations: the tree, lists and everything that can meet an obligation over
 * the year around `q.period`. A caller reporting two periods of the same year (the 驾驶舱: this quarter and
 * the last) loads once and hands it to computeObligations for each.
 */
export async function loadObligations(tx: Tx, q: ObligationQuery) {
  const tz = q.tz ?? DEFAULT_TZ;
  const { all, inScope } = await treeOf(tx, q.rootId, q.nodeIds);
  const nodeUnit = new Map<string, string>();
  for (const id of inScope) {
    const u = unitAbove(all, id);
    if (u) nodeUnit.set(id, u);
  }
  const units = [...new Set(nodeUnit.values())].sort();

  // The list in force for each unit: the newest version of the newest year up to the period's.
  // Two queries for all units (a work committee has hundreds).
  const lists = new Map<string, Array<{ code: string; level: DutyLevel; post: string; content: string; rule: FrequencyRule; meetingKind: string | null }>>();
  const chosen = units.length
    ? await tx.$queryRawUnsafe<Array<{ id: string; unitId: string }>>(
        `SELECT DISTINCT ON ("unitId") id, "unitId" FROM "ResponsibilityList" WHERE "unitId" = ANY($1::text[]) AND year <= $2 ORDER BY "unitId", year DESC, version DESC`,
        units,
        q.period.year,
      )
    : [];
  const itemRows = chosen.length ? await tx.responsibilityItem.findMany({ where: { listId: { in: chosen.map((c) => c.id) }, rule: { not: { equals: null } } }, orderBy: { code: 'asc' }, select: { listId: true, code: true, level: true, post: true, content: true, rule: true, meetingKind: true } }) : [];
  const listItems = groupBy(itemRows, (i) => i.listId);
  for (const { id, unitId } of chosen) {
    const items = (listItems.get(id) ?? [])
      .map(({ listId: _, ...i }) => ({ ...i, rule: i.rule as unknown as FrequencyRule }))
      .filter((i) => i.rule?.period && i.rule.atLeast && (!q.itemCodes || q.itemCodes.includes(i.code)));
    lists.set(unitId, items);
  }

  const kinds = new Map((await tx.meetingKind.findMany({ select: { id: true, code: true, name: true, orgLevel: true } })).map((k) => [k.code, k]));
  const scoped = [...inScope].map((id) => all.get(id)!).filter((n) => nodeUnit.has(n.id));
  const scopedAt = groupBy(scoped, (n) => `${nodeUnit.get(n.id)}|${n.kind}`);
  const nodesOf = (unitId: string, kind: OrgKind) => scopedAt.get(`${unitId}|${kind}`) ?? [];

  // Everything that can meet an obligation, over the widest window (a year) around the period.
  const year = periodOf('year', q.period.start, tz);
  const from = new Date(Math.min(year.start.getTime(), q.period.start.getTime()));
  const to = new Date(Math.max(year.end.getTime(), q.period.end.getTime()));
  const scopedIds = scoped.map((n) => n.id);
  const branchIds = scoped.filter((n) => n.kind === 'BRANCH').map((n) => n.id);
  // One after another: inside a transaction they share one connection.
  const { counted, refused } = await takenPlace(tx, scopedIds, from, to, q.now);
  const [posts, members, records] = [
    await tx.post.findMany({ where: { orgNodeId: { in: scopedIds }, until: null, member: { active: true } }, select: { orgNodeId: true, title: true, member: { select: { id: true, name: true } } }, orderBy: [{ since: 'asc' }, { id: 'asc' }] }),
    await tx.member.findMany({ where: { branchId: { in: branchIds }, active: true }, select: { id: true, name: true, branchId: true, employeeNo: true }, orderBy: [{ employeeNo: 'asc' }, { id: 'asc' }] }),
    // Only what the rules read: a work committee's year is a hundred thousand rows and more.
    await tx.dutyRecord.findMany({ where: { orgNodeId: { in: scopedIds }, voidedAt: null, occurredAt: { gte: from, lt: to } }, select: { id: true, itemCode: true, orgNodeId: true, memberId: true, partnerId: true, occurredAt: true, text: true }, orderBy: { occurredAt: 'asc' } }),
  ];
  const memberKinds = [...new Set([...lists.values()].flat().filter((i) => i.post === '党员' && i.meetingKind).map((i) => i.meetingKind!))];
  const checkins = memberKinds.length
    ? await tx.attendance.findMany({
        where: {
          // The members' branches, not their ids: a work committee's tens of thousands exceed a query's parameters.
          member: { branchId: { in: branchIds }, active: true },
          status: { in: ['PRESENT', 'LATE'] },
          session: { status: { not: 'CANCELLED' }, startsAt: { gte: from, lt: to, lte: q.now }, kind: { code: { in: memberKinds } } },
        },
        select: { memberId: true, session: { select: { id: true, startsAt: true, topic: true, kind: { select: { code: true, name: true } } } } },
      })
    : [];

  // 组织生活会 steps and 民主评议 results of the year, when the lists have those items.
  const gated = [...lists.values()].flat().some((i) => isGated(i.meetingKind));
  const yearRecords = gated ? await loadYearRecords(tx, branchIds, q.period.year) : new Map();

  // Indexes, so that a large tree stays linear: by node (and kind or item), by member.
  const group = groupBy;
  const countedAt = group(counted, (s) => `${s.kindId}|${s.orgNodeId}`);
  const refusedAt = group(refused, (r) => `${r.kindId}|${r.orgNodeId}`);
  const checkinsOf = group(checkins, (c) => `${c.memberId}|${c.session.kind.code}`);
  const recordsAt = group(records, (r) => `${r.itemCode}|${r.orgNodeId}`);
  // A member's own (per-member items): a branch's 党费 records are thousands a year, each member looks at theirs.
  const recordsOf = group(records, (r) => `${r.itemCode}|${r.orgNodeId}|${r.memberId ?? ''}`);
  const membersAt = group(members, (m) => m.branchId);
  const postsAt = group(posts, (p) => p.orgNodeId);
  const employeeNo = new Map(members.map((m) => [m.id, m.employeeNo]));

  return { reuse: reuseKey(q, tz), all, units, lists, kinds, nodesOf, from, posts, members, yearRecords, countedAt, refusedAt, checkinsOf, recordsAt, membersAt, postsAt, employeeNo, recordsOf };
}

/** Inputs loaded for one query serve another with the same subtree, items, clock and year window. */
function reuseKey(q: ObligationQuery, tz: string): string {
  const year = periodOf('year', q.period.start, tz);
  return JSON.stringify([q.rootId ?? null, q.nodeIds ?? null, q.itemCodes ?? null, q.now.getTime(), tz, year.key, q.period.year, Math.min(year.start.getTime(), q.period.start.getTime()), Math.max(year.end.getTime(), q.period.end.getTime())]);
}

export async function computeObligations(tx: Tx, q: ObligationQuery, loaded?: ObligationInputs): Promise<ObligationReport> {
  const tz = q.tz ?? DEFAULT_TZ;
  const atRiskDays = q.atRiskDays ?? 10;
  const { all, units, lists, kinds, nodesOf, from, posts, members, yearRecords, countedAt, refusedAt, checkinsOf, recordsAt, membersAt, postsAt, employeeNo, recordsOf } = loaded?.reuse === reuseKey(q, tz) ? loaded : await loadObligations(tx, q);

  // Local-time arithmetic is the costly part: each rule's windows and each window's days left once.
  const windowCache = new Map<Period, PeriodRange[]>();
  const windowsFor = (rule: FrequencyRule) => windowCache.get(rule.period) ?? windowCache.set(rule.period, windowsOf(rule, q.period, tz)).get(rule.period)!;
  const daysCache = new Map<string, number>();
  const daysLeftOf = (w: PeriodRange) => daysCache.get(w.key) ?? daysCache.set(w.key, daysLeftIn(w, q.now, tz)).get(w.key)!;

  const idOf = (m: { id: string }) => employeeNo.get(m.id) ?? m.id;
  // A branch's members as holders, once per branch (not once per item: tens of items, tens of thousands of members).
  const peopleCache = new Map<string, Array<{ id: string; name: string }>>();
  const peopleAt = (nodeId: string) => peopleCache.get(nodeId) ?? peopleCache.set(nodeId, (membersAt.get(nodeId) ?? []).map((m) => ({ id: m.id, name: m.name }))).get(nodeId)!;
  const report: ObligationReport = { period: q.period, ruledItems: [], obligations: [], untracked: [] };
  for (const unitId of units) {
    for (const item of lists.get(unitId) ?? []) {
      report.ruledItems.push({ unitId, itemCode: item.code });
      const kind = item.meetingKind ? kinds.get(item.meetingKind) : undefined;
      if (item.meetingKind && !kind) {
        report.untracked.push({ unitId, itemCode: item.code, reason: 'unknown_kind' });
        continue;
      }
      const hk = holderKindOf(item);
      const nodeKind: OrgKind = hk === 'member' ? 'BRANCH' : kind ? kind.orgLevel : LEVEL_NODE[item.level];
      const nodes = nodesOf(unitId, nodeKind);
      if (!nodes.length) {
        // A unit outside the subtree's reach (a branch asked for alone has no 党组 node in scope) is not "untracked".
        if (!(q.rootId || q.nodeIds) || nodesOf(unitId, 'BRANCH').length === 0 || nodeKind === 'BRANCH' || nodeKind === 'GROUP') report.untracked.push({ unitId, itemCode: item.code, reason: 'no_node' });
        continue;
      }
      const titles = POST_HOLDERS[item.post];
      const holdersAt = (node: OrgRef) => (titles ? (postsAt.get(node.id) ?? []).filter((p) => titles.includes(p.title)).map((p) => p.member) : []);
      for (const node of nodes) {
        const where = node.kind === 'GROUP' && node.parentId ? `${all.get(node.parentId)?.name ?? ''}${node.name}` : node.name;
        let holders: Holder[];
        const people = peopleAt(node.id);
        // 谈心谈话: the 委员 among the branch's members, in the members' order.
        const committee = kind?.code === PAIR_KIND ? new Set((postsAt.get(node.id) ?? []).filter((p) => BRANCH_COMMITTEE.includes(p.title)).map((p) => p.member.id)) : null;
        if (committee) {
          const members = people.filter((m) => committee.has(m.id));
          holders = members.flatMap((a, i) => members.slice(i + 1).map((b) => ({ kind: 'pair' as const, node, where, member: a, partner: b })));
          holders.push(...people.filter((m) => !committee.has(m.id)).map((m) => ({ kind: 'member' as const, node, where, member: m })));
        } else if (hk === 'member') holders = people.map((m) => ({ kind: 'member' as const, node, where, member: m }));
        else if (hk === 'post') {
          const seen = new Set<string>();
          const people = holdersAt(node).filter((m) => !seen.has(m.id) && seen.add(m.id));
          holders = people.length ? people.map((m) => ({ kind: 'post' as const, node, where, member: m })) : [{ kind: 'post', node, where, member: null }];
        } else holders = [{ kind: 'node', node, where, member: null }];
        const lecturers = kind?.code === 'party_lecture' && titles ? new Set(holdersAt(node).map((m) => m.id)) : null;

        for (const holder of holders) {
          for (const w of windowsFor(item.rule)) {
            const ws = w.start.getTime();
            const we = w.end.getTime();
            const inWindow = (t: Date) => {
              const x = t.getTime();
              return x >= ws && x < we;
            };
            const metBy: MetBy[] = [];
            const notCounted: NotCounted[] = [];
            if (kind && hk === 'node') {
              for (const s of countedAt.get(`${kind.id}|${node.id}`) ?? []) {
                if (!inWindow(s.startsAt)) continue;
                if (lecturers && !(s.lecturerId && lecturers.has(s.lecturerId))) notCounted.push(wrongLecturer(s));
                else metBy.push({ kind: 'meeting', id: s.id, at: s.startsAt, what: s.kindName, topic: s.topic });
              }
              for (const r of refusedAt.get(`${kind.id}|${node.id}`) ?? []) if (inWindow(r.startsAt)) notCounted.push(r);
            }
            if (kind && hk === 'member' && holder.member) {
              for (const c of checkinsOf.get(`${holder.member.id}|${kind.code}`) ?? []) if (inWindow(c.session.startsAt)) metBy.push({ kind: 'attendance', id: c.session.id, at: c.session.startsAt, what: c.session.kind.name, topic: c.session.topic });
            }
            if (!kind || hk === 'member') {
              for (const r of (holder.member ? recordsOf.get(`${item.code}|${node.id}|${holder.member.id}`) : recordsAt.get(`${item.code}|${node.id}`)) ?? []) {
                if (!inWindow(r.occurredAt)) continue;
                if (holder.member ? r.memberId !== holder.member.id : false) continue;
                // A pair by a talk with the other; a member by a talk with a 委员 (a record from before partners were kept counts).
                if (holder.partner ? r.partnerId !== holder.partner.id : committee?.size && r.partnerId && !committee.has(r.partnerId)) continue;
                metBy.push({ kind: 'record', id: r.id, at: r.occurredAt, what: r.text, topic: null });
              }
            }
            const missing = kind && hk === 'node' && isGated(kind.code) ? missingFor(kind.code, yearRecords.get(node.id), (membersAt.get(node.id) ?? []).map((m) => m.id)) : undefined;
            const { status, daysLeft } = statusOf(item.rule.atLeast, missing?.length ? 0 : metBy.length, w, q.now, atRiskDays, tz, daysLeftOf(w));
            const who = holder.member ? `:${idOf(holder.member)}${holder.partner ? `+${idOf(holder.partner)}` : ''}` : '';
            report.obligations.push({
              key: `${item.code}@${node.code}${who}:${w.key}`,
              unitId,
              itemCode: item.code,
              content: item.content,
              level: item.level,
              post: item.post,
              meetingKind: item.meetingKind,
              rule: item.rule,
              holder,
              window: { key: w.key, label: w.label, start: w.start, end: w.end },
              required: item.rule.atLeast,
              met: Math.min(metBy.length, item.rule.atLeast),
              daysLeft,
              status,
              metBy,
              notCounted,
              ...(missing ? { missing } : {}),
            });
          }
        }
      }
    }
  }
  return report;
}
