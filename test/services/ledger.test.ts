// The inspection ledger (电子台账) on PGlite and PostgreSQL: a meeting's full record (主持人, 记录人,
// end time, attendees, 请假 / 补签 / 缺席 with reasons, 列席, rate and quorum, corrections), a future
// meeting neither listed nor anyone absent from it, 应开/实开 for every kind and month with zeros,
// and the 机关党委 workbook covering every branch. The workbook is reopened with exceljs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { ServiceHarness } from '../helpers/services.js';
import type { Principal } from '../../src/access/principal.js';
import { branchKinds, createNotice } from '../../src/services/meetings.js';
import { checkIn, correct, decide, requestLate, requestLeave } from '../../src/services/attendance.js';
import { saveMinutes } from '../../src/services/minutes.js';
import { ledgerData, requestLedger, type LedgerData } from '../../src/services/ledger.js';
import { ledgerColumns, ledgerWorkbook } from '../../src/chat/presenters/ledger-workbook.js';
import { parsePeriod } from '../../src/domain/life/period.js';
import { exportLedgerFile } from '../../src/cli/ledger.js';
import os from 'node:os';
import path from 'node:path';

const at = (iso: string) => new Date(iso);
const Q4 = parsePeriod('2026Q4', at('2026-11-01T00:00:00+08:00'))!;
const EXPORT = at('2026-12-10T10:00:00+08:00');

async function reopen(d: LedgerData): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load((await ledgerWorkbook(d)) as unknown as ArrayBuffer);
  return wb;
}
const values = (ws: ExcelJS.Worksheet, row: number) => (ws.getRow(row).values as unknown[]).slice(1);

