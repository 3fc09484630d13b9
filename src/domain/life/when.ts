// Reads the date and time a secretary writes in a notice: "12月5日 14:30", "明天下午两点半",
// "下周五 9:00", "2026-12-05 14:30", "下月5号 上午9点", "12/18 14:30-16:30", "明晚7点半",
// "１２月４日（周五）１４：３０". Returns the instant, the end when a range is given, and the text left
// over (the place), or says what is missing or doubtful. Nothing is guessed: when the text could mean
// two things (两点半: morning or afternoon; 12月4日（周六） when the 4th is a Friday; 5号 after the 5th has
// passed) the problem names the reading the bot would take, so the secretary can confirm it.
import { addDays, DEFAULT_TZ, fromLocal, localDay } from './time.js';

export type WhenProblem =
  | 'missing' // no date and no time at all
  | 'no_date' // a time but no day
  | 'no_time' // a day (maybe 下午) but no clock time
  | 'ambiguous_hour' // 1..7 o'clock without 上午/下午; `at` is the afternoon reading
  | 'invalid' // 13月, 25:00, 2月30日
  | 'past' // `at` is the time read
  | 'weekday_mismatch' // 12月4日（周六） when the 4th is a Friday; `at` is the date, `weekday` the one written
  | 'date_conflict' // two day phrases that name different days (明天 12月9日); `at` is the first reading
  | 'day_passed' // 5号 after the 5th of this month: `at` is the next month's 5th
  | 'bad_range' // an end not after the start (14:30-13:00)
  | 'two_times' // a second clock time besides the one read (14:00签到 14:30开会); `at` is the first
  | 'recurring' // 每周三, 每月5号: a notice is for one meeting
  | 'vague_day'; // 下月初, 下周末, 下周 六: a day phrase that names no one day, or one left beside the day read

export type WhenResult =
  | { ok: true; at: Date; end?: Date; rest: string }
  | { ok: false; problem: WhenProblem; rest: string; at?: Date; end?: Date; weekday?: number };

const CN: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };

/** 0..99 from Arabic digits or Chinese numerals (十, 十二, 二十, 二十三, 三十, 四十五, 〇五). NaN otherwise. */
export function readNumber(s: string): number {
  const t = s.trim();
  if (/^\d+$/.test(t)) return Number(t);
  if (!/^[零〇一二两三四五六七八九十]+$/.test(t)) return NaN;
  if (!t.includes('十')) {
    if (t.length === 1) return CN[t]!;
    if (t.length === 2 && (t[0] === '零' || t[0] === '〇')) return CN[t[1]!]!; // 〇五 (minutes: 九点〇五)
    return NaN;
  }
  const [a, b] = t.split('十');
  if (a!.length > 1 || b!.length > 1) return NaN;
  return (a ? CN[a]! : 1) * 10 + (b ? CN[b]! : 0);
}

// Full-width digits and the punctuation of dates and times (１２／１８, １４：３０, ～) as ASCII; the
// rest of the text (the place, the brackets) stays as written.
const WIDE: Record<string, string> = { '：': ':', '／': '/', '．': '.', '－': '-', '～': '~', '\u3000': ' ', '—': '-', '–': '-', '―': '-', '〜': '~' };
const YEAR_DIGITS: Record<string, string> = { 〇: '0', 零: '0', 一: '1', 二: '2', 三: '3', 四: '4', 五: '5', 六: '6', 七: '7', 八: '8', 九: '9' };
function narrow(s: string): string {
  return (
    s
      .replace(/[０-９：／．－～\u3000—–―〜]/g, (c) => WIDE[c] ?? String.fromCharCode(c.charCodeAt(0) - 0xfee0))
      // 二〇二六年 and 26年 before a month: a four-digit year.
      .replace(/[〇零一二三四五六七八九]{4}(?=\s*年)/g, (y) => [...y].map((c) => YEAR_DIGITS[c]).join(''))
      .replace(/(?<!\d)(\d{2})(?=\s*年\s*[\d一二三四五六七八九十]{1,2}\s*月)/g, '20$1')
  );
}

