// The 驾驶舱's figures per node and period: each branch's (obligations, 纪实, attendance as rates, pledges,
// 工作提示) and each unit's or 机关党委's own obligations, computed from the same places the branch itself
// sees them (the compliance computation and the obligation engine), and kept (NodeFigures) so that a
// work committee's view reads three thousand rows instead of computing a million obligations.
//
// A kept row is used only while it is certainly current:
// - nothing it depends on changed since: every table the figures read writes, in the same transaction, the
//   nodes a change touches to FiguresChange (triggers, migration 20261203170000_dashboard_kept_figures), and
//   a row is stale once a change exists by a transaction not visible in the snapshot taken before its
//   computation read anything (so a change committed during a computation is never missed);
// - the same local day (statuses move with the day) and the same options (time zone, at-risk days);
// - no meeting of the node (or attended by its members) started between its computation and now.
// Anything else is computed again, only for the nodes that need it, and kept. The table is emptied at every
// start (the rules may have changed with the code) and pruned hourly (pruneKeptFigures).
import { complianceFrom, loadCompliance, type ComplianceData, type ComplianceItem, type ComplianceStatus } from '../domain/life/compliance.js';
import { groupBy } from '../domain/group-by.js';
import { computeObligations, loadObligations, type Obligation } from '../domain/obligations/engine.js';
import { localDay } from '../domain/life/time.js';
import type { PeriodRange } from '../domain/life/period.js';
import type { OrgKind } from '../generated/prisma/enums.js';
import type { SqlLike } from '../db/sql.js';
import { asSql } from '../db/sql.js';
import { audienceOf } from './pledges-audience.js';
import type { Unit } from './kernel.js';

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
  /** Empty when the caller asked for counts only (a work committee's view). */
  lines: ObligationLine[];
}

export interface TreeNode {
  id: string;
  code: string;
  name: string;
  kind: OrgKind;
  parentId: string | null;
}

/** An owner's (a unit's, a 机关党委's) own obligations: counted, and as lines (empty when only counts were asked for). */
export interface OwnFigures {
  counts: StatusCounts;
  lines: ObligationLine[];
}

/** Per period key: the branches' figures and the owners' own. */
export type FiguresByPeriod = Map<string, { branches: Map<string, BranchFigures>; owners: Map<string, OwnFigures> }>;

export const zeroCounts = (): StatusCounts => ({ done: 0, open: 0, at_risk: 0, missed: 0 });
export const emptyFigures = (): Figures => ({
  obligations: zeroCounts(),
  records: { held: 0, withMinutes: 0, withHost: 0 },
  attendance: { expected: 0, attended: 0, leave: 0 },
  pledges: { audience: 0, submitted: 0, approved: 0, reported: 0 },
  prompts: { delivered: 0, acknowledged: 0 },
});

export function countLines(lines: ObligationLine[]): StatusCounts {
  const c = zeroCounts();
  for (const l of lines) c[l.status]++;
  return c;
}

type Counts = Figures & { allDone: boolean };

// Counts are kept as numbers in the order of a template's keys (a work committee's view reads six thousand
// rows: names repeated in each would be most of what it reads). The order changes only with the code, and the
// kept rows are emptied at every start.
const branchShape = (): Counts => ({ ...emptyFigures(), allDone: false });
type Loose = Record<string, unknown>;
/** `v`'s numbers (true as 1) in the order of `shape`'s keys, one level of nesting deep. */
function flatten<T extends object>(shape: T, v: T): number[] {
  return Object.entries(shape).flatMap(([k, x]) => (typeof x === 'object' ? Object.keys(x as object).map((j) => Number(((v as Loose)[k] as Loose)[j])) : [Number((v as Loose)[k])]));
}
function unflatten<T extends object>(shape: T, xs: number[]): T {
  let i = 0;
  for (const [k, x] of Object.entries(shape)) {
    if (typeof x === 'object') for (const j of Object.keys(x as object)) (x as Loose)[j] = xs[i++];
    else (shape as Loose)[k] = typeof x === 'boolean' ? xs[i++] === 1 : xs[i++];
  }
  return shape;
}

/**
 * The figures of `branches` and of `owners` for each of `periods`: kept rows where they are current, the
 * rest computed and kept. `nodes` holds every node named (and their 党小组) for telling a 党小组's meeting
 * from its branch's; `lines: false` leaves obligation lines out, counts only (a work committee's view).
 */
