// WeCom AI bot receiver: the long connection (@wecom/aibot-node-sdk WSClient, wsUrl configurable)
// by default, or encrypted JSON callbacks verified and decrypted with @wecom/crypto (webhook mode).
// Card events are answered with updateTemplateCard inside the 5 s window.
import { decrypt, encrypt, getSignature } from '@wecom/crypto';
import { WSClient } from '@wecom/aibot-node-sdk';
import type { FastifyInstance } from 'fastify';
import type { ActionAck, Attachment, InboundAction, InboundMessage } from '../../chat/types.js';
import type { AdapterDeps, Receiver } from '../adapter.js';
import { InboundPipeline } from '../pipeline.js';
import { sdkLogger } from '../sdk-log.js';
import { fresh } from '../freshness.js';
import type { WeComConfig } from './config.js';
import { cardEventKey, renderTemplateCard } from './card.js';
import type { ClickAnswers, WeComReplySlots } from './webhook.js';

/** An encrypted download url (valid 5 minutes) and, over the long connection, its own aeskey. */
interface Media {
  url?: string;
  aeskey?: string;
}

interface WeComBody {
  msgid?: string;
  chatid?: string;
  chattype?: 'single' | 'group';
  from?: { userid?: string; corpid?: string };
  /** Webhook mode: where one answer to this message may be POSTed (1 h, once). */
  response_url?: string;
  msgtype?: string;
  text?: { content?: string };
  mixed?: { msg_item?: Array<{ msgtype?: string; text?: { content?: string }; image?: Media }> };
  voice?: { content?: string };
  image?: Media;
  file?: Media;
  video?: Media;
  event?: { eventtype?: string; [k: string]: unknown };
}

/**
 * @mentions wherever they are: WeCom leaves "@支部助手" in the text, at the start or anywhere else
 * ("签到 @支部助手"); an @ inside a word (an e-mail address) is kept.
 */
export const stripMentions = (s: string) => s.replace(/(^|\s)@\S+/g, '$1').replace(/\s+/g, ' ').trim();

/**
 * The text and attachments of an AI-bot message (接收消息格式; SDK types TextContent, MixedContent,
 * VoiceContent, ImageContent, FileContent, VideoContent): `text`; `mixed` (text and image items);
 * `voice` {content: WeCom's speech-to-text}; `image`/`file`/`video` {url: encrypted, 5 minutes}.
 */
export function readWeComContent(b: WeComBody): { text: string; attachments: Attachment[]; unsupported?: string } {
  // The key is the url with the aeskey as its fragment (never sent with a request): wecomDownload splits them.
  const url = (x: Media | undefined) => (typeof x?.url === 'string' && x.url ? (typeof x.aeskey === 'string' && x.aeskey ? `${x.url}#aeskey=${encodeURIComponent(x.aeskey)}` : x.url) : '');
  switch (b.msgtype) {
    case 'text':
      return { text: b.text?.content ?? '', attachments: [] };
    case 'mixed': {
      const items = b.mixed?.msg_item ?? [];
      const text = items.filter((i) => i.msgtype === 'text').map((i) => i.text?.content ?? '').join('\n');
      const attachments: Attachment[] = items.filter((i) => i.msgtype === 'image' && url(i.image)).map((i) => ({ kind: 'image', key: url(i.image) }));
      return { text, attachments };
    }
    case 'voice':
      return b.voice?.content ? { text: b.voice.content, attachments: [] } : { text: '', attachments: [], unsupported: 'voice' };
    case 'image':
    case 'file':
    case 'video': {
      const u = url(b[b.msgtype]);
      return u ? { text: '', attachments: [{ kind: b.msgtype, key: u }] } : { text: '', attachments: [], unsupported: b.msgtype };
    }
    default:
      return { text: '', attachments: [], unsupported: b.msgtype || 'unknown' };
  }
}

/**
 * Oldest signed callback accepted. WeCom retries a callback it got no answer to within 5 s, three
 * times (about 20 s in all, 接收消息与事件 / 智能机器人回调): 5 minutes covers every genuine
 * redelivery even if it kept the first timestamp, plus clock skew (docs/platforms/wecom.md).
 */
export const WECOM_MAX_REQUEST_AGE_S = 300;

export class WeComReceiver implements Receiver {
  readonly pipeline: InboundPipeline;
  client: WSClient | undefined;

  constructor(
    private readonly config: WeComConfig,
    private readonly deps: AdapterDeps,
    private readonly slots: WeComReplySlots,
    private readonly answers: ClickAnswers,
  ) {
    this.pipeline = new InboundPipeline(deps, 'WECOM');
  }

  private chatOf(b: WeComBody, userId: string) {
    return b.chattype === 'group' && b.chatid ? { id: b.chatid, kind: 'GROUP' as const } : { id: userId, kind: 'DIRECT' as const };
  }

  async onMessage(b: WeComBody): Promise<void> {
    const userId = b.from?.userid;
    if (!b.msgid || !userId || b.msgtype === 'event') return;
    const read = readWeComContent(b);
    const inbound: InboundMessage = {
      kind: 'message',
      platform: 'WECOM',
      tenantKey: '',
      eventId: b.msgid,
      chat: this.chatOf(b, userId),
      user: { id: userId },
      text: stripMentions(read.text),
      ...(read.attachments.length ? { attachments: read.attachments } : {}),
      ...(read.unsupported ? { unsupported: read.unsupported } : {}),
    };
    await this.pipeline.message(inbound);
  }

