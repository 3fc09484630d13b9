// 驾驶舱 sign-in through a platform, through the whole service on PostgreSQL against the platform fakes
// (test/platforms/fakes/web-login.ts): Lark web app login and DingTalk OAuth2 with the bots' apps (their
// adapters run against LarkFake / DingTalkFake), WeCom OAuth2 with a self-built app. For each: the
// redirect → platform → callback → session cookie → 驾驶舱 for a 机关党委 member; a plain member is
// refused; a replayed, forged or other browser's state is refused; a used code is refused; a revoked
// session no longer opens anything. DingTalk's H5 micro-app 免登 (the page inside the client, the JSAPI's
// code posted back) is driven without the client: the fake hands out the code requestAuthCode would.
// The chat link flow is covered unchanged by dashboard.test.ts.
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { sessionsCommand } from '../../src/cli/sessions.js';
import { freshPostgres, REDIS_URL, redisPrefix } from '../helpers/env.js';
import { tempDataDir } from '../helpers/app.js';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { startApp } from '../../src/app.js';
import type { Logger } from '../../src/log.js';
import { LarkFake } from '../platforms/fakes/lark.js';
import { DingTalkFake } from '../platforms/fakes/dingtalk.js';
import { addDingTalkLogin, addLarkLogin, WeComLoginFake, type DingTalkLoginFake, type LarkLoginFake, type LoginFake } from '../platforms/fakes/web-login.js';

const LARK_TENANT = 'tk-demo';
const DINGTALK_CORP = 'dingdemocorp01';
let app: App;
let drop: () => Promise<void>;
let lark: LarkFake;
let ding: DingTalkFake;
let wecom: WeComLoginFake;
let larkLogin: LarkLoginFake;
let dingLogin: DingTalkLoginFake;
/** Every line the service logged, at debug level. */
const logs: string[] = [];
/** The service's clock runs this far ahead of the real one. */
let skewMs = 0;

/** A browser: its cookies for our service; follows redirects by hand so each hop can be checked. */
class Browser {
  readonly cookies = new Map<string, string>();
  private keep(res: Response) {
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const [name, value] = [pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1)];
      if (value === '' || attrs.some((a) => /max-age=0$/i.test(a.trim()))) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  /** Our service, at a path (a URL of our PUBLIC_URL is taken by its path: the test port differs). */
  async get(pathOrUrl: string): Promise<Response> {
    const u = new URL(pathOrUrl, app.url);
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(`${app.url}${u.pathname}${u.search}`, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    this.keep(res);
    return res;
  }
  /** A form posted to our service (as the H5 page does). */
  async post(path: string, form: Record<string, string>): Promise<Response> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(`${app.url}${path}`, { method: 'POST', redirect: 'manual', body: new URLSearchParams(form), headers: cookie ? { cookie } : {} });
    this.keep(res);
    return res;
  }
  /** The platform's page (no cookies of ours go there). */
  async platform(url: string): Promise<Response> {
    return fetch(url, { redirect: 'manual' });
  }
}

interface Leg {
  slug: 'lark' | 'dingtalk' | 'wecom';
  fake: () => LoginFake;
  /** The platform account of an employee number (bound in beforeAll). */
  account: (code: string) => string;
}

const LEGS: Leg[] = [
  { slug: 'lark', fake: () => larkLogin, account: (code) => `ou_${code}` },
  { slug: 'dingtalk', fake: () => dingLogin, account: (code) => `staff_${code}` },
  { slug: 'wecom', fake: () => wecom, account: (code) => `wc_${code}` },
];

const callbacks: string[] = [];
const logins: string[] = [];

/** Start at our service, go to the platform signed in as `account`, come back: the callback's answer. */
async function viaPlatform(b: Browser, leg: Leg, account: string): Promise<{ callback: string; login: string; res: Response }> {
  leg.fake().signIn(account);
  const start = await b.get(`/dashboard/login/${leg.slug}`);
  expect(start.status).toBe(302);
  expect(b.cookies.has('zhibu_login')).toBe(true);
  const atPlatform = await b.platform(start.headers.get('location')!);
  expect(atPlatform.status).toBe(302);
  const callback = atPlatform.headers.get('location')!;
  expect(new URL(callback).pathname).toBe(`/dashboard/login/${leg.slug}/callback`);
  const login = b.cookies.get('zhibu_login')!;
  callbacks.push(callback);
  logins.push(login);
  return { callback, login, res: await b.get(callback) };
}

