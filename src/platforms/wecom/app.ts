// The WeCom self-built app (WECOM_CORP_ID, WECOM_AGENT_ID, WECOM_APP_SECRET): the AI bot this adapter
// speaks through has neither OAuth nor contacts, so web sign-in (./login.ts) and directory matching
// (../directory.ts) go through this app and its access token.
import type { Logger } from '../../log.js';
import { callJson, logRefusal, text } from '../web-login.js';
import type { WeComLoginConfig } from '../config.js';

/** errcodes meaning the app token is invalid (40014, 41001) or expired (42001): fetch it again once. */
export const WECOM_TOKEN_INVALID = new Set([40014, 41001, 42001]);

export interface WeComAppToken {
  /** The cached token, or a fresh one (undefined: WeCom refused or did not answer; logged by step and code). */
  get(): Promise<string | undefined>;
  /** Forget the cached token (WeCom said it is invalid or expired). */
  reset(): void;
}

export function weComAppToken(config: WeComLoginConfig, log: Logger): WeComAppToken {
  let cached: { value: string; expiresAt: number } | undefined;
  return {
    async get() {
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
    reset() {
      cached = undefined;
    },
  };
}
