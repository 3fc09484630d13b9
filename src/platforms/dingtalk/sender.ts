// DingTalk sends: template cards (create-and-deliver, update in place) when a template id is
// configured; otherwise markdown / actionCard messages with numbered replies. Text (and fallback
// cards) go through the chat's sessionWebhook while it is valid — no API quota used — and through
// the robot Open API otherwise (group messages, batch direct messages).
import { randomUUID } from 'node:crypto';
import type { Card } from '../../chat/card.js';
import type { ConversationStore } from '../adapter.js';
import type { NumberedCards } from '../numbered.js';
import { type Capabilities, type PlatformSender, type SendRequest, SendError } from '../types.js';
import { type DingTalkApi, SESSION_WEBHOOK_BLOCK_MS, SessionWebhookGone, SessionWebhookThrottled } from './api.js';
import { cardParamMap, dingtalkTrackId, fallbackMessage, sessionBody, slotTokens } from './card.js';

export function dingtalkCapabilities(templated: boolean): Capabilities {
  return { cardUpdate: templated, forms: false, memberList: false, directMessages: true, idempotentSend: false };
}

const CARD_SLOTS_TTL_MS = 60 * 86_400_000;

/** Adapter state kept in the ConversationStore (shared by the receiver and the deliver workers). */
export class DingTalkState {
  constructor(private readonly store: ConversationStore) {}

  private put(chatKey: string, flow: string, data: unknown, expiresAt: Date): Promise<void> {
    return this.store.put('DINGTALK', { chatKey, userKey: '' }, { flow, data, expiresAt });
  }

  private get<T>(chatKey: string): Promise<T | undefined> {
    return this.store.get<T>('DINGTALK', { chatKey, userKey: '' });
  }

  /** The sessionWebhook of a chat's latest message (valid until `expiresAt`). */
  saveSession(chatId: string, url: string, expiresAt: Date): Promise<void> {
    return this.put(`session:${chatId}`, 'dingtalk.session', { url }, expiresAt);
  }
  async session(chatId: string): Promise<string | undefined> {
    return (await this.get<{ url?: string }>(`session:${chatId}`))?.url;
  }
  async forgetSession(chatId: string): Promise<void> {
    await this.store.delete('DINGTALK', { chatKey: `session:${chatId}`, userKey: '' });
  }

  /** The chat's sessionWebhook answered 130101: not used again before `until`. */
  holdSession(chatId: string, until: Date): Promise<void> {
    return this.put(`session-hold:${chatId}`, 'dingtalk.session_hold', {}, until);
  }
  async sessionHeld(chatId: string): Promise<boolean> {
    return (await this.get<object>(`session-hold:${chatId}`)) !== undefined;
  }

  /** The tokens behind a template card's button slots, as last shown. */
  saveSlots(outTrackId: string, card: Card): Promise<void> {
    return this.put(`card:${outTrackId}`, 'dingtalk.card', { tokens: slotTokens(card) }, new Date(Date.now() + CARD_SLOTS_TTL_MS));
  }
  async slots(outTrackId: string): Promise<string[]> {
    return (await this.get<{ tokens?: string[] }>(`card:${outTrackId}`))?.tokens ?? [];
  }
}

export function dingtalkSender(api: DingTalkApi, state: DingTalkState, numbered: NumberedCards): PlatformSender {
  const templated = !!api.config.cardTemplateId;
  const capabilities = dingtalkCapabilities(templated);

  async function viaSession(chatId: string, body: Record<string, unknown>): Promise<boolean> {
    if (!api.config.useSessionWebhook) return false;
    const url = await state.session(chatId);
    if (!url || (await state.sessionHeld(chatId))) return false;
    try {
      await api.session(url, body);
      return true;
    } catch (e) {
      // 130101: DingTalk blocks the webhook for 10 minutes; the Open API still works meanwhile.
      if (e instanceof SessionWebhookThrottled) {
        await state.holdSession(chatId, new Date(Date.now() + SESSION_WEBHOOK_BLOCK_MS));
        return false;
      }
      if (!(e instanceof SessionWebhookGone)) throw e;
      await state.forgetSession(chatId);
      return false;
    }
  }

  return {
    platform: 'DINGTALK',
    capabilities,
    download: (a, maxBytes) => api.downloadFile(a.key, maxBytes),
    async send({ to, body, key, originalMessageId }: SendRequest) {
      const group = to.targetKind === 'GROUP';
      if (body.kind === 'card_update') {
        if (!templated || !originalMessageId) throw new SendError('dingtalk: card update without a template card', false);
        await state.saveSlots(originalMessageId, body.card);
        await api.updateCard(originalMessageId, cardParamMap(body.card));
        return { messageId: originalMessageId };
      }
      if (body.kind === 'card' && templated) {
        const trackId = dingtalkTrackId(key);
        await state.saveSlots(trackId, body.card);
        await api.createAndDeliver(trackId, group ? { group: to.target } : { user: to.target }, cardParamMap(body.card));
        return { messageId: trackId };
      }
      const message = body.kind === 'text' ? { msgKey: 'sampleText' as const, param: { content: body.text } } : fallbackMessage(body.card, group);
      if (body.kind === 'card') await numbered.remember(to.target, '', body.card);
      if (await viaSession(to.target, sessionBody(message))) return { messageId: `session_${randomUUID()}` };
      const id = group ? await api.groupSend(to.target, message.msgKey, message.param) : await api.directSend(to.target, message.msgKey, message.param);
      return { messageId: id || `dingtalk_${randomUUID()}` };
    },
  };
}
