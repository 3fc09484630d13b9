// The quarterly report workbook (季度工作报告制度, issue 16 point 3) from the report service's views
// (src/services/dashboard-report.ts, which are the 驾驶舱's): 汇总 with the quarter and the one before
// side by side (units, branches, the share of branches with every obligation done, obligations by
// status, branch meetings due and held by kind, 纪实, attendance, pledges, 工作提示), then one sheet per
// unit with its branches in the roster's order (never sorted by a figure), the previous quarter beside.
// Figures only: no member's name, no per-member figure, no leave reason, no ranking.
import type ExcelJS from 'exceljs';
import { newWorkbook, sheetName } from '../../domain/workbook.js';
import { formatIso } from '../../domain/life/time.js';
import type { BranchFigures, DashboardView, Figures, RollUp } from '../../services/dashboard.js';
import type { KindLine, QuarterReport, Taken } from '../../services/dashboard-report.js';
import { say } from '../wording.js';
import { headerRow, PAGE, titleRow } from './ledger-workbook.js';

const rate = (n: number, d: number): number | null => (d ? n / d : null);
const PERCENT = '0.0%';

/** A figure: heading key, its value from a branch's or a roll-up's figures, shown as a percentage. */
type Column<F> = [key: string, value: (f: F) => string | number | null, percent?: boolean];

/** The figures every row shows, in order (the summary's rows, the branch sheet's columns). */
const FIGURES: Array<Column<Figures>> = [
  ['dashboard_report.status_done', (f) => f.obligations.done],
  ['dashboard_report.status_open', (f) => f.obligations.open],
  ['dashboard_report.status_at_risk', (f) => f.obligations.at_risk],
  ['dashboard_report.status_missed', (f) => f.obligations.missed],
  ['dashboard_report.held', (f) => f.records.held],
  ['dashboard_report.with_minutes', (f) => f.records.withMinutes],
  ['dashboard_report.minutes_share', (f) => rate(f.records.withMinutes, f.records.held), true],
  ['dashboard_report.with_host', (f) => f.records.withHost],
  ['dashboard_report.expected', (f) => f.attendance.expected],
  ['dashboard_report.attended', (f) => f.attendance.attended],
  ['dashboard_report.attendance', (f) => rate(f.attendance.attended, f.attendance.expected), true],
  ['dashboard_report.leave', (f) => f.attendance.leave],
  ['dashboard_report.pledges_audience', (f) => f.pledges.audience],
  ['dashboard_report.pledges_submitted', (f) => f.pledges.submitted],
  ['dashboard_report.pledges_approved', (f) => f.pledges.approved],
  ['dashboard_report.pledges_reported', (f) => f.pledges.reported],
  ['dashboard_report.prompts_delivered', (f) => f.prompts.delivered],
  ['dashboard_report.prompts_acknowledged', (f) => f.prompts.acknowledged],
];

/** The summary: branches and the share with every obligation done, then the figures. */
const METRICS: Array<Column<RollUp>> = [['dashboard_report.branches', (r) => r.branches], ['dashboard_report.all_done', (r) => r.branchesAllDone], ['dashboard_report.all_done_share', (r) => rate(r.branchesAllDone, r.branches), true], ...FIGURES];

/** The branch sheet's columns for the quarter; PREVIOUS those repeated for the quarter before. */
const BRANCH_COLUMNS: Array<Column<BranchFigures>> = [
  ['dashboard_report.col_all_done', (b) => say(b.allDone ? 'dashboard_report.yes' : 'dashboard_report.no')],
  ['dashboard_report.col_missed_items', (b) => b.lines.filter((l) => l.status === 'missed').map((l) => l.name).join('、') || null],
  ...FIGURES,
];
const PREVIOUS = BRANCH_COLUMNS.filter(([key]) => ['dashboard_report.col_all_done', 'dashboard_report.status_missed', 'dashboard_report.held', 'dashboard_report.with_minutes', 'dashboard_report.attendance'].includes(key));

function rollUpOf(v: DashboardView): RollUp {
  if (v.level === 'committee') return v.rollUp;
  if (v.level === 'organ') return v.organ.rollUp;
  throw new Error('a branch view has no roll-up');
}

function sourceText(t: Taken<DashboardView>, tz: string, now: Date): string {
  return t.frozenAt ? say('dashboard_report.source_frozen', { period: t.view.period.label, date: formatIso(t.frozenAt, tz).slice(0, 10) }) : say('dashboard_report.source_live', { period: t.view.period.label, date: formatIso(now, tz).slice(0, 16).replace('T', ' ') });
}

function percentCells(row: ExcelJS.Row, columns: number[]): void {
  for (const c of columns) row.getCell(c).numFmt = PERCENT;
}

export function reportFileName(r: Pick<QuarterReport, 'node' | 'period'>): string {
  return say('dashboard_report.file_name', { node: r.node.name, period: r.period.label });
}

