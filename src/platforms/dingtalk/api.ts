// A small DingTalk Open API client with configurable bases (api.dingtalk.com / oapi.dingtalk.com,
// or a 专有钉钉 / 浙政钉 deployment's): the app access token cached until shortly before it expires
// and fetched again when the platform says it is invalid; robot group and batch direct messages;
// card create-and-deliver and update; sessionWebhook posts. Failures become SendError: throttling
// and the monthly quota are retryable with a retry-after, other 4xx are not.
import type { Logger } from '../../log.js';
import { SendError, type Downloaded } from '../types.js';
import { fetchLimited } from '../download.js';
import type { DingTalkConfig } from './config.js';

type Json = Record<string, unknown>;

/** Error codes meaning "too many calls": throttling and the org's monthly API quota (90020 and friends). */
const THROTTLED = /throttl|ratelimit|qps|flowcontrol|ApiCountLimit|90018|90020|130101/i;
const TOKEN_INVALID = /InvalidAuthentication|accesstoken|access_token|token.*(expired|invalid)|40014|42001/i;
/** Legacy (oapi) errcodes meaning "the app token is invalid or expired". */
const OAPI_TOKEN_INVALID = new Set([40014, 42001, 88]);

export interface DingTalkApiOptions {
  /** Wait after a throttling answer without a Retry-After header. */
  throttleRetryMs: number;
  /** Wait after the org's monthly quota is used up. */
  quotaRetryMs: number;
  /** Time limit per call. */
  timeoutMs: number;
  /** Wait before a recipient DingTalk named in flowControlledStaffIdList is tried again. */
  flowControlRetryMs: number;
}

const DEFAULTS: DingTalkApiOptions = { throttleRetryMs: 1000, quotaRetryMs: 60 * 60_000, timeoutMs: 10_000, flowControlRetryMs: 60_000 };

/** What oToMessages/batchSend answers (200 even when some recipients were not reached). */
export interface BatchSendResult {
  processQueryKey: string;
  /** 推送频繁，被限流的用户: not sent now, to be tried later. */
  flowControlled: string[];
  /** Not valid recipients of this robot: never sent. */
  invalid: string[];
}

/**
 * A robot webhook (sessionWebhook) answered 130101 "send too fast": DingTalk allows 20 messages a
 * minute per robot webhook and then blocks it for 10 minutes.
 */
export const SESSION_WEBHOOK_BLOCK_MS = 10 * 60_000;

export class DingTalkApi {
  private token: { value: string; expiresAt: number } | undefined;
  private fetching: Promise<string> | undefined;
  private readonly opts: DingTalkApiOptions;

  constructor(
    readonly config: DingTalkConfig,
    private readonly log: Logger,
    opts: Partial<DingTalkApiOptions> = {},
  ) {
    this.opts = { ...DEFAULTS, ...opts };
  }

  /** The app access token, from cache while valid (renewed 5 minutes early, or at 90 % of short lifetimes). */
  async accessToken(): Promise<string> {
    if (this.token && this.token.expiresAt > Date.now()) return this.token.value;
    this.fetching ??= this.fetchToken().finally(() => (this.fetching = undefined));
    return this.fetching;
  }

  dropToken(): void {
    this.token = undefined;
  }

  private async fetchToken(): Promise<string> {
    const res = await this.http('POST', `${this.config.apiBase}/v1.0/oauth2/accessToken`, { appKey: this.config.clientId, appSecret: this.config.clientSecret });
    let value: string | undefined;
    let expireIn = 0;
    if (res.status === 404) {
      // Deployments without the new gateway: the legacy token (same lifetime, same use).
      const legacy = await this.http('GET', `${this.config.oapiBase}/gettoken?appkey=${encodeURIComponent(this.config.clientId)}&appsecret=${encodeURIComponent(this.config.clientSecret)}`);
      value = typeof legacy.body.access_token === 'string' ? legacy.body.access_token : undefined;
      expireIn = Number(legacy.body.expires_in ?? 0);
      if (!value) throw this.failure('access token (legacy)', legacy.status, legacy.body, legacy.headers);
    } else {
      value = typeof res.body.accessToken === 'string' ? res.body.accessToken : undefined;
      expireIn = Number(res.body.expireIn ?? 0);
      if (!value) throw this.failure('access token', res.status, res.body, res.headers);
    }
    const lifeMs = Math.max(1, expireIn) * 1000;
    this.token = { value, expiresAt: Date.now() + Math.min(lifeMs - 300_000, lifeMs * 0.9) };
    return value;
  }

