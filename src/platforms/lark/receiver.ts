// Lark/Feishu receiver: one EventDispatcher for `im.message.receive_v1`, `card.action.trigger` and
// `im.chat.member.bot.added_v1` (the bot added to a group),
// fed by the long connection (WSClient, default) or by HTTP callbacks on our server (webhook mode:
// signature checked over the raw body, AES-decrypted by the SDK).
import { createHash, timingSafeEqual } from 'node:crypto';
import * as lark from '@larksuiteoapi/node-sdk';
import type { FastifyInstance } from 'fastify';
import type { ActionAck, Attachment, InboundAction, InboundJoined, InboundMessage } from '../../chat/types.js';
import type { AdapterDeps, Receiver } from '../adapter.js';
import { InboundPipeline } from '../pipeline.js';
import { sdkLogger } from '../sdk-log.js';
import { fresh } from '../freshness.js';
import type { LarkConfig } from './config.js';
import { larkFormValues, renderLarkCard } from './card.js';
import type { LarkApi } from './sender.js';

interface LarkMessageEvent {
  event_id?: string;
  tenant_key?: string;
  sender?: { sender_id?: { open_id?: string }; sender_type?: string };
  message?: { message_id?: string; chat_id?: string; chat_type?: string; message_type?: string; content?: string; mentions?: Array<{ key?: string }> };
}

/** 机器人进群 (im.chat.member.bot.added_v1): the bot was added to a group; operator_id is who added it. */
interface LarkBotAddedEvent {
  event_id?: string;
  tenant_key?: string;
  chat_id?: string;
  operator_id?: { open_id?: string };
  name?: string;
}

interface LarkCardEvent {
  event_id?: string;
  tenant_key?: string;
  token?: string;
  operator?: { open_id?: string; tenant_key?: string };
  action?: { value?: unknown; form_value?: unknown; name?: string };
  context?: { open_message_id?: string; open_chat_id?: string };
}

type Json = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' ? v : '');

/**
 * The text and attachments of a received message (接收消息内容结构): `text` {text}; `post` {title,
 * content: paragraphs of elements: text / a / at / img / media / emotion / code_block …}, also
 * accepted with a locale wrapper ({zh_cn: {…}}); `image` {image_key}; `file` {file_key, file_name};
 * `audio` {file_key}; `media` {file_key, file_name}. Anything else is unsupported.
 */
export function readLarkContent(type: string, content: string | undefined): { text: string; attachments: Attachment[]; unsupported?: string } {
  let c: Json = {};
  try {
    const parsed = JSON.parse(content ?? '{}') as unknown;
    if (parsed && typeof parsed === 'object') c = parsed as Json;
  } catch {
    return { text: '', attachments: [], unsupported: type || 'unknown' };
  }
  switch (type) {
    case 'text':
      return { text: str(c.text), attachments: [] };
    case 'post': {
      const body = (Array.isArray(c.content) ? c : (Object.values(c).find((v) => v && typeof v === 'object' && Array.isArray((v as Json).content)) ?? {})) as Json;
      const attachments: Attachment[] = [];
      const lines: string[] = [];
      if (str(body.title)) lines.push(str(body.title));
      for (const para of (body.content as unknown[] | undefined) ?? []) {
        let line = '';
        for (const el of Array.isArray(para) ? (para as Json[]) : []) {
          if (el.tag === 'text' || el.tag === 'a' || el.tag === 'code_block' || el.tag === 'md') line += str(el.text);
          else if (el.tag === 'at') line += ` ${str(el.user_id)} `; // '@_user_N', removed with the mentions
          else if (el.tag === 'img' && str(el.image_key)) attachments.push({ kind: 'image', key: str(el.image_key) });
          else if (el.tag === 'media' && str(el.file_key)) attachments.push({ kind: 'video', key: str(el.file_key) });
        }
        lines.push(line);
      }
      return { text: lines.join('\n'), attachments };
    }
    case 'image':
      return str(c.image_key) ? { text: '', attachments: [{ kind: 'image', key: str(c.image_key) }] } : { text: '', attachments: [], unsupported: type };
    case 'file':
    case 'audio':
    case 'media': {
      const kind = type === 'file' ? 'file' : type === 'audio' ? 'audio' : 'video';
      if (!str(c.file_key)) return { text: '', attachments: [], unsupported: type };
      return { text: '', attachments: [{ kind, key: str(c.file_key), ...(str(c.file_name) ? { name: str(c.file_name) } : {}) }] };
    }
    default:
      return { text: '', attachments: [], unsupported: type || 'unknown' };
  }
}

