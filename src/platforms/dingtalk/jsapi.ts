// The DingTalk JSAPI for the browser, for the H5 micro-app 免登 of the 驾驶舱 (src/web/platform-login.ts).
// DingTalk's own dingtalk.open.js is only on its CDN, which air-gapped intranets cannot reach; the
// official npm package dingtalk-jsapi (MIT) ships the same API as CommonJS modules and no prebuilt
// file, so the modules one page needs are packed here into one script, once, from node_modules: the
// runtime (entry/union: dd.env, dd.ready, the bridges of every client) and requestAuthCode, put where
// DingTalk's documentation calls it (window.dd.runtime.permission.requestAuthCode).
// Every require() in those modules is a string literal (checked when packing: anything else throws).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

// A call of require itself (not a method such as nuva.require() of DingTalk's Weex runtime).
const REQUIRE = /(?<![.\w$])require\(\s*(?:"([^"]+)"|'([^']+)'|([^)]*))\s*\)/g;

/** The modules reachable from `entry` (source, resolved from `dir`) as one script without a loader of its own. */
function pack(entry: string, dir: string): string {
  const ids = new Map<string, number>();
  const modules: string[] = [];
  const add = (file: string, source: string): number => {
    const id = modules.length;
    ids.set(file, id);
    modules.push('');
    const resolve = createRequire(file).resolve;
    const deps: Record<string, number> = {};
    for (const m of source.matchAll(REQUIRE)) {
      const spec = m[1] ?? m[2];
      if (spec === undefined) throw new Error(`dingtalk-jsapi: a require() that is not a string literal in ${file}: ${m[0]}`);
      const target = resolve(spec);
      deps[spec] = ids.get(target) ?? add(target, fs.readFileSync(target, 'utf8'));
    }
    modules[id] = `[function(require,module,exports){${source}\n},${JSON.stringify(deps)}]`;
    return id;
  };
  add(path.join(dir, '(entry).js'), entry);
  const loader = 'function(m){var c={};function r(i){if(c[i])return c[i].exports;var o=c[i]={exports:{}};m[i][0].call(o.exports,function(s){return r(m[i][1][s])},o,o.exports);return o.exports}r(0)}';
  return `/*! dingtalk-jsapi ${version(dir)} (MIT), packed by Zhibu */\n(${loader})([\n${modules.join(',\n')}\n]);\n`;
}

function version(dir: string): string {
  return String((JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version?: unknown }).version ?? '');
}

let script: Buffer | undefined;

/** The browser script: sets window.dd (env, ready, runtime.permission.requestAuthCode). Built on first use. */
export function dingTalkJsapi(): Buffer {
  if (script) return script;
  const dir = path.dirname(createRequire(import.meta.url).resolve('dingtalk-jsapi/package.json'));
  const entry = [
    'var dd=require("./entry/union");',
    'dd.runtime={permission:{requestAuthCode:require("./api/runtime/permission/requestAuthCode").default}};',
    'window.dd=dd;',
  ].join('');
  script = Buffer.from(pack(entry, dir));
  return script;
}
