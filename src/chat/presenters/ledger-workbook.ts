// The ledger workbook (电子台账, xlsx) from the ledger service's data (src/services/ledger.ts), laid
// out for an inspector: 汇总 (per branch), 应开实开 (every kind and obligation window, with the count
// of each month, zeros included), one sheet per meeting kind with the full record of every meeting
// that took place, and 更正记录. Headings and words come from prompts/replies/ledger.yaml. Member
// text is written as plain strings (a text that looks like a formula stays text).
import type ExcelJS from 'exceljs';
import { newWorkbook, sheetName } from '../../domain/workbook.js';
import type { LedgerData, LedgerMeeting, LedgerPlanRow } from '../../services/ledger.js';
import type { AttendanceStatus } from '../../generated/prisma/enums.js';
import { DEFAULT_TZ, formatDateTime, toLocal } from '../../domain/life/time.js';
import { say } from '../wording.js';
import { isWebLink } from '../../services/minutes.js';

/** Excel has no zones: store the local wall clock as if it were UTC, shown with a date format. */
function excelLocal(instant: Date, tz: string): Date {
  const l = toLocal(instant, tz);
  return new Date(Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute));
}

const STATUS_WORDS: Record<AttendanceStatus, string> = {
  PRESENT: 'meeting.status_present',
  LEAVE: 'meeting.status_leave',
  ABSENT: 'meeting.status_absent',
  LATE: 'meeting.status_late',
  PENDING: 'meeting.status_pending',
};
export const statusWord = (s: string) => (s in STATUS_WORDS ? say(STATUS_WORDS[s as AttendanceStatus]) : s);

const RULE_WORDS = { month: 'ledger.book.rule_month', quarter: 'ledger.book.rule_quarter', half: 'ledger.book.rule_half', year: 'ledger.book.rule_year' } as const;
export const ruleText = (r: LedgerPlanRow['rule']) => say(RULE_WORDS[r.period], { n: r.atLeast });

const yesNo = (b: boolean) => say(b ? 'ledger.book.yes' : 'ledger.book.no');
export const percent = (x: number) => `${Math.round(x * 1000) / 10}%`;
/** 张伟（出差）、李明 */
export const withReasons = (xs: Array<{ name: string; reason: string | null }>) => xs.map((x) => (x.reason ? `${x.name}（${x.reason}）` : x.name)).join('、');

export function meetingStatus(m: LedgerMeeting): string {
  if (m.state === 'unconfirmed') return say('ledger.book.status_unconfirmed');
  if (m.backfilled) return say('ledger.book.status_backfilled');
  if (m.checkinOpen) return say('ledger.book.status_checkin_open');
  return say(m.minutes ? 'ledger.book.status_held' : 'ledger.book.status_held_no_minutes');
}

export function correctionLines(m: LedgerMeeting, tz: string): string[] {
  return m.corrections.map((c) => say('ledger.book.correction_line', { at: formatDateTime(c.at, tz), by: c.by ?? '', name: c.name, from: statusWord(c.from), to: statusWord(c.to) }) + (c.note ? `（${c.note}）` : ''));
}

/** The kind sheets' columns, in order: wording key and width. */
const COLUMNS: Array<[string, number]> = [
  ['ledger.book.col_seq', 6],
  ['ledger.book.col_branch', 18],
  ['ledger.book.col_org', 16],
  ['ledger.book.col_start', 18],
  ['ledger.book.col_end', 18],
  ['ledger.book.col_topic', 28],
  ['ledger.book.col_place', 14],
  ['ledger.book.col_host', 10],
  ['ledger.book.col_recorder', 10],
  ['ledger.book.col_lecturer', 10],
  ['ledger.book.col_expected', 7],
  ['ledger.book.col_attended', 7],
  ['ledger.book.col_leave', 7],
  ['ledger.book.col_absent', 7],
  ['ledger.book.col_rate', 9],
  ['ledger.book.col_quorum', 9],
  ['ledger.book.col_present', 30],
  ['ledger.book.col_late', 22],
  ['ledger.book.col_leave_names', 26],
  ['ledger.book.col_absent_names', 22],
  ['ledger.book.col_not_answered', 18],
  ['ledger.book.col_observers', 16],
  ['ledger.book.col_summary', 44],
  ['ledger.book.col_resolutions', 30],
  ['ledger.book.col_speakers', 16],
  ['ledger.book.col_attachments', 36],
  ['ledger.book.col_corrections', 30],
  ['ledger.book.col_status', 16],
];

