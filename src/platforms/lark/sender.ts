// Lark/Feishu Open API through the official SDK client: send (uuid = idempotency key), patch a
// shared card, list chat members, delayed card update. Failures become SendError with the
// platform's retry-after; an invalidated tenant token is dropped and fetched again once.
import { createHash } from 'node:crypto';
import * as lark from '@larksuiteoapi/node-sdk';
import type { Card } from '../../chat/card.js';
import type { Logger } from '../../log.js';
import { AttachmentTooLarge, type Capabilities, type Downloaded, type PlatformSender, type SendRequest, SendError } from '../types.js';
import { readLimited } from '../download.js';
import { withTimeout as deadline } from '../../util/timeout.js';
import type { LarkConfig } from './config.js';
import { LARK_INPUT_MAX_LENGTH, larkCardFits, renderLarkCard } from './card.js';
import { pageCard, textPages } from '../render.js';
import { sdkLogger } from '../sdk-log.js';

/** Time limit of every Open API call (a hanging platform must not hold a delivery slot). */
export const LARK_TIMEOUT_MS = 10_000;

export const LARK_CAPABILITIES: Capabilities = { cardUpdate: true, forms: true, memberList: true, directMessages: true, idempotentSend: true, formFieldMaxLength: LARK_INPUT_MAX_LENGTH };

/** Token codes meaning "the tenant_access_token is no longer valid". */
const TOKEN_INVALID = new Set([99991663, 99991661, 99991668, 99991671]);
/** The gateway's frequency limit (HTTP 429, old APIs 400), with x-ogw-ratelimit-reset. */
const RATE_LIMITED = 99991400;
/**
 * Message-API limits answered with HTTP 400 and no reset header: 230020 the per-chat limit (5 QPS
 * per group shared by its bots, 5 QPS per user; docs/platforms/lark.md), 11232 the message
 * service's own limit. Retried after a pause, never given up.
 */
const SEND_LIMITED = new Set([230020, 11232]);
const SEND_LIMITED_RETRY_MS = 1000;

/** The SDK's axios instance with a time limit on every call (the SDK sets none). */
export function withTimeout(inner: lark.HttpInstance, ms: number): lark.HttpInstance {
  const t = <D>(o?: lark.HttpRequestOptions<D>): lark.HttpRequestOptions<D> => ({ ...o, timeout: o?.timeout ?? ms });
  return {
    request: (o) => inner.request(t(o)),
    get: (url, o) => inner.get(url, t(o)),
    delete: (url, o) => inner.delete(url, t(o)),
    head: (url, o) => inner.head(url, t(o)),
    options: (url, o) => inner.options(url, t(o)),
    post: (url, data, o) => inner.post(url, data, t(o)),
    put: (url, data, o) => inner.put(url, data, t(o)),
    patch: (url, data, o) => inner.patch(url, data, t(o)),
  };
}

/** A per-client token cache (the SDK default is process-wide and keyed only by app id). */
class TokenCache {
  private readonly map = new Map<string, { value: unknown; expireAt: number }>();
  async get(key: string | symbol | Symbol, opts?: { namespace?: string }) {
    const e = this.map.get(`${opts?.namespace ?? ''}/${String(key)}`);
    if (!e) return undefined;
    if (e.expireAt && e.expireAt < Date.now()) return undefined;
    return e.value;
  }
  async set(key: string | symbol | Symbol, value: unknown, expireAt?: number, opts?: { namespace?: string }) {
    this.map.set(`${opts?.namespace ?? ''}/${String(key)}`, { value, expireAt: expireAt ?? 0 });
    return true;
  }
  clear() {
    this.map.clear();
  }
}

interface ApiError {
  response?: { status?: number; headers?: Record<string, unknown>; data?: { code?: number; msg?: string } };
  code?: string;
  message?: string;
}

export class LarkApi {
  readonly client: lark.Client;
  private readonly cache = new TokenCache();

  constructor(readonly config: LarkConfig, private readonly log: Logger) {
    this.client = new lark.Client({
      appId: config.appId,
      appSecret: config.appSecret,
      domain: config.domain,
      cache: this.cache,
      httpInstance: withTimeout(lark.defaultHttpInstance as unknown as lark.HttpInstance, config.timeoutMs ?? LARK_TIMEOUT_MS),
      // Failures are thrown to us and classified; the SDK's own log lines go to pino as one line each.
      logger: sdkLogger(log),
      loggerLevel: lark.LoggerLevel.error,
    });
  }