beforeAll(async () => {
  lark = await LarkFake.start({ mode: 'webhook' });
  ding = await DingTalkFake.start({ template: false, sessionWebhook: false });
  const members = ['m101', 'm102', 'm108'];
  // m999: an employee on every platform whom nobody bound to a member.
  wecom = await WeComLoginFake.start([...members, 'm999'].map((c) => `wc_${c}`));
  larkLogin = addLarkLogin(lark, Object.fromEntries([...members, 'm999'].map((c) => [`ou_${c}`, LARK_TENANT])));
  dingLogin = addDingTalkLogin(ding, Object.fromEntries([...members, 'm999'].map((c) => [`staff_${c}`, DINGTALK_CORP])));
  const db = await freshPostgres();
  drop = db.drop;
  const sink = new Writable({ write: (chunk, _enc, done) => void (logs.push(String(chunk)), done()) });
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    DATABASE_URL: db.url,
    REDIS_URL,
    QUEUE_PREFIX: redisPrefix(),
    DATA_DIR: tempDataDir(),
    SEED_DEMO: 'true',
    RUN_WORKERS: 'false',
    ...lark.env(),
    LARK_WEB_LOGIN: 'true',
    LARK_OAUTH_BASE: lark.http.url,
    ...ding.env(),
    DINGTALK_WEB_LOGIN: 'true',
    DINGTALK_LOGIN_BASE: ding.http.url,
    DINGTALK_CORP_ID: DINGTALK_CORP,
    ...wecom.env(),
  });
  app = await startApp(config, pino({ level: 'debug', base: undefined }, sink) as unknown as Logger, { clock: () => new Date(Date.now() + skewMs) });
  const p = app.db.prisma;
  for (const code of members) {
    const m = await p.member.findFirstOrThrow({ where: { employeeNo: code }, select: { id: true } });
    await p.platformIdentity.createMany({
      data: [
        { platform: 'LARK', tenantKey: LARK_TENANT, platformUserId: `ou_${code}`, memberId: m.id },
        { platform: 'DINGTALK', tenantKey: DINGTALK_CORP, platformUserId: `staff_${code}`, memberId: m.id },
        { platform: 'WECOM', tenantKey: '', platformUserId: `wc_${code}`, memberId: m.id },
      ],
    });
  }
}, 180_000);

afterAll(async () => {
  await app?.stop();
  await drop?.();
  await Promise.all([lark?.close(), ding?.close(), wecom?.close()]);
});

describe('the entry page', () => {
  it('offers each configured platform and the chat link, in Chinese', async () => {
    const res = await new Browser().get('/dashboard/login');
    expect(res.status).toBe(200);
    const html = await res.text();
    for (const [slug, name] of [['lark', '使用飞书登录'], ['dingtalk', '使用钉钉登录'], ['wecom', '使用企业微信登录']]) {
      expect(html).toContain(`href="/dashboard/login/${slug}"`);
      expect(html).toContain(name);
    }
    expect(html).toContain('发送「驾驶舱」');
    expect((await new Browser().get('/dashboard/login/wechaty')).status).toBe(404);
    // The 驾驶舱 without a session points here.
    const none = await new Browser().get('/dashboard');
    expect(none.status).toBe(401);
    expect(await none.text()).toContain('href="/dashboard/login?to=%2Fdashboard"');
  });
});

