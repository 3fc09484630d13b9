// Wechaty adapter for puppet-based accounts (any puppet by configuration, e.g. WeCom through
// wechaty-puppet-service with a WorkPro token). No cards: a card goes out as text with numbered
// replies ("回复 1 签到") and a signed H5 link for forms; a reply "1" in that chat maps back to the
// card's first choice (src/platforms/numbered.ts). In rooms only messages that @ the bot count.
import { randomUUID } from 'node:crypto';
import { WechatyBuilder, type Message, type Wechaty } from 'wechaty';
import type { Attachment, ChatRef, InboundAction, InboundMessage } from '../../chat/types.js';
import type { AdapterDeps, PlatformAdapter, Receiver } from '../adapter.js';
import { NumberedCards, numberedText } from '../numbered.js';
import { InboundPipeline } from '../pipeline.js';
import { type Capabilities, type PlatformSender, type SendRequest, SendError } from '../types.js';
import type { WechatyConfig } from './config.js';

export const WECHATY_CAPABILITIES: Capabilities = { cardUpdate: false, forms: false, memberList: true, directMessages: true, idempotentSend: false };

/** Messages older than this at arrival are history the puppet replays on login: ignored. */
const MAX_AGE_SECONDS = 300;
/** How long a numbered reply's answer may take before it is sent when ready instead. */
const ACTION_DEADLINE_MS = 3000;

export class WechatyReceiver implements Receiver {
  readonly pipeline: InboundPipeline;
  readonly bot: Wechaty;
  private loggedIn = false;

  constructor(
    config: WechatyConfig,
    private readonly deps: AdapterDeps,
    private readonly numbered: NumberedCards,
    puppet?: unknown,
  ) {
    this.pipeline = new InboundPipeline(deps, 'WECHATY');
    // An injected puppet (tests) keeps its own session: no memory-card file then.
    this.bot = WechatyBuilder.build(
      (puppet
        ? { puppet }
        : { name: config.name, puppet: config.puppet, puppetOptions: config.puppetOptions }) as Parameters<typeof WechatyBuilder.build>[0],
    );
  }

  /** Logged in and able to send. */
  get ready(): boolean {
    return this.loggedIn;
  }

  async onMessage(m: Message): Promise<void> {
    if (m.self()) return;
    if (m.age() > MAX_AGE_SECONDS) return;
    const room = m.room();
    const T = this.bot.Message.Type;
    if (m.type() !== T.Text) {
      // Only text can @ the bot in a room; in a direct chat every message gets an answer.
      if (room) return;
      const kinds = new Map<number, Attachment['kind']>([[T.Image, 'image'], [T.Attachment, 'file'], [T.Audio, 'audio'], [T.Video, 'video']]);
      const kind = kinds.get(m.type());
      const talker = m.talker();
      const inbound: InboundMessage = {
        platform: 'WECHATY',
        tenantKey: '',
        eventId: m.id,
        chat: { id: talker.id, kind: 'DIRECT' },
        user: { id: talker.id },
        kind: 'message',
        text: '',
        ...(kind ? { attachments: [{ kind, key: m.id }] } : { unsupported: T[m.type()] ?? 'unknown' }),
      };
      await this.pipeline.message(inbound);
      return;
    }
    if (room && !(await m.mentionSelf())) return;
    const talker = m.talker();
    const text = (room ? await m.mentionText() : m.text()).trim();
    const chat: ChatRef = room ? { id: room.id, kind: 'GROUP' } : { id: talker.id, kind: 'DIRECT' };
    const base = { platform: 'WECHATY' as const, tenantKey: '', eventId: m.id, chat, user: { id: talker.id } };
    const choice = await this.numbered.resolve(chat.id, talker.id, text);
    if (choice) {
      const action: InboundAction = { ...base, kind: 'action', token: choice.token, form: choice.form };
      await this.numbered.act(this.pipeline, this.deps, action, ACTION_DEADLINE_MS);
      return;
    }
    const inbound: InboundMessage = { ...base, kind: 'message', text };
    await this.pipeline.message(inbound);
  }

  async start(): Promise<void> {
    const log = this.deps.log;
    this.bot.on('scan', (qrcode, status) => log.warn({ platform: 'WECHATY', status, qrcode: `https://wechaty.js.org/qrcode/${encodeURIComponent(qrcode)}` }, 'wechaty: scan the QR code with the bot account to log in'));
    this.bot.on('login', (user) => {
      this.loggedIn = true;
      log.info({ platform: 'WECHATY', botId: user.id }, 'wechaty logged in');
    });
    this.bot.on('logout', () => {
      this.loggedIn = false;
      log.warn({ platform: 'WECHATY' }, 'wechaty logged out');
    });
    this.bot.on('error', (e) => log.warn({ platform: 'WECHATY', err: e }, 'wechaty error'));
    this.bot.on('message', (m) => void this.onMessage(m).catch((e) => log.error({ err: e, platform: 'WECHATY', messageId: m.id }, 'wechaty message failed')));
    // Resolves once the puppet runs; login (a QR scan for real accounts) comes later as an event.
    await this.bot.start();
  }

  async stop(): Promise<void> {
    await this.bot.stop().catch((e) => this.deps.log.warn({ err: e }, 'wechaty stop failed'));
    this.loggedIn = false;
    await this.pipeline.drain();
  }

  async members(roomId: string): Promise<string[]> {
    const room = await this.bot.Room.find({ id: roomId });
    if (!room) return [];
    const self = this.bot.isLoggedIn ? this.bot.currentUser.id : undefined;
    return (await room.memberAll()).map((c) => c.id).filter((id) => id !== self);
  }
}

export function wechatySender(receiver: WechatyReceiver, numbered: NumberedCards, opts: { retryAfterMs: number }): PlatformSender {
  return {
    platform: 'WECHATY',
    capabilities: WECHATY_CAPABILITIES,
    async send({ to, body }: SendRequest) {
      if (!receiver.ready) throw new SendError('wechaty: not logged in', true, opts.retryAfterMs);
      if (body.kind === 'card_update') throw new SendError('wechaty: cards cannot be updated (sent as text by the degradation layer)', false);
      const group = to.targetKind === 'GROUP';
      const bot = receiver.bot;
      const conversation = group ? await bot.Room.find({ id: to.target }) : await bot.Contact.find({ id: to.target });
      if (!conversation) throw new SendError(`wechaty: ${group ? 'room' : 'contact'} not found`, false);
      let text: string;
      if (body.kind === 'card') {
        // Remembered before it is shown, so a quick "1" finds it.
        await numbered.remember(to.target, '', body.card);
        text = numberedText(body.card, { group });
      } else text = body.text;
      try {
        const sent = await conversation.say(text);
        return { messageId: (sent && typeof sent === 'object' && 'id' in sent ? String(sent.id) : '') || `wechaty_${randomUUID()}` };
      } catch (e) {
        throw new SendError(`wechaty send: ${(e as Error).message ?? 'failed'}`.slice(0, 300), true, opts.retryAfterMs);
      }
    },
  };
}

export function createWechatyAdapter(config: WechatyConfig, deps: AdapterDeps, puppet?: unknown): PlatformAdapter {
  const numbered = new NumberedCards(deps, 'WECHATY');
  const receiver = new WechatyReceiver(config, deps, numbered, puppet);
  return {
    platform: 'WECHATY',
    capabilities: WECHATY_CAPABILITIES,
    sender: wechatySender(receiver, numbered, { retryAfterMs: 5000 }),
    receiver,
    listMembers: (chatId) => receiver.members(chatId),
  };
}
