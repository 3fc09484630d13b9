// Test rosters: an organisation of units, branches (two 党小组 each) and members with posts, written into
// the import template (src/domain/roster/template.ts) the way an organ fills it in.
import ExcelJS from 'exceljs';

export interface RosterData {
  orgs: string[][]; // 组织编码, 组织名称, 组织类型, 上级组织编码
  members: string[][]; // 工号, 姓名, 所在组织编码, 职务, 手机号, 状态
  accounts: string[][]; // 工号, 平台, 平台用户ID
}

/** A 工委 over `units` units, each with a 机关党委 and `branches` branches of `perBranch` members. */
export function makeRoster(opts: { units: number; branches: number; perBranch: number; lark?: boolean }): RosterData {
  const orgs: string[][] = [['WC', '市直机关工委', '工委', '']];
  const members: string[][] = [];
  const accounts: string[][] = [];
  let no = 100000;
  for (let u = 1; u <= opts.units; u++) {
    orgs.push([`U${u}`, `第${u}局`, '单位', 'WC'], [`U${u}-JG`, `第${u}局机关党委`, '机关党委', `U${u}`]);
    for (let b = 1; b <= opts.branches; b++) {
      const bc = `U${u}-B${b}`;
      orgs.push([bc, `第${u}局第${b}党支部`, '党支部', `U${u}-JG`], [`${bc}-G1`, '第一党小组', '党小组', bc], [`${bc}-G2`, '第二党小组', '党小组', bc]);
      for (let i = 0; i < opts.perBranch; i++) {
        const posts: string[] = [];
        if (i === 0) posts.push('支部书记');
        if (i === 1) posts.push('组织委员');
        if (i === 2) posts.push('宣传委员');
        if (i === 4 || i === 5) posts.push('党小组长');
        if (b === 1 && i === 0) posts.push('机关党委书记');
        const at = i === 0 || i === 1 || i === 2 ? bc : `${bc}-G${i === 5 ? 2 : i === 4 ? 1 : (i % 2) + 1}`;
        const id = String(++no);
        members.push([id, `党员${id}`, at, posts.join('、'), i % 3 === 0 ? `139${id.padStart(8, '0')}` : '', '']);
        if (opts.lark) accounts.push([id, '飞书', `ou_${id}`]);
      }
    }
  }
  return { orgs, members, accounts };
}

/** Fill the template at `template` with `data` (example rows replaced) and write it to `out`. */
export async function fillTemplate(template: string, out: string, data: RosterData): Promise<void> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(template);
  const fill = (name: string, rows: string[][]) => {
    const ws = wb.getWorksheet(name)!;
    if (ws.rowCount > 1) ws.spliceRows(2, ws.rowCount - 1);
    rows.forEach((r, i) => (ws.getRow(i + 2).values = r));
  };
  fill('组织', data.orgs);
  fill('党员', data.members);
  fill('平台账号', data.accounts);
  await wb.xlsx.writeFile(out);
}

/** A plain workbook with exactly these sheets (no template), for error cases. */
export async function writeWorkbook(out: string, sheets: Record<string, string[][]>): Promise<void> {
  const wb = new ExcelJS.Workbook();
  for (const [name, rows] of Object.entries(sheets)) wb.addWorksheet(name).addRows(rows);
  await wb.xlsx.writeFile(out);
}