describe('landing where one was going', () => {
  it('a 驾驶舱 page opened without a session leads through the login page back to that page; other targets go home', async () => {
    const organ = await app.db.prisma.orgNode.findFirstOrThrow({ where: { code: 'demo-organ' }, select: { id: true } });
    const target = `/dashboard/node/${organ.id}?p=2026Q4`;
    const b = new Browser();
    const refused = await b.get(target);
    expect(refused.status).toBe(401);
    const link = /href="(\/dashboard\/login\?to=[^"]+)"/.exec(await refused.text())![1]!;
    expect(decodeURIComponent(link.split('to=')[1]!)).toBe(target);
    const entry = await (await b.get(link)).text();
    const start = /href="(\/dashboard\/login\/dingtalk\?to=[^"]+)"/.exec(entry)![1]!;
    dingLogin.signIn('staff_m101');
    const away = await b.get(start);
    const back = (await b.platform(away.headers.get('location')!)).headers.get('location')!;
    const done = await b.get(back);
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe(target);
    expect((await b.get(target)).status).toBe(200);

    // Anywhere else (another site, a login page) lands home.
    for (const to of ['https://evil.example/dashboard', '//evil.example', '/dashboard/login/lark', '/dashboard/sign-in?t=x']) {
      const c = new Browser();
      wecom.signIn('wc_m101');
      const go = await c.get(`/dashboard/login/wecom?to=${encodeURIComponent(to)}`);
      const ret = (await c.platform(go.headers.get('location')!)).headers.get('location')!;
      expect((await c.get(ret)).headers.get('location')).toBe('/dashboard');
    }
  });
});

