// Settings of every platform adapter, built by src/config.ts (the only reader of process.env).
import type { LarkConfig } from './lark/config.js';
import type { DingTalkConfig } from './dingtalk/config.js';
import type { WeComConfig } from './wecom/config.js';
import type { WechatyConfig } from './wechaty/config.js';

export interface PlatformsConfig {
  /** Lifetime of signed H5 form links (platforms whose cards cannot hold forms). */
  formLinkTtlSeconds: number;
  lark?: LarkConfig;
  dingtalk?: DingTalkConfig;
  wecom?: WeComConfig;
  wechaty?: WechatyConfig;
}
