// `npm run cli -- holidays check <year>`: which days of a year the reminders treat as holidays, and
// where that comes from (the holiday file, chinese-days, or computed statutory days without 调休).
import type { HolidayCalendar } from '../domain/holidays.js';

export const HOLIDAYS_USAGE = `  npm run cli -- holidays check [<年份>]  查看某年的节假日来源与放假日（默认今年和明年）；
                                       没有官方安排的年份按法定节日推算（不含调休），请补充节假日文件`;

const SOURCE = { file: '节假日文件', package: 'chinese-days 内置的官方安排', computed: '按法定节日推算（没有官方安排，不含调休）' } as const;

/** Prints the report; returns the exit code: 0 when every year asked has official data, 2 when one is computed. */
export function holidaysCli(calendar: HolidayCalendar, args: string[], now = new Date()): { text: string; exitCode: number } {
  const [sub, yearArg] = args;
  if (sub !== 'check') throw new Error(`用法：\n${HOLIDAYS_USAGE}`);
  let years = [now.getFullYear(), now.getFullYear() + 1];
  if (yearArg !== undefined) {
    const y = Number(yearArg);
    if (!/^\d{4}$/.test(yearArg) || y < 2004 || y > 2099) throw new Error(`"${yearArg}" 不是有效年份（2004–2099）`);
    years = [y];
  }
  const lines: string[] = [];
  let exitCode = 0;
  for (const year of years) {
    const source = calendar.source(year);
    if (source === 'computed') exitCode = 2;
    lines.push(`${year} 年：${SOURCE[source]}${source === 'file' && calendar.file ? `（${calendar.file}）` : ''}`);
    const days = calendar.holidays(year);
    lines.push(`  工作日放假 ${days.length} 天：${days.map((d) => `${d.date.slice(5)}${d.name ? ` ${d.name}` : ''}`).join('、')}`);
    if (source === 'computed') lines.push(`  请按国务院办公厅公布的 ${year} 年放假安排补充 ${calendar.file ?? 'HOLIDAYS_FILE 指定的节假日文件（默认 holidays.yaml）'}。`);
  }
  return { text: lines.join('\n'), exitCode };
}
