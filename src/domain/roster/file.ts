// The organisation and roster workbook (组织与党员.xlsx) an organ's IT staff or the 机关党委 fills in:
// reading it (xlsx, or one CSV per sheet named after the sheet) and checking it whole. Surface-neutral:
// the CLI reads files with it, a web upload could hand it bytes; src/services/org-import.ts applies the
// checked roster. Every problem names the file, sheet, row and column, in Chinese, like the duty list's.
//
// Sheets (Chinese headers, any order; extra columns are ignored):
//   组织     组织编码 | 组织名称 | 组织类型 (工委, 单位, 机关党委, 党支部, 党小组) | 上级组织编码 (empty only at the top)
//   党员     工号 | 姓名 | 所在组织编码 (a 党支部 or 党小组) | 职务 (zero or more, separated by 、) | 手机号 | 状态
//   平台账号 工号 | 平台 (飞书, 钉钉, 企业微信) | 平台用户ID | 企业ID (optional: the platform tenant)
import path from 'node:path';
import type ExcelJS from 'exceljs';
import { newWorkbook } from '../workbook.js';
import type { OrgKind, Platform, PostTitle } from '../../generated/prisma/enums.js';
import { POST_NAMES } from '../org.js';

export const SHEETS = { orgs: '组织', members: '党员', accounts: '平台账号' } as const;

export const ORG_COLUMNS = { code: '组织编码', name: '组织名称', kind: '组织类型', parent: '上级组织编码' } as const;
export const MEMBER_COLUMNS = { employeeNo: '工号', name: '姓名', org: '所在组织编码', posts: '职务', mobile: '手机号', status: '状态' } as const;
export const ACCOUNT_COLUMNS = { employeeNo: '工号', platform: '平台', user: '平台用户ID', tenant: '企业ID' } as const;

export const ORG_KIND_NAMES: Record<OrgKind, string> = {
  WORK_COMMITTEE: '工委',
  UNIT: '单位',
  ORGAN_COMMITTEE: '机关党委',
  BRANCH: '党支部',
  GROUP: '党小组',
};

/** Which kinds a node of each kind may sit under (null: may be the top). */
const PARENT_KINDS: Record<OrgKind, Array<OrgKind | null>> = {
  WORK_COMMITTEE: [null],
  UNIT: [null, 'WORK_COMMITTEE'],
  ORGAN_COMMITTEE: ['UNIT'],
  BRANCH: ['ORGAN_COMMITTEE', 'UNIT'],
  GROUP: ['BRANCH'],
};

export type MemberStatus = 'ACTIVE' | 'TRANSFERRED_OUT' | 'SUSPENDED';
export const STATUS_NAMES: Record<MemberStatus, string> = { ACTIVE: '正常', TRANSFERRED_OUT: '转出', SUSPENDED: '停止党籍' };

export const PLATFORM_NAMES: Partial<Record<Platform, string>> = { LARK: '飞书', DINGTALK: '钉钉', WECOM: '企业微信' };
const PLATFORM_ALIASES: Record<string, Platform> = { 飞书: 'LARK', lark: 'LARK', feishu: 'LARK', 钉钉: 'DINGTALK', dingtalk: 'DINGTALK', 企业微信: 'WECOM', wecom: 'WECOM' };

/** Posts only one active member may hold at a node. */
export const SINGLE_HOLDER_POSTS: PostTitle[] = [
  'PARTY_GROUP_SECRETARY',
  'ORGAN_SECRETARY',
  'BRANCH_SECRETARY',
  'ORGANIZING_MEMBER',
  'PUBLICITY_MEMBER',
  'DISCIPLINE_MEMBER',
  'GROUP_LEADER',
  'WORK_COMMITTEE_SECRETARY',
];

/** The kind of node a post sits at, above (or at) the member's 党支部 / 党小组. */
export function postLevel(title: PostTitle): OrgKind {
  if (title === 'GROUP_LEADER') return 'GROUP';
  if (title.startsWith('WORK_COMMITTEE_')) return 'WORK_COMMITTEE';
  if (title.startsWith('PARTY_GROUP_')) return 'UNIT';
  if (title.startsWith('ORGAN_')) return 'ORGAN_COMMITTEE';
  return 'BRANCH';
}

const POST_BY_NAME: Map<string, PostTitle> = new Map([
  ...(Object.entries(POST_NAMES) as Array<[PostTitle, string]>).map(([t, n]) => [n, t] as [string, PostTitle]),
  ['党支部书记', 'BRANCH_SECRETARY'],
  ['党支部副书记', 'BRANCH_DEPUTY_SECRETARY'],
  ['机关党委副书记', 'ORGAN_DEPUTY_SECRETARY'],
]);

export interface RosterOrg {
  code: string;
  name: string;
  kind: OrgKind;
  parentCode: string | null;
  row: number;
}