  /** Run an API call; on an invalidated token drop the cache and try once more. */
  async call<T extends { code?: number; msg?: string }>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      let res: T;
      try {
        res = await fn();
      } catch (e) {
        if (e instanceof AttachmentTooLarge) throw e;
        const err = e as ApiError;
        const code = err.response?.data?.code;
        if (code !== undefined && TOKEN_INVALID.has(code) && attempt === 0) {
          this.log.info({ code }, 'lark token rejected; fetching a new one');
          this.cache.clear();
          continue;
        }
        throw toSendError(what, err);
      }
      if (res.code !== undefined && res.code !== 0) {
        if (TOKEN_INVALID.has(res.code) && attempt === 0) {
          this.cache.clear();
          continue;
        }
        const limited = res.code === RATE_LIMITED || SEND_LIMITED.has(res.code);
        throw new SendError(`${what}: code ${res.code} ${res.msg ?? ''}`.trim(), limited, limited ? SEND_LIMITED_RETRY_MS : undefined);
      }
      return res;
    }
  }

  async members(chatId: string): Promise<string[]> {
    const ids: string[] = [];
    let pageToken: string | undefined;
    do {
      const r = await this.call('list members', () =>
        this.client.im.v1.chatMembers.get({ path: { chat_id: chatId }, params: { member_id_type: 'open_id', page_size: 100, ...(pageToken ? { page_token: pageToken } : {}) } }),
      );
      for (const m of r.data?.items ?? []) if (m.member_id) ids.push(m.member_id);
      pageToken = r.data?.has_more ? r.data.page_token : undefined;
    } while (pageToken);
    return ids;
  }

  /**
   * A picture or file from a received message (获取消息中的资源文件, GET
   * /open-apis/im/v1/messages/:message_id/resources/:file_key?type=image|file): the body is the
   * file, an error is JSON ({code, msg}; 234003 not in this message, 234037 over Lark's 100 MB).
   * `key` is "<message_id>/<file_key>" (readLarkContent). The body is read within the call's time.
   */
  async download(key: string, kind: string, maxBytes: number): Promise<Downloaded> {
    const at = key.indexOf('/');
    if (at <= 0) throw new SendError('download resource: no message id in the key', false);
    const path = { message_id: key.slice(0, at), file_key: key.slice(at + 1) };
    const type = kind === 'image' ? 'image' : 'file';
    const ms = this.config.timeoutMs ?? LARK_TIMEOUT_MS;
    const r = await this.call('download resource', async () => {
      try {
        const res = await this.client.im.v1.messageResource.get({ path, params: { type } });
        const headers = res.headers as Record<string, string | undefined>;
        const bytes = await deadline(readLimited(res.getReadableStream(), maxBytes, headers['content-length'] ? Number(headers['content-length']) : undefined), ms, 'download resource');
        return { code: 0, file: { bytes, mime: headers['content-type']?.split(';')[0]?.trim() || undefined } };
      } catch (e) {
        // The error body of a stream request is a stream too: read its {code, msg}.
        const err = e as ApiError & { response?: { data?: unknown } };
        const data = err.response?.data as AsyncIterable<Uint8Array> | undefined;
        if (data && typeof data === 'object' && Symbol.asyncIterator in data) {
          const text = (await readLimited(data, 64 * 1024).catch(() => Buffer.alloc(0))).toString('utf8');
          try {
            err.response!.data = JSON.parse(text) as { code?: number; msg?: string };
          } catch {
            err.response!.data = {};
          }
        }
        if ((err.response?.data as { code?: number } | undefined)?.code === 234037) throw new AttachmentTooLarge(maxBytes);
        if (e instanceof Error && e.name === 'TimeoutError') throw new SendError('download resource: timed out', true);
        throw e;
      }
    });
    return r.file;
  }

  /** Delayed update of a clicked card with the callback token (valid 30 min, few uses). */
  async delayedUpdate(token: string, card: Card): Promise<void> {
    await this.call('delayed card update', () =>
      this.client.request<{ code?: number; msg?: string }>({ method: 'POST', url: '/open-apis/interactive/v1/card/update', data: { token, card: renderLarkCard(card) } }),
    );
  }
}

