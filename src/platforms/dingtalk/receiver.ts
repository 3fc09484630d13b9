// DingTalk Stream mode receiver (dingtalk-stream 2.1.5): robot messages (TOPIC_ROBOT) and card
// callbacks (TOPIC_CARD) over the SDK's long connection, with the gateway URL configurable (the SDK
// hard-codes it: getEndpoint() is overridden). Every callback is acked with socketCallBackResponse;
// a card callback's ack carries the updated card data when the click's result is ready within the
// deadline, and a toast-like note as the clicker's private data. 2.1.5 does not await async
// listeners, so every listener here catches its own errors.
import { DWClient, type DWClientDownStream, TOPIC_CARD, TOPIC_ROBOT } from 'dingtalk-stream';
import type { Card } from '../../chat/card.js';
import type { ActionAck, Attachment, ChatRef, InboundAction, InboundMessage } from '../../chat/types.js';
import type { AdapterDeps, Receiver } from '../adapter.js';
import type { NumberedCards } from '../numbered.js';
import { InboundPipeline } from '../pipeline.js';
import type { DingTalkConfig } from './config.js';
import { cardParamMap, slotIndex } from './card.js';
import type { DingTalkState } from './sender.js';
import { settles } from '../../util/timeout.js';

interface RobotMessage {
  msgId?: string;
  msgtype?: string;
  conversationId?: string;
  conversationType?: string; // '1' direct, '2' group
  text?: { content?: string };
  /** richText / picture / audio / video / file bodies (see readDingTalkContent). */
  content?: unknown;
  senderStaffId?: string;
  senderId?: string;
  senderCorpId?: string;
  sessionWebhook?: string;
  sessionWebhookExpiredTime?: number;
}

type Json = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' ? v : '');

/**
 * The text and attachments of a robot message (机器人接收消息): `text` {text.content};
 * `richText` {content.richText: [{text} | {type:'picture', downloadCode}]}; `picture`
 * {content.downloadCode}; `audio` {content.recognition (speech to text), downloadCode}; `video`
 * and `file` {content.downloadCode, fileName}. Anything else is unsupported.
 */
export function readDingTalkContent(m: { msgtype?: string; text?: { content?: string }; content?: unknown }): { text: string; attachments: Attachment[]; unsupported?: string } {
  const c = (m.content && typeof m.content === 'object' ? m.content : {}) as Json;
  const code = (x: Json) => str(x.downloadCode) || str(x.pictureDownloadCode);
  switch (m.msgtype) {
    case 'text':
      return { text: m.text?.content ?? '', attachments: [] };
    case 'richText': {
      const attachments: Attachment[] = [];
      let text = '';
      for (const el of Array.isArray(c.richText) ? (c.richText as Json[]) : []) {
        if (typeof el.text === 'string') text += el.text;
        else if (code(el)) attachments.push({ kind: 'image', key: code(el) });
      }
      return { text, attachments };
    }
    case 'audio':
      // DingTalk's speech recognition is read as what the member said; the recording rides along.
      return { text: str(c.recognition), attachments: code(c) ? [{ kind: 'audio', key: code(c) }] : [] };
    case 'picture':
    case 'video':
    case 'file': {
      if (!code(c)) return { text: '', attachments: [], unsupported: m.msgtype };
      const kind = m.msgtype === 'picture' ? 'image' : m.msgtype;
      return { text: '', attachments: [{ kind, key: code(c), ...(str(c.fileName) ? { name: str(c.fileName) } : {}) }] };
    }
    default:
      return { text: '', attachments: [], unsupported: m.msgtype || 'unknown' };
  }
}

interface CardCallback {
  outTrackId?: string;
  userId?: string;
  /** Where the card is: IM_GROUP (spaceId = openConversationId) or IM_ROBOT (the robot's direct chat). */
  spaceType?: string;
  spaceId?: string;
  corpId?: string;
  content?: string;
}

/** DWClient with a configurable gateway (专有钉钉 / 浙政钉, local fakes). */
export class StreamClient extends DWClient {
  constructor(
    opts: { clientId: string; clientSecret: string; autoReconnect: boolean; keepAlive: boolean },
    private readonly gatewayUrl: string,
  ) {
    super({ ...opts, debug: false } as ConstructorParameters<typeof DWClient>[0]);
  }

  override async getEndpoint(): Promise<this> {
    const res = await fetch(this.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ clientId: this.config.clientId, clientSecret: this.config.clientSecret, ua: this.config.ua ?? '', subscriptions: this.config.subscriptions }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await res.json().catch(() => ({}))) as { endpoint?: string; ticket?: string };
    if (!res.ok || !body.endpoint || !body.ticket) throw new Error(`dingtalk gateway: HTTP ${res.status}, no endpoint`);
    (this as unknown as { dw_url: string }).dw_url = `${body.endpoint}?ticket=${encodeURIComponent(body.ticket)}`;
    return this;
  }
}

export class DingTalkReceiver implements Receiver {
  readonly pipeline: InboundPipeline;
  client: StreamClient | undefined;
  private stopped = false;

  constructor(
    private readonly config: DingTalkConfig,
    private readonly deps: AdapterDeps,
    private readonly state: DingTalkState,
    private readonly numbered: NumberedCards,
  ) {
    this.pipeline = new InboundPipeline(deps, 'DINGTALK');
  }

  private get templated() {
    return !!this.config.cardTemplateId;
  }

  private ack(messageId: string, response: unknown): void {
    try {
      this.client?.socketCallBackResponse(messageId, response);
    } catch (e) {
      this.deps.log.warn({ err: e, platform: 'DINGTALK' }, 'dingtalk ack failed');
    }
  }

