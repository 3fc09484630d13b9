// Importing a responsibility list from YAML or xlsx: both formats give the same items, and every kind of
// mistake yields a precise Chinese message with file, place (item and line / row and column) and field.
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { ListFileError, parseListYaml, parsePeriodRule, readDefaultList, formatPeriodRule } from '../../src/domain/duties/list-file.js';
import { TEMPLATE_EXAMPLES, parseListXlsx, writeListXlsx, writeTemplateXlsx } from '../../src/domain/duties/list-xlsx.js';

const HEADER = ['编号', '层级', '岗位', '工作内容', '频次', '周期规则', '佐证材料', '出处', '关键词'];

const YAML_OK = `year: 2027
items:
  - id: B-01
    level: 党支部
    post: 支部书记
    content: 召集主持支部党员大会，讨论决定支部重要事项
    frequency: 一般每季度1次
    rule: { period: quarter, atLeast: 1 }
    meetingKind: branch_assembly
    evidence: 会议通知、签到表、会议记录
    source: 《中国共产党支部工作条例(试行)》第十一条
    keywords: [三会一课, 党员大会, 支部大会]
  - id: P-03
    level: 党组(党委)
    post: 党组(党委)
    content: 开展理论学习中心组学习
    frequency: 全年不少于12次
    rule: 每年不少于12次
    source: 本单位党建工作要点
    keywords: 中心组、理论学习
  - id: B-26
    level: 党支部
    post: 党支部
    content: 按工作规范进行换届选举
    frequency: 届满时
    evidence: 选举会议记录
    source: 27条工作规范
`;

const XLSX_OK_ROWS: string[][] = [
  ['B-01', '党支部', '支部书记', '召集主持支部党员大会，讨论决定支部重要事项', '一般每季度1次', '每季度至少1次', '会议通知、签到表、会议记录', '《中国共产党支部工作条例(试行)》第十一条', '三会一课、党员大会,支部大会', '支部党员大会'],
  ['P-03', '党组（党委）', '党组(党委)', '开展理论学习中心组学习', '全年不少于12次', '每年不少于12次', '', '本单位党建工作要点', '中心组，理论学习', ''],
  ['B-26', '党支部', '党支部', '按工作规范进行换届选举', '届满时', '', '选举会议记录', '27条工作规范', '', ''],
];

/** A workbook built directly with exceljs (not with our writer), first sheet = the list. */
async function workbook(rows: Array<Array<string | number | null>>, header: string[] = [...HEADER, '会议类型']): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('清单');
  ws.addRow(header);
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(ListFileError);
    return (e as ListFileError).problems;
  }
  throw new Error('expected a ListFileError');
}

async function xlsxProblems(data: Buffer, fileName = '清单.xlsx'): Promise<string[]> {
  try {
    await parseListXlsx(data, fileName, { year: 2027 });
  } catch (e) {
    expect(e).toBeInstanceOf(ListFileError);
    return (e as ListFileError).problems;
  }
  throw new Error('expected a ListFileError');
}

/** One valid YAML item with some fields replaced (undefined removes a field). */
function yamlWith(fields: Record<string, string | undefined>, extra = ''): string {
  const base: Record<string, string | undefined> = {
    id: 'B-01',
    level: '党支部',
    post: '支部书记',
    content: '召集主持支部党员大会',
    frequency: '一般每季度1次',
    source: '支部工作条例',
    ...fields,
  };
  const lines = Object.entries(base)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `    ${k}: ${v}`);
  lines[0] = lines[0]!.replace('    ', '  - ');
  return `year: 2027\nitems:\n${lines.join('\n')}\n${extra}`;
}

