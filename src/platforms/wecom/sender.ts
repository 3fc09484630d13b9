// WeCom AI bot sends over the long connection (aibot_send_msg): markdown for text, template cards
// for cards with buttons. In-place updates exist only as the answer to a click (within 5 s), so a
// later update degrades to a short text (capabilities.cardUpdate = false).
import { randomUUID } from 'node:crypto';
import type { WSClient } from '@wecom/aibot-node-sdk';
import { type Capabilities, type PlatformSender, type SendRequest, SendError } from '../types.js';
import { markdownPages, wecomCardMessages, wecomTaskId } from './card.js';
import { pageCard } from '../render.js';

export const WECOM_CAPABILITIES: Capabilities = { cardUpdate: false, forms: false, memberList: false, directMessages: true, idempotentSend: false };

/** errcodes meaning "too many calls now": 45009 api freq out of limit, 45033 concurrency, -1 system busy. */
const RETRYABLE = new Set([45009, 45033, -1]);

export function wecomSender(client: () => WSClient | undefined, opts: { retryAfterMs: number }): PlatformSender {
  return {
    platform: 'WECOM',
    capabilities: WECOM_CAPABILITIES,
    async send({ to, body, key }: SendRequest) {
      const ws = client();
      if (!ws) throw new SendError('wecom: not connected', true, opts.retryAfterMs);
      if (body.kind === 'card_update') throw new SendError('wecom: cards are updated only in the click answer', false);
      // Over WeCom's limits a card or text goes out as several messages (markdown ≤ 20,480 bytes, a
      // template card that would cut its text preceded by the whole text): see card.ts.
      const msgs = body.kind === 'text' ? markdownPages(body.text).map((content) => ({ msgtype: 'markdown', markdown: { content } })) : wecomCardMessages(body.card, key, pageCard);
      try {
        for (const msg of msgs) await ws.sendMessage(to.target, msg as never);
      } catch (e) {
        const f = e as { errcode?: number; errmsg?: string; message?: string };
        if (typeof f.errcode === 'number') {
          throw new SendError(`wecom send: errcode ${f.errcode} ${f.errmsg ?? ''}`.trim(), RETRYABLE.has(f.errcode), RETRYABLE.has(f.errcode) ? opts.retryAfterMs : undefined);
        }
        throw new SendError(`wecom send: ${f.message ?? 'failed'}`, true, opts.retryAfterMs);
      }
      // The long connection returns no message id: a card is known by its task_id (clicks carry it).
      return { messageId: body.kind === 'card' && body.card.buttons?.length ? wecomTaskId(key) : `wecom_${randomUUID()}` };
    },
  };
}
