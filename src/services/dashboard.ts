// 驾驶舱: how every branch and unit stands for a period, for the 机关党委 (its branches) and the 工委
// (its units, rolled up), with the previous period beside it (domain review §4a).
//
// Figures per branch come from the same places the branch itself sees them: obligations from the
// compliance service's computation (src/domain/life/compliance.ts, so the numbers equal the branch's
// own 完成情况), 纪实 from the held sessions and their minutes, attendance as rates, pledges as counts,
// 工作提示 as delivered / acknowledged. Never shown: an order of branches or members by any figure,
// per-member figures or leave reasons above the branch, read or response times. Branches and units come
// in the order of their codes (the roster's order), never sorted by a figure.
//
// Who sees what (src/access): a branch's view for its 支委 (and everyone above who may see the branch);
// a 机关党委's or a unit's view for their posts and the 工委 above; the 工委's for its posts. Names of
// people appear only in a branch's meeting list, and only to that branch's managers (branch.manage).
import type { OrgKind } from '../generated/prisma/enums.js';
import { can, ORGAN_POSTS, WORK_COMMITTEE_POSTS, BRANCH_COMMITTEE_POSTS, adminGrantsAt } from '../access/index.js';
import { takenPlace } from '../domain/life/held.js';
import { periodOf, previousPeriod, type PeriodRange } from '../domain/life/period.js';
import { countLines, emptyFigures, figuresFor, zeroCounts, type BranchFigures, type DashboardOptions, type Figures, type ObligationLine, type StatusCounts, type TreeNode } from './dashboard-figures.js';
import { fail, type Unit } from './kernel.js';

export type { AttendanceFigures, BranchFigures, DashboardOptions, Figures, ObligationLine, PledgeFigures, PromptFigures, RecordFigures, StatusCounts } from './dashboard-figures.js';

/** A record that met a list item (记录 …), with its evidence: only for the branch's managers. */
export interface RecordLine {
  id: string;
  at: Date;
  text: string;
  /** Whose duty it met (per-person items), else null. */
  member: string | null;
  evidence: Array<{ kind: string; title: string | null; url: string | null; sha256: string | null }>;
}

export interface RollUp extends Figures {
  branches: number;
  branchesAllDone: number;
  missed: number;
}

/** A 机关党委 (or a unit through its 机关党委): its own obligations and its branches. */
export interface OrganFigures {
  id: string;
  code: string;
  name: string;
  kind: OrgKind;
  /** The organ's and the 党组's own obligations (委员会议, 中心组学习 …). */
  own: ObligationLine[];
  ownCounts: StatusCounts;
  branches: BranchFigures[];
  rollUp: RollUp;
}

export interface PeriodRef {
  key: string;
  label: string;
}

export type DashboardView =
  | { level: 'committee'; node: NodeRef; period: PeriodRef; previous: PeriodRef; units: Array<{ id: string; code: string; name: string; own: StatusCounts; rollUp: RollUp; previous: RollUp }>; rollUp: RollUp; previousRollUp: RollUp }
  | { level: 'organ'; node: NodeRef; period: PeriodRef; previous: PeriodRef; organ: OrganFigures; previousRollUp: RollUp }
  | { level: 'branch'; node: NodeRef; period: PeriodRef; previous: PeriodRef; branch: BranchFigures; previousBranch: BranchFigures; meetings: MeetingLine[]; names: boolean };

export interface NodeRef {
  id: string;
  name: string;
  kind: OrgKind;
}

/** A branch's meeting in the period (drill-down below an obligation); `names` only for its managers. */
export interface MeetingLine {
  sessionId: string;
  kindCode: string;
  kindName: string;
  orgNodeName: string;
  topic: string;
  startsAt: Date;
  counted: boolean;
  hasMinutes: boolean;
  expected: number;
  attended: number;
  leave: number;
  /** Present only for the branch's managers: who attended, who was on leave (no reasons), who was absent. */
  names?: { attended: string[]; leave: string[]; absent: string[] };
}