export interface RosterMember {
  employeeNo: string;
  name: string;
  /** The 党支部 the member belongs to, and the 党小组 when the row names one. */
  branchCode: string;
  groupCode: string | null;
  /** Each post with the code of the node it is held at. */
  posts: Array<{ title: PostTitle; orgCode: string }>;
  mobile: string | null;
  status: MemberStatus;
  row: number;
}

export interface RosterAccount {
  employeeNo: string;
  platform: Platform;
  tenantKey: string;
  platformUserId: string;
  row: number;
}

export interface Roster {
  file: string;
  orgs: RosterOrg[];
  members: RosterMember[];
  accounts: RosterAccount[];
}

export class RosterFileError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'RosterFileError';
  }
}

/** Sheet name → rows of trimmed cell texts (row 1 is the header; index = row number − 1). */
export type SheetRows = Map<string, string[][]>;

function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'object') {
    if ('richText' in v) return v.richText.map((r) => r.text).join('');
    if ('text' in v) return String(v.text);
    if ('result' in v) return cellText(v.result as ExcelJS.CellValue);
    return '';
  }
  return String(v);
}

function sheetRows(sheet: ExcelJS.Worksheet): string[][] {
  const rows: string[][] = [];
  sheet.eachRow({ includeEmpty: false }, (row, n) => {
    const values = Array.isArray(row.values) ? row.values.slice(1) : [];
    rows[n - 1] = Array.from(values, (v) => cellText(v as ExcelJS.CellValue).trim());
  });
  return Array.from(rows, (r) => r ?? []);
}

/**
 * Read the sheets of a workbook (.xlsx), or of CSV files each named after its sheet (组织.csv, 党员.csv,
 * 平台账号.csv). Throws RosterFileError when a file cannot be read.
 */
export async function readRosterFiles(files: string[]): Promise<{ name: string; sheets: SheetRows }> {
  const sheets: SheetRows = new Map();
  const names = files.map((f) => path.basename(f));
  for (const file of files) {
    const base = path.basename(file);
    const wb = await newWorkbook();
    try {
      if (/\.csv$/i.test(file)) {
        const sheet = await wb.csv.readFile(file);
        const sheetName = base.replace(/\.csv$/i, '');
        if (!Object.values(SHEETS).includes(sheetName as never)) throw new RosterFileError([`${base}：CSV 文件须以工作表命名：组织.csv、党员.csv、平台账号.csv`]);
        sheets.set(sheetName, sheetRows(sheet));
      } else if (/\.xlsx$/i.test(file)) {
        await wb.xlsx.readFile(file);
        for (const ws of wb.worksheets) sheets.set(ws.name.trim(), sheetRows(ws));
      } else throw new RosterFileError([`${base}：只支持 .xlsx 工作簿或 .csv 文件`]);
    } catch (e) {
      if (e instanceof RosterFileError) throw e;
      throw new RosterFileError([`${base}：无法读取（${(e as Error).message}）`]);
    }
  }
  return { name: names.join('、'), sheets };
}

