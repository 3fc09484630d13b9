// Web sign-in endpoints of the three platforms, as their docs describe them, for the 驾驶舱's platform
// login (src/platforms/<p>/login.ts). Lark and DingTalk sign in with the bot's app, so their routes are
// added to the existing LarkFake / DingTalkFake servers; WeCom's OAuth belongs to a self-built app,
// so it is a small fake of its own. Each authorize page "signs in" the person set with signIn() and
// sends the browser back with a code (valid 5 minutes, once) or, with decline(), the platform's refusal.
import crypto from 'node:crypto';
import { FakeHttp, type FakeReply, type RecordedRequest } from './common.js';
import type { LarkFake } from './lark.js';
import type { DingTalkFake } from './dingtalk.js';

type Json = Record<string, unknown>;
const CODE_SECONDS = 5 * 60;

/** Codes and user tokens of one platform's OAuth, with the inconvenient cases the docs name. */
class OAuthState {
  user = '';
  declined = false;
  /** Lifetime of the next user tokens, seconds (0: already expired when first used). */
  userTokenSeconds = 7200;
  readonly codes = new Map<string, { user: string; redirectUri: string; issuedAt: number; used: boolean }>();
  readonly userTokens = new Map<string, { user: string; expiresAt: number }>();
  /** Every code handed out, newest last (a test may replay one). */
  readonly issued: string[] = [];

  /** The authorize page: back to redirect_uri with ?<codeParam>=…&state=…, or the refusal. */
  authorize(redirectUri: string, state: string | null, codeParam: string, refusal: Record<string, string>): FakeReply {
    const back = new URL(redirectUri);
    if (this.declined || !this.user) for (const [k, v] of Object.entries(refusal)) back.searchParams.set(k, v);
    else back.searchParams.set(codeParam, this.issue(redirectUri));
    if (state !== null) back.searchParams.set('state', state);
    return { status: 302, headers: { location: back.toString() }, body: '' };
  }

  /** A code for the signed-in person, redeemable once within 5 minutes where `redirectUri` is given. */
  issue(redirectUri: string): string {
    const code = crypto.randomBytes(12).toString('hex');
    this.codes.set(code, { user: this.user, redirectUri, issuedAt: Date.now(), used: false });
    this.issued.push(code);
    return code;
  }


  /** A code exchanged: its user, or why not (unknown, used, expired, another redirect_uri). */
  redeem(code: string, redirectUri?: string): { user: string } | { error: 'invalid' | 'used' | 'expired' } {
    const c = this.codes.get(code);
    if (!c || (redirectUri !== undefined && c.redirectUri !== redirectUri)) return { error: 'invalid' };
    if (c.used) return { error: 'used' };
    if (Date.now() - c.issuedAt > CODE_SECONDS * 1000) return { error: 'expired' };
    c.used = true;
    return { user: c.user };
  }

  userToken(user: string): string {
    const t = crypto.randomBytes(16).toString('base64url');
    this.userTokens.set(t, { user, expiresAt: Date.now() + this.userTokenSeconds * 1000 });
    return t;
  }

  tokenUser(token: string): { user: string } | { error: 'invalid' | 'expired' } {
    const t = this.userTokens.get(token);
    if (!t) return { error: 'invalid' };
    return t.expiresAt <= Date.now() ? { error: 'expired' } : { user: t.user };
  }
}

export interface LoginFake {
  /** The person signed in at the platform (the next authorize sends them back with a code). */
  signIn(user: string): void;
  /** The person declines (or, WeCom, the page is not opened in WeCom): no code. */
  decline(on: boolean): void;
  /** Every code handed out so far. */
  issuedCodes(): string[];
  readonly requests: RecordedRequest[];
}

const controls = (s: OAuthState, http: FakeHttp): LoginFake => ({
  signIn: (user) => void (s.user = user),
  decline: (on) => void (s.declined = on),
  issuedCodes: () => [...s.issued],
  requests: http.requests,
});

// ── Lark/Feishu: accounts host /open-apis/authen/v1/authorize, /oauth/v3/token, /open-apis/authen/v1/user_info ──

