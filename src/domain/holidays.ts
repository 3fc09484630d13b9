// Working days in mainland China, year by year, from the best source there is for that year:
//   1. the operator's holiday file (HOLIDAYS_FILE, YAML): the official 放假 and 调休 days per year,
//      as the State Council General Office publishes them each autumn; it wins over everything;
//   2. the data shipped in `chinese-days` (official arrangements up to the package's last release);
//   3. otherwise the statutory holidays computed from 《全国年节及纪念日放假办法》(2024 revision):
//      元旦 1-1, 春节 除夕 to 正月初三, 清明 (solar term), 劳动节 5-1..5-2, 端午 五月初五,
//      中秋 八月十五, 国庆 10-1..10-3. Lunar dates and the solar term come from chinese-days' own
//      calendar functions. 调休 cannot be computed, so such a year is reported (see `coverage`).
import fs from 'node:fs';
import chineseDays from 'chinese-days';
import { parse as parseYaml } from 'yaml';

export type HolidaySource = 'file' | 'package' | 'computed';

export interface YearArrangement {
  /** Official days off (YYYY-MM-DD), weekends included or not. */
  holidays: string[];
  /** 调休 make-up working days (usually a Saturday or Sunday). */
  workdays: string[];
}

export interface HolidayCalendar {
  isWorkingDay(ymd: string): boolean;
  /** Where the data for `year` comes from. */
  source(year: number): HolidaySource;
  /** The days off of `year` that are not weekends, with the festival's name where known. */
  holidays(year: number): Array<{ date: string; name: string }>;
  /** The holiday file (HOLIDAYS_FILE), whether or not it exists yet. */
  readonly file?: string;
}

const YMD = /^(\d{4})-(\d{2})-(\d{2})$/;

function weekday(ymd: string): number {
  const [y, m, d] = ymd.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}

function addDay(ymd: string, n: number): string {
  const [y, m, d] = ymd.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

const packageYears = new Map<number, boolean>();
/** Does chinese-days carry the official arrangement for `year`? */
export function packageHasYear(year: number): boolean {
  let has = packageYears.get(year);
  if (has === undefined) {
    has = chineseDays.getHolidaysInRange(`${year}-01-01`, `${year}-12-31`, false).length > 0;
    packageYears.set(year, has);
  }
  return has;
}

/** The statutory holidays of `year` (no 调休): what the law fixes, before the yearly arrangement. */
export function statutoryHolidays(year: number): Array<{ date: string; name: string }> {
  const lunar = (m: number, d: number) => chineseDays.getSolarDateFromLunar(`${year}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`).date;
  const springFestival = lunar(1, 1);
  const days: Array<{ date: string; name: string }> = [
    { date: `${year}-01-01`, name: '元旦' },
    { date: addDay(springFestival, -1), name: '春节' },
    { date: springFestival, name: '春节' },
    { date: addDay(springFestival, 1), name: '春节' },
    { date: addDay(springFestival, 2), name: '春节' },
    { date: chineseDays.getSolarTermDate(year, 4, 'pure_brightness'), name: '清明节' },
    { date: `${year}-05-01`, name: '劳动节' },
    { date: `${year}-05-02`, name: '劳动节' },
    { date: lunar(5, 5), name: '端午节' },
    { date: lunar(8, 15), name: '中秋节' },
    { date: `${year}-10-01`, name: '国庆节' },
    { date: `${year}-10-02`, name: '国庆节' },
    { date: `${year}-10-03`, name: '国庆节' },
  ];
  return days.sort((a, b) => a.date.localeCompare(b.date));
}

export class HolidayFileError extends Error {
  constructor(readonly file: string, message: string) {
    super(`节假日文件 ${file} 有误：${message}`);
    this.name = 'HolidayFileError';
  }
}

/** Expand "YYYY-MM-DD" or "YYYY-MM-DD..YYYY-MM-DD" into days; throws a plain message on anything else. */
function expand(entry: unknown, year: number): string[] {
  const text = typeof entry === 'string' ? entry.trim() : entry instanceof Date ? entry.toISOString().slice(0, 10) : '';
  const [from, to = from] = text.split('..').map((s) => s.trim());
  const valid = (s: string | undefined): s is string => {
    if (!s || !YMD.test(s)) return false;
    const t = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(t.getTime()) && t.toISOString().slice(0, 10) === s;
  };
  if (!valid(from) || !valid(to)) throw new Error(`"${String(entry)}" 不是日期（应为 YYYY-MM-DD 或 YYYY-MM-DD..YYYY-MM-DD）`);
  if (to < from) throw new Error(`"${text}" 的结束日期早于开始日期`);
  const days: string[] = [];
  for (let d = from; d <= to; d = addDay(d, 1)) days.push(d);
  if (days.length > 60) throw new Error(`"${text}" 超过 60 天`);
  if (days.some((d) => !d.startsWith(`${year}-`) && !d.startsWith(`${year - 1}-12`) && !d.startsWith(`${year + 1}-01`))) {
    throw new Error(`"${text}" 不在 ${year} 年`);
  }
  return days;
}

/**
 * Parse the holiday file's text: a map from year to `holidays` (days off) and `workdays` (调休),
 * each a list of dates or date ranges ("2027-02-05..2027-02-11").
 */
export function parseHolidayFile(text: string, file = 'HOLIDAYS_FILE'): Map<number, YearArrangement> {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new HolidayFileError(file, `不是有效的 YAML（${(e as Error).message.split('\n')[0]}）`);
  }
  const years = new Map<number, YearArrangement>();
  if (doc === null || doc === undefined) return years;
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new HolidayFileError(file, '应按年份分节，例如 2027: { holidays: [...], workdays: [...] }');
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    const year = Number(key);
    if (!Number.isInteger(year) || year < 2000 || year > 2100) throw new HolidayFileError(file, `"${key}" 不是年份`);
    if (value === null) continue; // an empty year section: a placeholder, not data
    if (typeof value !== 'object' || Array.isArray(value)) throw new HolidayFileError(file, `${year} 年应包含 holidays 和 workdays 两个列表`);
    const v = value as Record<string, unknown>;
    for (const k of Object.keys(v)) if (k !== 'holidays' && k !== 'workdays') throw new HolidayFileError(file, `${year} 年下不认识的键 "${k}"（只能是 holidays 或 workdays）`);
    const list = (k: 'holidays' | 'workdays'): string[] => {
      const raw = v[k] ?? [];
      if (!Array.isArray(raw)) throw new HolidayFileError(file, `${year} 年的 ${k} 应为列表`);
      try {
        return raw.flatMap((e) => expand(e, year));
      } catch (e) {
        throw new HolidayFileError(file, `${year} 年的 ${k}：${(e as Error).message}`);
      }
    };
    const arrangement = { holidays: list('holidays'), workdays: list('workdays') };
    const both = arrangement.holidays.find((d) => arrangement.workdays.includes(d));
    if (both) throw new HolidayFileError(file, `${both} 同时列为放假和调休上班`);
    if (!arrangement.holidays.length) throw new HolidayFileError(file, `${year} 年没有列出任何放假日`);
    years.set(year, arrangement);
  }
  return years;
}