function toSendError(what: string, err: ApiError): SendError {
  const status = err.response?.status;
  const code = err.response?.data?.code;
  if (status === 429 || code === RATE_LIMITED) {
    const reset = Number(err.response?.headers?.['x-ogw-ratelimit-reset']);
    return new SendError(`${what}: rate limited (${status ?? ''} ${code ?? ''})`, true, Number.isFinite(reset) && reset > 0 ? reset * 1000 : 1000);
  }
  if (code !== undefined && SEND_LIMITED.has(code)) return new SendError(`${what}: chat rate limited (${status ?? ''} ${code})`, true, SEND_LIMITED_RETRY_MS);
  if (status === undefined || status >= 500) return new SendError(`${what}: ${status ?? err.code ?? err.message ?? 'network error'}`, true);
  return new SendError(`${what}: HTTP ${status} code ${code ?? '?'} ${err.response?.data?.msg ?? ''}`.trim(), false);
}

/**
 * A text message's request body is at most 150 KB (发送消息: 文本消息请求体最大不能超过150KB; over it
 * 230025). The text is escaped twice on the way (JSON in the JSON string `content`): pages are
 * measured that way, with 2 KB left for the rest of the body.
 */
export const LARK_TEXT_MAX_BYTES = 150 * 1024;
const escapedBytes = (s: string) => Buffer.byteLength(JSON.stringify(JSON.stringify(s))) - 6;
export const larkTextPages = (text: string) => textPages(text, escapedBytes, LARK_TEXT_MAX_BYTES - 2048);

/** Lark's uuid (idempotency key) is at most 50 characters: a digest of our dedupe key. */
export const larkUuid = (key: string) => createHash('sha256').update(key).digest('base64url').slice(0, 40);

export function larkSender(api: LarkApi): PlatformSender {
  return {
    platform: 'LARK',
    capabilities: LARK_CAPABILITIES,
    async send({ to, body, key, originalMessageId }: SendRequest) {
      if (body.kind === 'card_update') {
        if (!originalMessageId) throw new SendError('card update without the original message', false);
        // A card over 30 KB is refused: the update shows the first page (the rest went out with the card).
        const card = pageCard(body.card, larkCardFits)[0]!;
        await api.call('patch card', () => api.client.im.v1.message.patch({ path: { message_id: originalMessageId }, data: { content: JSON.stringify(renderLarkCard(card)) } }));
        return { messageId: originalMessageId };
      }
      const create = async (msgType: 'text' | 'interactive', content: string, uuid: string) => {
        const r = await api.call('send message', () =>
          api.client.im.v1.message.create({ params: { receive_id_type: to.targetKind === 'GROUP' ? 'chat_id' : 'open_id' }, data: { receive_id: to.target, msg_type: msgType, content, uuid } }),
        );
        const messageId = r.data?.message_id;
        if (!messageId) throw new SendError('send message: no message id in the answer', true);
        return messageId;
      };
      // Text over Lark's 150 KB request body goes out as several messages (each its own uuid), split between lines.
      if (body.kind === 'text') {
        const [first = '', ...rest] = larkTextPages(body.text);
        const messageId = await create('text', JSON.stringify({ text: first }), larkUuid(key));
        for (const [i, page] of rest.entries()) await create('text', JSON.stringify({ text: page }), larkUuid(`${key}#page${i + 2}`));
        return { messageId };
      }
      // A card over 30 KB goes out as pages (更多…, 续 2/3); each page has its own uuid, so a retry
      // after a partial send re-sends nothing twice. The first page is the card (updates go to it).
      const pages = pageCard(body.card, larkCardFits);
      const messageId = await create('interactive', JSON.stringify(renderLarkCard(pages[0]!)), larkUuid(key));
      for (const [i, page] of pages.slice(1).entries()) await create('interactive', JSON.stringify(renderLarkCard(page)), larkUuid(`${key}#page${i + 2}`));
      return { messageId };
    },
    download: (a, maxBytes) => api.download(a.key, a.kind, maxBytes),
  };
}
