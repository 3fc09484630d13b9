// A local Lark/Feishu: Open API (tenant token with expiry, send with uuid idempotency, patch,
// chat members, delayed card update, 429 with x-ogw-ratelimit-reset), the long-connection
// endpoint and its protobuf frames (pbbp2.Frame), and signed + encrypted webhook deliveries.
import crypto from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import type { App } from '../../../src/app.js';
import { type ChatAddress, FakeHttp, type FakeReply, Hangs, type FakeSent, type NonTextKind, type PlatformFake, type PushAck, type RecordedRequest, waitUntil } from './common.js';

// ── pbbp2.Frame, hand-encoded (field numbers from the SDK's generated encoder) ──
interface Frame {
  SeqID: number;
  LogID: number;
  service: number;
  method: number; // 0 control, 1 data
  headers: Array<{ key: string; value: string }>;
  payload?: Buffer;
}

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = BigInt(n);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return Buffer.from(out);
}
const tag = (field: number, wire: number) => varint((field << 3) | wire);
const lenField = (field: number, data: Buffer) => Buffer.concat([tag(field, 2), varint(data.length), data]);

export function encodeFrame(f: Frame): Buffer {
  const parts = [tag(1, 0), varint(f.SeqID), tag(2, 0), varint(f.LogID), tag(3, 0), varint(f.service), tag(4, 0), varint(f.method)];
  for (const h of f.headers) parts.push(lenField(5, Buffer.concat([lenField(1, Buffer.from(h.key)), lenField(2, Buffer.from(h.value))])));
  if (f.payload) parts.push(lenField(8, f.payload));
  return Buffer.concat(parts);
}

function readVarint(buf: Buffer, pos: number): [number, number] {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    const b = buf[pos++]!;
    result |= BigInt(b & 0x7f) << shift;
    if (!(b & 0x80)) return [Number(result), pos];
    shift += 7n;
  }
}

function readFields(buf: Buffer): Array<{ field: number; value: number | Buffer }> {
  const out: Array<{ field: number; value: number | Buffer }> = [];
  let pos = 0;
  while (pos < buf.length) {
    const [key, p1] = readVarint(buf, pos);
    pos = p1;
    const field = key >> 3;
    const wire = key & 7;
    if (wire === 0) {
      const [v, p2] = readVarint(buf, pos);
      pos = p2;
      out.push({ field, value: v });
    } else if (wire === 2) {
      const [len, p2] = readVarint(buf, pos);
      out.push({ field, value: buf.subarray(p2, p2 + len) });
      pos = p2 + len;
    } else throw new Error(`wire type ${wire}`);
  }
  return out;
}

export function decodeFrame(buf: Buffer): Frame {
  const f: Frame = { SeqID: 0, LogID: 0, service: 0, method: 0, headers: [] };
  for (const { field, value } of readFields(buf)) {
    if (field === 1) f.SeqID = value as number;
    else if (field === 2) f.LogID = value as number;
    else if (field === 3) f.service = value as number;
    else if (field === 4) f.method = value as number;
    else if (field === 5) {
      const h = { key: '', value: '' };
      for (const x of readFields(value as Buffer)) {
        if (x.field === 1) h.key = (x.value as Buffer).toString();
        if (x.field === 2) h.value = (x.value as Buffer).toString();
      }
      f.headers.push(h);
    } else if (field === 8) f.payload = Buffer.from(value as Buffer);
  }
  return f;
}

// ── card JSON 2.0 → readable text ──
type Json = Record<string, unknown>;
function readCard(card: Json): { text: string; buttons: FakeSent['buttons'] } {
  const lines: string[] = [];
  const buttons: FakeSent['buttons'] = [];
  const header = card.header as { title?: { content?: string } } | undefined;
  if (header?.title?.content) lines.push(header.title.content);
  const walk = (els: unknown) => {
    for (const el of (els as Json[]) ?? []) {
      if (el.tag === 'markdown') lines.push(String(el.content).replace(/\*\*/g, ''));
      if (el.tag === 'button') {
        const label = String((el.text as Json)?.content ?? '');
        const behavior = ((el.behaviors as Json[]) ?? [])[0];
        lines.push(behavior?.type === 'open_url' ? `[${label}](${String(behavior.default_url)})` : `[${label}]`);
        buttons.push({ label, value: ((el.behaviors as Json[]) ?? [])[0]?.value });
      }
      if (el.tag === 'input' || el.tag === 'select_static' || el.tag === 'date_picker') lines.push(`<${String(el.name)}>`);
      if (el.elements) walk(el.elements);
      if (el.columns) for (const c of el.columns as Json[]) walk(c.elements);
    }
  };
  walk((card.body as Json | undefined)?.elements);
  return { text: lines.join('\n'), buttons };
}

