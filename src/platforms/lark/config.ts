// Lark/Feishu adapter settings (from src/config.ts). Defaults follow PLATFORMS.md §1.
export interface LarkConfig {
  appId: string;
  appSecret: string;
  /** Open API base: https://open.feishu.cn (Feishu), https://open.larksuite.com (Lark), or a private deployment. */
  domain: string;
  /** ws: long connection (no public URL needed); webhook: HTTP callbacks on our server. */
  mode: 'ws' | 'webhook';
  /** Webhook mode: 加密策略 Encrypt Key (signature + AES); strongly recommended. */
  encryptKey?: string;
  /** Webhook mode: 验证 Token, checked when no encrypt key is set. */
  verificationToken?: string;
  webhookPath: string;
  /** Time the card-action ack may wait for processing (platform limit 3 s). */
  cardAckMs: number;
  /** Reconnect the long connection when it drops. */
  autoReconnect: boolean;
  /** OAuth host of web sign-in (accounts.feishu.cn for open.feishu.cn); needed for a private deployment. */
  oauthBase?: string;
  /** Time limit per Open API call (default 10 s). */
  timeoutMs?: number;
  /** Webhook mode: oldest signed request timestamp accepted, seconds (default: Lark's redelivery span, see receiver.ts). */
  maxRequestAgeSeconds?: number;
}

export const LARK_DEFAULTS = { webhookPath: '/webhooks/lark', cardAckMs: 2500, mode: 'ws' as const };

export function larkDomain(v: string | undefined): string {
  if (!v || v === 'feishu') return 'https://open.feishu.cn';
  if (v === 'lark') return 'https://open.larksuite.com';
  return v.replace(/\/$/, '');
}
