// Numbered replies, for channels without clickable cards (Wechaty, DingTalk without a card
// template): a card goes out as text with "回复 1 签到" lines, and the last card shown in a chat is
// remembered in ConversationState (keyed platform + chat + user; user '' = shown to the whole
// chat). A reply "1" maps back to that card's first choice and goes through the core as a card
// action; "1 出差在外" fills the card's one-field form (e.g. the leave reason). The answer to such
// an action (toast, card) goes back into the chat as outbox rows, since there is no ack to carry it.
import type { Card } from '../chat/card.js';
import type { ActionAck, InboundAction, Outbound, Platform } from '../chat/types.js';
import { say } from '../chat/wording.js';
import type { AdapterDeps } from './adapter.js';
import type { InboundPipeline } from './pipeline.js';

export interface NumberedChoice {
  label: string;
  token: string;
  /** The one form field the text after the number fills (form choices only). */
  field?: string;
}

/** How long a shown card stays answerable by number. */
const STATE_TTL_MS = 14 * 86_400_000;
const FLOW = 'numbered';

/** The choices a card offers by number: its buttons, then its form when one line of text fills it. */
export function numberedChoices(card: Card): NumberedChoice[] {
  const out: NumberedChoice[] = (card.buttons ?? []).map((b) => ({ label: b.label, token: b.token }));
  const f = card.form;
  const only = f?.fields.length === 1 ? f.fields[0] : undefined;
  if (f && only && (only.type === 'text' || only.type === 'textarea')) out.push({ label: f.submitLabel, token: f.token, field: only.name });
  return out;
}

/** The card as text with numbered choices and the signed form link (render.ts sets form.url). */
export function numberedText(card: Card, opts: { group: boolean }): string {
  const lines = [`【${card.title}】`];
  for (const f of card.fields ?? []) lines.push(`${f.label}：${f.value}`);
  if (card.markdown) lines.push(card.markdown.replace(/\*\*/g, '').trim());
  const choices = numberedChoices(card);
  choices.forEach((c, i) => {
    const fieldLabel = c.field ? card.form?.fields[0]?.label : undefined;
    lines.push(fieldLabel ? say('platforms.choice_with_text', { n: i + 1, label: c.label, field: fieldLabel }) : say('platforms.choice', { n: i + 1, label: c.label }));
  });
  if (card.form?.url) lines.push(say('platforms.form_link', { label: card.form.submitLabel || '填写', url: card.form.url }));
  if (choices.length && opts.group) lines.push(say('platforms.choice_group_hint'));
  if (card.footer) lines.push(card.footer);
  return lines.join('\n');
}

/** "3" or "3 出差在外" → number and the rest. */
export function parseNumberedReply(text: string): { n: number; rest: string } | null {
  const m = /^\s*(\d{1,2})(?:\s+([\s\S]*))?$/.exec(text);
  if (!m) return null;
  return { n: Number(m[1]), rest: (m[2] ?? '').trim() };
}

export class NumberedCards {
  constructor(
    private readonly deps: Pick<AdapterDeps, 'state'>,
    readonly platform: Platform,
  ) {}

  /** Remember the card just shown in `chatId` (to `userId`, or '' for everyone in the chat). */
  async remember(chatId: string, userId: string, card: Card): Promise<void> {
    const choices = numberedChoices(card);
    await this.deps.state.put(this.platform, { chatKey: chatId, userKey: userId }, { flow: FLOW, step: 'card', data: { choices }, expiresAt: new Date(Date.now() + STATE_TTL_MS) });
  }

  /** The choice a numbered reply picks, from the newest card shown to this user in this chat. */
  async resolve(chatId: string, userId: string, text: string): Promise<{ token: string; form?: Record<string, string> } | null> {
    const reply = parseNumberedReply(text);
    if (!reply) return null;
    const shown = await this.deps.state.newest<{ choices?: NumberedChoice[] }>(this.platform, chatId, [userId, ''], FLOW);
    const choice = (shown?.choices ?? [])[reply.n - 1];
    if (!choice) return null;
    if (choice.field) return { token: choice.token, form: { [choice.field]: reply.rest } };
    return { token: choice.token };
  }

  /**
   * Run a numbered reply as a card action and answer in the chat: the toast as text, or the card
   * as the new numbered card (remembered for this user). Slow work answers when it finishes.
   */
  async act(pipeline: InboundPipeline, deps: AdapterDeps, action: InboundAction, deadlineMs: number): Promise<void> {
    const answer = (ack: ActionAck) => this.answer(deps, action, ack);
    const outcome = await pipeline.action(action, { deadlineMs, late: answer });
    if (outcome.status === 'duplicate' || outcome.late) return;
    await answer(outcome.ack);
  }

  private async answer(deps: AdapterDeps, action: InboundAction, ack: ActionAck): Promise<void> {
    const to = { platform: this.platform, tenantKey: action.tenantKey, target: action.chat.id, targetKind: action.chat.kind };
    const out: Outbound[] = [];
    if (ack.toast) out.push({ to, body: { kind: 'text', text: ack.toast.text }, dedupeKey: `ack:${this.platform}:${action.eventId}:toast`, category: 'reply' });
    else if (ack.card) {
      if (numberedChoices(ack.card).length) await this.remember(action.chat.id, action.user.id, ack.card);
      out.push({ to, body: { kind: 'card', card: ack.card }, dedupeKey: `ack:${this.platform}:${action.eventId}:card`, category: 'reply' });
    }
    await deps.core.post(out);
  }
}

