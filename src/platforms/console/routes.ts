// The console adapter's receiver: a web page that simulates a work chat. Pick a demo member and a
// chat, send messages, click card buttons; replies arrive live over SSE. Enabled outside production.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ChatCore } from '../../chat/core.js';
import type { Card } from '../../chat/card.js';
import type { ChatKind, OutboundBody } from '../../chat/types.js';
import { ConsoleHub, type ConsoleEvent } from './hub.js';

/** What the console page reads (implemented in src/state/console.ts). */
export interface ConsoleQueries {
  /** Console identities (one member may have several) and the console group chats. */
  directory(): Promise<{
    members: Array<{ id: string; memberId: string; name: string; branch: string; posts: string[] }>;
    chats: Array<{ id: string; title: string; org: string | null }>;
  }>;
  /** The member's name behind a console user id. */
  memberName(userId: string): Promise<string | undefined>;
  /** The newest messages said in a chat (up to 100) and sent to it (up to 300), newest first. */
  history(chatKind: ChatKind, chatId: string): Promise<{
    said: Array<{ eventId: string; payload: unknown; receivedAt: Date }>;
    sent: Array<{ id: string; dedupeKey: string; payload: unknown; platformMessageId: string | null; sentAt: Date | null; createdAt: Date }>;
  }>;
}

const PAGE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'page.html');

const chatSchema = z.object({
  chatKind: z.enum(['GROUP', 'DIRECT']),
  chatId: z.string().min(1).max(128),
  userId: z.string().min(1).max(128),
  eventId: z.string().min(8).max(128).optional(),
});
const messageSchema = chatSchema.extend({ text: z.string().max(100_000) });
const actionSchema = chatSchema.extend({ token: z.string().min(1).max(2048), form: z.record(z.string(), z.string().max(20_000)).optional() });