const NUM = '[\\d零〇一二两三四五六七八九十]{1,3}';
const WEEKDAY_CHARS = '一二三四五六日天1234567';
const weekdayOf = (c: string): number => ('日天7'.includes(c) ? 0 : '一1'.includes(c) ? 1 : '二2'.includes(c) ? 2 : '三3'.includes(c) ? 3 : '四4'.includes(c) ? 4 : '五5'.includes(c) ? 5 : 6);
const NOT_DAY_AFTER = '楼院厅室馆门线栋座层幢单元';

// Day phrases. An explicit calendar date (one of the first five), a relative day, and a week phrase may
// all appear; when more than one does they must name the same day.
const DATE_FULL = new RegExp(`(\\d{4})\\s*[-/.年]\\s*(${NUM})\\s*[-/.月]\\s*(${NUM})\\s*[日号]?`);
/** After a day number: 日/号 (not 号楼), or nothing that continues it. */
const DAY_END = `(?:\\s*[日号](?![${NOT_DAY_AFTER}])|(?![\\d日号${NOT_DAY_AFTER}]))`;
const DATE_REL_MONTH = new RegExp(`(本|这个?|下下个?|下个?)月(?:份)?的?\\s*(?:(底|末)|(${NUM})${DAY_END})`);
const DATE_MONTH_DAY = new RegExp(`(?<!\\d)(${NUM})\\s*月(?:份)?的?\\s*(?:(底)|(${NUM})${DAY_END})`);
/** 明年1月5日, 今年12月5日: the year of the month-and-day (or numeric date) right after it. */
const YEAR_WORD = new RegExp(`(今年|明年|后年)\\s*(?=${NUM}\\s*(?:月|[/.-]))`);
const numericDate = (seps: string) => new RegExp(`(?<![\\d:.\\/-])(\\d{1,2})\\s*[${seps}]\\s*(\\d{1,2})\\s*(?:[日号])?(?![\\d:.]|\\s*[点时会${NOT_DAY_AFTER}])`);
const DATE_NUMERIC = numericDate('/.\\-');
const DATE_NUMERIC_NO_DOT = numericDate('/\\-');
/** 5号会议室, 3号教室 are rooms; 5号 会议室 a day and a room. */
const DATE_DAY_ONLY = new RegExp(`(?<![\\d第])(${NUM})\\s*[日号](?![${NOT_DAY_AFTER}]|会议室|会议厅|会场|教室|活动室|报告厅|会客室|展厅)`);
const DATE_RELATIVE = /(大后天|后天|明天|明日|明儿|今天|今日|今儿|明早|明晨|明晚|明夜|今早|今晨|今晚|今夜)/;
// 下周六, and the week named before the weekday: 下周星期六, 下周的周六, 下周末周六.
const DATE_WEEK = new RegExp(`(下下个?|下个?|本|这个?|上个?)?\\s*(?:周|星期|礼拜)(?:末?的?\\s*(?:周|星期|礼拜))?([${WEEKDAY_CHARS}])`);
/**
 * A day phrase left in the text once the day was read, or one naming no single day (下月初, 下周末,
 * 下周 六): the day meant is not known, so it is asked (下周星期六 was once read as the coming Saturday).
 * 研究下周工作 in an unlabelled topic is not a day phrase.
 */
