// The empty workbook an organ fills in (`npm run cli -- org template --out 组织与党员.xlsx`): an instructions
// sheet, the three sheets with their headers and an example row each, and drop-down lists where Excel
// allows one (组织类型, 状态, 平台; 职务 holds several posts, so it lists them on the 选项 sheet instead).
import type ExcelJS from 'exceljs';
import { newWorkbook } from '../workbook.js';
import { POST_NAMES } from '../org.js';
import { ACCOUNT_COLUMNS, MEMBER_COLUMNS, ORG_COLUMNS, ORG_KIND_NAMES, PLATFORM_NAMES, SHEETS, STATUS_NAMES, type RosterMember, type RosterOrg } from './file.js';

const OPTIONS = '选项';
/** Rows that get the drop-down lists. */
const ROWS = 3000;

const GUIDE = [
  '组织与党员导入模板（支部助手）',
  '',
  '1. 「组织」表：每个组织一行。组织类型从下拉列表选（工委、单位、机关党委、党支部、党小组）；上级组织编码填上级的组织编码，只有最上级可以不填。',
  '   组织编码由本单位自定，导入后不要改动：再次导入时按编码识别同一个组织。',
  '2. 「党员」表：每名党员一行。所在组织编码填党支部或党小组的编码；职务可填多个，用「、」分隔，可填的职务见「选项」表。',
  '   状态留空即为正常；转出、停止党籍的党员不再被通知和提醒，历史记录保留。',
  '   党委、机关党委的职务（如机关党委书记）写在该党员本人所在行，系统按其所在支部的上级确定任职的组织。',
  '3. 「平台账号」表（可不填）：工号、平台（飞书、钉钉、企业微信）、平台用户ID；多租户时可填企业ID。',
  '4. 每次导入都是完整名单：名单中没有的党员标记为离开（不删除，历史保留），调整支部的党员保留原有记录。',
  '5. 先试运行检查：npm run cli -- org import 组织与党员.xlsx --dry-run；无误后去掉 --dry-run 正式导入。',
  '',
  '示例行可直接覆盖或删除；表头不要改，可以在右侧增加备注列（导入时忽略）。',
];

function header(ws: ExcelJS.Worksheet, labels: string[]): void {
  ws.addRow(labels);
  ws.getRow(1).font = { bold: true };
  ws.views = [{ state: 'frozen', ySplit: 1 }];
  labels.forEach((l, i) => (ws.getColumn(i + 1).width = Math.max(14, l.length * 3)));
}

function listValidation(ws: ExcelJS.Worksheet, column: number, range: string, prompt: string): void {
  for (let r = 2; r <= ROWS; r++) {
    ws.getCell(r, column).dataValidation = { type: 'list', allowBlank: true, formulae: [range], showErrorMessage: true, errorTitle: '请从列表中选择', error: prompt };
  }
}

export interface TemplateExample {
  orgs: Array<Omit<RosterOrg, 'row'>>;
  members: Array<Pick<RosterMember, 'employeeNo' | 'name'> & { orgCode: string; posts: string; mobile?: string; status?: string }>;
}

const EXAMPLE: TemplateExample = {
  orgs: [
    { code: 'U01', name: '市某某局', kind: 'UNIT', parentCode: null },
    { code: 'U01-JG', name: '市某某局机关党委', kind: 'ORGAN_COMMITTEE', parentCode: 'U01' },
    { code: 'U01-B01', name: '第一党支部（办公室）', kind: 'BRANCH', parentCode: 'U01-JG' },
    { code: 'U01-B01-G1', name: '第一党小组', kind: 'GROUP', parentCode: 'U01-B01' },
  ],
  members: [
    { employeeNo: '100001', name: '张三', orgCode: 'U01-B01', posts: '支部书记、机关党委委员', mobile: '13800000000' },
    { employeeNo: '100002', name: '李四', orgCode: 'U01-B01-G1', posts: '党小组长' },
  ],
};

/** Write the template workbook to `out`. */
export async function writeRosterTemplate(out: string): Promise<void> {
  const wb = await newWorkbook();
  wb.creator = '支部助手';

  const guide = wb.addWorksheet('填写说明');
  guide.getColumn(1).width = 120;
  for (const line of GUIDE) guide.addRow([line]);
  guide.getRow(1).font = { bold: true, size: 14 };

  const orgs = wb.addWorksheet(SHEETS.orgs);
  header(orgs, Object.values(ORG_COLUMNS));
  for (const o of EXAMPLE.orgs) orgs.addRow([o.code, o.name, ORG_KIND_NAMES[o.kind], o.parentCode ?? '']);

  const members = wb.addWorksheet(SHEETS.members);
  header(members, Object.values(MEMBER_COLUMNS));
  for (const m of EXAMPLE.members) members.addRow([m.employeeNo, m.name, m.orgCode, m.posts, m.mobile ?? '', m.status ?? '']);
  // 工号 and 手机号 as text, so Excel keeps leading zeros.
  members.getColumn(1).numFmt = '@';
  members.getColumn(5).numFmt = '@';

  const accounts = wb.addWorksheet(SHEETS.accounts);
  header(accounts, Object.values(ACCOUNT_COLUMNS));
  accounts.getColumn(1).numFmt = '@';

  const options = wb.addWorksheet(OPTIONS);
  header(options, ['组织类型', '状态', '平台', '职务']);
  const kinds = Object.values(ORG_KIND_NAMES);
  const statuses = Object.values(STATUS_NAMES);
  const platforms = Object.values(PLATFORM_NAMES);
  const posts = Object.values(POST_NAMES);
  for (let i = 0; i < Math.max(kinds.length, statuses.length, platforms.length, posts.length); i++) {
    options.addRow([kinds[i] ?? '', statuses[i] ?? '', platforms[i] ?? '', posts[i] ?? '']);
  }
  listValidation(orgs, 3, `${OPTIONS}!$A$2:$A$${kinds.length + 1}`, '组织类型应为 工委、单位、机关党委、党支部、党小组 之一');
  listValidation(members, 6, `${OPTIONS}!$B$2:$B$${statuses.length + 1}`, '状态应为 正常、转出、停止党籍 之一，或留空');
  listValidation(accounts, 2, `${OPTIONS}!$C$2:$C$${platforms.length + 1}`, '平台应为 飞书、钉钉、企业微信 之一');

  await wb.xlsx.writeFile(out);
}
