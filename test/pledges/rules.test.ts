// Pure rules of 承诺践诺: the campaign command, deadlines, item limits, the state machine, periods.
import { describe, expect, it } from 'vitest';
import {
  checkItems,
  decideSubmit,
  dueFulfilmentPeriods,
  parseCampaignCommand,
  periodByKey,
  type CampaignRules,
} from '../../src/domain/pledges/rules.js';
import { periodOf } from '../../src/domain/life/period.js';

const TZ = 'Asia/Shanghai';

const at = (iso: string) => new Date(iso);
const NOW = at('2027-01-10T02:00:00Z'); // 10:00 Asia/Shanghai

describe('the campaign command', () => {
  it('reads name, deadline (end of day, Shanghai), item range, late rule and schedule', () => {
    const r = parseCampaignCommand('2027年度党员承诺践诺 截止 2027年1月31日 每人1-5条 逾期标注', NOW, TZ);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toMatchObject({ name: '2027年度党员承诺践诺', mode: 'ITEMS', minItems: 1, maxItems: 5, itemMaxLength: 200, lateRule: 'ACCEPT_MARKED', reportSchedule: 'quarter', scope: 'branch' });
    expect(r.value.deadline.toISOString()).toBe('2027-01-31T15:59:59.999Z');
    expect(r.value.reportUntil!.toISOString()).toBe('2027-12-31T15:59:59.999Z'); // the year in the name
  });

  it('treats a 承诺书 as one text, refuses late by default, and knows posts and unit scope', () => {
    const r = parseCampaignCommand('书记项目责任书 截止：2月1日 18:00 全机关 支部书记 每半年汇报', NOW, TZ);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toMatchObject({ mode: 'SINGLE_TEXT', maxItems: 1, itemMaxLength: 1000, lateRule: 'REFUSE', scope: 'unit', posts: ['BRANCH_SECRETARY'], reportSchedule: 'half' });
    expect(r.value.deadline.toISOString()).toBe('2027-02-01T10:00:00.000Z');
  });

  it('refuses a missing or past deadline, an unknown word, an impossible date and a bad item range', () => {
    expect(parseCampaignCommand('承诺 每人1-5条', NOW, TZ)).toMatchObject({ ok: false, key: 'pledge.deadline_missing' });
    expect(parseCampaignCommand('承诺活动 截止 2027年1月9日', NOW, TZ)).toMatchObject({ ok: false, key: 'pledge.deadline_past' });
    expect(parseCampaignCommand('承诺活动 截止 2027年2月30日', NOW, TZ)).toMatchObject({ ok: false, key: 'pledge.bad_date' });
    expect(parseCampaignCommand('承诺活动 截止 2027年2月3日 随便写写', NOW, TZ)).toMatchObject({ ok: false, key: 'pledge.unknown_word', vars: { word: '随便写写' } });
    expect(parseCampaignCommand('承诺活动 截止 2027年2月3日 每人5-2条', NOW, TZ)).toMatchObject({ ok: false, key: 'pledge.bad_item_count' });
  });

  it('takes 1月5日 without a year as the next such day', () => {
    const r = parseCampaignCommand('承诺活动 截止 1月5日', NOW, TZ);
    expect(r.ok && r.value.deadline.toISOString()).toBe('2028-01-05T15:59:59.999Z');
  });
});

const campaign: CampaignRules = {
  name: '2027年度党员承诺践诺',
  mode: 'ITEMS',
  minItems: 1,
  maxItems: 3,
  itemMaxLength: 10,
  categories: ['学习提升', '其他'],
  deadline: at('2027-01-31T15:59:59.999Z'),
  lateRule: 'REFUSE',
  reportSchedule: 'quarter',
  reportUntil: at('2027-12-31T15:59:59.999Z'),
  closedAt: null,
};

describe('items', () => {
  it('skips empty rows, closes up positions and counts characters, not bytes', () => {
    const r = checkItems(campaign, [{ category: '其他', content: '一二三四五六七八九十' }, { category: '', content: '' }, { category: '学习提升', content: 'x' }]);
    expect(r).toEqual({ ok: true, value: [{ category: '其他', content: '一二三四五六七八九十' }, { category: '学习提升', content: 'x' }] });
  });
  it('refuses text over the limit, a missing or unknown category, a category without text, too few and too many', () => {
    expect(checkItems(campaign, [{ category: '其他', content: '一二三四五六七八九十一' }])).toMatchObject({ ok: false, key: 'pledge.item_too_long', vars: { n: 1, length: 11, max: 10 } });
    expect(checkItems(campaign, [{ category: '', content: 'a' }])).toMatchObject({ ok: false, key: 'pledge.item_no_category' });
    expect(checkItems(campaign, [{ category: '别的', content: 'a' }])).toMatchObject({ ok: false, key: 'pledge.item_bad_category' });
    expect(checkItems(campaign, [{ category: '其他', content: '' }])).toMatchObject({ ok: false, key: 'pledge.item_no_content' });
    expect(checkItems(campaign, [])).toMatchObject({ ok: false, key: 'pledge.too_few_items' });
    expect(checkItems(campaign, Array(4).fill({ category: '其他', content: 'a' }))).toMatchObject({ ok: false, key: 'pledge.too_many_items' });
  });
});

