// The electronic ledger (电子台账): for a branch and a period, every session (not cancelled) with
// its attendance and minutes, as an xlsx workbook laid out for inspection: a 汇总 sheet, then one
// sheet per meeting kind with Chinese headers, a frozen header, column widths, local times and a
// totals row.
import ExcelJS from 'exceljs';
import type { Tx } from '../../db/client.js';
import { DEFAULT_TZ, toLocal } from './time.js';
import { parsePeriod, type PeriodRange } from './period.js';
import { branchScope } from './sessions.js';

const STATUS_NAMES = { SCHEDULED: '未填写纪实', HELD: '已召开', CANCELLED: '已取消' } as const;

export interface LedgerRow {
  sessionId: string;
  kindCode: string;
  kindName: string;
  orgNodeName: string;
  topic: string;
  place: string | null;
  startsAt: Date;
  status: keyof typeof STATUS_NAMES;
  host: string | null;
  recorder: string | null;
  expected: number;
  present: string[]; // 签到
  late: string[]; // 补签
  leave: Array<{ name: string; reason: string | null }>;
  absent: string[]; // 缺席 or never answered
  minutes: { summary: string; resolutions: string | null; speakers: string[]; attachments: Array<{ title: string; url: string }>; recordedBy: string | null } | null;
}

export interface Ledger {
  branch: { id: string; code: string; name: string };
  period: PeriodRange;
  rows: LedgerRow[];
}

export async function loadLedger(tx: Tx, branchId: string, period: PeriodRange): Promise<Ledger> {
  const branch = await tx.orgNode.findUniqueOrThrow({ where: { id: branchId }, select: { id: true, code: true, name: true } });
  const sessions = await tx.meetingSession.findMany({
    where: { orgNodeId: { in: await branchScope(tx, branchId) }, startsAt: { gte: period.start, lt: period.end }, status: { not: 'CANCELLED' } },
    include: {
      kind: true,
      orgNode: { select: { name: true } },
      minutes: true,
      attendances: { include: { member: { select: { name: true } }, requests: { where: { status: 'APPROVED' }, orderBy: { createdAt: 'desc' } } }, orderBy: { member: { name: 'asc' } } },
    },
    orderBy: { startsAt: 'asc' },
  });
  const memberIds = [...new Set(sessions.flatMap((s) => [s.hostId, s.recorderId, s.minutes?.recordedById]).filter((x): x is string => !!x))];
  const names = new Map((await tx.member.findMany({ where: { id: { in: memberIds } }, select: { id: true, name: true } })).map((m) => [m.id, m.name]));
  const rows = sessions.map((s): LedgerRow => {
    const by = (st: string) => s.attendances.filter((a) => a.status === st);
    return {
      sessionId: s.id,
      kindCode: s.kind.code,
      kindName: s.kind.name,
      orgNodeName: s.orgNode.name,
      topic: s.topic,
      place: s.place,
      startsAt: s.startsAt,
      status: s.status,
      host: s.hostId ? (names.get(s.hostId) ?? null) : null,
      recorder: (s.recorderId ? names.get(s.recorderId) : s.minutes ? names.get(s.minutes.recordedById) : undefined) ?? null,
      expected: s.attendances.length,
      present: by('PRESENT').map((a) => a.member.name),
      late: by('LATE').map((a) => a.member.name),
      leave: by('LEAVE').map((a) => ({ name: a.member.name, reason: a.requests.find((r) => r.kind === 'LEAVE')?.reason ?? null })),
      absent: [...by('ABSENT'), ...by('PENDING')].map((a) => a.member.name),
      minutes: s.minutes
        ? {
            summary: s.minutes.summary,
            resolutions: s.minutes.resolutions,
            speakers: s.minutes.speakers,
            attachments: (s.minutes.attachments as Array<{ title: string; url: string }>) ?? [],
            recordedBy: names.get(s.minutes.recordedById) ?? null,
          }
        : null,
    };
  });
  return { branch, period, rows };
}

/** Excel has no zones: store the local wall clock as if it were UTC, shown with a date format. */
function excelLocal(instant: Date, tz: string): Date {
  const l = toLocal(instant, tz);
  return new Date(Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute));
}

const COLUMNS: Array<{ header: string; width: number }> = [
  { header: '序号', width: 6 },
  { header: '会议时间', width: 18 },
  { header: '组织', width: 16 },
  { header: '会议主题', width: 30 },
  { header: '地点', width: 16 },
  { header: '主持人', width: 10 },
  { header: '记录人', width: 10 },
  { header: '应到', width: 7 },
  { header: '实到', width: 7 },
  { header: '请假', width: 7 },
  { header: '缺席', width: 7 },
  { header: '出席人员', width: 30 },
  { header: '补签人员', width: 16 },
  { header: '请假人员及原因', width: 28 },
  { header: '缺席人员', width: 20 },
  { header: '会议内容摘要', width: 48 },
  { header: '决议事项', width: 32 },
  { header: '发言人', width: 18 },
  { header: '附件', width: 36 },
  { header: '状态', width: 12 },
];

