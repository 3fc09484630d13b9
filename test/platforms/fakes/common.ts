// Shared pieces of the platform fakes: a tiny HTTP router on 127.0.0.1:0 that records requests,
// plus the interface the conformance suite drives every fake through.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App } from '../../../src/app.js';
import type { Platform } from '../../../src/generated/prisma/enums.js';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: unknown;
  status?: number;
}

export interface FakeReply {
  status?: number;
  headers?: Record<string, string>;
  body: unknown;
  /** A binary answer (a downloaded file) instead of JSON. */
  raw?: Buffer;
}

export type Handler = (req: RecordedRequest, match: RegExpMatchArray) => FakeReply | Promise<FakeReply>;

/** A message the bot delivered to the fake, with later in-place updates applied. */
export interface FakeSent {
  id: string;
  /** Group chat id or user id it went to. */
  to: string;
  kind: 'text' | 'card';
  /** Readable rendering: title, fields, markdown, button labels (for assertions). */
  text: string;
  buttons: Array<{ label: string; value: unknown }>;
  /** Each in-place update, as readable text. */
  updates: string[];
}

export interface PushAck {
  /** How long the app took to ack. */
  elapsedMs: number;
  /** Toast text in the ack (card actions). */
  toast?: string;
  /** Readable text of the card returned in the ack, if any. */
  card?: string;
  /** HTTP status for webhook deliveries. */
  status?: number;
}

export interface ChatAddress {
  kind: 'GROUP' | 'DIRECT';
  id: string;
}

export interface FakeTransport {
  /** Deliveries are signed HTTP requests (webhook modes): a forged signature can be sent. */
  signedDeliveries: boolean;
  /** Sends go through an API that can answer "rate limited" (HTTP 429, errcode). */
  rateLimitedSends: boolean;
  /** Sends use an access token or session that expires and must be renewed. */
  expiringTokens: boolean;
  /**
   * The bot can write to a chat that has not just written to it: proactive sends, late card
   * updates, direct messages to other people (default true). False where the platform only lets
   * the bot answer (WeCom AI bot webhook mode: one response_url per received message).
   */
  proactiveSends?: boolean;
  /**
   * The non-text messages this platform delivers to a bot, as the fake can send them: rich text
   * with a command in it, a voice message with the platform's speech recognition, a picture, a
   * file, and a type the bot does not read (sticker …).
   */
  nonText?: NonTextKind[];
  /**
   * Signed webhook deliveries: the platform's documented redelivery span, seconds (a redelivery
   * this old must still be accepted), and an age it never redelivers at (must be refused).
   */
  timestamps?: { redeliveredUpTo: number; neverOlderThan: number };
  /** Webhook URL verification that the platform may send unsigned (Lark url_verification). */
  unsignedChallenge?: boolean;
  /** Sends go through an HTTP API that the fake can make hang (hang()). */
  hangs?: boolean;
  /** The fake refuses cards (and inputs) over the platform's documented limits: the bytes it checks. */
  cardSizeLimit?: number;
  /** Direct messages go through a batch API that answers 200 naming throttled and invalid recipients (batchRefuse). */
  partialBatch?: boolean;
  /** A message can carry text and a picture together, and the picture is downloaded through the platform's API (pushWithPicture). */
  attachments?: boolean;
}

export type NonTextKind = 'richText' | 'voice' | 'image' | 'file' | 'other';