export interface LarkFakeOptions {
  mode: 'ws' | 'webhook';
  /** Token lifetime the fake hands out (seconds); the SDK caches until expire − 180 s. */
  tokenExpireSeconds?: number;
}

export class LarkFake implements PlatformFake {
  readonly platform = 'LARK' as const;
  readonly ackDeadlineMs = 3000;
  readonly updatesInPlace = true;
  readonly appId = 'cli_0123456789abcdef';
  readonly appSecret = 'fake-lark-secret';
  readonly encryptKey = 'fake-encrypt-key-123';
  readonly verificationToken = 'fake-verification-token';
  readonly http = new FakeHttp();
  readonly sent: FakeSent[] = [];
  readonly delayedUpdates: Array<{ token: string; text: string }> = [];
  private wss!: WebSocketServer;
  private socket: WebSocket | undefined;
  private pinged = false;
  private readonly pendingAcks = new Map<string, (payload: { code: number; data?: string }) => void>();
  private readonly tokens = new Map<string, { expiresAt: number; revoked: boolean }>();
  private readonly byUuid = new Map<string, string>();
  private rateLimitBudget = 0;
  rateLimited = 0;
  tokenRequests = 0;
  private seq = 0;
  private webhookUrl = '';
  readonly members = new Map<string, string[]>();

  constructor(readonly opts: LarkFakeOptions) {}

  get transport() {
    return { signedDeliveries: this.opts.mode === 'webhook', rateLimitedSends: true, expiringTokens: true, cardSizeLimit: 30 * 1024, hangs: true, nonText: ['richText', 'image', 'file', 'other'] as NonTextKind[], attachments: true,
      // Pushes again 15 s, 5 min, 1 h, 6 h after a failed push (about 7.1 h); whether the timestamp is renewed is not documented.
      ...(this.opts.mode === 'webhook' ? { timestamps: { redeliveredUpTo: 6 * 3600 + 3600 + 300 + 15, neverOlderThan: 2 * 86_400 }, unsignedChallenge: true } : {}) };
  }

  static async start(opts: LarkFakeOptions): Promise<LarkFake> {
    const f = new LarkFake(opts);
    await f.listen();
    return f;
  }

  private authorized(req: RecordedRequest): boolean {
    const t = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    const info = t ? this.tokens.get(t) : undefined;
    return !!info && !info.revoked && info.expiresAt > Date.now();
  }

  private guard(req: RecordedRequest, send: boolean) {
    if (!this.authorized(req)) return { status: 400, body: { code: 99991663, msg: 'Invalid access token for authorization. Please make a request with token attached.' } };
    if (send && this.rateLimitBudget > 0) {
      this.rateLimitBudget--;
      this.rateLimited++;
      return { status: 429, headers: { 'x-ogw-ratelimit-limit': '5', 'x-ogw-ratelimit-reset': '1' }, body: { code: 99991400, msg: 'request trigger frequency limit' } };
    }
    return undefined;
  }

  // ── 获取消息中的资源文件: GET /open-apis/im/v1/messages/:message_id/resources/:file_key?type=image|file ──
  private readonly resources = new Map<string, Buffer>();
  private downloadFailures = 0;
  readonly downloads = { served: 0, refused: 0 };
  failDownloads(n: number): void {
    this.downloadFailures = n;
  }

