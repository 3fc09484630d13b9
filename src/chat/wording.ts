// Reply and card wording from prompts/replies/*.yaml (one file per area): wording changes need no
// code change. A key is the path of nested YAML keys (`meeting.duplicate_notice`); the same keys
// are the codes of services' coded errors (src/services/kernel.ts).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const REPLIES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../prompts/replies');

type Tree = { [k: string]: string | Tree };

function flatten(tree: Tree, prefix: string, out: Map<string, string>, file: string): void {
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') {
      if (out.has(key)) throw new Error(`wording key ${key} defined twice (${file})`);
      out.set(key, v.replace(/\n$/, ''));
    } else flatten(v, key, out, file);
  }
}

let cache: Map<string, string> | undefined;

export function loadWording(dir = REPLIES_DIR): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
    flatten(parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Tree, '', out, file);
  }
  return out;
}

/** The text for `key` with `{var}` filled in. Unknown keys and missing values are bugs: throw. */
export function say(key: string, vars: Record<string, string | number> = {}): string {
  cache ??= loadWording();
  const template = cache.get(key);
  if (template === undefined) throw new Error(`wording key missing from prompts/replies/: ${key}`);
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = vars[name];
    if (v === undefined) throw new Error(`wording ${key} needs {${name}}`);
    return String(v);
  });
}
