// The 驾驶舱's quarterly report workbook (季度工作报告制度, issue 16 point 3) on PostgreSQL: its figures are the
// dashboard service's (summary and every unit's branches, the previous quarter beside), no member's name in
// any cell, a unit's 机关党委 cannot download another unit's report, the page links it and the CLI writes it,
// and once the quarter is frozen the workbook reads the snapshot and says so.
import ExcelJS from 'exceljs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { runUnit } from '../../src/chat/effects.js';
import { SYSTEM } from '../../src/access/principal.js';
import { periodOf, previousPeriod } from '../../src/domain/life/period.js';
import { dashboardView, freezeSnapshots, type BranchFigures, type DashboardView, type RollUp } from '../../src/services/dashboard.js';
import type { Unit } from '../../src/services/kernel.js';
import { quarterReport } from '../../src/services/dashboard-report.js';
import { reportWorkbook } from '../../src/chat/presenters/dashboard-workbook.js';
import { dashboardCommand } from '../../src/cli/dashboard.js';
import { type ChatDriver, direct } from '../helpers/chat.js';
import { lastDm, signInPath, dashboardOrganFor, type DashboardOrgan } from '../helpers/dashboard.js';

const TZ = 'Asia/Shanghai';
const O = { timezone: TZ, atRiskDays: 10 };
let o: DashboardOrgan;
let app: App;
let chat: ChatDriver;
const Q4 = periodOf('quarter', new Date('2026-12-01T00:00:00+08:00'), TZ);
const Q3 = previousPeriod(Q4, TZ);

const system = async <T>(fn: (u: Unit) => Promise<T>): Promise<T> => (await runUnit(app.db, SYSTEM, o.clock.now, app.core.presenters, fn)).result;
const view = (nodeId: string, period = Q4) => system((u) => dashboardView(u, { nodeId, period }, O));

async function load(buf: Buffer | ArrayBuffer): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as ArrayBuffer);
  return wb;
}

/** Every cell's text, sheet by sheet. */
function cellTexts(wb: ExcelJS.Workbook): string {
  const out: string[] = [wb.worksheets.map((w) => w.name).join('|')];
  for (const ws of wb.worksheets) ws.eachRow((row) => row.eachCell((c) => out.push(String(c.text ?? ''))));
  return out.join('\n');
}

/** The summary's value cells of the row whose label is `label`: [this quarter, last quarter]. */
function summaryRow(wb: ExcelJS.Workbook, label: string): unknown[] {
  const ws = wb.getWorksheet('汇总')!;
  let found: unknown[] | undefined;
  ws.eachRow((row) => {
    if (row.getCell(1).value === label) found = [row.getCell(2).value, row.getCell(3).value];
  });
  if (!found) throw new Error(`no summary row ${label}`);
  return found;
}

/** Rows of a unit's sheet below its heading row (the first cell 支部), up to the total. */
function branchRows(ws: ExcelJS.Worksheet): unknown[][] {
  const rows: unknown[][] = [];
  let inside = false;
  ws.eachRow((row) => {
    const first = row.getCell(1).value;
    if (first === '合计') inside = false;
    if (inside) rows.push((row.values as unknown[]).slice(1));
    if (first === '支部') inside = true;
  });
  return rows;
}

const rollUpOf = (v: DashboardView): RollUp => (v.level === 'committee' ? v.rollUp : v.level === 'organ' ? v.organ.rollUp : (() => { throw new Error('no roll-up'); })());
/** A branch row's first cells: name, all done, the items missed, then the obligations by status. */
const branchCells = (b: BranchFigures) => [b.name, b.allDone ? '是' : '否', b.lines.filter((l) => l.status === 'missed').map((l) => l.name).join('、') || null, b.obligations.done, b.obligations.open, b.obligations.at_risk, b.obligations.missed];

async function signIn(code: string): Promise<string> {
  await chat.say(code, direct(code), '驾驶舱');
  const r = await fetch(`${app.url}${signInPath(await lastDm(app, code))}`, { redirect: 'manual' });
  return r.headers.get('set-cookie')!.split(';')[0]!;
}
const get = (p: string, cookie: string) => fetch(`${app.url}${p}`, { redirect: 'manual', headers: { cookie } });

