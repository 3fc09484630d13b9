// The adapter contract every platform folder implements (satori-style shape, bolt-style
// receivers): a receiver that turns platform events into `Inbound` and acks inside the platform's
// deadline, a sender for the deliver worker, capability flags, and optional HTTP routes (webhooks).
// Adapters hold no database: events go to the chat core, and the little state an adapter keeps
// between events (reply slots, numbered choices) goes through the ConversationStore.
import type { FastifyInstance } from 'fastify';
import type { Platform } from '../chat/types.js';
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

/** One piece of adapter state: per platform, a chat key and a user key ('' = the whole chat). */
export interface StateKey {
  chatKey: string;
  userKey: string;
}

export interface StateEntry {
  flow: string;
  step?: string;
  data: unknown;
  expiresAt: Date;
}

/** Adapter state shared by receivers and deliver workers (implemented in src/state/conversation.ts). */
export interface ConversationStore {
  /** Set, replacing what was there. */
  put(platform: Platform, key: StateKey, entry: StateEntry): Promise<void>;
  /** Set unless already there (a redelivery changes nothing). */
  add(platform: Platform, key: StateKey, entry: StateEntry): Promise<void>;
  /** The data of a live (unexpired) entry. */
  get<T>(platform: Platform, key: StateKey): Promise<T | undefined>;
  /** The data of the newest live entry of `flow` under one of these user keys. */
  newest<T>(platform: Platform, chatKey: string, userKeys: string[], flow: string): Promise<T | undefined>;
  /** Take the live entry of a chat key that expires first; each entry is taken once. */
  take<T>(platform: Platform, chatKey: string): Promise<{ userKey: string; data: T; expiresAt: Date } | undefined>;
  delete(platform: Platform, key: StateKey): Promise<void>;
}

export interface AdapterDeps {
  core: ChatCore;
  tokens: TokenSigner;
  log: Logger;
  /** Base URL for signed links (H5 forms). */
  publicUrl: string;
  state: ConversationStore;
}