export interface PlatformFake {
  readonly platform: Platform;
  /** Platform deadline for card-action acks, ms. */
  readonly ackDeadlineMs: number;
  /** What the platform's transport has, so the suite skips points that cannot apply (by transport, never by name). */
  readonly transport: FakeTransport;
  /** Whether a card keeps its identity when updated (false: updates arrive as new text). */
  readonly updatesInPlace: boolean;
  env(): Record<string, string>;
  /** Called once the app runs (webhook URL, wait for the long connection). */
  attach(app: App): Promise<void>;
  userId(memberCode: string): string;
  group(branch: number): ChatAddress;
  direct(userId: string): ChatAddress;
  pushMessage(chat: ChatAddress, user: string, text: string, opts?: { eventId?: string }): Promise<PushAck>;
  pushCardClick(user: string, chat: ChatAddress, message: FakeSent, button: string, opts?: { eventId?: string; form?: Record<string, string> }): Promise<PushAck>;
  /** A non-text message (transport.nonText); `text` is the command inside rich text or voice. */
  pushNonText?(chat: ChatAddress, user: string, kind: NonTextKind, text?: string): Promise<PushAck>;
  /** A correctly signed delivery whose signed timestamp is `ageSeconds` old (webhook modes). */
  pushAged?(chat: ChatAddress, user: string, text: string, ageSeconds: number, opts?: { eventId?: string }): Promise<PushAck>;
  /** The URL verification challenge; unsigned unless said; `token` overrides the right one. */
  pushChallenge?(opts: { token?: string }): Promise<{ status: number; challenge?: string; sent: string }>;
  /** The same signed delivery `copies` times at once (a redelivery storm); the HTTP statuses. */
  pushParallel?(chat: ChatAddress, user: string, text: string, copies: number): Promise<number[]>;
  /** The batch API names `user` as throttled (the next `times` calls) or invalid (transport.partialBatch). */
  batchRefuse?(user: string, how: 'flowControlled' | 'invalid', times?: number): void;
  /** Sends to `target` get no answer until the returned function is called (transport.hangs). */
  hang?(target: string): () => void;
  /** A user adds the bot to a group (platforms that tell the bot, e.g. Lark im.chat.member.bot.added_v1). */
  pushBotAdded?(chat: ChatAddress, user: string, opts?: { eventId?: string; name?: string }): Promise<PushAck>;
  /**
   * A message with the command `text` and a picture in it (transport.attachments): the platform then
   * serves `picture` for it as its documented download API does. Resolves with the picture's key.
   */
  pushWithPicture?(chat: ChatAddress, user: string, text: string, picture: Buffer): Promise<PushAck>;
  /** The next `n` downloads fail as a platform error does (HTTP 5xx). */
  failDownloads?(n: number): void;
  /** Downloads served, and refused (missing or expired key). */
  readonly downloads?: { served: number; refused: number };
  /** A delivery with a wrong signature (webhook modes). */
  pushBadSignature?(chat: ChatAddress, user: string, text: string): Promise<PushAck>;
  readonly sent: FakeSent[];
  /** Sends the fake refused for size or an input's max_length (transport.cardSizeLimit). */
  readonly refusedForSize?: number;
  /** Answer the next n send calls with the platform's rate-limit error. */
  rateLimitNext(n: number): void;
  /** How many sends were refused by rateLimitNext. */
  readonly rateLimited: number;
  /** Invalidate every issued access token (the app still holds one). */
  expireTokens(): void;
  readonly tokenRequests: number;
  close(): Promise<void>;
}

export class FakeHttp {
  readonly requests: RecordedRequest[] = [];
  private readonly routes: Array<{ method: string; pattern: RegExp; handler: Handler }> = [];
  readonly server: http.Server;
  url = '';

  constructor() {
    this.server = http.createServer((req, res) => void this.handle(req, res));
  }

  route(method: string, pattern: RegExp, handler: Handler): this {
    this.routes.push({ method, pattern, handler });
    return this;
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown = raw;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      /* keep raw */
    }
    const u = new URL(req.url ?? '/', 'http://x');
    const rec: RecordedRequest = { method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, headers: req.headers, body };
    this.requests.push(rec);
    for (const r of this.routes) {
      const m = r.method === rec.method ? rec.path.match(r.pattern) : null;
      if (!m) continue;
      try {
        const reply = await r.handler(rec, m);
        rec.status = reply.status ?? 200;
        if (reply.raw) {
          res.writeHead(rec.status, { 'content-type': 'application/octet-stream', 'content-length': String(reply.raw.length), ...reply.headers });
          res.end(reply.raw);
          return;
        }
        res.writeHead(rec.status, { 'content-type': 'application/json', ...reply.headers });
        res.end(JSON.stringify(reply.body));
      } catch (e) {
        rec.status = 500;
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: String((e as Error).message) }));
      }
      return;
    }
    rec.status = 404;
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'no route', path: rec.path }));
  }
}

/** Targets whose sends hang, and the promise each waits on (shared by the HTTP fakes). */
export class Hangs {
  private readonly waiting = new Map<string, Promise<void>>();
  hang(target: string): () => void {
    let release!: () => void;
    this.waiting.set(target, new Promise<void>((r) => (release = r)));
    return () => {
      this.waiting.delete(target);
      release();
    };
  }
  /** Resolves at once, or when the target is released. */
  async pass(target: string): Promise<void> {
    await this.waiting.get(target);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitUntil<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}
