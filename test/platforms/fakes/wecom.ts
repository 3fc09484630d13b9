// A local WeCom AI bot, in either API mode.
// Long connection: aibot_subscribe auth (counted as "token" requests; a dropped connection means
// re-auth), heartbeat acks, message and template_card_event callbacks, aibot_send_msg with errcode
// 45009 for rate limits, aibot_respond_update_msg card updates.
// Webhook (URL 回调): the URL verification GET (echostr decrypted within 1 s), callbacks POSTed as
// {encrypt} with msg_signature/timestamp/nonce, signed and AES-256-CBC encrypted with @wecom/crypto
// (receiveid "" for the AI bot); the click answer read back as an encrypted, signed
// update_template_card; each message carries a response_url that takes ONE markdown/template_card
// POST within 1 hour (errcode 45009 when rate limited, the url stays usable). This mode has no
// proactive send API, so the fake offers none.
import crypto from 'node:crypto';
import { decrypt, encrypt, getSignature } from '@wecom/crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import type { App } from '../../../src/app.js';
import { type ChatAddress, FakeHttp, type FakeReply, type FakeSent, type NonTextKind, type PlatformFake, type PushAck, waitUntil } from './common.js';

const NON_TEXT: NonTextKind[] = ['richText', 'voice', 'image', 'file'];

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

/** response_url answers for a used-up or unknown url (the doc names no code; the adapter treats any other non-zero errcode as "used up"). */
const RESPONSE_URL_GONE = { errcode: 40099, errmsg: 'invalid response_code, used or expired' };
const RESPONSE_URL_TTL_MS = 60 * 60_000;

export class WeComFake implements PlatformFake {
  readonly platform = 'WECOM' as const;
  readonly ackDeadlineMs = 5000;
  readonly updatesInPlace = false;
  readonly mode: 'ws' | 'webhook';
  readonly token = 'fakeWeComToken123';
  readonly encodingAesKey = crypto.randomBytes(32).toString('base64').slice(0, 43);
  private webhookUrl = '';
  /** response_code → the chat it answers into, its expiry, and whether it was used. */
  private readonly responseCodes = new Map<string, { msgid: string; to: string; expiresAt: number; used: boolean }>();
  /** Answers of the URL verification GET (plaintext echoed, elapsed ms). */
  readonly verifications: Array<{ ok: boolean; elapsedMs: number }> = [];
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

  constructor(opts: { mode?: 'ws' | 'webhook' } = {}) {
    this.mode = opts.mode ?? 'ws';
  }

  // Long connection: authenticated at connect; the session (aibot_subscribe) is what expires.
  // Webhook: signed deliveries; answers go through response_url (no token), nothing proactive.
  get transport() {
    return this.mode === 'ws'
      ? { signedDeliveries: false, rateLimitedSends: true, expiringTokens: true, proactiveSends: true, nonText: NON_TEXT, cardSizeLimit: 20_480, attachments: true }
      : // Retries an unanswered callback within 5 s, three times (about 20 s).
        { signedDeliveries: true, rateLimitedSends: true, expiringTokens: false, proactiveSends: false, nonText: NON_TEXT, timestamps: { redeliveredUpTo: 20, neverOlderThan: 3600 } };
  }

  static async start(opts: { mode?: 'ws' | 'webhook' } = {}): Promise<WeComFake> {
    const f = new WeComFake(opts);
    await f.listen();
    return f;
  }

  async listen(): Promise<void> {
    this.http.route('POST', /^\/cgi-bin\/aibot\/response$/, (req) => this.onResponseUrl(req.query.get('response_code') ?? '', req.body as Json));
    this.http.route('GET', /^\/media\/([0-9a-f]+)$/, (_req, m) => this.media(m[1]!));
    await this.http.listen();
    this.wss = new WebSocketServer({ server: this.http.server });
    this.wss.on('connection', (socket) => {
      this.socket = socket;
      this.authed = false;
      socket.on('message', (data: Buffer) => this.onFrame(socket, JSON.parse(data.toString('utf8')) as Json));
    });
  }

  // ── Encrypted media urls (valid 5 minutes): AES-256-CBC with the message's aeskey, IV its first 16 bytes, PKCS#7 to 32 bytes ──
  private readonly mediaFiles = new Map<string, { bytes: Buffer; expiresAt: number }>();
  private downloadFailures = 0;
  readonly downloads = { served: 0, refused: 0 };
  failDownloads(n: number): void {
    this.downloadFailures = n;
  }

  private media(id: string): FakeReply {
    if (this.downloadFailures > 0) {
      this.downloadFailures--;
      return { status: 502, body: { errcode: -1, errmsg: 'system busy' } };
    }
    const f = this.mediaFiles.get(id);
    if (!f || f.expiresAt < Date.now()) {
      this.downloads.refused++;
      return { status: 404, body: { errcode: 404, errmsg: 'not found or expired' } };
    }
    this.downloads.served++;
    return { body: null, raw: f.bytes };
  }

