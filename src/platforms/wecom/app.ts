// The WeCom self-built app (WECOM_CORP_ID, WECOM_AGENT_ID, WECOM_APP_SECRET): the AI bot this adapter
// speaks through has neither OAuth nor contacts, so web sign-in (./login.ts) and directory matching
// (../directory.ts) go through this app and its access token.
import type { Logger } from '../../log.js';
import { callJson, logRefusal, text, type Json } from '../web-login.js';
import type { WeComLoginConfig } from '../config.js';

/** errcodes meaning the app token is invalid (40014, 41001) or expired (42001): fetch it again once. */
const WECOM_TOKEN_INVALID = new Set([40014, 41001, 42001]);

export interface WeComApp {
  /**
   * A call of the app's API with its token in the query (WeCom answers HTTP 200 and says in errcode what
   * went wrong). A token WeCom calls invalid or expired is logged under `step`, fetched again and the
   * call made once more. Undefined: no token (WeCom refused it or did not answer; logged).
   */
  call(step: string, path: string, init?: { query?: Record<string, string>; body?: Json }): Promise<{ status: number; body: Json } | undefined>;
}

export function weComApp(config: WeComLoginConfig, log: Logger): WeComApp {
  let cached: { value: string; expiresAt: number } | undefined;
  const token = {
    async get(): Promise<string | undefined> {
      if (cached && cached.expiresAt > Date.now()) return cached.value;
      const q = new URLSearchParams({ corpid: config.corpId, corpsecret: config.secret });
      const r = await callJson(log, 'wecom gettoken', `${config.apiBase}/cgi-bin/gettoken?${q}`);
      const value = text(r.body.access_token);
      if (r.status !== 200 || Number(r.body.errcode ?? 0) !== 0 || !value) {
        logRefusal(log, 'wecom gettoken', r.status, r.body);
        return undefined;
      }
      // Renewed five minutes early (7,200 s by default).
      cached = { value, expiresAt: Date.now() + (Number(r.body.expires_in) || 7200) * 1000 - 300_000 };
      return value;
    },
  };
  return {
    async call(step, path, init = {}) {
      for (let attempt = 0; ; attempt++) {
        const value = await token.get();
        if (!value) return undefined;
        const q = new URLSearchParams({ access_token: value, ...init.query });
        const r = await callJson(log, step, `${config.apiBase}${path}?${q}`, init.body ? { method: 'POST', body: init.body } : {});
        if (attempt > 0 || !WECOM_TOKEN_INVALID.has(Number(r.body.errcode))) return r;
        logRefusal(log, step, r.status, r.body);
        cached = undefined;
      }
    },
  };
}
