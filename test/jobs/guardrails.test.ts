// Guardrails as pure functions with fixed dates in Asia/Shanghai (UTC+8): 2026 National Day
// (10-01..10-07 holidays), the 调休 Saturday 2026-10-10 that is a workday, quiet hours 21:00–08:00.
import { describe, expect, it } from 'vitest';
import {
  applyRecipientGuardrails,
  DEFAULT_GUARDRAILS,
  inQuietHours,
  isSendableTime,
  isWorkingDay,
  localDayRange,
  nextWorkingMorning,
  parseClock,
  reminderTiming,
} from '../../src/domain/guardrails.js';

const sh = (local: string) => new Date(`${local}+08:00`);

describe('working days and quiet hours', () => {
  it('knows holidays, weekends and 调休 workdays', () => {
    expect(isWorkingDay({ year: 2026, month: 10, day: 1 })).toBe(false); // National Day
    expect(isWorkingDay({ year: 2026, month: 10, day: 8 })).toBe(true); // Thursday after the holiday
    expect(isWorkingDay({ year: 2026, month: 10, day: 10 })).toBe(true); // 调休 Saturday
    expect(isWorkingDay({ year: 2026, month: 10, day: 17 })).toBe(false); // ordinary Saturday
    expect(isWorkingDay({ year: 2026, month: 9, day: 29 })).toBe(true); // ordinary Tuesday
  });

  it('treats 21:00–08:00 as quiet, including across midnight', () => {
    expect(inQuietHours(sh('2026-09-29T20:59'))).toBe(false);
    expect(inQuietHours(sh('2026-09-29T21:00'))).toBe(true);
    expect(inQuietHours(sh('2026-09-30T07:59'))).toBe(true);
    expect(inQuietHours(sh('2026-09-30T08:00'))).toBe(false);
    expect(inQuietHours(sh('2026-09-30T12:00'), { ...DEFAULT_GUARDRAILS, quietStart: '12:00', quietEnd: '13:30' })).toBe(true);
    expect(isSendableTime(sh('2026-10-10T10:00'))).toBe(true);
    expect(isSendableTime(sh('2026-10-03T10:00'))).toBe(false);
  });

  it('finds the next working morning across a holiday and onto a 调休 Saturday', () => {
    expect(nextWorkingMorning(sh('2026-10-03T10:00'))).toEqual(sh('2026-10-08T09:00'));
    expect(nextWorkingMorning(sh('2026-10-09T23:00'))).toEqual(sh('2026-10-10T09:00'));
    expect(nextWorkingMorning(sh('2026-10-17T10:00'))).toEqual(sh('2026-10-19T09:00'));
    expect(nextWorkingMorning(sh('2026-09-30T07:00'))).toEqual(sh('2026-09-30T09:00'));
  });

  it('rejects a malformed clock time', () => {
    expect(parseClock('09:30')).toBe(570);
    expect(() => parseClock('25:00')).toThrow('HH:MM');
  });
});

describe('reminderTiming', () => {
  it('sends on time on a working day and on a 调休 Saturday', () => {
    expect(reminderTiming(sh('2026-10-08T09:00'), sh('2026-10-09T14:00'))).toEqual({ action: 'send', at: sh('2026-10-08T09:00') });
    expect(reminderTiming(sh('2026-10-10T09:00'), sh('2026-10-12T14:00'))).toEqual({ action: 'send', at: sh('2026-10-10T09:00') });
  });

  it('moves a reminder due on a National Day holiday to the first working morning after it', () => {
    expect(reminderTiming(sh('2026-10-03T09:00'), sh('2026-10-08T14:30'))).toEqual({ action: 'shift', at: sh('2026-10-08T09:00') });
  });

  it('moves a reminder due in quiet hours to the next working morning', () => {
    expect(reminderTiming(sh('2026-09-29T22:00'), sh('2026-09-30T15:00'))).toEqual({ action: 'shift', at: sh('2026-09-30T09:00') });
    expect(reminderTiming(sh('2026-10-09T23:00'), sh('2026-10-12T15:00'))).toEqual({ action: 'shift', at: sh('2026-10-10T09:00') });
  });

  it('keeps a reminder on the meeting day itself, even on a holiday or early in the morning', () => {
    expect(reminderTiming(sh('2026-10-02T09:00'), sh('2026-10-02T10:00'))).toEqual({ action: 'send', at: sh('2026-10-02T09:00') });
    expect(reminderTiming(sh('2026-09-30T06:30'), sh('2026-09-30T07:30'))).toEqual({ action: 'send', at: sh('2026-09-30T06:30') });
  });

  it('skips a before-meeting reminder that could only go out after the start', () => {
    expect(reminderTiming(sh('2026-10-07T09:00'), sh('2026-10-08T08:30'))).toEqual({ action: 'skip', reason: 'after_start' });
  });

  it('never sends an after-meeting prompt in quiet hours, even on the meeting day', () => {
    expect(reminderTiming(sh('2026-09-29T21:30'), sh('2026-09-29T19:00'))).toEqual({ action: 'shift', at: sh('2026-09-30T09:00') });
  });
});

describe('recipient guardrails', () => {
  const msgs = [{ memberId: 'a' }, { memberId: 'b' }, { memberId: null }, { memberId: 'c' }, { memberId: 'c' }];
  it('skips members on leave and members whose daily budget is spent, keeps group posts', () => {
    const r = applyRecipientGuardrails(msgs, { onLeave: new Set(['b']), sentToday: new Map([['a', 3], ['c', 2]]), budget: 3 });
    expect(r.send).toEqual([{ memberId: null }, { memberId: 'c' }]);
    expect(r.skipped.map((s) => [s.message.memberId, s.reason])).toEqual([['a', 'budget'], ['b', 'on_leave'], ['c', 'budget']]);
  });

  it('gives the local day in Shanghai as the budget window', () => {
    expect(localDayRange(sh('2026-10-10T00:30'))).toEqual({ start: sh('2026-10-10T00:00'), end: sh('2026-10-11T00:00') });
  });
});
