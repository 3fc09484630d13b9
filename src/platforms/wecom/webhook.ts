// WeCom AI bot sends in webhook mode (URL 回调). The AI bot has no proactive send API in this mode
// (aibot_send_msg exists only on the long connection): it can answer a click with the card update
// in the HTTP response, and answer a message through the message's response_url — POST markdown or
// template_card, valid for 1 hour and usable ONCE. So each received message leaves one reply slot
// for its chat (kept in ConversationState, shared with the deliver workers); a send claims the
// oldest live slot of its chat, and a chat with none cannot be written to (capabilities.directMessages
// = false: nobody is reached who has not just written to the bot).
// A card update made by a click (e.g. the check-in counter, written to the outbox) is handed to
// that click's pending HTTP answer when it comes in time and in this process; otherwise it goes out
// as a short text through a reply slot, like on platforms without in-place updates.
import { randomUUID } from 'node:crypto';
import type { Card } from '../../chat/card.js';
import type { ConversationStore } from '../adapter.js';
import { updateAsText } from '../render.js';
import { type Capabilities, type PlatformSender, type SendRequest, SendError } from '../types.js';
import { wecomCardBody, wecomTaskId } from './card.js';

// cardUpdate: in place only inside a click's answer (see ClickAnswers), as text otherwise.
export const WECOM_WEBHOOK_CAPABILITIES: Capabilities = { cardUpdate: true, forms: false, memberList: false, directMessages: false, idempotentSend: false };

/** Clicks waiting for their HTTP answer, by the clicked card's task_id (one process). */
export class ClickAnswers {
  private readonly waiting = new Map<string, Set<(card: Card) => void>>();

  /** Start waiting before the click is processed, so an update delivered early is not missed. */
  expect(taskId: string): { card(ms: number): Promise<Card | undefined>; cancel(): void } {
    let resolve!: (card: Card | undefined) => void;
    const got = new Promise<Card | undefined>((r) => (resolve = r));
    const set = this.waiting.get(taskId) ?? new Set();
    this.waiting.set(taskId, set.add(resolve));
    const cancel = () => {
      set.delete(resolve);
      if (!set.size && this.waiting.get(taskId) === set) this.waiting.delete(taskId);
      resolve(undefined);
    };
    return {
      card: async (ms) => {
        const timer = setTimeout(cancel, Math.max(0, ms));
        const card = await got;
        clearTimeout(timer);
        cancel();
        return card;
      },
      cancel,
    };
  }

  /** Hand an update to the clicks waiting on this card; false when none is. */
  offer(taskId: string, card: Card): boolean {
    const set = this.waiting.get(taskId);
    if (!set?.size) return false;
    this.waiting.delete(taskId);
    for (const resolve of set) resolve(card);
    return true;
  }
}

/** errcodes meaning "too many calls now": 45009 api freq out of limit, 45033 concurrency, -1 system busy. */
const RETRYABLE = new Set([45009, 45033, -1]);
/** response_url lives 1 hour; keep a margin for the queue and the call itself. */
const REPLY_SLOT_TTL_MS = 55 * 60_000;

const FLOW = 'wecom.response_url';

/** The response_url of each message, by chat (group chatid, or the user id of a single chat). */
export class WeComReplySlots {
  constructor(
    private readonly store: ConversationStore,
    private readonly ttlMs = REPLY_SLOT_TTL_MS,
  ) {}

  private static chatKey = (chatId: string) => `respond:${chatId}`;

  /** Remember a message's response_url (a redelivery of the same message changes nothing). */
  async save(chatId: string, msgId: string, url: string, receivedAt = Date.now()): Promise<void> {
    await this.store.add('WECOM', { chatKey: WeComReplySlots.chatKey(chatId), userKey: msgId }, { flow: FLOW, step: 'open', data: { url }, expiresAt: new Date(receivedAt + this.ttlMs) });
  }

  /** Take the oldest live slot of a chat; each is used once. */
  async claim(chatId: string): Promise<{ msgId: string; url: string; expiresAt: Date } | undefined> {
    const slot = await this.store.take<{ url?: unknown }>('WECOM', WeComReplySlots.chatKey(chatId));
    return slot && { msgId: slot.userKey, url: String(slot.data.url ?? ''), expiresAt: slot.expiresAt };
  }

  /** Put back a slot whose call was refused as "too many calls" (the url was not used up). */
  async release(chatId: string, slot: { msgId: string; url: string; expiresAt: Date }): Promise<void> {
    await this.store.add('WECOM', { chatKey: WeComReplySlots.chatKey(chatId), userKey: slot.msgId }, { flow: FLOW, step: 'open', data: { url: slot.url }, expiresAt: slot.expiresAt });
  }
}

export interface WeComWebhookSenderOptions {
  retryAfterMs: number;
  timeoutMs?: number;
}

export function wecomWebhookSender(slots: WeComReplySlots, answers: ClickAnswers, opts: WeComWebhookSenderOptions): PlatformSender {
  const timeoutMs = opts.timeoutMs ?? 10_000;

  /** POST once; 'gone' when the url is used up, expired or refused for good. */
  async function post(url: string, body: unknown): Promise<'ok' | 'gone'> {
    let res: Response;
    try {
      res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      throw new SendError(`wecom response_url: ${(e as Error).message}`, true, opts.retryAfterMs);
    }
    const json = (await res.json().catch(() => ({}))) as { errcode?: number; errmsg?: string };
    const errcode = Number(json.errcode ?? 0);
    if (res.status === 429 || RETRYABLE.has(errcode)) {
      const after = Number(res.headers.get('retry-after'));
      throw new SendError(`wecom response_url: rate limited (${res.status} errcode ${errcode})`, true, Number.isFinite(after) && after > 0 ? after * 1000 : opts.retryAfterMs);
    }
    if (res.status >= 500) throw new SendError(`wecom response_url: HTTP ${res.status}`, true, opts.retryAfterMs);
    return res.ok && errcode === 0 ? 'ok' : 'gone';
  }

  return {
    platform: 'WECOM',
    capabilities: WECOM_WEBHOOK_CAPABILITIES,
    async send({ to, body, key, originalMessageId }: SendRequest) {
      if (body.kind === 'card_update' && originalMessageId && answers.offer(originalMessageId, body.card)) return { messageId: originalMessageId };
      const msg =
        body.kind === 'text' ? { msgtype: 'markdown', markdown: { content: body.text } }
        : body.kind === 'card_update' ? { msgtype: 'markdown', markdown: { content: updateAsText(body.card) } }
        : wecomCardBody(body.card, key);
      for (;;) {
        const slot = await slots.claim(to.target);
        if (!slot) {
          throw new SendError('wecom webhook mode: no open response_url for this chat (the AI bot answers a message once within 1 h; proactive sends need WECOM_MODE=ws)', false);
        }
        let outcome: 'ok' | 'gone';
        try {
          outcome = await post(slot.url, msg);
        } catch (e) {
          // Refused for now (rate limit, network): the url is still unused, keep it for the retry.
          await slots.release(to.target, slot);
          throw e;
        }
        if (outcome === 'gone') continue;
        if (body.kind === 'card_update') return { messageId: originalMessageId ?? `wecom_${randomUUID()}` };
        return { messageId: body.kind === 'card' && body.card.buttons?.length ? wecomTaskId(key) : `wecom_${randomUUID()}` };
      }
    },
  };
}
