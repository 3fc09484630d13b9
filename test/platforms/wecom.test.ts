// The WeCom AI bot adapter against its fake in both API modes (long connection, encrypted webhook),
// and the card-event key parsing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { bindDemoMembers, conformance, conformanceRoutes } from './conformance.js';
import { WeComFake } from './fakes/wecom.js';
import { waitUntil } from './fakes/common.js';
import { freshPostgres, REDIS_URL, redisPrefix } from '../helpers/env.js';
import { startTestApp, tempDataDir } from '../helpers/app.js';
import { cardEventKey, markdownPages, renderTemplateCard, templateCardHolds, wecomCardMessages } from '../../src/platforms/wecom/card.js';
import { readWeComContent, stripMentions } from '../../src/platforms/wecom/receiver.js';
import { pageCard } from '../../src/platforms/render.js';

conformance('WeCom AI bot (long connection)', () => WeComFake.start({ mode: 'ws' }));
conformance('WeCom AI bot (webhook, encrypted)', () => WeComFake.start({ mode: 'webhook' }));

describe('WeCom messages as WeCom sends them', () => {
  it('strips @mentions wherever they are, keeping e-mail addresses', () => {
    expect(stripMentions('@支部助手 签到')).toBe('签到');
    expect(stripMentions('签到 @支部助手')).toBe('签到');
    expect(stripMentions('请假\u2005@支部助手\u2005家中有事')).toBe('请假 家中有事');
    expect(stripMentions('发到 a@b.cn 邮箱')).toBe('发到 a@b.cn 邮箱');
  });

  it('reads mixed text, voice transcripts, pictures and files', () => {
    expect(readWeComContent({ msgtype: 'mixed', mixed: { msg_item: [{ msgtype: 'text', text: { content: '@支部助手 签到' } }, { msgtype: 'image', image: { url: 'https://x/1' } }] } })).toEqual({ text: '@支部助手 签到', attachments: [{ kind: 'image', key: 'https://x/1' }] });
    expect(readWeComContent({ msgtype: 'voice', voice: { content: '帮助' } }).text).toBe('帮助');
    expect(readWeComContent({ msgtype: 'file', file: { url: 'https://x/2' } }).attachments).toEqual([{ kind: 'file', key: 'https://x/2' }]);
    expect(readWeComContent({ msgtype: 'location' }).unsupported).toBe('location');
  });

  it('sends a card whose text a template card would cut as the whole text first, then the card with its buttons', () => {
    const long = { title: '主题党日', markdown: '学习内容：'.repeat(40), buttons: [{ actionId: 'm.checkin', label: '签到', token: 'tok-1' }], footer: '已签到 0 / 10' };
    expect(templateCardHolds(long)).toBe(false);
    const msgs = wecomCardMessages(long, 'k', pageCard);
    expect(msgs.map((m) => m.msgtype)).toEqual(['markdown', 'template_card']);
    expect(JSON.stringify(msgs[0])).toContain('学习内容：'.repeat(40));
    const short = { title: '主题党日', buttons: long.buttons, footer: '已签到 0 / 10' };
    expect(wecomCardMessages(short, 'k', pageCard).map((m) => m.msgtype)).toEqual(['template_card']);
    expect(markdownPages('行\n'.repeat(20_000)).every((p) => Buffer.byteLength(p) <= 20_480)).toBe(true);
  });
});

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

// Webhook mode can only answer: the organizational-life loop runs as far as answers reach (the
// notice answers the secretary's message, the check-in is the click answer), and the approval card
// for a secretary who has not just written to the bot is given up with a clear reason, not lost
// silently and not retried forever.
describe('WeCom AI bot (webhook): the organizational-life loop where the bot can only answer', () => {
  let app: App;
  let fake: WeComFake;
  let drop: () => Promise<void>;
  let now = new Date('2026-11-20T10:00:00+08:00');

  beforeAll(async () => {
    fake = await WeComFake.start({ mode: 'webhook' });
    const db = await freshPostgres({ migrated: false });
    drop = db.drop;
    app = await startTestApp(
      { DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: redisPrefix(), DATA_DIR: tempDataDir(), SEED_DEMO: 'true', ...fake.env() },
      { extendRouter: conformanceRoutes, clock: () => now },
    );
    await fake.attach(app);
    await bindDemoMembers(app, fake);
  });
  afterAll(async () => {
    await app?.stop();
    await fake?.close();
    await drop?.();
  });

  it('verified the callback URL by echoing the decrypted echostr within 1 s', () => {
    expect(fake.verifications[0]).toMatchObject({ ok: true });
    expect(fake.verifications[0]!.elapsedMs).toBeLessThan(1000);
  });

  it('answers the notice and the check-in, and gives up the unreachable approval card with a reason', async () => {
    const group = fake.group(1);
    const secretary = fake.userId('m101');
    await fake.pushMessage(group, secretary, '通知 主题党日 12月5日 14:30 三楼会议室 主题：学习贯彻四中全会精神');
    const notice = await waitUntil('the notice card in the group', () => fake.sent.find((s) => s.to === group.id && s.text.includes('会议通知') && s.buttons.some((b) => b.label === '签到')));
    const session = await app.db.prisma.meetingSession.findFirstOrThrow({ where: { topic: '学习贯彻四中全会精神' } });

    await fake.pushMessage(group, fake.userId('m104'), '请假 出差在外');
    const request = await waitUntil('the leave request stored', () => app.db.prisma.attendanceRequest.findFirst({ where: { attendance: { sessionId: session.id } } }).then((r) => r ?? undefined));
    expect(request.status).toBe('PENDING');
    // The approval card goes to the secretary's direct chat, where no message is open to answer.
    const dead = await waitUntil('the approval card given up', () =>
      app.db.prisma.outboxMessage.findFirst({ where: { platform: 'WECOM', target: secretary, status: 'DEAD' } }).then((r) => r ?? undefined),
    );
    expect(dead.lastError).toContain('no open response_url');
    expect(dead.attempts).toBe(1);
    expect(fake.sent.some((s) => s.to === secretary)).toBe(false);

    now = new Date('2026-12-05T14:10:00+08:00');
    const checkin = await fake.pushCardClick(fake.userId('m103'), group, notice, '签到');
    expect(checkin.elapsedMs).toBeLessThan(fake.ackDeadlineMs);
    expect(checkin.card).toContain('已签到 1');
    expect(await app.db.prisma.attendance.count({ where: { sessionId: session.id, status: 'PRESENT' } })).toBe(1);
    now = new Date();
  });
});