export async function figuresFor(
  unit: Unit,
  input: { nodes: TreeNode[]; branches: TreeNode[]; owners: TreeNode[]; periods: PeriodRange[]; lines: boolean },
  o: DashboardOptions,
): Promise<FiguresByPeriod> {
  const { tx, now } = unit;
  const { params, day } = keptAs(now, o);
  const wanted = [...input.branches, ...input.owners];
  const keys = input.periods.map((p) => p.key);
  // One JSON text for all rows: a work committee's view reads thousands, and a driver's per-value decoding costs more than the query.
  const [{ rows: keptText }] = (await tx.$queryRawUnsafe<Array<{ rows: string }>>(
    `SELECT coalesce(json_agg(json_build_array(f."nodeId", f."periodKey", (extract(epoch FROM f."asOf") * 1000)::bigint, f.counts, CASE WHEN $6 THEN f.lines END)), '[]')::text AS rows
       FROM "NodeFigures" f
      WHERE f."nodeId" = ANY($1::text[]) AND f."periodKey" = ANY($2::text[]) AND f.params = $3 AND f.day = $4 AND f."asOf" <= $5
        AND NOT EXISTS (SELECT 1 FROM "FiguresChange" c WHERE c."nodeId" IN (f."nodeId", '*') AND c.xid >= pg_snapshot_xmin(f.snapshot) AND NOT pg_visible_in_snapshot(c.xid, f.snapshot))`,
    wanted.map((n) => n.id),
    keys,
    params,
    day,
    now,
    input.lines,
  )) as [{ rows: string }];
  const kept = (JSON.parse(keptText) as Array<[string, string, number, number[], ObligationLine[] | null]>).map(([nodeId, periodKey, asOf, counts, lines]) => ({ nodeId, periodKey, asOf: new Date(asOf), counts, lines }));
  const started = kept.length ? await meetingsStartedSince(unit, input.nodes, new Date(Math.min(...kept.map((r) => r.asOf.getTime())))) : new Map<string, number>();
  const current = kept.filter((r) => !((started.get(r.nodeId) ?? 0) > r.asOf.getTime()));

  const have = new Set(current.map((r) => `${r.nodeId}|${r.periodKey}`));
  const stale = new Set(wanted.filter((n) => keys.some((k) => !have.has(`${n.id}|${k}`))).map((n) => n.id));
  const computed = stale.size
    ? await computeFigures(unit, { branches: input.branches.filter((b) => stale.has(b.id)), owners: input.owners.filter((n) => stale.has(n.id)), periods: input.periods }, o)
    : new Map() as FiguresByPeriod;

  const out: FiguresByPeriod = new Map(input.periods.map((p) => [p.key, computed.get(p.key) ?? { branches: new Map(), owners: new Map() }]));
  const isBranch = new Map(input.branches.map((b) => [b.id, b]));
  for (const r of current) {
    if (stale.has(r.nodeId)) continue;
    const at = out.get(r.periodKey)!;
    const b = isBranch.get(r.nodeId);
    if (b) at.branches.set(b.id, { id: b.id, code: b.code, name: b.name, ...unflatten(branchShape(), r.counts), lines: revive(r.lines ?? []) });
    else at.owners.set(r.nodeId, { counts: unflatten(zeroCounts(), r.counts), lines: revive(r.lines ?? []) });
  }
  if (!input.lines) {
    for (const { branches, owners } of out.values()) {
      for (const b of branches.values()) b.lines = [];
      for (const w of owners.values()) w.lines = [];
    }
  }
  return out;
}

/** The latest start, per node, of a meeting that started in (since, now]: by its node (a 党小组's counts for its branch) and by its attendees' branches. */
async function meetingsStartedSince(unit: Unit, nodes: TreeNode[], since: Date): Promise<Map<string, number>> {
  const rows = await unit.tx.$queryRawUnsafe<Array<{ nodeId: string; at: Date }>>(
    `SELECT s."orgNodeId" AS "nodeId", max(s."startsAt") AS at FROM "MeetingSession" s WHERE s."startsAt" > $1 AND s."startsAt" <= $2 GROUP BY 1
     UNION ALL
     SELECT m."branchId", max(s."startsAt") FROM "MeetingSession" s JOIN "Attendance" a ON a."sessionId" = s.id JOIN "Member" m ON m.id = a."memberId"
      WHERE s."startsAt" > $1 AND s."startsAt" <= $2 GROUP BY 1`,
    since,
    unit.now,
  );
  const parentOfGroup = new Map(nodes.filter((n) => n.kind === 'GROUP' && n.parentId).map((n) => [n.id, n.parentId!]));
  const out = new Map<string, number>();
  for (const r of rows) {
    const id = parentOfGroup.get(r.nodeId) ?? r.nodeId;
    out.set(id, Math.max(out.get(id) ?? 0, r.at.getTime()));
  }
  return out;
}