async function subtree(unit: Unit, rootId: string): Promise<TreeNode[]> {
  return unit.tx.$queryRawUnsafe<TreeNode[]>(
    `WITH RECURSIVE down AS (
       SELECT id, code, name, kind::text AS kind, "parentId", 0 AS depth FROM "OrgNode" WHERE id = $1
       UNION ALL
       SELECT o.id, o.code, o.name, o.kind::text, o."parentId", down.depth + 1 FROM "OrgNode" o JOIN down ON o."parentId" = down.id WHERE down.depth < 16)
     SELECT id, code, name, kind, "parentId" FROM down ORDER BY code`,
    rootId,
  );
}

/**
 * Where the principal's 驾驶舱 starts: the 工委 for its posts, else the 机关党委 for its posts, else an
 * administrator's node, else the branch of a 支委 post. Members without any of these are refused.
 */
export async function dashboardHome(unit: Unit): Promise<NodeRef> {
  const p = unit.principal;
  if (p.kind !== 'member' || !p.member.active) fail('dashboard.not_allowed');
  const posts = p.member.posts;
  const pick = posts.find((x) => WORK_COMMITTEE_POSTS.includes(x.title))?.orgNodeId ?? posts.find((x) => ORGAN_POSTS.includes(x.title))?.orgNodeId ?? (await adminGrantsAt(unit.tx, p.member.id))[0] ?? posts.find((x) => BRANCH_COMMITTEE_POSTS.includes(x.title))?.orgNodeId;
  if (!pick) fail('dashboard.not_allowed');
  const node = await unit.tx.orgNode.findUniqueOrThrow({ where: { id: pick }, select: { id: true, name: true, kind: true } });
  return node;
}

/** Refuse unless the principal may see the node's 驾驶舱 (branch.view for a branch, tree.view above). */
async function authorizeNode(unit: Unit, nodeId: string): Promise<NodeRef> {
  const node = await unit.tx.orgNode.findUnique({ where: { id: nodeId }, select: { id: true, name: true, kind: true } });
  if (!node || node.kind === 'GROUP') fail('dashboard.not_allowed');
  if (unit.principal.kind !== 'system') {
    const ability = node.kind === 'BRANCH' ? 'branch.view' : 'tree.view';
    // Posts of a single member (a 党小组长, a 党组成员 seeing only through tree.view) do not make a viewer: the
    // 驾驶舱 is for the 支委, the 机关党委, the 工委 and administrators.
    const posts = unit.principal.kind === 'member' ? unit.principal.member.posts : [];
    const viewer = posts.some((x) => [...WORK_COMMITTEE_POSTS, ...ORGAN_POSTS, ...BRANCH_COMMITTEE_POSTS, 'PARTY_GROUP_SECRETARY'].includes(x.title));
    const admin = unit.principal.kind === 'member' && (await adminGrantsAt(unit.tx, unit.principal.member.id)).length > 0;
    if (!viewer && !admin) fail('dashboard.not_allowed');
    if (!(await can(unit.tx, unit.principal, ability, node.id))) fail('dashboard.not_allowed');
  }
  return node;
}

