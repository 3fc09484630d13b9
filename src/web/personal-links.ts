// Links meant for one person (ledger downloads, printable meeting records): the signed token names
// the member it was sent to, and whoever opens it must show they are that member. A browser shows
// it with an identity cookie (signed, 12 hours) that it gets by entering a one-time code the bot
// sends privately to that member at the moment the link is opened. So a forwarded or leaked link is
// useless (the code goes to the member, not to whoever holds the link), and a client with no
// identity (curl) gets the confirmation page, never the file.
//
//   guard(req, reply, memberId)        true when the request carries that member's identity cookie;
//                                      otherwise it has answered (the confirmation page, or a refusal
//                                      when the cookie is someone else's).
//   POST /files/identity               step=send: DM a code to the link's member; step=verify: check
//                                      the code, set the cookie, and go back to the link.
import crypto from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseCookie, stringifySetCookie } from 'cookie';
import type { Database } from '../db/client.js';
import type { TokenSigner } from '../chat/token.js';
import type { Presenters } from '../chat/presenters/registry.js';
import type { QueuedOutbox } from '../chat/types.js';
import { runUnit } from '../chat/effects.js';
import { say } from '../chat/wording.js';
import { SYSTEM } from '../access/principal.js';
import { sendLinkCode } from '../services/ledger.js';
import { escapeHtml } from './h5.js';

const COOKIE = 'zhibu_who';
const WHO_ACTION = 'web.identity';
const CODE_ACTION = 'web.identity_code';
const COOKIE_TTL_SECONDS = 12 * 3600;
const CODE_WINDOW_MS = 10 * 60_000;
const MAX_TRIES = 5;

export interface PersonalLinkDeps {
  db: Database;
  tokens: TokenSigner;
  presenters?: Presenters;
  deliver?: (rows: QueuedOutbox[]) => void;
  clock?: () => Date;
}

const STYLE = `body{font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;max-width:520px;margin:0 auto;padding:16px;color:#222;background:#f6f7f9}
h1{font-size:20px;color:#c00}.msg{padding:12px;border-radius:6px;background:#fff;border-left:4px solid #c00;white-space:pre-wrap}
input{width:100%;box-sizing:border-box;padding:8px;font-size:18px;letter-spacing:4px;border:1px solid #ccc;border-radius:6px}
button{margin-top:14px;width:100%;padding:12px;font-size:17px;background:#c00;color:#fff;border:0;border-radius:6px}label{display:block;margin:14px 0 4px;font-weight:600}`;

