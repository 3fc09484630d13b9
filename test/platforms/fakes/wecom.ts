// A local WeCom AI bot long connection: aibot_subscribe auth (counted as "token" requests; a
// dropped connection means re-auth), heartbeat acks, message and template_card_event callbacks,
// aibot_send_msg with errcode 45009 for rate limits, aibot_respond_update_msg card updates.
import crypto from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import type { App } from '../../../src/app.js';
import { type ChatAddress, FakeHttp, type FakeSent, type PlatformFake, type PushAck, waitUntil } from './common.js';

type Json = Record<string, unknown>;

function readBody(b: Json): { kind: 'text' | 'card'; text: string; buttons: FakeSent['buttons']; taskId?: string } {
  if (b.msgtype === 'markdown') return { kind: 'text', text: String((b.markdown as Json).content).replace(/\*\*/g, ''), buttons: [] };
  const c = (b.template_card ?? b) as Json;
  const lines = [String((c.main_title as Json | undefined)?.title ?? '')];
  for (const h of (c.horizontal_content_list as Json[] | undefined) ?? []) lines.push(`${String(h.keyname)}：${String(h.value)}`);
  if (c.sub_title_text) lines.push(String(c.sub_title_text));
  const buttons = ((c.button_list as Json[] | undefined) ?? []).map((x) => ({ label: String(x.text), value: x.key }));
  for (const x of buttons) lines.push(`[${x.label}]`);
  return { kind: 'card', text: lines.join('\n'), buttons, taskId: String(c.task_id ?? '') };
}

export class WeComFake implements PlatformFake {
  readonly platform = 'WECOM' as const;
  readonly ackDeadlineMs = 5000;
  // Long connection: authenticated at connect; the session (aibot_subscribe) is what expires.
  readonly transport = { signedDeliveries: false, rateLimitedSends: true, expiringTokens: true };
  readonly updatesInPlace = false;
  readonly botId = 'aibot_fake_1';
  readonly secret = 'fake-wecom-secret';
  readonly http = new FakeHttp();
  readonly sent: FakeSent[] = [];
  private readonly taskIds = new Map<string, FakeSent>();
  private wss!: WebSocketServer;
  private socket: WebSocket | undefined;
  private authed = false;
  private readonly updateWaiters = new Map<string, (b: Json) => void>();
  private rateLimitBudget = 0;
  rateLimited = 0;
  tokenRequests = 0;

  static async start(): Promise<WeComFake> {
    const f = new WeComFake();
    await f.listen();
    return f;
  }

  async listen(): Promise<void> {
    await this.http.listen();
    this.wss = new WebSocketServer({ server: this.http.server });
    this.wss.on('connection', (socket) => {
      this.socket = socket;
      this.authed = false;
      socket.on('message', (data: Buffer) => this.onFrame(socket, JSON.parse(data.toString('utf8')) as Json));
    });
  }

  private ack(socket: WebSocket, reqId: string, errcode = 0, errmsg = 'ok') {
    socket.send(JSON.stringify({ headers: { req_id: reqId }, errcode, errmsg }));
  }

  private onFrame(socket: WebSocket, f: Json) {
    const reqId = String((f.headers as Json).req_id);
    const body = (f.body ?? {}) as Json;
    switch (f.cmd) {
      case 'aibot_subscribe':
        this.tokenRequests++;
        if (body.bot_id !== this.botId || body.secret !== this.secret) return this.ack(socket, reqId, 40001, 'invalid secret');
        this.authed = true;
        return this.ack(socket, reqId);
      case 'ping':
        return this.ack(socket, reqId);
      case 'aibot_send_msg': {
        if (!this.authed) return this.ack(socket, reqId, 40014, 'not authenticated');
        if (this.rateLimitBudget > 0) {
          this.rateLimitBudget--;
          this.rateLimited++;
          return this.ack(socket, reqId, 45009, 'api freq out of limit');
        }
        const r = readBody(body);
        const msg: FakeSent = { id: r.taskId || crypto.randomUUID(), to: String(body.chatid), kind: r.kind, text: r.text, buttons: r.buttons, updates: [] };
        if (r.taskId) this.taskIds.set(r.taskId, msg);
        this.sent.push(msg);
        return this.ack(socket, reqId);
      }
      case 'aibot_respond_update_msg': {
        const card = (body.template_card ?? {}) as Json;
        const r = readBody(card);
        const msg = this.taskIds.get(String(card.task_id));
        if (!msg) return this.ack(socket, reqId, 40058, 'task_id not found');
        msg.updates.push(r.text);
        msg.buttons = r.buttons;
        this.updateWaiters.get(reqId)?.(card);
        return this.ack(socket, reqId);
      }
      default:
        return this.ack(socket, reqId);
    }
  }