  /** An authenticated Open API call; an invalid token is dropped and the call made once more. */
  async call(what: string, method: 'POST' | 'PUT', path: string, body: Json): Promise<Json> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.accessToken();
      const res = await this.http(method, `${this.config.apiBase}${path}`, body, { 'x-acs-dingtalk-access-token': token });
      if (res.status >= 200 && res.status < 300) return res.body;
      const code = String(res.body.code ?? res.body.errcode ?? '');
      if (attempt === 0 && (res.status === 401 || TOKEN_INVALID.test(code))) {
        this.log.info({ status: res.status, code }, 'dingtalk token rejected; fetching a new one');
        if (this.token?.value === token) this.dropToken();
        continue;
      }
      throw this.failure(what, res.status, res.body, res.headers);
    }
  }

  /**
   * A legacy oapi call (the app token in the query; always HTTP 200, errcode says what went wrong). A
   * token DingTalk calls invalid or expired is logged under `step`, dropped, and the call made once more.
   */
  async oapi(step: string, path: string, body: Json): Promise<{ status: number; body: Json }> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.accessToken();
      const res = await this.http('POST', `${this.config.oapiBase}${path}?access_token=${encodeURIComponent(token)}`, body);
      const errcode = Number(res.body.errcode);
      if (attempt === 0 && OAPI_TOKEN_INVALID.has(errcode)) {
        this.log.warn({ step, status: res.status, code: errcode }, 'dingtalk token rejected; fetching a new one');
        if (this.token?.value === token) this.dropToken();
        continue;
      }
      return { status: res.status, body: res.body };
    }
  }

  /** POST to a chat's sessionWebhook (no token). Throws SendError; `expired` when the webhook is no longer usable. */
  async session(url: string, body: Json): Promise<void> {
    const res = await this.http('POST', url, body);
    const errcode = Number(res.body.errcode ?? 0);
    if (res.status >= 200 && res.status < 300 && errcode === 0) return;
    if (errcode === 130101) throw new SessionWebhookThrottled(`dingtalk session webhook: 130101 ${String(res.body.errmsg ?? '').slice(0, 100)}`.trim());
    const err = this.failure('session webhook', res.status, res.body, res.headers);
    if (err.retryable && err.retryAfterMs !== undefined) throw err;
    throw new SessionWebhookGone(err.message);
  }

  private failure(what: string, status: number, body: Json, headers: Headers | undefined): SendError {
    const code = String(body.code ?? body.errcode ?? '');
    const message = String(body.message ?? body.errmsg ?? '').slice(0, 200);
    if (status === 429 || THROTTLED.test(code) || THROTTLED.test(message)) {
      const quota = /ApiCountLimit|90020/i.test(`${code} ${message}`);
      const after = Number(headers?.get('retry-after'));
      const retryAfterMs = Number.isFinite(after) && after > 0 ? after * 1000 : quota ? this.opts.quotaRetryMs : this.opts.throttleRetryMs;
      return new SendError(`dingtalk ${what}: ${quota ? 'monthly API quota used up' : 'rate limited'} (${status} ${code})`, true, retryAfterMs);
    }
    if (status === 0 || status >= 500) return new SendError(`dingtalk ${what}: ${status || 'network error'} ${code}`.trim(), true);
    return new SendError(`dingtalk ${what}: HTTP ${status} ${code} ${message}`.trim(), false);
  }

  private async http(method: string, url: string, body?: Json, headers: Record<string, string> = {}): Promise<{ status: number; body: Json; headers?: Headers }> {
    try {
      const res = await fetch(url, {
        method,
        headers: { accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
      const text = await res.text();
      let parsed: Json = {};
      try {
        parsed = text ? (JSON.parse(text) as Json) : {};
      } catch {
        parsed = {};
      }
      return { status: res.status, body: parsed, headers: res.headers };
    } catch (e) {
      this.log.debug({ err: e }, 'dingtalk request failed');
      return { status: 0, body: {} };
    }
  }

  /**
   * A picture or file a member sent the robot (下载机器人接收消息的文件内容): POST
   * /v1.0/robot/messageFiles/download {downloadCode, robotCode} → {downloadUrl}, a short-lived link
   * fetched at once. The downloadCode expires and works only with the robot that received it.
   */
  async downloadFile(downloadCode: string, maxBytes: number): Promise<Downloaded> {
    const r = await this.call('download file', 'POST', '/v1.0/robot/messageFiles/download', { downloadCode, robotCode: this.config.robotCode });
    const url = typeof r.downloadUrl === 'string' ? r.downloadUrl : '';
    if (!url) throw new SendError('dingtalk download file: no downloadUrl in the answer', true);
    return fetchLimited('dingtalk download file', url, maxBytes, this.opts.timeoutMs);
  }

  // ── robot messages and cards ──

  async groupSend(openConversationId: string, msgKey: string, msgParam: Json): Promise<string> {
    const r = await this.call('group message', 'POST', '/v1.0/robot/groupMessages/send', { robotCode: this.config.robotCode, openConversationId, msgKey, msgParam: JSON.stringify(msgParam) });
    return String(r.processQueryKey ?? '');
  }

  /**
   * Direct messages to at most 20 users per call. DingTalk answers 200 with the recipients it did not
   * reach: flowControlledStaffIdList (throttled) and invalidStaffIdList (BatchSendOTOResponseBody).
   */
  async batchSend(userIds: string[], msgKey: string, msgParam: Json): Promise<BatchSendResult> {
    if (!userIds.length || userIds.length > 20) throw new SendError(`dingtalk batch send: ${userIds.length} users (1–20 per call)`, false);
    const r = await this.call('direct message', 'POST', '/v1.0/robot/oToMessages/batchSend', { robotCode: this.config.robotCode, userIds, msgKey, msgParam: JSON.stringify(msgParam) });
    const ids = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
    return { processQueryKey: String(r.processQueryKey ?? ''), flowControlled: ids(r.flowControlledStaffIdList), invalid: ids(r.invalidStaffIdList) };
  }

  /** One user's direct message; a throttled recipient is retryable, an invalid one is not. */
  async directSend(userId: string, msgKey: string, msgParam: Json): Promise<string> {
    const r = await this.batchSend([userId], msgKey, msgParam);
    if (r.invalid.includes(userId)) throw new SendError(`dingtalk direct message: ${userId} is in invalidStaffIdList (not a user this robot can reach)`, false);
    if (r.flowControlled.includes(userId)) throw new SendError(`dingtalk direct message: ${userId} is in flowControlledStaffIdList (throttled by DingTalk)`, true, this.opts.flowControlRetryMs);
    return r.processQueryKey;
  }

  async createAndDeliver(outTrackId: string, to: { group?: string; user?: string }, cardParamMap: Record<string, string>): Promise<void> {
    if (!this.config.cardTemplateId) throw new SendError('dingtalk card: no template id configured', false);
    const body: Json = {
      cardTemplateId: this.config.cardTemplateId,
      outTrackId,
      callbackType: 'STREAM',
      cardData: { cardParamMap },
      userIdType: 1,
    };
    if (to.group) {
      body.openSpaceId = `dtv1.card//IM_GROUP.${to.group}`;
      body.imGroupOpenSpaceModel = { supportForward: false };
      body.imGroupOpenDeliverModel = { robotCode: this.config.robotCode };
    } else {
      body.openSpaceId = `dtv1.card//IM_ROBOT.${to.user}`;
      body.imRobotOpenSpaceModel = { supportForward: false };
      body.imRobotOpenDeliverModel = { spaceType: 'IM_ROBOT', robotCode: this.config.robotCode };
    }
    const r = await this.call('card create', 'POST', '/v1.0/card/instances/createAndDeliver', body);
    const results = ((r.result as Json | undefined)?.deliverResults as Array<{ success?: boolean; errorMsg?: string }> | undefined) ?? [];
    const failed = results.find((x) => x.success === false);
    if (failed) throw new SendError(`dingtalk card deliver failed: ${String(failed.errorMsg ?? '').slice(0, 200)}`, false);
  }

  async updateCard(outTrackId: string, cardParamMap: Record<string, string>): Promise<void> {
    await this.call('card update', 'PUT', '/v1.0/card/instances', { outTrackId, cardData: { cardParamMap }, cardUpdateOptions: { updateCardDataByKey: true } });
  }
}

/** The sessionWebhook is expired or refused: send through the Open API instead. */
export class SessionWebhookGone extends Error {}

/** The sessionWebhook answered 130101: blocked for SESSION_WEBHOOK_BLOCK_MS; send through the Open API meanwhile. */
export class SessionWebhookThrottled extends Error {}
