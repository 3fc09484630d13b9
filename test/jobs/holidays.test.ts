// Holidays beyond the package: chinese-days 1.5.7 has no 2027 data. The holiday file (HOLIDAYS_FILE)
// wins for the years it lists; other years without official data get the computed statutory days.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import chineseDays from 'chinese-days';
import { ConfigError, loadConfig } from '../../src/config.js';
import { holidayCalendar, loadHolidayCalendar, parseHolidayFile, statutoryHolidays, coverageWarning } from '../../src/domain/holidays.js';
import { isWorkingDay, reminderTiming } from '../../src/domain/guardrails.js';
import { guardrailsFrom } from '../../jobs/index.js';

const sh = (local: string) => new Date(`${local}+08:00`);
const run = promisify(execFile);

function holidayFile(text: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'zhibu-holidays-')), 'holidays.yaml');
  fs.writeFileSync(file, text);
  return file;
}

describe('computed statutory holidays', () => {
  it('match the official arrangement in every year the package knows (lunar dates and 清明 included)', () => {
    for (let year = 2015; year <= 2026; year++) {
      const days = statutoryHolidays(year);
      const eve = days.find((h) => h.name === '春节')!.date;
      for (const h of days) {
        if (year < 2025 && (h.date === eve || h.date === `${year}-05-02`)) continue; // statutory since the 2024 revision
        expect(chineseDays.isHoliday(h.date), `${year} ${h.name} ${h.date}`).toBe(true);
      }
    }
  });

  it('treat 2027-01-01 and the Spring Festival as days off when no file lists 2027', () => {
    const cal = holidayCalendar();
    expect(cal.source(2026)).toBe('package');
    expect(cal.source(2027)).toBe('computed');
    expect(isWorkingDay({ year: 2027, month: 1, day: 1 })).toBe(false); // the package alone says true
    expect(chineseDays.isWorkday('2027-01-01')).toBe(true);
    expect(isWorkingDay({ year: 2027, month: 2, day: 5 })).toBe(false); // 除夕 (正月初一 is 2027-02-06)
    expect(isWorkingDay({ year: 2027, month: 2, day: 8 })).toBe(false); // 初三
    expect(isWorkingDay({ year: 2027, month: 2, day: 9 })).toBe(true);
    expect(isWorkingDay({ year: 2027, month: 10, day: 1 })).toBe(false);
    // A reminder due on 元旦 2027 moves to the next working day, Monday 2027-01-04.
    expect(reminderTiming(sh('2027-01-01T10:00'), null)).toEqual({ action: 'shift', at: sh('2027-01-04T09:00') });
    expect(coverageWarning(cal, 2026)).toMatch(/no official holiday arrangement for 2027/);
    expect(coverageWarning(cal, 2025)).toBeUndefined();
  });
});

describe('the holiday file', () => {
  it('moves a reminder due on 2027-01-01 to the 调休 working day it names, through the service configuration', () => {
    const file = holidayFile(`2027:\n  holidays:\n    - 2027-01-01\n    - 2027-02-05..2027-02-11\n  workdays:\n    - 2027-01-02\n    - 2027-02-14\n`);
    const g = guardrailsFrom(loadConfig({ HOLIDAYS_FILE: file }));
    expect(g.calendar?.source(2027)).toBe('file');
    expect(reminderTiming(sh('2027-01-01T10:00'), null, g)).toEqual({ action: 'shift', at: sh('2027-01-02T09:00') });
    expect(g.calendar?.isWorkingDay('2027-02-10')).toBe(false); // inside the range
    expect(g.calendar?.isWorkingDay('2027-02-14')).toBe(true); // a Sunday, 调休
    expect(g.calendar?.isWorkingDay('2027-02-12')).toBe(true); // an ordinary Friday
    expect(coverageWarning(g.calendar!, 2026)).toBeUndefined();
  });

  it('overrides the package for a year it lists', () => {
    const cal = loadHolidayCalendar(holidayFile(`2026:\n  holidays: [2026-09-29]\n`));
    expect(cal.isWorkingDay('2026-09-29')).toBe(false);
    expect(cal.isWorkingDay('2026-10-01')).toBe(true); // the file is the whole truth for its year
  });

  it('refuses a bad file at start, naming HOLIDAYS_FILE and the entry', () => {
    const bad = holidayFile(`2027:\n  holidays: [2027-13-01]\n`);
    expect(() => loadConfig({ HOLIDAYS_FILE: bad })).toThrow(ConfigError);
    expect(() => loadConfig({ HOLIDAYS_FILE: bad })).toThrow(/HOLIDAYS_FILE: .*2027 年的 holidays：.*2027-13-01/);
    expect(() => parseHolidayFile(`2027:\n  holidays: [2027-01-01]\n  workdays: [2027-01-01]\n`)).toThrow(/同时列为放假和调休上班/);
    expect(() => parseHolidayFile(`2027:\n  holiday: [2027-01-01]\n`)).toThrow(/不认识的键 "holiday"/);
    expect(parseHolidayFile('# only comments\n').size).toBe(0);
  });

  it('`npm run cli -- holidays check <year>` names the source and exits 2 for a computed year', async () => {
    const computed = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'holidays', 'check', '2027'], { env: { ...process.env, HOLIDAYS_FILE: 'none.yaml' } }).then(
      () => ({ code: 0, stdout: '' }),
      (e: { code: number; stdout: string }) => e,
    );
    expect(computed.code).toBe(2);
    expect(computed.stdout).toMatch(/2027 年：按法定节日推算/);
    expect(computed.stdout).toMatch(/01-01 元旦、02-05 春节/);
    const file = holidayFile(`2027:\n  holidays: [2027-01-01]\n`);
    const ok = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'holidays', 'check', '2027'], { env: { ...process.env, HOLIDAYS_FILE: file } });
    expect(ok.stdout).toMatch(/2027 年：节假日文件/);
  }, 30_000);
});
