// Platform-neutral inbound events and outbound messages. Adapters translate to and from these;
// nothing below src/platforms knows a platform's payloads.
import type { ChatKind, Platform } from '../generated/prisma/enums.js';
import type { Card } from './card.js';

export type { ChatKind, Platform };

export interface ChatRef {
  /** Platform chat id (group id, or the user id for a direct chat on platforms without one). */
  id: string;
  kind: ChatKind;
  title?: string;
}

export interface UserRef {
  /** Platform user id (open_id, staffId, userid …). */
  id: string;
  /** Display name as the platform gives it; never logged. */
  name?: string;
}

interface InboundBase {
  platform: Platform;
  /** Corp/tenant id; '' for single-tenant platforms. */
  tenantKey: string;
  /** The platform's id of this delivery, stable across redeliveries: the dedupe key. */
  eventId: string;
  chat: ChatRef;
  user: UserRef;
}

/** A picture, file, voice or video a member sent, as the platform names it (not downloaded here). */
export interface Attachment {
  kind: 'image' | 'file' | 'audio' | 'video';
  /** The platform's handle to fetch it: Lark "<message_id>/<image_key or file_key>", DingTalk downloadCode, WeCom url (with "#aeskey=…" over the long connection), Wechaty message id. */
  key: string;
  /** File name, where the platform gives one. */
  name?: string;
  /** Size in bytes, where the platform gives it. */
  size?: number;
}

export interface InboundMessage extends InboundBase {
  kind: 'message';
  /** The text: plain text, the text of rich text, or the platform's speech recognition of a voice message. */
  text: string;
  /** Pictures and files that came with the message (or alone). */
  attachments?: Attachment[];
  /** The platform's message type when it is neither text nor an attachment (sticker, location, card …). */
  unsupported?: string;
}

/** A button click or a form submit on a card. */
export interface InboundAction extends InboundBase {
  kind: 'action';
  /** The signed token the button or form carried. */
  token: string;
  /** Form values for a submit. */
  form?: Record<string, string>;
  /**
   * The platform's id of the clicked card's message, when the platform gives one. The core then
   * takes the chat from the card's outbox row (the chat it was sent to), whatever `chat` says, and
   * a card update made after the platform's deadline goes to that card.
   */
  cardMessageId?: string;
}

/**
 * The bot was added to a group chat (`user`: who added it). Only where the platform tells the bot
 * (Lark im.chat.member.bot.added_v1); elsewhere the group is told how to bind after its first message.
 */
export interface InboundJoined extends InboundBase {
  kind: 'joined';
}

export type Inbound = InboundMessage | InboundAction | InboundJoined;

export interface Destination {
  platform: Platform;
  tenantKey: string;
  target: string; // chat id or user id
  targetKind: ChatKind;
}

/** A committed outbox row as delivery needs it (what the queue keys and rate-limits on). */
export interface QueuedOutbox {
  id: string;
  to: Destination;
  notBefore: Date;
  /** Set for card updates: the dedupe key of the card they update (coalesced per card). */
  updateOfKey: string | null;
}

export type OutboundBody =
  | { kind: 'text'; text: string }
  | { kind: 'card'; card: Card }
  /** Replace a card sent earlier (by its outbox dedupe key) with a new rendering. */
  | { kind: 'card_update'; ofKey: string; card: Card };

export interface Outbound {
  to: Destination;
  body: OutboundBody;
  /** Stable key: the same key is sent at most once. Card updates reuse their own keys per version. */
  dedupeKey: string;
  category?: 'reply' | 'notice' | 'reminder' | 'prompt' | 'approval';
  /** The recipient member, for nudge budgets. */
  memberId?: string;
  /** Groups the messages of one broadcast for its delivery report. */
  broadcastId?: string;
  /** Do not send before this time. */
  notBefore?: Date;
}

/** What a receiver gives back to its platform inside the deadline (card actions). */
export interface ActionAck {
  toast?: { type: 'success' | 'info' | 'warning' | 'error'; text: string };
  /** The card as it should look now, when the platform updates cards in the ack. */
  card?: Card;
}
