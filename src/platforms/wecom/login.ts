// WeCom web sign-in (网页授权登录) with a self-built app: the AI bot this adapter speaks through has no
// OAuth, so its corpid, agentid and secret are configured apart (WECOM_CORP_ID, WECOM_AGENT_ID,
// WECOM_APP_SECRET). The browser goes to open.weixin.qq.com/connect/oauth2/authorize (state: letters and
// digits, at most 128 bytes; works inside the WeCom client) and comes back with ?code&state; the code
// (once, 5 minutes) → GET /cgi-bin/auth/getuserinfo with the app's token → userid, the id chat knows.
import type { Logger } from '../../log.js';
import { logRefusal, text, type WebLogin } from '../web-login.js';
import type { WeComLoginConfig } from '../config.js';
import { weComApp } from './app.js';

export function weComWebLogin(config: WeComLoginConfig, log: Logger): WebLogin {
  const app = weComApp(config, log);

  return {
    platform: 'WECOM',
    authorizeUrl(state, redirectUri) {
      const q = new URLSearchParams({ appid: config.corpId, redirect_uri: redirectUri, response_type: 'code', scope: 'snsapi_base', state, agentid: config.agentId });
      return `${config.oauthBase}/connect/oauth2/authorize?${q}#wechat_redirect`;
    },
    async identify(query) {
      // Declined or not opened in WeCom: no code.
      if (!query.code) return { ok: false, reason: 'denied' };
      const r = await app.call('wecom getuserinfo', '/cgi-bin/auth/getuserinfo', { query: { code: query.code } });
      if (!r) return { ok: false, reason: 'unavailable' };
      const errcode = Number(r.body.errcode ?? -1);
      if (r.status === 200 && errcode === 0) {
        const userId = text(r.body.userid);
        // A non-member (openid / external_userid only) is not one of the organisation's people.
        return userId ? { ok: true, tenantKey: '', userId } : { ok: false, reason: 'denied' };
      }
      logRefusal(log, 'wecom getuserinfo', r.status, r.body);
      // 40029 invalid code (used, expired or made up).
      return { ok: false, reason: errcode === 40029 ? 'code' : 'unavailable' };
    },
  };
}