export function registerConsole(server: FastifyInstance, deps: { queries: ConsoleQueries; core: ChatCore; hub: ConsoleHub }): void {
  const { queries, core, hub } = deps;
  const page = fs.existsSync(PAGE) ? fs.readFileSync(PAGE, 'utf8') : '<!doctype html><meta charset="utf-8"><p>控制台页面缺失</p>';
  // Only the page's own inline script may run (by hash): an injected handler or script would not.
  const scriptHashes = [...page.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => `'sha256-${crypto.createHash('sha256').update(m[1]!).digest('base64')}'`);
  const csp = [
    "default-src 'none'",
    `script-src ${scriptHashes.join(' ') || "'none'"}`,
    "style-src 'unsafe-inline'",
    "img-src data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');

  server.get('/console', async (_req, reply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').header('content-security-policy', csp).header('x-content-type-options', 'nosniff').send(page),
  );

  // `members[].id` is the console user id; one member may have several (`memberId` tells them apart).
  // `chats[].org`: the organization the group belongs to (a branch name matches members' `branch`).
  server.get('/console/api/directory', async () => queries.directory());

  server.get('/console/api/history', async (req, reply) => {
    const q = z.object({ chatKind: z.enum(['GROUP', 'DIRECT']), chatId: z.string().min(1).max(128) }).safeParse(req.query);
    if (!q.success) return reply.code(400).send({ error: '参数无效' });
    return { messages: await history(queries, q.data.chatKind, q.data.chatId) };
  });

  server.get('/console/api/stream', (req, reply) => {
    // `dm`: also watch this user's direct chat (events from it carry `channel`), so a page showing a
    // group can point out a private message without a second connection.
    const q = z.object({ chatKind: z.enum(['GROUP', 'DIRECT']), chatId: z.string().min(1).max(128), dm: z.string().min(1).max(128).optional() }).safeParse(req.query);
    if (!q.success) return reply.code(400).send({ error: '参数无效' });
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
    // After a dropped connection the browser reconnects in 2 s; the page then reloads the history.
    res.write('retry: 2000\n: connected\n\n');
    const main = ConsoleHub.channel(q.data.chatKind, q.data.chatId);
    const unsubscribes = [hub.subscribe(main, (e) => res.write(`data: ${JSON.stringify(e)}\n\n`))];
    const dm = q.data.dm === undefined ? undefined : ConsoleHub.channel('DIRECT', q.data.dm);
    if (dm && dm !== main) unsubscribes.push(hub.subscribe(dm, (e) => res.write(`data: ${JSON.stringify({ ...e, channel: dm })}\n\n`)));
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    req.raw.on('close', () => {
      clearInterval(ping);
      unsubscribes.forEach((u) => u());
    });
  });

  server.post('/console/api/messages', async (req, reply) => {
    const b = messageSchema.safeParse(req.body);
    if (!b.success) return reply.code(400).send({ error: '请求格式错误' });
    const { chatKind, chatId, userId, text } = b.data;
    const name = await queries.memberName(userId);
    const eventId = b.data.eventId ?? crypto.randomUUID();
    // Stamped on arrival so the message sorts before the replies it causes, as in the history.
    const at = new Date().toISOString();
    const result = await core.handle({
      kind: 'message',
      platform: 'CONSOLE',
      tenantKey: '',
      eventId,
      chat: { id: chatId, kind: chatKind },
      user: { id: userId, name },
      text,
    });
    // Other tabs in the chat see what was said (a real platform shows it to them itself).
    if (result.status === 'processed') {
      hub.publish(ConsoleHub.channel(chatKind, chatId), { type: 'message', messageId: `in_${eventId}`, from: 'user', userId, userName: name ?? userId, text, at });
    }
    return { status: result.status };
  });

  server.post('/console/api/actions', async (req, reply) => {
    const b = actionSchema.safeParse(req.body);
    if (!b.success) return reply.code(400).send({ error: '请求格式错误' });
    const { chatKind, chatId, userId, token, form } = b.data;
    const result = await core.handle({
      kind: 'action',
      platform: 'CONSOLE',
      tenantKey: '',
      eventId: b.data.eventId ?? crypto.randomUUID(),
      chat: { id: chatId, kind: chatKind },
      user: { id: userId },
      token,
      form,
    });
    return result.status === 'processed' ? { status: result.status, ack: result.ack } : { status: result.status };
  });
}

type HistoryItem = Extract<ConsoleEvent, { type: 'message' }>;

/** The chat as it stands: what members said and what the bot sent, each card in its latest version. */
async function history(queries: ConsoleQueries, chatKind: 'GROUP' | 'DIRECT', chatId: string): Promise<HistoryItem[]> {
  const { said, sent } = await queries.history(chatKind, chatId);
  const latestCard = new Map<string, Card>();
  for (const row of sent) {
    const body = row.payload as unknown as OutboundBody;
    if (body.kind === 'card_update' && !latestCard.has(body.ofKey)) latestCard.set(body.ofKey, body.card);
  }
  const items: HistoryItem[] = [];
  for (const e of said) {
    const p = e.payload as { user?: { id?: string; name?: string }; text?: string };
    items.push({ type: 'message', messageId: `in_${e.eventId}`, from: 'user', userId: p.user?.id, userName: p.user?.name ?? p.user?.id, text: p.text, at: e.receivedAt.toISOString() });
  }
  for (const row of sent) {
    const body = row.payload as unknown as OutboundBody;
    if (body.kind === 'card_update') continue;
    const at = (row.sentAt ?? row.createdAt).toISOString();
    const messageId = row.platformMessageId ?? row.id;
    items.push(body.kind === 'card' ? { type: 'message', messageId, from: 'bot', card: latestCard.get(row.dedupeKey) ?? body.card, at } : { type: 'message', messageId, from: 'bot', text: body.text, at });
  }
  return items.sort((a, b) => a.at.localeCompare(b.at)).slice(-100);
}