  /** The file as a binary body with Content-Type; errors as the doc lists them (HTTP 400 + code). */
  private resource(req: RecordedRequest, messageId: string, fileKey: string): FakeReply {
    const denied = this.guard(req, false);
    if (denied) return denied;
    const type = req.query.get('type');
    if (type !== 'image' && type !== 'file') return { status: 400, body: { code: 234001, msg: 'Invalid request param.' } };
    if (this.downloadFailures > 0) {
      this.downloadFailures--;
      return { status: 500, body: { code: 1000, msg: 'internal error' } };
    }
    const bytes = this.resources.get(`${messageId}/${fileKey}`);
    if (!bytes) {
      this.downloads.refused++;
      return { status: 400, body: { code: 234003, msg: 'File not in message.' } };
    }
    if (bytes.length > 100 * 1024 * 1024) return { status: 400, body: { code: 234037, msg: 'Downloaded file size exceeds limit.' } };
    this.downloads.served++;
    return { body: null, raw: bytes, headers: { 'content-type': type === 'image' ? 'image/png' : 'application/octet-stream' } };
  }

  /** Every key handed out so far stops being served (as a message recalled or a resource deleted): 234003. */
  forgetResources(): void {
    this.resources.clear();
  }

  /** A post (rich text) with the command and an img element, as a member sends a picture with words. */
  async pushWithPicture(chat: ChatAddress, user: string, text: string, picture: Buffer): Promise<PushAck> {
    const group = chat.kind === 'GROUP';
    const messageId = `om_in_${crypto.randomBytes(4).toString('hex')}`;
    const imageKey = `img_v3_${crypto.randomBytes(6).toString('hex')}`;
    this.resources.set(`${messageId}/${imageKey}`, picture);
    const at = group ? [{ tag: 'at', user_id: '@_user_1', user_name: '支部助手' }] : [];
    const event = {
      sender: { sender_id: { open_id: user, user_id: user.replace(/^ou_/, ''), union_id: `on_${user}` }, sender_type: 'user', tenant_key: 'tk' },
      message: {
        message_id: messageId,
        chat_id: chat.id,
        chat_type: group ? 'group' : 'p2p',
        message_type: 'post',
        content: JSON.stringify({ title: '', content: [[...at, { tag: 'text', text: ` ${text}` }], [{ tag: 'img', image_key: imageKey }]] }),
        mentions: group ? [{ key: '@_user_1', id: { open_id: 'ou_bot' }, name: '支部助手' }] : [],
        create_time: String(Date.now()),
      },
    };
    const r = await this.deliver(this.envelope('im.message.receive_v1', event, crypto.randomUUID()));
    return { elapsedMs: r.elapsedMs, status: r.status };
  }

  refusedForSize = 0;
  private readonly hangs = new Hangs();
  hang(target: string) {
    return this.hangs.hang(target);
  }

  /** Card and rich-text requests are limited to 30 KB, text to 150 KB; an input's max_length to 1–1,000. */
  private oversize(req: RecordedRequest, msgType: string, content: string) {
    const bytes = Buffer.byteLength(JSON.stringify(req.body));
    const limit = msgType === 'text' ? 150 * 1024 : 30 * 1024;
    const inputs = msgType === 'interactive' ? [...content.matchAll(/"max_length":(\d+)/g)].map((m) => Number(m[1])) : [];
    if (bytes <= limit && inputs.every((n) => n >= 1 && n <= 1000)) return undefined;
    this.refusedForSize++;
    return { status: 400, body: { code: 230025, msg: bytes > limit ? `message content exceeds ${limit} bytes` : 'input max_length must be 1~1000' } };
  }