/** The kind sheets' column headings, in order (for tests and readers of the file). */
export const ledgerColumns = (): string[] => COLUMNS.map(([k]) => say(k));

function meetingCells(m: LedgerMeeting, i: number, tz: string): Array<string | number | Date | null> {
  const attended = m.present.length + m.late.length;
  return [
    i + 1,
    m.branchName,
    m.orgNodeName,
    excelLocal(m.startsAt, tz),
    m.endsAt ? excelLocal(m.endsAt, tz) : null,
    m.topic,
    m.place,
    m.host,
    m.recorder,
    m.lecturer,
    m.expected,
    m.state === 'held' ? attended : null,
    m.state === 'held' ? m.leave.length : null,
    m.state === 'held' ? m.absent.length : null,
    m.state === 'held' ? percent(m.rate) : null,
    m.state === 'held' ? yesNo(m.quorum) : null,
    m.present.join('、'),
    withReasons(m.late),
    withReasons(m.leave),
    withReasons(m.absent),
    m.notAnswered.join('、'),
    m.observers.join('、'),
    m.minutes?.summary ?? null,
    m.minutes?.resolutions ?? null,
    m.minutes?.speakers.join('、') ?? null,
    m.minutes?.attachments.map((a) => (isWebLink(a) ? `${a.title} ${a.url}` : say('ledger.book.kept_from_chat', { title: a.title }))).join('\n') ?? null,
    correctionLines(m, tz).join('\n'),
    meetingStatus(m),
  ].map((v) => (v === '' ? null : v));
}

export function titleRow(ws: ExcelJS.Worksheet, text: string, span: number): void {
  ws.mergeCells(1, 1, 1, span);
  ws.getCell(1, 1).value = text;
  ws.getCell(1, 1).font = { bold: true, size: 14 };
}

export function headerRow(ws: ExcelJS.Worksheet, headings: string[]): void {
  const header = ws.addRow(headings);
  header.font = { bold: true };
  header.eachCell((c) => {
    c.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE8EEF7' } };
    c.alignment = { vertical: 'middle', horizontal: 'center', wrapText: true };
  });
}

const sum = <T>(xs: T[], f: (x: T) => number) => xs.reduce((a, x) => a + f(x), 0);
export const PAGE = { orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0 } as const;