/** What a kept row is valid for besides its node and period: the options it was computed with, and the local day. */
function keptAs(now: Date, o: DashboardOptions): { params: string; day: string } {
  const d = localDay(now, o.timezone);
  return { params: `${o.timezone}|${o.atRiskDays}`, day: `${d.year}-${d.month}-${d.day}` };
}

function revive(lines: ObligationLine[]): ObligationLine[] {
  for (const l of lines) if (l.window) l.window = { start: new Date(l.window.start), end: new Date(l.window.end) };
  return lines;
}

/** Compute the figures of the nodes for each period from the data, and keep them. */
async function computeFigures(unit: Unit, input: { branches: TreeNode[]; owners: TreeNode[]; periods: PeriodRange[] }, o: DashboardOptions): Promise<FiguresByPeriod> {
  const { tx, now } = unit;
  // Held until this transaction ends: the prune does not drop changes while rows that may not have seen them are being kept.
  await tx.$queryRawUnsafe(`SELECT pg_advisory_xact_lock_shared(${KEEPING_LOCK})::text`);
  // Taken before any data is read: a change by a transaction not visible in it may not be seen by what follows.
  const [{ snapshot }] = (await tx.$queryRawUnsafe<Array<{ snapshot: string }>>(`SELECT pg_current_snapshot()::text AS snapshot`)) as [{ snapshot: string }];
  const ids = [...input.branches, ...input.owners].map((n) => n.id);
  const data = await loadCompliance(tx, ids, input.periods, now, o.timezone);
  const query = (period: PeriodRange) => ({ nodeIds: ids, period, now, tz: o.timezone, atRiskDays: o.atRiskDays });
  // One load of what can meet an obligation serves every period of the same year (the engine's reuse rule).
  const inputs = input.periods.length ? await loadObligations(tx, query(input.periods[0]!)) : undefined;
  const out: FiguresByPeriod = new Map();
  const rows: Array<{ nodeId: string; periodKey: string; counts: unknown; lines: unknown }> = [];
  for (const period of input.periods) {
    const engine = await computeObligations(tx, query(period), inputs);
    const obligations = groupBy(engine.obligations, (ob) => ob.holder.node.id);
    const branches = await branchFigures(unit, data, obligations, input.branches, period, o);
    const owners = new Map(input.owners.map((n) => {
      const lines = reportLines(data, obligations, n.id, period, now, o);
      return [n.id, { counts: countLines(lines), lines }];
    }));
    out.set(period.key, { branches, owners });
    for (const { id, code: _c, name: _n, lines, ...counts } of branches.values()) rows.push({ nodeId: id, periodKey: period.key, counts: flatten(branchShape(), counts), lines });
    for (const [id, own] of owners) rows.push({ nodeId: id, periodKey: period.key, counts: flatten(zeroCounts(), own.counts), lines: own.lines });
  }
  // In one order, so that two views keeping overlapping rows at once cannot deadlock.
  rows.sort((a, b) => (a.nodeId === b.nodeId ? a.periodKey.localeCompare(b.periodKey) : a.nodeId < b.nodeId ? -1 : 1));
  const { params, day } = keptAs(now, o);
  for (let i = 0; i < rows.length; i += 500) {
    await tx.$executeRawUnsafe(
      `INSERT INTO "NodeFigures" ("nodeId", "periodKey", params, day, "asOf", snapshot, counts, lines)
       SELECT x."nodeId", x."periodKey", $2, $3, $4, $5::pg_snapshot, x.counts, x.lines FROM jsonb_to_recordset($1::jsonb) AS x("nodeId" text, "periodKey" text, counts jsonb, lines jsonb)
       ON CONFLICT ("nodeId", "periodKey", params) DO UPDATE SET day = EXCLUDED.day, "asOf" = EXCLUDED."asOf", snapshot = EXCLUDED.snapshot, counts = EXCLUDED.counts, lines = EXCLUDED.lines`,
      JSON.stringify(rows.slice(i, i + 500)),
      params,
      day,
      now,
      snapshot,
    );
  }
  return out;
}

