// The notice phrasing set (test/fixtures/notice-phrasings.yaml): each notice either creates the meeting
// at the time meant (start, and end for a range) with the place left clean, or is asked back. A notice
// that would create a meeting at any other time fails the test; the share read right is printed.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseNotice } from '../../src/domain/life/notice.js';
import { formatIso } from '../../src/domain/life/time.js';
import { STANDARD_MEETING_KINDS } from '../../src/domain/meeting-kinds.js';
import { buildRouter } from '../../src/chat/bot.js';
import { TokenSigner } from '../../src/chat/token.js';

interface Case {
  text: string;
  expect: string;
  place?: string;
  /** The topic it must read, when given. */
  topic?: string;
  now?: string;
}

const FIXTURE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/notice-phrasings.yaml');
const cases = parse(fs.readFileSync(FIXTURE, 'utf8')) as Case[];
const kinds = STANDARD_MEETING_KINDS.map((k) => ({ ...k, id: k.code }));
const DEFAULT_NOW = '2026-12-01T10:00:00+08:00';
const router = buildRouter({ publicUrl: 'https://zhibu.example', tokens: new TokenSigner('t'.repeat(64)) });

/** Pieces of a date or time phrase that must never be left in the place. */
const DATE_PIECE = /\d{1,2}\s*[:：]\s*\d{2}|[\d一二三四五六七八九十]+\s*[点时](?![楼层])|\d+\s*[月]|[\d一二三四五六七八九十]\s*[日号](?!楼|会议室|教室|活动室|报告厅|会客室|展厅)|[上下]午|[今明后]天|[早晚]上|(?:周|星期|礼拜)[一二三四五六日天]|下个?月|本月|月底|\d+[/.]\d+/;

function read(c: Case): { at: string; topic: string } | { ask: string } {
  // As in chat: the declared 通知 command takes the text, and its handler parses what follows the keyword.
  const found = router.matchCommand(c.text);
  if (found?.route.name !== 'meeting.notice') return { ask: `reached ${found?.route.name ?? 'nothing'}` };
  const r = parseNotice(found.match[0], kinds, new Date(c.now ?? DEFAULT_NOW));
  if (!r.ok) return { ask: r.problem };
  const d = r.draft;
  const at = d.end ? `${formatIso(d.at)}-${formatIso(d.end).slice(11)}` : formatIso(d.at);
  return { at: `${at}${d.place !== null ? ` @${d.place}` : ''}`, topic: d.topic };
}

describe('notice phrasings (fixture)', () => {
  it('has at least 80 phrasings, with both times and ask-backs', () => {
    expect(cases.length).toBeGreaterThanOrEqual(80);
    expect(cases.filter((c) => c.expect === 'ask').length).toBeGreaterThanOrEqual(20);
  });

  it('never creates a meeting at a wrong time; reads nearly all right; leaves nothing of a date in the place', () => {
    const wrong: string[] = [];
    const asked: string[] = [];
    const dirty: string[] = [];
    let right = 0;
    for (const c of cases) {
      const got = read(c);
      if ('ask' in got) {
        if (c.expect === 'ask') right++;
        else asked.push(`  ${c.text} — expected ${c.expect}, asked back (${got.ask})`);
        continue;
      }
      const [time, place] = got.at.split(' @');
      if (c.expect === 'ask' || time !== String(c.expect)) wrong.push(`  ${c.text} — expected ${c.expect}, got ${time}`);
      else if (c.place !== undefined && place !== c.place) wrong.push(`  ${c.text} — expected place「${c.place}」, got「${place ?? ''}」`);
      else if (c.topic !== undefined && got.topic !== c.topic) wrong.push(`  ${c.text} — expected topic「${c.topic}」, got「${got.topic}」`);
      else right++;
      if (place && DATE_PIECE.test(place)) dirty.push(`  ${c.text} — place「${place}」`);
    }
    const rate = (100 * right) / cases.length;
    console.log(`notice phrasings: ${rate.toFixed(1)}% read right (${right}/${cases.length}); wrong time ${wrong.length}; asked back instead of read ${asked.length}`);
    if (asked.length) console.log(`asked back:\n${asked.join('\n')}`);
    expect(wrong, 'a notice created at a wrong time or place').toEqual([]);
    expect(dirty, 'date pieces left in the place').toEqual([]);
    expect(rate).toBeGreaterThanOrEqual(95);
  });
});
