// Console "platform API": delivery publishes to the tabs watching the chat.
import { randomUUID } from 'node:crypto';
import { type PlatformSender, SendError } from '../types.js';
import { ConsoleHub } from './hub.js';

export function consoleSender(hub: ConsoleHub): PlatformSender {
  return {
    platform: 'CONSOLE',
    capabilities: { cardUpdate: true, forms: true, memberList: true, directMessages: true, idempotentSend: true },
    async send({ to, body, originalMessageId }) {
      const channel = ConsoleHub.channel(to.targetKind, to.target);
      const at = new Date().toISOString();
      if (body.kind === 'card_update') {
        if (!originalMessageId) throw new SendError('card update without the original message', false);
        hub.publish(channel, { type: 'card_update', messageId: originalMessageId, card: body.card, at });
        return { messageId: originalMessageId };
      }
      const messageId = `cm_${randomUUID()}`;
      hub.publish(channel, body.kind === 'card'
        ? { type: 'message', messageId, from: 'bot', card: body.card, at }
        : { type: 'message', messageId, from: 'bot', text: body.text, at });
      return { messageId };
    },
  };
}
