// A local DingTalk: the Stream gateway (POST → {endpoint, ticket}), the Stream WebSocket pushing
// CALLBACK frames (robot messages, card callbacks) and collecting acks, the Open API (access token
// with expiry, robot group and batch direct messages, card create-and-deliver and update, 429
// throttling) and sessionWebhooks that point back at the fake.
import crypto from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import type { App } from '../../../src/app.js';
import { type ChatAddress, FakeHttp, type FakeReply, Hangs, type FakeSent, type NonTextKind, type PlatformFake, type PushAck, type RecordedRequest, waitUntil } from './common.js';

type Json = Record<string, unknown>;

const TOPIC_ROBOT = '/v1.0/im/bot/messages/get';
const TOPIC_CARD = '/v1.0/card/instances/callback';

/** Template card variables → readable text (as the imported template would show them). */
function readCardParams(p: Record<string, string>): { text: string; buttons: FakeSent['buttons'] } {
  const lines = [p.title ?? ''];
  if (p.content) lines.push(...p.content.replace(/\*\*/g, '').split('\n\n'));
  const buttons: FakeSent['buttons'] = [];
  for (let i = 1; i <= 4; i++) if (p[`btn_${i}_show`] === 'true') buttons.push({ label: p[`btn_${i}_text`] ?? '', value: `btn_${i}` });
  for (const b of buttons) lines.push(`[${b.label}]`);
  if (p.footer) lines.push(p.footer);
  return { text: lines.join('\n'), buttons };
}

/** Markdown / text messages → readable text; numbered choices ("回复 1 签到") are the buttons. */
function readMessage(msgKey: string, param: Json): { kind: 'text' | 'card'; text: string; buttons: FakeSent['buttons'] } {
  const text = String(msgKey === 'sampleText' ? param.content : param.text).replace(/\*\*/g, '').replace(/\n\n/g, '\n');
  const buttons = [...text.matchAll(/^回复 (\d+) (?:加\S+?)?(\S+?)(?:，.*)?$/gm)].map((m) => ({ label: m[2]!, value: Number(m[1]) }));
  return { kind: msgKey === 'sampleText' ? 'text' : 'card', text, buttons };
}

export interface DingTalkFakeOptions {
  /** Template cards (in-place updates) or markdown with numbered replies. */
  template: boolean;
  /** Answer through sessionWebhooks (off: everything through the Open API). */
  sessionWebhook?: boolean;
}

export class DingTalkFake implements PlatformFake {
  readonly platform = 'DINGTALK' as const;
  readonly ackDeadlineMs = 3000;
  readonly transport = { signedDeliveries: false, rateLimitedSends: true, expiringTokens: true, nonText: ['richText', 'voice', 'image', 'file', 'other'] as NonTextKind[], partialBatch: true, hangs: true, attachments: true };
  readonly clientId = 'dingfakeappkey01';
  readonly clientSecret = 'fake-dingtalk-secret';
  readonly templateId = 'fake-template.schema';
  readonly http = new FakeHttp();
  readonly sent: FakeSent[] = [];
  private wss!: WebSocketServer;
  private socket: WebSocket | undefined;
  private readonly ticket = crypto.randomBytes(8).toString('hex');
  private readonly pendingAcks = new Map<string, (frame: Json) => void>();
  private readonly tokens = new Map<string, { expiresAt: number; revoked: boolean }>();
  private readonly sessions = new Map<string, { target: string; expired: boolean }>();
  private rateLimitBudget = 0;
  rateLimited = 0;
  tokenRequests = 0;
  sessionPosts = 0;

  constructor(readonly opts: DingTalkFakeOptions) {}

  get updatesInPlace() {
    return this.opts.template;
  }

  static async start(opts: DingTalkFakeOptions): Promise<DingTalkFake> {
    const f = new DingTalkFake(opts);
    await f.listen();
    return f;
  }

  private guard(req: RecordedRequest, send: boolean): { status: number; body: Json } | undefined {
    const t = String(req.headers['x-acs-dingtalk-access-token'] ?? '');
    const info = this.tokens.get(t);
    if (!info || info.revoked || info.expiresAt < Date.now()) return { status: 401, body: { code: 'InvalidAuthentication', message: '不合法的access_token', requestid: crypto.randomUUID() } };
    if (send && this.rateLimitBudget > 0) {
      this.rateLimitBudget--;
      this.rateLimited++;
      return { status: 429, body: { code: 'Throttling.Api', message: 'The request has exceeded the allowed limit.' } };
    }
    return undefined;
  }