export async function ledgerWorkbook(d: LedgerData, tz = DEFAULT_TZ): Promise<Buffer> {
  const wb = await newWorkbook();
  wb.creator = '支部助手';
  wb.created = d.now;
  const vars = { scope: d.scope.name, period: d.period.label };
  const held = d.meetings.filter((m) => m.state === 'held');

  // 汇总: one row per branch.
  const sumHeads = ['ledger.book.sum_branch', 'ledger.book.sum_meetings', 'ledger.book.sum_expected', 'ledger.book.sum_attended', 'ledger.book.sum_leave', 'ledger.book.sum_absent', 'ledger.book.sum_rate', 'ledger.book.sum_minutes'].map((k) => say(k));
  const summary = wb.addWorksheet(say('ledger.book.sheet_summary'), { views: [{ state: 'frozen', ySplit: 2 }], pageSetup: PAGE });
  summary.columns = sumHeads.map((_, i) => ({ width: i === 0 ? 28 : 12 }));
  titleRow(summary, say('ledger.book.title', vars), sumHeads.length);
  headerRow(summary, sumHeads);
  const line = (label: string, ms: LedgerMeeting[]) => {
    const expected = sum(ms, (m) => m.expected);
    const attended = sum(ms, (m) => m.present.length + m.late.length);
    return [label, ms.length, expected, attended, sum(ms, (m) => m.leave.length), sum(ms, (m) => m.absent.length), expected ? percent(attended / expected) : '—', ms.filter((m) => m.minutes).length];
  };
  for (const b of d.branches) summary.addRow(line(b.name, held.filter((m) => m.branchName === b.name)));
  summary.addRow(line(say('ledger.book.total'), held)).font = { bold: true };
  summary.addRow([]);
  if (!held.length) summary.addRow([say('ledger.book.none')]);
  if (d.upcoming) summary.addRow([say('ledger.book.upcoming', { n: d.upcoming })]);
  summary.addRow([say('ledger.book.generated', { time: formatDateTime(d.now, tz) })]);

  // 应开实开: every kind and window, with each month's count.
  const planHeads = [...['ledger.book.plan_branch', 'ledger.book.plan_kind', 'ledger.book.plan_group', 'ledger.book.plan_rule', 'ledger.book.plan_part', 'ledger.book.plan_required', 'ledger.book.plan_held', 'ledger.book.plan_met'].map((k) => say(k)), ...d.months.map((m) => say('ledger.book.plan_month', { month: m.label }))];
  const plan = wb.addWorksheet(say('ledger.book.sheet_plan'), { views: [{ state: 'frozen', ySplit: 2 }], pageSetup: PAGE });
  plan.columns = planHeads.map((_, i) => ({ width: [26, 14, 16, 16, 16][i] ?? 10 }));
  titleRow(plan, say('ledger.book.title', vars), planHeads.length);
  headerRow(plan, planHeads);
  for (const r of d.plan) plan.addRow([r.branchName, r.kindName, r.group, ruleText(r.rule), r.part.label, r.required, r.held, yesNo(r.held >= r.required), ...r.months]);

  // One sheet per kind that has meetings.
  const kinds = [...new Map(d.meetings.map((m) => [m.kindCode, m.kindName])).entries()];
  for (const [code, name] of kinds) {
    const ms = d.meetings.filter((m) => m.kindCode === code);
    const ws = wb.addWorksheet(sheetName(wb, name), { views: [{ state: 'frozen', ySplit: 2 }], pageSetup: PAGE });
    ws.columns = COLUMNS.map(([, width]) => ({ width }));
    titleRow(ws, say('ledger.book.kind_title', { ...vars, kind: name }), COLUMNS.length);
    headerRow(ws, ledgerColumns());
    ms.forEach((m, i) => {
      const row = ws.addRow(meetingCells(m, i, tz));
      row.getCell(4).numFmt = 'yyyy-mm-dd hh:mm';
      row.getCell(5).numFmt = 'yyyy-mm-dd hh:mm';
      row.alignment = { vertical: 'top', wrapText: true };
    });
    const h = ms.filter((m) => m.state === 'held');
    const totals = ws.addRow([say('ledger.book.total'), null, null, say('ledger.book.times', { n: h.length }), null, null, null, null, null, null, sum(h, (m) => m.expected), sum(h, (m) => m.present.length + m.late.length), sum(h, (m) => m.leave.length), sum(h, (m) => m.absent.length)]);
    totals.font = { bold: true };
  }

  // 更正记录
  const corHeads = ['ledger.book.cor_meeting', 'ledger.book.cor_time', 'ledger.book.cor_member', 'ledger.book.cor_from', 'ledger.book.cor_to', 'ledger.book.cor_by', 'ledger.book.cor_at', 'ledger.book.cor_note'].map((k) => say(k));
  const cor = wb.addWorksheet(say('ledger.book.sheet_corrections'), { views: [{ state: 'frozen', ySplit: 2 }], pageSetup: PAGE });
  cor.columns = corHeads.map((_, i) => ({ width: [30, 18, 10, 10, 10, 10, 18, 30][i] }));
  titleRow(cor, say('ledger.book.title', vars), corHeads.length);
  headerRow(cor, corHeads);
  for (const m of d.meetings) {
    for (const c of m.corrections) cor.addRow([`${m.branchName} ${m.kindName}「${m.topic}」`, formatDateTime(m.startsAt, tz), c.name, statusWord(c.from), statusWord(c.to), c.by, formatDateTime(c.at, tz), c.note || null]);
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export function ledgerFileName(d: Pick<LedgerData, 'scope' | 'period'>): string {
  return say('ledger.book.file_name', { scope: d.scope.name, period: d.period.key });
}