describe('valid files', () => {
  it('a YAML list and the same list as xlsx parse to the same items', async () => {
    const fromYaml = parseListYaml(YAML_OK, '清单.yaml');
    const fromXlsx = await parseListXlsx(await workbook(XLSX_OK_ROWS), '清单.xlsx', { year: 2027 });
    expect(fromYaml.year).toBe(2027);
    expect(fromXlsx.year).toBe(2027);
    expect(fromXlsx.items).toEqual(fromYaml.items);
    expect(fromYaml.items[0]).toEqual({
      id: 'B-01',
      level: '党支部',
      levelEnum: 'BRANCH',
      post: '支部书记',
      content: '召集主持支部党员大会，讨论决定支部重要事项',
      frequency: '一般每季度1次',
      rule: { period: 'quarter', atLeast: 1 },
      meetingKind: 'branch_assembly',
      evidence: '会议通知、签到表、会议记录',
      source: '《中国共产党支部工作条例(试行)》第十一条',
      keywords: ['三会一课', '党员大会', '支部大会'],
    });
    expect(fromYaml.items[1]).toMatchObject({ levelEnum: 'PARTY_GROUP', rule: { period: 'year', atLeast: 12 }, evidence: '', keywords: ['中心组', '理论学习'] });
    expect(fromYaml.items[2]!.rule).toBeUndefined();
    expect(fromYaml.items[2]!.meetingKind).toBeUndefined();
  });

  it('the 9-column layout without 会议类型 is accepted, extra columns such as 备注 are ignored, blank rows skipped', async () => {
    const rows = XLSX_OK_ROWS.map((r) => [...r.slice(0, 9), '备注文字']);
    rows.splice(1, 0, []);
    const parsed = await parseListXlsx(await workbook(rows, [...HEADER, '备注']), '清单.xlsx', { year: 2027 });
    expect(parsed.items.map((i) => i.id)).toEqual(['B-01', 'P-03', 'B-26']);
    expect(parsed.items[0]!.meetingKind).toBeUndefined();
  });

  it('the whole default list survives xlsx export and import unchanged', async () => {
    const list = readDefaultList();
    const back = await parseListXlsx(await writeListXlsx(list.items), '默认清单.xlsx', { year: list.year });
    expect(back).toEqual(list);
  });

  it('reads 周期规则 text in both directions', () => {
    expect(parsePeriodRule('每季度至少1次')).toEqual({ period: 'quarter', atLeast: 1 });
    expect(parsePeriodRule('每月1次')).toEqual({ period: 'month', atLeast: 1 });
    expect(parsePeriodRule('每年不少于12次')).toEqual({ period: 'year', atLeast: 12 });
    expect(parsePeriodRule('每半年1次')).toEqual({ period: 'half', atLeast: 1 });
    expect(parsePeriodRule('全年不少于 12 次')).toEqual({ period: 'year', atLeast: 12 });
    expect(parsePeriodRule('每周1次')).toBeNull();
    expect(parsePeriodRule('每月0次')).toBeNull();
    expect(parsePeriodRule('一般每月1次')).toBeNull();
    for (const r of [{ period: 'quarter', atLeast: 1 }, { period: 'year', atLeast: 12 }, { period: 'month', atLeast: 1 }] as const) {
      expect(parsePeriodRule(formatPeriodRule(r))).toEqual(r);
    }
  });
});

