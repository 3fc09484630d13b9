// Task-prompt templates: prompts/tasks/*.md, Markdown with YAML front matter.
//
//   ---
//   id: theme-day-plan
//   title: 下月主题党日安排提示
//   schedule: monthly on the 25th at 09:00      # or a cron pattern: "0 9 25 * *"
//   audience: { orgKinds: [BRANCH] }            # chats bound to these org kinds (or orgNodeIds)
//   variables: [branch, nextMonth, themeDayPlans]
//   ---
//   body with {{branch}} and other variables
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import { cronProblem } from '../cron.js';

export const TASKS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../prompts/tasks');

const WEEKDAYS: Record<string, number> = { sunday: 0, monday: 1, tuesday: 2, wednesday: 3, thursday: 4, friday: 5, saturday: 6 };

/**
 * Readable schedules → cron (minute hour day month weekday), or a cron pattern as is:
 * `daily at 08:30`, `weekly on monday at 09:00`, `monthly on the 25th at 09:00`,
 * `quarterly on the 1st at 09:00` (Jan/Apr/Jul/Oct), `yearly on 12-01 at 09:00`.
 */
export function scheduleToCron(text: string): string {
  const s = text.trim().toLowerCase().replace(/\s+/g, ' ');
  const at = /at ([01]?\d|2[0-3]):([0-5]\d)$/.exec(s);
  const hm = at ? `${Number(at[2])} ${Number(at[1])}` : '';
  let m: RegExpExecArray | null;
  if (at && /^daily /.test(s)) return `${hm} * * *`;
  if (at && (m = /^weekly on (\w+) /.exec(s)) && m[1]! in WEEKDAYS) return `${hm} * * ${WEEKDAYS[m[1]!]}`;
  if (at && (m = /^monthly on the (\d{1,2})(?:st|nd|rd|th)? /.exec(s)) && Number(m[1]) >= 1 && Number(m[1]) <= 28) return `${hm} ${Number(m[1])} * *`;
  if (at && (m = /^quarterly on the (\d{1,2})(?:st|nd|rd|th)? /.exec(s)) && Number(m[1]) >= 1 && Number(m[1]) <= 28) return `${hm} ${Number(m[1])} 1,4,7,10 *`;
  if (at && (m = /^yearly on (\d{1,2})-(\d{1,2}) /.exec(s))) return `${hm} ${Number(m[2])} ${Number(m[1])} *`;
  if (/^[\d*,\-/]+( [\d*,\-/]+){4,5}$/.test(s)) {
    const problem = cronProblem(s);
    if (problem) throw new Error(`计划「${text}」${problem}`);
    return s;
  }
  throw new Error(`无法识别的计划「${text}」：请写成 monthly on the 25th at 09:00 这样的形式，或 cron 表达式`);
}

const frontMatter = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,60}$/, 'id 只能包含小写字母、数字和连字符'),
  title: z.string().min(1),
  schedule: z.string().min(1),
  audience: z.object({ orgKinds: z.array(z.enum(['WORK_COMMITTEE', 'UNIT', 'ORGAN_COMMITTEE', 'BRANCH', 'GROUP'])).optional(), orgNodeIds: z.array(z.string()).optional() }).default({ orgKinds: ['BRANCH'] }),
  variables: z.array(z.string()).default([]),
  tz: z.string().default('Asia/Shanghai'),
});

export type TaskTemplate = z.infer<typeof frontMatter> & { cron: string; body: string; file: string };

export function parseTemplate(text: string, file = '<inline>'): TaskTemplate {
  const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(text);
  if (!m) throw new Error(`${file}：缺少 --- 包围的 YAML 头`);
  const parsed = frontMatter.safeParse(parse(m[1]!));
  if (!parsed.success) throw new Error(`${file}：${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('；')}`);
  const body = m[2]!.trim();
  for (const v of body.matchAll(/\{\{(\w+)\}\}/g)) {
    if (!parsed.data.variables.includes(v[1]!)) throw new Error(`${file}：正文用到了未声明的变量 {{${v[1]}}}`);
  }
  return { ...parsed.data, cron: scheduleToCron(parsed.data.schedule), body, file };
}

export function loadTemplates(dir = TASKS_DIR): TaskTemplate[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => parseTemplate(fs.readFileSync(path.join(dir, f), 'utf8'), f));
}

/** Fill {{name}}; a variable without a value is a bug in the caller. */
export function renderTemplate(body: string, vars: Record<string, string>): string {
  return body.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const v = vars[name];
    if (v === undefined) throw new Error(`task prompt variable {{${name}}} has no value`);
    return v;
  });
}
