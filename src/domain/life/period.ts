// Reporting periods (month, quarter, half-year, year) with boundaries in the local zone: Q4 2026
// runs from 2026-10-01 00:00 to 2027-01-01 00:00 Asia/Shanghai. Also reads the way people name
// them: 本季度, 上季度, 2026年第四季度, 2026Q4, 2026年12月, 2026-12, 本月, 2026年, 今年, 上半年.
import type { Period } from '../meeting-kinds.js';
import { daysBetween, DEFAULT_TZ, fromLocal, localDay } from './time.js';
import { readNumber } from './when.js';

export interface PeriodRange {
  kind: Period;
  year: number;
  /** month 1..12, quarter 1..4, half 1..2; 1 for a year. */
  index: number;
  /** Inclusive start and exclusive end, as instants. */
  start: Date;
  end: Date;
  /** 2026-12, 2026Q4, 2026H2, 2026 */
  key: string;
  /** 2026年12月, 2026年第四季度, 2026年下半年, 2026年 */
  label: string;
}

const MONTHS_PER: Record<Period, number> = { month: 1, quarter: 3, half: 6, year: 12 };
const CN_QUARTER = ['一', '二', '三', '四'];

export function periodRange(kind: Period, year: number, index: number, tz = DEFAULT_TZ): PeriodRange {
  const span = MONTHS_PER[kind];
  const firstMonth = (index - 1) * span + 1;
  const start = fromLocal({ year, month: firstMonth, day: 1 }, tz);
  const end = fromLocal({ year, month: firstMonth + span, day: 1 }, tz); // month 13 rolls into next year
  const key = kind === 'month' ? `${year}-${String(index).padStart(2, '0')}` : kind === 'quarter' ? `${year}Q${index}` : kind === 'half' ? `${year}H${index}` : `${year}`;
  const label = kind === 'month' ? `${year}年${index}月` : kind === 'quarter' ? `${year}年第${CN_QUARTER[index - 1]}季度` : kind === 'half' ? `${year}年${index === 1 ? '上' : '下'}半年` : `${year}年`;
  return { kind, year, index, start, end, key, label };
}

/** The period of `kind` that contains `instant`. */
export function periodOf(kind: Period, instant: Date, tz = DEFAULT_TZ): PeriodRange {
  const d = localDay(instant, tz);
  const index = Math.floor((d.month - 1) / MONTHS_PER[kind]) + 1;
  return periodRange(kind, d.year, index, tz);
}

/** Local days from `now` to the last day of [start, end); 0 once it is over. */
export function daysLeftIn(p: { start: Date; end: Date }, now: Date, tz = DEFAULT_TZ): number {
  if (now >= p.end) return 0;
  return daysBetween(localDay(now, tz), localDay(new Date(p.end.getTime() - 1), tz));
}

/** The period just before `p`. */
export function previousPeriod(p: PeriodRange, tz = DEFAULT_TZ): PeriodRange {
  return periodOf(p.kind, new Date(p.start.getTime() - 1), tz);
}

/** The periods of `kind` that overlap `range` (e.g. the three months of a quarter). */
export function subPeriods(kind: Period, range: PeriodRange, tz = DEFAULT_TZ): PeriodRange[] {
  const out: PeriodRange[] = [];
  let p = periodOf(kind, range.start, tz);
  while (p.start < range.end) {
    out.push(p);
    p = periodOf(kind, p.end, tz);
  }
  return out;
}

/**
 * Reads a period phrase. Returns null when the text names no period it understands.
 * Accepts: 本月 上月 本季度 上季度 下季度 本年 今年 去年 上半年 下半年 (this year's), 2026年第四季度,
 * 2026年4季度, 2026Q4, 2026年12月, 2026-12, 2026年, 2026H2, 2026年上半年.
 */
export function parsePeriod(text: string, now: Date, tz = DEFAULT_TZ): PeriodRange | null {
  const t = text.replace(/\s+/g, '');
  const here = (k: Period) => periodOf(k, now, tz);
  const year = localDay(now, tz).year;
  switch (t) {
    case '本月':
    case '这个月':
    case '当月':
      return here('month');
    case '上月':
    case '上个月':
      return previousPeriod(here('month'), tz);
    case '本季度':
    case '这个季度':
    case '本季':
    case '当季':
      return here('quarter');
    case '上季度':
    case '上个季度':
      return previousPeriod(here('quarter'), tz);
    case '本年':
    case '今年':
    case '本年度':
    case '全年':
      return here('year');
    case '去年':
    case '上年':
    case '上一年':
      return periodRange('year', year - 1, 1, tz);
    case '上半年':
      return periodRange('half', year, 1, tz);
    case '下半年':
      return periodRange('half', year, 2, tz);
  }
  let m: RegExpMatchArray | null;
  if ((m = t.match(/^(\d{4})(?:年)?(?:第)?([一二三四1-4])季度?$/)) || (m = t.match(/^(\d{4})[Qq]([1-4])$/))) {
    return periodRange('quarter', Number(m[1]), readNumber(m[2]!), tz);
  }
  if ((m = t.match(/^(\d{4})年?([上下])半年$/)) || (m = t.match(/^(\d{4})[Hh]([12])$/))) {
    return periodRange('half', Number(m[1]), m[2] === '上' || m[2] === '1' ? 1 : 2, tz);
  }
  if ((m = t.match(/^(\d{4})(?:年|-|\/)([\d一二三四五六七八九十]{1,3})月?$/))) {
    const mo = readNumber(m[2]!);
    return mo >= 1 && mo <= 12 ? periodRange('month', Number(m[1]), mo, tz) : null;
  }
  if ((m = t.match(/^(\d{4})年?(?:度)?$/))) return periodRange('year', Number(m[1]), 1, tz);
  return null;
}