const VAGUE_DAY = /(?:下下?个?|本|这个?|上个?)(?:周|星期|礼拜)(?=末|\s|$|[,，、;；（(])|(?:下下?个?|本|这个?|上个?)月(?=[初中底末旬]|\s|$)|月[初中末底]|[上中下]旬|周末|(?:今|明|后|去)年(?=[初底末]|\s|$)/;
const WEEKDAY_NOTE = new RegExp(`[（(]\\s*(?:周|星期|礼拜)?([${WEEKDAY_CHARS}])\\s*[)）]`);

// Parts of the day; the single 早 and 晚 only right before an hour (晚7点半).
const PERIOD = '(上午|早上|早晨|清晨|凌晨|中午|午后|下午|傍晚|晚上|晚间|夜里|夜间|早|晚)';
const PERIOD_ONLY = /(上午|早上|早晨|清晨|凌晨|中午|午后|下午|傍晚|晚上|晚间|夜里|夜间)/;
// A clock time: 14:30, 9点, 两点半, 15时30分, 9.30 (only after a date was read).
const MINUTES = `(半|一刻|三刻|${NUM})`;
const clockBody = (dot: boolean) =>
  `(?:(\\d{1,2})\\s*:\\s*(\\d{2})(?:\\s*分)?|(${NUM})\\s*(?:点钟?|时)(?:${MINUTES}(?:分|(?![楼层号室栋座院厅馆\\d零〇一二两三四五六七八九十])))?|(\\d{1,2})\\.(\\d{2})(?!\\d)${dot ? '' : '(?!)'})`;
const CLOCK_BODY = clockBody(true);
const CLOCK = new RegExp(`${PERIOD}?\\s*${CLOCK_BODY}`);
/** Without a day read, 9.30 is not taken as a time (it may be a date the reader did not take). */
const CLOCK_NO_DOT = new RegExp(`${PERIOD}?\\s*${clockBody(false)}`);
const RANGE_TAIL = new RegExp(`^\\s*(?:开始)?[\\s,，]*(?:-+|~+|至|到)\\s*${PERIOD}?\\s*${CLOCK_BODY}\\s*(?:结束|止)?`);
const BARE_END_HOUR = /(\d{1,2}:\d{2})(\s*(?:-+|~+|至|到)\s*)(\d{1,2})(?![\d:.点时分楼层号室栋座幢单院厅馆])/g;
/** 每周三下午3点, 每月5号: a rule for many meetings, not the day of one. */
const RECURRING = /每(?:个)?(?:周|星期|礼拜|月|天|日)|每逢/;
/** 第二个周六, 最后一个周五: a day this reader does not count; asked rather than taken as the coming 周六. */
const ORDINAL_WEEKDAY = /(?:第[一二三四五1-5]|最后一)个?(?:周|星期|礼拜)/;
/** A day or a time still in the text once one was read: the notice names two (12月5日或6日). */
const SECOND_DAY = new RegExp(
  `${DATE_MONTH_DAY.source}|${DATE_RELATIVE.source}|${DATE_WEEK.source}|${DATE_DAY_ONLY.source}` +
    // 12.5-12.6, 12/5-12/6: the second day of a numeric range (after its dash, which DATE_NUMERIC does not take)
    `|(?<![\\d:.\\/])\\d{1,2}\\s*[/.]\\s*\\d{1,2}(?![\\d:.]|\\s*[点时会${NOT_DAY_AFTER}])`,
);
// Words that only join the time to the place (在三楼会议室, 14:30开始, 定于…在, 下周六即12月12日).
const CONNECTORS = /^(?:[\s,，、;；]|在(?!线)|兹?定于|于|即|的|开始|准时|整|开会)+|(?:[\s,，、;；]|召开|举行|开始|准时|开会)+$/g;

interface Day {
  year: number;
  month: number;
  day: number;
}

interface Clock {
  hour: number;
  minute: number;
  /** Hour 1..7 with no part of day: morning or afternoon is not known. */
  ambiguous: boolean;
}

function take(text: string, re: RegExp): { m: RegExpMatchArray; rest: string } | null {
  const m = text.match(re);
  if (!m || m.index === undefined) return null;
  return { m, rest: `${text.slice(0, m.index)} ${text.slice(m.index + m[0].length)}` };
}

const clean = (s: string) =>
  s
    .replace(/[（(]\s*[)）]/g, ' ')
    .replace(/\s+/g, ' ')
    .replace(CONNECTORS, '')
    .replace(/^[\s,，、;；:：]+|[\s,，、;；]+$/g, '')
    .trim();

function validDate(y: number, mo: number, d: number): boolean {
  if (!Number.isInteger(y) || !Number.isInteger(mo) || !Number.isInteger(d)) return false;
  const u = new Date(Date.UTC(y, mo - 1, d));
  return u.getUTCFullYear() === y && u.getUTCMonth() === mo - 1 && u.getUTCDate() === d;
}

const lastDay = (y: number, mo: number) => new Date(Date.UTC(y, mo, 0)).getUTCDate();
const sameDay = (a: Day, b: Day) => a.year === b.year && a.month === b.month && a.day === b.day;
const weekdayOfDay = (d: Day) => new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay();
const dayNumber = (d: Day) => Date.UTC(d.year, d.month - 1, d.day) / 86_400_000;
const monthPlus = (y: number, mo: number, n: number) => ({ year: y + Math.floor((mo - 1 + n) / 12), month: ((mo - 1 + n) % 12) + 1 });

/** 24-hour clock from a part of the day and an hour (NaN when they contradict: 上午15点). */
function toHour(period: string | undefined, h: number, leadingZero: boolean): { hour: number; ambiguous: boolean } {
  if (!period) return { hour: h, ambiguous: h >= 1 && h <= 7 && !leadingZero };
  if (/下午|午后/.test(period)) return { hour: h < 12 ? h + 12 : h, ambiguous: false };
  if (/傍晚|晚|夜/.test(period)) return { hour: h < 12 ? h + 12 : h === 12 ? NaN : h, ambiguous: false }; // 晚上12点 is midnight: asked
  if (period === '中午') return { hour: h <= 3 ? h + 12 : h, ambiguous: false };
  if (h >= 13) return { hour: NaN, ambiguous: false }; // 上午15点
  return { hour: h, ambiguous: false }; // 上午, 早, 凌晨
}

/** The clock of a CLOCK / RANGE_TAIL match: groups [period, hh, mm, dianHour, dianMinutes, dotH, dotM] from `at`. */
function readClock(m: RegExpMatchArray, at: number, implied: string | undefined): Clock & { period: string | undefined } {
  const period = m[at] ?? implied;
  let h: number;
  let minute: number;
  let leadingZero = false;
  if (m[at + 1] !== undefined) {
    h = Number(m[at + 1]);
    minute = Number(m[at + 2]);
    leadingZero = m[at + 1]!.length === 2 && m[at + 1]!.startsWith('0');
  } else if (m[at + 3] !== undefined) {
    h = readNumber(m[at + 3]!);
    const raw = m[at + 4];
    minute = !raw ? 0 : raw === '半' ? 30 : raw === '一刻' ? 15 : raw === '三刻' ? 45 : readNumber(raw);
  } else {
    h = Number(m[at + 5]);
    minute = Number(m[at + 6]);
    leadingZero = m[at + 5]!.length === 2 && m[at + 5]!.startsWith('0');
  }
  const { hour, ambiguous } = toHour(period, h, leadingZero);
  return { hour, minute, ambiguous, period };
}

const validClock = (c: { hour: number; minute: number }) => Number.isFinite(c.hour) && Number.isFinite(c.minute) && c.hour >= 0 && c.hour <= 23 && c.minute >= 0 && c.minute <= 59;

export function parseWhen(input: string, now: Date, tz = DEFAULT_TZ): WhenResult {
  // 9:30-11, 14:30至16: an end hour written without minutes after a start with them.
  let text = narrow(input).replace(BARE_END_HOUR, '$1$2$3:00');
  const today = localDay(now, tz);
  let invalid = false;
  let t: { m: RegExpMatchArray; rest: string } | null;

  // ── the day: a relative day, a week phrase and an explicit date may all appear; they must agree ──
  let relative: Day | null = null;
  let impliedPeriod: string | undefined;
  if ((t = take(text, DATE_RELATIVE))) {
    const w = t.m[1]!;
    relative = addDays(today, w === '大后天' ? 3 : w === '后天' ? 2 : w.startsWith('明') ? 1 : 0);
    if (/早|晨/.test(w)) impliedPeriod = '早';
    else if (/晚|夜/.test(w)) impliedPeriod = '晚';
    text = t.rest;
  }

  let week: Day | null = null;
  let weekBare = false;
  /** A bare weekday (周六, （周六）) only has to agree with the date on the weekday. */
  let weekdayNamed: number | null = null;
  if ((t = take(text, WEEKDAY_NOTE))) {
    weekdayNamed = weekdayOf(t.m[1]!);
    text = t.rest;
  }
  if ((t = take(text, DATE_WEEK))) {
    const target = weekdayOf(t.m[2]!);
    const prefix = t.m[1] ?? '';
    if (!prefix) {
      // 周五: the coming one (today counts; a past hour today is then reported as past)
      if (weekdayNamed !== null && weekdayNamed !== target) invalid = true;
      weekdayNamed = target;
      week = addDays(today, (target - today.weekday + 7) % 7);
    } else {
      const mondayBased = (w: number) => (w + 6) % 7; // Monday 0 … Sunday 6
      const weekStart = addDays(today, -mondayBased(today.weekday));
      const weeks = prefix.startsWith('下下') ? 2 : prefix.startsWith('下') ? 1 : prefix.startsWith('上') ? -1 : 0;
      week = addDays(weekStart, mondayBased(target) + 7 * weeks);
    }
    text = t.rest;
    if (!prefix) weekBare = true;
  }

  let explicit: Day | null = null;
  /** 5号 alone: may mean next month once this month's has passed. */
  let dayOnly = false;
  /** 明年 (1), 今年 (0) written before a month and day. */
  let yearAhead: number | null = null;
  if ((t = take(text, YEAR_WORD))) {
    yearAhead = t.m[1] === '明年' ? 1 : t.m[1] === '后年' ? 2 : 0;
    text = t.rest;
  }
  // 12.5 is a date; after 明天 or 周五, 9.30 is a time.
  const numeric = relative || week ? DATE_NUMERIC_NO_DOT : DATE_NUMERIC;
  if ((t = take(text, DATE_FULL))) {
    const d = { year: Number(t.m[1]), month: readNumber(t.m[2]!), day: readNumber(t.m[3]!) };
    if (validDate(d.year, d.month, d.day)) explicit = d;
    else invalid = true;
    text = t.rest;
  } else if ((t = take(text, DATE_REL_MONTH))) {
    const p = t.m[1]!;
    const { year, month } = monthPlus(today.year, today.month, p.startsWith('下下') ? 2 : p.startsWith('下') ? 1 : 0);
    const d = t.m[2] ? lastDay(year, month) : readNumber(t.m[3]!);
    if (validDate(year, month, d)) explicit = { year, month, day: d };
    else invalid = true;
    text = t.rest;
  } else if ((t = take(text, DATE_MONTH_DAY)) || (t = take(text, numeric))) {
    const mo = readNumber(t.m[1]!);
    text = t.rest;
    const year = today.year + (yearAhead ?? 0);
    // DATE_MONTH_DAY: [month, 底, day]; DATE_NUMERIC: [month, day]
    const d = t.m[2] === '底' ? (mo >= 1 && mo <= 12 ? lastDay(year, mo) : NaN) : readNumber((t.m[3] ?? t.m[2])!);
    if (yearAhead !== null) {
      if (validDate(year, mo, d)) explicit = { year, month: mo, day: d };
      else invalid = true;
    } else if (!validDate(today.year, mo, d) && !(mo === 2 && d === 29 && validDate(today.year + 1, mo, d))) invalid = true;
    else {
      explicit = { year: today.year, month: mo, day: d };
      // A date already past this year means next year only when that is near (a December notice for 1月8日).
      const daysAgo = Date.UTC(today.year, today.month - 1, today.day) - Date.UTC(today.year, mo - 1, d);
      if (daysAgo > 0 && validDate(today.year + 1, mo, d) && Date.UTC(today.year + 1, mo - 1, d) - Date.UTC(today.year, today.month - 1, today.day) <= 183 * 86_400_000) {
        explicit = { year: today.year + 1, month: mo, day: d };
      }
    }
  } else if ((t = take(text, DATE_DAY_ONLY))) {
    const d = readNumber(t.m[1]!);
    text = t.rest;
    if (validDate(today.year, today.month, d)) {
      explicit = { year: today.year, month: today.month, day: d };
      dayOnly = true;
    } else invalid = true;
  }
  // A bare 周六 beside a date is a check on that date, not a day of its own.
  if (weekBare && (explicit || relative)) week = null;

  // ── the time, and an end when a range is written ──
  let clock: Clock | null = null;
  let end: Clock | null = null;
  let periodOnly = false;
  const cm = text.match(explicit || relative || week ? CLOCK : CLOCK_NO_DOT);
  if (cm && cm.index !== undefined) {
    const start = readClock(cm, 1, impliedPeriod);
    clock = start;
    let after = text.slice(cm.index + cm[0].length);
    const rm = after.match(RANGE_TAIL);
    if (rm) {
      const e = readClock(rm, 1, undefined);
      let hour = e.hour;
      // 下午2点到4点, 14:30-4:30: an end with no part of day follows the start's half of the day.
      if (!rm[1] && Number.isFinite(hour) && !start.ambiguous && hour < 12 && (start.hour >= 12 || hour < start.hour) && hour + 12 <= 23) hour += 12;
      end = { hour, minute: e.minute, ambiguous: false };
      after = after.slice(rm[0].length);
    }
    text = `${text.slice(0, cm.index)} ${after}`;
  } else if ((t = take(text, PERIOD_ONLY))) {
    periodOnly = true;
    text = t.rest;
  }

  let rest = clean(text);
  if (RECURRING.test(input)) return { ok: false, problem: 'recurring', rest };
  if (invalid || ORDINAL_WEEKDAY.test(input)) return { ok: false, problem: 'invalid', rest };
  if (VAGUE_DAY.test(rest)) return { ok: false, problem: 'vague_day', rest };
  if (clock && !validClock(clock)) return { ok: false, problem: 'invalid', rest };
  if (end && !validClock(end)) return { ok: false, problem: 'invalid', rest };

  const days = [explicit, relative, week].filter((d): d is Day => d !== null);
  const date = days[0] ?? null;
  if (!date && !clock) return { ok: false, problem: periodOnly || impliedPeriod ? 'no_time' : 'missing', rest };
  if (!date) return { ok: false, problem: 'no_date', rest };
  if (!clock) return { ok: false, problem: 'no_time', rest };

  let hour = clock.hour;
  let endHour = end?.hour;
  if (clock.ambiguous) {
    // The reading the bot would take and names: the afternoon (a meeting at 两点半 is at 14:30).
    hour += 12;
    if (endHour !== undefined && endHour < 12) endHour += 12;
  }
  const instant = (d: Day, h: number, m: number) => fromLocal({ ...d, hour: h, minute: m }, tz);
  const at = instant(date, hour, clock.minute);
  const endAt = end && endHour !== undefined ? instant(date, endHour, end.minute) : undefined;
  if (days.some((d) => !sameDay(d, date)) || SECOND_DAY.test(text)) return { ok: false, problem: 'date_conflict', rest, at };
  let ambiguous = clock.ambiguous;
  const second = text.match(CLOCK_NO_DOT);
  if (second && second.index !== undefined) {
    // 14:30（下午两点半）and 两点半（14:30）say one time twice (the second settles 两点半); another second time is asked about.
    const c = readClock(second, 1, undefined);
    if (c.ambiguous || c.hour !== hour || c.minute !== clock.minute) return { ok: false, problem: 'two_times', rest, at };
    ambiguous = false;
    rest = clean(`${text.slice(0, second.index)} ${text.slice(second.index + second[0].length)}`);
  }
  if (weekdayNamed !== null && weekdayOfDay(date) !== weekdayNamed) return { ok: false, problem: 'weekday_mismatch', rest, at, weekday: weekdayNamed };
  if (ambiguous) return { ok: false, problem: 'ambiguous_hour', rest, at, end: endAt };
  if (endAt && endAt.getTime() <= at.getTime()) return { ok: false, problem: 'bad_range', rest, at, end: endAt };
  if (at.getTime() <= now.getTime()) {
    if (dayOnly && dayNumber(date) < dayNumber(today)) {
      const next = monthPlus(date.year, date.month, 1);
      if (validDate(next.year, next.month, date.day)) {
        const day = { ...next, day: date.day };
        return { ok: false, problem: 'day_passed', rest, at: instant(day, hour, clock.minute), end: end && endHour !== undefined ? instant(day, endHour, end.minute) : undefined };
      }
    }
    return { ok: false, problem: 'past', rest, at };
  }
  return endAt ? { ok: true, at, end: endAt, rest } : { ok: true, at, rest };
}