  private record(to: string, r: { kind: 'text' | 'card'; text: string; buttons: FakeSent['buttons'] }, id: string = crypto.randomUUID()): string {
    this.sent.push({ id, to, kind: r.kind, text: r.text, buttons: r.buttons, updates: [] });
    return id;
  }

  // ── 下载机器人接收消息的文件内容: POST /v1.0/robot/messageFiles/download {downloadCode, robotCode} → {downloadUrl} ──
  private readonly files = new Map<string, Buffer>();
  private readonly downloadUrls = new Map<string, Buffer>();
  private downloadFailures = 0;
  readonly downloads = { served: 0, refused: 0 };
  failDownloads(n: number): void {
    this.downloadFailures = n;
  }

  /** A short-lived download URL for a downloadCode of this robot; new-API errors as {code, message}. */
  private messageFile(req: RecordedRequest): FakeReply {
    const denied = this.guard(req, false);
    if (denied) return denied;
    const b = (req.body ?? {}) as { downloadCode?: string; robotCode?: string };
    if (b.robotCode !== this.clientId) return { status: 400, body: { code: 'invalidParameter.robotCode', message: 'robotCode 无效' } };
    if (this.downloadFailures > 0) {
      this.downloadFailures--;
      return { status: 500, body: { code: 'ServiceUnavailable', message: 'service unavailable' } };
    }
    const bytes = this.files.get(b.downloadCode ?? '');
    if (!bytes) {
      this.downloads.refused++;
      return { status: 400, body: { code: 'invalidParameter.downloadCode', message: 'downloadCode 无效或已过期' } };
    }
    this.downloads.served++;
    const id = crypto.randomBytes(8).toString('hex');
    this.downloadUrls.set(id, bytes);
    return { body: { downloadUrl: `${this.http.url}/download/${id}` } };
  }

  /** richText with the command and a picture (机器人接收消息), the picture's downloadCode served by messageFiles/download. */
  async pushWithPicture(chat: ChatAddress, user: string, text: string, picture: Buffer): Promise<PushAck> {
    const downloadCode = `dc_${crypto.randomBytes(8).toString('hex')}`;
    this.files.set(downloadCode, picture);
    return this.pushRobot(chat, user, { msgtype: 'richText', content: { richText: [{ text: chat.kind === 'GROUP' ? ` ${text}` : text }, { type: 'picture', downloadCode, pictureDownloadCode: `p${downloadCode}` }] } });
  }

