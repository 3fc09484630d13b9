// `npm run vendor:jsapi`: DingTalk's browser JSAPI for the 驾驶舱's H5 免登 page, bundled from the pinned
// npm package dingtalk-jsapi (MIT) into src/web/assets/dingtalk-jsapi.js, which is committed and served
// by the service itself: dingtalk.open.js is only on DingTalk's CDN, which air-gapped intranets cannot
// reach, and the package ships CommonJS modules only. The bundle holds what the page uses: dd.env,
// dd.ready and dd.runtime.permission.requestAuthCode. test/platforms/dingtalk-jsapi.test.ts checks the
// committed file is what this script makes of the installed package.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const VENDORED_JSAPI = path.join(root, 'src/web/assets/dingtalk-jsapi.js');

const ENTRY = `var dd = require('dingtalk-jsapi/entry/union');
dd.runtime = { permission: { requestAuthCode: require('dingtalk-jsapi/api/runtime/permission/requestAuthCode').default } };
window.dd = dd;
`;

/** The bundle's text for the installed dingtalk-jsapi. */
export async function bundleDingTalkJsapi(): Promise<string> {
  const { version } = JSON.parse(fs.readFileSync(path.join(root, 'node_modules/dingtalk-jsapi/package.json'), 'utf8')) as { version: string };
  const r = await build({
    stdin: { contents: ENTRY, resolveDir: root, loader: 'js', sourcefile: 'dingtalk-jsapi-entry.js' },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2015',
    minify: true,
    legalComments: 'inline',
    write: false,
    logLevel: 'warning',
  });
  return `/*! dingtalk-jsapi ${version} (MIT), bundled by scripts/vendor-dingtalk-jsapi.ts: do not edit */\n${r.outputFiles[0]!.text}`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  fs.writeFileSync(VENDORED_JSAPI, await bundleDingTalkJsapi());
  console.log(`wrote ${path.relative(process.cwd(), VENDORED_JSAPI)}`);
}
