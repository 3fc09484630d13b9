// Platform contacts (通讯录) lookups for matching members to platform accounts by mobile number: Lark's
// contact/v3/users/batch_get_id (open_id, the id events carry; 50 numbers a call) and DingTalk's
// topapi/v2/user/getbymobile (userid, one number a call). WeCom's 智能机器人 has no contacts API: with
// the self-built app configured (WECOM_CORP_ID …, also used for web sign-in), cgi-bin/user/getuserid
// (userid, the id the bot's events carry; one number a call, for members the app may see).
// No database here: the CLI hands the answers to src/services/directory.ts.
import type { Logger } from '../log.js';
import type { Platform } from '../chat/types.js';
import type { PlatformsConfig, WeComLoginConfig } from './config.js';
import { text } from './web-login.js';
import { weComApp, type WeComApp } from './wecom/app.js';
import { LarkApi } from './lark/sender.js';
import { DingTalkApi } from './dingtalk/api.js';
import type { LarkConfig } from './lark/config.js';
import type { DingTalkConfig } from './dingtalk/config.js';

export interface Directory {
  platform: Platform;
  /** Platform user ids by mobile number, for the numbers the directory knows (others are absent). */
  byMobile(mobiles: string[]): Promise<Map<string, string>>;
}

class LarkDirectory implements Directory {
  readonly platform = 'LARK' as const;
  private readonly api: LarkApi;
  constructor(config: LarkConfig, log: Logger) {
    this.api = new LarkApi(config, log);
  }

  async byMobile(mobiles: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (let i = 0; i < mobiles.length; i += 50) {
      const part = mobiles.slice(i, i + 50);
      const res = await this.api.call('contact batch_get_id', () =>
        this.api.client.contact.v3.user.batchGetId({ params: { user_id_type: 'open_id' }, data: { mobiles: part, include_resigned: false } }),
      );
      for (const u of res.data?.user_list ?? []) if (u.user_id && u.mobile) out.set(u.mobile.replace(/^\+86/, ''), u.user_id);
    }
    return out;
  }
}

class DingTalkDirectory implements Directory {
  readonly platform = 'DINGTALK' as const;
  private readonly api: DingTalkApi;
  constructor(
    config: DingTalkConfig,
    private readonly log: Logger,
  ) {
    this.api = new DingTalkApi(config, log);
  }

  async byMobile(mobiles: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const mobile of mobiles) {
      const { body } = await this.api.oapi('dingtalk getbymobile', '/topapi/v2/user/getbymobile', { mobile });
      const userid = (body.result as { userid?: unknown } | undefined)?.userid;
      if (body.errcode === 0 && typeof userid === 'string' && userid) out.set(mobile, userid);
      else if (body.errcode !== 60121) this.log.warn({ errcode: body.errcode, errmsg: body.errmsg }, 'dingtalk getbymobile failed'); // 60121: no such user
    }
    return out;
  }
}

class WeComDirectory implements Directory {
  readonly platform = 'WECOM' as const;
  private readonly app: WeComApp;
  constructor(
    config: WeComLoginConfig,
    private readonly log: Logger,
  ) {
    this.app = weComApp(config, log);
  }

  async byMobile(mobiles: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const mobile of mobiles) {
      const r = await this.app.call('wecom getuserid', '/cgi-bin/user/getuserid', { body: { mobile } });
      if (!r) return out;
      const errcode = Number(r.body.errcode ?? -1);
      const userid = text(r.body.userid);
      if (r.status === 200 && errcode === 0 && userid) out.set(mobile, userid);
      else if (errcode !== 46004) this.log.warn({ errcode, status: r.status }, 'wecom getuserid failed'); // 46004: no such member (or not visible to the app)
    }
    return out;
  }
}

/** The directory of a configured platform, or null when it is not configured or has no contacts API. */
export function buildDirectory(platform: Platform, config: PlatformsConfig, log: Logger): Directory | null {
  if (platform === 'LARK' && config.lark) return new LarkDirectory(config.lark, log);
  if (platform === 'DINGTALK' && config.dingtalk) return new DingTalkDirectory(config.dingtalk, log);
  if (platform === 'WECOM' && config.webLogin?.wecom) return new WeComDirectory(config.webLogin.wecom, log);
  return null;
}
