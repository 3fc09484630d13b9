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
  /** Web sign-in to the 驾驶舱 through a platform (src/platforms/web-login.ts); each optional. */
  webLogin?: WebLoginConfig;
}

export interface WebLoginConfig {
  /** Lark/Feishu web app login with the bot's app (LARK_WEB_LOGIN; the app needs the 网页应用 capability). */
  lark?: LarkConfig;
  /** DingTalk OAuth2 (login.dingtalk.com) with the bot's app (DINGTALK_WEB_LOGIN). */
  dingtalk?: DingTalkConfig & { loginBase: string; corpId?: string };
  /** WeCom OAuth2 with a self-built app (the AI bot has no OAuth): WECOM_CORP_ID, WECOM_AGENT_ID, WECOM_APP_SECRET. */
  wecom?: WeComLoginConfig;
}

export interface WeComLoginConfig {
  corpId: string;
  agentId: string;
  secret: string;
  /** https://qyapi.weixin.qq.com, or a private deployment's. */
  apiBase: string;
  /** https://open.weixin.qq.com (the authorize page). */
  oauthBase: string;
}