/** The 驾驶舱 of `nodeId` for `period` (工委, unit or 机关党委, or branch), with the previous period beside it. */
export async function dashboardView(unit: Unit, input: { nodeId: string; period: PeriodRange }, o: DashboardOptions): Promise<DashboardView> {
  const node = await authorizeNode(unit, input.nodeId);
  const prev = previousPeriod(input.period, o.timezone);
  const ref = (p: PeriodRange): PeriodRef => ({ key: p.key, label: p.label });
  const nodes = await subtree(unit, node.id);
  const branches = nodes.filter((n) => n.kind === 'BRANCH');
  // The nodes whose own obligations are shown: each unit and its 机关党委 (工委), or the node and its 机关党委.
  const owners = node.kind === 'BRANCH' ? [] : nodes.filter((n) => (n.kind === 'UNIT' || n.kind === 'ORGAN_COMMITTEE') && (node.kind === 'WORK_COMMITTEE' || n.id === node.id || n.parentId === node.id));
  // Kept figures where current, the rest computed (src/services/dashboard-figures.ts); a work committee's view
  // needs only the branches' counts, not their obligation lines.
  const figures = await figuresFor(unit, { nodes, branches, owners, periods: [input.period, prev], lines: node.kind !== 'WORK_COMMITTEE' }, o);
  const now = figures.get(input.period.key)!.branches;
  const before = figures.get(prev.key)!.branches;
  const owned = figures.get(input.period.key)!.owners;
  // A node's own: its own and its 机关党委's (a unit's 党组 and the 机关党委 under it).
  const ownOf = (nodeId: string) => owners.filter((t) => t.id === nodeId || (t.parentId === nodeId && t.kind === 'ORGAN_COMMITTEE')).flatMap((t) => owned.get(t.id) ?? []);
  const ownLines = (nodeId: string) => ownOf(nodeId).flatMap((w) => w.lines);
  const ownCounts = (nodeId: string) => {
    const c = zeroCounts();
    for (const w of ownOf(nodeId)) addTo(c, w.counts);
    return c;
  };

  if (node.kind === 'BRANCH') {
    const branch = now.get(node.id)!;
    const names = await can(unit.tx, unit.principal, 'branch.manage', node.id);
    const meetings = await meetingLines(unit, nodes, input.period, names);
    return { level: 'branch', node, period: ref(input.period), previous: ref(prev), branch, previousBranch: before.get(node.id)!, meetings, names };
  }
  if (node.kind === 'WORK_COMMITTEE') {
    const units = nodes.filter((n) => n.kind === 'UNIT');
    const below = branchesBelow(nodes);
    const out = units.map((u) => {
      const under = below.get(u.id) ?? [];
      return { id: u.id, code: u.code, name: u.name, own: ownCounts(u.id), rollUp: rollUp(under.map((b) => now.get(b.id)!)), previous: rollUp(under.map((b) => before.get(b.id)!)) };
    });
    return { level: 'committee', node, period: ref(input.period), previous: ref(prev), units: out, rollUp: rollUp([...now.values()]), previousRollUp: rollUp([...before.values()]) };
  }
  const own = ownLines(node.id);
  const list = branches.map((b) => now.get(b.id)!);
  return {
    level: 'organ',
    node,
    period: ref(input.period),
    previous: ref(prev),
    organ: { id: node.id, code: nodes[0]?.code ?? '', name: node.name, kind: node.kind, own, ownCounts: countLines(own), branches: list, rollUp: rollUp(list) },
    previousRollUp: rollUp([...before.values()]),
  };
}

/** One obligation of a branch with the meetings that could meet it (the drill-down below the obligation). */
export async function obligationDetail(
  unit: Unit,
  input: { branchId: string; key: string; period: PeriodRange },
  o: DashboardOptions,
): Promise<{ branch: NodeRef; line: ObligationLine; meetings: MeetingLine[]; records: RecordLine[]; names: boolean }> {
  const view = await dashboardView(unit, { nodeId: input.branchId, period: input.period }, o);
  if (view.level !== 'branch') fail('dashboard.not_allowed');
  const line = view.branch.lines.find((l) => l.key === input.key);
  if (!line) fail('dashboard.no_obligation');
  // Records carry members' words and pictures: like names, only for the branch's managers.
  const records = view.names && line.itemCode ? await recordLines(unit, view.node.id, line.itemCode, line.window ?? input.period) : [];
  return { branch: view.node, line, meetings: view.meetings.filter((m) => m.kindCode === line.kindCode), records, names: view.names };
}