  env(): Record<string, string> {
    return { WECOM_BOT_ID: this.botId, WECOM_BOT_SECRET: this.secret, WECOM_WS_URL: this.http.url.replace('http:', 'ws:'), WECOM_CARD_ACK_MS: '1000' };
  }

  async attach(_app: App): Promise<void> {
    await waitUntil('wecom client auth', () => this.authed);
  }

  userId(code: string) {
    return `wx_${code}`;
  }
  group(branch: number): ChatAddress {
    return { kind: 'GROUP', id: `wrkchat_branch${branch}` };
  }
  direct(userId: string): ChatAddress {
    return { kind: 'DIRECT', id: userId };
  }
  rateLimitNext(n: number) {
    this.rateLimitBudget = n;
  }
  /** The session ends: the server drops the connection; the client must reconnect and re-auth. */
  expireTokens() {
    this.authed = false;
    this.socket?.terminate();
  }

  private push(cmd: string, body: Json): string {
    if (!this.socket) throw new Error('wecom client not connected');
    const reqId = `${cmd}_${crypto.randomBytes(6).toString('hex')}`;
    this.socket.send(JSON.stringify({ cmd, headers: { req_id: reqId }, body }));
    return reqId;
  }

  async pushMessage(chat: ChatAddress, user: string, text: string, opts: { eventId?: string } = {}): Promise<PushAck> {
    await waitUntil('wecom client auth', () => this.authed, 15_000);
    const started = Date.now();
    this.push('aibot_msg_callback', {
      msgid: opts.eventId ?? crypto.randomUUID(),
      aibotid: this.botId,
      ...(chat.kind === 'GROUP' ? { chatid: chat.id } : {}),
      chattype: chat.kind === 'GROUP' ? 'group' : 'single',
      from: { userid: user },
      msgtype: 'text',
      text: { content: chat.kind === 'GROUP' ? `@支部助手 ${text}` : text },
    });
    return { elapsedMs: Date.now() - started };
  }

  /** WeCom needs no answer to an event; an update must come within 5 s. No update within 2 s counts as "answered with nothing". */
  async pushCardClick(user: string, chat: ChatAddress, message: FakeSent, button: string, opts: { eventId?: string } = {}): Promise<PushAck> {
    const b = message.buttons.find((x) => x.label === button);
    if (!b) throw new Error(`no button ${button}`);
    const started = Date.now();
    let resolveUpdate!: (c: Json) => void;
    const update = new Promise<Json>((r) => (resolveUpdate = r));
    const reqId = this.push('aibot_event_callback', {
      msgid: opts.eventId ?? crypto.randomUUID(),
      create_time: Math.floor(Date.now() / 1000),
      aibotid: this.botId,
      ...(chat.kind === 'GROUP' ? { chatid: chat.id } : {}),
      chattype: chat.kind === 'GROUP' ? 'group' : 'single',
      from: { userid: user },
      msgtype: 'event',
      // The webhook doc's nesting; the SDK types read event.event_key (the adapter parses both).
      event: { eventtype: 'template_card_event', template_card_event: { card_type: 'button_interaction', event_key: b.value, task_id: message.id } },
    });
    this.updateWaiters.set(reqId, resolveUpdate);
    const card = await Promise.race([update, new Promise<undefined>((r) => setTimeout(() => r(undefined), 2000))]);
    this.updateWaiters.delete(reqId);
    return { elapsedMs: card ? Date.now() - started : 0, card: card ? readBody(card).text : undefined };
  }

  async close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    this.wss.close();
    await this.http.close();
  }
}