describe('YAML errors name file, item, line and field', () => {
  it('malformed YAML', () => {
    const text = 'year: 2027\nitems:\n  - id: B-01\n    level: 党支部\n   post: 支部书记\n';
    expect(problemsOf(() => parseListYaml(text, '清单.yaml'))).toEqual([
      '清单.yaml：第 5 行第 1 列：YAML 格式错误：缺少符号（列表项前的“- ”、配对的引号或括号），或缩进不对（“post: 支部书记”）',
    ]);
    expect(problemsOf(() => parseListYaml('year: 2027\nitems:\n\t- id: B-01\n', '清单.yaml'))[0]).toBe(
      '清单.yaml：第 3 行第 1 列：YAML 格式错误：不能用 Tab 缩进，请用空格（“- id: B-01”）',
    );
  });

  it('missing required field (at the item’s line)', () => {
    expect(problemsOf(() => parseListYaml(yamlWith({ content: undefined }), '清单.yaml'))).toEqual(['清单.yaml：第 1 项（第 3 行）：content（工作内容）：不能为空']);
    expect(problemsOf(() => parseListYaml(yamlWith({ source: '""' }), '清单.yaml'))).toEqual(['清单.yaml：第 1 项（第 8 行）：source（出处）：不能为空']);
  });

  it('bad level', () => {
    expect(problemsOf(() => parseListYaml(yamlWith({ level: '支部' }), '清单.yaml'))).toEqual([
      '清单.yaml：第 1 项（第 4 行）：level（层级）：层级必须是 党组(党委)、机关党委 或 党支部',
    ]);
  });

  it('bad period rule, as an object and as text', () => {
    expect(problemsOf(() => parseListYaml(yamlWith({ rule: '{ period: week, atLeast: 1 }' }), '清单.yaml'))).toEqual([
      '清单.yaml：第 1 项（第 9 行）：rule.period（周期规则）：周期必须是 month、quarter、half 或 year',
    ]);
    expect(problemsOf(() => parseListYaml(yamlWith({ rule: '{ period: month, atLeast: 0 }' }), '清单.yaml'))).toEqual([
      '清单.yaml：第 1 项（第 9 行）：rule.atLeast（周期规则）：次数至少为 1',
    ]);
    expect(problemsOf(() => parseListYaml(yamlWith({ rule: '每周1次' }), '清单.yaml'))).toEqual([
      '清单.yaml：第 1 项（第 9 行）：rule（周期规则）：周期规则应写成“每月1次”“每季度至少1次”“每半年1次”“每年不少于12次”这样的格式，或留空',
    ]);
  });

  it('duplicate id, pointing at the first', () => {
    const second = yamlWith({}).split('\n').slice(2).join('\n');
    expect(problemsOf(() => parseListYaml(yamlWith({}) + second, '清单.yaml'))).toEqual(['清单.yaml：第 2 项（第 9 行）：id（编号）：编号 B-01 重复（与第 1 项（第 3 行）相同）']);
  });

  it('overlong content, with the length written', () => {
    expect(problemsOf(() => parseListYaml(yamlWith({ content: '学'.repeat(501) }), '清单.yaml'))).toEqual([
      '清单.yaml：第 1 项（第 6 行）：content（工作内容）：最多 500 个字（现有 501 个字）',
    ]);
  });

  it('unknown field, bad id, missing year, empty list', () => {
    expect(problemsOf(() => parseListYaml(yamlWith({ contnet: '开会' }), '清单.yaml'))).toEqual([
      '清单.yaml：第 1 项（第 3 行）：未知字段 contnet（可用字段：id、level、post、content、frequency、rule、evidence、source、keywords、meetingKind）',
    ]);
    expect(problemsOf(() => parseListYaml(yamlWith({ id: 'b01' }), '清单.yaml'))).toEqual(['清单.yaml：第 1 项（第 3 行）：id（编号）：编号格式应为 字母-数字，例如 B-01']);
    expect(problemsOf(() => parseListYaml(yamlWith({}).replace('year: 2027\n', ''), '清单.yaml'))).toEqual(['清单.yaml：year（年度）：应为年份数字，例如 2026']);
    expect(problemsOf(() => parseListYaml('year: 2027\nitems: []\n', '清单.yaml'))).toEqual(['清单.yaml：第 2 行：items：清单至少要有一项']);
  });

  it('lists every problem of every item at once', () => {
    const text = yamlWith({ level: '支部', content: undefined }) + yamlWith({ id: 'B-02', post: '' }).split('\n').slice(2).join('\n');
    expect(problemsOf(() => parseListYaml(text, '清单.yaml'))).toEqual([
      '清单.yaml：第 1 项（第 4 行）：level（层级）：层级必须是 党组(党委)、机关党委 或 党支部',
      '清单.yaml：第 1 项（第 3 行）：content（工作内容）：不能为空',
      '清单.yaml：第 2 项（第 10 行）：post（岗位）：不能为空',
    ]);
  });
});

