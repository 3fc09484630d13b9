// 驾驶舱 sign-in through a platform, beside the one-time chat link (src/web/dashboard.ts, unchanged):
//   GET /dashboard/login[?to=/dashboard/…]     the entry page: the configured platforms and the chat link
//   GET /dashboard/login/:p[?to=]              p = lark | dingtalk | wecom: a login cookie for this browser
//                                              (and where to land), then off to the platform with a signed state
//   GET /dashboard/login/:p/callback?code|authCode&state   back from the platform: the state must be
//                                              ours (HMAC), this browser's, unused and at most 10 minutes
//                                              old; the platform says who it is (src/platforms/<p>/login.ts);
//                                              the account's member (PlatformIdentity, as in chat) gets a
//                                              session under the chat link's rule, and the 驾驶舱 opens.
//   GET /dashboard/login/:p/h5[?to=]           inside the platform's client (DingTalk H5 micro-app 免登, the
//                                              app's 首页地址): the same attempt and login cookie, then a page
//                                              whose JSAPI (our own file, GET /dashboard/assets/:p-jsapi.js)
//                                              asks the client for a one-time code for the configured corpId
//   POST /dashboard/login/:p/h5  code&state    … and posts it here; then as the callback. Outside the client
//                                              the page says to open it there, with the redirect sign-in beside.
// The state is letters and digits only (WeCom allows nothing else, at most 128 bytes): the attempt's row
// id and 32 hex characters of its HMAC (keyed by platform and way, so a state works only where it was
// made for). Codes, states, tokens and accounts are never logged.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseCookie, stringifySetCookie } from 'cookie';
import type { Database } from '../db/client.js';
import type { Logger } from '../log.js';
import { say } from '../chat/wording.js';
import { errorText } from '../chat/presenters/registry.js';
import { findMember } from '../domain/org.js';
import { memberPrincipal, type Principal } from '../access/principal.js';
import { DomainError, type Unit } from '../services/kernel.js';
import { runService } from '../services/run.js';
import { beginPlatformSignIn, claimPlatformSignIn, openPlatformSignIn, platformMember, PLATFORM_SIGN_IN_SECONDS, SESSION_SECONDS } from '../services/web-sessions.js';
import type { WebLogin, WebLoginResult } from '../platforms/web-login.js';
import { escapeHtml as e } from './h5.js';
import { htmlPage } from './personal-links.js';
import { DASHBOARD_COOKIE, DASHBOARD_STYLE, dashboardTarget } from './dashboard.js';

export const LOGIN_COOKIE = 'zhibu_login';
/** The 驾驶舱 page to land on after signing in (?to= of the login page, checked by dashboardTarget). */
const TARGET_COOKIE = 'zhibu_login_to';
const LOGIN_PATH = '/dashboard/login';

export interface PlatformLoginDeps {
  db: Database;
  /** The app secret: signs the state. */
  secret: string;
  logins: WebLogin[];
  publicUrl: string;
  timezone: string;
  log: Logger;
  clock?: () => Date;
}

const slugOf = (l: WebLogin) => l.platform.toLowerCase();
// Literal keys (the wording test looks for them in the source).
const PLATFORM_NAME = { LARK: 'web_login.platform.LARK', DINGTALK: 'web_login.platform.DINGTALK', WECOM: 'web_login.platform.WECOM' } as const;
const REFUSAL = { denied: 'web_login.denied', code: 'web_login.code', unavailable: 'web_login.unavailable' } as const;
const GUEST: Principal = { kind: 'guest' };
/** The attempt's two ways: the redirect to the platform, or the code from the platform's JSAPI in its client. */
type Way = 'redirect' | 'h5';
const jsapiPath = (l: WebLogin) => `/dashboard/assets/${slugOf(l)}-jsapi.js`;
/**
 * The H5 page's script: inside the client, the JSAPI's code is posted with the state; elsewhere, on a
 * refusal, or when the client has not answered in 15 s, the other ways show.
 */
const H5_SCRIPT = `(function(){var f=document.getElementById('h5'),dd=window.dd;function other(id){document.getElementById('wait').hidden=true;document.getElementById(id).hidden=false;document.getElementById('ways').hidden=false}
if(!f||!dd||!dd.env||dd.env.platform==='notInDingTalk'||!dd.runtime)return other('outside');
setTimeout(function(){other('failed')},15000);
dd.runtime.permission.requestAuthCode({corpId:f.getAttribute('data-corp')}).then(function(r){if(!r||!r.code)return other('failed');f.elements.code.value=r.code;f.submit()},function(){other('failed')})})();`;