async function recordLines(unit: Unit, branchId: string, itemCode: string, window: { start: Date; end: Date }): Promise<RecordLine[]> {
  const groups = await unit.tx.orgNode.findMany({ where: { parentId: branchId, kind: 'GROUP' }, select: { id: true } });
  const rows = await unit.tx.dutyRecord.findMany({
    where: { itemCode, voidedAt: null, occurredAt: { gte: window.start, lt: window.end }, orgNodeId: { in: [branchId, ...groups.map((g) => g.id)] } },
    orderBy: { occurredAt: 'asc' },
    select: { id: true, occurredAt: true, text: true, evidence: true, memberId: true },
  });
  const ids = [...new Set(rows.flatMap((r) => (r.memberId ? [r.memberId] : [])))];
  const names = new Map((await unit.tx.member.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } })).map((m) => [m.id, m.name]));
  return rows.map((r) => ({
    id: r.id,
    at: r.occurredAt,
    text: r.text,
    member: (r.memberId && names.get(r.memberId)) || null,
    evidence: ((r.evidence as Array<{ kind?: string; title?: string; url?: string; sha256?: string }> | null) ?? []).map((e) => ({ kind: e.kind ?? 'link', title: e.title ?? null, url: e.url ?? null, sha256: e.sha256 ?? null })),
  }));
}

/** A file kept as a record's evidence, for those who may see the record (the branch's managers). */
export async function recordFile(unit: Unit, input: { recordId: string; sha256: string }): Promise<string> {
  const r = await unit.tx.dutyRecord.findUnique({ where: { id: input.recordId }, select: { evidence: true, orgNodeId: true } });
  const node = r && (await unit.tx.orgNode.findUnique({ where: { id: r.orgNodeId }, select: { id: true, kind: true, parentId: true } }));
  if (!r || !node) fail('dashboard.no_obligation');
  const branchId = node.kind === 'GROUP' && node.parentId ? node.parentId : node.id;
  if (!(await can(unit.tx, unit.principal, 'branch.manage', branchId))) fail('dashboard.not_allowed');
  const kept = ((r.evidence as Array<{ sha256?: string }> | null) ?? []).some((e) => e.sha256 === input.sha256);
  if (!kept) fail('dashboard.no_obligation');
  return input.sha256;
}

/** The branches below each node of the subtree, in the subtree's order (one walk up from each branch). */
function branchesBelow(nodes: TreeNode[]): Map<string, TreeNode[]> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const below = new Map<string, TreeNode[]>();
  for (const b of nodes) {
    if (b.kind !== 'BRANCH') continue;
    for (let n = byId.get(b.parentId ?? ''), i = 0; n && i < 16; n = byId.get(n.parentId ?? ''), i++) {
      const list = below.get(n.id);
      if (list) list.push(b);
      else below.set(n.id, [b]);
    }
  }
  return below;
}

/** Add each count of `add` to `into`'s. */
function addTo<T extends object>(into: T, add: T): void {
  const sum = into as Record<string, number>;
  for (const k of Object.keys(sum)) sum[k]! += (add as Record<string, number>)[k]!;
}

function rollUp(list: BranchFigures[]): RollUp {
  const r: RollUp = { ...emptyFigures(), branches: list.length, branchesAllDone: 0, missed: 0 };
  for (const b of list) {
    if (b.allDone) r.branchesAllDone++;
    r.missed += b.obligations.missed;
    addTo(r.obligations, b.obligations);
    addTo(r.records, b.records);
    addTo(r.attendance, b.attendance);
    addTo(r.pledges, b.pledges);
    addTo(r.prompts, b.prompts);
  }
  return r;
}

