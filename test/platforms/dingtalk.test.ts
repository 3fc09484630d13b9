// The DingTalk adapter against its fake: Stream mode through the real dingtalk-stream DWClient
// (gateway overridden), with template cards (updated in place) and without a template (markdown /
// actionCard with numbered replies).
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { bindDemoMembers, conformance, conformanceRoutes } from './conformance.js';
import { waitUntil } from './fakes/common.js';
import { freshPostgres, REDIS_URL, redisPrefix } from '../helpers/env.js';
import { startTestApp, tempDataDir } from '../helpers/app.js';
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

// A click on a card whose outbox row is gone (sent before a restore, or by another deployment): the
// chat comes from the callback's own space, so the answer goes to the group, not to the clicker.
describe('DingTalk card callback without its outbox row', () => {
  let app: App;
  let fake: DingTalkFake;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    fake = await DingTalkFake.start({ template: true });
    const db = await freshPostgres({ migrated: false });
    drop = db.drop;
    app = await startTestApp({ DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: redisPrefix(), DATA_DIR: tempDataDir(), SEED_DEMO: 'true', ...fake.env() }, { extendRouter: conformanceRoutes });
    await fake.attach(app);
    await bindDemoMembers(app, fake);
  });
  afterAll(async () => {
    await app?.stop();
    await fake?.close();
    await drop?.();
  });

  it('takes the chat from spaceType IM_GROUP / spaceId', async () => {
    const group = fake.group(1);
    const target = `conformance-orphan:${crypto.randomUUID()}`;
    const token = app.tokens.sign({ action: 'conformance.count', target }, 3600);
    await fake.push('/v1.0/card/instances/callback', {
      type: 'actionCallback',
      outTrackId: 'zb_no_such_card',
      userId: fake.userId('m103'),
      userIdType: 1,
      corpId: 'dingcorp1',
      spaceType: 'IM_GROUP',
      spaceId: group.id,
      extension: '{}',
      content: JSON.stringify({ cardPrivateData: { actionIds: ['btn_1'], params: { t: token } } }),
    });
    const row = await waitUntil('the click answered', () => app.db.prisma.outboxMessage.findFirst({ where: { dedupeKey: { startsWith: target } } }).then((r) => r ?? undefined));
    expect(row).toMatchObject({ target: group.id, targetKind: 'GROUP' });
  });
});
