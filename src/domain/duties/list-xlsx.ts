// The responsibility list as an Excel workbook (xlsx), for units that keep their list in Excel.
//
// Layout: the first worksheet; row 1 is the header, one item per row from row 2 (blank rows are skipped).
//
//   A 编号 | B 层级 | C 岗位 | D 工作内容 | E 频次 | F 周期规则 | G 佐证材料 | H 出处 | I 关键词 | J 会议类型 (optional)
//
// 周期规则 is 每月1次 / 每季度至少1次 / 每半年1次 / 每年不少于12次 or empty; 关键词 are separated by 、 or ,;
// 会议类型 is a standard meeting name (支部党员大会…) or a code. Other columns after I are ignored (备注 etc.).
// The year is not in the workbook: the importer passes it (the import form asks for it), so one file can be
// imported again for the next year unchanged. Rows are validated with the same schema as the YAML format.
import type ExcelJS from 'exceljs';
import { newWorkbook } from '../workbook.js';
import { STANDARD_MEETING_KINDS } from '../meeting-kinds.js';
import {
  FIELD_LABELS,
  LEVEL_NAMES,
  ListFileError,
  PERIOD_RULE_HINT,
  formatPeriodRule,
  validateItems,
  type ItemField,
  type ItemLocator,
  type ListItem,
  type ParsedList,
} from './list-file.js';

/** The fixed columns, in order (A…I). */
export const XLSX_COLUMNS: ReadonlyArray<Exclude<ItemField, 'meetingKind'>> = ['id', 'level', 'post', 'content', 'frequency', 'rule', 'evidence', 'source', 'keywords'];
const OPTIONAL_COLUMN = 'meetingKind' satisfies ItemField;
export const XLSX_SHEET = '责任清单';
const GUIDE_SHEET = '填写说明';

export interface XlsxListOptions {
  /** The year the list is for (the workbook itself has none). */
  year: number;
}

type XlsxData = Buffer | Uint8Array | ArrayBuffer;

/** Parse an xlsx list; throws a ListFileError naming file, row, column and field for every problem. */
export async function parseListXlsx(data: XlsxData, fileName: string, opts: XlsxListOptions): Promise<ParsedList> {
  if (!Number.isInteger(opts.year) || opts.year < 2000 || opts.year > 2100) throw new ListFileError([`${fileName}：年度 ${opts.year} 不对，应为 2000–2100 之间的年份`]);
  const wb = await newWorkbook();
  try {
    // exceljs declares its own Buffer type; any Node Buffer or ArrayBuffer works at run time.
    await wb.xlsx.load(toArrayBuffer(data) as unknown as ExcelJS.Buffer);
  } catch {
    throw new ListFileError([`${fileName}：无法读取，文件已损坏或不是 Excel 工作簿（.xlsx）`]);
  }
  const sheet = wb.worksheets[0];
  if (!sheet) throw new ListFileError([`${fileName}：工作簿里没有工作表`]);

  // Header: the fixed columns must be exactly where the layout says.
  const header = sheet.getRow(1);
  const problems: string[] = [];
  XLSX_COLUMNS.forEach((field, i) => {
    const expected = FIELD_LABELS[field];
    const actual = headerText(header.getCell(i + 1));
    if (actual !== expected) {
      problems.push(`${fileName}：第 1 行 ${columnLetter(i + 1)} 列：表头应为“${expected}”，${actual ? `实际为“${actual}”` : '实际为空'}`);
    }
  });
  if (problems.length) {
    problems.push(`${fileName}：表头应依次为 ${XLSX_COLUMNS.map((f) => FIELD_LABELS[f]).join(' | ')}（可再加一列 ${FIELD_LABELS[OPTIONAL_COLUMN]}），请使用下载的模板`);
    throw new ListFileError(problems);
  }
  let kindColumn: number | undefined;
  header.eachCell((cell, col) => {
    if (col > XLSX_COLUMNS.length && headerText(cell) === FIELD_LABELS[OPTIONAL_COLUMN]) kindColumn ??= col;
  });

  const rows: number[] = [];
  const raws: Array<Record<string, string | undefined>> = [];
  for (let r = 2; r <= sheet.rowCount; r++) {
    const row = sheet.getRow(r);
    const values = XLSX_COLUMNS.map((_, i) => cellText(row.getCell(i + 1)));
    const kind = kindColumn ? cellText(row.getCell(kindColumn)) : '';
    if (values.every((v) => v === '') && kind === '') continue;
    const raw: Record<string, string | undefined> = {};
    XLSX_COLUMNS.forEach((field, i) => {
      raw[field] = values[i];
    });
    // Empty optional cells are "not given", as an absent YAML field.
    if (!raw.rule) delete raw.rule;
    if (kind) raw[OPTIONAL_COLUMN] = kind;
    rows.push(r);
    raws.push(raw);
  }
  if (raws.length === 0) throw new ListFileError([`${fileName}：清单至少要有一项（第 2 行起每行一项）`]);

  const columnOf = (field: PropertyKey): number | undefined => {
    const i = XLSX_COLUMNS.indexOf(field as (typeof XLSX_COLUMNS)[number]);
    return i >= 0 ? i + 1 : field === OPTIONAL_COLUMN ? kindColumn : undefined;
  };
  const at: ItemLocator = {
    item: (index) => `第 ${rows[index]} 行`,
    field: (index, path) => {
      const field = path[0];
      const col = field === undefined ? undefined : columnOf(field);
      const label = typeof field === 'string' && field in FIELD_LABELS ? FIELD_LABELS[field as ItemField] : String(field);
      return col ? `第 ${rows[index]} 行 ${columnLetter(col)} 列（${label}）` : `第 ${rows[index]} 行（${label}）`;
    },
  };
  const { items, problems: itemProblems } = validateItems(raws, fileName, at);
  if (itemProblems.length) throw new ListFileError(itemProblems);
  return { year: opts.year, items };
}

