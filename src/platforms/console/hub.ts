// In-process fan-out of console chat traffic to the browser tabs watching each chat (SSE).
// The console is the single-instance demo platform; real platforms do this fan-out themselves.
import { EventEmitter } from 'node:events';
import type { Card } from '../../chat/card.js';

export type ConsoleEvent =
  | { type: 'message'; messageId: string; from: 'bot' | 'user'; userId?: string; userName?: string; text?: string; card?: Card; at: string }
  | { type: 'card_update'; messageId: string; card: Card; at: string };

export class ConsoleHub {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  /** Channel of a chat: group chats by id, direct chats by the user's id. */
  static channel(kind: 'GROUP' | 'DIRECT', id: string): string {
    return `${kind}:${id}`;
  }

  publish(channel: string, event: ConsoleEvent): void {
    this.emitter.emit(channel, event);
  }

  subscribe(channel: string, listener: (e: ConsoleEvent) => void): () => void {
    this.emitter.on(channel, listener);
    return () => this.emitter.off(channel, listener);
  }
}
