// Every wording key the code asks for exists in prompts/replies/*.yaml, and every key there is used.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWording, say } from '../../src/chat/wording.js';

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) return d.name === 'generated' ? [] : sourceFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

describe('wording', () => {
  const keys = loadWording();
  const used = new Set<string>();
  for (const f of [...sourceFiles('src'), ...sourceFiles('jobs')]) {
    // say('key'), and coded errors: fail('key') / new DomainError('key') / authorize(…, 'key').
    for (const m of fs.readFileSync(f, 'utf8').matchAll(/\b(?:say|fail|DomainError)\(\s*'([a-z_.]+)'/g)) used.add(m[1]!);
  }

  it('has every key the code uses', () => {
    expect([...used].filter((k) => !keys.has(k))).toEqual([]);
  });

  it('has no key the code never uses', () => {
    // commands.<name>.* keys are built from the declared command's name; test/chat/commands.test.ts owns them.
    const dynamic = [...keys.keys()].filter((k) => !used.has(k) && !k.startsWith('commands.'));
    // Keys picked at run time (e.g. `say(cond ? 'a' : 'b')`) must still appear literally in the source.
    const allSource = [...sourceFiles('src'), ...sourceFiles('jobs')].map((f) => fs.readFileSync(f, 'utf8')).join('\n');
    expect(dynamic.filter((k) => !allSource.includes(`'${k}'`))).toEqual([]);
  });

  it('fills variables and refuses a missing one', () => {
    expect(say('errors.too_long', { length: 5, max: 3 })).toBe('消息太长了（5 字），请控制在 3 字以内。');
    expect(() => say('errors.too_long', { length: 5 })).toThrow('wording errors.too_long needs {max}');
    expect(() => say('no.such.key')).toThrow('wording key missing');
  });
});