/** The meetings of a branch (and its 党小组) that took place in the period; names only when `names`. */
async function meetingLines(unit: Unit, nodes: TreeNode[], period: PeriodRange, names: boolean): Promise<MeetingLine[]> {
  const { tx } = unit;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const { counted, refused } = await takenPlace(tx, nodes.map((n) => n.id), period.start, period.end, unit.now);
  const all = [
    ...counted.map((s) => ({ id: s.id, kindCode: s.kindCode, kindName: s.kindName, orgNodeId: s.orgNodeId, topic: s.topic, startsAt: s.startsAt, counted: true })),
    ...refused.map((s) => ({ id: s.sessionId, kindCode: '', kindName: s.kindName, orgNodeId: s.orgNodeId, topic: s.topic, startsAt: s.startsAt, counted: false })),
  ].sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
  if (!all.length) return [];
  const rows = await tx.meetingSession.findMany({
    where: { id: { in: all.map((s) => s.id) } },
    select: { id: true, kind: { select: { code: true } }, minutes: { select: { id: true } }, attendances: { select: { status: true, member: { select: { name: true, employeeNo: true } } }, orderBy: { member: { employeeNo: 'asc' } } } },
  });
  const info = new Map(rows.map((r) => [r.id, r]));
  return all.map((s) => {
    const r = info.get(s.id);
    const att = r?.attendances ?? [];
    const by = (...st: string[]) => att.filter((a) => st.includes(a.status)).map((a) => a.member.name);
    const line: MeetingLine = {
      sessionId: s.id,
      kindCode: r?.kind.code ?? s.kindCode,
      kindName: s.kindName,
      orgNodeName: byId.get(s.orgNodeId)?.name ?? '',
      topic: s.topic,
      startsAt: s.startsAt,
      counted: s.counted,
      hasMinutes: !!r?.minutes,
      expected: att.length,
      attended: by('PRESENT', 'LATE').length,
      leave: by('LEAVE').length,
    };
    if (names) line.names = { attended: by('PRESENT', 'LATE'), leave: by('LEAVE'), absent: by('ABSENT', 'PENDING') };
    return line;
  });
}

/**
 * The node a chat card is about: `organ` (本机关本季度党建情况) the 机关党委 whose chat it is, else the
 * member's own 机关党委 post, else the 机关党委 above the chat's branch for those who may see it; `committee`
 * (各单位本季度情况) the member's 工委 post, else a 工委 under an administrator's grant. Refused otherwise.
 */
export async function cardNode(unit: Unit, input: { which: 'organ' | 'committee'; subjectId: string }): Promise<NodeRef> {
  const p = unit.principal;
  if (p.kind !== 'member' || !p.member.active) fail('dashboard.card.not_allowed');
  const { tx } = unit;
  let id: string | undefined;
  if (input.which === 'committee') {
    id = p.member.posts.find((x) => WORK_COMMITTEE_POSTS.includes(x.title))?.orgNodeId;
    if (!id) {
      const grants = await adminGrantsAt(tx, p.member.id);
      id = (await tx.orgNode.findFirst({ where: { id: { in: grants }, kind: 'WORK_COMMITTEE' }, select: { id: true } }))?.id;
    }
  } else {
    const path = await tx.$queryRawUnsafe<Array<{ id: string; kind: string }>>(
      `WITH RECURSIVE up AS (SELECT id, kind::text AS kind, "parentId", 0 AS d FROM "OrgNode" WHERE id = $1
         UNION ALL SELECT o.id, o.kind::text, o."parentId", up.d + 1 FROM "OrgNode" o JOIN up ON o.id = up."parentId" WHERE up.d < 16)
       SELECT id, kind FROM up ORDER BY d`,
      input.subjectId,
    );
    const above = path.find((n) => n.kind === 'ORGAN_COMMITTEE')?.id;
    const own = p.member.posts.find((x) => ORGAN_POSTS.includes(x.title))?.orgNodeId;
    id = path[0]?.kind === 'ORGAN_COMMITTEE' ? path[0].id : (own ?? above);
  }
  if (!id || !(await can(tx, p, 'tree.view', id))) fail('dashboard.card.not_allowed');
  const viewer = p.member.posts.some((x) => [...WORK_COMMITTEE_POSTS, ...ORGAN_POSTS].includes(x.title)) || (await adminGrantsAt(tx, p.member.id)).length > 0;
  if (!viewer) fail('dashboard.card.not_allowed');
  return tx.orgNode.findUniqueOrThrow({ where: { id }, select: { id: true, name: true, kind: true } });
}