  async listen(): Promise<void> {
    const h = this.http;
    h.route('POST', /^\/open-apis\/auth\/v3\/tenant_access_token\/internal$/, (req) => {
      const b = req.body as { app_id?: string; app_secret?: string };
      if (b.app_id !== this.appId || b.app_secret !== this.appSecret) return { body: { code: 10014, msg: 'app secret invalid' } };
      this.tokenRequests++;
      const token = `t-${crypto.randomBytes(8).toString('hex')}`;
      const expire = this.opts.tokenExpireSeconds ?? 7200;
      this.tokens.set(token, { expiresAt: Date.now() + expire * 1000, revoked: false });
      return { body: { code: 0, msg: 'ok', tenant_access_token: token, expire } };
    });
    h.route('POST', /^\/callback\/ws\/endpoint$/, (req) => {
      const b = req.body as { AppID?: string; AppSecret?: string };
      if (b.AppID !== this.appId || b.AppSecret !== this.appSecret) return { body: { code: 1000040345, msg: 'invalid app' } };
      const port = new URL(this.http.url).port;
      return {
        body: {
          code: 0,
          data: { URL: `ws://127.0.0.1:${port}/ws?fpid=1&device_id=d1&service_id=7`, ClientConfig: { PingInterval: 120, ReconnectCount: -1, ReconnectInterval: 120, ReconnectNonce: 30 } },
        },
      };
    });
    h.route('POST', /^\/open-apis\/im\/v1\/messages$/, async (req) => {
      const denied = this.guard(req, true);
      if (denied) return denied;
      const b = req.body as { receive_id: string; msg_type: string; content: string; uuid?: string };
      await this.hangs.pass(b.receive_id);
      const oversize = this.oversize(req, b.msg_type, b.content);
      if (oversize) return oversize;
      if (b.uuid && this.byUuid.has(b.uuid)) return { body: { code: 0, data: { message_id: this.byUuid.get(b.uuid) } } };
      const id = `om_${crypto.randomBytes(6).toString('hex')}`;
      if (b.uuid) this.byUuid.set(b.uuid, id);
      const content = JSON.parse(b.content) as Json;
      const card = b.msg_type === 'interactive' ? readCard(content) : { text: String(content.text), buttons: [] };
      this.sent.push({ id, to: b.receive_id, kind: b.msg_type === 'interactive' ? 'card' : 'text', text: card.text, buttons: card.buttons, updates: [] });
      return { body: { code: 0, msg: 'success', data: { message_id: id, chat_id: b.receive_id, msg_type: b.msg_type } } };
    });
    h.route('PATCH', /^\/open-apis\/im\/v1\/messages\/([^/]+)$/, (req, m) => {
      const denied = this.guard(req, true);
      if (denied) return denied;
      const msg = this.sent.find((s) => s.id === m[1]);
      if (!msg) return { status: 400, body: { code: 230001, msg: 'message not found' } };
      const oversize = this.oversize(req, 'interactive', (req.body as { content: string }).content);
      if (oversize) return oversize;
      const content = JSON.parse((req.body as { content: string }).content) as Json;
      if (!(content.config as Json | undefined)?.update_multi) return { status: 400, body: { code: 230099, msg: 'card is not shared (update_multi)' } };
      const card = readCard(content);
      msg.updates.push(card.text);
      msg.buttons = card.buttons;
      return { body: { code: 0, msg: 'success' } };
    });
    h.route('GET', /^\/open-apis\/im\/v1\/chats\/([^/]+)\/members$/, (req, m) => {
      const denied = this.guard(req, false);
      if (denied) return denied;
      const all = this.members.get(m[1]!) ?? [];
      const size = Number(req.query.get('page_size') ?? 20);
      const start = Number(req.query.get('page_token') ?? 0);
      const items = all.slice(start, start + size).map((id) => ({ member_id_type: 'open_id', member_id: id, name: id, tenant_key: 'tk' }));
      const more = start + size < all.length;
      return { body: { code: 0, data: { items, has_more: more, page_token: more ? String(start + size) : '', member_total: all.length } } };
    });
    h.route('POST', /^\/open-apis\/interactive\/v1\/card\/update$/, (req) => {
      const denied = this.guard(req, false);
      if (denied) return denied;
      const b = req.body as { token: string; card: Json };
      this.delayedUpdates.push({ token: b.token, text: readCard(b.card).text });
      return { body: { code: 0, msg: 'success' } };
    });
    h.route('GET', /^\/open-apis\/im\/v1\/messages\/([^/]+)\/resources\/([^/]+)$/, (req, m) => this.resource(req, m[1]!, m[2]!));
    await h.listen();

    this.wss = new WebSocketServer({ server: h.server, path: '/ws' });
    this.wss.on('connection', (socket) => {
      this.socket = socket;
      this.pinged = false;
      socket.on('message', (data: Buffer) => {
        const f = decodeFrame(data);
        const type = f.headers.find((x) => x.key === 'type')?.value;
        if (f.method === 0 && type === 'ping') {
          this.pinged = true;
          socket.send(encodeFrame({ ...f, headers: [{ key: 'type', value: 'pong' }], payload: Buffer.from(JSON.stringify({ PingInterval: 120, ReconnectCount: -1, ReconnectInterval: 120, ReconnectNonce: 30 })) }));
          return;
        }
        if (f.method === 1) {
          const id = f.headers.find((x) => x.key === 'message_id')?.value ?? '';
          this.pendingAcks.get(id)?.(JSON.parse(f.payload?.toString('utf8') ?? '{}'));
          this.pendingAcks.delete(id);
        }
      });
    });
  }

