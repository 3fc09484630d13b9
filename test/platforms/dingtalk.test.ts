// The DingTalk adapter against its fake: Stream mode through the real dingtalk-stream DWClient
// (gateway overridden), with template cards (updated in place) and without a template (markdown /
// actionCard with numbered replies).
import { describe, expect, it } from 'vitest';
import { conformance } from './conformance.js';
import { DingTalkFake } from './fakes/dingtalk.js';
import { cardParamMap, fallbackMessage, slotIndex } from '../../src/platforms/dingtalk/card.js';

conformance('DingTalk (stream, template cards)', () => DingTalkFake.start({ template: true }));
conformance('DingTalk (stream, no template: markdown + numbered replies)', () => DingTalkFake.start({ template: false }));

describe('DingTalk cards', () => {
  const card = {
    title: '会议通知',
    fields: [{ label: '时间', value: '12月5日 14:30' }],
    buttons: [
      { actionId: 'm.checkin', label: '签到', style: 'primary' as const, token: 'tok-1' },
      { actionId: 'm.leave', label: '请假', token: 'tok-2' },
    ],
    footer: '已签到 0 / 10',
  };

  it('fills the template with strings only and keeps tokens out of the card data', () => {
    const map = cardParamMap(card);
    expect(Object.values(map).every((v) => typeof v === 'string')).toBe(true);
    expect(map).toMatchObject({ title: '会议通知', btn_count: '2', btn_1_text: '签到', btn_1_show: 'true', btn_2_text: '请假', btn_3_show: 'false', footer: '已签到 0 / 10' });
    expect(JSON.stringify(map)).not.toContain('tok-');
    expect(slotIndex('btn_2')).toBe(1);
    expect(slotIndex('other')).toBeUndefined();
  });

  it('falls back to markdown with numbered replies, or an actionCard for a form link', () => {
    const md = fallbackMessage(card, true);
    expect(md.msgKey).toBe('sampleMarkdown');
    expect(md.param.text).toContain('回复 1 签到');
    expect(md.param.text).toContain('回复 2 请假');
    const withForm = fallbackMessage({ title: '请假', form: { actionId: 'x', token: 't', submitLabel: '提交', fields: [{ name: 'reason', label: '原因', type: 'textarea' }], url: 'https://h5.example/f?t=1' } }, false);
    expect(withForm).toMatchObject({ msgKey: 'sampleActionCard', param: { singleTitle: '提交', singleURL: 'https://h5.example/f?t=1' } });
    expect(withForm.param.text).toContain('回复 1 加原因提交');
  });
});
