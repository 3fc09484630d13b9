// The DingTalk JSAPI for the browser, for the H5 micro-app 免登 of the 驾驶舱 (src/web/platform-login.ts):
// DingTalk's own dingtalk.open.js is only on its CDN, which air-gapped intranets cannot reach, so the
// service serves a bundle of the official npm package (window.dd with env, ready and
// runtime.permission.requestAuthCode), made by scripts/vendor-dingtalk-jsapi.ts and committed beside
// the other web assets (npm run build copies them next to the compiled code).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/assets/dingtalk-jsapi.js');

let script: Buffer | undefined;

/** The browser script, read once. */
export function dingTalkJsapi(): Buffer {
  return (script ??= fs.readFileSync(FILE));
}