describe('the state machine and the late rule', () => {
  const draft = { status: 'DRAFT' as const, late: false, submittedAt: null };
  const after = at('2027-02-01T00:00:00Z');
  it('accepts before the deadline; marks an approved pledge edited', () => {
    expect(decideSubmit(draft, campaign, NOW, TZ)).toEqual({ ok: true, value: { late: false, editOfApproved: false, resubmission: false } });
    expect(decideSubmit({ status: 'APPROVED', late: false, submittedAt: NOW }, campaign, NOW, TZ)).toMatchObject({ ok: true, value: { editOfApproved: true, resubmission: true } });
  });
  it('REFUSE: refuses first submissions and edits after the deadline, but takes a returned pledge back', () => {
    expect(decideSubmit(draft, campaign, after, TZ)).toMatchObject({ ok: false, key: 'pledge.deadline_passed' });
    expect(decideSubmit({ status: 'SUBMITTED', late: false, submittedAt: NOW }, campaign, after, TZ)).toMatchObject({ ok: false, key: 'pledge.deadline_passed_edit' });
    expect(decideSubmit({ status: 'RETURNED', late: false, submittedAt: NOW }, campaign, after, TZ)).toMatchObject({ ok: true, value: { late: false } });
  });
  it('ACCEPT_MARKED: accepts late and marks only a first submission after the deadline', () => {
    const c = { ...campaign, lateRule: 'ACCEPT_MARKED' as const };
    expect(decideSubmit(draft, c, after, TZ)).toMatchObject({ ok: true, value: { late: true } });
    expect(decideSubmit({ status: 'SUBMITTED', late: false, submittedAt: NOW }, c, after, TZ)).toMatchObject({ ok: true, value: { late: false } });
  });
  it('refuses a withdrawn member and a closed campaign', () => {
    expect(decideSubmit({ ...draft, status: 'WITHDRAWN' }, campaign, NOW, TZ)).toMatchObject({ ok: false, key: 'pledge.withdrawn' });
    expect(decideSubmit(draft, { ...campaign, closedAt: NOW }, NOW, TZ)).toMatchObject({ ok: false, key: 'pledge.closed' });
  });
});

describe('fulfilment periods', () => {
  it('cuts quarters, halves and months on the Shanghai calendar', () => {
    // 2027-03-31 23:30 in Shanghai is still Q1 although it is 15:30 UTC.
    expect(periodOf('quarter', at('2027-03-31T15:30:00Z'), TZ).key).toBe('2027Q1');
    expect(periodOf('quarter', at('2027-03-31T16:00:00Z'), TZ).key).toBe('2027Q2');
    const q4 = periodOf('quarter', at('2027-11-02T00:00:00Z'), TZ);
    expect([q4.label, q4.start.toISOString(), q4.end.toISOString()]).toEqual(['2027年第四季度', '2027-09-30T16:00:00.000Z', '2027-12-31T16:00:00.000Z']);
    expect(periodOf('half', at('2027-07-01T00:00:00Z'), TZ).key).toBe('2027H2');
    expect(periodOf('month', at('2027-02-14T00:00:00Z'), TZ).label).toBe('2027年2月');
    expect(periodByKey('quarter', '2027Q3', TZ)?.label).toBe('2027年第三季度');
    expect(periodByKey('quarter', '2027-03', TZ)).toBeNull();
  });

  it('opens none before the deadline, then every begun period up to the report end', () => {
    expect(dueFulfilmentPeriods(campaign, NOW, TZ)).toEqual([]);
    expect(dueFulfilmentPeriods(campaign, at('2027-03-20T00:00:00Z'), TZ).map((p) => p.key)).toEqual(['2027Q1']);
    expect(dueFulfilmentPeriods(campaign, at('2027-08-01T00:00:00Z'), TZ).map((p) => p.key)).toEqual(['2027Q1', '2027Q2', '2027Q3']);
    expect(dueFulfilmentPeriods(campaign, at('2028-06-01T00:00:00Z'), TZ).map((p) => p.key)).toEqual(['2027Q1', '2027Q2', '2027Q3', '2027Q4']);
    expect(dueFulfilmentPeriods({ ...campaign, closedAt: at('2027-05-01T00:00:00Z') }, at('2027-09-01T00:00:00Z'), TZ).map((p) => p.key)).toEqual(['2027Q1', '2027Q2']);
    expect(dueFulfilmentPeriods({ ...campaign, reportSchedule: null }, at('2027-08-01T00:00:00Z'), TZ)).toEqual([]);
  });
});