describe.each(LEGS)('$slug', (leg) => {
  it('a 机关党委 member signs in: redirect → platform → callback → session cookie → the 驾驶舱', async () => {
    const b = new Browser();
    const { res } = await viaPlatform(b, leg, leg.account('m101'));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/dashboard');
    const session = res.headers.getSetCookie().find((c) => c.startsWith('zhibu_dash='))!;
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/Max-Age=28800/);
    expect(session).toMatch(/Path=\/dashboard/);
    expect(b.cookies.has('zhibu_login')).toBe(false);
    const home = await b.get('/dashboard');
    expect(home.status).toBe(200);
    const html = await home.text();
    expect(html).toContain('示例市发展和改革委员会机关党委');
    expect(html).toContain('第二党支部（规划处）');
    const audit = await app.db.prisma.auditLog.findFirst({ where: { action: 'web.sign_in' }, orderBy: { createdAt: 'desc' } });
    expect(audit?.detail).toMatchObject({ via: leg.slug.toUpperCase() });
  });

  it('a branch committee member gets his own branch', async () => {
    const b = new Browser();
    expect((await viaPlatform(b, leg, leg.account('m102'))).res.status).toBe(303);
    const html = await (await b.get('/dashboard')).text();
    expect(html).toContain('第一党支部（办公室）');
    expect(html).toContain('本支部情况');
  });

  it('a plain member is refused with a Chinese page and no session', async () => {
    const b = new Browser();
    const { res } = await viaPlatform(b, leg, leg.account('m108'));
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('驾驶舱供支部委员、机关党委、工委的同志和管理员使用');
    expect(b.cookies.has('zhibu_dash')).toBe(false);
    expect((await b.get('/dashboard')).status).toBe(401);
  });

  it('a member who left the roster is told so, not to bind again', async () => {
    const m108 = await app.db.prisma.member.findFirstOrThrow({ where: { employeeNo: 'm108' } });
    await app.db.prisma.member.update({ where: { id: m108.id }, data: { active: false } });
    try {
      const b = new Browser();
      const { res } = await viaPlatform(b, leg, leg.account('m108'));
      expect(res.status).toBe(403);
      const html = await res.text();
      expect(html).toContain('已不在本机关党员名册中');
      expect(html).not.toContain('绑定码');
      expect(b.cookies.has('zhibu_dash')).toBe(false);
    } finally {
      await app.db.prisma.member.update({ where: { id: m108.id }, data: { active: true } });
    }
  });

  it('an account bound to nobody is told to bind first, and how', async () => {
    const { res } = await viaPlatform(new Browser(), leg, leg.account('m999'));
    expect(res.status).toBe(403);
    const html = await res.text();
    expect(html).toContain('还没有绑定党员身份');
    expect(html).toContain('绑定 绑定码');
  });

  it('a replayed state, a forged one and another browser’s are refused', async () => {
    // Replayed: the same callback again from the same browser, its login cookie put back.
    const b = new Browser();
    const { callback, login, res } = await viaPlatform(b, leg, leg.account('m101'));
    expect(res.status).toBe(303);
    b.cookies.set('zhibu_login', login);
    const replay = await b.get(callback);
    expect(replay.status).toBe(403);
    expect(await replay.text()).toContain('登录请求已使用或已过期');

    // Forged: the state's signature changed (the platform echoes whatever it was given).
    const f = new Browser();
    leg.fake().signIn(leg.account('m101'));
    const start = await f.get(`/dashboard/login/${leg.slug}`);
    const back = new URL((await f.platform(start.headers.get('location')!)).headers.get('location')!);
    const state = back.searchParams.get('state')!;
    const fLogin = f.cookies.get('zhibu_login')!;
    const forged = new URL(back);
    forged.searchParams.set('state', state.slice(0, -4) + (state.endsWith('0000') ? '1111' : '0000'));
    expect((await f.get(forged.toString())).status).toBe(403);
    expect(f.cookies.has('zhibu_dash')).toBe(false);

    // Another browser with this attempt's genuine state and code: without a login cookie, and with
    // its own (from an attempt of its own).
    const thief = new Browser();
    expect((await thief.get(back.toString())).status).toBe(403);
    expect((await thief.get(`/dashboard/login/${leg.slug}`)).status).toBe(302);
    expect((await thief.get(back.toString())).status).toBe(403);
    expect(thief.cookies.has('zhibu_dash')).toBe(false);
    // The attempt itself is still good in its own browser (whose login cookie each callback clears).
    f.cookies.set('zhibu_login', fLogin);
    expect((await f.get(back.toString())).status).toBe(303);
  });

  it('an attempt older than 10 minutes is refused, and removed when the next one begins', async () => {
    const b = new Browser();
    leg.fake().signIn(leg.account('m101'));
    const start = await b.get(`/dashboard/login/${leg.slug}`);
    const back = (await b.platform(start.headers.get('location')!)).headers.get('location')!;
    const stateId = new URL(back).searchParams.get('state')!.slice(0, -32);
    skewMs = 10 * 60_000 + 5000;
    try {
      const late = await b.get(back);
      expect(late.status).toBe(403);
      expect(await late.text()).toContain('登录请求已使用或已过期');
      expect(b.cookies.has('zhibu_dash')).toBe(false);
      expect(await app.db.prisma.webSession.count({ where: { id: stateId } })).toBe(1);
      expect((await new Browser().get(`/dashboard/login/${leg.slug}`)).status).toBe(302);
      expect(await app.db.prisma.webSession.count({ where: { id: stateId } })).toBe(0);
    } finally {
      skewMs = 0;
    }
  });

  it('a code already used is refused by the platform, and we show it', async () => {
    const b = new Browser();
    const { callback, res } = await viaPlatform(b, leg, leg.account('m101'));
    expect(res.status).toBe(303);
    const usedCode = new URL(callback).searchParams.get(leg.slug === 'dingtalk' ? 'authCode' : 'code')!;
    // A new attempt whose callback carries the old code (its state is genuine).
    const b2 = new Browser();
    leg.fake().signIn(leg.account('m101'));
    const start = await b2.get(`/dashboard/login/${leg.slug}`);
    const back = new URL((await b2.platform(start.headers.get('location')!)).headers.get('location')!);
    back.searchParams.set(leg.slug === 'dingtalk' ? 'authCode' : 'code', usedCode);
    const refused = await b2.get(`${back.pathname}${back.search}`);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('授权已失效');
    expect(b2.cookies.has('zhibu_dash')).toBe(false);
  });

  it('a declined sign-in ends on a Chinese page', async () => {
    leg.fake().decline(true);
    try {
      const { res } = await viaPlatform(new Browser(), leg, leg.account('m101'));
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('没有获得');
    } finally {
      leg.fake().decline(false);
    }
  });

  it('a revoked session is refused', async () => {
    const b = new Browser();
    expect((await viaPlatform(b, leg, leg.account('m101'))).res.status).toBe(303);
    expect((await b.get('/dashboard')).status).toBe(200);
    const out: string[] = [];
    const code = await sessionsCommand(['revoke', '--member', 'm101'], async (fn) => fn(app.db.prisma), { log: (s) => out.push(s), error: (s) => out.push(s) }, new Date());
    expect(code).toBe(0);
    expect((await b.get('/dashboard')).status).toBe(401);
  });
});

