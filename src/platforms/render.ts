// Degradation by capabilities, in one place: the deliver worker calls every platform sender
// through this wrapper, so domain handlers always produce the full neutral card.
// - no in-place card update → a new short text saying what changed;
// - no forms in cards → the form is reached through a signed H5 link (card.form.url).
import type { Card } from '../chat/card.js';
import type { TokenSigner } from '../chat/token.js';
import { say } from '../chat/wording.js';
import type { PlatformSender, SendRequest } from './types.js';

export interface RenderOptions {
  tokens: TokenSigner;
  publicUrl: string;
  /** Lifetime of the H5 form link, seconds. */
  formLinkTtlSeconds: number;
}

/**
 * Signed link to the H5 form page. The token names the form's action and target (the same claims
 * as the card's form token), so the page can verify it and submit through the same action route.
 */
export function formLink(card: Card, opts: RenderOptions, now = new Date()): string | undefined {
  const form = card.form;
  if (!form) return undefined;
  if (form.url) return form.url;
  const check = opts.tokens.verify(form.token, now);
  if (!check.ok) return undefined;
  // Never longer than the card's own token, which lives as long as the meeting or campaign it serves.
  const t = opts.tokens.sign(check.claims, Math.min(opts.formLinkTtlSeconds, Math.floor((check.expiresAt.getTime() - now.getTime()) / 1000)), now);
  return `${opts.publicUrl}/h5/form?t=${encodeURIComponent(t)}`;
}

/** The short text sent instead of an in-place update. */
export function updateAsText(card: Card): string {
  const lines = [say('platforms.card_updated', { title: card.title })];
  for (const f of card.fields ?? []) lines.push(`${f.label}：${f.value}`);
  if (card.markdown) {
    const plain = card.markdown.replace(/\*\*/g, '').trim();
    lines.push([...plain].length > 200 ? `${[...plain].slice(0, 199).join('')}…` : plain);
  }
  // The footer often carries what changed (the live counter).
  if (card.footer) lines.push(card.footer);
  return lines.join('\n');
}

export function withDegradation(sender: PlatformSender, opts: RenderOptions): PlatformSender {
  const caps = sender.capabilities;
  // The form goes to the H5 page where cards cannot hold it, or cannot hold one of its fields.
  const tooLong = (card: Card) => !!caps.formFieldMaxLength && !!card.form?.fields.some((f) => (f.maxLength ?? 0) > caps.formFieldMaxLength!);
  const withLink = (card: Card): Card => (card.form && (!caps.forms || tooLong(card)) ? { ...card, form: { ...card.form, url: formLink(card, opts) } } : card);
  return {
    platform: sender.platform,
    capabilities: caps,
    ...(sender.download ? { download: sender.download } : {}),
    send(req: SendRequest) {
      const b = req.body;
      if (b.kind === 'card_update' && (!caps.cardUpdate || !req.originalMessageId)) {
        return sender.send({ ...req, body: { kind: 'text', text: updateAsText(b.card) }, originalMessageId: undefined });
      }
      if (b.kind === 'card') return sender.send({ ...req, body: { kind: 'card', card: withLink(b.card) } });
      if (b.kind === 'card_update') return sender.send({ ...req, body: { ...b, card: withLink(b.card) } });
      return sender.send(req);
    },
  };
}

/**
 * A card split into pages that each fit the platform's size limit (`fits`): the first page keeps
 * the title, fields, buttons and form and as much of the markdown as fits, and says 更多 follows;
 * the next pages carry the rest of the markdown, line by line ("续 2/3"). One page when it fits.
 */
export function pageCard(card: Card, fits: (c: Card) => boolean): Card[] {
  if (fits(card)) return [card];
  // Fields that alone would not fit become markdown lines, which can be paged.
  let lines = (card.markdown ?? '').split('\n');
  let first: Card = { ...card };
  if (!fits({ ...card, markdown: undefined })) {
    lines = [...(card.fields ?? []).map((f) => `**${f.label}**：${f.value}`), ...lines];
    first = { ...card, fields: undefined };
  }
  // Lines longer than a page on their own are cut into pieces that fit.
  const bare = (md: string): Card => ({ title: card.title, tone: card.tone, markdown: md, footer: say('platforms.page_more', { n: 99, total: 99 }) });
  lines = lines.flatMap((l) => {
    if (fits(bare(l))) return [l];
    const out: string[] = [];
    let rest = [...l];
    while (rest.length) {
      let n = rest.length;
      while (n > 1 && !fits(bare(rest.slice(0, n).join('')))) n = Math.floor(n / 2);
      out.push(rest.slice(0, n).join(''));
      rest = rest.slice(n);
    }
    return out;
  });
  const pages: Array<{ base: Card; lines: string[] }> = [];
  let i = 0;
  while (i < lines.length || !pages.length) {
    const base: Card = pages.length ? { title: card.title, tone: card.tone } : first;
    const note = say('platforms.page_more', { n: 99, total: 99 });
    const footer = [pages.length ? undefined : card.footer, note].filter(Boolean).join('\n');
    const withLines = (n: number): Card => ({ ...base, markdown: lines.slice(i, i + n).join('\n'), footer });
    // The most lines that fit, by halving then stepping (a page holds at least one line).
    let lo = 1;
    let hi = lines.length - i;
    if (hi > 0 && !fits(withLines(hi))) {
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (fits(withLines(mid))) lo = mid;
        else hi = mid - 1;
      }
    }
    const n = Math.max(1, hi);
    pages.push({ base, lines: lines.slice(i, i + n) });
    i += n;
  }
  const total = pages.length;
  return pages.map((p, k) => {
    const last = k === total - 1;
    const more = last ? undefined : say('platforms.page_more', { n: k + 1, total });
    // The first page keeps the card's footer (often the live counter: it is the page updated later).
    const footer = [k === 0 ? card.footer : undefined, more].filter(Boolean).join('\n') || undefined;
    return { ...p.base, ...(k ? { title: say('platforms.page_title', { title: card.title, n: k + 1, total }) } : {}), markdown: p.lines.join('\n') || undefined, footer };
  });
}

/**
 * Long text as pages of at most `max` units of `size` each, split between lines; a line longer than
 * a page is cut between characters. `size` must add up over concatenation (bytes, escaped bytes),
 * which keeps this linear. One page (possibly empty) when the text fits.
 */
export function textPages(text: string, size: (s: string) => number, max: number): string[] {
  const newline = size('\n');
  const pieces = text.split('\n').flatMap((line) => {
    if (size(line) <= max) return [line];
    const out: string[] = [];
    let piece = '';
    let used = 0;
    for (const ch of line) {
      const n = size(ch);
      if (piece && used + n > max) {
        out.push(piece);
        piece = '';
        used = 0;
      }
      piece += ch;
      used += n;
    }
    if (piece) out.push(piece);
    return out;
  });
  const pages: string[] = [];
  let page: string | undefined;
  let used = 0;
  for (const piece of pieces) {
    const n = size(piece);
    if (page !== undefined && used + newline + n > max) {
      pages.push(page);
      page = undefined;
    }
    if (page === undefined) {
      page = piece;
      used = n;
    } else {
      page = `${page}\n${piece}`;
      used += newline + n;
    }
  }
  pages.push(page ?? '');
  return pages;
}