  async listen(): Promise<void> {
    const h = this.http;
    h.route('POST', /^\/v1\.0\/gateway\/connections\/open$/, (req) => {
      const b = req.body as { clientId?: string; clientSecret?: string; subscriptions?: Array<{ type: string; topic: string }> };
      if (b.clientId !== this.clientId || b.clientSecret !== this.clientSecret) return { status: 401, body: { code: 'InvalidAuthentication', message: 'invalid client' } };
      const topics = (b.subscriptions ?? []).map((s) => s.topic);
      if (!topics.includes(TOPIC_ROBOT) || !topics.includes(TOPIC_CARD)) return { status: 400, body: { code: 'InvalidSubscription', message: `missing topics: ${topics.join(',')}` } };
      return { body: { endpoint: `${this.http.url.replace('http:', 'ws:')}/connect`, ticket: this.ticket } };
    });
    h.route('POST', /^\/v1\.0\/oauth2\/accessToken$/, (req) => {
      const b = req.body as { appKey?: string; appSecret?: string };
      if (b.appKey !== this.clientId || b.appSecret !== this.clientSecret) return { status: 400, body: { code: 'invalidClientIdOrSecret', message: '无效的clientId或者clientSecret' } };
      this.tokenRequests++;
      const token = crypto.randomBytes(12).toString('hex');
      this.tokens.set(token, { expiresAt: Date.now() + 7200_000, revoked: false });
      return { body: { accessToken: token, expireIn: 7200 } };
    });
    h.route('POST', /^\/v1\.0\/robot\/messageFiles\/download$/, (req) => this.messageFile(req));
    h.route('GET', /^\/download\/([0-9a-f]+)$/, (_req, m) => {
      const bytes = this.downloadUrls.get(m[1]!);
      return bytes ? { body: null, raw: bytes, headers: { 'content-type': 'image/png' } } : { status: 403, body: { code: 'AccessDenied', message: 'Request has expired.' } };
    });
    h.route('POST', /^\/v1\.0\/robot\/groupMessages\/send$/, async (req) => {
      const denied = this.guard(req, true);
      if (denied) return denied;
      const b = req.body as { robotCode: string; openConversationId: string; msgKey: string; msgParam: string };
      await this.hangs.pass(b.openConversationId);
      if (b.robotCode !== this.clientId) return { status: 400, body: { code: 'invalidRobotCode', message: 'robot not found' } };
      const id = this.record(b.openConversationId, readMessage(b.msgKey, JSON.parse(b.msgParam) as Json));
      return { body: { processQueryKey: id } };
    });
    h.route('POST', /^\/v1\.0\/robot\/oToMessages\/batchSend$/, async (req) => {
      const denied = this.guard(req, true);
      if (denied) return denied;
      const b = req.body as { userIds: string[]; msgKey: string; msgParam: string };
      for (const u of b.userIds ?? []) await this.hangs.pass(u);
      if (!b.userIds?.length || b.userIds.length > 20) return { status: 400, body: { code: 'invalidParameter.userIds', message: 'userIds 1-20' } };
      const key = crypto.randomUUID();
      // 200 with the recipients it did not reach (BatchSendOTOResponseBody): never delivered to them.
      const flowControlled: string[] = [];
      const invalid: string[] = [];
      for (const u of b.userIds) {
        const outcome = this.batchOutcomes.get(u);
        if (outcome === 'invalid') invalid.push(u);
        else if (outcome && outcome.flowControlled > 0) {
          outcome.flowControlled--;
          flowControlled.push(u);
        } else this.record(u, readMessage(b.msgKey, JSON.parse(b.msgParam) as Json));
      }
      return { body: { processQueryKey: key, invalidStaffIdList: invalid, flowControlledStaffIdList: flowControlled } };
    });
    h.route('POST', /^\/v1\.0\/card\/instances\/createAndDeliver$/, (req) => {
      const denied = this.guard(req, true);
      if (denied) return denied;
      const b = req.body as { cardTemplateId: string; outTrackId: string; openSpaceId: string; callbackType?: string; cardData: { cardParamMap: Record<string, unknown> } };
      if (b.cardTemplateId !== this.templateId) return { status: 400, body: { code: 'invalidParameter.cardTemplateId', message: 'template not found' } };
      if (b.callbackType !== 'STREAM') return { status: 400, body: { code: 'invalidParameter.callbackType', message: 'callbackType' } };
      const bad = Object.entries(b.cardData.cardParamMap).find(([, v]) => typeof v !== 'string');
      if (bad) return { status: 400, body: { code: 'invalidParameter.cardParamMap', message: `${bad[0]} must be a string` } };
      const space = /^dtv1\.card\/\/(IM_GROUP|IM_ROBOT)\.(.+)$/.exec(b.openSpaceId);
      if (!space) return { status: 400, body: { code: 'invalidParameter.openSpaceId', message: b.openSpaceId } };
      this.record(space[2]!, { kind: 'card', ...readCardParams(b.cardData.cardParamMap as Record<string, string>) }, b.outTrackId);
      return { body: { success: true, result: { outTrackId: b.outTrackId, deliverResults: [{ spaceType: space[1], spaceId: space[2], success: true }] } } };
    });
    h.route('PUT', /^\/v1\.0\/card\/instances$/, (req) => {
      const denied = this.guard(req, true);
      if (denied) return denied;
      const b = req.body as { outTrackId: string; cardData: { cardParamMap: Record<string, string> } };
      const msg = this.sent.find((s) => s.id === b.outTrackId);
      if (!msg) return { status: 400, body: { code: 'cardNotExist', message: 'card instance not found' } };
      const r = readCardParams(b.cardData.cardParamMap);
      msg.updates.push(r.text);
      msg.buttons = r.buttons;
      return { body: { success: true, result: true } };
    });
    h.route('POST', /^\/robot\/sendBySession$/, (req) => {
      this.sessionPosts++;
      const s = this.sessions.get(req.query.get('session') ?? '');
      if (!s || s.expired) return { body: { errcode: 300001, errmsg: 'session 不存在或已过期' } };
      if (this.rateLimitBudget > 0) {
        this.rateLimitBudget--;
        this.rateLimited++;
        return { body: { errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' } };
      }
      const b = req.body as Json;
      const msgtype = String(b.msgtype);
      const param = (b[msgtype] ?? {}) as Json;
      const key = msgtype === 'text' ? 'sampleText' : msgtype === 'markdown' ? 'sampleMarkdown' : 'sampleActionCard';
      this.record(s.target, readMessage(key, param));
      return { body: { errcode: 0, errmsg: 'ok' } };
    });
    await h.listen();

    this.wss = new WebSocketServer({ server: h.server, path: '/connect' });
    this.wss.on('connection', (socket, req) => {
      const ticket = new URL(req.url ?? '/', 'http://x').searchParams.get('ticket');
      if (ticket !== this.ticket) return socket.close(4001, 'bad ticket');
      this.socket = socket;
      socket.on('message', (data: Buffer) => {
        const frame = JSON.parse(data.toString('utf8')) as Json;
        const id = String((frame.headers as Json | undefined)?.messageId ?? '');
        this.pendingAcks.get(id)?.(frame);
        this.pendingAcks.delete(id);
      });
    });
  }

  env(): Record<string, string> {
    return {
      DINGTALK_CLIENT_ID: this.clientId,
      DINGTALK_CLIENT_SECRET: this.clientSecret,
      DINGTALK_API_BASE: this.http.url,
      DINGTALK_OAPI_BASE: this.http.url,
      DINGTALK_GATEWAY_URL: `${this.http.url}/v1.0/gateway/connections/open`,
      ...(this.opts.template ? { DINGTALK_CARD_TEMPLATE_ID: this.templateId } : {}),
      DINGTALK_SESSION_WEBHOOK: this.opts.sessionWebhook ? 'true' : 'false',
      DINGTALK_CARD_ACK_MS: '1000',
      PLATFORM_AUTO_RECONNECT: 'false',
    };
  }

  async attach(_app: App): Promise<void> {
    await waitUntil('dingtalk stream connection', () => this.socket);
  }

  userId(code: string) {
    return `staff_${code}`;
  }
  group(branch: number): ChatAddress {
    return { kind: 'GROUP', id: `cidBranch${branch}xyz==` };
  }
  direct(userId: string): ChatAddress {
    return { kind: 'DIRECT', id: userId };
  }
  rateLimitNext(n: number) {
    this.rateLimitBudget = n;
  }
  private readonly hangs = new Hangs();
  hang(target: string) {
    return this.hangs.hang(target);
  }
  private readonly batchOutcomes = new Map<string, 'invalid' | { flowControlled: number }>();
  /** batchSend names `user` in flowControlledStaffIdList the next `times` calls, or always in invalidStaffIdList. */
  batchRefuse(user: string, how: 'flowControlled' | 'invalid', times = 1) {
    this.batchOutcomes.set(user, how === 'invalid' ? 'invalid' : { flowControlled: times });
  }
  /** Every token and sessionWebhook handed out so far stops working. */
  expireTokens() {
    for (const t of this.tokens.values()) t.revoked = true;
    for (const s of this.sessions.values()) s.expired = true;
  }

  /** Push a CALLBACK frame and wait for its ack. */
  async push(topic: string, data: Json, messageId = `stream_${crypto.randomUUID()}`): Promise<{ elapsedMs: number; response: Json | undefined }> {
    if (!this.socket) throw new Error('dingtalk client not connected');
    const started = Date.now();
    const acked = new Promise<Json>((resolve) => this.pendingAcks.set(messageId, resolve));
    this.socket.send(
      JSON.stringify({
        specVersion: '1.0',
        type: 'CALLBACK',
        headers: { appId: this.clientId, connectionId: 'conn-1', contentType: 'application/json', messageId, time: String(Date.now()), topic },
        data: JSON.stringify(data),
      }),
    );
    const frame = await Promise.race([acked, new Promise<undefined>((r) => setTimeout(() => r(undefined), 10_000))]);
    if (!frame) throw new Error(`no ack for ${messageId}`);
    if (frame.code !== 200) throw new Error(`ack code ${String(frame.code)}`);
    const parsed = JSON.parse(String(frame.data ?? '{}')) as { response?: Json };
    return { elapsedMs: Date.now() - started, response: parsed.response };
  }

  async pushMessage(chat: ChatAddress, user: string, text: string, opts: { eventId?: string } = {}): Promise<PushAck> {
    return this.pushRobot(chat, user, { msgtype: 'text', text: { content: chat.kind === 'GROUP' ? ` ${text}` : text } }, opts);
  }

  /** Robot message bodies (机器人接收消息): richText, audio with recognition, picture, file; 'other' is a type the adapter does not read. */
  async pushNonText(chat: ChatAddress, user: string, kind: NonTextKind, text = ''): Promise<PushAck> {
    const body =
      kind === 'richText' ? { msgtype: 'richText', content: { richText: [{ text }, { type: 'picture', downloadCode: 'dc_pic_1', pictureDownloadCode: 'pdc_pic_1' }] } }
      : kind === 'voice' ? { msgtype: 'audio', content: { duration: 2300, downloadCode: 'dc_audio_1', recognition: text } }
      : kind === 'image' ? { msgtype: 'picture', content: { downloadCode: 'dc_pic_2', pictureDownloadCode: 'pdc_pic_2' } }
      : kind === 'file' ? { msgtype: 'file', content: { downloadCode: 'dc_file_1', fileName: '学习材料.pdf', spaceId: '123', fileId: '456' } }
      : { msgtype: 'chatRecord', content: { summary: '聊天记录' } };
    return this.pushRobot(chat, user, body);
  }

  private async pushRobot(chat: ChatAddress, user: string, body: Json, opts: { eventId?: string } = {}): Promise<PushAck> {
    const session = crypto.randomBytes(8).toString('hex');
    this.sessions.set(session, { target: chat.id, expired: false });
    const group = chat.kind === 'GROUP';
    const r = await this.push(TOPIC_ROBOT, {
      conversationId: group ? chat.id : `cidP2p${user}==`,
      conversationType: group ? '2' : '1',
      conversationTitle: group ? '第一党支部' : undefined,
      msgId: opts.eventId ?? `msg${crypto.randomBytes(8).toString('hex')}`,
      ...body,
      senderStaffId: user,
      senderId: `$:LWCP_v1:$${user}`,
      senderNick: user,
      senderCorpId: 'dingcorp1',
      isAdmin: false,
      chatbotUserId: '$:LWCP_v1:$bot',
      robotCode: this.clientId,
      isInAtList: true,
      atUsers: [{ dingtalkId: '$:LWCP_v1:$bot' }],
      sessionWebhook: `${this.http.url}/robot/sendBySession?session=${session}`,
      sessionWebhookExpiredTime: Date.now() + 90 * 60_000,
      createAt: Date.now(),
    });
    return { elapsedMs: r.elapsedMs };
  }

  /** Template cards: a card callback (the ack may carry the new card data). Markdown cards: the numbered reply. */
  async pushCardClick(user: string, chat: ChatAddress, message: FakeSent, button: string, opts: { eventId?: string } = {}): Promise<PushAck> {
    const b = message.buttons.find((x) => x.label === button);
    if (!b) throw new Error(`no button ${button} on ${message.text}`);
    if (typeof b.value === 'number') return this.pushMessage(chat, user, String(b.value), opts);
    const r = await this.push(
      TOPIC_CARD,
      {
        type: 'actionCallback',
        outTrackId: message.id,
        userId: user,
        userIdType: 1,
        corpId: 'dingcorp1',
        spaceType: chat.kind === 'GROUP' ? 'IM_GROUP' : 'IM_ROBOT',
        spaceId: chat.id,
        extension: '{}',
        content: JSON.stringify({ cardPrivateData: { actionIds: [b.value], params: {} } }),
      },
      opts.eventId,
    );
    const params = ((r.response?.cardData as Json | undefined)?.cardParamMap ?? undefined) as Record<string, string> | undefined;
    const toast = ((r.response?.userPrivateData as Json | undefined)?.cardParamMap as Record<string, string> | undefined)?.toast;
    let card: string | undefined;
    if (params) {
      const read = readCardParams(params);
      card = read.text;
      // The platform shows the ack's card data in place.
      message.updates.push(read.text);
      message.buttons = read.buttons;
    }
    return { elapsedMs: r.elapsedMs, toast, card };
  }

  async close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    this.wss.close();
    await this.http.close();
  }
}
