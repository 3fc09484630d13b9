// The adapter contract every platform folder implements (satori-style shape, bolt-style
// receivers): a receiver that turns platform events into `Inbound` and acks inside the platform's
// deadline, a sender for the deliver worker, capability flags, and optional HTTP routes (webhooks).
import type { FastifyInstance } from 'fastify';
import type { Platform } from '../generated/prisma/enums.js';
import type { Database } from '../db/client.js';
import type { Logger } from '../log.js';
import type { ChatCore } from '../chat/core.js';
import type { TokenSigner } from '../chat/token.js';
import type { Capabilities, PlatformSender } from './types.js';

export interface Receiver {
  /** Connect (long connection) or get ready to take webhook calls. Resolves once connected. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface PlatformAdapter {
  platform: Platform;
  capabilities: Capabilities;
  sender: PlatformSender;
  receiver: Receiver;
  /** Webhook routes on our HTTP server (webhook modes only). Called before the server listens. */
  routes?(server: FastifyInstance): void;
  /** Member ids of a chat, where the platform can list them (capabilities.memberList). */
  listMembers?(chatId: string): Promise<string[]>;
}

export interface AdapterDeps {
  db: Database;
  core: ChatCore;
  tokens: TokenSigner;
  log: Logger;
  /** Base URL for signed links (H5 forms). */
  publicUrl: string;
  /** Hand committed outbox rows to delivery (late card updates). */
  enqueue(ids: string[]): Promise<void>;
}
