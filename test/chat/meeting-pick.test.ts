// Picking one of several meetings of a kind from what the secretary typed (修改通知 / 取消会议): the
// date written first names the meeting; what follows (改为 …) is the change, and a time alone keeps
// the chosen meeting's day.
import { describe, expect, it } from 'vitest';
import { onDayOf, pickByDate } from '../../src/chat/handlers/life-records.js';
import type { SessionView } from '../../src/domain/life/sessions.js';

const TZ = 'Asia/Shanghai';
const s = (id: string, iso: string) => ({ id, startsAt: new Date(iso), kind: { name: '主题党日' } }) as unknown as SessionView;
const two = [s('a', '2026-12-12T15:00:00+08:00'), s('b', '2026-12-18T15:00:00+08:00')];

describe('pickByDate', () => {
  it.each([
    ['12月18日 改为 12月19日 9:30 四楼会议室', 'b', '12月19日 9:30 四楼会议室'],
    ['12月18号 15:00 改到 16:00', 'b', '16:00'],
    ['１２月１２日 五楼会议室', 'a', '五楼会议室'],
    ['12.12 主题：学习党章', 'a', '主题：学习党章'],
    ['2026年12月18日', 'b', ''],
  ])('「%s」picks %s, leaving 「%s」', (text, id, rest) => {
    const r = pickByDate(two, text, TZ);
    expect(r.list.map((x) => x.id)).toEqual([id]);
    expect(r.rest).toBe(rest);
  });

  it('keeps all when no date, or a date of none of them, is written', () => {
    expect(pickByDate(two, '改为 10:00', TZ).list).toHaveLength(2);
    expect(pickByDate(two, '12月20日 10:00', TZ)).toEqual({ list: two, rest: '12月20日 10:00' });
  });
});

describe('onDayOf', () => {
  it('puts a time alone on the chosen meeting’s day, and leaves a place or a full date alone', () => {
    expect(onDayOf(two[1]!, '改为 10:00 四楼', TZ)).toBe('12月18日 10:00 四楼');
    expect(onDayOf(two[1]!, '下午4点', TZ)).toBe('12月18日 下午4点');
    expect(onDayOf(two[1]!, '四楼会议室', TZ)).toBe('四楼会议室');
    expect(onDayOf(two[1]!, '12月19日 9:30', TZ)).toBe('12月19日 9:30');
    // what time-reading finds no day in: a range (not a date 30-16), an hour in words, a labelled time
    expect(onDayOf(two[1]!, '14:30-16:30', TZ)).toBe('12月18日 14:30-16:30');
    expect(onDayOf(two[1]!, '改为 两点半', TZ)).toBe('12月18日 两点半');
    expect(onDayOf(two[1]!, '时间改成下午3点', TZ)).toBe('12月18日 下午3点');
    expect(onDayOf(two[1]!, '地点改为3号教室', TZ)).toBe('地点改为3号教室');
    expect(onDayOf(two[1]!, '下周的周六 14:30', TZ)).toBe('下周的周六 14:30');
  });
});
