// Platform web sign-in settings (驾驶舱): each platform optional, half a configuration refused in Chinese.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const problems = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
};

describe('platform web sign-in configuration', () => {
  it('is off for every platform unless asked, even with the bots configured', () => {
    const c = loadConfig({ LARK_APP_ID: 'cli_1', LARK_APP_SECRET: 's', DINGTALK_CLIENT_ID: 'd', DINGTALK_CLIENT_SECRET: 's' });
    expect(c.platforms.webLogin).toEqual({ lark: undefined, dingtalk: undefined, wecom: undefined });
  });

  it('uses the bots’ apps for Lark and DingTalk, and a self-built app for WeCom', () => {
    const c = loadConfig({
      LARK_APP_ID: 'cli_1', LARK_APP_SECRET: 's', LARK_WEB_LOGIN: 'true',
      DINGTALK_CLIENT_ID: 'd', DINGTALK_CLIENT_SECRET: 's', DINGTALK_WEB_LOGIN: 'true', DINGTALK_CORP_ID: 'dingcorp',
      WECOM_CORP_ID: 'ww1', WECOM_AGENT_ID: '1000002', WECOM_APP_SECRET: 'x',
    });
    expect(c.platforms.webLogin?.lark).toMatchObject({ appId: 'cli_1', domain: 'https://open.feishu.cn', oauthBase: undefined });
    expect(c.platforms.webLogin?.dingtalk).toMatchObject({ clientId: 'd', loginBase: 'https://login.dingtalk.com', corpId: 'dingcorp', oapiBase: 'https://oapi.dingtalk.com' });
    expect(c.platforms.webLogin?.wecom).toEqual({ corpId: 'ww1', agentId: '1000002', secret: 'x', apiBase: 'https://qyapi.weixin.qq.com', oauthBase: 'https://open.weixin.qq.com' });
    // The WeCom AI bot is not started by the sign-in app's settings.
    expect(c.platforms.wecom).toBeUndefined();
  });

  it('refuses half a configuration, naming the variable', () => {
    expect(problems({ LARK_WEB_LOGIN: 'true' }).join('\n')).toContain('LARK_WEB_LOGIN: 需要同时设置 LARK_APP_ID');
    expect(problems({ DINGTALK_WEB_LOGIN: 'true' }).join('\n')).toContain('DINGTALK_WEB_LOGIN: 需要同时设置 DINGTALK_CLIENT_ID');
    expect(problems({ WECOM_CORP_ID: 'ww1', WECOM_APP_SECRET: 'x' }).join('\n')).toContain('WECOM_AGENT_ID: 企业微信网页登录需要同时设置');
    expect(problems({ WECOM_CORP_ID: 'ww1', WECOM_AGENT_ID: 'abc', WECOM_APP_SECRET: 'x' }).join('\n')).toContain('WECOM_AGENT_ID: 必须是数字');
    expect(problems({ NODE_ENV: 'production', APP_SECRET: 'x'.repeat(32), LARK_APP_ID: 'a', LARK_APP_SECRET: 'b', LARK_WEB_LOGIN: 'true' }).join('\n')).toContain('PUBLIC_URL: 平台网页登录需要设置');
  });

  it('takes the WeCom app secret from a file like the other secrets', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'zhibu-cfg-')), 'secret');
    fs.writeFileSync(file, 'from-file\n');
    const c = loadConfig({ WECOM_CORP_ID: 'ww1', WECOM_AGENT_ID: '1', WECOM_APP_SECRET_FILE: file });
    expect(c.platforms.webLogin?.wecom?.secret).toBe('from-file');
  });
});