/** Advisory lock: figures being computed (shared) against the prune (exclusive, or it waits for the next hour). */
const KEEPING_LOCK = 727_461_001;

/**
 * Hourly: kept rows that a change older than ten minutes makes stale go, with those changes, and rows of
 * earlier days. Skipped while figures are being computed (KEEPING_LOCK): rows being kept may not have seen
 * a change that has come of age (a change's `at` is its transaction's start), and must find it when read.
 */
export async function pruneKeptFigures(db: SqlLike): Promise<void> {
  // One statement: one snapshot and one now() for the changes dropped and the rows they make stale (in two, a
  // change committed or come of age between them was dropped and left its stale rows current).
  await asSql(db).query(
    `WITH free AS (SELECT pg_try_advisory_xact_lock(${KEEPING_LOCK}) AS got),
          gone AS (DELETE FROM "FiguresChange" WHERE at < now() - interval '10 minutes' AND (SELECT got FROM free) RETURNING "nodeId", xid),
          seen AS (SELECT f."nodeId", f."periodKey", f.params, f.snapshot, c.xid FROM "NodeFigures" f JOIN gone c ON c."nodeId" = f."nodeId"
                   UNION ALL SELECT f."nodeId", f."periodKey", f.params, f.snapshot, c.xid FROM "NodeFigures" f JOIN gone c ON c."nodeId" = '*'),
          stale AS (SELECT "nodeId", "periodKey", params FROM seen WHERE xid >= pg_snapshot_xmin(snapshot) AND NOT pg_visible_in_snapshot(xid, snapshot)
                    UNION SELECT "nodeId", "periodKey", params FROM "NodeFigures" WHERE "asOf" < now() - interval '2 days')
     DELETE FROM "NodeFigures" f USING stale s WHERE f."nodeId" = s."nodeId" AND f."periodKey" = s."periodKey" AND f.params = s.params`,
  );
}

/** At start: the rules that computed the kept rows may have changed with the code. */
export async function forgetKeptFigures(db: SqlLike): Promise<void> {
  await asSql(db).query(`DELETE FROM "NodeFigures"`);
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
  // Per branch: a member who moved in keeps a pledge of his old branch's campaign (withdrawn only while it is
  // open), which counts for neither; so a branch's figures do not depend on which others are computed with it.
  const audiences = new Map(campaigns.map((c) => [c.id, new Set(audienceOf(c).branchIds)]));
  const wanted = campaigns.filter((c) => [...audiences.get(c.id)!].some((b) => out.has(b)));
  if (wanted.length) {
    const pledges = await tx.pledge.findMany({
      where: { campaignId: { in: wanted.map((c) => c.id) }, status: { not: 'WITHDRAWN' }, member: { branchId: { in: branches.map((b) => b.id) } } },
      select: { campaignId: true, status: true, member: { select: { branchId: true } }, items: { select: { reports: { where: { reviewStatus: { not: 'REJECTED' }, submittedAt: { gte: period.start, lt: period.end } }, select: { id: true } } } } },
    });
    for (const p of pledges) {
      const f = out.get(p.member.branchId);
      if (!f || !audiences.get(p.campaignId)!.has(p.member.branchId)) continue;
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
       JOIN "Chat" c ON c.platform = o.platform AND c."tenantKey" = o."tenantKey" AND c."platformChatId" = o.target AND c."orgNodeId" = ANY($1::text[])
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

/** A node's 完成情况 as lines: the compliance computation (the same as the node's own) over the loaded data. */
function reportLines(data: ComplianceData, obligations: Map<string, Obligation[]>, nodeId: string, period: PeriodRange, now: Date, o: DashboardOptions): ObligationLine[] {
  const report = complianceFrom(data, { orgNodeId: nodeId, period, now, tz: o.timezone, atRiskDays: o.atRiskDays, obligations: obligations.get(nodeId) ?? [] });
  return report.items.map((i) => lineOf(i, now));
}
