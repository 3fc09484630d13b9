// Drive the bot through the console platform as members would, and watch what it delivers.
import crypto from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import type { App } from '../../src/app.js';
import { startDemoOn } from './app.js';
import type { HandleResult } from '../../src/chat/core.js';
import type { Card, CardButton } from '../../src/chat/card.js';
import { ConsoleHub, type ConsoleEvent } from '../../src/platforms/console/hub.js';

export interface ChatRef {
  kind: 'GROUP' | 'DIRECT';
  id: string;
}

export const group = (n: number): ChatRef => ({ kind: 'GROUP', id: `branch-${n}` });
export const direct = (userId: string): ChatRef => ({ kind: 'DIRECT', id: userId });

export class ChatDriver {
  private readonly seen = new Map<string, ConsoleEvent[]>();
  private readonly unsubscribes: Array<() => void> = [];

  constructor(readonly app: App) {}

  /** Start recording what the bot delivers to a chat. */
  watch(chat: ChatRef): ConsoleEvent[] {
    const key = ConsoleHub.channel(chat.kind, chat.id);
    if (!this.seen.has(key)) {
      const list: ConsoleEvent[] = [];
      this.seen.set(key, list);
      this.unsubscribes.push(this.app.hub.subscribe(key, (e) => list.push(e)));
    }
    return this.seen.get(key)!;
  }

  say(userId: string, chat: ChatRef, text: string, eventId: string = crypto.randomUUID()): Promise<HandleResult> {
    this.watch(chat);
    return this.app.core.handle({ kind: 'message', platform: 'CONSOLE', tenantKey: '', eventId, chat, user: { id: userId }, text });
  }

  click(userId: string, chat: ChatRef, button: Pick<CardButton, 'token'>, form?: Record<string, string>, eventId: string = crypto.randomUUID()): Promise<HandleResult> {
    this.watch(chat);
    return this.app.core.handle({ kind: 'action', platform: 'CONSOLE', tenantKey: '', eventId, chat, user: { id: userId }, token: button.token, form });
  }

  /** Wait until the bot has delivered something to `chat` that matches. */
  async waitFor(chat: ChatRef, match: (e: ConsoleEvent) => boolean, timeoutMs = 5000): Promise<ConsoleEvent> {
    const list = this.watch(chat);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = list.find(match);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`nothing matching was delivered to ${chat.kind}:${chat.id} within ${timeoutMs} ms; got ${JSON.stringify(list).slice(0, 800)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** The latest card delivered to `chat` whose title matches, with later in-place updates applied. */
  async waitForCard(chat: ChatRef, title: RegExp | string, timeoutMs = 5000): Promise<{ messageId: string; card: Card }> {
    const first = await this.waitFor(chat, (e) => e.type === 'message' && !!e.card && (typeof title === 'string' ? e.card.title.includes(title) : title.test(e.card.title)), timeoutMs);
    return this.currentCard(chat, first.messageId);
  }

  currentCard(chat: ChatRef, messageId: string): { messageId: string; card: Card } {
    const list = this.watch(chat);
    let card: Card | undefined;
    for (const e of list) if (e.messageId === messageId && e.card) card = e.card;
    if (!card) throw new Error(`no card ${messageId}`);
    return { messageId, card };
  }

  texts(chat: ChatRef): string[] {
    return this.watch(chat).flatMap((e) => (e.type === 'message' && e.text ? [e.text] : []));
  }

  close(): void {
    this.unsubscribes.forEach((u) => u());
  }
}

export function button(card: Card, label: string): CardButton {
  const b = card.buttons?.find((x) => x.label === label);
  if (!b) throw new Error(`card "${card.title}" has no button ${label}; has ${card.buttons?.map((x) => x.label).join(', ')}`);
  return b;
}

/**
 * The demo organ on PostgreSQL, its clock pinned at `now`, with a chat driver, for one test file:
 * started before its tests (`use` receives them) and stopped after.
 */
export function demoChatFor(now: Date, use: (app: App, chat: ChatDriver) => void): void {
  let app: App | undefined;
  let chat: ChatDriver | undefined;
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ app, drop } = await startDemoOn('postgres', { clock: () => now }));
    chat = new ChatDriver(app);
    use(app, chat);
  });
  afterAll(async () => {
    chat?.close();
    await app?.stop();
    await drop?.();
  });
}
