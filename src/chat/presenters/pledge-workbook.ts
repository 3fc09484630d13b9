// The xlsx workbook of a campaign (what the export service returns, src/services/pledges-oversight.ts):
// 承诺清单 (one row per pledge item; a member with nothing submitted gets one row) and 践诺情况 (one
// row per progress report). Member text is written as plain string cells in text format: a text
// that looks like a formula (=HYPERLINK(…)) stays text. Times in the configured zone.
import type ExcelJS from 'exceljs';
import { newWorkbook } from '../../domain/workbook.js';
import { formatLocal } from '../../domain/pledges/rules.js';
import { STATUS_NAMES } from './pledges.js';
import type { ExportData } from '../../services/pledges-oversight.js';

const PROGRESS_NAMES = { IN_PROGRESS: '进行中', DONE: '已完成' } as const;
const DECISION_NAMES = { PENDING: '待审核', APPROVED: '已通过', REJECTED: '已退回' } as const;

export async function campaignWorkbook({ campaign: c, pledges }: ExportData, tz: string): Promise<{ buffer: Buffer; filename: string }> {

  const wb = await newWorkbook();
  wb.creator = '支部助手';
  wb.created = new Date();

  const sheet = wb.addWorksheet('承诺清单');
  sheet.columns = [
    { header: '支部', key: 'branch', width: 24 },
    { header: '姓名', key: 'name', width: 10 },
    { header: '状态', key: 'status', width: 10 },
    { header: '是否逾期', key: 'late', width: 10 },
    { header: '提交时间', key: 'submittedAt', width: 20 },
    { header: '序号', key: 'position', width: 6 },
    { header: '类别', key: 'category', width: 12 },
    { header: '承诺内容', key: 'content', width: 60 },
    { header: '退回意见', key: 'comment', width: 30 },
  ];
  for (const p of pledges) {
    const base = {
      branch: p.member.branch.name,
      name: p.member.name,
      status: STATUS_NAMES[p.status],
      late: p.late ? '逾期提交' : null,
      submittedAt: p.submittedAt ? formatLocal(p.submittedAt, tz) : null,
      comment: p.status === 'RETURNED' ? (p.reviews[0]?.comment ?? null) : null,
    };
    // Empty cells stay empty (null), not empty strings.
    if (!p.items.length) sheet.addRow({ ...base, position: null, category: null, content: null });
    for (const it of p.items) sheet.addRow({ ...base, position: it.position, category: it.category, content: it.content });
  }

  const reports = wb.addWorksheet('践诺情况');
  reports.columns = [
    { header: '支部', key: 'branch', width: 24 },
    { header: '姓名', key: 'name', width: 10 },
    { header: '序号', key: 'position', width: 6 },
    { header: '承诺内容', key: 'content', width: 50 },
    { header: '期间', key: 'period', width: 16 },
    { header: '进展', key: 'state', width: 10 },
    { header: '佐证材料', key: 'evidence', width: 50 },
    { header: '汇报时间', key: 'submittedAt', width: 20 },
    { header: '审核', key: 'review', width: 10 },
  ];
  for (const p of pledges) {
    for (const it of p.items) {
      for (const r of it.reports) {
        reports.addRow({
          branch: p.member.branch.name,
          name: p.member.name,
          position: it.position,
          content: it.content,
          period: r.period,
          state: PROGRESS_NAMES[r.state],
          evidence: r.evidence,
          submittedAt: formatLocal(r.submittedAt, tz),
          review: DECISION_NAMES[r.reviewStatus],
        });
      }
    }
  }

  for (const ws of [sheet, reports]) {
    ws.getRow(1).font = { bold: true };
    ws.views = [{ state: 'frozen', ySplit: 1 }];
    // Text format for every column but 序号, so nothing typed by a member is read as a formula or number.
    ws.columns.forEach((col) => {
      if (col.key !== 'position') col.numFmt = '@';
      col.alignment = { wrapText: true, vertical: 'top' };
    });
  }

  const buffer = Buffer.from(await wb.xlsx.writeBuffer());
  const safeName = c.name.replace(/[\\/:*?"<>|\r\n]/g, '_');
  return { buffer, filename: `${safeName}.xlsx` };
}
