// The quarterly report workbook's data (季度工作报告制度, issue 16 point 3): the 驾驶舱's own views
// (src/services/dashboard.ts) of a 工委, a unit or a 机关党委 for a quarter and the quarter before, and
// of each unit below a 工委, taken from the frozen snapshot of that quarter where one exists. Nothing is
// recomputed: the workbook shows these views' figures; meetings by kind sum the views' obligation lines.
// Same access as the 驾驶舱; no names of people (the views above the branch hold none).
import { dashboardView, snapshotOf, type DashboardOptions, type DashboardView, type NodeRef, type PeriodRef } from './dashboard.js';
import { previousPeriod, type PeriodRange } from '../domain/life/period.js';
import { fail, type Unit } from './kernel.js';

export type OrganView = Extract<DashboardView, { level: 'organ' }>;
export type CommitteeView = Extract<DashboardView, { level: 'committee' }>;

/** A view as the report uses it: the snapshot's date when it is the frozen one. */
export interface Taken<V> {
  view: V;
  frozenAt: Date | null;
}

export interface KindLine {
  code: string;
  name: string;
  /** Sums over the branches' obligation lines of this meeting kind: 应开, 已开, lines met and lines. */
  required: number;
  held: number;
  linesDone: number;
  lines: number;
}

export interface QuarterReport {
  node: NodeRef;
  period: PeriodRef;
  previous: PeriodRef;
  /** The node's own view for the quarter and the one before (a 工委's committee view, else the organ view). */
  summary: { current: Taken<DashboardView>; previous: Taken<DashboardView> };
  /** Each unit (a 工委's units in roster order, else the node itself) with its branches, both quarters. */
  units: Array<{ id: string; name: string; current: Taken<OrganView>; previous: Taken<OrganView> }>;
  /** Branch meetings due and held, by kind, over every unit's branches, both quarters. */
  kinds: { current: KindLine[]; previous: KindLine[] };
}

/** The frozen view of a quarter when there is one, else the live one. */
async function viewOf(unit: Unit, nodeId: string, period: PeriodRange, o: DashboardOptions): Promise<Taken<DashboardView>> {
  const snap = await snapshotOf(unit, { nodeId, periodKey: period.key });
  if (snap) return { view: snap.view, frozenAt: new Date(snap.takenAt) };
  return { view: await dashboardView(unit, { nodeId, period }, o), frozenAt: null };
}

function organ(t: Taken<DashboardView>): Taken<OrganView> {
  if (t.view.level !== 'organ') fail('dashboard_report.not_here');
  return t as Taken<OrganView>;
}

function byKind(units: OrganView[], names: Map<string, string>): KindLine[] {
  const out = new Map<string, KindLine>();
  for (const u of units)
    for (const b of u.organ.branches)
      for (const l of b.lines) {
        if (!l.kindCode) continue; // a list item met by records, not a meeting
        const k = out.get(l.kindCode) ?? { code: l.kindCode, name: names.get(l.kindCode) ?? l.name, required: 0, held: 0, linesDone: 0, lines: 0 };
        k.required += l.required;
        k.held += l.held;
        k.lines++;
        if (l.status === 'done') k.linesDone++;
        out.set(l.kindCode, k);
      }
  return [...out.values()];
}

/** The quarterly report of a 工委, a unit or a 机关党委 for `period` (a quarter), for whoever may see its 驾驶舱. */
export async function quarterReport(unit: Unit, input: { nodeId: string; period: PeriodRange }, o: DashboardOptions): Promise<QuarterReport> {
  if (input.period.kind !== 'quarter') fail('dashboard_report.quarter_only');
  const prev = previousPeriod(input.period, o.timezone);
  const current = await viewOf(unit, input.nodeId, input.period, o);
  const previous = await viewOf(unit, input.nodeId, prev, o);
  if (current.view.level === 'branch') fail('dashboard_report.not_here');
  const units: QuarterReport['units'] = [];
  if (current.view.level === 'committee') {
    for (const u of current.view.units) units.push({ id: u.id, name: u.name, current: organ(await viewOf(unit, u.id, input.period, o)), previous: organ(await viewOf(unit, u.id, prev, o)) });
  } else {
    units.push({ id: current.view.node.id, name: current.view.node.name, current: organ(current), previous: organ(previous) });
  }
  const names = new Map((await unit.tx.meetingKind.findMany({ select: { code: true, name: true } })).map((k) => [k.code, k.name]));
  return {
    node: current.view.node,
    period: current.view.period,
    previous: previous.view.period,
    summary: { current, previous },
    units,
    kinds: { current: byKind(units.map((u) => u.current.view), names), previous: byKind(units.map((u) => u.previous.view), names) },
  };
}
