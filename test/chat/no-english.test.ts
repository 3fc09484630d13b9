// Nothing a member or secretary reads is in English (issue 18): every wording template, the default
// responsibility list and the task prompt templates, and the cards built from them (answers with sources
// and evidence, meeting notices of every standard kind) hold no Latin word outside a short allowed list.
// Codes that mix letters and digits (H5, B-04, a binding code K7Q2M9XA) are not words.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadWording } from '../../src/chat/wording.js';
import { readDefaultList } from '../../src/domain/duties/list-file.js';
import { DutyIndex, dutyItemsFromList } from '../../src/domain/duties/search.js';
import { STANDARD_MEETING_KINDS } from '../../src/domain/meeting-kinds.js';
import { answerCard, noAnswerText } from '../../src/chat/presenters/duties.js';
import { noticeCard } from '../../src/chat/presenters/life.js';
import { DEFAULT_LIFE } from '../../src/domain/life/options.js';
import { TokenSigner } from '../../src/chat/token.js';
import type { Card } from '../../src/chat/card.js';
import type { SessionView } from '../../src/domain/life/sessions.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Latin words people know as they are: file formats and link schemes. */
const ALLOWED = new Set(['Excel', 'xlsx', 'http', 'https']);
/** Wording only the operator's command line prints (it names CLI commands). */
const CLI_ONLY = new Set(['pledge.campaign_ambiguous']);

/**
 * Latin words in `text`: runs of letters and digits with two letters or more and no digit, outside {vars}
 * and command-line options (--id: wording the operator's CLI prints).
 */
function latinWords(text: string): string[] {
  const runs = text.replace(/\{\{?\w+\}?\}/g, ' ').replace(/--[a-z][a-z-]*/g, ' ').match(/[A-Za-z0-9]+/g) ?? [];
  return runs.filter((r) => /[A-Za-z].*[A-Za-z]/.test(r) && !/\d/.test(r) && !ALLOWED.has(r));
}

const cardText = (c: Card) => [c.title, c.markdown, c.footer, ...(c.fields ?? []).flatMap((f) => [f.label, f.value]), ...(c.buttons ?? []).map((b) => b.label)].filter(Boolean).join('\n');

function found(where: string, text: string): string[] {
  const words = latinWords(text);
  return words.length ? [`${where}: ${words.join(', ')}`] : [];
}

describe('no English in what users read', () => {
  it('finds English words when there are some (the check itself)', () => {
    expect(latinWords('践诺情况 quarterly，the secretary reviews')).toEqual(['quarterly', 'the', 'secretary', 'reviews']);
    expect(latinWords('H5 页面、B-04、绑定 K7Q2M9XA、{name}、下载 Excel、--member')).toEqual([]);
  });

  it('holds for every wording template', () => {
    const bad = [...loadWording()].filter(([k]) => !CLI_ONLY.has(k)).flatMap(([k, v]) => found(k, v));
    expect(bad).toEqual([]);
  });

  it('holds for the default responsibility list, its sources, and the task prompt templates', () => {
    const bad: string[] = [];
    for (const it of readDefaultList().items) {
      for (const [field, value] of Object.entries({ post: it.post, content: it.content, frequency: it.frequency, evidence: it.evidence, source: it.source, keywords: it.keywords.join('、') })) {
        bad.push(...found(`${it.id}.${field}`, value));
      }
      // Sources are documents and articles, never files.
      if (/\.(txt|md|docx?|pdf)\b|seeds\/|DOMAIN/i.test(it.source)) bad.push(`${it.id}.source names a file: ${it.source}`);
    }
    for (const k of STANDARD_MEETING_KINDS) bad.push(...found(`kind ${k.code}`, [k.name, ...k.aliases].join('、')));
    const tasks = path.join(ROOT, 'prompts/tasks');
    for (const f of fs.readdirSync(tasks).filter((x) => x.endsWith('.md'))) {
      const [, front = '', body = ''] = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(fs.readFileSync(path.join(tasks, f), 'utf8')) ?? [];
      bad.push(...found(`${f} title`, String((parse(front) as { title?: string }).title ?? '')), ...found(`${f} body`, body));
    }
    expect(bad).toEqual([]);
  });

  it('holds for the cards built from them: answers (with evidence) and notices', () => {
    const now = new Date('2026-12-01T10:00:00+08:00');
    const env = { tokens: new TokenSigner('t'.repeat(64)), now, timezone: 'Asia/Shanghai', publicUrl: 'https://zhibu.example' };
    const items = dutyItemsFromList(readDefaultList());
    const index = new DutyIndex(items);
    const list = { id: 'l', unitId: 'u', unitName: '示例单位', year: 2026, version: 1 };
    const bad: string[] = [];
    // Every item, in an answer card with and without its evidence.
    for (let i = 0; i < items.length; i += 3) {
      const hits = items.slice(i, i + 3).map((item) => ({ item, score: 1 }));
      for (const evidence of [false, true]) bad.push(...found(`answer ${hits[0]!.item.code}`, cardText(answerCard(env, { list, question: '党课多久上一次', hits, offset: 0, askerId: 'm', evidence }))));
    }
    const a = index.ask('单位食堂几点开饭');
    bad.push(...found('no answer', noAnswerText('单位食堂几点开饭', a.suggestions)));
    for (const k of STANDARD_MEETING_KINDS) {
      const session = {
        id: 's', kind: { id: k.code, code: k.code, name: k.name, category: k.category }, orgNode: { id: 'b', name: '第一党支部', kind: 'BRANCH', parentId: null },
        topic: k.name, place: '三楼会议室', status: 'SCHEDULED', startsAt: new Date('2026-12-05T14:30:00+08:00'), endsAt: new Date('2026-12-05T16:30:00+08:00'),
        checkinOpensAt: new Date('2026-12-05T14:00:00+08:00'), checkinClosesAt: new Date('2026-12-05T17:00:00+08:00'),
      } as unknown as SessionView;
      const counts = { expected: 10, present: 2, late: 0, leave: 1, absent: 0, pending: 7 };
      const card = noticeCard(session, counts, env.tokens, now, { ...DEFAULT_LIFE, timezone: env.timezone, publicUrl: env.publicUrl });
      bad.push(...found(`notice ${k.code}`, cardText(card)));
      expect(cardText(card)).toContain('2026年12月5日（周六）14:30—16:30');
    }
    expect(bad).toEqual([]);
  });
});
