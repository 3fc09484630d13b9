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
import { complianceFrom, loadCompliance, type ComplianceData, type ComplianceItem, type ComplianceStatus } from '../domain/life/compliance.js';
import { takenPlace } from '../domain/life/held.js';
import { groupBy } from '../domain/group-by.js';
import { computeObligations, loadObligations, type Obligation, type ObligationInputs } from '../domain/obligations/engine.js';
import { periodOf, previousPeriod, type PeriodRange } from '../domain/life/period.js';
import { audienceOf } from './pledges-audience.js';
import { fail, type Unit } from './kernel.js';

export interface DashboardOptions {
  timezone: string;
  atRiskDays: number;
}

export type StatusCounts = Record<ComplianceStatus, number>;

export interface RecordFigures {
  /** Sessions that took place (counted or not) in the period. */
  held: number;
  withMinutes: number;
  withHost: number;
}

export interface AttendanceFigures {
  /** 应到人次 / 实到人次 (签到 + 补签) / 请假人次 over the held sessions. */
  expected: number;
  attended: number;
  leave: number;
}

export interface PledgeFigures {
  /** Members asked by the campaigns open in the period. */
  audience: number;
  submitted: number;
  approved: number;
  /** Approved pledges with a 践诺 report (not rejected) for a period within this one. */
  reported: number;
}

export interface PromptFigures {
  /** 工作提示 of the period that reached one of the branch's chats, and those it answered. */
  delivered: number;
  acknowledged: number;
}

export interface ObligationLine {
  key: string;
  name: string;
  itemCode: string | null;
  kindCode: string;
  status: ComplianceStatus;
  required: number;
  held: number;
  /** Labels of the parts (months …) that are over and short: 2026年11月. */
  missedParts: string[];
  /** The obligation's own window (a yearly item asked for a quarter looks at the year). */
  window?: { start: Date; end: Date };
}

/** A record that met a list item (记录 …), with its evidence: only for the branch's managers. */
export interface RecordLine {
  id: string;
  at: Date;
  text: string;
  /** Whose duty it met (per-person items), else null. */
  member: string | null;
  evidence: Array<{ kind: string; title: string | null; url: string | null; sha256: string | null }>;
}

export interface Figures {
  obligations: StatusCounts;
  records: RecordFigures;
  attendance: AttendanceFigures;
  pledges: PledgeFigures;
  prompts: PromptFigures;
}