/** Check a whole roster: every problem, located; throws RosterFileError listing them all, else the roster. */
export function checkRoster(name: string, sheets: SheetRows): Roster {
  const problems: string[] = [];
  const at = (sheet: string, row: number, column: string, what: string) => problems.push(`${name}「${sheet}」第 ${row} 行「${column}」列：${what}`);

  function table<K extends string>(sheet: string, columns: Record<K, string>, optional: NoInfer<K>[]): Array<{ row: number; get: (k: K) => string }> | null {
    const rows = sheets.get(sheet);
    if (!rows) return null;
    const header = rows[0] ?? [];
    const index = {} as Record<K, number>;
    let ok = true;
    for (const [k, label] of Object.entries(columns) as Array<[K, string]>) {
      index[k] = header.indexOf(label);
      if (index[k] < 0 && !optional.includes(k)) {
        problems.push(`${name}「${sheet}」第 1 行：缺少「${label}」列`);
        ok = false;
      }
    }
    if (!ok) return [];
    const out: Array<{ row: number; get: (k: K) => string }> = [];
    rows.forEach((cells, i) => {
      if (i === 0 || cells.every((c) => !c)) return;
      out.push({ row: i + 1, get: (k) => (index[k] >= 0 ? (cells[index[k]] ?? '') : '') });
    });
    return out;
  }

  // ── 组织 ──
  const S = SHEETS.orgs;
  const orgRows = table(S, ORG_COLUMNS, []);
  if (!orgRows) problems.push(`${name}：缺少「${S}」工作表`);
  const kindByName = new Map(Object.entries(ORG_KIND_NAMES).map(([k, n]) => [n, k as OrgKind]));
  const orgs = new Map<string, RosterOrg>();
  for (const r of orgRows ?? []) {
    const code = r.get('code');
    const orgName = r.get('name');
    const kindText = r.get('kind');
    const kind = kindByName.get(kindText);
    let ok = true;
    if (!code) (at(S, r.row, ORG_COLUMNS.code, '不能为空'), (ok = false));
    else if (orgs.has(code)) (at(S, r.row, ORG_COLUMNS.code, `组织编码「${code}」重复（第 ${orgs.get(code)!.row} 行已有）`), (ok = false));
    if (!orgName) (at(S, r.row, ORG_COLUMNS.name, '不能为空'), (ok = false));
    if (!kind) (at(S, r.row, ORG_COLUMNS.kind, kindText ? `未知组织类型「${kindText}」，应为 ${Object.values(ORG_KIND_NAMES).join('、')} 之一` : '不能为空'), (ok = false));
    if (ok && kind) orgs.set(code, { code, name: orgName, kind, parentCode: r.get('parent') || null, row: r.row });
  }
  for (const o of orgs.values()) {
    const col = ORG_COLUMNS.parent;
    if (!o.parentCode) {
      if (!PARENT_KINDS[o.kind].includes(null)) at(S, o.row, col, `${ORG_KIND_NAMES[o.kind]}必须填写上级组织编码（只有最上级的工委或单位可以不填）`);
      continue;
    }
    const parent = orgs.get(o.parentCode);
    if (!parent) {
      at(S, o.row, col, `上级组织编码「${o.parentCode}」在「${S}」表中找不到`);
      continue;
    }
    if (o.parentCode === o.code) {
      at(S, o.row, col, '上级组织不能是自己');
      continue;
    }
    // Walk up: a cycle comes back to this node.
    const seen = new Set([o.code]);
    let p: RosterOrg | undefined = parent;
    while (p?.parentCode && !seen.has(p.code)) {
      seen.add(p.code);
      p = orgs.get(p.parentCode);
    }
    if (p && p.parentCode && seen.has(p.code)) {
      at(S, o.row, col, `上级关系形成循环（${[...seen].join(' → ')}）`);
      continue;
    }
    if (!PARENT_KINDS[o.kind].includes(parent.kind)) {
      const allowed = PARENT_KINDS[o.kind].filter((k): k is OrgKind => k !== null).map((k) => ORG_KIND_NAMES[k]);
      at(S, o.row, col, `${ORG_KIND_NAMES[o.kind]}的上级应为${allowed.join('或')}，「${o.parentCode}」是${ORG_KIND_NAMES[parent.kind]}`);
    }
  }
  /** The nearest node of `kind` at or above `code` (no cycle: checked above, and bounded anyway). */
  const above = (code: string, kind: OrgKind): RosterOrg | undefined => {
    let n = orgs.get(code);
    for (let i = 0; n && i < 16; i++, n = n.parentCode ? orgs.get(n.parentCode) : undefined) if (n.kind === kind) return n;
    return undefined;
  };

  // ── 党员 ──
  const M = SHEETS.members;
  const memberRows = table(M, MEMBER_COLUMNS, ['mobile', 'status', 'posts']);
  if (!memberRows) problems.push(`${name}：缺少「${M}」工作表`);
  const statusByName = new Map(Object.entries(STATUS_NAMES).map(([k, n]) => [n, k as MemberStatus]));
  const members = new Map<string, RosterMember>();
  const seenNos = new Map<string, number>();
  const holders = new Map<string, { row: number; name: string }>();
  for (const r of memberRows ?? []) {
    const employeeNo = r.get('employeeNo');
    const memberName = r.get('name');
    const orgCode = r.get('org');
    let ok = true;
    if (!employeeNo) (at(M, r.row, MEMBER_COLUMNS.employeeNo, '不能为空'), (ok = false));
    else if (seenNos.has(employeeNo)) (at(M, r.row, MEMBER_COLUMNS.employeeNo, `工号「${employeeNo}」重复（第 ${seenNos.get(employeeNo)} 行已有）`), (ok = false));
    else seenNos.set(employeeNo, r.row);
    if (!memberName) (at(M, r.row, MEMBER_COLUMNS.name, '不能为空'), (ok = false));
    const org = orgs.get(orgCode);
    if (!orgCode) (at(M, r.row, MEMBER_COLUMNS.org, '不能为空'), (ok = false));
    else if (!org) (at(M, r.row, MEMBER_COLUMNS.org, `组织编码「${orgCode}」在「${S}」表中找不到`), (ok = false));
    else if (org.kind !== 'BRANCH' && org.kind !== 'GROUP') (at(M, r.row, MEMBER_COLUMNS.org, `党员只能编入党支部或党小组，「${orgCode}」是${ORG_KIND_NAMES[org.kind]}`), (ok = false));
    const statusText = r.get('status');
    const status = statusText ? statusByName.get(statusText) : 'ACTIVE';
    if (!status) (at(M, r.row, MEMBER_COLUMNS.status, `未知状态「${statusText}」，应为 ${Object.values(STATUS_NAMES).join('、')} 之一，或留空（正常）`), (ok = false));
    const mobile = r.get('mobile').replace(/[\s-]/g, '').replace(/^\+?86/, '');
    if (mobile && !/^1\d{10}$/.test(mobile)) (at(M, r.row, MEMBER_COLUMNS.mobile, `手机号「${r.get('mobile')}」不是 11 位手机号`), (ok = false));
    const posts: RosterMember['posts'] = [];
    const postNames = r.get('posts').split(/[、,，;；/\s]+/).filter(Boolean);
    for (const postName of postNames) {
      const title = POST_BY_NAME.get(postName);
      if (!title) {
        at(M, r.row, MEMBER_COLUMNS.posts, `未知职务「${postName}」，可填：${Object.values(POST_NAMES).join('、')}`);
        ok = false;
        continue;
      }
      if (!org || (org.kind !== 'BRANCH' && org.kind !== 'GROUP')) continue;
      const level = postLevel(title);
      const node = above(org.code, level);
      if (!node) {
        at(M, r.row, MEMBER_COLUMNS.posts, level === 'GROUP' ? `「${postName}」须编入一个党小组（所在组织编码填党小组）` : `「${postName}」须有上级${ORG_KIND_NAMES[level]}，「${orgCode}」之上没有`);
        ok = false;
        continue;
      }
      if (posts.some((p) => p.title === title)) continue;
      if (status && status !== 'ACTIVE') {
        at(M, r.row, MEMBER_COLUMNS.posts, `状态为「${STATUS_NAMES[status]}」的党员不能担任职务「${postName}」`);
        ok = false;
        continue;
      }
      if (SINGLE_HOLDER_POSTS.includes(title)) {
        const key = `${title}@${node.code}`;
        const first = holders.get(key);
        if (first) {
          at(M, r.row, MEMBER_COLUMNS.posts, `${node.name}的「${postName}」只能一人担任，第 ${first.row} 行的${first.name}已担任`);
          ok = false;
          continue;
        }
        holders.set(key, { row: r.row, name: memberName });
      }
      posts.push({ title, orgCode: node.code });
    }
    if (!ok || !org || !status) continue;
    const branch = above(org.code, 'BRANCH')!;
    members.set(employeeNo, {
      employeeNo,
      name: memberName,
      branchCode: branch.code,
      groupCode: org.kind === 'GROUP' ? org.code : null,
      posts,
      mobile: mobile || null,
      status,
      row: r.row,
    });
  }

  // ── 平台账号 (optional) ──
  const A = SHEETS.accounts;
  const accounts: RosterAccount[] = [];
  const seenAccounts = new Map<string, number>();
  const employeeNos = new Set((memberRows ?? []).map((r) => r.get('employeeNo')).filter(Boolean));
  for (const r of table(A, ACCOUNT_COLUMNS, ['tenant']) ?? []) {
    const employeeNo = r.get('employeeNo');
    const platformText = r.get('platform');
    const platform = PLATFORM_ALIASES[platformText] ?? PLATFORM_ALIASES[platformText.toLowerCase()];
    const user = r.get('user');
    const tenantKey = r.get('tenant');
    let ok = true;
    if (!employeeNo) (at(A, r.row, ACCOUNT_COLUMNS.employeeNo, '不能为空'), (ok = false));
    else if (!employeeNos.has(employeeNo)) (at(A, r.row, ACCOUNT_COLUMNS.employeeNo, `工号「${employeeNo}」在「${M}」表中找不到`), (ok = false));
    if (!platform) (at(A, r.row, ACCOUNT_COLUMNS.platform, platformText ? `未知平台「${platformText}」，应为 飞书、钉钉、企业微信 之一` : '不能为空'), (ok = false));
    if (!user) (at(A, r.row, ACCOUNT_COLUMNS.user, '不能为空'), (ok = false));
    const key = `${platform}\u0000${tenantKey}\u0000${user}`;
    if (platform && user && seenAccounts.has(key)) (at(A, r.row, ACCOUNT_COLUMNS.user, `平台用户ID「${user}」重复（第 ${seenAccounts.get(key)} 行已有）`), (ok = false));
    if (!ok || !platform) continue;
    seenAccounts.set(key, r.row);
    accounts.push({ employeeNo, platform, tenantKey, platformUserId: user, row: r.row });
  }

  if (problems.length) throw new RosterFileError(problems);
  return { file: name, orgs: [...orgs.values()], members: [...members.values()], accounts };
}

/** Read and check in one step. */
export async function readRoster(files: string[]): Promise<Roster> {
  const { name, sheets } = await readRosterFiles(files);
  return checkRoster(name, sheets);
}
