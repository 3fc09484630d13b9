// Neutral Card → WeCom AI bot messages. A card with buttons becomes a button_interaction template
// card (button key = the signed token only); a card without buttons becomes markdown (template
// cards hold little text). Forms are reached through the signed H5 link (cards cannot hold them).
import { createHash } from 'node:crypto';
import type { Card } from '../../chat/card.js';

type Json = Record<string, unknown>;

/** task_id: unique per card, [0-9a-zA-Z_-@], ≤128 bytes. */
export const wecomTaskId = (key: string) => `zb_${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;

const plain = (s: string) => s.replace(/\*\*|__|`/g, '').replace(/\s+/g, ' ').trim();
const cut = (s: string, n: number) => ([...s].length > n ? `${[...s].slice(0, n - 1).join('')}…` : s);

export function renderTemplateCard(card: Card, taskId: string): Json {
  const body: Json = {
    card_type: 'button_interaction',
    main_title: { title: cut(card.title, 26) },
    task_id: taskId,
    button_list: (card.buttons ?? []).slice(0, 6).map((b) => ({ text: cut(b.label, 10), style: b.style === 'danger' ? 3 : b.style === 'primary' ? 1 : 2, key: b.token })),
  };
  if (card.fields?.length) body.horizontal_content_list = card.fields.slice(0, 6).map((f) => ({ keyname: cut(f.label, 5), value: cut(f.value, 26) }));
  // The footer carries the live counter: it goes first, before text that may be cut.
  const sub = [card.footer ?? '', card.markdown ? plain(card.markdown) : ''].filter(Boolean).join(' ');
  if (sub) body.sub_title_text = cut(sub, 112);
  if (card.form?.url) body.jump_list = [{ type: 1, title: cut(card.form.submitLabel || '填写', 13), url: card.form.url }];
  return body;
}

export function renderMarkdown(card: Card): string {
  const lines = [`**${card.title}**`];
  for (const f of card.fields ?? []) lines.push(`${f.label}：${f.value}`);
  if (card.markdown) lines.push(card.markdown);
  if (card.form?.url) lines.push(`[${card.form.submitLabel || '填写'}](${card.form.url})`);
  if (card.footer) lines.push(`<font color="comment">${card.footer}</font>`);
  return lines.join('\n');
}

/** WeCom body for a neutral card. */
export function wecomCardBody(card: Card, key: string): Json {
  if (card.buttons?.length) return { msgtype: 'template_card', template_card: renderTemplateCard(card, wecomTaskId(key)) };
  return { msgtype: 'markdown', markdown: { content: renderMarkdown(card) } };
}

/** The clicked button's key, from either event shape (SDK types vs webhook doc nesting). */
export function cardEventKey(event: unknown): { key?: string; taskId?: string } {
  const e = (event ?? {}) as { event_key?: string; task_id?: string; template_card_event?: { event_key?: string; task_id?: string } };
  return { key: e.template_card_event?.event_key ?? e.event_key, taskId: e.template_card_event?.task_id ?? e.task_id };
}
