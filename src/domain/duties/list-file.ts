// The responsibility-list file format (YAML). Validation errors name the item and the field.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import type { DutyLevel } from '../../generated/prisma/enums.js';

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

const rule = z.object({
  period: z.enum(['month', 'quarter', 'half', 'year'], { message: '周期必须是 month、quarter、half 或 year' }),
  atLeast: z.number().int().min(1, '次数至少为 1'),
});

export const itemSchema = z.object({
  id: z.string().regex(/^[A-Z]{1,3}-\d{1,4}$/, '编号格式应为 字母-数字，例如 B-01'),
  level: z.string().refine((v) => v in LEVELS, '层级必须是 党组(党委)、机关党委 或 党支部'),
  post: z.string().min(1, '岗位不能为空').max(50, '岗位最多 50 个字'),
  content: z.string().min(1, '内容不能为空').max(500, '内容最多 500 个字'),
  frequency: z.string().min(1, '频次不能为空').max(100, '频次最多 100 个字'),
  rule: rule.optional(),
  meetingKind: z.string().optional(),
  evidence: z.string().max(200, '佐证材料最多 200 个字').default(''),
  source: z.string().min(1, '出处不能为空').max(300, '出处最多 300 个字'),
  keywords: z.array(z.string()).default([]),
});

export type ListItem = z.infer<typeof itemSchema>;

export interface ParsedList {
  year: number;
  items: Array<ListItem & { levelEnum: DutyLevel }>;
}

export const DEFAULT_LIST_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../prisma/seed/responsibility-list.yaml');

/** Parse a YAML list; throws with every problem listed (item id or index, and field). */
export function parseListYaml(text: string, fileName: string): ParsedList {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new Error(`${fileName}：YAML 格式错误：${(e as Error).message}`);
  }
  const top = z.object({ year: z.number().int().min(2000).max(2100), items: z.array(z.unknown()).min(1, '清单至少要有一项') }).safeParse(doc);
  if (!top.success) throw new Error(top.error.issues.map((i) => `${fileName}：${i.path.join('.') || '文件'}：${i.message}`).join('\n'));
  const problems: string[] = [];
  const items: ParsedList['items'] = [];
  const seen = new Set<string>();
  top.data.items.forEach((raw, index) => {
    const r = itemSchema.safeParse(raw);
    if (!r.success) {
      for (const i of r.error.issues) problems.push(`${fileName}：第 ${index + 1} 项：${i.path.join('.')}：${i.message}`);
      return;
    }
    if (seen.has(r.data.id)) problems.push(`${fileName}：第 ${index + 1} 项：id：编号 ${r.data.id} 重复`);
    seen.add(r.data.id);
    items.push({ ...r.data, levelEnum: LEVELS[r.data.level]! });
  });
  if (problems.length) throw new Error(problems.join('\n'));
  return { year: top.data.year, items };
}

export function readDefaultList(): ParsedList {
  return parseListYaml(fs.readFileSync(DEFAULT_LIST_FILE, 'utf8'), path.basename(DEFAULT_LIST_FILE));
}