export function larkAck(ack: ActionAck): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (ack.toast) out.toast = { type: ack.toast.type, content: ack.toast.text };
  if (ack.card) out.card = { type: 'raw', data: renderLarkCard(ack.card) };
  return out;
}

/**
 * Oldest signed request accepted. Lark pushes an event again 15 s, 5 min, 1 h and 6 h after a
 * failed push (about 7.1 h in all) and does not document whether a redelivery carries a new
 * X-Lark-Request-Timestamp: the window covers the whole redelivery span, so a genuine
 * redelivery is never refused even if it keeps the first timestamp (docs/platforms/lark.md).
 */
export const LARK_MAX_REQUEST_AGE_S = 8 * 3600;
export class LarkReceiver implements Receiver {
  readonly pipeline: InboundPipeline;
  readonly dispatcher: lark.EventDispatcher;
  private ws: lark.WSClient | undefined;

  constructor(
    private readonly config: LarkConfig,
    private readonly api: LarkApi,
    private readonly deps: AdapterDeps,
  ) {
    this.pipeline = new InboundPipeline(deps, 'LARK');
    this.dispatcher = new lark.EventDispatcher({ encryptKey: config.encryptKey, verificationToken: config.verificationToken, logger: sdkLogger(deps.log), loggerLevel: lark.LoggerLevel.warn }).register({
      'im.message.receive_v1': async (d: LarkMessageEvent) => {
        await this.onMessage(d);
      },
      'card.action.trigger': async (d: LarkCardEvent) => this.onCardAction(d),
      'im.chat.member.bot.added_v1': async (d: LarkBotAddedEvent) => {
        await this.onBotAdded(d);
      },
    });
  }

  private async onMessage(d: LarkMessageEvent): Promise<void> {
    const m = d.message;
    const userId = d.sender?.sender_id?.open_id;
    if (!m?.chat_id || !userId || !d.event_id || d.sender?.sender_type === 'app') return;
    // Every message type gets an answer: text and rich text are read, pictures and files are
    // acknowledged, anything else is told what the bot reads (docs/platforms/lark.md).
    const read = readLarkContent(m.message_type ?? '', m.content);
    let text = read.text;
    for (const mention of m.mentions ?? []) if (mention.key) text = text.split(mention.key).join(' ');
    const direct = m.chat_type === 'p2p';
    const inbound: InboundMessage = {
      kind: 'message',
      platform: 'LARK',
      tenantKey: d.tenant_key ?? '',
      eventId: d.event_id,
      // Direct chats are keyed by the user (the id the sender addresses them by).
      chat: direct ? { id: userId, kind: 'DIRECT' } : { id: m.chat_id, kind: 'GROUP' },
      user: { id: userId },
      text: text.trim(),
      // A resource is fetched by message and key (获取消息中的资源文件): the key carries both.
      ...(read.attachments.length ? { attachments: read.attachments.map((a) => ({ ...a, key: `${m.message_id ?? ''}/${a.key}` })) } : {}),
      ...(read.unsupported ? { unsupported: read.unsupported } : {}),
    };
    await this.pipeline.message(inbound);
  }

  private async onBotAdded(d: LarkBotAddedEvent): Promise<void> {
    const userId = d.operator_id?.open_id;
    if (!d.chat_id || !userId || !d.event_id) return;
    const inbound: InboundJoined = {
      kind: 'joined',
      platform: 'LARK',
      tenantKey: d.tenant_key ?? '',
      eventId: d.event_id,
      chat: { id: d.chat_id, kind: 'GROUP', ...(d.name ? { title: d.name } : {}) },
      user: { id: userId },
    };
    await this.pipeline.message(inbound);
  }

  private async onCardAction(d: LarkCardEvent): Promise<Record<string, unknown>> {
    const value = d.action?.value as { t?: unknown } | undefined;
    const userId = d.operator?.open_id;
    const token = typeof value?.t === 'string' ? value.t : '';
    if (!userId || !d.event_id) return {};
    const messageId = d.context?.open_message_id;
    // open_chat_id does not say a direct chat from a group (we key direct chats by the user): the
    // core takes the chat from the card's own outbox row, found by its message id.
    const inbound: InboundAction = {
      kind: 'action',
      platform: 'LARK',
      tenantKey: d.tenant_key ?? d.operator?.tenant_key ?? '',
      eventId: d.event_id,
      chat: { id: d.context?.open_chat_id ?? userId, kind: 'GROUP' },
      cardMessageId: messageId,
      user: { id: userId },
      token,
      form: larkFormValues(d.action?.form_value),
    };
    const callbackToken = d.token;
    const outcome = await this.pipeline.action(inbound, {
      deadlineMs: this.config.cardAckMs,
      late: callbackToken ? (ack) => (ack.card ? this.api.delayedUpdate(callbackToken, ack.card) : Promise.resolve()) : undefined,
    });
    return larkAck(outcome.ack);
  }

