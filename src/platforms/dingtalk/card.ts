// Neutral Card → DingTalk. With a card template (docs/platforms/dingtalk.md lists its variables):
// a flat cardParamMap of strings, buttons in fixed slots btn_1 … btn_4 whose callbacks carry only
// the slot id (the slot's token is looked up from what was sent). Without a template: markdown, or
// an actionCard whose one button opens the signed H5 form, with numbered replies for the buttons.
import { createHash } from 'node:crypto';
import type { Card } from '../../chat/card.js';
import { numberedText } from '../numbered.js';

export const DINGTALK_BUTTON_SLOTS = 4;

/** outTrackId: ours, stable per card (the outbox dedupe key), ≤ 64 characters. */
export const dingtalkTrackId = (key: string) => `zb_${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;

const plain = (s: string) => s.replace(/\*\*/g, '');

/** The card's body as DingTalk markdown (fields, markdown, footer). */
export function cardMarkdown(card: Card): string {
  const lines: string[] = [];
  for (const f of card.fields ?? []) lines.push(`**${f.label}**：${f.value}`);
  if (card.markdown) lines.push(card.markdown);
  return lines.join('\n\n');
}

/** cardParamMap for the template: every value a string. */
export function cardParamMap(card: Card): Record<string, string> {
  const map: Record<string, string> = {
    title: card.title,
    tone: card.tone ?? 'blue',
    content: cardMarkdown(card),
    footer: card.footer ?? '',
    form_url: card.form?.url ?? '',
    form_label: card.form?.url ? card.form.submitLabel || '填写' : '',
    has_form: card.form?.url ? 'true' : 'false',
    // Clears a toast shown to someone who clicked an earlier version.
    toast: '',
  };
  const buttons = (card.buttons ?? []).slice(0, DINGTALK_BUTTON_SLOTS);
  map.btn_count = String(buttons.length);
  for (let i = 1; i <= DINGTALK_BUTTON_SLOTS; i++) {
    const b = buttons[i - 1];
    map[`btn_${i}_text`] = b?.label ?? '';
    map[`btn_${i}_style`] = b?.style ?? 'default';
    map[`btn_${i}_show`] = b ? 'true' : 'false';
  }
  return map;
}

/** The tokens behind the slots, in slot order. */
export const slotTokens = (card: Card) => (card.buttons ?? []).slice(0, DINGTALK_BUTTON_SLOTS).map((b) => b.token);

/** Slot id from a callback actionId ("btn_2" → 1). */
export function slotIndex(actionId: string | undefined): number | undefined {
  const m = /^btn_(\d)$/.exec(actionId ?? '');
  return m ? Number(m[1]) - 1 : undefined;
}

export type FallbackMessage = { msgKey: 'sampleMarkdown'; param: { title: string; text: string } } | { msgKey: 'sampleActionCard'; param: { title: string; text: string; singleTitle: string; singleURL: string } };

/** A card without a template: numbered text in markdown, an actionCard when it has a form link. */
export function fallbackMessage(card: Card, group: boolean): FallbackMessage {
  const text = numberedText({ ...card, form: card.form ? { ...card.form, url: undefined } : undefined }, { group })
    .split('\n')
    .map((l, i) => (i === 0 ? `**${plain(l)}**` : l))
    .join('\n\n');
  if (card.form?.url) return { msgKey: 'sampleActionCard', param: { title: card.title, text, singleTitle: card.form.submitLabel || '填写', singleURL: card.form.url } };
  return { msgKey: 'sampleMarkdown', param: { title: card.title, text } };
}

/** The same message as a sessionWebhook body. */
export function sessionBody(m: FallbackMessage | { msgKey: 'sampleText'; param: { content: string } }): Record<string, unknown> {
  switch (m.msgKey) {
    case 'sampleText':
      return { msgtype: 'text', text: { content: m.param.content } };
    case 'sampleMarkdown':
      return { msgtype: 'markdown', markdown: m.param };
    case 'sampleActionCard':
      return { msgtype: 'actionCard', actionCard: { title: m.param.title, text: m.param.text, singleTitle: m.param.singleTitle, singleURL: m.param.singleURL } };
  }
}
