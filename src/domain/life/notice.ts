// Reads a notice as a secretary writes it:
//   通知 主题党日 12月5日 14:30 三楼会议室 主题：学习贯彻四中全会精神
//   通知 支委会 明天下午两点半 党员活动室 主题：研究发展党员工作 参加：王建国、李秀英
//   通知 主题党日 主题：学习党章 时间：12月5日14:30 地点：三楼会议室
// The meeting kind comes first (name or alias), then the date and time, the place, and the
// labelled parts 主题： and 参加： (时间： and 地点： too, in any order: each part runs to the next
// label). Times go through parseWhen; nothing is guessed.
import { parseWhen, type WhenProblem } from './when.js';
import { DEFAULT_TZ } from './time.js';

export interface KindRef {
  id: string;
  code: string;
  name: string;
  aliases: string[];
  orgLevel: string;
}

export interface NoticeDraft {
  kind: KindRef;
  at: Date;
  /** The end, when the notice gives a range (14:30-16:30, 下午2点到4点). */
  end?: Date | null;
  place: string | null;
  topic: string;
  /** Names after 参加：, when the notice is for chosen members. */
  attendeeNames: string[];
  /** 第一党小组 …, when named. */
  groupName: string | null;
}

export type NoticeParse =
  | { ok: true; draft: NoticeDraft }
  | { ok: false; problem: 'no_kind' }
  | { ok: false; problem: 'question' }
  | { ok: false; problem: WhenProblem; at?: Date; end?: Date; weekday?: number; kind: KindRef };

/** The kind whose name or alias starts `text` (longest wins), and the text after it. */
export function matchKind<K extends KindRef>(kinds: K[], text: string): { kind: K; rest: string } | null {
  let best: { kind: K; word: string } | null = null;
  for (const k of kinds) {
    for (const word of [k.name, ...k.aliases]) {
      if (text.startsWith(word) && (!best || word.length > best.word.length)) best = { kind: k, word };
    }
  }
  return best ? { kind: best.kind, rest: text.slice(best.word.length).replace(/^[\s:：,，]+/, '') } : null;
}

/** A kind named anywhere in `text` (for "取消会议 主题党日"), longest name first. */
export function findKindIn<K extends KindRef>(kinds: K[], text: string): K | null {
  let best: { kind: K; word: string } | null = null;
  for (const k of kinds) {
    for (const word of [k.name, ...k.aliases]) {
      if (word && text.includes(word) && (!best || word.length > best.word.length)) best = { kind: k, word };
    }
  }
  return best?.kind ?? null;
}

const LABEL_TOPIC = /(?:会议)?主题\s*[:：]\s*/;
const LABEL_ATTENDEES = /(?:参加人员|参会人员|参加|参会|出席人员)\s*[:：]\s*/;
const LABEL_PLACE = /(?:会议)?地点\s*[:：]\s*/;
/** 时间：12月5日 14:30 — the label goes before the time is read (it is no part of the place). */
const LABEL_TIME = /(?:会议|开会)?时间\s*[:：]\s*/g;
/** What is left for the place asks something (明天下午3点开会吗？, 14:30 在哪开？, 怎么写？): a question, not a notice. */
const PLACE_QUESTION = /[?？]|吗|呢|怎么|是不是|是否|哪|什么/;
/** Whether a notice's or a change's text asks something rather than saying it. */
export const asksSomething = (text: string): boolean => PLACE_QUESTION.test(text);
const GROUP_NAME = /第[一二三四五六七八九十\d]+党小组/;

export function splitNames(s: string): string[] {
  return s.split(/[、,，;；\s]+/).map((x) => x.trim()).filter(Boolean);
}

/** The labels a notice may carry, each part running to the next label (主题：… 时间：… 地点：…, in any order). */
const LABELS: Array<{ part: 'topic' | 'attendees' | 'when' | 'place'; label: RegExp }> = [
  { part: 'topic', label: LABEL_TOPIC },
  { part: 'attendees', label: LABEL_ATTENDEES },
  { part: 'when', label: LABEL_TIME },
  { part: 'place', label: LABEL_PLACE },
];
/** Separators left at a part's end (主题：学习党章，时间：…). */
const TRAILING = /[\s,，、;；。.]+$/;

/** Splits off the labelled topic and attendees; the remainder (labelled time and place included) holds the time and the place. */
export function splitLabels(text: string): { body: string; topic: string | null; attendees: string[] } {
  const found = LABELS.flatMap(({ part, label }) => [...text.matchAll(new RegExp(label.source, 'g'))].map((m) => ({ part, at: m.index, end: m.index + m[0].length })))
    .sort((a, b) => a.at - b.at)
    .filter((f, i, all) => i === 0 || f.at >= all[i - 1]!.end);
  let body = text.slice(0, found[0]?.at ?? text.length);
  let topic: string | null = null;
  let attendees: string[] = [];
  for (const [i, f] of found.entries()) {
    const next = found[i + 1]?.at ?? text.length;
    const part = text.slice(f.end, next).replace(TRAILING, '').trim();
    if (f.part === 'topic') topic = part || null;
    else if (f.part === 'attendees') attendees = splitNames(part);
    else body += ' ' + text.slice(f.at, next);
  }
  return { body: body.trim(), topic, attendees };
}

/**
 * 主题：学习党章 12月5日下午2点半 三楼会议室: when only the topic holds a time, the topic ends where
 * the time begins, and what follows the time is the place.
 */
function timeInTopic(topic: string, now: Date, tz: string): { topic: string; rest: string } | null {
  const when = parseWhen(topic, now, tz);
  if (!when.ok) return null;
  let same = 0;
  while (same < when.rest.length && when.rest[same] === topic[same]) same++;
  const before = topic.slice(0, same).replace(TRAILING, '').trim();
  return before ? { topic: before, rest: topic.slice(same) } : null;
}

export function parseNotice<K extends KindRef>(text: string, kinds: K[], now: Date, tz = DEFAULT_TZ): NoticeParse {
  const k = matchKind(kinds, text.trim());
  if (!k) return { ok: false, problem: 'no_kind' };
  const { body, attendees, ...labelled } = splitLabels(k.rest);
  let { topic } = labelled;
  let rest = body;
  const g = rest.match(GROUP_NAME);
  const groupName = g ? g[0] : null;
  if (g) rest = rest.replace(GROUP_NAME, ' ');
  let when = parseWhen(rest.replace(LABEL_TIME, ' '), now, tz);
  const moved = !when.ok && topic ? timeInTopic(topic, now, tz) : null;
  if (moved) {
    topic = moved.topic;
    rest = `${rest} ${moved.rest}`;
    when = parseWhen(rest.replace(LABEL_TIME, ' '), now, tz);
  }
  // 通知 主题党日 怎么写？: no time at all, and a question — about notices, not one.
  if (!when.ok && when.problem === 'missing' && PLACE_QUESTION.test(when.rest)) return { ok: false, problem: 'question' };
  if (!when.ok) return { ok: false, problem: when.problem, at: when.at, end: when.end, weekday: when.weekday, kind: k.kind };
  const place = when.rest.replace(LABEL_PLACE, '').replace(/^[\s,，、;；:：]+/, '').trim() || null;
  if (place && PLACE_QUESTION.test(place)) return { ok: false, problem: 'question' };
  return { ok: true, draft: { kind: k.kind, at: when.at, end: when.end ?? null, place, topic: topic ?? k.kind.name, attendeeNames: attendees, groupName } };
}
