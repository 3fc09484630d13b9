// The responsibility-list file formats. YAML is parsed here, xlsx in list-xlsx.ts; both build raw items and
// validate them with the one item schema below, so they accept and reject the same things. Every error names
// the file, the place (YAML: item number and line; xlsx: row and column) and the field.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument, type YAMLError } from 'yaml';
import { z } from 'zod';
import type { DutyLevel } from '../../generated/prisma/enums.js';
import { STANDARD_MEETING_KINDS, type FrequencyRule, type Period } from '../meeting-kinds.js';

export const LEVELS: Record<string, DutyLevel> = {
  '党组(党委)': 'PARTY_GROUP',
  '党组（党委）': 'PARTY_GROUP',
  '机关党委': 'ORGAN_COMMITTEE',
  '党支部': 'BRANCH',
};

export const LEVEL_NAMES: Record<DutyLevel, string> = {
  PARTY_GROUP: '党组(党委)',
  ORGAN_COMMITTEE: '机关党委',
  BRANCH: '党支部',
};

// ───────────────────────── 周期规则 (period rules) ─────────────────────────

const PERIOD_WORDS: ReadonlyArray<readonly [Period, string, readonly string[]]> = [
  ['month', '每月', ['每月', '每个月']],
  ['quarter', '每季度', ['每季度', '每个季度', '每季']],
  ['half', '每半年', ['每半年']],
  ['year', '每年', ['每年', '全年', '每年度']],
];

export const PERIOD_RULE_HINT = '周期规则应写成“每月1次”“每季度至少1次”“每半年1次”“每年不少于12次”这样的格式，或留空';

/**
 * Parse a 周期规则 such as 每月1次, 每季度至少1次, 每半年1次, 每年不少于12次 (全年 = 每年; 至少/不少于 optional).
 * Returns null when the text does not follow that form.
 */
export function parsePeriodRule(text: string): FrequencyRule | null {
  const s = text.normalize('NFKC').replace(/\s+/g, '');
  const m = /^(.+?)(?:至少|不少于)?(\d{1,4})次$/.exec(s);
  if (!m) return null;
  const period = PERIOD_WORDS.find(([, , forms]) => forms.includes(m[1]!))?.[0];
  const atLeast = Number(m[2]);
  return period && atLeast >= 1 ? { period, atLeast } : null;
}

/** The 周期规则 text of a rule: { period: 'quarter', atLeast: 1 } → 每季度至少1次. */
export function formatPeriodRule(rule: FrequencyRule): string {
  const word = PERIOD_WORDS.find(([p]) => p === rule.period)![1];
  return `${word}${rule.atLeast > 1 || rule.period === 'quarter' ? '至少' : ''}${rule.atLeast}次`;
}

// ───────────────────────── The item schema ─────────────────────────

/** Field → its Chinese name (the xlsx header) for messages. */
export const FIELD_LABELS = {
  id: '编号',
  level: '层级',
  post: '岗位',
  content: '工作内容',
  frequency: '频次',
  rule: '周期规则',
  evidence: '佐证材料',
  source: '出处',
  keywords: '关键词',
  meetingKind: '会议类型',
} as const;
export type ItemField = keyof typeof FIELD_LABELS;

/** 关键词 may be written as one text: 三会一课、党员大会 (separated by 、 , ， ; ； or new lines). */
export function splitKeywords(text: string): string[] {
  return text
    .split(/[、,，;；\n]+/)
    .map((k) => k.trim())
    .filter(Boolean);
}

const MEETING_KIND_NAMES = new Map<string, string>();
for (const k of STANDARD_MEETING_KINDS) for (const name of [k.name, ...k.aliases]) MEETING_KIND_NAMES.set(name, k.code);
const KNOWN_KINDS = new Set(STANDARD_MEETING_KINDS.map((k) => k.code));

const requiredText = (max: number) =>
  z
    .string({ error: (iss) => (iss.input === undefined || iss.input === null ? '不能为空' : '应为文字') })
    .trim()
    .min(1, '不能为空')
    .max(max, `最多 ${max} 个字`);

const optionalText = (max: number) =>
  z.preprocess((v) => (v === null || v === undefined ? '' : v), z.string({ error: '应为文字' }).trim().max(max, `最多 ${max} 个字`));

const ruleObject = z.strictObject(
  {
    period: z.enum(['month', 'quarter', 'half', 'year'], { error: '周期必须是 month、quarter、half 或 year' }),
    atLeast: z.number({ error: '次数应为数字' }).int('次数应为整数').min(1, '次数至少为 1').max(1000, '次数最多 1000'),
  },
  { error: (iss) => (iss.code === 'invalid_type' ? PERIOD_RULE_HINT : iss.code === 'unrecognized_keys' ? '只能有 period 和 atLeast' : undefined) },
);

