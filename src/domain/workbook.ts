// ExcelJS, loaded on first use: importing it costs ~0.3 s of CPU and 25 MB, and only file imports and
// exports (ledgers, lists, rosters, pledges) need it, so the service does not pay for it at start.
import type ExcelJS from 'exceljs';

let loading: Promise<typeof ExcelJS> | undefined;

export async function newWorkbook(): Promise<ExcelJS.Workbook> {
  loading ??= import('exceljs').then((m) => m.default);
  return new (await loading).Workbook();
}