  /** A template card click: returns the card to answer with (task_id kept), if any. */
  async onCardEvent(b: WeComBody): Promise<{ ack: ActionAck; taskId?: string; settled?: boolean }> {
    const userId = b.from?.userid;
    const { key, taskId } = cardEventKey(b.event);
    if (!b.msgid || !userId) return { ack: {} };
    const inbound: InboundAction = {
      kind: 'action',
      platform: 'WECOM',
      tenantKey: '',
      eventId: b.msgid,
      chat: this.chatOf(b, userId),
      // The chat the card was sent to, when the core finds it by the card's task_id, wins.
      cardMessageId: taskId,
      user: { id: userId },
      token: key ?? '',
    };
    const outcome = await this.pipeline.action(inbound, { deadlineMs: this.config.cardAckMs });
    return { ack: outcome.ack, taskId, settled: outcome.status === 'accepted' && !outcome.late };
  }

  async start(): Promise<void> {
    if (this.config.mode !== 'ws') return;
    const ws = new WSClient({
      botId: this.config.botId,
      secret: this.config.secret,
      wsUrl: this.config.wsUrl,
      maxReconnectAttempts: this.config.autoReconnect ? -1 : 3,
      logger: sdkLogger(this.deps.log) as never,
    });
    this.client = ws;
    // Every message type (text, mixed, voice, image, file, video …) gets an answer.
    ws.on('message', (frame) => void this.onMessage(frame.body as WeComBody).catch((e) => this.deps.log.error({ err: e }, 'wecom message failed')));
    ws.on('event.template_card_event', (frame) => {
      void this.onCardEvent(frame.body as unknown as WeComBody)
        .then(async ({ ack, taskId }) => {
          if (ack.card && taskId) await ws.updateTemplateCard(frame, renderTemplateCard(ack.card, taskId) as never);
        })
        .catch((e) => this.deps.log.warn({ err: e }, 'wecom card event answer failed'));
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('authenticated', () => resolve());
      ws.once('error', (e: Error) => (/auth/i.test(e.message) ? reject(e) : undefined));
      ws.connect();
    });
  }

  async stop(): Promise<void> {
    this.client?.disconnect();
    this.client = undefined;
    await this.pipeline.drain();
  }

  /** Webhook mode: GET verifies the URL, POST carries encrypted JSON. */
  routes(server: FastifyInstance): void {
    if (this.config.mode !== 'webhook') return;
    const token = this.config.token ?? '';
    const aesKey = this.config.encodingAesKey ?? '';
    const maxAge = this.config.maxRequestAgeSeconds ?? WECOM_MAX_REQUEST_AGE_S;
    // The timestamp is part of msg_signature: a signed request older than the window is refused.
    const sigOk = (q: Record<string, string>, enc: string) =>
      !!q.msg_signature && getSignature(token, q.timestamp ?? '', q.nonce ?? '', enc) === q.msg_signature && fresh(q.timestamp ?? '', maxAge);
    server.get(this.config.webhookPath, async (req, reply) => {
      const q = req.query as Record<string, string>;
      if (!q.echostr || !sigOk(q, q.echostr)) return reply.code(401).send({ error: '签名无效' });
      return reply.type('text/plain').send(decrypt(aesKey, q.echostr).message);
    });
    server.post(this.config.webhookPath, async (req, reply) => {
      const q = req.query as Record<string, string>;
      const enc = (req.body as { encrypt?: unknown } | undefined)?.encrypt;
      if (typeof enc !== 'string' || !sigOk(q, enc)) {
        this.deps.log.warn({ platform: 'WECOM' }, 'webhook signature rejected');
        return reply.code(401).send({ error: '签名无效' });
      }
      let body: WeComBody;
      try {
        body = JSON.parse(decrypt(aesKey, enc).message) as WeComBody;
      } catch {
        return reply.code(400).send({ error: '请求格式错误' });
      }
      if (body.msgtype === 'event' && body.event?.eventtype === 'template_card_event') {
        const started = Date.now();
        // The click's own card update (e.g. the check-in counter) may come through the outbox.
        const clicked = cardEventKey(body.event).taskId;
        const update = clicked ? this.answers.expect(clicked) : undefined;
        const { ack, taskId, settled } = await this.onCardEvent(body);
        let card = ack.card;
        if (card || !settled) update?.cancel();
        else card = await update?.card(this.config.cardAckMs - (Date.now() - started));
        if (!card || !taskId) return reply.send('');
        const plain = JSON.stringify({ response_type: 'update_template_card', template_card: renderTemplateCard(card, taskId) });
        const timestamp = String(Math.floor(Date.now() / 1000));
        const nonce = Math.random().toString(36).slice(2, 12);
        const encrypted = encrypt(aesKey, plain, '');
        return { encrypt: encrypted, msgsignature: getSignature(token, timestamp, nonce, encrypted), timestamp, nonce };
      }
      // The reply slot is kept before the message is stored, so the answer finds it.
      const userId = body.from?.userid;
      if (body.msgtype !== 'event' && body.response_url && body.msgid && userId) await this.slots.save(this.chatOf(body, userId).id, body.msgid, body.response_url);
      await this.onMessage(body);
      return reply.send('');
    });
  }
}
