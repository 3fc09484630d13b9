// Every variable src/config.ts reads is documented in .env.example and in the README's tables.
import fs from 'node:fs';
import { expect, it } from 'vitest';

it('documents every configuration variable in .env.example and the README', () => {
  const source = fs.readFileSync('src/config.ts', 'utf8');
  const names = [...new Set([...source.matchAll(/^\s+([A-Z][A-Z0-9_]{2,}):/gm)].map((m) => m[1]!))];
  expect(names.length).toBeGreaterThan(20);
  const example = fs.readFileSync('.env.example', 'utf8');
  const readme = fs.readFileSync('README.md', 'utf8');
  expect(names.filter((n) => !new RegExp(`^${n}=`, 'm').test(example))).toEqual([]);
  expect(names.filter((n) => !readme.includes(`\`${n}\``) && !readme.includes(`\`${n},`) && !readme.includes(`, \`${n}\``))).toEqual([]);
});
