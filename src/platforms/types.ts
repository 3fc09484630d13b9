// The shape every platform adapter has (satori-style): capability flags the chat core degrades
// by, and a sender that turns an outbox row into a platform API call.
import type { Destination, OutboundBody, Platform } from '../chat/types.js';

export interface Capabilities {
  /** A sent card can be edited in place (the live counter). */
  cardUpdate: boolean;
  /** Cards can hold input forms; otherwise forms go through a signed H5 link. */
  forms: boolean;
  /** The platform can list a chat's members. */
  memberList: boolean;
  /** The bot can message a user directly without a prior message from them. */
  directMessages: boolean;
  /** The send API takes an idempotency key, so an uncertain send may be retried safely. */
  idempotentSend: boolean;
  /** Longest text a form field in a card may take (Lark input max_length ≤ 1000); a longer field sends the form to the H5 page. */
  formFieldMaxLength?: number;
}

export interface SendRequest {
  to: Destination;
  body: OutboundBody;
  /** The outbox dedupe key (an idempotency key where the platform takes one). */
  key: string;
  /** For card updates: the platform message id of the card being replaced. */
  originalMessageId?: string;
}

export interface PlatformSender {
  platform: Platform;
  capabilities: Capabilities;
  /** Send or update; resolves with the platform message id. Throw SendError to classify failures. */
  send(req: SendRequest): Promise<{ messageId: string }>;
  /**
   * Download a picture or file a member sent (Attachment.key), at most `maxBytes`: throws
   * AttachmentTooLarge past it, SendError (retryable or not) when the platform fails or the key is gone.
   */
  download?(attachment: { kind: string; key: string; name?: string }, maxBytes: number): Promise<Downloaded>;
}

export interface Downloaded {
  bytes: Buffer;
  /** Content type, where the platform says. */
  mime?: string;
}

/** The attachment is larger than the limit (known from the platform's headers or while reading). */
export class AttachmentTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`attachment larger than ${maxBytes} bytes`);
    this.name = 'AttachmentTooLarge';
  }
}

/** A failed send. `retryable` for 429/5xx/network; `retryAfterMs` when the platform says when. */
export class SendError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'SendError';
  }
}
