// The Lark/Feishu adapter against its fake: long connection (default) and HTTP webhook mode.
import { describe, expect, it } from 'vitest';
import { conformance } from './conformance.js';
import { LarkFake } from './fakes/lark.js';
import { renderLarkCard } from '../../src/platforms/lark/card.js';
import { LarkApi, larkSender, LARK_TEXT_MAX_BYTES } from '../../src/platforms/lark/sender.js';
import { createLogger } from '../../src/log.js';
import { SendError } from '../../src/platforms/types.js';

conformance('Lark (long connection)', () => LarkFake.start({ mode: 'ws' }));
conformance('Lark (webhook, encrypted)', () => LarkFake.start({ mode: 'webhook' }));

describe('Lark card rendering', () => {
  it('renders a shared JSON 2.0 card whose buttons and form carry only the token', () => {
    const card = renderLarkCard({
      title: '请假申请',
      tone: 'orange',
      fields: [{ label: '会议', value: '主题党日 <b>12月5日</b>' }],
      buttons: [{ actionId: 'x.approve', label: '批准', style: 'primary', token: 'tok-1' }],
      form: { actionId: 'x.reason', token: 'tok-2', submitLabel: '提交', fields: [{ name: 'reason', label: '原因', type: 'textarea', required: true, maxLength: 200 }] },
    }) as { schema: string; config: { update_multi: boolean }; body: { elements: Array<Record<string, unknown>> } };
    expect(card.schema).toBe('2.0');
    expect(card.config.update_multi).toBe(true);
    const json = JSON.stringify(card);
    expect(json).toContain('"value":{"t":"tok-1"}');
    expect(json).toContain('"value":{"t":"tok-2"}');
    expect(json).not.toContain('x.approve');
    expect(json).toContain('&lt;b&gt;12月5日&lt;/b&gt;'); // user text is inert
    const form = card.body.elements.find((e) => e.tag === 'form') as { elements: Array<Record<string, unknown>> };
    expect(form.elements[0]).toMatchObject({ tag: 'input', name: 'reason', required: true, max_length: 200, input_type: 'multiline_text' });
    expect(form.elements[1]).toMatchObject({ tag: 'button', form_action_type: 'submit' });
  });

  it('keeps an input within max_length 1–1,000 and opens the H5 page instead of a form that has a link', () => {
    const field = { name: 'minutes', label: '纪实', type: 'textarea' as const, maxLength: 5000 };
    const inCard = JSON.stringify(renderLarkCard({ title: '填写纪实', form: { actionId: 'x', token: 't', submitLabel: '提交', fields: [field] } }));
    expect(inCard).toContain('"max_length":1000');
    const linked = renderLarkCard({ title: '填写纪实', form: { actionId: 'x', token: 't', submitLabel: '提交', fields: [field], url: 'https://zb.example/h5/form?t=1' } }) as { body: { elements: Array<Record<string, unknown>> } };
    expect(linked.body.elements.some((e) => e.tag === 'form')).toBe(false);
    expect(linked.body.elements).toContainEqual(expect.objectContaining({ tag: 'button', behaviors: [{ type: 'open_url', default_url: 'https://zb.example/h5/form?t=1' }] }));
  });
});

describe('Lark send limits', () => {
  const api = new LarkApi({ appId: 'cli_0123456789abcdef', appSecret: 's', domain: 'http://127.0.0.1:9', mode: 'ws', webhookPath: '/w', cardAckMs: 1000, autoReconnect: false }, createLogger({ level: 'silent', pretty: false }));

  it('retries the per-chat limit 230020 (HTTP 400) and the message service limit 11232, and gives up other 4xx', async () => {
    for (const code of [230020, 11232]) {
      const inBody = await api.call('send', async () => ({ code, msg: 'limit' })).catch((e: unknown) => e);
      expect(inBody).toBeInstanceOf(SendError);
      expect(inBody).toMatchObject({ retryable: true, retryAfterMs: 1000 });
      const thrown = await api.call('send', async () => Promise.reject({ response: { status: 400, data: { code, msg: 'limit' } } })).catch((e: unknown) => e);
      expect(thrown).toMatchObject({ retryable: true, retryAfterMs: 1000 });
    }
    const bad = await api.call('send', async () => Promise.reject({ response: { status: 400, data: { code: 230001, msg: 'invalid param' } } })).catch((e: unknown) => e);
    expect(bad).toMatchObject({ retryable: false });
  });
});

describe('Lark text over the 150 KB request body', () => {
  it('goes out as several text messages, split between lines, each within the limit, and a retry repeats none', async () => {
    const fake = await LarkFake.start({ mode: 'ws' });
    try {
      const api = new LarkApi({ appId: fake.appId, appSecret: fake.appSecret, domain: fake.http.url, mode: 'ws', webhookPath: '/w', cardAckMs: 1000, autoReconnect: false }, createLogger({ level: 'silent', pretty: false }));
      const sender = larkSender(api);
      // 4,000 lines with quotes and newlines (each escaped twice in the request): about 330 KB of body.
      const lines = Array.from({ length: 4000 }, (_, i) => `第${i + 1}条 "党员学习记录"：完成第${i + 1}章的学习，并撰写心得体会。`);
      const text = lines.join('\n');
      const to = { platform: 'LARK' as const, tenantKey: '', target: 'ou_long', targetKind: 'DIRECT' as const };
      await sender.send({ to, body: { kind: 'text', text }, key: 'long-text-1' });
      const pages = fake.sent.filter((s) => s.to === 'ou_long');
      expect(pages.length).toBeGreaterThan(1);
      expect(fake.refusedForSize).toBe(0);
      expect(pages.map((p) => p.text).join('\n')).toBe(text);
      const bodies = fake.http.requests.filter((r) => r.path === '/open-apis/im/v1/messages' && r.method === 'POST').map((r) => Buffer.byteLength(JSON.stringify(r.body)));
      expect(Math.max(...bodies)).toBeLessThanOrEqual(LARK_TEXT_MAX_BYTES);
      // The same send again (a retry after an uncertain answer): every page has its uuid, nothing is sent twice.
      await sender.send({ to, body: { kind: 'text', text }, key: 'long-text-1' });
      expect(fake.sent.filter((s) => s.to === 'ou_long')).toHaveLength(pages.length);
      // A line longer than a page is cut between characters.
      const one = '党'.repeat(60_000);
      await sender.send({ to: { ...to, target: 'ou_line' }, body: { kind: 'text', text: one }, key: 'long-line-1' });
      const cut = fake.sent.filter((s) => s.to === 'ou_line');
      expect(cut.length).toBeGreaterThan(1);
      expect(cut.map((p) => p.text).join('')).toBe(one);
      expect(fake.refusedForSize).toBe(0);
    } finally {
      await fake.close();
    }
  });
});
