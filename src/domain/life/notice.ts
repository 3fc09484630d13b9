// Reads a notice as a secretary writes it:
//   通知 主题党日 12月5日 14:30 三楼会议室 主题：学习贯彻四中全会精神
//   通知 支委会 明天下午两点半 党员活动室 主题：研究发展党员工作 参加：王建国、李秀英
// The meeting kind comes first (name or alias), then the date and time, the place, and the
// labelled parts 主题： and 参加：. Times go through parseWhen; nothing is guessed.
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

/** Splits off the labelled parts; the remainder holds the time and the place. */
export function splitLabels(text: string): { body: string; topic: string | null; attendees: string[] } {
  let body = text;
  let topic: string | null = null;
  let attendees: string[] = [];
  const a = body.match(LABEL_ATTENDEES);
  if (a && a.index !== undefined) {
    const after = body.slice(a.index + a[0].length);
    const t = after.match(LABEL_TOPIC);
    const namesPart = t && t.index !== undefined ? after.slice(0, t.index) : after;
    attendees = splitNames(namesPart);
    body = body.slice(0, a.index) + (t && t.index !== undefined ? ' ' + after.slice(t.index) : '');
  }
  const t = body.match(LABEL_TOPIC);
  if (t && t.index !== undefined) {
    topic = body.slice(t.index + t[0].length).trim().replace(/[。.]$/, '') || null;
    body = body.slice(0, t.index);
  }
  return { body: body.trim(), topic, attendees };
}

export function parseNotice<K extends KindRef>(text: string, kinds: K[], now: Date, tz = DEFAULT_TZ): NoticeParse {
  const k = matchKind(kinds, text.trim());
  if (!k) return { ok: false, problem: 'no_kind' };
  const { body, topic, attendees } = splitLabels(k.rest);
  let rest = body;
  const g = rest.match(GROUP_NAME);
  const groupName = g ? g[0] : null;
  if (g) rest = rest.replace(GROUP_NAME, ' ');
  const when = parseWhen(rest.replace(LABEL_TIME, ' '), now, tz);
  // 通知 主题党日 怎么写？: no time at all, and a question — about notices, not one.
  if (!when.ok && when.problem === 'missing' && PLACE_QUESTION.test(when.rest)) return { ok: false, problem: 'question' };
  if (!when.ok) return { ok: false, problem: when.problem, at: when.at, end: when.end, weekday: when.weekday, kind: k.kind };
  const place = when.rest.replace(LABEL_PLACE, '').replace(/^[\s,，、;；:：]+/, '').trim() || null;
  if (place && PLACE_QUESTION.test(place)) return { ok: false, problem: 'question' };
  return { ok: true, draft: { kind: k.kind, at: when.at, end: when.end ?? null, place, topic: topic ?? k.kind.name, attendeeNames: attendees, groupName } };
}