  async start(): Promise<void> {
    if (this.config.mode !== 'ws') return;
    await new Promise<void>((resolve, reject) => {
      this.ws = new lark.WSClient({
        appId: this.config.appId,
        appSecret: this.config.appSecret,
        domain: this.config.domain,
        autoReconnect: this.config.autoReconnect,
        logger: sdkLogger(this.deps.log),
        loggerLevel: lark.LoggerLevel.warn,
        onReady: () => resolve(),
        onError: (e: Error) => reject(e),
      });
      void this.ws.start({ eventDispatcher: this.dispatcher });
    });
    this.deps.log.info({ platform: 'LARK' }, 'lark long connection ready');
  }

  async stop(): Promise<void> {
    this.ws?.close({ force: true });
    this.ws = undefined;
    await this.pipeline.drain();
  }

  /** Webhook mode: the event/callback URL on our server. */
  routes(server: FastifyInstance): void {
    if (this.config.mode !== 'webhook') return;
    const path = this.config.webhookPath;
    void server.register(async (scope) => {
      // The signature covers the exact bytes sent: keep the raw body.
      scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
      scope.post(path, async (req, reply) => {
        const raw = typeof req.body === 'string' ? req.body : '';
        const h = req.headers;
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(raw) as Record<string, unknown>;
        } catch {
          return reply.code(400).send({ error: '请求格式错误' });
        }
        const plain = this.decrypt(body);
        if (!plain) return reply.code(400).send({ error: '请求格式错误' });
        // URL verification is answered before any signature check, as the official SDKs do
        // (node-sdk generateChallenge/adaptDefault, oapi-sdk-go dispatcher): Feishu may send it
        // unsigned. Decrypting it proves the Encrypt Key; its token must be the Verification Token.
        if (plain.type === 'url_verification') {
          if (this.config.verificationToken && plain.token !== this.config.verificationToken) {
            this.deps.log.warn({ platform: 'LARK' }, 'url verification with a wrong token rejected');
            return reply.code(401).send({ error: '验证令牌无效' });
          }
          return { challenge: plain.challenge };
        }
        const ts = String(h['x-lark-request-timestamp'] ?? '');
        if (!this.verify(raw, body, ts, String(h['x-lark-request-nonce'] ?? ''), String(h['x-lark-signature'] ?? ''))) {
          this.deps.log.warn({ platform: 'LARK' }, 'webhook signature rejected');
          return reply.code(401).send({ error: '签名无效' });
        }
        if (this.config.encryptKey && !fresh(ts, this.config.maxRequestAgeSeconds ?? LARK_MAX_REQUEST_AGE_S)) {
          this.deps.log.warn({ platform: 'LARK', timestamp: ts }, 'webhook request too old (or from the future) rejected');
          return reply.code(401).send({ error: '请求已过期' });
        }
        const data = Object.assign(Object.create({ headers: h }), plain) as Record<string, unknown>;
        const value = await this.dispatcher.invoke(data, { needCheck: false });
        return typeof value === 'object' && value !== null ? value : {};
      });
    });
  }

  private verify(raw: string, body: Record<string, unknown>, ts: string, nonce: string, signature: string): boolean {
    if (this.config.encryptKey) {
      const expected = createHash('sha256').update(ts + nonce + this.config.encryptKey + raw).digest('hex');
      return signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
    }
    if (this.config.verificationToken) {
      const header = body.header as { token?: unknown } | undefined;
      return (header?.token ?? body.token) === this.config.verificationToken;
    }
    return false;
  }

  private decrypt(body: Record<string, unknown>): Record<string, unknown> | null {
    if (typeof body.encrypt !== 'string') return body;
    if (!this.config.encryptKey) return null;
    try {
      return JSON.parse(new lark.AESCipher(this.config.encryptKey).decrypt(body.encrypt)) as Record<string, unknown>;
    } catch {
      return null;
    }
  }
}