export interface LarkLoginFake extends LoginFake {
  /** User tokens issued from now on are already expired when used (user_info answers 99991677). */
  expireUserTokens(on: boolean): void;
}

/** `users`: open_id → its tenant_key. The fake's URL is both LARK_DOMAIN and LARK_OAUTH_BASE. */
export function addLarkLogin(fake: LarkFake, users: Record<string, string>): LarkLoginFake {
  const s = new OAuthState();
  const h = fake.http;
  h.route('GET', /^\/open-apis\/authen\/v1\/authorize$/, (req) => {
    if (req.query.get('client_id') !== fake.appId || req.query.get('response_type') !== 'code') return { status: 400, body: { code: 20001, msg: 'invalid client_id or response_type' } };
    return s.authorize(req.query.get('redirect_uri') ?? '', req.query.get('state'), 'code', { error: 'access_denied' });
  });
  // RFC 6749 errors with Lark's numeric code beside them (HTTP 400).
  h.route('POST', /^\/oauth\/v3\/token$/, (req) => {
    const b = (req.body ?? {}) as Json;
    if (b.client_id !== fake.appId || b.client_secret !== fake.appSecret) return { status: 400, body: { code: 20002, error: 'invalid_client', error_description: 'client authentication failed' } };
    if (b.grant_type !== 'authorization_code') return { status: 400, body: { code: 20001, error: 'unsupported_grant_type', error_description: 'grant_type must be authorization_code' } };
    const r = s.redeem(String(b.code ?? ''), typeof b.redirect_uri === 'string' ? b.redirect_uri : undefined);
    if ('error' in r) return { status: 400, body: { code: r.error === 'expired' ? 20004 : 20003, error: 'invalid_grant', error_description: `the authorization code is ${r.error}` } };
    return { body: { code: 0, access_token: s.userToken(r.user), expires_in: s.userTokenSeconds, token_type: 'Bearer', scope: '' } };
  });
  h.route('GET', /^\/open-apis\/authen\/v1\/user_info$/, (req) => {
    const token = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1] ?? '';
    const r = s.tokenUser(token);
    if ('error' in r) return { status: 400, body: r.error === 'expired' ? { code: 99991677, msg: 'user access token expired' } : { code: 99991668, msg: 'Invalid access token for authorization' } };
    return { body: { code: 0, msg: 'success', data: { name: '飞书用户', en_name: '', avatar_url: '', open_id: r.user, union_id: `on_${r.user}`, tenant_key: users[r.user] ?? 'tk-other' } } };
  });
  return { ...controls(s, h), expireUserTokens: (on) => void (s.userTokenSeconds = on ? 0 : 7200) };
}

// ── DingTalk: login host /oauth2/auth → ?authCode; /v1.0/oauth2/userAccessToken, /v1.0/contact/users/me; oapi /topapi/user/getbyunionid;
//    H5 micro-app 免登: the JSAPI's code (requestAuthCode) → oapi /topapi/v2/user/getuserinfo ──

/** Codes of the H5 micro-app JSAPI are of another kind than OAuth2 authCodes: neither works in the other's exchange. */
const JSAPI_CODE = 'jsapi:requestAuthCode';

export interface DingTalkLoginFake extends LoginFake {
  /**
   * What dd.runtime.permission.requestAuthCode({ corpId }) gives the page inside the DingTalk client of
   * the signed-in person: a 免登 code (5 minutes, once); undefined (the JSAPI fails) for a corpId that
   * is not the person's organisation.
   */
  requestAuthCode(corpId: string): string | undefined;
}

/**
 * `corpOf`: staff id → the CorpId of its organisation (what scope "openid corpid" returns). The fake's
 * URL is DINGTALK_LOGIN_BASE as well as its API and oapi bases.
 */