describe('xlsx errors name file, row, column and field', () => {
  const row = (patch: Record<number, string>) => {
    const r = [...XLSX_OK_ROWS[0]!];
    for (const [i, v] of Object.entries(patch)) r[Number(i)] = v;
    return r;
  };

  it('empty required cell', async () => {
    expect(await xlsxProblems(await workbook([XLSX_OK_ROWS[1]!, row({ 3: '' })]))).toEqual(['清单.xlsx：第 3 行 D 列（工作内容）：不能为空']);
  });

  it('wrong header', async () => {
    const header = [...HEADER];
    header[2] = '职务';
    header[5] = '';
    expect(await xlsxProblems(await workbook(XLSX_OK_ROWS, header))).toEqual([
      '清单.xlsx：第 1 行 C 列：表头应为“岗位”，实际为“职务”',
      '清单.xlsx：第 1 行 F 列：表头应为“周期规则”，实际为空',
      '清单.xlsx：表头应依次为 编号 | 层级 | 岗位 | 工作内容 | 频次 | 周期规则 | 佐证材料 | 出处 | 关键词（可再加一列 会议类型），请使用下载的模板',
    ]);
  });

  it('bad level, bad period rule, overlong content, bad meeting kind', async () => {
    expect(await xlsxProblems(await workbook([row({ 1: '支部' })]))).toEqual(['清单.xlsx：第 2 行 B 列（层级）：层级必须是 党组(党委)、机关党委 或 党支部']);
    expect(await xlsxProblems(await workbook([row({ 5: '每周1次' })]))).toEqual([
      '清单.xlsx：第 2 行 F 列（周期规则）：周期规则应写成“每月1次”“每季度至少1次”“每半年1次”“每年不少于12次”这样的格式，或留空',
    ]);
    expect(await xlsxProblems(await workbook([row({ 3: '学'.repeat(600) })]))).toEqual(['清单.xlsx：第 2 行 D 列（工作内容）：最多 500 个字（现有 600 个字）']);
    expect((await xlsxProblems(await workbook([row({ 9: '支部大会议' })])))[0]).toMatch(/^清单\.xlsx：第 2 行 J 列（会议类型）：未知的会议类型“支部大会议”，应为支部党员大会（branch_assembly）、/);
  });

  it('duplicate id, pointing at the first row', async () => {
    expect(await xlsxProblems(await workbook([XLSX_OK_ROWS[0]!, XLSX_OK_ROWS[1]!, row({})]))).toEqual(['清单.xlsx：第 4 行 A 列（编号）：编号 B-01 重复（与第 2 行相同）']);
  });

  it('no items, not a workbook, bad year', async () => {
    expect(await xlsxProblems(await workbook([]))).toEqual(['清单.xlsx：清单至少要有一项（第 2 行起每行一项）']);
    expect(await xlsxProblems(Buffer.from('not a zip'))).toEqual(['清单.xlsx：无法读取，文件已损坏或不是 Excel 工作簿（.xlsx）']);
    await expect(parseListXlsx(await workbook(XLSX_OK_ROWS), '清单.xlsx', { year: 27 })).rejects.toThrow('清单.xlsx：年度 27 不对，应为 2000–2100 之间的年份');
  });
});

describe('the downloadable template', () => {
  it('round-trips through the parser', async () => {
    const parsed = await parseListXlsx(await writeTemplateXlsx(), '责任清单模板.xlsx', { year: 2027 });
    expect(parsed.items).toHaveLength(2);
    expect(parsed.items.map(({ levelEnum: _, ...it }) => it)).toEqual(TEMPLATE_EXAMPLES);
  });

  it('has the header row and a 填写说明 sheet explaining every column in Chinese', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await writeTemplateXlsx()) as unknown as ExcelJS.Buffer);
    const [list, guide] = wb.worksheets;
    expect((list!.getRow(1).values as unknown[]).slice(1)).toEqual([...HEADER, '会议类型']);
    expect(guide!.name).toBe('填写说明');
    const explained = new Set<string>();
    guide!.eachRow((r) => explained.add(r.getCell(2).text));
    for (const h of [...HEADER, '会议类型']) expect(explained).toContain(h);
    expect(guide!.getRow(7).getCell(4).text).toContain('每季度至少1次');
  });
});