/** A calendar from the overrides (by year) over the package data over the computed statutory days. */
export function holidayCalendar(overrides: Map<number, YearArrangement> = new Map(), file?: string): HolidayCalendar {
  const fileDays = new Map<string, boolean>(); // date → is working day
  for (const a of overrides.values()) {
    for (const d of a.holidays) fileDays.set(d, false);
    for (const d of a.workdays) fileDays.set(d, true);
  }
  const computed = new Map<number, Map<string, string>>();
  const computedYear = (year: number) => {
    let m = computed.get(year);
    if (!m) computed.set(year, (m = new Map(statutoryHolidays(year).map((h) => [h.date, h.name]))));
    return m;
  };
  const source = (year: number): HolidaySource => (overrides.has(year) ? 'file' : packageHasYear(year) ? 'package' : 'computed');
  const isWorkingDay = (ymd: string): boolean => {
    const year = Number(ymd.slice(0, 4));
    const weekend = weekday(ymd) === 0 || weekday(ymd) === 6;
    switch (source(year)) {
      case 'file':
        return fileDays.get(ymd) ?? !weekend;
      case 'package':
        return chineseDays.isWorkday(ymd);
      case 'computed':
        return !weekend && !computedYear(year).has(ymd);
    }
  };
  return {
    file,
    source,
    isWorkingDay,
    holidays(year) {
      switch (source(year)) {
        case 'file':
          return overrides.get(year)!.holidays.filter((d) => weekday(d) % 6 !== 0).map((date) => ({ date, name: '' }));
        case 'package':
          return chineseDays.getHolidaysInRange(`${year}-01-01`, `${year}-12-31`, false).filter((d) => weekday(d) % 6 !== 0).map((date) => ({ date, name: chineseDays.getDayDetail(date).name.split(',')[1] ?? '' }));
        case 'computed':
          return [...computedYear(year)].filter(([d]) => weekday(d) % 6 !== 0).map(([date, name]) => ({ date, name }));
      }
    },
  };
}

/** Read the holiday file; a missing file means "no overrides". Throws HolidayFileError on bad content. */
export function loadHolidayCalendar(file: string | undefined): HolidayCalendar {
  if (!file || !fs.existsSync(file)) return holidayCalendar(new Map(), file);
  return holidayCalendar(parseHolidayFile(fs.readFileSync(file, 'utf8'), file), file);
}

/** The built-in calendar (package data, then computed), used when no calendar is passed. */
export const BUILT_IN_CALENDAR: HolidayCalendar = holidayCalendar();

export interface YearCoverage {
  year: number;
  source: HolidaySource;
}

/** Coverage of the years that matter now: this year and the next. `computed` years want the operator's attention. */
export function coverage(calendar: HolidayCalendar, thisYear: number): YearCoverage[] {
  return [thisYear, thisYear + 1].map((year) => ({ year, source: calendar.source(year) }));
}

/** The operator-facing warning for years without an official arrangement (English: logs and /readyz). */
export function coverageWarning(calendar: HolidayCalendar, thisYear: number): string | undefined {
  const years = coverage(calendar, thisYear);
  const file = calendar.file;
  const missing = years.filter((y) => y.source === 'computed').map((y) => y.year);
  if (!missing.length) return undefined;
  return `no official holiday arrangement for ${missing.join(', ')}: using computed statutory holidays without 调休 days; add the State Council's arrangement to ${file ?? 'the holiday file (HOLIDAYS_FILE)'}`;
}