export const itemSchema = z.strictObject(
  {
    id: z
      .string({ error: (iss) => (iss.input === undefined || iss.input === null ? '不能为空' : '应为文字') })
      .trim()
      .regex(/^[A-Z]{1,3}-\d{1,4}$/, '编号格式应为 字母-数字，例如 B-01'),
    level: z
      .string({ error: (iss) => (iss.input === undefined || iss.input === null ? '不能为空' : '应为文字') })
      .trim()
      .refine((v) => v in LEVELS, '层级必须是 党组(党委)、机关党委 或 党支部')
      // One spelling for each level (党组（党委） → 党组(党委)).
      .transform((v) => LEVEL_NAMES[LEVELS[v]!]),
    post: requiredText(50),
    content: requiredText(500),
    frequency: requiredText(100),
    // A rule may be written as text (每季度至少1次) in both formats, or as { period, atLeast } in YAML.
    rule: z.preprocess((v) => {
      if (v === null || v === undefined || (typeof v === 'string' && v.trim() === '')) return undefined;
      return typeof v === 'string' ? (parsePeriodRule(v) ?? v) : v;
    }, ruleObject.optional()),
    // A meeting kind is given by name (支部党员大会) or code (branch_assembly); one the obligation engine does
    // not know would never be tracked, so it is refused here with its place.
    meetingKind: z.preprocess(
      (v) => {
        if (v === null || v === undefined || (typeof v === 'string' && v.trim() === '')) return undefined;
        return typeof v === 'string' ? (MEETING_KIND_NAMES.get(v.trim()) ?? v.trim()) : v;
      },
      z
        .string({ error: '应为文字' })
        .refine((v) => KNOWN_KINDS.has(v), { error: (iss) => `未知的会议类型“${String(iss.input)}”，应为${STANDARD_MEETING_KINDS.map((k) => `${k.name}（${k.code}）`).join('、')}之一` })
        .optional(),
    ),
    evidence: optionalText(200),
    source: requiredText(300),
    keywords: z.preprocess(
      (v) => (v === null || v === undefined ? [] : typeof v === 'string' ? splitKeywords(v) : v),
      z.array(z.string({ error: '每个关键词应为文字' }).trim().min(1, '关键词不能为空').max(30, '每个关键词最多 30 个字'), { error: '应为关键词列表' }).max(50, '最多 50 个关键词'),
    ),
  },
  {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? `未知字段 ${iss.keys.join('、')}（可用字段：${Object.keys(FIELD_LABELS).join('、')}）`
        : iss.code === 'invalid_type'
          ? '应为一个条目（id、level、post、content 等字段，每个字段后面要有冒号）'
          : undefined,
  },
);

export type ListItem = z.infer<typeof itemSchema>;

export interface ParsedList {
  year: number;
  items: Array<ListItem & { levelEnum: DutyLevel }>;
}

/** A list file with problems; `problems` holds one located message per problem (also joined in `message`). */
export class ListFileError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ListFileError';
  }
}

/** How a file format names the place of an item and of one of its fields in messages. */
export interface ItemLocator {
  /** 第 3 项（第 25 行） / 第 5 行 */
  item(index: number): string;
  /** 第 3 项（第 27 行）：content（工作内容） / 第 5 行 D 列（工作内容） */
  field(index: number, path: ReadonlyArray<PropertyKey>): string;
}

const MAX_PROBLEMS = 100;

/**
 * Validate raw items with the shared schema; every problem is located by `at`. Duplicate ids are reported at
 * the later item with the place of the first.
 */
export function validateItems(raws: readonly unknown[], fileName: string, at: ItemLocator): { items: ParsedList['items']; problems: string[] } {
  const problems: string[] = [];
  const items: ParsedList['items'] = [];
  const seen = new Map<string, number>();
  raws.forEach((raw, index) => {
    const r = itemSchema.safeParse(raw);
    if (!r.success) {
      for (const issue of r.error.issues) {
        const where = issue.path.length ? at.field(index, issue.path) : at.item(index);
        problems.push(`${fileName}：${where}：${issue.message}${lengthNote(raw, issue)}`);
      }
      return;
    }
    const first = seen.get(r.data.id);
    if (first !== undefined) problems.push(`${fileName}：${at.field(index, ['id'])}：编号 ${r.data.id} 重复（与${at.item(first)}相同）`);
    else seen.set(r.data.id, index);
    items.push({ ...r.data, levelEnum: LEVELS[r.data.level]! });
  });
  return { items, problems: capped(problems) };
}