  async onRobot(msg: DWClientDownStream): Promise<void> {
    const messageId = msg.headers.messageId;
    try {
      const m = JSON.parse(msg.data) as RobotMessage;
      const userId = m.senderStaffId || m.senderId;
      if (!userId || !m.conversationId) return;
      const chat: ChatRef = m.conversationType === '2' ? { id: m.conversationId, kind: 'GROUP' } : { id: userId, kind: 'DIRECT' };
      const eventId = m.msgId || messageId;
      const read = readDingTalkContent(m);
      const text = read.text.trim();
      const base = { platform: 'DINGTALK' as const, tenantKey: m.senderCorpId ?? '', eventId, chat, user: { id: userId } };
      if (m.sessionWebhook && this.config.useSessionWebhook) {
        const expires = new Date(Number(m.sessionWebhookExpiredTime) || Date.now() + 60 * 60_000);
        void this.state.saveSession(chat.id, m.sessionWebhook, expires).catch((e) => this.deps.log.warn({ err: e }, 'dingtalk session webhook not saved'));
      }
      // Without a card template, cards are numbered text: a reply "1" is a click.
      const choice = this.templated || m.msgtype !== 'text' ? null : await this.numbered.resolve(chat.id, userId, text);
      if (choice) {
        const action: InboundAction = { ...base, kind: 'action', token: choice.token, form: choice.form };
        const work = this.numbered.act(this.pipeline, this.deps, action, this.config.cardAckMs);
        // Acked once stored; the answer goes out as messages.
        await settles(work, 1000);
        void work.catch((e) => this.deps.log.error({ err: e, eventId }, 'dingtalk numbered reply failed'));
        return;
      }
      const inbound: InboundMessage = {
        ...base,
        kind: 'message',
        text,
        ...(read.attachments.length ? { attachments: read.attachments } : {}),
        ...(read.unsupported ? { unsupported: read.unsupported } : {}),
      };
      await this.pipeline.message(inbound);
    } catch (e) {
      this.deps.log.error({ err: e, platform: 'DINGTALK', messageId }, 'dingtalk robot message failed');
    } finally {
      this.ack(messageId, { ok: true });
    }
  }

  /** A card button: the slot's token, processed against the deadline; the ack carries the new card data. */
  async onCard(msg: DWClientDownStream): Promise<void> {
    const messageId = msg.headers.messageId;
    let response: Record<string, unknown> = {};
    try {
      const d = JSON.parse(msg.data) as CardCallback;
      const content = JSON.parse(d.content ?? '{}') as { cardPrivateData?: { actionIds?: string[]; params?: Record<string, unknown> } };
      const priv = content.cardPrivateData ?? {};
      const outTrackId = d.outTrackId;
      if (!d.userId || !outTrackId) return;
      const slot = slotIndex(priv.actionIds?.[0]);
      const token = typeof priv.params?.t === 'string' ? priv.params.t : slot !== undefined ? ((await this.state.slots(outTrackId))[slot] ?? '') : '';
      // The core takes the chat from the card's own outbox row (found by its outTrackId); when
      // there is none, the callback's space says where the card is.
      const chat: ChatRef = d.spaceType === 'IM_GROUP' && d.spaceId ? { id: d.spaceId, kind: 'GROUP' } : { id: d.userId, kind: 'DIRECT' };
      const inbound: InboundAction = {
        kind: 'action',
        platform: 'DINGTALK',
        tenantKey: d.corpId ?? '',
        eventId: messageId,
        chat,
        cardMessageId: outTrackId,
        user: { id: d.userId },
        token,
      };
      const outcome = await this.pipeline.action(inbound, { deadlineMs: this.config.cardAckMs });
      response = await this.cardResponse(outTrackId, outcome.ack);
    } catch (e) {
      this.deps.log.error({ err: e, platform: 'DINGTALK', messageId }, 'dingtalk card callback failed');
    } finally {
      this.ack(messageId, response);
    }
  }

  private async cardResponse(outTrackId: string, ack: ActionAck): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    const card: Card | undefined = ack.card;
    if (card) {
      await this.state.saveSlots(outTrackId, card);
      out.cardData = { cardParamMap: cardParamMap(card) };
    }
    if (ack.toast) out.userPrivateData = { cardParamMap: { toast: ack.toast.text } };
    if (card || ack.toast) out.cardUpdateOptions = { updateCardDataByKey: true, updatePrivateDataByKey: true };
    return out;
  }

  async start(): Promise<void> {
    this.stopped = false;
    const client = new StreamClient(
      { clientId: this.config.clientId, clientSecret: this.config.clientSecret, autoReconnect: this.config.autoReconnect, keepAlive: true },
      this.config.gatewayUrl,
    );
    this.client = client;
    client.registerCallbackListener(TOPIC_ROBOT, (m) => void this.onRobot(m).catch((e) => this.deps.log.error({ err: e }, 'dingtalk robot listener failed')));
    client.registerCallbackListener(TOPIC_CARD, (m) => void this.onCard(m).catch((e) => this.deps.log.error({ err: e }, 'dingtalk card listener failed')));
    await client.connect(); // 2.1.5 swallows connect errors (and retries in the background when autoReconnect)
    if (client.connected) return;
    if (!this.config.autoReconnect) throw new Error('dingtalk stream: could not connect');
    while (!client.connected && !this.stopped) await new Promise((r) => setTimeout(r, 200));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.client?.disconnect();
    this.client = undefined;
    await this.pipeline.drain();
  }
}