/** The items as a workbook in the import layout (with the 会议类型 column and the 填写说明 sheet). */
export async function writeListXlsx(items: ReadonlyArray<ListItem>): Promise<Buffer> {
  const wb = await newWorkbook();
  wb.creator = '支部助手';
  const sheet = wb.addWorksheet(XLSX_SHEET, { views: [{ state: 'frozen', ySplit: 1 }] });
  const fields = [...XLSX_COLUMNS, OPTIONAL_COLUMN] as const;
  const widths: Record<ItemField, number> = { id: 9, level: 12, post: 14, content: 48, frequency: 22, rule: 16, evidence: 28, source: 40, keywords: 30, meetingKind: 16 };
  sheet.columns = fields.map((f) => ({ header: FIELD_LABELS[f], key: f, width: widths[f] }));
  const head = sheet.getRow(1);
  head.font = { bold: true };
  head.alignment = { vertical: 'middle', horizontal: 'center' };
  head.eachCell((cell) => {
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFDE9D9' } };
  });
  for (const it of items) {
    sheet.addRow({
      id: it.id,
      level: it.level,
      post: it.post,
      content: it.content,
      frequency: it.frequency,
      rule: it.rule ? formatPeriodRule(it.rule) : '',
      evidence: it.evidence,
      source: it.source,
      keywords: it.keywords.join('、'),
      meetingKind: it.meetingKind ? (STANDARD_MEETING_KINDS.find((k) => k.code === it.meetingKind)?.name ?? it.meetingKind) : '',
    });
  }
  for (let r = 2; r <= Math.max(items.length + 1, 200); r++) {
    sheet.getCell(r, 2).dataValidation = {
      type: 'list',
      allowBlank: false,
      formulae: [`"${Object.values(LEVEL_NAMES).join(',')}"`],
      showErrorMessage: true,
      errorTitle: '层级',
      error: '层级必须是 党组(党委)、机关党委 或 党支部',
    };
    sheet.getCell(r, 4).alignment = { wrapText: true, vertical: 'top' };
  }
  addGuide(wb);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** The downloadable template: header row, two example rows and the 填写说明 sheet. */
export function writeTemplateXlsx(): Promise<Buffer> {
  return writeListXlsx(TEMPLATE_EXAMPLES);
}

export const TEMPLATE_EXAMPLES: ReadonlyArray<ListItem> = [
  {
    id: 'B-01',
    level: '党支部',
    post: '支部书记',
    content: '召集主持支部党员大会，讨论决定支部重要事项',
    frequency: '一般每季度1次',
    rule: { period: 'quarter', atLeast: 1 },
    meetingKind: 'branch_assembly',
    evidence: '会议通知、签到表、会议记录',
    source: '《中国共产党支部工作条例(试行)》第十一条、第十四条',
    keywords: ['三会一课', '党员大会', '支部大会'],
  },
  {
    id: 'O-02',
    level: '机关党委',
    post: '机关党委委员',
    content: '机关党委委员开展述职',
    frequency: '每半年1次',
    rule: { period: 'half', atLeast: 1 },
    evidence: '述职报告',
    source: '本单位年度党建工作要点',
    keywords: ['委员述职', '述职'],
  },
];

function addGuide(wb: ExcelJS.Workbook): void {
  const guide = wb.addWorksheet(GUIDE_SHEET);
  guide.columns = [
    { header: '列', key: 'col', width: 6 },
    { header: '表头', key: 'name', width: 12 },
    { header: '必填', key: 'required', width: 8 },
    { header: '怎么填', key: 'how', width: 70 },
    { header: '例子', key: 'example', width: 30 },
  ];
  guide.getRow(1).font = { bold: true };
  const kinds = STANDARD_MEETING_KINDS.map((k) => k.name).join('、');
  const rows: Array<[ItemField, string, string, string]> = [
    ['id', '是', '条目编号，字母-数字。党组(党委)用 P-，机关党委用 O-，党支部用 B-。编号一经使用不要改动或挪给别的条目，删除的条目编号不再使用。同一清单内不能重复。', 'B-01'],
    ['level', '是', '只能选：党组(党委)、机关党委、党支部（可用下拉框选择）。', '党支部'],
    ['post', '是', '谁负责这一项，最多 50 个字。例如 党组书记、机关党委委员、支部书记、党小组长、党员。', '支部书记'],
    ['content', '是', '要做的事，最多 500 个字。', '召集主持支部党员大会'],
    ['frequency', '是', '频次，按文件原文写，最多 100 个字。', '一般每季度1次'],
    ['rule', '否', `用于提醒和统计完成情况的周期。${PERIOD_RULE_HINT}。“全年”等同“每年”。没有固定周期的（常态、按需）留空。`, '每季度至少1次'],
    ['evidence', '否', '能证明已完成的材料，最多 200 个字。', '会议通知、签到表、会议记录'],
    ['source', '是', '依据的文件和条款，最多 300 个字。', '《中国共产党支部工作条例(试行)》第十一条'],
    ['keywords', '否', '党员提问时可能用到的说法，用顿号“、”或逗号分隔，每个最多 30 个字。', '三会一课、党员大会、支部大会'],
    ['meetingKind', '否', `这一项是要签到、记纪实的会议时填写会议类型：${kinds}；本单位自定义的类型填其英文代码。不是会议的留空。`, '支部党员大会'],
  ];
  rows.forEach(([field, required, how, example]) => {
    const col = field === 'meetingKind' ? 'J' : columnLetter(XLSX_COLUMNS.indexOf(field) + 1);
    guide.addRow({ col, name: FIELD_LABELS[field], required, how, example });
  });
  guide.addRow({});
  for (const note of [
    '只读取第一个工作表；第 1 行是表头，请勿改动表头文字和列的顺序（A 至 I 列），J 列“会议类型”可以不要。I 列之后的其他列（如备注）不读取。',
    '从第 2 行起每行一项，空行会跳过。',
    '清单年度在导入时选择，表格里不用填写，同一份表格可以用于下一年度。',
    '导入前会逐行检查，有问题时会列出“第几行第几列”及原因，全部改正后才会导入。',
  ]) {
    guide.addRow({ col: '注', how: note });
  }
  guide.getColumn('how').alignment = { wrapText: true, vertical: 'top' };
}

function toArrayBuffer(data: XlsxData): ArrayBuffer {
  if (data instanceof ArrayBuffer) return data;
  const copy = new Uint8Array(data.byteLength);
  copy.set(data);
  return copy.buffer;
}

/** A cell's text as the user sees it (rich text, formula results, hyperlinks), trimmed. */
function cellText(cell: ExcelJS.Cell): string {
  const v = cell.value;
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  return cell.text.trim();
}

/** Header text, tolerant of full-width characters and stray spaces. */
function headerText(cell: ExcelJS.Cell): string {
  return cellText(cell).normalize('NFKC').replace(/\s+/g, '');
}

/** 1 → A, 27 → AA. */
export function columnLetter(n: number): string {
  let s = '';
  for (let x = n; x > 0; x = Math.floor((x - 1) / 26)) s = String.fromCharCode(65 + ((x - 1) % 26)) + s;
  return s;
}
