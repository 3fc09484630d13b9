// Reply and card wording from prompts/replies.yaml: wording changes need no code change.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const REPLIES_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../prompts/replies.yaml');

type Tree = { [k: string]: string | Tree };

function flatten(tree: Tree, prefix = '', out = new Map<string, string>()): Map<string, string> {
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v.replace(/\n$/, ''));
    else flatten(v, key, out);
  }
  return out;
}

let cache: Map<string, string> | undefined;

export function loadWording(file = REPLIES_FILE): Map<string, string> {
  return flatten(parse(fs.readFileSync(file, 'utf8')) as Tree);
}

/** The text for `key` with `{var}` filled in. Unknown keys and missing values are bugs: throw. */
export function say(key: string, vars: Record<string, string | number> = {}): string {
  cache ??= loadWording();
  const template = cache.get(key);
  if (template === undefined) throw new Error(`wording key missing from prompts/replies.yaml: ${key}`);
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = vars[name];
    if (v === undefined) throw new Error(`wording ${key} needs {${name}}`);
    return String(v);
  });
}

/** Drop the cache (tests that edit the file, or a reload command). */
export function reloadWording(): void {
  cache = undefined;
}
