// The obligation engine: every item of a unit's responsibility list that has a frequency rule becomes
// obligations, one per period of the rule and per holder, over the whole tree or a subtree.
//
// Holders (who must do it), from the item:
// - a meeting item (meetingKind): the node that holds that kind of meeting (党组/单位, 机关党委, each
//   党支部, each 党小组 for 党小组会), met by the meetings that count as held (src/domain/life/held.ts);
//   a 党课 item whose post names a person (支部书记讲党课) counts only the sessions that person gave;
// - post 党员: each active member of each branch (党费, 双报到, 承诺), met by records for that member,
//   and for a meeting kind (双报到 community_service) also by the member's check-ins at such sessions;
// - 谈心谈话 (heart_talk): each member, met by a talk recorded with a partner (one record for each of
//   the two) or by a check-in at a 谈心谈话 session;
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

export type ObligationStatus = 'done' | 'open' | 'at_risk' | 'missed';
export type HolderKind = 'node' | 'post' | 'member';

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
  /** The person, for post and member holders (null: the post is vacant). */
  member: { id: string; name: string } | null;
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

/** Every node of the tree, and those in the subtree of `rootId` (all when absent). */
async function treeOf(tx: Tx, rootId?: string): Promise<{ all: Map<string, OrgRef>; inScope: Set<string> }> {
  const rows = await tx.orgNode.findMany({ select: { id: true, code: true, name: true, kind: true, parentId: true }, orderBy: { code: 'asc' } });
  const all = new Map(rows.map((r) => [r.id, r]));
  if (!rootId) return { all, inScope: new Set(all.keys()) };
  const children = new Map<string, string[]>();
  for (const r of rows) if (r.parentId) children.set(r.parentId, [...(children.get(r.parentId) ?? []), r.id]);
  const inScope = new Set<string>();
  const stack = [rootId];
  while (stack.length) {
    const id = stack.pop()!;
    if (inScope.has(id)) continue;
    inScope.add(id);
    stack.push(...(children.get(id) ?? []));
  }
  return { all, inScope };
}

/** The unit a node belongs to (itself for a unit), or null above units. */
function unitAbove(all: Map<string, OrgRef>, id: string): string | null {
  for (let n = all.get(id), i = 0; n && i < 16; n = n.parentId ? all.get(n.parentId) : undefined, i++) if (n.kind === 'UNIT') return n.id;
  return null;
}

