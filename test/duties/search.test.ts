// The question engine over the default responsibility list: the fixture's 89 chat questions (top-3 hit rate),
// refusal of questions the list cannot answer, synonyms and the asker's own post.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { readDefaultList } from '../../src/domain/duties/list-file.js';
import { DutyIndex, dutyItemsFromList, normalizeQuestion, type DutyItem } from '../../src/domain/duties/search.js';

const FIXTURE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/duty-questions.yaml');
const questions = parse(fs.readFileSync(FIXTURE, 'utf8')) as Array<{ q: string; expect: string[] }>;

let items: DutyItem[];
let index: DutyIndex;
beforeAll(() => {
  items = dutyItemsFromList(readDefaultList());
  index = new DutyIndex(items);
});

const codes = (q: string, askerPosts?: string[]) => index.ask(q, { askerPosts }).hits.map((h) => h.item.code);

describe('duty questions (fixture)', () => {
  it('answers at least 90 % of the fixture questions within the top 3', () => {
    const misses: string[] = [];
    let hits = 0;
    for (const { q, expect: expected } of questions) {
      const got = codes(q);
      const ok = expected.length === 0 ? got.length === 0 : got.slice(0, 3).includes(expected[0]!);
      if (ok) hits++;
      else misses.push(`  ${q} — expected ${expected.join(',') || '(no answer)'}, got ${got.join(',') || '(no answer)'}`);
    }
    const rate = (100 * hits) / questions.length;
    console.log(`duty questions: top-3 hit rate ${rate.toFixed(1)}% (${hits}/${questions.length})`);
    if (misses.length) console.log(`misses:\n${misses.join('\n')}`);
    expect(questions.length).toBe(89);
    expect(rate).toBeGreaterThanOrEqual(90);
  });
});

describe('refusing what the list does not cover', () => {
  it('returns no hits and some covered topics for an unrelated question', () => {
    const a = index.ask('食堂几点开饭');
    expect(a.hits).toEqual([]);
    expect(a.suggestions.length).toBeGreaterThanOrEqual(3);
    expect(a.suggestions.length).toBeLessThanOrEqual(5);
    const vocabulary = new Set(items.flatMap((it) => it.keywords));
    for (const s of a.suggestions) expect(vocabulary.has(s)).toBe(true);
  });

  it('does not answer 民主生活会 with 组织生活会, and suggests the close topic instead', () => {
    const a = index.ask('民主生活会多久开一次');
    expect(a.hits).toEqual([]);
    expect(a.suggestions).toContain('组织生活会');
    expect(index.ask('民主生活会什么时候开').hits).toEqual([]);
  });

  it('is not fooled by one known word in an unrelated question', () => {
    // 单位 occurs in P-06, 会议 in many items; the topic words 停车位/会议室 occur nowhere.
    expect(codes('单位停车位怎么申请')).toEqual([]);
    expect(codes('会议室怎么预订')).toEqual([]);
    expect(codes('发展党员要几年')).toEqual([]);
  });

  it('still answers a question whose topic word appears only in passing when it asks about that passage', () => {
    // P-11 is about the rectification of problems found in 民主生活会.
    expect(codes('民主生活会查摆的问题要建整改台账吗')[0]).toBe('P-11');
  });

  it('answers nothing for an empty or filler-only question', () => {
    expect(index.ask('').hits).toEqual([]);
    expect(index.ask('多久一次？').hits).toEqual([]);
    expect(index.ask('').suggestions.length).toBeGreaterThanOrEqual(3);
  });
});

