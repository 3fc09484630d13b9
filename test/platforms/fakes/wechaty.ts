// The Wechaty "platform" for the conformance suite: wechaty-puppet-mock's Mocker driven from the
// test. Members are mock contacts, the branch group a mock room (id with '@', memberIdList given);
// a card click is the numbered reply ("1"); the bot's own sends come back as messages from self,
// which is how replies are observed. There is no webhook, HTTP API or access token.
import crypto from 'node:crypto';
import { PuppetMock, mock } from 'wechaty-puppet-mock';
import type { App } from '../../../src/app.js';
import type { PlatformHooks } from '../../../src/platforms/index.js';
import { type ChatAddress, type FakeSent, type NonTextKind, type PlatformFake, type PushAck, sleep, waitUntil } from './common.js';

type ContactMock = ReturnType<mock.Mocker['createContact']>;

/** "回复 1 签到" lines → buttons (value = the number to reply). */
function readText(text: string): { kind: 'text' | 'card'; buttons: FakeSent['buttons'] } {
  const buttons = [...text.matchAll(/^回复 (\d+) (\S+)$/gm)].map((m) => ({ label: m[2]!, value: Number(m[1]) }));
  return { kind: text.startsWith('【') ? 'card' : 'text', buttons };
}

export class WechatyFake implements PlatformFake {
  readonly platform = 'WECHATY' as const;
  /** No platform deadline: the time a numbered reply's answer may take. */
  readonly ackDeadlineMs = 5000;
  readonly updatesInPlace = false;
  readonly transport = { signedDeliveries: false, rateLimitedSends: false, expiringTokens: false, nonText: ['image', 'file', 'other'] as NonTextKind[] };
  readonly mocker = new mock.Mocker();
  readonly puppet = new PuppetMock({ mocker: this.mocker });
  readonly sent: FakeSent[] = [];
  readonly rateLimited = 0;
  readonly tokenRequests = 0;
  private self!: ContactMock;
  private readonly contacts = new Map<string, ContactMock>();
  private readonly rooms = new Map<number, ReturnType<mock.Mocker['createRoom']>>();

  static async start(): Promise<WechatyFake> {
    const f = new WechatyFake();
    f.self = f.mocker.createContact({ id: 'wxid_zhibu_bot', name: '支部助手' });
    // The bot's own sends come back as messages from self.
    f.puppet.on('message', ({ messageId }) => {
      const p = f.mocker.messagePayload(messageId);
      if (p.talkerId !== f.self.id || typeof p.text !== 'string') return;
      const to = p.roomId ?? p.listenerId ?? '';
      const r = readText(p.text);
      f.sent.push({ id: messageId, to, kind: r.kind, text: p.text, buttons: r.buttons, updates: [] });
    });
    return f;
  }

  hooks(): PlatformHooks {
    return { wechatyPuppet: this.puppet };
  }

  env(): Record<string, string> {
    return { WECHATY_PUPPET: 'wechaty-puppet-mock', PLATFORM_AUTO_RECONNECT: 'false' };
  }

  private contact(id: string): ContactMock {
    let c = this.contacts.get(id);
    if (!c) {
      c = this.mocker.createContact({ id, name: id });
      this.contacts.set(id, c);
    }
    return c;
  }

  async attach(app: App): Promise<void> {
    // bot.ready() never resolves with the mock: log in and wait for the adapter to see it.
    await waitUntil('wechaty puppet started', () => this.puppet.state.active() || undefined);
    this.mocker.login(this.self);
    const adapter = app.platforms.find((p) => p.platform === 'WECHATY');
    await waitUntil('wechaty login', () => (adapter?.receiver as { ready?: boolean } | undefined)?.ready || undefined);
  }

  userId(code: string) {
    return this.contact(`wx_${code}`).id;
  }

  group(branch: number): ChatAddress {
    let room = this.rooms.get(branch);
    if (!room) {
      const members = Array.from({ length: 10 }, (_, i) => this.userId(`m${branch}${String(i + 1).padStart(2, '0')}`));
      room = this.mocker.createRoom({ id: `branch${branch}-${crypto.randomBytes(4).toString('hex')}@chatroom`, topic: `第${branch}党支部`, memberIdList: [this.self.id, ...members] });
      this.rooms.set(branch, room);
    }
    return { kind: 'GROUP', id: room.id };
  }

  direct(userId: string): ChatAddress {
    return { kind: 'DIRECT', id: userId };
  }

  /** Messages carry the puppet's message id; a redelivery re-emits the same id. */
  async pushMessage(chat: ChatAddress, user: string, text: string, opts: { eventId?: string } = {}): Promise<PushAck> {
    const id = opts.eventId ?? crypto.randomUUID();
    const started = Date.now();
    const group = chat.kind === 'GROUP';
    if (!this.mocker.cacheMessagePayload.has(id)) {
      this.mocker.MessageMock.create({
        id,
        talkerId: user,
        timestamp: Date.now(),
        type: 7, // PUPPET.types.Message.Text
        text: group ? `@支部助手 ${text}` : text,
        ...(group ? { roomId: chat.id, mentionIdList: [this.self.id] } : { listenerId: this.self.id }),
      } as never);
    }
    this.puppet.emit('message', { messageId: id });
    return { elapsedMs: Date.now() - started };
  }

  /** Direct-chat pictures, files and stickers (PUPPET.types.Message Image 6, Attachment 1, Emoticon 5). */
  async pushNonText(chat: ChatAddress, user: string, kind: NonTextKind): Promise<PushAck> {
    const type = kind === 'image' ? 6 : kind === 'file' ? 1 : kind === 'other' ? 5 : undefined;
    if (type === undefined || chat.kind !== 'DIRECT') throw new Error(`wechaty: no ${kind} fake in a ${chat.kind} chat`);
    const id = crypto.randomUUID();
    const started = Date.now();
    this.mocker.MessageMock.create({ id, talkerId: user, timestamp: Date.now(), type, listenerId: this.self.id } as never);
    this.puppet.emit('message', { messageId: id });
    return { elapsedMs: Date.now() - started };
  }

  /** A click is the numbered reply; "acked" when the bot first answers in that chat (none within 2 s: counts as 0). */
  async pushCardClick(user: string, chat: ChatAddress, message: FakeSent, button: string, opts: { eventId?: string } = {}): Promise<PushAck> {
    const b = message.buttons.find((x) => x.label === button);
    if (!b) throw new Error(`no numbered choice ${button} in ${message.text}`);
    const before = this.sent.length;
    const started = Date.now();
    await this.pushMessage(chat, user, String(b.value), opts);
    const to = chat.kind === 'GROUP' ? chat.id : user;
    for (let waited = 0; waited < 2000; waited += 25) {
      if (this.sent.slice(before).some((s) => s.to === to)) return { elapsedMs: Date.now() - started };
      await sleep(25);
    }
    return { elapsedMs: 0 };
  }

  rateLimitNext(_n: number): void {
    throw new Error('wechaty: no send API to rate-limit');
  }

  expireTokens(): void {
    throw new Error('wechaty: no access token');
  }

  async close(): Promise<void> {
    /* the app stops the bot (and with it the puppet) */
  }
}
