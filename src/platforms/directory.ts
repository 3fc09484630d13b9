// Platform contacts (通讯录) lookups for matching members to platform accounts by mobile number: Lark's
// contact/v3/users/batch_get_id (open_id, the id events carry; 50 numbers a call) and DingTalk's
// topapi/v2/user/getbymobile (userid, one number a call). WeCom's 智能机器人 has no contacts API.
// No database here: the CLI hands the answers to src/services/directory.ts.
import type { Logger } from '../log.js';
import type { Platform } from '../chat/types.js';
import type { PlatformsConfig } from './config.js';
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
    private readonly config: DingTalkConfig,
    private readonly log: Logger,
  ) {
    this.api = new DingTalkApi(config, log);
  }

  async byMobile(mobiles: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const mobile of mobiles) {
      const token = await this.api.accessToken();
      const res = await fetch(`${this.config.oapiBase}/topapi/v2/user/getbymobile?access_token=${encodeURIComponent(token)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ mobile }),
        signal: AbortSignal.timeout(10_000),
      });
      const body = (await res.json().catch(() => ({}))) as { errcode?: number; errmsg?: string; result?: { userid?: string } };
      if (body.errcode === 0 && body.result?.userid) out.set(mobile, body.result.userid);
      else if (body.errcode !== 60121) this.log.warn({ errcode: body.errcode, errmsg: body.errmsg }, 'dingtalk getbymobile failed'); // 60121: no such user
    }
    return out;
  }
}

/** The directory of a configured platform, or null when it is not configured or has no contacts API. */
export function buildDirectory(platform: Platform, config: PlatformsConfig, log: Logger): Directory | null {
  if (platform === 'LARK' && config.lark) return new LarkDirectory(config.lark, log);
  if (platform === 'DINGTALK' && config.dingtalk) return new DingTalkDirectory(config.dingtalk, log);
  return null;
}
