// DingTalk web sign-in, two ways to the userid (the staff id chat knows; tenant: the corpId, as
// senderCorpId in chat):
// - OAuth2 (login.dingtalk.com/oauth2/auth), a plain redirect that works in any browser. scope "openid
//   corpid": the token answer names the organisation chosen. ?authCode&state → POST
//   /v1.0/oauth2/userAccessToken (the code is valid 5 minutes, once) → GET /v1.0/contact/users/me
//   (unionId) → POST oapi /topapi/user/getbyunionid with the app's token → userid.
// - H5 micro-app 免登 (inClient), inside the DingTalk client without a consent page, when DINGTALK_CORP_ID
//   is set: the page's JSAPI (dd.runtime.permission.requestAuthCode({ corpId }), ./jsapi.ts) gives a code
//   (valid 5 minutes, once) → POST oapi /topapi/v2/user/getuserinfo { code } with the app's token →
//   result.userid (errcode 40078: the code does not exist, expired or was used). The app is the
//   organisation's own, so the account is of that organisation.
import type { Logger } from '../../log.js';
import { callJson, logRefusal, text, type InClientLogin, type Json, type WebLogin, type WebLoginResult } from '../web-login.js';
import type { WebLoginConfig } from '../config.js';
import { DingTalkApi } from './api.js';
import { dingTalkJsapi } from './jsapi.js';

/** getuserinfo: "不存在的临时授权码" (unknown, expired after 5 minutes, or used already). */
const CODE_INVALID = 40078;

export function dingTalkWebLogin(config: NonNullable<WebLoginConfig['dingtalk']>, log: Logger): WebLogin {
  const app = new DingTalkApi(config, log, { timeoutMs: 8000 });

  /** One oapi call with the app token (fetched again once when DingTalk says it expired): result.userid, or why not. */
  async function oapiUserId(step: string, path: string, body: Json): Promise<{ userId: string } | { errcode: number }> {
    let r: { status: number; body: Json };
    try {
      r = await app.oapi(step, path, body);
    } catch {
      log.warn({ step: 'dingtalk app token' }, 'web sign-in: platform refused');
      return { errcode: -1 };
    }
    const errcode = Number(r.body.errcode);
    const userId = text((r.body.result as Json | undefined)?.userid);
    if (r.status === 200 && errcode === 0 && userId) return { userId };
    logRefusal(log, step, r.status, r.body);
    return { errcode: r.status === 200 ? errcode : -1 };
  }

  /** unionId → userid. */
  async function userIdOf(unionId: string): Promise<WebLoginResult> {
    const r = await oapiUserId('dingtalk getbyunionid', '/topapi/user/getbyunionid', { unionid: unionId });
    if ('userId' in r) return { ok: true, tenantKey: '', userId: r.userId };
    // 60121: not a member of this organisation (an outside account).
    return { ok: false, reason: r.errcode === 60121 ? 'denied' : 'unavailable' };
  }

  const corpId = config.corpId;
  const inClient: InClientLogin | undefined = corpId
    ? {
        corpId,
        script: dingTalkJsapi,
        async identify(code) {
          if (!code || code.length > 256) return { ok: false, reason: 'code' };
          const r = await oapiUserId('dingtalk getuserinfo', '/topapi/v2/user/getuserinfo', { code });
          if ('userId' in r) return { ok: true, tenantKey: corpId, userId: r.userId };
          return { ok: false, reason: r.errcode === CODE_INVALID ? 'code' : 'unavailable' };
        },
      }
    : undefined;

  return {
    platform: 'DINGTALK',
    inClient,
    authorizeUrl(state, redirectUri) {
      const q = new URLSearchParams({ redirect_uri: redirectUri, response_type: 'code', client_id: config.clientId, scope: 'openid corpid', state, prompt: 'consent' });
      return `${config.loginBase}/oauth2/auth?${q}`;
    },
    async identify(query) {
      // Declined: ?error=…&state=…
      const code = query.authCode ?? query.code;
      if (!code) return { ok: false, reason: query.error ? 'denied' : 'code' };
      const t = await callJson(log, 'dingtalk userAccessToken', `${config.apiBase}/v1.0/oauth2/userAccessToken`, {
        method: 'POST',
        body: { clientId: config.clientId, clientSecret: config.clientSecret, code, grantType: 'authorization_code' },
      });
      const accessToken = text(t.body.accessToken);
      if (t.status !== 200 || !accessToken) {
        logRefusal(log, 'dingtalk userAccessToken', t.status, t.body);
        return { ok: false, reason: t.status >= 400 && t.status < 500 ? 'code' : 'unavailable' };
      }
      const corpId = text(t.body.corpId);
      // Another organisation's account (the consent page lets one choose) is not ours.
      if (config.corpId && corpId && corpId !== config.corpId) {
        log.warn({ step: 'dingtalk userAccessToken' }, 'web sign-in: account of another organisation');
        return { ok: false, reason: 'denied' };
      }
      const me = await callJson(log, 'dingtalk users/me', `${config.apiBase}/v1.0/contact/users/me`, { headers: { 'x-acs-dingtalk-access-token': accessToken } });
      const unionId = text(me.body.unionId);
      if (me.status !== 200 || !unionId) {
        logRefusal(log, 'dingtalk users/me', me.status, me.body);
        return { ok: false, reason: me.status >= 400 && me.status < 500 ? 'code' : 'unavailable' };
      }
      const r = await userIdOf(unionId);
      return r.ok ? { ...r, tenantKey: corpId || config.corpId || '' } : r;
    },
  };
}
