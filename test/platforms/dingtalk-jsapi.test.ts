// The DingTalk JSAPI the 驾驶舱's 免登 page loads (src/web/assets/dingtalk-jsapi.js) is committed, so that
// production needs neither DingTalk's CDN nor a bundler: it must stay what scripts/vendor-dingtalk-jsapi.ts
// makes of the pinned dingtalk-jsapi, and hand the page what it calls.
import fs from 'node:fs';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { bundleDingTalkJsapi, VENDORED_JSAPI } from '../../scripts/vendor-dingtalk-jsapi.js';
import { dingTalkJsapi } from '../../src/platforms/dingtalk/jsapi.js';

describe('DingTalk JSAPI asset', () => {
  it('is the bundle of the installed dingtalk-jsapi (run `npm run vendor:jsapi` after changing its version)', async () => {
    expect(fs.readFileSync(VENDORED_JSAPI, 'utf8')).toBe(await bundleDingTalkJsapi());
    expect(dingTalkJsapi().toString('utf8')).toBe(fs.readFileSync(VENDORED_JSAPI, 'utf8'));
  });

  it('sets window.dd with env, ready and runtime.permission.requestAuthCode', () => {
    const window: Record<string, unknown> = {};
    const navigator = { userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AliApp(DingTalk/7.6.0) com.laiwang.DingTalk/1 Channel/201200 language/zh-Hans-CN' };
    vm.runInNewContext(dingTalkJsapi().toString('utf8'), { window, navigator, document: { addEventListener() {} }, location: { href: 'https://x/' }, setTimeout, clearTimeout, console });
    const dd = window.dd as { env: { platform: string }; ready: unknown; runtime: { permission: { requestAuthCode: unknown } } };
    expect(dd.env.platform).toBe('ios');
    expect(typeof dd.ready).toBe('function');
    expect(typeof dd.runtime.permission.requestAuthCode).toBe('function');
  });
});
