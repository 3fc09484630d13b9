// WeCom web sign-in (网页授权登录) with a self-built app: the AI bot this adapter speaks through has no
// OAuth, so its corpid, agentid and secret are configured apart (WECOM_CORP_ID, WECOM_AGENT_ID,
// WECOM_APP_SECRET). The browser goes to open.weixin.qq.com/connect/oauth2/authorize (state: letters and
// digits, at most 128 bytes; works inside the WeCom client) and comes back with ?code&state; the code
// (once, 5 minutes) → GET /cgi-bin/auth/getuserinfo with the app's token → userid, the id chat knows.
import type { Logger } from '../../log.js';
import { callJson, logRefusal, text, type WebLogin } from '../web-login.js';
import type { WeComLoginConfig } from '../config.js';
import { WECOM_TOKEN_INVALID, weComAppToken } from './app.js';

export function weComWebLogin(config: WeComLoginConfig, log: Logger): WebLogin {
  const appToken = weComAppToken(config, log);

  return {
    platform: 'WECOM',
    authorizeUrl(state, redirectUri) {
      const q = new URLSearchParams({ appid: config.corpId, redirect_uri: redirectUri, response_type: 'code', scope: 'snsapi_base', state, agentid: config.agentId });
      return `${config.oauthBase}/connect/oauth2/authorize?${q}#wechat_redirect`;
    },
    async identify(query) {
      // Declined or not opened in WeCom: no code.
      if (!query.code) return { ok: false, reason: 'denied' };
      for (let attempt = 0; attempt < 2; attempt++) {
        const token = await appToken.get();
        if (!token) return { ok: false, reason: 'unavailable' };
        const q = new URLSearchParams({ access_token: token, code: query.code });
        const r = await callJson(log, 'wecom getuserinfo', `${config.apiBase}/cgi-bin/auth/getuserinfo?${q}`);
        const errcode = Number(r.body.errcode ?? -1);
        if (r.status === 200 && errcode === 0) {
          const userId = text(r.body.userid);
          // A non-member (openid / external_userid only) is not one of the organisation's people.
          return userId ? { ok: true, tenantKey: '', userId } : { ok: false, reason: 'denied' };
        }
        logRefusal(log, 'wecom getuserinfo', r.status, r.body);
        if (attempt === 0 && WECOM_TOKEN_INVALID.has(errcode)) {
          appToken.reset();
          continue;
        }
        // 40029 invalid code (used, expired or made up).
        return { ok: false, reason: errcode === 40029 ? 'code' : 'unavailable' };
      }
      return { ok: false, reason: 'unavailable' };
    },
  };
}