export async function reportWorkbook(r: QuarterReport, tz: string, now: Date): Promise<Buffer> {
  const wb = await newWorkbook();
  wb.creator = '支部助手';
  wb.created = now;
  const { current, previous } = r.summary;

  // 汇总: the quarter and the one before.
  const ws = wb.addWorksheet(say('dashboard_report.sheet_summary'), { pageSetup: PAGE });
  ws.columns = [{ width: 34 }, { width: 26 }, { width: 26 }, { width: 20 }, { width: 20 }, { width: 20 }, { width: 20 }];
  titleRow(ws, say('dashboard_report.title', { node: r.node.name, period: r.period.label }), 3);
  ws.addRow([say('dashboard_report.source'), sourceText(current, tz, now), sourceText(previous, tz, now)]);
  headerRow(ws, [say('dashboard_report.col_figure'), say('dashboard_report.col_current', { period: r.period.label }), say('dashboard_report.col_previous', { period: r.previous.label })]);
  if (current.view.level === 'committee' && previous.view.level === 'committee') ws.addRow([say('dashboard_report.units'), current.view.units.length, previous.view.units.length]);
  const now1 = rollUpOf(current.view);
  const before = rollUpOf(previous.view);
  for (const [key, value, pct] of METRICS) {
    const row = ws.addRow([say(key), value(now1), value(before)]);
    if (pct) percentCells(row, [2, 3]);
  }
  ws.addRow([]);
  ws.addRow([say('dashboard_report.kinds_heading')]).font = { bold: true };
  const kindHeads = [say('dashboard_report.col_required'), say('dashboard_report.col_held'), say('dashboard_report.col_lines_done'), say('dashboard_report.col_lines')];
  headerRow(ws, [say('dashboard_report.col_kind'), ...kindHeads.map((h) => `${r.period.label} ${h}`), ...kindHeads.map((h) => `${r.previous.label} ${h}`)]);
  const kindCells = (l: KindLine | undefined) => (l ? [l.required, l.held, l.linesDone, l.lines] : [0, 0, 0, 0]);
  const codes = [...new Set([...r.kinds.current.map((l) => l.code), ...r.kinds.previous.map((l) => l.code)])];
  for (const code of codes) {
    const a = r.kinds.current.find((l) => l.code === code);
    const b = r.kinds.previous.find((l) => l.code === code);
    ws.addRow([(a ?? b)!.name, ...kindCells(a), ...kindCells(b)]);
  }
  ws.addRow([]);
  ws.addRow([say('dashboard_report.note')]);

  // One sheet per unit: its branches in the roster's order, the quarter and the one before.
  for (const u of r.units) {
    const view = u.current.view;
    const prior = new Map(u.previous.view.organ.branches.map((b) => [b.id, b]));
    const heads = [say('dashboard_report.col_branch'), ...BRANCH_COLUMNS.map(([key]) => say(key)), ...PREVIOUS.map(([key]) => `${say('dashboard_report.previous_prefix')}${say(key)}`)];
    const sheet = wb.addWorksheet(sheetName(wb, u.name), { views: [{ state: 'frozen', ySplit: 5, xSplit: 1 }], pageSetup: PAGE });
    sheet.columns = heads.map((_, i) => ({ width: i === 0 ? 26 : i === 2 ? 30 : 12 }));
    titleRow(sheet, say('dashboard_report.unit_title', { unit: u.name, period: r.period.label }), heads.length);
    sheet.addRow([say('dashboard_report.source'), sourceText(u.current, tz, now), sourceText(u.previous, tz, now)]);
    const own = view.organ.ownCounts;
    sheet.addRow([say('dashboard_report.own'), `${own.done} / ${own.open} / ${own.at_risk} / ${own.missed}`]);
    sheet.addRow([]);
    headerRow(sheet, heads);
    const pctColumns = [...BRANCH_COLUMNS.map((c, i) => (c[2] ? i + 2 : 0)), ...PREVIOUS.map((c, i) => (c[2] ? BRANCH_COLUMNS.length + i + 2 : 0))].filter(Boolean);
    for (const b of view.organ.branches) {
      const p = prior.get(b.id);
      const row = sheet.addRow([b.name, ...BRANCH_COLUMNS.map(([, f]) => f(b)), ...PREVIOUS.map(([, f]) => (p ? f(p) : null))]);
      row.alignment = { vertical: 'top', wrapText: true };
      percentCells(row, pctColumns);
    }
    // The unit's roll-up in the same columns: branches with everything done as a share, no item list.
    const t = view.organ.rollUp;
    const totals = sheet.addRow([say('dashboard_report.total'), `${t.branchesAllDone}/${t.branches}`, null, ...FIGURES.map(([, f]) => f(t))]);
    percentCells(totals, pctColumns);
    totals.font = { bold: true };
    sheet.addRow([]);
    sheet.addRow([say('dashboard_report.note')]);
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}