dashboardOrganFor((organ, driver) => ((o = organ), (app = organ.app), (chat = driver)));

describe('the quarterly report workbook', () => {
  it("holds the dashboard service's figures: the 工委's summary, each unit's branches in roster order, the previous quarter beside", async () => {
    const committee = o.node['demo-committee']!;
    const r = await system((u) => quarterReport(u, { nodeId: committee, period: Q4 }, O));
    const wb = await load(await reportWorkbook(r, TZ, o.clock.now));
    const now = await view(committee);
    const before = await view(committee, Q3);
    if (now.level !== 'committee') throw new Error('committee view expected');
    expect(wb.worksheets.map((w) => w.name)).toEqual(['汇总', ...now.units.map((u) => u.name)]);
    expect(summaryRow(wb, '单位数')).toEqual([now.units.length, now.units.length]);
    const [a, b] = [rollUpOf(now), rollUpOf(before)];
    expect(summaryRow(wb, '支部数')).toEqual([a.branches, b.branches]);
    expect(summaryRow(wb, '各项工作全部完成的支部数')).toEqual([a.branchesAllDone, b.branchesAllDone]);
    expect(summaryRow(wb, '工作事项：未完成')).toEqual([a.obligations.missed, b.obligations.missed]);
    expect(summaryRow(wb, '工作事项：已完成')).toEqual([a.obligations.done, b.obligations.done]);
    expect(summaryRow(wb, '有纪实的会议（次）')).toEqual([a.records.withMinutes, b.records.withMinutes]);
    expect(summaryRow(wb, '到会率')[0]).toBe(a.attendance.attended / a.attendance.expected);
    expect(summaryRow(wb, '承诺：已提交')).toEqual([a.pledges.submitted, b.pledges.submitted]);
    expect(summaryRow(wb, '工作提示：确认')).toEqual([a.prompts.acknowledged, b.prompts.acknowledged]);
    expect(summaryRow(wb, '数据来源')[0]).toBe('2026年第四季度：实时数据（截至 2026-12-10 10:00，该季度尚未冻结）');
    // The November 主题党日 of branch 1 (held, with minutes) is in the meetings by kind.
    expect(summaryRow(wb, '主题党日')[0]).toBeGreaterThanOrEqual(1);
    expect(a.records.held).toBeGreaterThanOrEqual(1);

    for (const u of now.units) {
      const unitView = await view(u.id);
      const prevView = await view(u.id, Q3);
      if (unitView.level !== 'organ' || prevView.level !== 'organ') throw new Error('organ views expected');
      const rows = branchRows(wb.getWorksheet(u.name)!);
      expect(rows.map((x) => x.slice(0, 7))).toEqual(unitView.organ.branches.map(branchCells));
      // Roster order (codes), never a figure's.
      expect(unitView.organ.branches.map((x) => x.code)).toEqual([...unitView.organ.branches.map((x) => x.code)].sort());
      // The previous quarter beside: all done, missed, held, with minutes, attendance.
      const prev = new Map(prevView.organ.branches.map((x) => [x.name, x]));
      for (const row of rows) {
        const p = prev.get(row[0] as string)!;
        expect(row.slice(21, 25)).toEqual([p.allDone ? '是' : '否', p.obligations.missed, p.records.held, p.records.withMinutes]);
      }
    }
  });

  it('holds no member’s name in any cell, for the 工委, a unit and a 机关党委', async () => {
    for (const code of ['demo-committee', 'demo-unit', 'demo-organ', 'b-unit']) {
      const r = await system((u) => quarterReport(u, { nodeId: o.node[code]!, period: Q4 }, O));
      const text = cellTexts(await load(await reportWorkbook(r, TZ, o.clock.now)));
      expect(text).toContain('第一党支部');
      expect(o.names.filter((n) => text.includes(n))).toEqual([]);
    }
  });

  it("is linked from the page and downloads with the session; a unit's 机关党委 cannot download another unit's report", async () => {
    const a = await signIn('m101');
    const page = await (await get(`/dashboard/node/${o.node['demo-unit']}?p=2026Q4`, a)).text();
    expect(page).toContain(`/dashboard/report/${o.node['demo-unit']}?p=2026Q4`);
    const own = await get(`/dashboard/report/${o.node['demo-unit']}?p=2026Q4`, a);
    expect(own.status).toBe(200);
    expect(own.headers.get('content-type')).toContain('spreadsheetml');
    const text = cellTexts(await load(await own.arrayBuffer()));
    expect(o.names.filter((n) => text.includes(n))).toEqual([]);
    expect((await get(`/dashboard/report/${o.node['b-unit']}?p=2026Q4`, a)).status).toBe(403);
    const b = await signIn('b01');
    // Unit B's 机关党委 secretary: his own 机关党委's report, not unit A's (nor its 机关党委's).
    expect((await get(`/dashboard/report/${o.node['b-organ']}?p=2026Q4`, b)).status).toBe(200);
    expect((await get(`/dashboard/report/${o.node['demo-unit']}?p=2026Q4`, b)).status).toBe(403);
    expect((await get(`/dashboard/report/${o.node['demo-organ']}?p=2026Q4`, b)).status).toBe(403);
    // Without a session: sign in first; a branch or a month has no report.
    expect((await fetch(`${app.url}/dashboard/report/${o.node['b-organ']}?p=2026Q4`)).status).toBe(401);
    const month = await get(`/dashboard/report/${o.node['b-organ']}?p=2026-12`, b);
    expect(await month.text()).toContain('季度工作报告按季度导出');
  });

  it('the CLI writes it for an organisation code; a frozen quarter reads the snapshot and says so', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhibu-report-'));
    const out = path.join(dir, 'report.xlsx');
    const logs: string[] = [];
    const io = { log: (s: string) => logs.push(s), error: (s: string) => logs.push(`ERR ${s}`) };
    const withPrisma = <T>(fn: (p: typeof app.db.prisma) => Promise<T>) => fn(app.db.prisma);
    expect(await dashboardCommand(['report', '--org', 'nope', '--period', '2026Q4', '--out', out], withPrisma, { ...O, now: o.clock.now }, io)).toBe(1);
    expect(await dashboardCommand(['report', '--org', 'demo-committee', '--period', '2026Q4', '--out', out], withPrisma, { ...O, now: o.clock.now }, io)).toBe(0);
    expect(logs.at(-1)).toMatch(/^已导出 .+ 2026年第四季度 季度工作报告（实时数据）：2 个单位，写入 /);

    // Frozen on 2027-01-06; on 2027-01-10 branch 2 records a 支委会 held on 2026-12-15, with minutes.
    o.clock.now = new Date('2027-01-06T09:00:00+08:00');
    expect(await system((u) => freezeSnapshots(u, { ...O, afterDays: 5 }))).toBeGreaterThan(0);
    o.clock.now = new Date('2027-01-10T11:00:00+08:00');
    const p = app.db.prisma;
    const kind = await p.meetingKind.findFirstOrThrow({ where: { code: 'branch_committee' } });
    const s = await p.meetingSession.create({
      data: { kindId: kind.id, orgNodeId: o.node['demo-branch-2']!, topic: '研究年度工作', startsAt: new Date('2026-12-15T09:00:00+08:00'), checkinOpensAt: new Date('2026-12-15T08:30:00+08:00'), checkinClosesAt: new Date('2026-12-15T11:00:00+08:00'), status: 'HELD', createdById: o.ids.m201!, backfilled: true },
    });
    await p.minutes.create({ data: { sessionId: s.id, summary: '研究年度工作。', recordedById: o.ids.m201!, recordedAt: o.clock.now } });
    expect(await dashboardCommand(['report', '--org', 'demo-unit', '--period', '2026Q4', '--out', out], withPrisma, { ...O, now: o.clock.now }, io)).toBe(0);
    expect(logs.at(-1)).toContain('（已冻结的季度快照）');
    const wb = await load(fs.readFileSync(out));
    expect(summaryRow(wb, '数据来源')[0]).toBe('2026年第四季度：2027-01-06 冻结的季度快照');
    const live = await view(o.node['demo-unit']!);
    if (live.level !== 'organ') throw new Error('organ view expected');
    const branch2 = branchRows(wb.getWorksheet(live.node.name)!).find((r) => r[0] === live.organ.branches[1]!.name)!;
    expect(live.organ.branches[1]!.records.held).toBe(1); // the live view counts it …
    expect(branch2[7]).toBe(0); // … the frozen report does not (column 已召开会议)
  });
});