describe('expired tokens', () => {
  it('Lark: a user token that expired before user_info is a refusal, not a session', async () => {
    larkLogin.expireUserTokens(true);
    try {
      const b = new Browser();
      const { res } = await viaPlatform(b, LEGS[0]!, 'ou_m101');
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('飞书的授权已失效');
      expect(b.cookies.has('zhibu_dash')).toBe(false);
    } finally {
      larkLogin.expireUserTokens(false);
    }
  });

  it('WeCom: someone outside the organisation (openid only) is refused', async () => {
    const { res } = await viaPlatform(new Browser(), LEGS[2]!, 'wc_outsider');
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('不是本单位的账号');
  });

  it('WeCom and DingTalk: an expired app token is fetched again once and the sign-in goes through', async () => {
    const before = wecom.tokenRequests;
    wecom.expireTokens();
    expect((await viaPlatform(new Browser(), LEGS[2]!, 'wc_m101')).res.status).toBe(303);
    expect(wecom.tokenRequests).toBe(before + 1);
    const dingBefore = ding.tokenRequests;
    ding.expireTokens();
    expect((await viaPlatform(new Browser(), LEGS[1]!, 'staff_m101')).res.status).toBe(303);
    expect(ding.tokenRequests).toBeGreaterThan(dingBefore);
  });

  it('WeCom down (HTTP 502): a Chinese page saying so, no session', async () => {
    wecom.failNext = true;
    const b = new Browser();
    const { res } = await viaPlatform(b, LEGS[2]!, 'wc_m101');
    expect(res.status).toBe(502);
    expect(await res.text()).toContain('暂时无法连接企业微信');
    expect(b.cookies.has('zhibu_dash')).toBe(false);
  });

  it('DingTalk: an account of another organisation is refused', async () => {
    const { res } = await viaPlatform(new Browser(), LEGS[1]!, 'staff_m777');
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('不是本单位的账号');
  });
});

// ── DingTalk H5 micro-app 免登 ──

const h5States: string[] = [];

/** Inside the DingTalk client: the H5 page, the code its JSAPI gets for `account`, the form posted back. */
async function viaH5(b: Browser, account: string, path = '/dashboard/login/dingtalk/h5'): Promise<{ state: string; code: string; login: string; res: Response }> {
  dingLogin.signIn(account);
  const page = await b.get(path);
  expect(page.status).toBe(200);
  const html = await page.text();
  const state = /name="state" value="([^"]+)"/.exec(html)![1]!;
  const code = dingLogin.requestAuthCode(/data-corp="([^"]+)"/.exec(html)![1]!)!;
  expect(code).toBeTruthy();
  h5States.push(state);
  const login = b.cookies.get('zhibu_login')!;
  return { state, code, login, res: await b.post('/dashboard/login/dingtalk/h5', { state, code }) };
}

/** The state of a new attempt on the H5 page (nothing posted yet). */
async function h5State(b: Browser): Promise<string> {
  const state = /name="state" value="([^"]+)"/.exec(await (await b.get('/dashboard/login/dingtalk/h5')).text())![1]!;
  h5States.push(state);
  return state;
}

