// Web sign-in through a platform (Lark/Feishu web app login, DingTalk OAuth2, WeCom OAuth2): each
// platform's module builds the authorize URL the browser is sent to and turns the code the platform
// sends back into the account it vouches for (the same platform, tenant and user id chat uses). The
// state, the session and who may enter are the web surface's and the services' (src/web/platform-login.ts).
// No token, code or personal data is logged: failures are logged by platform, step and error code only.
import type { Logger } from '../log.js';
import type { Platform } from '../chat/types.js';

/** Time limit of every call to a platform during sign-in (the browser is waiting). */
export const WEB_LOGIN_TIMEOUT_MS = 8000;

export type WebLoginResult =
  | { ok: true; tenantKey: string; userId: string }
  /**
   * denied: the person declined, or is not an employee of the organisation (WeCom non-member);
   * code: the code is invalid, used or expired, or the user token was refused;
   * unavailable: the platform did not answer properly (timeout, 5xx, our credentials refused).
   */
  | { ok: false; reason: 'denied' | 'code' | 'unavailable' };

export interface WebLogin {
  readonly platform: Exclude<Platform, 'CONSOLE' | 'WECHATY'>;
  /** Where to send the browser; `state` is echoed back with the code to `redirectUri`. */
  authorizeUrl(state: string, redirectUri: string): string;
  /** The query of the callback (code or authCode, error) → the account. */
  identify(query: Record<string, string | undefined>, redirectUri: string): Promise<WebLoginResult>;
  /** Sign-in inside the platform's own client without a consent page, where offered (DingTalk H5 免登). */
  readonly inClient?: InClientLogin;
}

export interface InClientLogin {
  /** The organisation the page asks the client's JSAPI for a code of (DingTalk: the CorpId). */
  readonly corpId: string;
  /** The JSAPI for the browser, from the platform's npm package (served by us: no CDN). */
  script(): Buffer;
  /** The one-time code the JSAPI gave the page → the account. */
  identify(code: string): Promise<WebLoginResult>;
}

export type Json = Record<string, unknown>;

/**
 * One JSON call with a time limit. Never throws: a network failure or a timeout is status 0 (logged
 * as such, without the URL's query, which may hold a token).
 */
export async function callJson(log: Logger, step: string, url: string, init: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: Json } = {}): Promise<{ status: number; body: Json }> {
  try {
    const res = await fetch(url, {
      method: init.method ?? 'GET',
      headers: { accept: 'application/json', ...(init.body ? { 'content-type': 'application/json; charset=utf-8' } : {}), ...init.headers },
      body: init.body ? JSON.stringify(init.body) : undefined,
      signal: AbortSignal.timeout(WEB_LOGIN_TIMEOUT_MS),
      redirect: 'error',
    });
    const text = await res.text();
    let body: Json = {};
    try {
      const parsed: unknown = text ? JSON.parse(text) : {};
      body = parsed && typeof parsed === 'object' ? (parsed as Json) : {};
    } catch {
      body = {};
    }
    return { status: res.status, body };
  } catch (e) {
    log.warn({ step, error: (e as Error).name }, 'web sign-in: platform did not answer');
    return { status: 0, body: {} };
  }
}

/** Log a refused step by its codes only (never the body: it may carry tokens or names). */
export function logRefusal(log: Logger, step: string, status: number, body: Json): void {
  const code = body.code ?? body.errcode ?? body.error;
  log.warn({ step, status, code: typeof code === 'string' || typeof code === 'number' ? code : undefined }, 'web sign-in: platform refused');
}

export const text = (v: unknown): string => (typeof v === 'string' ? v : '');
