// Reads the date and time a secretary writes in a notice: "12月5日 14:30", "明天下午两点半",
// "下周五 9:00", "2026-12-05 14:30". Returns the instant and the text left over (the place), or
// says what is missing. Nothing is guessed: no date, no clock time, an hour that could be
// morning or afternoon (两点半), or a time already past is reported back to be asked.
import { addDays, DEFAULT_TZ, fromLocal, localDay } from './time.js';

export type WhenProblem =
  | 'missing' // no date and no time at all
  | 'no_date' // a time but no day
  | 'no_time' // a day (maybe 下午) but no clock time
  | 'ambiguous_hour' // 1..7 o'clock without 上午/下午
  | 'invalid' // 13月, 25:00, 2月30日
  | 'past';

export type WhenResult =
  | { ok: true; at: Date; rest: string }
  | { ok: false; problem: WhenProblem; rest: string; at?: Date };

const CN: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };

/** 0..99 from Arabic digits or Chinese numerals (十, 十二, 二十, 二十三, 三十, 四十五). NaN otherwise. */
export function readNumber(s: string): number {
  const t = s.trim();
  if (/^\d+$/.test(t)) return Number(t);
  if (!/^[零〇一二两三四五六七八九十]+$/.test(t)) return NaN;
  if (!t.includes('十')) return t.length === 1 ? CN[t]! : NaN;
  const [a, b] = t.split('十');
  if (a!.length > 1 || b!.length > 1) return NaN;
  return (a ? CN[a]! : 1) * 10 + (b ? CN[b]! : 0);
}

const NUM = '[\\d零〇一二两三四五六七八九十]{1,3}';
const WEEKDAY_CHARS = '一二三四五六日天1234567';
const weekdayOf = (c: string): number => ('日天7'.includes(c) ? 0 : '一1'.includes(c) ? 1 : '二2'.includes(c) ? 2 : '三3'.includes(c) ? 3 : '四4'.includes(c) ? 4 : '五5'.includes(c) ? 5 : 6);