/** The tops of the org trees (a 工委, or a unit or 机关党委 with nothing above), whose figures `keepFigures` keeps. */
export async function treeRoots(unit: Unit): Promise<string[]> {
  if (unit.principal.kind !== 'system') fail('errors.internal');
  const roots = await unit.tx.orgNode.findMany({ where: { parentId: null, kind: { in: ['WORK_COMMITTEE', 'UNIT', 'ORGAN_COMMITTEE'] } }, select: { id: true }, orderBy: { code: 'asc' } });
  return roots.map((r) => r.id);
}

/**
 * Keep the figures of this quarter and the last for the tree under `rootId` (the system: after a start, which
 * empties them, and after midnight, when statuses move with the day), so that the first 工委 view of the day
 * reads kept rows instead of computing all of them.
 */
export async function keepFigures(unit: Unit, input: { rootId: string }, o: DashboardOptions): Promise<void> {
  if (unit.principal.kind !== 'system') fail('errors.internal');
  await dashboardView(unit, { nodeId: input.rootId, period: periodOf('quarter', unit.now, o.timezone) }, o);
}

// ───────────────────────── quarterly snapshots ─────────────────────────

const SNAPSHOT_KINDS: OrgKind[] = ['WORK_COMMITTEE', 'UNIT', 'ORGAN_COMMITTEE'];

/**
 * Freeze the last quarter's figures (the system, daily): once `afterDays` days have passed since the
 * quarter ended, every 工委, unit and 机关党委 gets one snapshot of its view for that quarter (never
 * replaced: later minutes of that quarter change the live view only). Returns how many were written.
 */
export async function freezeSnapshots(unit: Unit, o: DashboardOptions & { afterDays: number }): Promise<number> {
  if (unit.principal.kind !== 'system') fail('errors.internal');
  const quarter = previousPeriod(periodOf('quarter', unit.now, o.timezone), o.timezone);
  if (unit.now.getTime() < quarter.end.getTime() + o.afterDays * 86_400_000) return 0;
  const nodes = await unit.tx.orgNode.findMany({ where: { kind: { in: SNAPSHOT_KINDS } }, select: { id: true }, orderBy: { code: 'asc' } });
  const taken = new Set((await unit.tx.dashboardSnapshot.findMany({ where: { periodKey: quarter.key }, select: { nodeId: true } })).map((r) => r.nodeId));
  let written = 0;
  for (const n of nodes) {
    if (taken.has(n.id)) continue;
    const view = await dashboardView(unit, { nodeId: n.id, period: quarter }, o);
    const rows = await unit.tx.dashboardSnapshot.createManyAndReturn({ data: [{ nodeId: n.id, periodKey: quarter.key, takenAt: unit.now, data: JSON.parse(JSON.stringify(view)) }], skipDuplicates: true, select: { id: true } });
    written += rows.length;
  }
  return written;
}

/** The frozen view of a node for a quarter, for whoever may see the node's 驾驶舱; null when none was taken. */
export async function snapshotOf(unit: Unit, input: { nodeId: string; periodKey: string }): Promise<{ takenAt: Date; view: DashboardView } | null> {
  await authorizeNode(unit, input.nodeId);
  const row = await unit.tx.dashboardSnapshot.findUnique({ where: { nodeId_periodKey: { nodeId: input.nodeId, periodKey: input.periodKey } }, select: { takenAt: true, data: true } });
  return row ? { takenAt: row.takenAt, view: row.data as unknown as DashboardView } : null;
}
