// Neutral Card → WeCom AI bot messages. A card with buttons becomes a button_interaction template
// card (button key = the signed token only); a card without buttons becomes markdown (template
// cards hold little text). Forms are reached through the signed H5 link (cards cannot hold them).
import { createHash } from 'node:crypto';
import type { Card } from '../../chat/card.js';
import { textPages } from '../render.js';

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

/** WeCom body for a neutral card (one message; see wecomCardMessages for cards that do not fit). */
export function wecomCardBody(card: Card, key: string): Json {
  if (card.buttons?.length) return { msgtype: 'template_card', template_card: renderTemplateCard(card, wecomTaskId(key)) };
  return { msgtype: 'markdown', markdown: { content: renderMarkdown(card) } };
}

/** Markdown content: at most 20,480 bytes, UTF-8 (SDK ReplyMsgItem / markdown: 最长不超过 20480 个字节). */
export const WECOM_MARKDOWN_MAX_BYTES = 20_480;
const markdownFits = (card: Card) => Buffer.byteLength(renderMarkdown(card)) <= WECOM_MARKDOWN_MAX_BYTES - 256;

/**
 * Template card text limits, from the SDK's TemplateCard documentation: main_title ≤ 26 characters,
 * sub_title_text ≤ 112, horizontal_content_list ≤ 6 items with keyname ≤ 5 and value ≤ 26,
 * button_list ≤ 6 buttons of ≤ 10 characters. True when nothing of the card would be cut.
 */
export function templateCardHolds(card: Card): boolean {
  const len = (s: string) => [...s].length;
  const sub = [card.footer ?? '', card.markdown ? plain(card.markdown) : ''].filter(Boolean).join(' ');
  return (
    len(card.title) <= 26 &&
    len(sub) <= 112 &&
    (card.fields?.length ?? 0) <= 6 &&
    (card.fields ?? []).every((f) => len(f.label) <= 5 && len(f.value) <= 26) &&
    (card.buttons?.length ?? 0) <= 6
  );
}

/** Long text as markdown messages of at most 20,480 bytes each, split between lines. */
export function markdownPages(text: string): string[] {
  return textPages(text, Buffer.byteLength, WECOM_MARKDOWN_MAX_BYTES - 256);
}

/**
 * The messages one card becomes, in sending order, where the bot may send several (long
 * connection): a card whose text a template card would cut goes first as markdown (paged within
 * 20,480 bytes, 更多 on each page but the last), then the template card with its buttons, whose
 * task_id stays the card's. A card that fits is one message.
 */
export function wecomCardMessages(card: Card, key: string, render: (c: Card, fits: (c: Card) => boolean) => Card[]): Json[] {
  const buttons = !!card.buttons?.length;
  if (buttons && templateCardHolds(card)) return [wecomCardBody(card, key)];
  const full: Card = { ...card, buttons: undefined };
  const pages = render(full, markdownFits).map((c) => ({ msgtype: 'markdown', markdown: { content: renderMarkdown(c) } }));
  if (!buttons) return pages;
  return [...pages, { msgtype: 'template_card', template_card: renderTemplateCard({ title: card.title, tone: card.tone, buttons: card.buttons, footer: card.footer, form: card.form }, wecomTaskId(key)) }];
}

/** The clicked button's key, from either event shape (SDK types vs webhook doc nesting). */
export function cardEventKey(event: unknown): { key?: string; taskId?: string } {
  const e = (event ?? {}) as { event_key?: string; task_id?: string; template_card_event?: { event_key?: string; task_id?: string } };
  return { key: e.template_card_event?.event_key ?? e.event_key, taskId: e.template_card_event?.task_id ?? e.task_id };
}