describe.each(['pglite', 'postgres'] as const)('the inspection ledger on %s', (kind) => {
  let h: ServiceHarness;
  let secretary: Principal;
  let b1: string;
  let organ: string;
  const who = (code: string) => h.member(code);

  beforeAll(async () => {
    h = await ServiceHarness.on(kind);
    secretary = await who('m101');
    b1 = (await h.db.prisma.orgNode.findUniqueOrThrow({ where: { code: 'demo-branch-1' } })).id;
    organ = (await h.db.prisma.orgNode.findUniqueOrThrow({ where: { code: 'demo-organ' } })).id;
    const kinds = (await h.run(h.system, EXPORT, (u) => branchKinds(u))).result;
    const k = (code: string) => kinds.find((x) => x.code === code)!;
    const notice = async (by: Principal, branchId: string, code: string, iso: string, topic: string) =>
      (await h.run(by, at('2026-11-20T10:00:00+08:00'), (u) => createNotice(u, { branchId, draft: { kind: k(code), at: at(iso), place: '三楼会议室', topic, attendeeNames: [], groupName: null } }))).result.session.id;

    // Branch 1: a theme day on 5 December, held; a 党课 on 20 December, still ahead at the export.
    const theme = await notice(secretary, b1, 'theme_day', '2026-12-05T14:30:00+08:00', '学习贯彻四中全会精神');
    await notice(secretary, b1, 'party_lecture', '2026-12-20T09:00:00+08:00', '党课：新时代党的建设');
    const leave = await h.run(await who('m104'), at('2026-12-01T09:00:00+08:00'), (u) => requestLeave(u, { sessionId: theme, reason: '出差' }));
    await h.run(secretary, at('2026-12-01T10:00:00+08:00'), (u) => decide(u, { requestId: leave.result.requestId, approved: true }));
    for (const code of ['m101', 'm102', 'm103', 'm105', 'm107', 'm109']) await h.run(await who(code), at('2026-12-05T14:10:00+08:00'), (u) => checkIn(u, { sessionId: theme }));
    const late = await h.run(await who('m106'), at('2026-12-06T09:00:00+08:00'), (u) => requestLate(u, { sessionId: theme, reason: '手机没电' }));
    await h.run(secretary, at('2026-12-06T10:00:00+08:00'), (u) => decide(u, { requestId: late.result.requestId, approved: true }));
    const fix = await h.run(secretary, at('2026-12-06T11:00:00+08:00'), (u) => correct(u, { branchId: b1, memberName: '吴敏', status: 'ABSENT', note: '外出培训未请假' }));
    // the audit rows a surface writes for the run (src/chat/effects.ts applyEffects): the corrections trail
    const actorId = secretary.kind === 'member' ? secretary.member.id : null;
    await h.db.prisma.auditLog.createMany({ data: fix.audits.map((a) => ({ ...a, detail: a.detail ?? {}, actorId, createdAt: at('2026-12-06T11:00:00+08:00') })) });
    await h.run(await who('m102'), at('2026-12-06T12:00:00+08:00'), (u) =>
      saveMinutes(u, { sessionId: theme, summary: '集体学习四中全会公报。', resolutions: '开展志愿服务', speakers: '王建国、张伟', attachments: '会议照片 https://example.org/p1.jpg', untitled: (n) => `附件${n}`, recorder: '李秀英', observers: '赵磊、钱进（工委联络员）', endsAt: at('2026-12-05T16:30:00+08:00') }),
    );
    // Branch 2: a theme day on 3 December with one check-in.
    const b2 = (await h.db.prisma.orgNode.findUniqueOrThrow({ where: { code: 'demo-branch-2' } })).id;
    const t2 = await notice(await who('m201'), b2, 'theme_day', '2026-12-03T15:00:00+08:00', '学习党章');
    await h.run(await who('m202'), at('2026-12-03T15:00:00+08:00'), (u) => checkIn(u, { sessionId: t2 }));
    // The 机关党委's own 委员会议 on 4 December, with two of its members present.
    const organKinds = (await h.run(h.system, EXPORT, (u) => branchKinds(u, { kind: 'ORGAN_COMMITTEE' }))).result;
    const draft = { kind: organKinds.find((x) => x.code === 'organ_committee')!, at: at('2026-12-04T09:00:00+08:00'), place: '机关党委会议室', topic: '研究四季度工作', attendeeNames: [], groupName: null };
    const oc = (await h.run(secretary, at('2026-11-20T10:00:00+08:00'), (u) => createNotice(u, { branchId: organ, draft }))).result.session.id;
    for (const code of ['m101', 'm107']) await h.run(await who(code), at('2026-12-04T08:55:00+08:00'), (u) => checkIn(u, { sessionId: oc }));
  }, 120_000);
  afterAll(() => h?.close());

  it('lists a held meeting with every column an inspector reads, and neither lists nor marks anyone absent from a future one', async () => {
    const d = (await h.run(secretary, EXPORT, (u) => ledgerData(u, { nodeId: b1, period: Q4 }))).result;
    expect(d.meetings.map((m) => m.kindCode)).toEqual(['theme_day']);
    expect(d.upcoming).toBe(1);

    const wb = await reopen(d);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['汇总', '应开实开', '主题党日', '更正记录']);
    const ws = wb.getWorksheet('主题党日')!;
    const head = values(ws, 2) as string[];
    expect(head).toEqual(ledgerColumns());
    for (const col of ['主持人', '记录人', '结束时间', '出席人员', '请假人员及原因', '缺席人员及原因', '补签人员及原因', '列席人员', '出席率', '到会过半数', '讲课人', '照片及附件', '更正记录']) expect(head).toContain(col);
    const cell = (name: string) => ws.getRow(3).getCell(head.indexOf(name) + 1).value;
    expect(cell('主持人')).toBe('王建国'); // the branch secretary, by default on the notice
    expect(cell('记录人')).toBe('李秀英');
    expect((cell('结束时间') as Date).toISOString()).toBe('2026-12-05T16:30:00.000Z'); // local wall clock
    expect([cell('应到'), cell('实到'), cell('请假'), cell('缺席'), cell('出席率'), cell('到会过半数')]).toEqual([10, 7, 1, 2, '70%', '是']);
    expect(cell('出席人员')).toBe('王建国、李秀英、张伟、陈静、赵磊、周涛');
    expect(cell('补签人员及原因')).toBe('杨帆（手机没电）');
    expect(cell('请假人员及原因')).toBe('刘洋（出差）');
    expect(cell('缺席人员及原因')).toBe('黄丽、吴敏（外出培训未请假）');
    expect(cell('列席人员')).toBe('赵磊、钱进（工委联络员）');
    expect(cell('照片及附件')).toBe('会议照片 https://example.org/p1.jpg');
    expect(String(cell('更正记录'))).toMatch(/王建国将吴敏由未响应更正为缺席（外出培训未请假）/);
    expect(cell('状态')).toBe('已召开');
    expect(values(ws, 4).slice(0, 4)).toEqual(['合计', null, null, '1 次'].map((v) => v ?? undefined));

    const summary = wb.getWorksheet('汇总')!;
    expect(values(summary, 3)).toEqual(['第一党支部（办公室）', 1, 10, 7, 1, 2, '70%', 1]);
    const notes = summary.getColumn(1).values.filter((v): v is string => typeof v === 'string');
    expect(notes).toContain('另有 1 次会议已发通知、尚未召开，未列入台账。');
    const cor = wb.getWorksheet('更正记录')!;
    expect(values(cor, 3).slice(2, 6)).toEqual(['吴敏', '未响应', '缺席', '王建国']);
  });

  it('shows 应开 and 实开 for every kind and month, zeros included', async () => {
    const d = (await h.run(secretary, EXPORT, (u) => ledgerData(u, { nodeId: b1, period: Q4 }))).result;
    const ws = (await reopen(d)).getWorksheet('应开实开')!;
    expect(values(ws, 2)).toEqual(['支部', '会议类型', '党小组', '频次要求', '考核期间', '应开', '实开', '是否达标', '2026年10月实开', '2026年11月实开', '2026年12月实开']);
    const rows = Array.from({ length: ws.rowCount - 2 }, (_, i) => values(ws, i + 3));
    // every kind the branch holds appears (党小组会 once per 党小组), even with nothing held
    const kinds = (await h.run(h.system, EXPORT, (u) => branchKinds(u))).result.map((k) => k.name);
    expect(new Set(rows.map((r) => r[1]))).toEqual(new Set(kinds));
    const theme = rows.filter((r) => r[1] === '主题党日');
    expect(theme.map((r) => [r[4], r[5], r[6], r[7]])).toEqual([
      ['2026年10月', 1, 0, '否'],
      ['2026年11月', 1, 0, '否'],
      ['2026年12月', 1, 1, '是'],
    ]);
    const lecture = rows.find((r) => r[1] === '党课')!;
    expect(lecture.slice(3)).toEqual(['每季度至少 1 次', '2026年第四季度', 1, 0, '否', 0, 0, 0]); // the future 党课 does not count
    const groups = rows.filter((r) => r[1] === '党小组会');
    expect(groups).toHaveLength(6); // monthly, per 党小组
    expect(new Set(groups.map((r) => r[2]))).toEqual(new Set(['第一党小组', '第二党小组']));
  });

  it('gives the 机关党委 one workbook covering every branch under it, and refuses others', async () => {
    const d = (await h.run(secretary, EXPORT, (u) => ledgerData(u, { nodeId: organ, period: Q4 }))).result;
    const organName = '示例市发展和改革委员会机关党委';
    expect(d.branches.map((b) => b.name)).toEqual(['第一党支部（办公室）', '第二党支部（规划处）', '第三党支部（综合处）', organName]);
    const wb = await reopen(d);
    const summary = wb.getWorksheet('汇总')!;
    expect([3, 4, 5, 6, 7].map((r) => values(summary, r).slice(0, 2))).toEqual([
      ['第一党支部（办公室）', 1],
      ['第二党支部（规划处）', 1],
      ['第三党支部（综合处）', 0],
      [organName, 1],
      ['合计', 3],
    ]);
    // its own meetings get their sheet, with the 机关党委 as the organisation
    const own = wb.getWorksheet('机关党委委员会议')!;
    expect([own.getRow(3).getCell(2).value, own.getRow(3).getCell(6).value]).toEqual([organName, '研究四季度工作']);
    const theme = wb.getWorksheet('主题党日')!;
    expect([3, 4].map((r) => theme.getRow(r).getCell(2).value)).toEqual(['第二党支部（规划处）', '第一党支部（办公室）']);
    const plan = wb.getWorksheet('应开实开')!;
    const rows = Array.from({ length: plan.rowCount - 2 }, (_, i) => values(plan, i + 3));
    expect(new Set(rows.map((r) => r[0]))).toEqual(new Set(d.branches.map((b) => b.name)));
    expect(rows.find((r) => r[0] === organName && r[1] === '机关党委委员会议')!.slice(4, 8)).toEqual(['2026年第四季度', 1, 1, '是']);

    // a 机关党委 committee member (branch 2's secretary) may have it; a plain member may not
    const r = await h.run(await who('m201'), EXPORT, (u) => requestLedger(u, { nodeId: organ, phrase: '本季度' }));
    expect(r.result.scope).toMatchObject({ id: organ, kind: 'ORGAN_COMMITTEE' });
    await expect(h.run(await who('m103'), EXPORT, (u) => ledgerData(u, { nodeId: organ, period: Q4 }))).rejects.toMatchObject({ code: 'errors.not_allowed' });
    await expect(h.run(await who('m103'), EXPORT, (u) => ledgerData(u, { nodeId: b1, period: Q4 }))).rejects.toMatchObject({ code: 'errors.not_allowed' });
  });

  it('does not call anyone absent while check-in is still open', async () => {
    const during = at('2026-12-05T15:00:00+08:00');
    const d = (await h.run(secretary, during, (u) => ledgerData(u, { nodeId: b1, period: Q4 }))).result;
    const m = d.meetings.find((x) => x.kindCode === 'theme_day')!;
    expect(m.checkinOpen).toBe(true);
    expect(m.absent.map((a) => a.name)).toEqual(['吴敏']); // marked by hand only
    expect(m.notAnswered).toEqual(['黄丽']);
  });

  it('the operator CLI writes the same workbook for a branch or the 机关党委 by code', async () => {
    const out = path.join(os.tmpdir(), `ledger-${kind}-${Date.now()}.xlsx`);
    const r = await exportLedgerFile(h.db, { code: 'demo-organ', period: '2026Q4', out, now: EXPORT });
    expect(r).toEqual({ scope: '示例市发展和改革委员会机关党委', period: '2026年第四季度', meetings: 3 });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(out);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['汇总', '应开实开', '主题党日', '机关党委委员会议', '更正记录']);
    await expect(exportLedgerFile(h.db, { code: 'demo-branch-1-g1', period: '2026Q4', out, now: EXPORT })).rejects.toThrow('没有代码为「demo-branch-1-g1」的党支部或机关党委');
  });

  it('names the 党课 lecturer the minutes give in the workbook', async () => {
    const b3 = (await h.db.prisma.orgNode.findUniqueOrThrow({ where: { code: 'demo-branch-3' } })).id;
    const kinds = (await h.run(h.system, EXPORT, (u) => branchKinds(u))).result;
    const draft = { kind: kinds.find((x) => x.code === 'party_lecture')!, at: at('2026-12-02T14:30:00+08:00'), place: '报告厅', topic: '新时代党的建设', attendeeNames: [], groupName: null };
    const id = (await h.run(await who('m301'), at('2026-11-20T10:00:00+08:00'), (u) => createNotice(u, { branchId: b3, draft }))).result.session.id;
    for (const code of ['m301', 'm302', 'm303']) await h.run(await who(code), at('2026-12-02T14:20:00+08:00'), (u) => checkIn(u, { sessionId: id }));
    await h.run(await who('m301'), at('2026-12-02T17:00:00+08:00'), (u) => saveMinutes(u, { sessionId: id, summary: '书记讲党课。', untitled: (n) => `附件${n}`, lecturer: '郑凯' }));
    const d = (await h.run(secretary, EXPORT, (u) => ledgerData(u, { nodeId: b3, period: Q4 }))).result;
    const ws = (await reopen(d)).getWorksheet('党课')!;
    const head = values(ws, 2) as string[];
    expect(ws.getRow(3).getCell(head.indexOf('讲课人') + 1).value).toBe('郑凯');
  });

  it('does not count a 党员大会 attended by half or fewer of those expected as held (实开), and flags it', async () => {
    const b3 = (await h.db.prisma.orgNode.findUniqueOrThrow({ where: { code: 'demo-branch-3' } })).id;
    const kinds = (await h.run(h.system, EXPORT, (u) => branchKinds(u))).result;
    const draft = { kind: kinds.find((x) => x.code === 'branch_assembly')!, at: at('2026-12-08T14:30:00+08:00'), place: '三楼会议室', topic: '讨论发展对象', attendeeNames: [], groupName: null };
    const id = (await h.run(await who('m301'), at('2026-11-20T10:00:00+08:00'), (u) => createNotice(u, { branchId: b3, draft }))).result.session.id;
    await h.run(await who('m302'), at('2026-12-08T14:20:00+08:00'), (u) => checkIn(u, { sessionId: id }));
    const d = (await h.run(secretary, EXPORT, (u) => ledgerData(u, { nodeId: b3, period: Q4 }))).result;
    expect(d.meetings.filter((m) => m.kindCode === 'branch_assembly').map((m) => m.quorum)).toEqual([false]);
    const ws = (await reopen(d)).getWorksheet('应开实开')!;
    const rows = Array.from({ length: ws.rowCount - 2 }, (_, i) => values(ws, i + 3));
    const assembly = rows.find((r) => r[1] === draft.kind.name)!;
    expect([assembly[5], assembly[6], assembly[7]]).toEqual([1, 0, '否']);
  });
});
