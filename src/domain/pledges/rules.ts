// Pure rules of 承诺践诺 campaigns: the campaign command, deadlines and the late rule, item limits,
// the pledge state machine and fulfilment (践诺) periods. No database, no wording: problems come
// back as wording keys (prompts/replies/pledge.yaml) with their variables; the services turn them
// into coded errors. Every date is read and shown in the configured zone (TIMEZONE), passed as `tz`.
import type { LateRule, PledgeMode, PledgeStatus, PostTitle } from '../../generated/prisma/enums.js';
import { POST_NAMES } from '../org.js';
import { DEFAULT_TZ, fromLocal, toLocal } from '../life/time.js';
import { parsePeriod, periodOf, type PeriodRange } from '../life/period.js';

export type Problem = { key: string; vars?: Record<string, string | number> };
export type Result<T> = { ok: true; value: T } | ({ ok: false } & Problem);
const fail = (key: string, vars?: Record<string, string | number>): { ok: false } & Problem => ({ ok: false, key, vars });

export type Schedule = 'month' | 'quarter' | 'half' | 'year';

export const DEFAULT_CATEGORIES = ['学习提升', '岗位建功', '服务群众', '作风建设', '其他'];
export const MAX_ITEMS_LIMIT = 10;
export const DEFAULT_ITEM_LENGTH = 200;
export const DEFAULT_SINGLE_TEXT_LENGTH = 1000;
export const EVIDENCE_MAX_LENGTH = 500;
export const COMMENT_MAX_LENGTH = 200;

export interface Audience {
  scope: 'branch' | 'unit';
  /** The branches whose members are asked. */
  branchIds: string[];
  /** Only members holding one of these posts (e.g. 书记项目责任书 for 支部书记). */
  posts?: PostTitle[];
}

export interface CampaignSpec {
  name: string;
  mode: PledgeMode;
  minItems: number;
  maxItems: number;
  itemMaxLength: number;
  categories: string[];
  scope: 'branch' | 'unit';
  posts: PostTitle[];
  deadline: Date;
  lateRule: LateRule;
  reportSchedule: Schedule | null;
  reportUntil: Date | null;
}

/** The campaign fields the rules read (a PledgeCampaign row satisfies it). */
export interface CampaignRules {
  name: string;
  mode: PledgeMode;
  minItems: number;
  maxItems: number;
  itemMaxLength: number;
  categories: string[];
  deadline: Date;
  lateRule: LateRule;
  reportSchedule: string | null;
  reportUntil: Date | null;
  closedAt: Date | null;
}

// ───────────── dates (in the zone `tz`) ─────────────

/** Local calendar parts of an instant in `tz`. */
export function localParts(d: Date, tz: string): { year: number; month: number; day: number; hour: number; minute: number } {
  const { year, month, day, hour, minute } = toLocal(d, tz);
  return { year, month, day, hour, minute };
}

/** The instant of a local time in `tz`; null when the date does not exist (2月30日). */
export function localInstant(tz: string, year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): Date | null {
  if (hour > 23 || minute > 59) return null;
  const t = fromLocal({ year, month, day, hour, minute }, tz).getTime() + second * 1000 + ms;
  const back = localParts(new Date(t), tz);
  if (back.year !== year || back.month !== month || back.day !== day) return null;
  return new Date(t);
}

/** 2027年1月31日 18:00 style (no weekday), for cards, replies and the workbook. */
export function formatLocal(d: Date, tz: string, withTime = true): string {
  const p = localParts(d, tz);
  const date = `${p.year}年${p.month}月${p.day}日`;
  if (!withTime) return date;
  return `${date} ${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`;
}