export async function ledgerWorkbook(ledger: Ledger, tz = DEFAULT_TZ): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = '支部助手';
  wb.created = new Date();
  const title = `${ledger.branch.name} 组织生活电子台账（${ledger.period.label}）`;

  const kinds = [...new Map(ledger.rows.map((r) => [r.kindCode, r.kindName])).entries()];
  const summary = wb.addWorksheet('汇总', { views: [{ state: 'frozen', ySplit: 2 }] });
  summary.columns = [{ width: 22 }, { width: 10 }, { width: 10 }, { width: 10 }, { width: 10 }, { width: 12 }];
  summary.mergeCells('A1:F1');
  summary.getCell('A1').value = title;
  summary.getCell('A1').font = { bold: true, size: 14 };
  summary.addRow(['会议类型', '次数', '应到人次', '实到人次', '请假人次', '已填写纪实']).font = { bold: true };
  for (const [code, name] of kinds) {
    const rs = ledger.rows.filter((r) => r.kindCode === code);
    summary.addRow([name, rs.length, sum(rs, (r) => r.expected), sum(rs, (r) => r.present.length + r.late.length), sum(rs, (r) => r.leave.length), rs.filter((r) => r.minutes).length]);
  }
  summary.addRow(['合计', ledger.rows.length, sum(ledger.rows, (r) => r.expected), sum(ledger.rows, (r) => r.present.length + r.late.length), sum(ledger.rows, (r) => r.leave.length), ledger.rows.filter((r) => r.minutes).length]).font = { bold: true };
  if (!ledger.rows.length) summary.addRow(['本期没有会议记录']);

  for (const [code, name] of kinds) {
    const rs = ledger.rows.filter((r) => r.kindCode === code);
    const ws = wb.addWorksheet(name.slice(0, 31), { views: [{ state: 'frozen', ySplit: 2 }], pageSetup: { orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0 } });
    ws.columns = COLUMNS.map((c) => ({ width: c.width }));
    ws.mergeCells(1, 1, 1, COLUMNS.length);
    ws.getCell(1, 1).value = `${ledger.branch.name} ${name}台账（${ledger.period.label}）`;
    ws.getCell(1, 1).font = { bold: true, size: 14 };
    const header = ws.addRow(COLUMNS.map((c) => c.header));
    header.font = { bold: true };
    header.eachCell((c) => {
      c.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE8EEF7' } };
      c.alignment = { vertical: 'middle', horizontal: 'center', wrapText: true };
    });
    rs.forEach((r, i) => {
      const row = ws.addRow([
        i + 1,
        excelLocal(r.startsAt, tz),
        r.orgNodeName,
        r.topic,
        r.place ?? '',
        r.host ?? '',
        r.recorder ?? '',
        r.expected,
        r.present.length + r.late.length,
        r.leave.length,
        r.absent.length,
        r.present.join('、'),
        r.late.join('、'),
        r.leave.map((l) => (l.reason ? `${l.name}（${l.reason}）` : l.name)).join('、'),
        r.absent.join('、'),
        r.minutes?.summary ?? '',
        r.minutes?.resolutions ?? '',
        r.minutes?.speakers.join('、') ?? '',
        r.minutes?.attachments.map((a) => `${a.title} ${a.url}`).join('\n') ?? '',
        STATUS_NAMES[r.status],
      ]);
      row.getCell(2).numFmt = 'yyyy-mm-dd hh:mm';
      row.alignment = { vertical: 'top', wrapText: true };
    });
    const totals = ws.addRow(['合计', `${rs.length} 次`, '', '', '', '', '', sum(rs, (r) => r.expected), sum(rs, (r) => r.present.length + r.late.length), sum(rs, (r) => r.leave.length), sum(rs, (r) => r.absent.length)]);
    totals.font = { bold: true };
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

function sum<T>(xs: T[], f: (x: T) => number): number {
  return xs.reduce((a, x) => a + f(x), 0);
}

export function ledgerFileName(ledger: Pick<Ledger, 'branch' | 'period'>): string {
  return `${ledger.branch.name}-组织生活台账-${ledger.period.key}.xlsx`;
}

/** For the CLI: write the workbook of a branch (by code) and a period (2026Q4, 2026-12, 2026 …) to a file. */
export async function exportLedgerFile(tx: Tx, opts: { branchCode: string; period: string; out: string; timezone?: string; now?: Date }): Promise<{ branch: string; period: string; sessions: number }> {
  const tz = opts.timezone ?? DEFAULT_TZ;
  const branch = await tx.orgNode.findUnique({ where: { code: opts.branchCode }, select: { id: true, kind: true, name: true } });
  if (!branch || branch.kind !== 'BRANCH') throw new Error(`没有代码为「${opts.branchCode}」的党支部`);
  const period = parsePeriod(opts.period, opts.now ?? new Date(), tz);
  if (!period) throw new Error(`期间「${opts.period}」无效，例如 2026Q4、2026-12、2026`);
  const ledger = await loadLedger(tx, branch.id, period);
  const { writeFile } = await import('node:fs/promises');
  await writeFile(opts.out, await ledgerWorkbook(ledger, tz));
  return { branch: branch.name, period: period.label, sessions: ledger.rows.length };
}