export function addDingTalkLogin(fake: DingTalkFake, corpOf: Record<string, string>): DingTalkLoginFake {
  const s = new OAuthState();
  const h = fake.http;
  // The app tokens the DingTalkFake hands out (/v1.0/oauth2/accessToken), which getbyunionid takes.
  const appTokens = (fake as unknown as { tokens: Map<string, { expiresAt: number; revoked: boolean }> }).tokens;
  h.route('GET', /^\/oauth2\/auth$/, (req) => {
    if (req.query.get('client_id') !== fake.clientId || req.query.get('response_type') !== 'code' || req.query.get('prompt') !== 'consent') return { status: 400, body: { errorCode: 'invalid_request' } };
    return s.authorize(req.query.get('redirect_uri') ?? '', req.query.get('state'), 'authCode', { error: 'access_denied' });
  });
  h.route('POST', /^\/v1\.0\/oauth2\/userAccessToken$/, (req) => {
    const b = (req.body ?? {}) as Json;
    if (b.clientId !== fake.clientId || b.clientSecret !== fake.clientSecret) return { status: 400, body: { code: 'invalidClientIdOrSecret', message: '无效的clientId或者clientSecret' } };
    const r = s.redeem(String(b.code ?? ''));
    if ('error' in r) return { status: 400, body: { code: 'invalidAuthCode', message: '临时授权码无效或已使用', requestid: crypto.randomUUID() } };
    return { body: { accessToken: s.userToken(r.user), refreshToken: crypto.randomBytes(8).toString('hex'), expireIn: s.userTokenSeconds, corpId: corpOf[r.user] ?? 'ding-other-corp' } };
  });
  h.route('GET', /^\/v1\.0\/contact\/users\/me$/, (req) => {
    const r = s.tokenUser(String(req.headers['x-acs-dingtalk-access-token'] ?? ''));
    if ('error' in r) return { status: 401, body: { code: 'InvalidAuthentication', message: '不合法的access_token', requestid: crypto.randomUUID() } };
    return { body: { nick: '钉钉用户', avatarUrl: '', openId: `open_${r.user}`, unionId: `union_${r.user}`, stateCode: '86' } };
  });
  h.route('POST', /^\/topapi\/user\/getbyunionid$/, (req) => {
    const t = appTokens.get(req.query.get('access_token') ?? '');
    if (!t || t.revoked || t.expiresAt < Date.now()) return { body: { errcode: 40014, errmsg: '不合法的access_token', request_id: crypto.randomUUID() } };
    const unionId = String(((req.body ?? {}) as Json).unionid ?? '');
    const userId = unionId.replace(/^union_/, '');
    if (!unionId.startsWith('union_') || !corpOf[userId]) return { body: { errcode: 60121, errmsg: '找不到该用户', request_id: crypto.randomUUID() } };
    return { body: { errcode: 0, errmsg: 'ok', result: { contact_type: 0, userid: userId }, request_id: crypto.randomUUID() } };
  });
  // 通过免登码获取用户信息: always HTTP 200, errcode says what went wrong; 40078 "不存在的临时授权码" for a
  // code unknown, expired, used, or of another kind (免登常见问题).
  h.route('POST', /^\/topapi\/v2\/user\/getuserinfo$/, (req) => {
    const t = appTokens.get(req.query.get('access_token') ?? '');
    if (!t) return { body: { errcode: 40014, errmsg: '不合法的access_token', request_id: crypto.randomUUID() } };
    if (t.revoked || t.expiresAt < Date.now()) return { body: { errcode: 42001, errmsg: 'access_token超时', request_id: crypto.randomUUID() } };
    const r = s.redeem(String(((req.body ?? {}) as Json).code ?? ''), JSAPI_CODE);
    if ('error' in r) return { body: { errcode: 40078, errmsg: '不存在的临时授权码', request_id: crypto.randomUUID() } };
    return { body: { errcode: 0, errmsg: 'ok', result: { userid: r.user, unionid: `union_${r.user}`, associated_unionid: '', name: '钉钉用户', device_id: crypto.randomBytes(8).toString('hex'), sys: false, sys_level: 0 }, request_id: crypto.randomUUID() } };
  });
  return {
    ...controls(s, h),
    requestAuthCode: (corpId) => (s.user && !s.declined && corpOf[s.user] === corpId ? s.issue(JSAPI_CODE) : undefined),
  };
}

