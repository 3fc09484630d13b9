// ExcelJS, loaded on first use: importing it costs ~0.3 s of CPU and 25 MB, and only file imports and
// exports (ledgers, lists, rosters, pledges) need it, so the service does not pay for it at start.
import type ExcelJS from 'exceljs';

let loading: Promise<typeof ExcelJS> | undefined;

export async function newWorkbook(): Promise<ExcelJS.Workbook> {
  loading ??= import('exceljs').then((m) => m.default);
  return new (await loading).Workbook();
}

/**
 * A sheet name Excel accepts for `name` (at most 31 characters, none of []:*?/\) and unique in the
 * book: a name taken already gets 2, 3 … in place of its last characters.
 */
export function sheetName(wb: ExcelJS.Workbook, name: string): string {
  const clean = name.replace(/[[\]:*?/\\]/g, '') || '-';
  for (let i = 1; ; i++) {
    const suffix = i === 1 ? '' : String(i);
    const candidate = clean.slice(0, 31 - suffix.length) + suffix;
    if (!wb.getWorksheet(candidate)) return candidate;
  }
}
