// Pure rules of organizational life: time phrases, periods in Asia/Shanghai, compliance windows.
import { describe, expect, it } from 'vitest';
import { parseWhen, readNumber } from '../../src/domain/life/when.js';
import { parseNotice } from '../../src/domain/life/notice.js';
import { parsePeriod, periodOf, subPeriods } from '../../src/domain/life/period.js';
import { evaluateRule } from '../../src/domain/life/compliance.js';
import { formatIso, formatRange } from '../../src/domain/life/time.js';
import { reminderPlan } from '../../src/domain/life/reminders.js';

// Friday 2026-11-20 10:00 in Shanghai
const now = new Date('2026-11-20T10:00:00+08:00');
const at = (text: string) => {
  const r = parseWhen(text, now);
  return r.ok ? `${formatIso(r.at)} | ${r.rest}` : `${r.problem} | ${r.rest}`;
};

describe('time phrases', () => {
  it('reads the ways a secretary writes a meeting time', () => {
    expect(at('12月5日 14:30 三楼会议室')).toBe('2026-12-05 14:30 | 三楼会议室');
    expect(at('明天下午两点半 党员活动室')).toBe('2026-11-21 14:30 | 党员活动室');
    expect(at('2026-12-05 14:30')).toBe('2026-12-05 14:30 | ');
    expect(at('2026年12月5日（周六）下午3点 会议室')).toBe('2026-12-05 15:00 | 会议室');
    expect(at('下周五 9:00 5号楼')).toBe('2026-11-27 09:00 | 5号楼');
    expect(at('周五 下午四点 小会议室')).toBe('2026-11-20 16:00 | 小会议室'); // today, later
    expect(at('本周日 上午十点')).toBe('2026-11-22 10:00 | ');
    expect(at('后天 晚上7点半')).toBe('2026-11-22 19:30 | ');
    expect(at('12月21日 上午9点 四楼会议室')).toBe('2026-12-21 09:00 | 四楼会议室');
    expect(at('12月21日 下午3点5号楼')).toBe('2026-12-21 15:00 | 5号楼');
    expect(at('12月5号 14点15分')).toBe('2026-12-05 14:15 | ');
    expect(at('1月8日 9:00')).toBe('2027-01-08 09:00 | '); // near next year, not this past January
    expect(readNumber('二十三')).toBe(23);
    expect(readNumber('十')).toBe(10);
  });

  it('asks back instead of guessing', () => {
    expect(at('下周五 三楼会议室')).toBe('no_time | 三楼会议室');
    expect(at('12月5日下午 三楼')).toBe('no_time | 三楼');
    expect(at('明天两点半')).toBe('ambiguous_hour | ');
    expect(at('14:30 三楼')).toBe('no_date | 三楼');
    expect(at('改天再说 三楼')).toBe('missing | 改天再说 三楼');
    expect(at('2月30日 9:00')).toBe('invalid | ');
    expect(at('12月5日 25:00')).toBe('invalid | ');
    expect(at('11月10日 14:30')).toBe('past | '); // this year's is past, next year's is too far to assume
    expect(at('周五 上午9点')).toBe('past | '); // today 09:00 has passed
  });

  it('reads a whole notice: kind by name or alias, place, topic and named attendees', () => {
    const kinds = [
      { id: '1', code: 'theme_day', name: '主题党日', aliases: ['党日'], orgLevel: 'BRANCH' },
      { id: '2', code: 'branch_committee', name: '支部委员会会议', aliases: ['支委会'], orgLevel: 'BRANCH' },
    ];
    const r = parseNotice('主题党日 12月5日 14:30 三楼会议室 主题：学习贯彻四中全会精神', kinds, now);
    expect(r.ok && { kind: r.draft.kind.code, at: formatIso(r.draft.at), place: r.draft.place, topic: r.draft.topic }).toEqual({ kind: 'theme_day', at: '2026-12-05 14:30', place: '三楼会议室', topic: '学习贯彻四中全会精神' });
    const r2 = parseNotice('支委会 明天下午两点半 地点：书记办公室 参加：王建国、李秀英 主题：研究发展党员', kinds, now);
    expect(r2.ok && { kind: r2.draft.kind.code, place: r2.draft.place, names: r2.draft.attendeeNames, topic: r2.draft.topic }).toEqual({ kind: 'branch_committee', place: '书记办公室', names: ['王建国', '李秀英'], topic: '研究发展党员' });
    expect(parseNotice('团日活动 12月5日 14:30', kinds, now)).toEqual({ ok: false, problem: 'no_kind' });
  });

  it('reads the topic written first: each labelled part runs to the next label, and an unlabelled time ends the topic', () => {
    const kinds = [
      { id: '1', code: 'theme_day', name: '主题党日', aliases: ['党日'], orgLevel: 'BRANCH' },
      { id: '2', code: 'branch_committee', name: '支部委员会会议', aliases: ['支委会'], orgLevel: 'BRANCH' },
    ];
    const read = (text: string) => {
      const r = parseNotice(text, kinds, now);
      return r.ok ? { at: formatIso(r.draft.at), place: r.draft.place, topic: r.draft.topic, names: r.draft.attendeeNames } : r.problem;
    };
    expect(read('主题党日 主题：学习贯彻四中全会精神 时间：12月5日14:30 地点：三楼会议室')).toEqual({ at: '2026-12-05 14:30', place: '三楼会议室', topic: '学习贯彻四中全会精神', names: [] });
    expect(read('主题党日，主题：学习党章，12月12日下午3点，三楼会议室')).toEqual({ at: '2026-12-12 15:00', place: '三楼会议室', topic: '学习党章', names: [] });
    expect(read('支委会 参加：王建国、李秀英 时间：明天下午两点半 地点：书记办公室 主题：研究发展党员')).toEqual({ at: '2026-11-21 14:30', place: '书记办公室', topic: '研究发展党员', names: ['王建国', '李秀英'] });
    // a topic with a date in it stays whole when the time is elsewhere
    expect(read('主题党日 主题：学习12月1日讲话精神 时间：12月5日14:30 地点：三楼会议室')).toEqual({ at: '2026-12-05 14:30', place: '三楼会议室', topic: '学习12月1日讲话精神', names: [] });
    expect(read('主题党日 主题：学习贯彻四中全会精神')).toBe('missing');
  });
});