/** "最多 500 个字" is clearer with the length actually written. */
function lengthNote(raw: unknown, issue: z.core.$ZodIssue): string {
  if (issue.code !== 'too_big' || issue.origin !== 'string' || typeof raw !== 'object' || raw === null) return '';
  let v: unknown = raw;
  for (const k of issue.path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return typeof v === 'string' ? `（现有 ${v.trim().length} 个字）` : '';
}

function capped(problems: string[]): string[] {
  if (problems.length <= MAX_PROBLEMS) return problems;
  return [...problems.slice(0, MAX_PROBLEMS), `……另有 ${problems.length - MAX_PROBLEMS} 处问题未列出`];
}

/** How a YAML field is named in messages: content（工作内容）. */
function fieldName(path: ReadonlyArray<PropertyKey>): string {
  const head = String(path[0] ?? '');
  const label = head in FIELD_LABELS ? `（${FIELD_LABELS[head as ItemField]}）` : '';
  return `${path.map(String).join('.')}${label}`;
}

// ───────────────────────── YAML ─────────────────────────

export const DEFAULT_LIST_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../prisma/seed/responsibility-list.yaml');

const YAML_ERRORS: Partial<Record<YAMLError['code'], string>> = {
  BAD_INDENT: '缩进不对',
  TAB_AS_INDENT: '不能用 Tab 缩进，请用空格',
  DUPLICATE_KEY: '同一项里有重复的字段',
  MISSING_CHAR: '缺少符号（列表项前的“- ”、配对的引号或括号），或缩进不对',
  BLOCK_AS_IMPLICIT_KEY: '字段名后缺少冒号，或缩进不对',
  MULTILINE_IMPLICIT_KEY: '字段名后缺少冒号，或缩进不对',
  UNEXPECTED_TOKEN: '有无法识别的内容',
  BAD_DQ_ESCAPE: '双引号里的转义不对',
  BAD_SCALAR_START: '这个值需要加引号',
  MULTIPLE_DOCS: '文件里只能有一个 YAML 文档',
};

/** Parse a YAML list; throws a ListFileError listing every problem with item number, line and field. */
export function parseListYaml(text: string, fileName: string): ParsedList {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const lineOf = (offset: number) => lines.linePos(offset).line;
  if (doc.errors.length > 0) {
    const sourceLines = text.split(/\r?\n/);
    throw new ListFileError(
      capped(
        doc.errors.map((e) => {
          const { line, col } = lines.linePos(e.pos[0]);
          const shown = (sourceLines[line - 1] ?? '').trim().slice(0, 60);
          return `${fileName}：第 ${line} 行第 ${col} 列：YAML 格式错误：${YAML_ERRORS[e.code] ?? '格式不对'}${shown ? `（“${shown}”）` : ''}`;
        }),
      ),
    );
  }

  const top = z
    .object(
      {
        year: z.number({ error: '应为年份数字，例如 2026' }).int('应为年份数字，例如 2026').min(2000, '年份不对').max(2100, '年份不对'),
        items: z.array(z.unknown(), { error: '应为条目列表' }).min(1, '清单至少要有一项'),
      },
      { error: '文件应包含 year 和 items' },
    )
    .safeParse(doc.toJS());
  if (!top.success) {
    throw new ListFileError(
      top.error.issues.map((i) => {
        const node = i.path.length ? doc.getIn(i.path, true) : undefined;
        const line = hasRange(node) ? `第 ${lineOf(node.range[0])} 行：` : '';
        return `${fileName}：${line}${i.path.length ? `${i.path.join('.')}${i.path[0] === 'year' ? '（年度）' : ''}：` : ''}${i.message}`;
      }),
    );
  }

  const itemLine = (index: number, fieldPath: ReadonlyArray<PropertyKey> = []) => {
    // The field's own line when it is there, otherwise the item's (a missing field has no line).
    for (const p of [fieldPath, fieldPath.slice(0, 1), []]) {
      const node = doc.getIn(['items', index, ...p], true);
      if (hasRange(node)) return lineOf(node.range[0]);
    }
    return undefined;
  };
  const at: ItemLocator = {
    item: (index) => `第 ${index + 1} 项${withLine(itemLine(index))}`,
    field: (index, p) => `第 ${index + 1} 项${withLine(itemLine(index, p))}：${fieldName(p)}`,
  };
  const { items, problems } = validateItems(top.data.items, fileName, at);
  if (problems.length) throw new ListFileError(problems);
  return { year: top.data.year, items };
}

function withLine(line: number | undefined): string {
  return line ? `（第 ${line} 行）` : '';
}

function hasRange(node: unknown): node is { range: [number, number, number] } {
  return typeof node === 'object' && node !== null && 'range' in node && Array.isArray((node as { range?: unknown }).range);
}

export function readDefaultList(): ParsedList {
  return parseListYaml(fs.readFileSync(DEFAULT_LIST_FILE, 'utf8'), path.basename(DEFAULT_LIST_FILE));
}
