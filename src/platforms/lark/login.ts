// Lark/Feishu web app login (网页应用免登): the browser goes to the authorize page on the accounts host
// (accounts.feishu.cn / accounts.larksuite.com: /open-apis/authen/v1/authorize, which skips the consent
// screen inside the Lark client) and comes back with ?code&state; the SDK exchanges the code at the
// OAuth token endpoint (/oauth/v3/token, code valid 5 minutes and once) and reads the user with the
// user_access_token (GET /open-apis/authen/v1/user_info). The account is (tenant_key, open_id), as in chat.
import * as lark from '@larksuiteoapi/node-sdk';
import type { Logger } from '../../log.js';
import { sdkLogger } from '../sdk-log.js';
import { text, WEB_LOGIN_TIMEOUT_MS, type WebLogin } from '../web-login.js';
import type { LarkConfig } from './config.js';
import { withTimeout } from './sender.js';

/** The OAuth host of an official Open API host; a private deployment (or a test) sets LARK_OAUTH_BASE. */
export function larkOauthBase(config: LarkConfig): string {
  if (config.oauthBase) return config.oauthBase;
  const host = new URL(config.domain).host;
  if (host === 'open.feishu.cn') return 'https://accounts.feishu.cn';
  if (host === 'open.larksuite.com') return 'https://accounts.larksuite.com';
  return config.domain;
}

export function larkWebLogin(config: LarkConfig, log: Logger): WebLogin {
  const oauthBase = larkOauthBase(config);
  const client = new lark.Client({
    appId: config.appId,
    appSecret: config.appSecret,
    domain: config.domain,
    oauthBaseUrl: oauthBase,
    // The calls here carry the user's token (or none): no tenant token is fetched for them.
    disableTokenCache: true,
    httpInstance: withTimeout(lark.defaultHttpInstance as unknown as lark.HttpInstance, WEB_LOGIN_TIMEOUT_MS),
    logger: sdkLogger(log),
    loggerLevel: lark.LoggerLevel.error,
  });
  return {
    platform: 'LARK',
    authorizeUrl(state, redirectUri) {
      const q = new URLSearchParams({ client_id: config.appId, response_type: 'code', redirect_uri: redirectUri, state });
      return `${oauthBase}/open-apis/authen/v1/authorize?${q}`;
    },
    async identify(query, redirectUri) {
      // Declined: ?error=access_denied&state=…
      if (!query.code) return { ok: false, reason: query.error ? 'denied' : 'code' };
      let token: string;
      try {
        token = (await client.accessToken.retrieveByAuthorizationCode({ code: query.code, redirectUri })).accessToken;
      } catch (e) {
        const err = e as { statusCode?: number; code?: number; error?: string };
        log.warn({ step: 'lark token', status: err.statusCode, code: err.code, error: err.error }, 'web sign-in: platform refused');
        // invalid_grant and friends (4xx) are the code's fault; no answer or 5xx is the platform's.
        return { ok: false, reason: err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? 'code' : 'unavailable' };
      }
      try {
        const r = await client.authen.v1.userInfo.get({}, lark.withUserAccessToken(token));
        const openId = text(r.data?.open_id);
        if (r.code !== 0 || !openId) {
          log.warn({ step: 'lark user_info', code: r.code }, 'web sign-in: platform refused');
          return { ok: false, reason: 'code' };
        }
        return { ok: true, tenantKey: text(r.data?.tenant_key), userId: openId };
      } catch (e) {
        const res = (e as { response?: { status?: number; data?: { code?: number } } }).response;
        log.warn({ step: 'lark user_info', status: res?.status, code: res?.data?.code }, 'web sign-in: platform refused');
        // 99991668 / 99991677: the user token is invalid or expired.
        return { ok: false, reason: res?.status && res.status < 500 ? 'code' : 'unavailable' };
      }
    },
  };
}
