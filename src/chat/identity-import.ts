// Bulk binding of platform accounts to members from a CSV or xlsx mapping (e.g. exported from a
// platform's contacts). Columns (header row, any order): 平台, 企业ID (optional), 平台用户ID, and
// 工号 or 姓名 to find the member. All rows are checked first; nothing is written if any is bad.
// Reading and checking the file is this surface's job; the write is src/services/identity.ts.
import path from 'node:path';
import type ExcelJS from 'exceljs';
import { newWorkbook } from '../domain/workbook.js';
import type { Platform } from '../generated/prisma/enums.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { SYSTEM, type Principal } from '../access/index.js';
import { importIdentities, type IdentityRow } from '../services/identity.js';
import { runService } from '../services/run.js';

const PLATFORMS: Record<string, Platform> = {
  console: 'CONSOLE', 控制台: 'CONSOLE',
  lark: 'LARK', feishu: 'LARK', 飞书: 'LARK',
  dingtalk: 'DINGTALK', 钉钉: 'DINGTALK',
  wecom: 'WECOM', 企业微信: 'WECOM',
  wechaty: 'WECHATY',
};

const HEADERS = { platform: '平台', tenant: '企业ID', user: '平台用户ID', employeeNo: '工号', name: '姓名' } as const;

export interface ImportReport {
  bound: number;
  unchanged: number;
  errors: string[];
}

async function readRows(file: string): Promise<string[][]> {
  const wb = await newWorkbook();
  const sheet = file.toLowerCase().endsWith('.csv') ? await wb.csv.readFile(file) : (await wb.xlsx.readFile(file), wb.worksheets[0]);
  if (!sheet) return [];
  const rows: string[][] = [];
  sheet.eachRow({ includeEmpty: true }, (row, n) => {
    const values = Array.isArray(row.values) ? row.values.slice(1) : [];
    rows[n - 1] = values.map((v) => (v === null || v === undefined ? '' : String(typeof v === 'object' && 'text' in v ? v.text : v)).trim());
  });
  return Array.from(rows, (r) => r ?? []);
}

/**
 * Check every row and, when all are good (and not a dry run), bind them in one transaction as `by`
 * (default: the system, for the operator's CLI).
 */
export async function importBindings(prisma: PrismaClient, file: string, opts: { dryRun?: boolean; by?: Principal; now?: Date } = {}): Promise<ImportReport> {
  const name = path.basename(file);
  const rows = await readRows(file);
  const header = rows[0] ?? [];
  const col = (h: string) => header.indexOf(h);
  const errors: string[] = [];
  if (col(HEADERS.platform) < 0 || col(HEADERS.user) < 0 || (col(HEADERS.employeeNo) < 0 && col(HEADERS.name) < 0)) {
    return { bound: 0, unchanged: 0, errors: [`${name}：第 1 行：表头必须包含「平台」「平台用户ID」以及「工号」或「姓名」`] };
  }
  const members = await prisma.member.findMany({ where: { active: true }, select: { id: true, name: true, employeeNo: true } });
  const byNo = new Map(members.filter((m) => m.employeeNo).map((m) => [m.employeeNo!, m.id]));
  const byName = new Map<string, string[]>();
  for (const m of members) byName.set(m.name, [...(byName.get(m.name) ?? []), m.id]);

  const good: IdentityRow[] = [];
  const seen = new Map<string, number>();
  rows.slice(1).forEach((r, i) => {
    const line = i + 2;
    if (r.every((c) => !c)) return;
    const cell = (h: string) => (col(h) >= 0 ? (r[col(h)] ?? '') : '');
    const platform = PLATFORMS[cell(HEADERS.platform).toLowerCase()];
    const userId = cell(HEADERS.user);
    const no = cell(HEADERS.employeeNo);
    const who = cell(HEADERS.name);
    if (!platform) return void errors.push(`${name}：第 ${line} 行「平台」：无法识别「${cell(HEADERS.platform)}」，应为 飞书、钉钉、企业微信、wechaty 或 控制台`);
    if (!userId || userId.length > 256) return void errors.push(`${name}：第 ${line} 行「平台用户ID」：不能为空且不超过 256 个字符`);
    let memberId: string | undefined;
    if (no) {
      memberId = byNo.get(no);
      if (!memberId) return void errors.push(`${name}：第 ${line} 行「工号」：找不到工号为 ${no} 的党员`);
    } else {
      const ids = byName.get(who) ?? [];
      if (ids.length !== 1) return void errors.push(`${name}：第 ${line} 行「姓名」：${ids.length ? `有 ${ids.length} 名党员叫「${who}」，请填写工号` : `找不到党员「${who}」`}`);
      memberId = ids[0];
    }
    const key = `${platform}|${cell(HEADERS.tenant)}|${userId}`;
    if (seen.has(key)) return void errors.push(`${name}：第 ${line} 行：与第 ${seen.get(key)} 行是同一个平台账号`);
    seen.set(key, line);
    good.push({ line, platform, tenantKey: cell(HEADERS.tenant), platformUserId: userId, memberId: memberId! });
  });
  if (errors.length || opts.dryRun) return { bound: 0, unchanged: 0, errors };

  const { result } = await runService(prisma, opts.by ?? SYSTEM, opts.now ?? new Date(), (unit) => importIdentities(unit, { rows: good, file: name }));
  return { ...result, errors: [] };
}