  env(): Record<string, string> {
    return {
      LARK_APP_ID: this.appId,
      LARK_APP_SECRET: this.appSecret,
      LARK_DOMAIN: this.http.url,
      LARK_MODE: this.opts.mode,
      ...(this.opts.mode === 'webhook' ? { LARK_ENCRYPT_KEY: this.encryptKey, LARK_VERIFICATION_TOKEN: this.verificationToken } : {}),
      PLATFORM_AUTO_RECONNECT: 'false',
      // Shorter than the conformance suite's slow action, so the late path is exercised.
      LARK_CARD_ACK_MS: '1000',
    };
  }

  async attach(app: App): Promise<void> {
    this.webhookUrl = `${app.url}/webhooks/lark`;
    // Push only after the client's first ping (the SDK attaches its listener after the handshake).
    if (this.opts.mode === 'ws') await waitUntil('lark client ping', () => this.pinged);
  }

  userId(code: string) {
    return `ou_${code}`;
  }
  group(branch: number): ChatAddress {
    return { kind: 'GROUP', id: `oc_branch${branch}` };
  }
  direct(userId: string): ChatAddress {
    return { kind: 'DIRECT', id: `oc_p2p_${userId}` };
  }

  rateLimitNext(n: number) {
    this.rateLimitBudget = n;
  }
  expireTokens() {
    for (const t of this.tokens.values()) t.revoked = true;
  }

  private envelope(eventType: string, event: Json, eventId: string): Json {
    return {
      schema: '2.0',
      header: { event_id: eventId, event_type: eventType, create_time: String(Date.now()), token: this.verificationToken, app_id: this.appId, tenant_key: 'tk' },
      event,
    };
  }

