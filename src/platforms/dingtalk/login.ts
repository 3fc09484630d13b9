// DingTalk web sign-in by OAuth2 (login.dingtalk.com/oauth2/auth): a plain redirect, so no JSAPI file
// is needed (the H5 micro-app 免登 would need dingtalk.open.js from the CDN); inside the DingTalk
// client the page signs in with the current account. scope "openid corpid": the token answer names the
// organisation chosen. Steps: ?authCode&state → POST /v1.0/oauth2/userAccessToken (the code is valid
// 5 minutes, once) → GET /v1.0/contact/users/me (unionId) → POST oapi /topapi/user/getbyunionid with
// the app's token → userid, the staff id chat knows (tenant: the corpId, as senderCorpId in chat).
import type { Logger } from '../../log.js';
import { callJson, logRefusal, text, type Json, type WebLogin, type WebLoginResult } from '../web-login.js';
import type { WebLoginConfig } from '../config.js';
import { DingTalkApi } from './api.js';

/** Legacy API codes meaning "the app token is invalid or expired". */
const APP_TOKEN_INVALID = new Set([40014, 42001, 88]);

export function dingTalkWebLogin(config: NonNullable<WebLoginConfig['dingtalk']>, log: Logger): WebLogin {
  const app = new DingTalkApi(config, log, { timeoutMs: 8000 });

  /** unionId → userid with the app token, fetched again once when DingTalk says it expired. */
  async function userIdOf(unionId: string): Promise<WebLoginResult> {
    for (let attempt = 0; attempt < 2; attempt++) {
      let token: string;
      try {
        token = await app.accessToken();
      } catch {
        log.warn({ step: 'dingtalk app token' }, 'web sign-in: platform refused');
        return { ok: false, reason: 'unavailable' };
      }
      const r = await callJson(log, 'dingtalk getbyunionid', `${config.oapiBase}/topapi/user/getbyunionid?access_token=${encodeURIComponent(token)}`, { method: 'POST', body: { unionid: unionId } });
      const errcode = Number(r.body.errcode);
      const userId = text((r.body.result as Json | undefined)?.userid);
      if (r.status === 200 && errcode === 0 && userId) return { ok: true, tenantKey: '', userId };
      logRefusal(log, 'dingtalk getbyunionid', r.status, r.body);
      if (attempt === 0 && APP_TOKEN_INVALID.has(errcode)) {
        app.dropToken();
        continue;
      }
      // 60121: not a member of this organisation (an outside account).
      return { ok: false, reason: errcode === 60121 ? 'denied' : 'unavailable' };
    }
    return { ok: false, reason: 'unavailable' };
  }

  return {
    platform: 'DINGTALK',
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