export async function computeObligations(tx: Tx, q: ObligationQuery): Promise<ObligationReport> {
  const tz = q.tz ?? DEFAULT_TZ;
  const atRiskDays = q.atRiskDays ?? 10;
  const { all, inScope } = await treeOf(tx, q.rootId);
  const nodeUnit = new Map<string, string>();
  for (const id of inScope) {
    const u = unitAbove(all, id);
    if (u) nodeUnit.set(id, u);
  }
  const units = [...new Set(nodeUnit.values())].sort();

  // The list in force for each unit: the newest version of the newest year up to the period's.
  const lists = new Map<string, Array<{ code: string; level: DutyLevel; post: string; content: string; rule: FrequencyRule; meetingKind: string | null }>>();
  for (const unitId of units) {
    const list = await tx.responsibilityList.findFirst({
      where: { unitId, year: { lte: q.period.year } },
      orderBy: [{ year: 'desc' }, { version: 'desc' }],
      select: { items: { where: { rule: { not: { equals: null } } }, orderBy: { code: 'asc' }, select: { code: true, level: true, post: true, content: true, rule: true, meetingKind: true } } },
    });
    const items = (list?.items ?? [])
      .map((i) => ({ ...i, rule: i.rule as unknown as FrequencyRule }))
      .filter((i) => i.rule?.period && i.rule.atLeast && (!q.itemCodes || q.itemCodes.includes(i.code)));
    lists.set(unitId, items);
  }

  const kinds = new Map((await tx.meetingKind.findMany({ select: { id: true, code: true, name: true, orgLevel: true } })).map((k) => [k.code, k]));
  const scoped = [...inScope].map((id) => all.get(id)!).filter((n) => nodeUnit.has(n.id));
  const nodesOf = (unitId: string, kind: OrgKind) => scoped.filter((n) => n.kind === kind && nodeUnit.get(n.id) === unitId);

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
    await tx.dutyRecord.findMany({ where: { orgNodeId: { in: scopedIds }, voidedAt: null, occurredAt: { gte: from, lt: to } }, orderBy: { occurredAt: 'asc' } }),
  ];
  const memberKinds = [...new Set([...lists.values()].flat().filter((i) => i.post === '党员' && i.meetingKind).map((i) => i.meetingKind!))];
  const checkins = memberKinds.length
    ? await tx.attendance.findMany({
        where: {
          memberId: { in: members.map((m) => m.id) },
          status: { in: ['PRESENT', 'LATE'] },
          session: { status: { not: 'CANCELLED' }, startsAt: { gte: from, lt: to, lte: q.now }, kind: { code: { in: memberKinds } } },
        },
        select: { memberId: true, session: { select: { id: true, startsAt: true, topic: true, kind: { select: { code: true, name: true } } } } },
      })
    : [];

  // Indexes, so that a large tree stays linear: by node (and kind or item), by member.
  const group = <T>(rows: T[], key: (r: T) => string) => {
    const m = new Map<string, T[]>();
    for (const r of rows) {
      const k = key(r);
      const list = m.get(k);
      if (list) list.push(r);
      else m.set(k, [r]);
    }
    return m;
  };
  const countedAt = group(counted, (s) => `${s.kindId}|${s.orgNodeId}`);
  const refusedAt = group(refused, (r) => `${r.kindId}|${r.orgNodeId}`);
  const checkinsOf = group(checkins, (c) => `${c.memberId}|${c.session.kind.code}`);
  const recordsAt = group(records, (r) => `${r.itemCode}|${r.orgNodeId}`);
  const membersAt = group(members, (m) => m.branchId);
  const employeeNo = new Map(members.map((m) => [m.id, m.employeeNo]));

  // Local-time arithmetic is the costly part: each rule's windows and each window's days left once.
  const windowCache = new Map<Period, PeriodRange[]>();
  const windowsFor = (rule: FrequencyRule) => windowCache.get(rule.period) ?? windowCache.set(rule.period, windowsOf(rule, q.period, tz)).get(rule.period)!;
  const daysCache = new Map<string, number>();
  const daysLeftOf = (w: PeriodRange) => daysCache.get(w.key) ?? daysCache.set(w.key, daysLeftIn(w, q.now, tz)).get(w.key)!;

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
        if (!q.rootId || nodesOf(unitId, 'BRANCH').length === 0 || nodeKind === 'BRANCH' || nodeKind === 'GROUP') report.untracked.push({ unitId, itemCode: item.code, reason: 'no_node' });
        continue;
      }
      const titles = POST_HOLDERS[item.post];
      const holdersAt = (node: OrgRef) => (titles ? posts.filter((p) => p.orgNodeId === node.id && titles.includes(p.title)).map((p) => p.member) : []);
      for (const node of nodes) {
        const where = node.kind === 'GROUP' && node.parentId ? `${all.get(node.parentId)?.name ?? ''}${node.name}` : node.name;
        let holders: Holder[];
        if (hk === 'member') holders = (membersAt.get(node.id) ?? []).map((m) => ({ kind: 'member' as const, node, where, member: { id: m.id, name: m.name } }));
        else if (hk === 'post') {
          const seen = new Set<string>();
          const people = holdersAt(node).filter((m) => !seen.has(m.id) && seen.add(m.id));
          holders = people.length ? people.map((m) => ({ kind: 'post' as const, node, where, member: m })) : [{ kind: 'post', node, where, member: null }];
        } else holders = [{ kind: 'node', node, where, member: null }];
        const lecturers = kind?.code === 'party_lecture' && titles ? new Set(holdersAt(node).map((m) => m.id)) : null;

        for (const holder of holders) {
          for (const w of windowsFor(item.rule)) {
            const inWindow = (t: Date) => t >= w.start && t < w.end;
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
              for (const r of recordsAt.get(`${item.code}|${node.id}`) ?? []) {
                if (!inWindow(r.occurredAt)) continue;
                if (holder.member ? r.memberId !== holder.member.id : false) continue;
                metBy.push({ kind: 'record', id: r.id, at: r.occurredAt, what: r.text, topic: null });
              }
            }
            const { status, daysLeft } = statusOf(item.rule.atLeast, metBy.length, w, q.now, atRiskDays, tz, daysLeftOf(w));
            const who = holder.member ? `:${employeeNo.get(holder.member.id) ?? holder.member.id}` : '';
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
            });
          }
        }
      }
    }
  }
  return report;
}
