// H5 forms: the same forms cards carry, as a plain server-rendered page opened from a signed link.
// For long text (minutes), for platforms whose cards hold no forms (Wechaty, plain-text channels),
// and for pledges. Areas declare their pages on the router (src/chat/forms.ts FormPages); cards link
// to them with formLink.
//
//   GET  /h5/form?t=<token>   renders the page's form (inert, escaped)
//   POST /h5/form             submits it (urlencoded: t, nonce, the field values): the page's service
//                             runs as the member the link was made for, in one transaction with its
//                             effects (src/chat/effects.ts); a refusal is the same coded error the chat
//                             shows. The page nonce is stored like an event id: submitting the same
//                             page twice counts once.
import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Database, Tx } from '../db/client.js';
import type { ChatCore } from '../chat/core.js';
import type { FormField } from '../chat/card.js';
import type { TokenClaims, TokenSigner } from '../chat/token.js';
import { validateForm } from '../chat/card.js';
import type { FormPage, FormPages } from '../chat/forms.js';
import { applyEffects } from '../chat/effects.js';
import type { Presenters } from '../chat/presenters/registry.js';
import { insertInbound } from '../chat/store.js';
import type { QueuedOutbox } from '../chat/types.js';
import { say } from '../chat/wording.js';
import { findMember } from '../domain/org.js';
import { memberPrincipal } from '../access/principal.js';
import { DomainError, Unit } from '../services/kernel.js';

/**
 * A select's options. An optional select (or one with nothing chosen yet) starts with an empty
 * choice, so a browser does not submit its first option for a field left alone (a pledge form with
 * fewer items than slots); a required one then makes the browser ask for a choice.
 */
function selectOptions(f: FormField, v: string): string {
  const options = f.options ?? [];
  const blank = !f.required || !options.some((o) => o.value === v) ? `<option value=""${v ? '' : ' selected'}>${escapeHtml(say('form.choose'))}</option>` : '';
  return blank + options.map((o) => `<option value="${escapeHtml(o.value)}"${o.value === v ? ' selected' : ''}>${escapeHtml(o.label)}</option>`).join('');
}

export interface H5FormSpec {
  title: string;
  intro?: string;
  fields: FormField[];
  submitLabel: string;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STYLE = `body{font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;max-width:680px;margin:0 auto;padding:16px;color:#222;background:#f6f7f9}
h1{font-size:20px;color:#c00}label{display:block;margin:14px 0 4px;font-weight:600}.req{color:#c00}
input,textarea,select{width:100%;box-sizing:border-box;padding:8px;font-size:16px;border:1px solid #ccc;border-radius:6px;background:#fff}
textarea{min-height:140px}button{margin-top:18px;width:100%;padding:12px;font-size:17px;background:#c00;color:#fff;border:0;border-radius:6px}
.msg{padding:12px;border-radius:6px;background:#fff;border-left:4px solid #c00;white-space:pre-wrap}.ok{border-color:#2a2}.intro{white-space:pre-wrap;color:#555}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

function messagePage(title: string, text: string, ok = false): string {
  return page(title, `<h1>${escapeHtml(title)}</h1><p class="msg${ok ? ' ok' : ''}">${escapeHtml(text)}</p>`);
}

function formPage(spec: H5FormSpec, token: string, values: Record<string, string>, error?: string): string {
  const fields = spec.fields
    .map((f) => {
      const id = `f_${escapeHtml(f.name)}`;
      const v = values[f.name] ?? f.value ?? '';
      const attrs = `id="${id}" name="${escapeHtml(f.name)}"${f.required ? ' required' : ''}${f.maxLength ? ` maxlength="${f.maxLength}"` : ''}${f.placeholder ? ` placeholder="${escapeHtml(f.placeholder)}"` : ''}`;
      const label = `<label for="${id}">${escapeHtml(f.label)}${f.required ? ' <span class="req">*</span>' : ''}</label>`;
      if (f.type === 'textarea') return `${label}<textarea ${attrs}>${escapeHtml(v)}</textarea>`;
      if (f.type === 'select')
        return `${label}<select ${attrs}>${selectOptions(f, v)}</select>`;
      return `${label}<input type="${f.type === 'date' ? 'date' : 'text'}" ${attrs} value="${escapeHtml(v)}">`;
    })
    .join('\n');
  return page(
    spec.title,
    `<h1>${escapeHtml(spec.title)}</h1>${spec.intro ? `<p class="intro">${escapeHtml(spec.intro)}</p>` : ''}${error ? `<p class="msg">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/h5/form"><input type="hidden" name="t" value="${escapeHtml(token)}"><input type="hidden" name="nonce" value="${crypto.randomBytes(12).toString('base64url')}">
${fields}
<button type="submit">${escapeHtml(spec.submitLabel)}</button></form>`,
  );
}