const DATE_FULL = /(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?/;
const DATE_MONTH_DAY = new RegExp(`(${NUM})\\s*月\\s*(${NUM})\\s*[日号]?(?!\\d)`);
const DATE_RELATIVE = /(大后天|后天|明天|明日|今天|今日)/;
const DATE_WEEK = new RegExp(`(本|这个?|下个?)?(?:周|星期|礼拜)([${WEEKDAY_CHARS}])`);
const DATE_DAY_ONLY = new RegExp(`(${NUM})\\s*[日号](?![\\d楼院厅室馆门线])`);
const WEEKDAY_NOTE = new RegExp(`[（(]\\s*(?:周|星期|礼拜)[${WEEKDAY_CHARS}]\\s*[)）]`);
const PERIOD = '(上午|早上|早晨|凌晨|中午|下午|傍晚|晚上|晚间)';
const TIME_COLON = new RegExp(`${PERIOD}?\\s*(\\d{1,2})\\s*[:：]\\s*(\\d{2})`);
// The minutes must follow 点 directly and not run into a place (两点 四楼, 3点5号楼).
const TIME_DIAN = new RegExp(`${PERIOD}?\\s*(${NUM})\\s*[点时](?:(半|一刻|三刻|${NUM})(?:分|(?![楼层号室栋座院厅馆\\d零〇一二两三四五六七八九十])))?`);
const PERIOD_ONLY = new RegExp(PERIOD);

function take(text: string, re: RegExp): { m: RegExpMatchArray; rest: string } | null {
  const m = text.match(re);
  if (!m || m.index === undefined) return null;
  return { m, rest: `${text.slice(0, m.index)} ${text.slice(m.index + m[0].length)}` };
}

const clean = (s: string) => s.replace(/\s+/g, ' ').replace(/^[\s,，、;；]+|[\s,，、;；]+$/g, '').trim();

function validDate(y: number, mo: number, d: number): boolean {
  const u = new Date(Date.UTC(y, mo - 1, d));
  return u.getUTCFullYear() === y && u.getUTCMonth() === mo - 1 && u.getUTCDate() === d;
}

export function parseWhen(input: string, now: Date, tz = DEFAULT_TZ): WhenResult {
  let text = input;
  const today = localDay(now, tz);
  let date: { year: number; month: number; day: number } | null = null;
  let invalid = false;

  let t = take(text, DATE_FULL);
  if (t) {
    const [y, mo, d] = [Number(t.m[1]), Number(t.m[2]), Number(t.m[3])];
    if (validDate(y, mo, d)) date = { year: y, month: mo, day: d };
    else invalid = true;
    text = t.rest;
  } else if ((t = take(text, DATE_MONTH_DAY))) {
    const [mo, d] = [readNumber(t.m[1]!), readNumber(t.m[2]!)];
    text = t.rest;
    if (!validDate(today.year, mo, d) && !(mo === 2 && d === 29 && validDate(today.year + 1, mo, d))) invalid = true;
    else {
      date = { year: today.year, month: mo, day: d };
      // A date already past this year means next year only when that is near (a December notice for 1月8日).
      const daysAgo = Date.UTC(today.year, today.month - 1, today.day) - Date.UTC(today.year, mo - 1, d);
      if (daysAgo > 0 && validDate(today.year + 1, mo, d) && Date.UTC(today.year + 1, mo - 1, d) - Date.UTC(today.year, today.month - 1, today.day) <= 183 * 86_400_000) {
        date = { year: today.year + 1, month: mo, day: d };
      }
    }
  } else if ((t = take(text, DATE_RELATIVE))) {
    const offset = { 今天: 0, 今日: 0, 明天: 1, 明日: 1, 后天: 2, 大后天: 3 }[t.m[1] as '今天'];
    date = addDays(today, offset);
    text = t.rest;
  } else if ((t = take(text, DATE_WEEK))) {
    const target = weekdayOf(t.m[2]!);
    const prefix = t.m[1] ?? '';
    const mondayBased = (w: number) => (w + 6) % 7; // Monday 0 … Sunday 6
    if (!prefix) {
      // 周五: the coming one (today counts; a past hour today is then reported as past)
      date = addDays(today, (target - today.weekday + 7) % 7);
    } else {
      const weekStart = addDays(today, -mondayBased(today.weekday));
      date = addDays(weekStart, mondayBased(target) + (prefix.startsWith('下') ? 7 : 0));
    }
    text = t.rest;
  } else if ((t = take(text, DATE_DAY_ONLY))) {
    const d = readNumber(t.m[1]!);
    text = t.rest;
    if (validDate(today.year, today.month, d)) date = { year: today.year, month: today.month, day: d };
    else invalid = true;
  }
  const note = take(text, WEEKDAY_NOTE);
  if (note) text = note.rest;

  let clock: { hour: number; minute: number } | null = null;
  let ambiguous = false;
  let periodOnly = false;
  const period = (p: string | undefined, h: number): number => {
    if (!p) {
      if (h >= 1 && h <= 7) ambiguous = true;
      return h;
    }
    if (/下午|傍晚|晚上|晚间/.test(p)) return h < 12 ? h + 12 : h;
    if (p === '中午') return h <= 3 ? h + 12 : h;
    if (/上午|早上|早晨/.test(p)) return h === 12 ? 12 : h;
    return h; // 凌晨
  };
  if ((t = take(text, TIME_COLON))) {
    const h = Number(t.m[2]);
    clock = { hour: h >= 13 ? h : period(t.m[1], h), minute: Number(t.m[3]) };
    text = t.rest;
  } else if ((t = take(text, TIME_DIAN))) {
    const h = readNumber(t.m[2]!);
    const mRaw = t.m[3];
    const minute = !mRaw ? 0 : mRaw === '半' ? 30 : mRaw === '一刻' ? 15 : mRaw === '三刻' ? 45 : readNumber(mRaw);
    clock = { hour: h >= 13 ? h : period(t.m[1], h), minute };
    text = t.rest;
  } else if ((t = take(text, PERIOD_ONLY))) {
    periodOnly = true;
    text = t.rest;
  }

  const rest = clean(text);
  if (invalid) return { ok: false, problem: 'invalid', rest };
  if (clock && (!Number.isFinite(clock.hour) || !Number.isFinite(clock.minute) || clock.hour > 23 || clock.minute > 59)) return { ok: false, problem: 'invalid', rest };
  if (!date && !clock) return { ok: false, problem: periodOnly ? 'no_time' : 'missing', rest };
  if (!date) return { ok: false, problem: 'no_date', rest };
  if (!clock) return { ok: false, problem: 'no_time', rest };
  if (ambiguous) return { ok: false, problem: 'ambiguous_hour', rest };
  const at = fromLocal({ ...date, ...clock }, tz);
  if (at.getTime() <= now.getTime()) return { ok: false, problem: 'past', rest, at };
  return { ok: true, at, rest };
}