export interface BranchFigures extends Figures {
  id: string;
  code: string;
  name: string;
  /** Every obligation of the period done. */
  allDone: boolean;
  lines: ObligationLine[];
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

const zero = (): StatusCounts => ({ done: 0, open: 0, at_risk: 0, missed: 0 });
const emptyFigures = (): Figures => ({
  obligations: zero(),
  records: { held: 0, withMinutes: 0, withHost: 0 },
  attendance: { expected: 0, attended: 0, leave: 0 },
  pledges: { audience: 0, submitted: 0, approved: 0, reported: 0 },
  prompts: { delivered: 0, acknowledged: 0 },
});

interface TreeNode {
  id: string;
  code: string;
  name: string;
  kind: OrgKind;
  parentId: string | null;
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
  // Set-based: what the compliance of every branch and owner needs for both periods, once; then the
  // engine's obligations of the subtree per period, and each node's report computed from them.
  const data = await loadCompliance(unit.tx, [...branches, ...owners].map((n) => n.id), [input.period, prev], unit.now, o.timezone);
  // The previous period first: its obligations (hundreds of thousands in a work committee) can go before the current ones come.
  // One load of what can meet an obligation serves both periods when they share a year (engine's reuse rule).
  const inputs = await loadObligationsOf(unit, nodes, input.period, o);
  const before = await branchFigures(unit, data, branches.length ? await obligationsByNode(unit, nodes, prev, o, inputs) : new Map(), branches, prev, o);
  const current = await obligationsByNode(unit, nodes, input.period, o, inputs);
  const now = await branchFigures(unit, data, current, branches, input.period, o);
  const ownLines = (nodeId: string) =>
    owners.filter((t) => t.id === nodeId || (t.parentId === nodeId && t.kind === 'ORGAN_COMMITTEE')).flatMap((t) => reportLines(data, current, t.id, input.period, unit.now, o));

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
      return { id: u.id, code: u.code, name: u.name, own: countLines(ownLines(u.id)), rollUp: rollUp(under.map((b) => now.get(b.id)!)), previous: rollUp(under.map((b) => before.get(b.id)!)) };
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

function lineOf(i: ComplianceItem, now: Date): ObligationLine {
  return {
    key: i.obligationKey,
    name: i.group ? `${i.name}（${i.group.name}）` : i.name,
    itemCode: i.itemCode,
    kindCode: i.kindCode,
    status: i.status,
    required: i.required,
    held: i.held,
    missedParts: i.parts.filter((p) => now >= p.end && p.held < p.required).map((p) => p.label),
    ...(i.parts.length ? { window: { start: i.parts[0]!.start, end: i.parts[i.parts.length - 1]!.end } } : {}),
  };
}

function countLines(lines: ObligationLine[]): StatusCounts {
  const c = zero();
  for (const l of lines) c[l.status]++;
  return c;
}

/** A node's 完成情况 as lines: the compliance computation (the same as the node's own) over the loaded data. */
function reportLines(data: ComplianceData, obligations: Map<string, Obligation[]>, nodeId: string, period: PeriodRange, now: Date, o: DashboardOptions): ObligationLine[] {
  const report = complianceFrom(data, { orgNodeId: nodeId, period, now, tz: o.timezone, atRiskDays: o.atRiskDays, obligations: obligations.get(nodeId) ?? [] });
  return report.items.map((i) => lineOf(i, now));
}

const rootOf = (nodes: TreeNode[]) => {
  const inTree = new Set(nodes.map((n) => n.id));
  return nodes.find((n) => !n.parentId || !inTree.has(n.parentId));
};

async function loadObligationsOf(unit: Unit, nodes: TreeNode[], period: PeriodRange, o: DashboardOptions): Promise<ObligationInputs | undefined> {
  const root = rootOf(nodes);
  return root && (await loadObligations(unit.tx, { rootId: root.id, period, now: unit.now, tz: o.timezone, atRiskDays: o.atRiskDays }));
}

/** The list's obligations of every node of the subtree for the period (one engine run), by holder node. */
async function obligationsByNode(unit: Unit, nodes: TreeNode[], period: PeriodRange, o: DashboardOptions, inputs?: ObligationInputs): Promise<Map<string, Obligation[]>> {
  const root = rootOf(nodes);
  if (!root) return new Map();
  const engine = await computeObligations(unit.tx, { rootId: root.id, period, now: unit.now, tz: o.timezone, atRiskDays: o.atRiskDays }, inputs);
  return groupBy(engine.obligations, (ob) => ob.holder.node.id);
}

function rollUp(list: BranchFigures[]): RollUp {
  const r: RollUp = { ...emptyFigures(), branches: list.length, branchesAllDone: 0, missed: 0 };
  for (const b of list) {
    if (b.allDone) r.branchesAllDone++;
    r.missed += b.obligations.missed;
    for (const k of Object.keys(r.obligations) as ComplianceStatus[]) r.obligations[k] += b.obligations[k];
    for (const k of Object.keys(r.records) as Array<keyof RecordFigures>) r.records[k] += b.records[k];
    for (const k of Object.keys(r.attendance) as Array<keyof AttendanceFigures>) r.attendance[k] += b.attendance[k];
    for (const k of Object.keys(r.pledges) as Array<keyof PledgeFigures>) r.pledges[k] += b.pledges[k];
    for (const k of Object.keys(r.prompts) as Array<keyof PromptFigures>) r.prompts[k] += b.prompts[k];
  }
  return r;
}

/** The figures of each branch for the period, keyed by branch id (compliance data loaded for the period). */
async function branchFigures(unit: Unit, data: ComplianceData, obligations: Map<string, Obligation[]>, branches: TreeNode[], period: PeriodRange, o: DashboardOptions): Promise<Map<string, BranchFigures>> {
  const { tx } = unit;
  const out = new Map<string, BranchFigures>();
  const branchOf = new Map<string, string>();
  for (const b of branches) {
    branchOf.set(b.id, b.id);
    for (const g of data.groups.get(b.id) ?? []) branchOf.set(g.id, b.id);
    const lines = reportLines(data, obligations, b.id, period, unit.now, o);
    out.set(b.id, { id: b.id, code: b.code, name: b.name, ...emptyFigures(), obligations: countLines(lines), allDone: lines.every((l) => l.status === 'done'), lines });
  }
  if (!branches.length) return out;

  // 纪实 and attendance over the sessions that took place in the period (branches and their 党小组), as
  // loaded for compliance (a wider span: filtered to the period here).
  const nodeIds = [...branchOf.keys()];
  const inPeriod = (t: Date) => t >= period.start && t < period.end;
  const sessions: Array<{ id: string; orgNodeId: string; attended: number; expected: number }> = [];
  for (const id of nodeIds) {
    for (const s of data.counted.get(id) ?? []) if (inPeriod(s.startsAt)) sessions.push(s);
    for (const r of data.refused.get(id) ?? []) if (inPeriod(r.startsAt)) sessions.push({ ...r, id: r.sessionId });
  }
  if (sessions.length) {
    const rows = await tx.$queryRawUnsafe<Array<{ id: string; host: boolean; minutes: boolean; leave: number }>>(
      `SELECT s.id, s."hostId" IS NOT NULL AS host, EXISTS (SELECT 1 FROM "Minutes" m WHERE m."sessionId" = s.id) AS minutes,
              (SELECT count(*)::int FROM "Attendance" a WHERE a."sessionId" = s.id AND a.status = 'LEAVE') AS leave
         FROM "MeetingSession" s WHERE s.id = ANY($1::text[])`,
      sessions.map((s) => s.id),
    );
    const info = new Map(rows.map((r) => [r.id, r]));
    for (const s of sessions) {
      const f = out.get(branchOf.get(s.orgNodeId)!)!;
      f.records.held++;
      if (info.get(s.id)?.minutes) f.records.withMinutes++;
      if (info.get(s.id)?.host) f.records.withHost++;
      // takenPlace's counts: expected = the session's attendance rows, attended = 签到 (PRESENT, LATE).
      f.attendance.expected += s.expected;
      f.attendance.attended += s.attended;
      f.attendance.leave += info.get(s.id)?.leave ?? 0;
    }
  }

  // Pledges: campaigns open at some time in the period whose audience holds the branch.
  const campaigns = await tx.pledgeCampaign.findMany({
    where: { createdAt: { lt: period.end }, OR: [{ closedAt: null }, { closedAt: { gte: period.start } }] },
    select: { id: true, audience: true, orgNodeId: true },
  });
  const wanted = campaigns.filter((c) => audienceOf(c).branchIds.some((b) => out.has(b)));
  if (wanted.length) {
    const pledges = await tx.pledge.findMany({
      where: { campaignId: { in: wanted.map((c) => c.id) }, status: { not: 'WITHDRAWN' }, member: { branchId: { in: branches.map((b) => b.id) } } },
      select: { status: true, member: { select: { branchId: true } }, items: { select: { reports: { where: { reviewStatus: { not: 'REJECTED' }, submittedAt: { gte: period.start, lt: period.end } }, select: { id: true } } } } },
    });
    for (const p of pledges) {
      const f = out.get(p.member.branchId);
      if (!f) continue;
      f.pledges.audience++;
      if (p.status !== 'DRAFT') f.pledges.submitted++;
      if (p.status === 'APPROVED') {
        f.pledges.approved++;
        if (p.items.some((i) => i.reports.length)) f.pledges.reported++;
      }
    }
  }

  // 工作提示 of the period: delivered to a chat bound to the branch (or one of its 党小组), and acknowledged by the branch.
  const delivered = await tx.$queryRawUnsafe<Array<{ nodeId: string; broadcasts: number }>>(
    `SELECT c."orgNodeId" AS "nodeId", count(DISTINCT o."broadcastId")::int AS broadcasts
       FROM "OutboxMessage" o JOIN "PromptBroadcast" b ON b.id = o."broadcastId"
       JOIN "Chat" c ON c."platformChatId" = o.target AND c."orgNodeId" = ANY($1::text[])
      WHERE b."createdAt" >= $2 AND b."createdAt" < $3 AND o.status = 'SENT'
      GROUP BY c."orgNodeId"`,
    nodeIds,
    period.start,
    period.end,
  );
  for (const d of delivered) out.get(branchOf.get(d.nodeId)!)!.prompts.delivered += d.broadcasts;
  const acks = await tx.$queryRawUnsafe<Array<{ nodeId: string; broadcasts: number }>>(
    `SELECT a."orgNodeId" AS "nodeId", count(DISTINCT a."broadcastId")::int AS broadcasts
       FROM "PromptAck" a JOIN "PromptBroadcast" b ON b.id = a."broadcastId"
      WHERE a."orgNodeId" = ANY($1::text[]) AND b."createdAt" >= $2 AND b."createdAt" < $3
      GROUP BY a."orgNodeId"`,
    nodeIds,
    period.start,
    period.end,
  );
  for (const a of acks) {
    const f = out.get(branchOf.get(a.nodeId)!)!;
    f.prompts.acknowledged += a.broadcasts;
    f.prompts.delivered = Math.max(f.prompts.delivered, f.prompts.acknowledged);
  }
  return out;
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