export function htmlPage(title: string, body: string, style = STYLE): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${style}</style></head><body>${body}</body></html>`;
}

const sendHtml = (reply: FastifyReply, status: number, html: string) => reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);

/** A name shown on the confirmation page: the surname and a mask (王**). */
const masked = (name: string) => [...name][0] + '*'.repeat(Math.max(1, [...name].length - 1));

export class PersonalLinks {
  private readonly clock: () => Date;
  private readonly tries = new Map<string, number>();

  constructor(private readonly deps: PersonalLinkDeps) {
    this.clock = deps.clock ?? (() => new Date());
  }

  /** The member whose identity cookie the request carries, if any. */
  who(req: FastifyRequest): string | null {
    const raw = parseCookie(req.headers.cookie ?? '')[COOKIE];
    if (!raw) return null;
    const check = this.deps.tokens.verify(raw, this.clock());
    return check.ok && check.claims.action === WHO_ACTION ? check.claims.target : null;
  }

  /** The 6-digit code for a member in a 10-minute window: derived from the signing secret, nothing stored. */
  private code(memberId: string, window: number): string {
    const mac = this.deps.tokens.sign({ action: CODE_ACTION, target: `${memberId}|${window}` }, 0, new Date(0));
    return String(crypto.createHash('sha256').update(mac).digest().readUInt32BE(0) % 1_000_000).padStart(6, '0');
  }

  /** True when the request is the link's member; else it has answered with the confirmation page or a refusal. */
  async guard(req: FastifyRequest, reply: FastifyReply, memberId: string, link: string): Promise<boolean> {
    const who = this.who(req);
    if (who === memberId) return true;
    if (who) {
      await sendHtml(reply, 403, htmlPage(say('ledger.identity_title'), `<h1>${escapeHtml(say('ledger.identity_title'))}</h1><p class="msg">${escapeHtml(say('ledger.identity_other'))}</p>`));
      return false;
    }
    await sendHtml(reply, 401, await this.confirmPage(memberId, link, 'send'));
    return false;
  }

  private async confirmPage(memberId: string, link: string, step: 'send' | 'verify', error?: string): Promise<string> {
    const m = await this.deps.db.prisma.member.findUnique({ where: { id: memberId }, select: { name: true } });
    const name = masked(m?.name ?? '?');
    const title = say('ledger.identity_title');
    const hidden = `<input type="hidden" name="link" value="${escapeHtml(link)}">`;
    const body =
      step === 'send'
        ? `<p class="msg">${escapeHtml(say('ledger.identity_intro', { name }))}</p><form method="post" action="/files/identity">${hidden}<input type="hidden" name="step" value="send"><button type="submit">${escapeHtml(say('ledger.identity_send'))}</button></form>`
        : `<p class="msg">${escapeHtml(error ?? say('ledger.identity_code_sent', { name }))}</p><form method="post" action="/files/identity">${hidden}<input type="hidden" name="step" value="verify"><label for="code">${escapeHtml(say('ledger.identity_code_label'))}</label><input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required><button type="submit">${escapeHtml(say('ledger.identity_confirm'))}</button></form>`;
    return htmlPage(title, `<h1>${escapeHtml(title)}</h1>${body}`);
  }

  /** The member a personal link (a path under /files/ with ?t=) was signed for, or null. */
  private linkMember(link: string): string | null {
    if (!/^\/files\/[a-z-]+\?t=[^&#]+$/.test(link)) return null;
    const t = new URLSearchParams(link.split('?')[1]).get('t') ?? '';
    const check = this.deps.tokens.verify(t, this.clock());
    return check.ok ? (check.claims.member ?? null) : null;
  }

  register(server: FastifyInstance): void {
    void server.register(async (s) => {
      s.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_req, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(String(body))));
      });
      s.post('/files/identity', async (req, reply) => {
        const body = (req.body ?? {}) as Record<string, string>;
        const link = String(body.link ?? '');
        const memberId = this.linkMember(link);
        const title = say('ledger.identity_title');
        if (!memberId) return sendHtml(reply, 403, htmlPage(title, `<h1>${escapeHtml(title)}</h1><p class="msg">${escapeHtml(say('ledger.link_invalid'))}</p>`));
        const now = this.clock();
        const window = Math.floor(now.getTime() / CODE_WINDOW_MS);
        if (body.step === 'send') {
          const code = this.code(memberId, window);
          if (this.deps.presenters) {
            const { rows } = await runUnit(this.deps.db, SYSTEM, now, this.deps.presenters, (unit) => sendLinkCode(unit, { memberId, code, key: `web:identity:${memberId}:${window}` }));
            this.deps.deliver?.(rows);
          }
          return sendHtml(reply, 200, await this.confirmPage(memberId, link, 'verify'));
        }
        const tryKey = `${memberId}:${window}`;
        const tries = (this.tries.get(tryKey) ?? 0) + 1;
        this.tries.set(tryKey, tries);
        if (this.tries.size > 10_000) this.tries.clear();
        const given = String(body.code ?? '').trim();
        const ok = tries <= MAX_TRIES && (given === this.code(memberId, window) || given === this.code(memberId, window - 1));
        if (!ok) return sendHtml(reply, 401, await this.confirmPage(memberId, link, 'verify', say('ledger.identity_bad_code')));
        const who = this.deps.tokens.sign({ action: WHO_ACTION, target: memberId }, COOKIE_TTL_SECONDS, now);
        const secure = req.protocol === 'https';
        return reply
          .code(303)
          .header('set-cookie', stringifySetCookie({ name: COOKIE, value: who, httpOnly: true, sameSite: 'lax', secure, path: '/files', maxAge: COOKIE_TTL_SECONDS }))
          .header('location', link)
          .send();
      });
    });
  }
}