export function registerPlatformLogin(server: FastifyInstance, deps: PlatformLoginDeps): void {
  const clock = deps.clock ?? (() => new Date());
  const log = deps.log.child({ component: 'web-login' });
  const bySlug = new Map(deps.logins.map((l) => [slugOf(l), l]));
  const redirectUri = (l: WebLogin) => `${deps.publicUrl.replace(/\/$/, '')}${LOGIN_PATH}/${slugOf(l)}/callback`;
  const mac = (l: WebLogin, way: Way, id: string) => createHmac('sha256', deps.secret).update(`web.platform_login|${l.platform}${way === 'h5' ? '|h5' : ''}|${id}`).digest('hex').slice(0, 32);
  const secure = (req: FastifyRequest) => req.protocol === 'https';

  const page = (reply: FastifyReply, code: number, text: string, again = true) =>
    reply
      .code(code)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(htmlPage(say('web_login.title'), `<h1>${e(say('dashboard.title'))}</h1><p class="summary">${e(text)}</p>${again ? `<p><a href="${LOGIN_PATH}">${e(say('web_login.again'))}</a></p>` : ''}`, DASHBOARD_STYLE));

  /** One service call in its own transaction, its audit rows written with it. */
  const run = async <T>(principal: Principal, now: Date, fn: (u: Unit) => Promise<T>): Promise<T> => (await runService(deps.db, principal, now, fn)).result;

  server.get(LOGIN_PATH, async (req, reply) => {
    const to = dashboardTarget(String((req.query as { to?: unknown }).to ?? ''));
    const keep = to === '/dashboard' ? '' : `?to=${encodeURIComponent(to)}`;
    const links = deps.logins.map(
      (l) =>
        (l.inClient ? `<p><a class="login" href="${LOGIN_PATH}/${slugOf(l)}/h5${keep}">${e(say('web_login.h5_sign_in', { platform: say(PLATFORM_NAME[l.platform]) }))}</a></p>` : '') +
        `<p><a class="login" href="${LOGIN_PATH}/${slugOf(l)}${keep}">${e(say('web_login.sign_in_with', { platform: say(PLATFORM_NAME[l.platform]) }))}</a></p>`,
    );
    const body = links.length
      ? `<h1>${e(say('web_login.title'))}</h1><p>${e(say('web_login.intro'))}</p>${links.join('')}<p class="muted">${e(say('web_login.chat_link'))}</p>`
      : `<h1>${e(say('web_login.title'))}</h1><p class="summary">${e(say('web_login.none'))}</p>`;
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(htmlPage(say('web_login.title'), body, DASHBOARD_STYLE));
  });

  /** A new attempt for this browser: its login cookie and where to land set on `reply`; returns the signed state. */
  async function begin(req: FastifyRequest, reply: FastifyReply, login: WebLogin, way: Way): Promise<string> {
    const browser = randomBytes(32).toString('base64url');
    const { stateId } = await run(GUEST, clock(), (u) => beginPlatformSignIn(u, { browser }));
    const to = dashboardTarget(String((req.query as { to?: unknown }).to ?? ''));
    const cookie = (name: string, value: string) => stringifySetCookie({ name, value, httpOnly: true, sameSite: 'lax', secure: secure(req), path: LOGIN_PATH, maxAge: PLATFORM_SIGN_IN_SECONDS });
    reply.header('set-cookie', [cookie(LOGIN_COOKIE, browser), cookie(TARGET_COOKIE, to)]).header('cache-control', 'no-store');
    return `${stateId}${mac(login, way, stateId)}`;
  }

  server.get(`${LOGIN_PATH}/:p`, async (req, reply) => {
    const login = bySlug.get((req.params as { p: string }).p);
    if (!login) return page(reply, 404, say('web_login.none'));
    const state = await begin(req, reply, login, 'redirect');
    return reply.code(302).header('location', login.authorizeUrl(state, redirectUri(login))).send();
  });

  // 免登 inside the platform's client, where the platform offers it and it is configured.
  const inClientOf = (req: FastifyRequest) => {
    const login = bySlug.get((req.params as { p: string }).p);
    return login?.inClient ? { login, inClient: login.inClient } : undefined;
  };
  for (const login of deps.logins) {
    const inClient = login.inClient;
    if (inClient) server.get(jsapiPath(login), async (_req, reply) => reply.type('application/javascript; charset=utf-8').header('cache-control', 'public, max-age=86400').send(inClient.script()));
  }

  server.get(`${LOGIN_PATH}/:p/h5`, async (req, reply) => {
    const found = inClientOf(req);
    if (!found) return page(reply, 404, say('web_login.none'));
    const { login, inClient } = found;
    const slug = slugOf(login);
    const name = say(PLATFORM_NAME[login.platform]);
    const state = await begin(req, reply, login, 'h5');
    const to = dashboardTarget(String((req.query as { to?: unknown }).to ?? ''));
    const redirect = `${LOGIN_PATH}/${slug}${to === '/dashboard' ? '' : `?to=${encodeURIComponent(to)}`}`;
    const body =
      `<h1>${e(say('web_login.title'))}</h1><p id="wait" class="summary">${e(say('web_login.h5_wait', { platform: name }))}</p>` +
      `<p id="outside" class="summary" hidden>${e(say('web_login.h5_outside', { platform: name }))}</p>` +
      `<p id="failed" class="summary" hidden>${e(say('web_login.h5_failed', { platform: name }))}</p>` +
      `<div id="ways" hidden><p><a class="login" href="${redirect}">${e(say('web_login.sign_in_with', { platform: name }))}</a></p><p class="muted">${e(say('web_login.chat_link'))}</p></div>` +
      `<form id="h5" method="post" action="${LOGIN_PATH}/${slug}/h5" data-corp="${e(inClient.corpId)}"><input type="hidden" name="state" value="${state}"><input type="hidden" name="code" value=""></form>` +
      `<script src="${jsapiPath(login)}"></script><script>${H5_SCRIPT}</script>`;
    return reply.type('text/html; charset=utf-8').send(htmlPage(say('web_login.title'), body, DASHBOARD_STYLE));
  });

  void server.register(async (s) => {
    s.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4 * 1024 }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    });
    s.post(`${LOGIN_PATH}/:p/h5`, async (req, reply) => {
      const found = inClientOf(req);
      if (!found) return page(reply, 404, say('web_login.none'));
      const b = (req.body ?? {}) as Record<string, unknown>;
      const code = typeof b.code === 'string' ? b.code : '';
      return finish(req, reply, found.login, 'h5', typeof b.state === 'string' ? b.state : '', () => found.inClient.identify(code));
    });
  });

  server.get(`${LOGIN_PATH}/:p/callback`, async (req, reply) => {
    const login = bySlug.get((req.params as { p: string }).p);
    if (!login) return page(reply, 404, say('web_login.none'));
    const query = Object.fromEntries(Object.entries(req.query as Record<string, unknown>).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
    return finish(req, reply, login, 'redirect', String(query.state ?? ''), () => login.identify(query, redirectUri(login)));
  });

  /** Back with a code and the state (from the platform's redirect, or posted by the H5 page): the session, or a refusal page. */
  async function finish(req: FastifyRequest, reply: FastifyReply, login: WebLogin, way: Way, state: string, identify: () => Promise<WebLoginResult>) {
    const name = say(PLATFORM_NAME[login.platform]);
    const clear = [LOGIN_COOKIE, TARGET_COOKIE].map((name) => stringifySetCookie({ name, value: '', httpOnly: true, sameSite: 'lax', secure: secure(req), path: LOGIN_PATH, maxAge: 0 }));
    reply.header('set-cookie', clear);

    // The state: ours, for this platform and way, from this browser, once, in time.
    const m = /^([a-z0-9]{10,64})([0-9a-f]{32})$/.exec(state);
    const expected = m ? Buffer.from(mac(login, way, m[1]!)) : undefined;
    const cookies = parseCookie(req.headers.cookie ?? '');
    const browser = cookies[LOGIN_COOKIE] ?? '';
    if (!m || !timingSafeEqual(expected!, Buffer.from(m[2]!)) || !browser) {
      log.warn({ platform: login.platform, way, why: m ? (browser ? 'signature' : 'no login cookie') : 'malformed' }, 'web sign-in: state refused');
      return page(reply, 403, say('dashboard.login_state'));
    }
    const stateId = m[1]!;
    try {
      await run(GUEST, clock(), (u) => claimPlatformSignIn(u, { stateId, browser }));
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      log.warn({ platform: login.platform, way, why: 'used, expired or another browser' }, 'web sign-in: state refused');
      return page(reply, 403, errorText(err, deps.timezone));
    }

    // Who the platform vouches for, and the member bound to that account.
    const who = await identify();
    if (!who.ok) return page(reply, who.reason === 'unavailable' ? 502 : 403, say(REFUSAL[who.reason], { platform: name }));
    const bound = await platformMember(deps.db.prisma as never, { platform: login.platform, tenantKey: who.tenantKey, userId: who.userId });
    // Someone who left the roster (转出, 停止党籍) keeps the account binding for the ledger's history.
    if (bound && !bound.active) {
      log.info({ platform: login.platform }, 'web sign-in: member no longer on the roster');
      return page(reply, 403, say('web_login.left'));
    }
    const member = bound ? await findMember(deps.db.prisma, bound.id) : null;
    if (!member) {
      log.info({ platform: login.platform }, 'web sign-in: account not bound');
      return page(reply, 403, say('web_login.not_bound', { platform: name }));
    }
    const now = clock();
    let opened: { cookie: string };
    try {
      opened = await run(memberPrincipal(member, 'web'), now, (u) => openPlatformSignIn(u, { stateId, platform: login.platform }));
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      return page(reply, 403, errorText(err, deps.timezone), false);
    }
    return reply
      .code(303)
      .header('set-cookie', [...clear, stringifySetCookie({ name: DASHBOARD_COOKIE, value: opened.cookie, httpOnly: true, sameSite: 'lax', secure: secure(req), path: '/dashboard', maxAge: SESSION_SECONDS })])
      .header('cache-control', 'no-store')
      .header('location', dashboardTarget(cookies[TARGET_COOKIE] ?? ''))
      .send();
  }
}
