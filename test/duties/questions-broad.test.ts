// The broad question set (test/fixtures/duty-questions-broad.yaml) over the default responsibility list:
// at least 97 % of answerable questions have a right item in the top 3, and every question the list cannot
// answer gets no hits ("没有找到"). Both rates are printed.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { readDefaultList } from '../../src/domain/duties/list-file.js';
import { DutyIndex, dutyItemsFromList } from '../../src/domain/duties/search.js';

interface Case {
  q: string;
  expect: string[];
  posts?: string[];
}

const FIXTURE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/duty-questions-broad.yaml');
const cases = parse(fs.readFileSync(FIXTURE, 'utf8')) as Case[];
const index = new DutyIndex(dutyItemsFromList(readDefaultList()));
const codes = (c: Case) => index.ask(c.q, { askerPosts: c.posts ?? ['党员'] }).hits.map((h) => h.item.code);

describe('broad duty questions (fixture)', () => {
  const answerable = cases.filter((c) => c.expect.length > 0);
  const abstain = cases.filter((c) => c.expect.length === 0);

  it('has at least 150 questions, at least 20 of them must-abstain, each answer an item of the list', () => {
    expect(cases.length).toBeGreaterThanOrEqual(150);
    expect(abstain.length).toBeGreaterThanOrEqual(20);
    const known = new Set(readDefaultList().items.map((i) => i.id));
    expect(cases.flatMap((c) => c.expect).filter((code) => !known.has(code))).toEqual([]);
  });

  it('puts a right item in the top 3 for at least 97 % of answerable questions, and abstains on every other', () => {
    const misses: string[] = [];
    let right = 0;
    for (const c of answerable) {
      const got = codes(c);
      if (got.slice(0, 3).some((code) => c.expect.includes(code))) right++;
      else misses.push(`  ${c.q}${c.posts ? ` (${c.posts.join('、')})` : ''} — expected ${c.expect.join('/')}, got ${got.slice(0, 5).join(',') || '(no answer)'}`);
    }
    const wrongly: string[] = [];
    for (const c of abstain) {
      const got = codes(c);
      if (got.length) wrongly.push(`  ${c.q} — must abstain, got ${got.slice(0, 5).join(',')}`);
    }
    const rate = (100 * right) / answerable.length;
    const abstainRate = (100 * (abstain.length - wrongly.length)) / abstain.length;
    console.log(`broad duty questions: top-3 ${rate.toFixed(1)}% (${right}/${answerable.length}); abstained ${abstainRate.toFixed(1)}% (${abstain.length - wrongly.length}/${abstain.length})`);
    if (misses.length) console.log(`misses:\n${misses.join('\n')}`);
    if (wrongly.length) console.log(`answered but should not:\n${wrongly.join('\n')}`);
    expect(wrongly).toEqual([]);
    expect(rate).toBeGreaterThanOrEqual(97);
  });
});