// ── WeCom self-built app: open.weixin.qq.com /connect/oauth2/authorize; qyapi /cgi-bin/gettoken, /cgi-bin/auth/getuserinfo ──

export class WeComLoginFake implements LoginFake {
  readonly corpId = 'wwfakecorp0001';
  readonly agentId = '1000002';
  readonly secret = 'fake-wecom-app-secret';
  readonly http = new FakeHttp();
  private readonly s = new OAuthState();
  private readonly appTokens = new Map<string, { expiresAt: number }>();
  tokenRequests = 0;

  /** `members`: userids of the corp; anyone else signing in is an outside WeChat user (openid only). */
  constructor(private readonly members: Set<string>) {}

  static async start(members: string[]): Promise<WeComLoginFake> {
    const f = new WeComLoginFake(new Set(members));
    f.routes();
    await f.http.listen();
    return f;
  }

  get requests() {
    return this.http.requests;
  }
  signIn(user: string) {
    this.s.user = user;
  }
  decline(on: boolean) {
    this.s.declined = on;
  }
  issuedCodes() {
    return [...this.s.issued];
  }
  /** The next getuserinfo answers HTTP 502 (the platform is down). */
  failNext = false;
  /** Every app token handed out so far has expired (getuserinfo answers 42001). */
  expireTokens() {
    for (const t of this.appTokens.values()) t.expiresAt = 0;
  }

  env(): Record<string, string> {
    return { WECOM_CORP_ID: this.corpId, WECOM_AGENT_ID: this.agentId, WECOM_APP_SECRET: this.secret, WECOM_API_BASE: this.http.url, WECOM_OAUTH_BASE: this.http.url };
  }

  private routes() {
    const h = this.http;
    h.route('GET', /^\/connect\/oauth2\/authorize$/, (req) => {
      const state = req.query.get('state') ?? '';
      // state: a-zA-Z0-9 only, at most 128 bytes; appid is the CorpID.
      if (req.query.get('appid') !== this.corpId || req.query.get('response_type') !== 'code' || !/^[a-zA-Z0-9]{0,128}$/.test(state)) return { status: 400, body: { errcode: 40013, errmsg: 'invalid appid or parameter' } };
      // Declined, or opened outside WeCom: the page goes back without a code.
      return this.s.authorize(req.query.get('redirect_uri') ?? '', state, 'code', {});
    });
    h.route('GET', /^\/cgi-bin\/gettoken$/, (req) => {
      if (req.query.get('corpid') !== this.corpId) return { body: { errcode: 40013, errmsg: 'invalid corpid' } };
      if (req.query.get('corpsecret') !== this.secret) return { body: { errcode: 40001, errmsg: 'invalid credential' } };
      this.tokenRequests++;
      const token = crypto.randomBytes(16).toString('hex');
      this.appTokens.set(token, { expiresAt: Date.now() + 7200_000 });
      return { body: { errcode: 0, errmsg: 'ok', access_token: token, expires_in: 7200 } };
    });
    // Always HTTP 200; errcode says what went wrong.
    h.route('GET', /^\/cgi-bin\/auth\/getuserinfo$/, (req) => {
      if (this.failNext) {
        this.failNext = false;
        return { status: 502, body: 'Bad Gateway' };
      }
      const t = this.appTokens.get(req.query.get('access_token') ?? '');
      if (!t) return { body: { errcode: 40014, errmsg: 'invalid access_token' } };
      if (t.expiresAt <= Date.now()) return { body: { errcode: 42001, errmsg: 'access_token expired' } };
      const r = this.s.redeem(req.query.get('code') ?? '');
      if ('error' in r) return { body: { errcode: 40029, errmsg: 'invalid code' } };
      if (!this.members.has(r.user)) return { body: { errcode: 0, errmsg: 'ok', openid: `o_${r.user}`, external_userid: `wm_${r.user}` } };
      return { body: { errcode: 0, errmsg: 'ok', userid: r.user } };
    });
  }

  close() {
    return this.http.close();
  }
}