  /** Deliver an event and return the ack payload (WS: the ack frame; webhook: the HTTP answer). */
  async deliver(envelope: Json, opts: { badSignature?: boolean; ageSeconds?: number } = {}): Promise<{ status: number; result: Json | undefined; elapsedMs: number }> {
    const started = Date.now();
    if (this.opts.mode === 'webhook') {
      const iv = crypto.randomBytes(16);
      const key = crypto.createHash('sha256').update(this.encryptKey).digest();
      const c = crypto.createCipheriv('aes-256-cbc', key, iv);
      const encrypt = Buffer.concat([iv, c.update(JSON.stringify(envelope), 'utf8'), c.final()]).toString('base64');
      const raw = JSON.stringify({ encrypt });
      const ts = String(Math.floor(Date.now() / 1000) - (opts.ageSeconds ?? 0));
      const nonce = crypto.randomBytes(8).toString('hex');
      let signature = crypto.createHash('sha256').update(ts + nonce + this.encryptKey + raw).digest('hex');
      if (opts.badSignature) signature = signature.replace(/^./, (ch) => (ch === 'a' ? 'b' : 'a'));
      const res = await fetch(this.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-lark-request-timestamp': ts, 'x-lark-request-nonce': nonce, 'x-lark-signature': signature },
        body: raw,
      });
      const text = await res.text();
      return { status: res.status, result: text ? (JSON.parse(text) as Json) : undefined, elapsedMs: Date.now() - started };
    }
    if (!this.socket) throw new Error('lark client not connected');
    const messageId = `msg_${++this.seq}_${crypto.randomBytes(4).toString('hex')}`;
    const acked = new Promise<{ code: number; data?: string }>((resolve) => this.pendingAcks.set(messageId, resolve));
    this.socket.send(
      encodeFrame({
        SeqID: this.seq,
        LogID: this.seq,
        service: 7,
        method: 1,
        headers: [
          { key: 'type', value: 'event' },
          { key: 'message_id', value: messageId },
          { key: 'sum', value: '1' },
          { key: 'seq', value: '0' },
          { key: 'trace_id', value: `tr_${this.seq}` },
        ],
        payload: Buffer.from(JSON.stringify(envelope)),
      }),
    );
    const ack = await acked;
    const result = ack.data ? (JSON.parse(Buffer.from(ack.data, 'base64').toString('utf8')) as Json) : undefined;
    return { status: ack.code, result, elapsedMs: Date.now() - started };
  }

  async pushMessage(chat: ChatAddress, user: string, text: string, opts: { eventId?: string } = {}): Promise<PushAck> {
    const event = {
      sender: { sender_id: { open_id: user, user_id: user.replace(/^ou_/, ''), union_id: `on_${user}` }, sender_type: 'user', tenant_key: 'tk' },
      message: {
        message_id: `om_in_${crypto.randomBytes(4).toString('hex')}`,
        chat_id: chat.id,
        chat_type: chat.kind === 'GROUP' ? 'group' : 'p2p',
        message_type: 'text',
        content: JSON.stringify({ text: chat.kind === 'GROUP' ? `@_user_1 ${text}` : text }),
        mentions: chat.kind === 'GROUP' ? [{ key: '@_user_1', id: { open_id: 'ou_bot' }, name: '支部助手' }] : [],
        create_time: String(Date.now()),
      },
    };
    const r = await this.deliver(this.envelope('im.message.receive_v1', event, opts.eventId ?? crypto.randomUUID()));
    return { elapsedMs: r.elapsedMs, status: r.status };
  }

  /** 机器人进群 (im.chat.member.bot.added_v1), fields as the event's documentation lists them. */
  async pushBotAdded(chat: ChatAddress, user: string, opts: { eventId?: string; name?: string } = {}): Promise<PushAck> {
    const name = opts.name ?? '工作群';
    const event = {
      chat_id: chat.id,
      operator_id: { open_id: user, user_id: user.replace(/^ou_/, ''), union_id: `on_${user}` },
      external: false,
      operator_tenant_key: 'tk',
      name,
      i18n_names: { zh_cn: name, en_us: '', ja_jp: '' },
    };
    const r = await this.deliver(this.envelope('im.chat.member.bot.added_v1', event, opts.eventId ?? crypto.randomUUID()));
    return { elapsedMs: r.elapsedMs, status: r.status };
  }

  /** Shapes from 接收消息内容结构: post {title, content: [[elements]]}, image {image_key}, file {file_key, file_name}, sticker {file_key}. */
  async pushNonText(chat: ChatAddress, user: string, kind: NonTextKind, text = ''): Promise<PushAck> {
    const group = chat.kind === 'GROUP';
    const at = group ? [{ tag: 'at', user_id: '@_user_1', user_name: '支部助手' }] : [];
    const [type, content] =
      kind === 'richText' ? ['post', { title: '', content: [[...at, { tag: 'text', text: ` ${text}`, style: ['bold'] }], [{ tag: 'img', image_key: 'img_v3_02ab_demo' }]] }]
      : kind === 'image' ? ['image', { image_key: 'img_v3_02ab_photo' }]
      : kind === 'file' ? ['file', { file_key: 'file_v3_00ab_doc', file_name: '学习材料.pdf' }]
      : kind === 'other' ? ['sticker', { file_key: 'file_v3_00ab_sticker' }]
      : (() => { throw new Error(`lark: no ${kind} messages with text`); })();
    const event = {
      sender: { sender_id: { open_id: user, user_id: user.replace(/^ou_/, ''), union_id: `on_${user}` }, sender_type: 'user', tenant_key: 'tk' },
      message: {
        message_id: `om_in_${crypto.randomBytes(4).toString('hex')}`,
        chat_id: chat.id,
        chat_type: group ? 'group' : 'p2p',
        message_type: type,
        content: JSON.stringify(content),
        mentions: group && kind === 'richText' ? [{ key: '@_user_1', id: { open_id: 'ou_bot' }, name: '支部助手' }] : [],
        create_time: String(Date.now()),
      },
    };
    const r = await this.deliver(this.envelope('im.message.receive_v1', event, crypto.randomUUID()));
    return { elapsedMs: r.elapsedMs, status: r.status };
  }

  async pushCardClick(user: string, chat: ChatAddress, message: FakeSent, button: string, opts: { eventId?: string; form?: Record<string, string> } = {}): Promise<PushAck> {
    const b = message.buttons.find((x) => x.label === button);
    if (!b) throw new Error(`no button ${button} on ${message.text}`);
    const event = {
      operator: { open_id: user, user_id: user.replace(/^ou_/, ''), union_id: `on_${user}`, tenant_key: 'tk' },
      token: `c-${crypto.randomBytes(6).toString('hex')}`,
      host: 'im_message',
      action: { tag: 'button', value: b.value, ...(opts.form ? { form_value: opts.form, name: 'submit' } : {}) },
      context: { open_message_id: message.id, open_chat_id: chat.kind === 'GROUP' ? chat.id : `oc_p2p_${user}` },
    };
    const r = await this.deliver(this.envelope('card.action.trigger', event, opts.eventId ?? crypto.randomUUID()));
    const toast = (r.result?.toast as { content?: string } | undefined)?.content;
    const card = (r.result?.card as { data?: Json } | undefined)?.data;
    return { elapsedMs: r.elapsedMs, status: r.status, toast, card: card ? readCard(card).text : undefined };
  }

  async pushAged(chat: ChatAddress, user: string, text: string, ageSeconds: number, opts: { eventId?: string } = {}): Promise<PushAck> {
    const event = { sender: { sender_id: { open_id: user }, sender_type: 'user' }, message: { message_id: `om_${crypto.randomBytes(4).toString('hex')}`, chat_id: chat.id, chat_type: chat.kind === 'GROUP' ? 'group' : 'p2p', message_type: 'text', content: JSON.stringify({ text }) } };
    const r = await this.deliver(this.envelope('im.message.receive_v1', event, opts.eventId ?? crypto.randomUUID()), { ageSeconds });
    return { elapsedMs: r.elapsedMs, status: r.status };
  }

  async pushParallel(chat: ChatAddress, user: string, text: string, copies: number): Promise<number[]> {
    const event = { sender: { sender_id: { open_id: user }, sender_type: 'user' }, message: { message_id: `om_${crypto.randomBytes(4).toString('hex')}`, chat_id: chat.id, chat_type: chat.kind === 'GROUP' ? 'group' : 'p2p', message_type: 'text', content: JSON.stringify({ text }) } };
    const envelope = this.envelope('im.message.receive_v1', event, crypto.randomUUID());
    const rs = await Promise.all(Array.from({ length: copies }, () => this.deliver(envelope)));
    return rs.map((r) => r.status);
  }

  /** url_verification as Feishu sends it when the URL is saved: encrypted, and without signature headers. */
  async pushChallenge(opts: { token?: string } = {}): Promise<{ status: number; challenge?: string; sent: string }> {
    const sent = `c-${crypto.randomBytes(6).toString('hex')}`;
    const iv = crypto.randomBytes(16);
    const key = crypto.createHash('sha256').update(this.encryptKey).digest();
    const c = crypto.createCipheriv('aes-256-cbc', key, iv);
    const plain = JSON.stringify({ challenge: sent, token: opts.token ?? this.verificationToken, type: 'url_verification' });
    const encrypt = Buffer.concat([iv, c.update(plain, 'utf8'), c.final()]).toString('base64');
    const res = await fetch(this.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ encrypt }) });
    const body = (await res.json().catch(() => ({}))) as { challenge?: string };
    return { status: res.status, challenge: body.challenge, sent };
  }

  async pushBadSignature(chat: ChatAddress, user: string, text: string): Promise<PushAck> {
    const event = { sender: { sender_id: { open_id: user }, sender_type: 'user' }, message: { message_id: 'om_x', chat_id: chat.id, chat_type: 'group', message_type: 'text', content: JSON.stringify({ text }) } };
    const r = await this.deliver(this.envelope('im.message.receive_v1', event, crypto.randomUUID()), { badSignature: true });
    return { elapsedMs: r.elapsedMs, status: r.status };
  }

  async close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    this.wss.close();
    await this.http.close();
  }
}
