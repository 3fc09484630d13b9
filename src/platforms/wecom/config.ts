// WeCom AI bot (智能机器人) adapter settings (from src/config.ts).
export interface WeComConfig {
  botId: string;
  secret: string;
  /** ws: long connection through @wecom/aibot-node-sdk; webhook: encrypted JSON callbacks on our server. */
  mode: 'ws' | 'webhook';
  /** Long-connection URL: wss://openws.work.weixin.qq.com, or a private deployment's. */
  wsUrl: string;
  /** Webhook mode: callback Token and EncodingAESKey (43 characters). */
  token?: string;
  encodingAesKey?: string;
  webhookPath: string;
  /** Time the card-event answer may wait for processing (platform limit 5 s). */
  cardAckMs: number;
  autoReconnect: boolean;
  /** Webhook mode: oldest signed callback timestamp accepted, seconds (default 300, see receiver.ts). */
  maxRequestAgeSeconds?: number;
}