  /** A mixed (图文混排) message: the command and an image item whose url serves the picture encrypted with its aeskey. */
  async pushWithPicture(chat: ChatAddress, user: string, text: string, picture: Buffer): Promise<PushAck> {
    const key = crypto.randomBytes(32);
    const pad = 32 - (picture.length % 32);
    const cipher = crypto.createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
    const bytes = Buffer.concat([cipher.update(Buffer.concat([picture, Buffer.alloc(pad, pad)])), cipher.final()]);
    const id = crypto.randomBytes(6).toString('hex');
    this.mediaFiles.set(id, { bytes, expiresAt: Date.now() + 5 * 60_000 });
    const base = this.messageBody(chat, user, '', crypto.randomUUID());
    delete base.text;
    const image = { url: `${this.http.url}/media/${id}`, aeskey: key.toString('base64') };
    return this.pushBody(chat, user, { ...base, msgtype: 'mixed', mixed: { msg_item: [{ msgtype: 'text', text: { content: chat.kind === 'GROUP' ? `@支部助手 ${text}` : text } }, { msgtype: 'image', image }] } });
  }

  refusedForSize = 0;

  /** Markdown content is limited to 20,480 bytes (SDK: 最长不超过 20480 个字节). */
  private tooBig(body: Json): { errcode: number; errmsg: string } | undefined {
    const md = body.msgtype === 'markdown' ? String((body.markdown as Json | undefined)?.content ?? '') : '';
    if (Buffer.byteLength(md) <= 20_480) return undefined;
    this.refusedForSize++;
    return { errcode: 40058, errmsg: 'markdown content exceeds 20480 bytes' };
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
        const tooBig = this.tooBig(body);
        if (tooBig) return this.ack(socket, reqId, tooBig.errcode, tooBig.errmsg);
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

  /** POST response_url?response_code=…: one markdown or template_card answer into the message's chat. */
  private onResponseUrl(code: string, body: Json): FakeReply {
    const slot = this.responseCodes.get(code);
    if (!slot || slot.used || slot.expiresAt < Date.now()) return { body: RESPONSE_URL_GONE };
    if (this.rateLimitBudget > 0) {
      this.rateLimitBudget--;
      this.rateLimited++;
      return { body: { errcode: 45009, errmsg: 'api freq out of limit' } };
    }
    if (body?.msgtype !== 'markdown' && body?.msgtype !== 'template_card') return { body: { errcode: 40008, errmsg: 'invalid message type' } };
    slot.used = true;
    const r = readBody(body);
    const msg: FakeSent = { id: r.taskId || crypto.randomUUID(), to: slot.to, kind: r.kind, text: r.text, buttons: r.buttons, updates: [] };
    if (r.taskId) this.taskIds.set(r.taskId, msg);
    this.sent.push(msg);
    return { body: { errcode: 0, errmsg: 'ok' } };
  }

  env(): Record<string, string> {
    if (this.mode === 'webhook') {
      // URL 回调 mode has no Bot ID / Secret: only the callback Token and EncodingAESKey. A click's
      // card update can only ride in the click's answer, and it is rendered when the card's 1 s
      // delivery window ends: the wait must outlast a window (the production default is 4 s).
      return { WECOM_MODE: 'webhook', WECOM_TOKEN: this.token, WECOM_ENCODING_AES_KEY: this.encodingAesKey, WECOM_CARD_ACK_MS: '2500' };
    }
    return { WECOM_BOT_ID: this.botId, WECOM_BOT_SECRET: this.secret, WECOM_WS_URL: this.http.url.replace('http:', 'ws:'), WECOM_CARD_ACK_MS: '1000' };
  }

  async attach(app: App): Promise<void> {
    if (this.mode === 'ws') {
      await waitUntil('wecom client auth', () => this.authed);
      return;
    }
    this.webhookUrl = `${app.url}/webhooks/wecom`;
    // Saving the URL in the admin console: WeCom GETs it and wants the decrypted echostr within 1 s.
    const plain = crypto.randomBytes(8).toString('hex');
    const ok = await this.verifyUrl(plain);
    if (!ok) throw new Error('wecom URL verification failed');
    const forged = await this.verifyUrl(plain, { badSignature: true });
    if (forged) throw new Error('wecom URL verification accepted a forged signature');
  }

  /** The URL verification GET; true when the plaintext came back in time. */
  async verifyUrl(plain: string, opts: { badSignature?: boolean } = {}): Promise<boolean> {
    const echostr = encrypt(this.encodingAesKey, plain, '');
    const q = this.signed(echostr, opts.badSignature);
    const started = Date.now();
    const res = await fetch(`${this.webhookUrl}?${new URLSearchParams({ ...q, echostr })}`, { signal: AbortSignal.timeout(5000) });
    const text = await res.text();
    const elapsedMs = Date.now() - started;
    const ok = res.status === 200 && text === plain && elapsedMs < 1000;
    this.verifications.push({ ok, elapsedMs });
    return ok;
  }

  private signed(enc: string, bad = false, ageSeconds = 0): { msg_signature: string; timestamp: string; nonce: string } {
    const timestamp = String(Math.floor(Date.now() / 1000) - ageSeconds);
    const nonce = String(crypto.randomInt(1e9, 1e10));
    let sig = getSignature(this.token, timestamp, nonce, enc);
    if (bad) sig = sig.replace(/^./, (ch) => (ch === 'a' ? 'b' : 'a'));
    return { msg_signature: sig, timestamp, nonce };
  }

  /** POST one encrypted callback; returns the HTTP answer, decrypted when it is an encrypted reply. */
  private async post(body: Json, opts: { badSignature?: boolean; ageSeconds?: number } = {}): Promise<{ status: number; reply?: Json; elapsedMs: number }> {
    const enc = encrypt(this.encodingAesKey, JSON.stringify(body), '');
    const q = this.signed(enc, opts.badSignature, opts.ageSeconds);
    const started = Date.now();
    const res = await fetch(`${this.webhookUrl}?${new URLSearchParams(q)}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ encrypt: enc }) });
    const text = await res.text();
    const elapsedMs = Date.now() - started;
    if (res.status !== 200 || !text.trim().startsWith('{')) return { status: res.status, elapsedMs };
    const answer = JSON.parse(text) as { encrypt?: string; msgsignature?: string; timestamp?: string | number; nonce?: string | number };
    if (!answer.encrypt) return { status: res.status, elapsedMs };
    // WeCom checks the reply exactly like we check callbacks.
    if (getSignature(this.token, answer.timestamp ?? '', answer.nonce ?? '', answer.encrypt) !== answer.msgsignature) throw new Error('wecom: reply signature invalid');
    const d = decrypt(this.encodingAesKey, answer.encrypt);
    if (d.id !== '') throw new Error(`wecom: reply receiveid must be "" for the AI bot, got ${d.id}`);
    return { status: res.status, reply: JSON.parse(d.message) as Json, elapsedMs };
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

  private messageBody(chat: ChatAddress, user: string, text: string, msgid: string): Json {
    return {
      msgid,
      aibotid: this.botId,
      ...(chat.kind === 'GROUP' ? { chatid: chat.id } : {}),
      chattype: chat.kind === 'GROUP' ? 'group' : 'single',
      from: { userid: user },
      msgtype: 'text',
      text: { content: chat.kind === 'GROUP' ? `@支部助手 ${text}` : text },
    };
  }

  async pushMessage(chat: ChatAddress, user: string, text: string, opts: { eventId?: string } = {}): Promise<PushAck> {
    return this.pushBody(chat, user, this.messageBody(chat, user, text, opts.eventId ?? crypto.randomUUID()));
  }

  /** AI-bot message bodies (接收消息格式, SDK MixedContent / VoiceContent / ImageContent / FileContent). */
  async pushNonText(chat: ChatAddress, user: string, kind: NonTextKind, text = ''): Promise<PushAck> {
    const base = this.messageBody(chat, user, '', crypto.randomUUID());
    delete base.text;
    const url = `${this.http.url}/media/${crypto.randomBytes(6).toString('hex')}`;
    const body =
      kind === 'richText' ? { msgtype: 'mixed', mixed: { msg_item: [{ msgtype: 'text', text: { content: chat.kind === 'GROUP' ? `@支部助手 ${text}` : text } }, { msgtype: 'image', image: { url, aeskey: 'k' } }] } }
      : kind === 'voice' ? { msgtype: 'voice', voice: { content: text } }
      : kind === 'image' ? { msgtype: 'image', image: { url, aeskey: 'k' } }
      : kind === 'file' ? { msgtype: 'file', file: { url, aeskey: 'k' } }
      : (() => { throw new Error(`wecom: no ${kind} fake`); })();
    return this.pushBody(chat, user, { ...base, ...body });
  }

  private async pushBody(chat: ChatAddress, user: string, body: Json): Promise<PushAck> {
    const msgid = String(body.msgid);
    if (this.mode === 'webhook') {
      // A redelivery (same msgid) carries the same response_url.
      let code = [...this.responseCodes.entries()].find(([, v]) => v.msgid === msgid)?.[0];
      if (!code) {
        code = crypto.randomBytes(12).toString('hex');
        this.responseCodes.set(code, { msgid, to: chat.kind === 'GROUP' ? chat.id : user, expiresAt: Date.now() + RESPONSE_URL_TTL_MS, used: false });
      }
      const r = await this.post({ ...body, response_url: `${this.http.url}/cgi-bin/aibot/response?response_code=${code}` });
      return { elapsedMs: r.elapsedMs, status: r.status };
    }
    await waitUntil('wecom client auth', () => this.authed, 15_000);
    const started = Date.now();
    this.push('aibot_msg_callback', body);
    return { elapsedMs: Date.now() - started };
  }

  async pushAged(chat: ChatAddress, user: string, text: string, ageSeconds: number, opts: { eventId?: string } = {}): Promise<PushAck> {
    if (this.mode !== 'webhook') throw new Error('wecom long connection: deliveries are not signed');
    const code = crypto.randomBytes(12).toString('hex');
    const r = await this.post({ ...this.messageBody(chat, user, text, opts.eventId ?? crypto.randomUUID()), response_url: `${this.http.url}/cgi-bin/aibot/response?response_code=${code}` }, { ageSeconds });
    return { elapsedMs: r.elapsedMs, status: r.status };
  }

  /** Twenty copies of one message at once (a redelivery storm); the HTTP statuses. */
  async pushParallel(chat: ChatAddress, user: string, text: string, copies: number): Promise<number[]> {
    if (this.mode !== 'webhook') throw new Error('wecom long connection: no parallel HTTP deliveries');
    const msgid = crypto.randomUUID();
    const code = crypto.randomBytes(12).toString('hex');
    this.responseCodes.set(code, { msgid, to: chat.kind === 'GROUP' ? chat.id : user, expiresAt: Date.now() + RESPONSE_URL_TTL_MS, used: false });
    const body = { ...this.messageBody(chat, user, text, msgid), response_url: `${this.http.url}/cgi-bin/aibot/response?response_code=${code}` };
    const rs = await Promise.all(Array.from({ length: copies }, () => this.post(body)));
    return rs.map((r) => r.status);
  }

  async pushBadSignature(chat: ChatAddress, user: string, text: string): Promise<PushAck> {
    if (this.mode !== 'webhook') throw new Error('wecom long connection: deliveries are not signed');
    const code = crypto.randomBytes(12).toString('hex');
    const r = await this.post({ ...this.messageBody(chat, user, text, crypto.randomUUID()), response_url: `${this.http.url}/cgi-bin/aibot/response?response_code=${code}` }, { badSignature: true });
    return { elapsedMs: r.elapsedMs, status: r.status };
  }

  /** WeCom needs no answer to an event; an update must come within 5 s. No update within 2 s counts as "answered with nothing". */
  async pushCardClick(user: string, chat: ChatAddress, message: FakeSent, button: string, opts: { eventId?: string } = {}): Promise<PushAck> {
    const b = message.buttons.find((x) => x.label === button);
    if (!b) throw new Error(`no button ${button}`);
    if (this.mode === 'webhook') return this.clickWebhook(user, chat, message, String(b.value), opts.eventId ?? crypto.randomUUID());
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

  private clicks = 0;

  /** Webhook click: the answer is the HTTP response, an encrypted update_template_card (or empty). */
  private async clickWebhook(user: string, chat: ChatAddress, message: FakeSent, key: string, msgid: string): Promise<PushAck> {
    const detail = { card_type: 'button_interaction', event_key: key, task_id: message.id };
    // Both shapes of the card key: the webhook doc nests it, the SDK types read it flat.
    const event = ++this.clicks % 2 ? { eventtype: 'template_card_event', template_card_event: detail } : { eventtype: 'template_card_event', ...detail };
    const r = await this.post({
      msgid,
      create_time: Math.floor(Date.now() / 1000),
      aibotid: this.botId,
      ...(chat.kind === 'GROUP' ? { chatid: chat.id } : {}),
      chattype: chat.kind === 'GROUP' ? 'group' : 'single',
      from: { userid: user },
      msgtype: 'event',
      event,
    });
    if (!r.reply) return { elapsedMs: r.elapsedMs, status: r.status };
    if (r.reply.response_type !== 'update_template_card') throw new Error(`wecom: unexpected click answer ${String(r.reply.response_type)}`);
    const card = (r.reply.template_card ?? {}) as Json;
    if (card.task_id !== message.id) throw new Error('wecom: the updated card must keep the clicked task_id');
    const read = readBody(card);
    message.updates.push(read.text);
    message.buttons = read.buttons;
    return { elapsedMs: r.elapsedMs, status: r.status, card: read.text };
  }

  async close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    this.wss.close();
    await this.http.close();
  }
}
