// The Wechaty adapter driven through wechaty-puppet-mock: cards as text with numbered replies,
// a reply "1" mapped back to the card's first choice, "1 出差在外" filling a one-field form.
import { describe, expect, it } from 'vitest';
import { conformance } from './conformance.js';
import { WechatyFake } from './fakes/wechaty.js';
import { numberedChoices, numberedText, parseNumberedReply } from '../../src/platforms/numbered.js';

conformance('Wechaty (wechaty-puppet-mock)', () => WechatyFake.start(), { hooks: (fake) => (fake as WechatyFake).hooks() });

describe('numbered replies', () => {
  const leave = {
    title: '请假申请 · 主题党日',
    form: { actionId: 'meeting.leave_submit', token: 'tok-form', submitLabel: '提交', fields: [{ name: 'reason', label: '原因', type: 'textarea' as const, required: true }], url: 'https://zb.example/h5/form?t=x' },
  };

  it('numbers buttons first, then a one-field form, and shows the form link', () => {
    const card = { ...leave, buttons: [{ actionId: 'a', label: '签到', token: 'tok-a' }] };
    expect(numberedChoices(card)).toEqual([{ label: '签到', token: 'tok-a' }, { label: '提交', token: 'tok-form', field: 'reason' }]);
    const text = numberedText(card, { group: true });
    expect(text).toContain('回复 1 签到');
    expect(text).toContain('回复 2 加原因提交');
    expect(text).toContain('https://zb.example/h5/form?t=x');
    expect(text).toContain('@我');
  });

  it('parses a number with an optional text and refuses anything else', () => {
    expect(parseNumberedReply('1')).toEqual({ n: 1, rest: '' });
    expect(parseNumberedReply(' 2  出差在外 ')).toEqual({ n: 2, rest: '出差在外' });
    expect(parseNumberedReply('签到')).toBeNull();
    expect(parseNumberedReply('123')).toBeNull();
  });
});
