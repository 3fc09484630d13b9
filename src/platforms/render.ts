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
  const t = opts.tokens.sign(check.claims, opts.formLinkTtlSeconds, now);
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
  const withLink = (card: Card): Card => (card.form && !caps.forms ? { ...card, form: { ...card.form, url: formLink(card, opts) } } : card);
  return {
    platform: sender.platform,
    capabilities: caps,
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