const DATE_RE = /^(?:(\d{4})\s*[年\-/.]\s*)?(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*[日号]?$/;

/**
 * A deadline as a secretary writes it: 2027年1月31日, 2027-01-31, 1月31日 (the next such day), with an
 * optional time (18:00). Without a time the deadline is the end of that day.
 */
export function parseDeadline(date: string, time: string | undefined, now: Date, tz: string): Result<Date> {
  const m = date.trim().match(DATE_RE);
  if (!m) return fail('pledge.bad_date', { text: date });
  const month = Number(m[2]);
  const day = Number(m[3]);
  let hour = 23;
  let minute = 59;
  let second = 59;
  let ms = 999;
  if (time) {
    const t = time.trim().match(/^(\d{1,2})[:：](\d{2})$/);
    if (!t) return fail('pledge.bad_date', { text: `${date} ${time}` });
    [hour, minute, second, ms] = [Number(t[1]), Number(t[2]), 0, 0];
  }
  let year = m[1] ? Number(m[1]) : localParts(now, tz).year;
  let at = localInstant(tz, year, month, day, hour, minute, second, ms);
  if (!m[1] && at && at.getTime() < now.getTime()) {
    year += 1;
    at = localInstant(tz, year, month, day, hour, minute, second, ms);
  }
  if (!at) return fail('pledge.bad_date', { text: date });
  return { ok: true, value: at };
}

// ───────────── the campaign command ─────────────

const SCHEDULE_WORDS: Array<[RegExp, Schedule]> = [
  [/^每月(?:汇报|报告)?(?:践诺)?$/, 'month'],
  [/^每季度?(?:汇报|报告)?(?:践诺)?$/, 'quarter'],
  [/^每半年(?:汇报|报告)?(?:践诺)?$/, 'half'],
  [/^每年(?:汇报|报告)?(?:践诺)?$/, 'year'],
];
const POST_BY_NAME = new Map<string, PostTitle>(Object.entries(POST_NAMES).map(([k, v]) => [v, k as PostTitle]));

/** Raw values from the command or the form card, before checking. */
export interface RawSpec {
  name?: string;
  mode?: PledgeMode;
  minItems?: number;
  maxItems?: number;
  itemMaxLength?: number;
  categories?: string[];
  scope?: 'branch' | 'unit';
  posts?: PostTitle[];
  deadline?: Date;
  lateRule?: LateRule;
  reportSchedule?: Schedule | null;
  reportUntil?: Date | null;
}

/**
 * Parse `2027年度党员承诺践诺 截止 2027年1月31日 每人1-5条 逾期标注 每季度汇报 类别 学习提升、岗位建功`.
 * The first word is the name; the rest are options in any order; any word not understood is refused.
 */
export function parseCampaignCommand(text: string, now: Date, tz: string): Result<CampaignSpec> {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const name = words.shift();
  if (!name) return fail('pledge.start_usage');
  const raw: RawSpec = { name };
  for (let i = 0; i < words.length; i++) {
    let w = words[i]!;
    const next = () => words[++i];
    let m: RegExpMatchArray | null;
    if ((m = w.match(/^(?:截止|截至|截止时间|截止日期)[:：]?(.*)$/))) {
      const date = m[1] || next();
      if (!date) return fail('pledge.start_usage');
      const maybeTime = words[i + 1]?.match(/^\d{1,2}[:：]\d{2}$/) ? next() : undefined;
      const d = parseDeadline(date, maybeTime, now, tz);
      if (!d.ok) return d;
      raw.deadline = d.value;
    } else if ((m = w.match(/^践诺至[:：]?(.*)$/))) {
      const date = m[1] || next();
      if (!date) return fail('pledge.start_usage');
      const d = parseDeadline(date, undefined, now, tz);
      if (!d.ok) return d;
      raw.reportUntil = d.value;
    } else if ((m = w.match(/^每人(?:(\d{1,2})\s*[-–—~～至到]\s*)?(?:最多)?(\d{1,2})条$/))) {
      raw.mode = 'ITEMS';
      raw.maxItems = Number(m[2]);
      raw.minItems = m[1] ? Number(m[1]) : w.includes('最多') ? 1 : Number(m[2]);
    } else if ((m = w.match(/^(?:每条|限|字数)[:：]?(\d{1,4})字?$/))) {
      raw.itemMaxLength = Number(m[1]);
    } else if (/^(单篇|整篇|全文|一篇)$/.test(w)) {
      raw.mode = 'SINGLE_TEXT';
    } else if (/^逾期(标注|可交|补交|接收|可补交)$/.test(w)) {
      raw.lateRule = 'ACCEPT_MARKED';
    } else if (/^逾期(不收|拒收|不再接收|不予接收)$/.test(w)) {
      raw.lateRule = 'REFUSE';
    } else if (/^(不汇报|无需汇报|不需汇报)$/.test(w)) {
      raw.reportSchedule = null;
    } else if (SCHEDULE_WORDS.some(([re]) => re.test(w))) {
      raw.reportSchedule = SCHEDULE_WORDS.find(([re]) => re.test(w))![1];
    } else if ((m = w.match(/^(?:类别|分类)[:：]?(.*)$/))) {
      const list = m[1] || next();
      if (!list) return fail('pledge.start_usage');
      raw.categories = list.split(/[、,，/;；]/).map((c) => c.trim()).filter(Boolean);
    } else if ((m = w.match(/^范围[:：]?(.*)$/))) {
      w = m[1] || next() || '';
      const r = applyScopeWord(raw, w);
      if (!r) return fail('pledge.unknown_word', { word: w });
    } else if (!applyScopeWord(raw, w)) {
      return fail('pledge.unknown_word', { word: w });
    }
  }
  return checkSpec(raw, now, tz);
}

function applyScopeWord(raw: RawSpec, w: string): boolean {
  if (/^(全机关|全单位|机关党委)$/.test(w)) raw.scope = 'unit';
  else if (/^(本支部|全支部)$/.test(w)) raw.scope = 'branch';
  else if (POST_BY_NAME.has(w)) raw.posts = [...(raw.posts ?? []), POST_BY_NAME.get(w)!];
  else if (/^[^\s]+[、,，]/.test(w) && w.split(/[、,，]/).every((p) => POST_BY_NAME.has(p))) {
    raw.posts = [...(raw.posts ?? []), ...w.split(/[、,，]/).map((p) => POST_BY_NAME.get(p)!)];
  } else return false;
  return true;
}

/** Default end of fulfilment reporting: the year in the name (2027年度 → 2027-12-31), else a year after the deadline. */
export function defaultReportUntil(name: string, deadline: Date, tz: string): Date {
  const y = name.match(/(20\d{2})\s*年/);
  if (y) {
    const end = localInstant(tz, Number(y[1]), 12, 31, 23, 59, 59, 999)!;
    if (end.getTime() > deadline.getTime()) return end;
  }
  const p = localParts(deadline, tz);
  return localInstant(tz, p.year + 1, p.month, Math.min(p.day, 28), 23, 59, 59, 999)!;
}

/** Check and complete a raw spec (from the command or the form card). */
export function checkSpec(raw: RawSpec, now: Date, tz: string): Result<CampaignSpec> {
  const name = (raw.name ?? '').trim();
  if ([...name].length < 2 || [...name].length > 50) return fail('pledge.bad_name');
  if (!raw.deadline) return fail('pledge.deadline_missing');
  if (raw.deadline.getTime() <= now.getTime()) return fail('pledge.deadline_past', { deadline: formatLocal(raw.deadline, tz) });
  // A 承诺书 / 责任书 is one text unless items were asked for.
  const mode: PledgeMode = raw.mode ?? (/(承诺书|责任书)$/.test(name) ? 'SINGLE_TEXT' : 'ITEMS');
  const single = mode === 'SINGLE_TEXT';
  const minItems = single ? 1 : (raw.minItems ?? 1);
  const maxItems = single ? 1 : (raw.maxItems ?? 5);
  if (minItems < 1 || maxItems > MAX_ITEMS_LIMIT || minItems > maxItems) return fail('pledge.bad_item_count', { max: MAX_ITEMS_LIMIT });
  const itemMaxLength = raw.itemMaxLength ?? (single ? DEFAULT_SINGLE_TEXT_LENGTH : DEFAULT_ITEM_LENGTH);
  if (itemMaxLength < 20 || itemMaxLength > 5000) return fail('pledge.bad_length');
  const categories = single ? [] : [...new Set(raw.categories?.length ? raw.categories : DEFAULT_CATEGORIES)];
  if (categories.some((c) => [...c].length > 20) || categories.length > 20) return fail('pledge.bad_categories');
  const reportSchedule = raw.reportSchedule === undefined ? (single ? null : 'quarter') : raw.reportSchedule;
  const reportUntil = reportSchedule ? (raw.reportUntil ?? defaultReportUntil(name, raw.deadline, tz)) : null;
  if (reportUntil && reportUntil.getTime() <= raw.deadline.getTime()) return fail('pledge.bad_report_until');
  return {
    ok: true,
    value: {
      name,
      mode,
      minItems,
      maxItems,
      itemMaxLength,
      categories,
      scope: raw.scope ?? 'branch',
      posts: [...new Set(raw.posts ?? [])],
      deadline: raw.deadline,
      lateRule: raw.lateRule ?? 'REFUSE',
      reportSchedule,
      reportUntil,
    },
  };
}

// ───────────── submissions ─────────────

export interface ItemInput {
  category: string | null;
  content: string;
}

/** Form field names: category1/content1 … ; a SINGLE_TEXT campaign uses content1 only. */
export function itemsFromForm(c: Pick<CampaignRules, 'mode' | 'maxItems'>, form: Record<string, string>): Array<{ category: string; content: string }> {
  const n = c.mode === 'SINGLE_TEXT' ? 1 : c.maxItems;
  return Array.from({ length: n }, (_, i) => ({ category: (form[`category${i + 1}`] ?? '').trim(), content: (form[`content${i + 1}`] ?? '').replace(/\r\n?/g, '\n').trim() }));
}

const length = (s: string) => [...s].length;

/** Check submitted items against the campaign's limits. Empty rows are skipped; positions close up. */
export function checkItems(c: Pick<CampaignRules, 'mode' | 'minItems' | 'maxItems' | 'itemMaxLength' | 'categories'>, raw: Array<{ category: string; content: string }>): Result<ItemInput[]> {
  const items: ItemInput[] = [];
  for (const [i, r] of raw.entries()) {
    if (!r.content) {
      if (r.category) return fail('pledge.item_no_content', { n: i + 1 });
      continue;
    }
    if (length(r.content) > c.itemMaxLength) return fail('pledge.item_too_long', { n: i + 1, length: length(r.content), max: c.itemMaxLength });
    if (c.mode === 'ITEMS' && c.categories.length) {
      if (!r.category) return fail('pledge.item_no_category', { n: i + 1 });
      if (!c.categories.includes(r.category)) return fail('pledge.item_bad_category', { n: i + 1 });
    }
    items.push({ category: c.mode === 'ITEMS' ? r.category || null : null, content: r.content });
  }
  if (items.length > c.maxItems) return fail('pledge.too_many_items', { max: c.maxItems });
  if (items.length < c.minItems) return fail('pledge.too_few_items', { min: c.minItems });
  return { ok: true, value: items };
}

export interface PledgeState {
  status: PledgeStatus;
  late: boolean;
  submittedAt: Date | null;
}

export interface SubmitDecision {
  late: boolean;
  /** The member changed a pledge that had been approved: it goes back to review. */
  editOfApproved: boolean;
  resubmission: boolean;
}

/**
 * DRAFT/RETURNED/SUBMITTED/APPROVED → SUBMITTED. After the deadline: REFUSE accepts only the
 * resubmission the secretary asked for (RETURNED); ACCEPT_MARKED accepts all and marks a first
 * submission late. WITHDRAWN (the member left) and closed campaigns accept nothing.
 */
export function decideSubmit(p: PledgeState, c: Pick<CampaignRules, 'deadline' | 'lateRule' | 'closedAt'>, now: Date, tz: string): Result<SubmitDecision> {
  if (p.status === 'WITHDRAWN') return fail('pledge.withdrawn');
  if (c.closedAt) return fail('pledge.closed');
  const afterDeadline = now.getTime() > c.deadline.getTime();
  const firstTime = p.submittedAt === null;
  if (afterDeadline && c.lateRule === 'REFUSE' && p.status !== 'RETURNED') {
    return fail(firstTime ? 'pledge.deadline_passed' : 'pledge.deadline_passed_edit', { deadline: formatLocal(c.deadline, tz) });
  }
  return {
    ok: true,
    value: { late: p.late || (afterDeadline && firstTime), editOfApproved: p.status === 'APPROVED', resubmission: !firstTime },
  };
}

/** Only a SUBMITTED pledge can be reviewed. */
export function decideReview(status: PledgeStatus): Result<true> {
  if (status === 'SUBMITTED') return { ok: true, value: true };
  if (status === 'WITHDRAWN') return fail('pledge.review_withdrawn');
  return fail('pledge.review_not_pending');
}


// ───────────── fulfilment periods (践诺) ─────────────

/** A fulfilment period: one of the shared reporting periods (src/domain/life/period.ts); `end` is exclusive. */
export type Period = PeriodRange;

export function isSchedule(s: string | null | undefined): s is Schedule {
  return s === 'month' || s === 'quarter' || s === 'half' || s === 'year';
}

/**
 * The fulfilment periods open for reporting at `now`, oldest first: the schedule's periods from the
 * one containing the deadline to the one containing now, none after the campaign's report end
 * (reportUntil, or when it was closed), and none before the deadline has passed.
 */
export function dueFulfilmentPeriods(c: Pick<CampaignRules, 'reportSchedule' | 'deadline' | 'reportUntil' | 'closedAt' | 'name'>, now: Date, tz: string): Period[] {
  if (!isSchedule(c.reportSchedule)) return [];
  if (now.getTime() <= c.deadline.getTime()) return [];
  const until = Math.min((c.reportUntil ?? defaultReportUntil(c.name, c.deadline, tz)).getTime(), c.closedAt?.getTime() ?? Infinity);
  const out: Period[] = [];
  let p = periodOf(c.reportSchedule, c.deadline, tz);
  while (p.start.getTime() <= now.getTime() && p.start.getTime() <= until && out.length < 120) {
    out.push(p);
    p = periodOf(c.reportSchedule, p.end, tz);
  }
  return out;
}

/** The period a member reports for now: the latest open one. */
export function currentFulfilmentPeriod(c: Parameters<typeof dueFulfilmentPeriods>[0], now: Date, tz = DEFAULT_TZ): Period | null {
  return dueFulfilmentPeriods(c, now, tz).at(-1) ?? null;
}

/** The period of `schedule` with this key (2027Q1, 2027-03, 2027H1, 2027); null for another schedule's key. */
export function periodByKey(schedule: Schedule, key: string, tz: string): Period | null {
  const p = /^\d{4}(?:-\d{2}|Q[1-4]|H[12])?$/.test(key) ? parsePeriod(key, new Date(0), tz) : null;
  return p && p.kind === schedule && p.key === key ? p : null;
}