describe('a meeting\'s time span', () => {
  it('gives the end as a clock time on the same day, in full on another', () => {
    const start = new Date('2026-12-05T14:30:00+08:00');
    expect(formatRange(start, null)).toBe('2026年12月5日（周六）14:30');
    expect(formatRange(start, new Date('2026-12-05T16:30:00+08:00'))).toBe('2026年12月5日（周六）14:30—16:30');
    // 17:30 in Shanghai is 09:30 UTC: the day is Shanghai's
    expect(formatRange(new Date('2026-12-05T00:30:00+08:00'), new Date('2026-12-05T17:30:00+08:00'))).toBe('2026年12月5日（周六）00:30—17:30');
    expect(formatRange(start, new Date('2026-12-06T11:30:00+08:00'))).toBe('2026年12月5日（周六）14:30—2026年12月6日（周日）11:30');
  });
});

describe('periods in Asia/Shanghai', () => {
  it('puts 2026-12-31 23:59 +08 in Q4 and 2027-01-01 00:00 +08 in Q1, though both are 31 Dec in UTC', () => {
    const q4 = periodOf('quarter', new Date('2026-12-31T23:59:00+08:00'));
    const q1 = periodOf('quarter', new Date('2027-01-01T00:00:00+08:00'));
    expect(q4.key).toBe('2026Q4');
    expect(q1.key).toBe('2027Q1');
    expect(q4.end.toISOString()).toBe('2026-12-31T16:00:00.000Z');
    expect(q1.start.getTime()).toBe(q4.end.getTime());
  });

  it('reads period phrases', () => {
    const keys = ['本季度', '上季度', '2026年第四季度', '2026Q4', '2026年12月', '2026-12', '2026年', '本月', '上月', '今年', '下半年'].map((t) => parsePeriod(t, now)?.key);
    expect(keys).toEqual(['2026Q4', '2026Q3', '2026Q4', '2026Q4', '2026-12', '2026-12', '2026', '2026-11', '2026-10', '2026', '2026H2']);
    expect(parsePeriod('2026年第四季度', now)?.label).toBe('2026年第四季度');
    expect(parsePeriod('下个世纪', now)).toBeNull();
    expect(subPeriods('month', parsePeriod('本季度', now)!).map((p) => p.key)).toEqual(['2026-10', '2026-11', '2026-12']);
  });
});

describe('compliance windows', () => {
  const q4 = parsePeriod('2026Q4', now)!;
  it('checks a monthly rule month by month inside a quarter', () => {
    const r = evaluateRule({ period: 'month', atLeast: 1 }, q4, [new Date('2026-10-09T06:00:00Z'), new Date('2026-10-20T06:00:00Z')], now, 10);
    expect({ required: r.required, held: r.held, remaining: r.remaining, status: r.status }).toEqual({ required: 3, held: 1, remaining: 2, status: 'at_risk' });
    // November is still running on the 20th: 10 days left, so it is at risk
    expect(r.atRisk).toBe(true);
    const dec = evaluateRule({ period: 'month', atLeast: 1 }, q4, [new Date('2026-10-09T06:00:00Z')], new Date('2026-12-02T10:00:00+08:00'), 10);
    expect(dec.status).toBe('missed'); // November passed without one
  });

  it('counts days left to the last local day and flags at risk by the threshold', () => {
    const r = evaluateRule({ period: 'quarter', atLeast: 1 }, q4, [], new Date('2026-12-21T09:00:00+08:00'), 10);
    expect({ daysLeft: r.daysLeft, atRisk: r.atRisk, status: r.status }).toEqual({ daysLeft: 10, atRisk: true, status: 'at_risk' });
    const early = evaluateRule({ period: 'quarter', atLeast: 1 }, q4, [], new Date('2026-12-20T09:00:00+08:00'), 10);
    expect({ daysLeft: early.daysLeft, atRisk: early.atRisk }).toEqual({ daysLeft: 11, atRisk: false });
    const done = evaluateRule({ period: 'quarter', atLeast: 1 }, q4, [new Date('2026-12-31T15:59:00Z')], new Date('2026-12-21T09:00:00+08:00'), 10);
    expect(done.status).toBe('done');
    const yearly = evaluateRule({ period: 'year', atLeast: 1 }, q4, [], now, 10);
    expect(yearly.window.key).toBe('2026');
  });
});

describe('reminder plan', () => {
  it('plans the day before at 09:00, an hour before, at check-in open and at check-in close', () => {
    const startsAt = new Date('2026-12-05T14:30:00+08:00');
    const plan = reminderPlan({ id: 's1', startsAt, checkinOpensAt: new Date('2026-12-05T14:00:00+08:00'), checkinClosesAt: new Date('2026-12-05T16:30:00+08:00') });
    expect(plan.map((p) => [p.key, formatIso(p.dueAt)])).toEqual([
      ['remind:s1:day_before', '2026-12-04 09:00'],
      ['remind:s1:hour_before', '2026-12-05 13:30'],
      ['remind:s1:start', '2026-12-05 14:00'],
      ['remind:s1:after_end', '2026-12-05 16:30'],
    ]);
  });
});
