// The WeCom AI bot adapter (long connection) against its fake, and the card-event key parsing.
import { describe, expect, it } from 'vitest';
import { conformance } from './conformance.js';
import { WeComFake } from './fakes/wecom.js';
import { cardEventKey, renderTemplateCard } from '../../src/platforms/wecom/card.js';

conformance('WeCom AI bot (long connection)', () => WeComFake.start());

describe('WeCom cards', () => {
  it('reads the clicked key from both event shapes', () => {
    expect(cardEventKey({ eventtype: 'template_card_event', event_key: 'k1', task_id: 't1' })).toEqual({ key: 'k1', taskId: 't1' });
    expect(cardEventKey({ eventtype: 'template_card_event', template_card_event: { event_key: 'k2', task_id: 't2' } })).toEqual({ key: 'k2', taskId: 't2' });
  });

  it('renders a button_interaction card whose button keys are the tokens', () => {
    const c = renderTemplateCard({ title: '主题党日', fields: [{ label: '时间', value: '12月5日 14:30' }], buttons: [{ actionId: 'm.checkin', label: '签到', token: 'tok-1' }] }, 'zb_1') as Record<string, unknown>;
    expect(c).toMatchObject({ card_type: 'button_interaction', task_id: 'zb_1', button_list: [{ text: '签到', key: 'tok-1', style: 2 }], horizontal_content_list: [{ keyname: '时间', value: '12月5日 14:30' }] });
  });
});