describe('synonyms and normalisation', () => {
  it('finds 支部委员会会议 for 支委会 and back', () => {
    expect(codes('支委会多久开一次')[0]).toBe('B-02');
    // Items that only say 支部委员会会议 are found by 支委会 too.
    const only = new DutyIndex([{ ...items.find((i) => i.code === 'B-02')!, keywords: [] }, ...items.filter((i) => i.code !== 'B-02').map((i) => ({ ...i, keywords: [] }))]);
    expect(only.ask('支委会多久开一次').hits[0]?.item.code).toBe('B-02');
    expect(codes('支部委员会会议多久开一次')[0]).toBe('B-02');
  });

  it('expands 三会一课 to the three meetings and the Party lecture', () => {
    const got = index.ask('三会一课多久一次', { limit: 10 }).hits.map((h) => h.item.code);
    for (const c of ['B-01', 'B-02', 'B-03', 'B-04']) expect(got).toContain(c);
  });

  it('reads 生活会, 评议, 中心组 and 谈话 as their full names', () => {
    expect(codes('生活会一年开几次')[0]).toBe('B-07');
    expect(codes('评议一年几次')[0]).toBe('B-08');
    expect(codes('中心组一年学几次')[0]).toBe('P-03');
    expect(codes('谈话一年至少几次')[0]).toBe('B-09');
  });

  it('normalises traditional characters, full-width forms and period words', () => {
    expect(normalizeQuestion('黨員大會多久開一次')).toBe('党员大会多久开一次');
    expect(normalizeQuestion('一个月')).toBe('每月');
    expect(normalizeQuestion('全年ＡＢ')).toBe('每年ab');
    expect(codes('支委會一個月開幾次')[0]).toBe('B-02');
  });

  it('finds a keyword that segments into several words when it is written whole', () => {
    expect(codes('每人每月读一本书是硬性要求吗')[0]).toBe('B-23');
  });
});

describe("the asker's own post", () => {
  it('reads a bare 书记 as the asker’s secretary post first', () => {
    expect(codes('书记要述职吗', ['支部书记'])[0]).toBe('B-13');
    expect(codes('书记要述职吗', ['党组书记'])[0]).toBe('P-08');
    expect(codes('书记要述职吗', ['机关党委书记'])[0]).toBe('O-10');
    expect(codes('书记要领办项目吗', ['支部书记'])[0]).toBe('B-12');
    expect(codes('书记要领办项目吗', ['党组书记'])[0]).toBe('P-07');
  });

  it('ranks the asker’s item higher than without the post', () => {
    const rank = (posts?: string[]) => index.ask('书记要领办项目吗', { askerPosts: posts }).hits.findIndex((h) => h.item.code === 'B-12');
    expect(rank(['支部书记'])).toBe(0);
    expect(rank()).toBeGreaterThan(0);
  });

  it('reads 我 as the asker’s posts', () => {
    expect(codes('我每个月要做什么', ['支部书记'])[0]).toBe('B-02');
    expect(codes('我每个月要做什么', ['党员'])[0]).toBe('B-10');
  });

  it('leaves a qualified post alone', () => {
    expect(codes('党组书记要述职吗', ['支部书记'])[0]).toBe('P-08');
  });

  it('puts what the asker takes part in first when the question names no post', () => {
    // B-04 (党支部 organises 党课 each quarter) answers a member; B-05 (支部书记 lectures yearly) is the secretary's own.
    expect(codes('党课多久上一次', ['党员'])[0]).toBe('B-04');
    expect(codes('党课多久上一次')[0]).toBe('B-04');
    expect(codes('党课多久上一次', ['支部书记', '党员'])[0]).toBe('B-05');
  });
});

describe('answers', () => {
  it('are ordered best first with positive scores and respect the limit', () => {
    const a = index.ask('书记项目每年要领办几个', { limit: 2 });
    expect(a.hits).toHaveLength(2);
    expect(a.hits[0]!.score).toBeGreaterThanOrEqual(a.hits[1]!.score);
    expect(a.hits[1]!.score).toBeGreaterThan(0);
    expect(a.suggestions).toEqual([]);
  });

  it('answers a how-often question only with items that have a period', () => {
    for (const h of index.ask('述职多久一次', { limit: 10 }).hits) expect(h.item.frequency).toMatch(/每|年|月|季度/);
  });
});