describe('DingTalk H5 免登 inside the client', () => {
  it('the entry page offers it; the page loads the JSAPI from our own files, which serve it as JavaScript that runs', async () => {
    const entry = await (await new Browser().get('/dashboard/login')).text();
    expect(entry).toContain('href="/dashboard/login/dingtalk/h5"');
    expect(entry).toContain('在钉钉中直接进入（免登）');
    const res = await new Browser().get('/dashboard/login/dingtalk/h5');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    expect(html).toContain('<script src="/dashboard/assets/dingtalk-jsapi.js"></script>');
    expect(html).not.toMatch(/https?:\/\//); // no CDN: intranets are air-gapped
    expect(html).toContain(`data-corp="${DINGTALK_CORP}"`);
    expect(html).toContain('请在钉钉工作台中点开支部助手应用');
    expect(html).toContain('href="/dashboard/login/dingtalk"'); // outside the client: the redirect sign-in

    const js = await new Browser().get('/dashboard/assets/dingtalk-jsapi.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^application\/javascript/);
    const script = await js.text();
    expect(script.length).toBeGreaterThan(50_000);
    // The packed script sets window.dd: outside DingTalk it says so; in the iOS client requestAuthCode is there.
    const run = (userAgent: string) => {
      const window: Record<string, unknown> = { navigator: { userAgent }, location: { href: `${app.url}/dashboard/login/dingtalk/h5` }, document: {}, setTimeout, clearTimeout };
      Object.assign(window, { window, self: window, top: window });
      vm.runInContext(script, vm.createContext(window));
      return window.dd as { env: { platform: string }; runtime: { permission: { requestAuthCode: unknown } } };
    };
    expect(run('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36').env.platform).toBe('notInDingTalk');
    const inside = run('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 AliApp(DingTalk/7.6.0) com.laiwang.DingTalk/1 language/zh-Hans-CN');
    expect(inside.env.platform).toBe('ios');
    expect(typeof inside.runtime.permission.requestAuthCode).toBe('function');

    expect((await new Browser().get('/dashboard/login/lark/h5')).status).toBe(404);
  });

  it('a 机关党委 member: the code → getuserinfo → session cookie → the 驾驶舱, where the page was going', async () => {
    const b = new Browser();
    const before = ding.http.requests.length;
    const { code, res } = await viaH5(b, 'staff_m101');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/dashboard');
    expect(res.headers.getSetCookie().find((c) => c.startsWith('zhibu_dash='))).toMatch(/HttpOnly.*Max-Age=28800|Max-Age=28800.*HttpOnly/);
    const call = ding.http.requests.slice(before).find((r) => r.path === '/topapi/v2/user/getuserinfo');
    expect(call?.body).toEqual({ code });
    const html = await (await b.get('/dashboard')).text();
    expect(html).toContain('示例市发展和改革委员会机关党委');
    const audit = await app.db.prisma.auditLog.findFirst({ where: { action: 'web.sign_in' }, orderBy: { createdAt: 'desc' } });
    expect(audit?.detail).toMatchObject({ via: 'DINGTALK' });

    const organ = await app.db.prisma.orgNode.findFirstOrThrow({ where: { code: 'demo-organ' }, select: { id: true } });
    const target = `/dashboard/node/${organ.id}?p=2026Q4`;
    const c = new Browser();
    const { res: there } = await viaH5(c, 'staff_m101', `/dashboard/login/dingtalk/h5?to=${encodeURIComponent(target)}`);
    expect(there.headers.get('location')).toBe(target);
  });

  it('a plain member is refused with a Chinese page and no session', async () => {
    const b = new Browser();
    const { res } = await viaH5(b, 'staff_m108');
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('驾驶舱供支部委员、机关党委、工委的同志和管理员使用');
    expect(b.cookies.has('zhibu_dash')).toBe(false);
  });

  it('a used code, an unknown one and an OAuth2 authCode are refused by DingTalk (40078), and we say so', async () => {
    const { code, res } = await viaH5(new Browser(), 'staff_m101');
    expect(res.status).toBe(303);
    const oauth = await viaPlatform(new Browser(), LEGS[1]!, 'staff_m101');
    const authCode = new URL(oauth.callback).searchParams.get('authCode')!;
    for (const wrong of [code, 'deadbeef', authCode]) {
      // A new attempt whose genuine state carries the wrong code.
      const b = new Browser();
      const refused = await b.post('/dashboard/login/dingtalk/h5', { state: await h5State(b), code: wrong });
      expect(refused.status).toBe(403);
      expect(await refused.text()).toContain('钉钉的授权已失效');
      expect(b.cookies.has('zhibu_login')).toBe(false);
    }
    expect(logs.some((l) => l.includes('"step":"dingtalk getuserinfo"') && l.includes('"code":40078'))).toBe(true);
  });

  it('a replayed state, a forged one, another browser’s and a redirect sign-in’s state are refused', async () => {
    // Replayed: the same post again, the login cookie put back.
    const b = new Browser();
    const { state, login, res } = await viaH5(b, 'staff_m101');
    expect(res.status).toBe(303);
    b.cookies.set('zhibu_login', login);
    const replay = await b.post('/dashboard/login/dingtalk/h5', { state, code: dingLogin.requestAuthCode(DINGTALK_CORP)! });
    expect(replay.status).toBe(403);
    expect(await replay.text()).toContain('登录请求已使用或已过期');

    // Forged: the signature changed.
    const f = new Browser();
    const genuine = await h5State(f);
    const fLogin = f.cookies.get('zhibu_login')!;
    const forged = genuine.slice(0, -4) + (genuine.endsWith('0000') ? '1111' : '0000');
    expect((await f.post('/dashboard/login/dingtalk/h5', { state: forged, code: dingLogin.requestAuthCode(DINGTALK_CORP)! })).status).toBe(403);
    // Another browser with the genuine state: without a login cookie, and with its own.
    const thief = new Browser();
    expect((await thief.post('/dashboard/login/dingtalk/h5', { state: genuine, code: dingLogin.requestAuthCode(DINGTALK_CORP)! })).status).toBe(403);
    await h5State(thief);
    expect((await thief.post('/dashboard/login/dingtalk/h5', { state: genuine, code: dingLogin.requestAuthCode(DINGTALK_CORP)! })).status).toBe(403);
    expect(thief.cookies.has('zhibu_dash')).toBe(false);
    // A state made for the redirect sign-in is not one for this page (and the other way round).
    const r = new Browser();
    const away = await r.get('/dashboard/login/dingtalk');
    const redirectState = new URL(away.headers.get('location')!).searchParams.get('state')!;
    h5States.push(redirectState);
    expect((await r.post('/dashboard/login/dingtalk/h5', { state: redirectState, code: dingLogin.requestAuthCode(DINGTALK_CORP)! })).status).toBe(403);
    // The genuine attempt still works in its own browser (whose login cookie each refusal clears).
    f.cookies.set('zhibu_login', fLogin);
    expect((await f.post('/dashboard/login/dingtalk/h5', { state: genuine, code: dingLogin.requestAuthCode(DINGTALK_CORP)! })).status).toBe(303);
  });

  it('an expired app token is fetched again once and the sign-in goes through; an unbound account is told to bind', async () => {
    const before = ding.tokenRequests;
    ding.expireTokens();
    expect((await viaH5(new Browser(), 'staff_m101')).res.status).toBe(303);
    expect(ding.tokenRequests).toBeGreaterThan(before);
    expect(logs.some((l) => l.includes('"step":"dingtalk getuserinfo"') && l.includes('"code":42001'))).toBe(true);
    const { res } = await viaH5(new Browser(), 'staff_m999');
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('还没有绑定党员身份');
  });
});

describe('the operator', () => {
  it('revoking every session counts sessions and sign-in links, not sign-in attempts in progress', async () => {
    await new Browser().get('/dashboard/login/lark'); // an attempt left at the platform
    const now = new Date();
    const open = await app.db.prisma.webSession.count({ where: { revokedAt: null, memberId: { not: '' }, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] } });
    expect(open).toBeGreaterThan(0);
    expect(await app.db.prisma.webSession.count({ where: { memberId: '', openedAt: null } })).toBeGreaterThan(0);
    const out: string[] = [];
    expect(await sessionsCommand(['revoke', '--all'], async (fn) => fn(app.db.prisma), { log: (s) => out.push(s), error: (s) => out.push(s) }, now)).toBe(0);
    expect(out.join('\n')).toContain(`已注销 ${open} 个会话`);
  });
});

describe('logs', () => {
  it('hold no code, state, token, account or name of any sign-in above', () => {
    const text = logs.join('');
    expect(logs.some((l) => l.includes('web sign-in'))).toBe(true); // refusals above were logged
    const codes = [...larkLogin.issuedCodes(), ...dingLogin.issuedCodes(), ...wecom.issuedCodes()];
    expect(codes.length).toBeGreaterThan(20);
    const secrets = [...codes, ...callbacks.map((c) => new URL(c).searchParams.get('state')!), ...h5States, ...logins, 'ou_m101', 'staff_m101', 'wc_m101', 'union_staff_m101', '王建国'];
    expect(secrets.filter((x) => text.includes(x))).toEqual([]);
  });
});