export interface H5Deps {
  db: Database;
  tokens: TokenSigner;
  /** The form pages areas declared (src/chat/forms.ts). */
  pages: FormPages;
  /** Renders what a submit's service call asks to send, and its refusals. */
  presenters: Presenters;
  /** Hands new outbox rows to delivery after the commit (the delivery sweep picks up what this misses). */
  deliver?: (rows: QueuedOutbox[]) => Promise<void>;
  clock?: () => Date;
}

type Opened = { claims: TokenClaims & { member: string }; spec: H5FormSpec; page: FormPage } | { status: number; title: string; text: string };

export function registerH5(server: FastifyInstance, deps: H5Deps): void {
  const clock = deps.clock ?? (() => new Date());

  async function open(token: string | undefined): Promise<Opened> {
    const check = deps.tokens.verify(token ?? '', clock());
    if (!check.ok) return check.reason === 'expired' ? { status: 410, title: '链接已过期', text: '这个链接已过期，请回到聊天中重新打开。' } : { status: 403, title: '链接无效', text: '这个链接无效，请回到聊天中重新打开。' };
    const page = deps.pages.get(check.claims.action);
    if (!page || !check.claims.member) return { status: 404, title: '链接无效', text: '这个表单不存在。' };
    const spec = await page.spec(deps.db.prisma, check.claims, clock());
    if (!spec) return { status: 404, title: '表单已失效', text: '这个表单对应的事项已不存在。' };
    return { claims: { ...check.claims, member: check.claims.member }, spec, page };
  }

  const send = (reply: { code(n: number): { type(t: string): { header(k: string, v: string): { send(b: string): unknown } } } }, status: number, html: string) =>
    reply.code(status).type('text/html; charset=utf-8').header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'").send(html);

  /**
   * A declared page: the submit runs the area's service as the member the link was made for, in one
   * transaction with its effects; the page nonce is stored like an event id, so the same page counts once.
   */
  async function submit(r: Extract<Opened, { page: FormPage }>, token: string, nonce: string, form: Record<string, string>): Promise<{ status: number; html: string }> {
    const member = await findMember(deps.db.prisma, r.claims.member);
    if (!member?.active) return { status: 403, html: messagePage('提交失败', '您还没有绑定党员身份。') };
    const identity = await deps.db.prisma.platformIdentity.findFirst({ where: { memberId: member.id }, orderBy: { boundAt: 'asc' }, select: { platform: true, tenantKey: true } });
    const platform = identity?.platform ?? 'CONSOLE';
    const problem = validateForm({ actionId: r.claims.action, token: '', submitLabel: '', fields: r.spec.fields }, form);
    if (problem) return { status: 422, html: formPage(r.spec, token, form, say('errors.form_invalid', { problem })) };
    const presenters = deps.presenters;
    try {
      const outcome = await deps.db.transaction(async (scope) => {
        const [fresh] = await insertInbound(scope.sql, [{ platform, eventId: `h5:${nonce}`, json: JSON.stringify({ form: r.claims.action, member: member.id }) }]);
        if (!fresh) return null;
        const unit = new Unit(scope, memberPrincipal(member, 'web'), clock());
        const done = await r.page.submit(unit, r.claims, form);
        const rows = await applyEffects(scope, unit, presenters, { prefer: identity ?? undefined });
        await scope.sql.query(`UPDATE "InboundEvent" SET status = 'DONE', "processedAt" = now() WHERE id = $1`, [fresh]);
        return { done, rows };
      });
      if (!outcome) return { status: 200, html: messagePage(r.spec.title, '这份表单已经提交过了。', true) };
      if (outcome.rows.length) await deps.deliver?.(outcome.rows).catch(() => undefined); // the delivery sweep picks them up
      return { status: 200, html: messagePage(r.spec.title, outcome.done, true) };
    } catch (e) {
      if (e instanceof DomainError) return { status: 422, html: formPage(r.spec, token, form, presenters.error(e)) };
      throw e;
    }
  }

  void server.register(async (s) => {
    s.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 256 * 1024 }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    });

    s.get('/h5/form', async (req, reply) => {
      const r = await open((req.query as { t?: string }).t);
      if ('status' in r) return send(reply, r.status, messagePage(r.title, r.text));
      return send(reply, 200, formPage(r.spec, (req.query as { t: string }).t, {}));
    });

    s.post('/h5/form', async (req, reply) => {
      const body = (req.body ?? {}) as Record<string, string>;
      const r = await open(body.t);
      if ('status' in r) return send(reply, r.status, messagePage(r.title, r.text));
      if (!/^[A-Za-z0-9_-]{8,64}$/.test(body.nonce ?? '')) return send(reply, 400, messagePage('提交失败', '表单不完整，请重新打开链接。'));
      const form = Object.fromEntries(r.spec.fields.map((f) => [f.name, String(body[f.name] ?? '')]));
      const out = await submit(r, body.t!, body.nonce!, form);
      return send(reply, out.status, out.html);
    });
  });
}
