// Optional model phrasing of a duty answer: an OpenAI-compatible chat-completions endpoint rewrites the
// retrieved items as a short answer, strictly from those items and citing them by [编号]. Off unless
// configured; time-boxed; any failure (timeout, HTTP error, empty text, a cited id that was not retrieved,
// no citation at all) returns a reason instead of text, and the caller shows the plain card.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DutyItem } from './search.js';

export interface LlmConfig {
  /** Base URL up to /v1, e.g. http://127.0.0.1:8000/v1 */
  baseUrl: string;
  model: string;
  apiKey?: string;
  timeoutMs: number;
}

export const DUTY_PROMPT_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../prompts/duty-answer.md');

export interface DutyPrompt {
  system: string;
  user: string;
}

/** The system and user templates from prompts/duty-answer.md (between <!-- system --> and <!-- user -->). */
export function loadDutyPrompt(file = DUTY_PROMPT_FILE): DutyPrompt {
  const text = fs.readFileSync(file, 'utf8');
  const m = /<!--\s*system\s*-->([\s\S]*?)<!--\s*user\s*-->([\s\S]*)$/.exec(text);
  if (!m) throw new Error(`${file}: expected <!-- system --> … <!-- user --> … sections`);
  const system = m[1]!.trim();
  const user = m[2]!.trim();
  if (!user.includes('{{question}}') || !user.includes('{{items}}')) throw new Error(`${file}: the user template needs {{question}} and {{items}}`);
  return { system, user };
}

/** One item as the model sees it: [B-05] 岗位：… */
export function itemForPrompt(it: DutyItem): string {
  return `[${it.code}] 岗位：${it.post}；工作内容：${it.content}；频次：${it.frequency}；出处：${it.source}`;
}

export function buildMessages(prompt: DutyPrompt, question: string, items: DutyItem[]): Array<{ role: 'system' | 'user'; content: string }> {
  const user = prompt.user.replace('{{question}}', () => question).replace('{{items}}', () => items.map(itemForPrompt).join('\n'));
  return [
    { role: 'system', content: prompt.system },
    { role: 'user', content: user },
  ];
}

/** Anything shaped like an item id (B-05, PG-12), bracketed or not. */
const ID_LIKE = /(?<![A-Za-z0-9])([A-Z]{1,3})\s*[-－—]\s*(\d{1,4})(?![0-9])/g;

/** The item ids a text cites. */
export function citedIds(text: string): string[] {
  return [...new Set([...text.normalize('NFKC').matchAll(ID_LIKE)].map((m) => `${m[1]}-${m[2]}`))];
}

export type PhraseResult = { ok: true; text: string; cited: string[] } | { ok: false; reason: 'timeout' | 'http' | 'bad_response' | 'no_citation' | 'unknown_citation' | 'too_long' };

const MAX_ANSWER = 1500;

/** Check a model answer against the items it was given. */
export function checkAnswer(text: string, items: DutyItem[]): PhraseResult {
  const trimmed = text.trim();
  if (!trimmed) return { ok: false, reason: 'bad_response' };
  if ([...trimmed].length > MAX_ANSWER) return { ok: false, reason: 'too_long' };
  const cited = citedIds(trimmed);
  if (cited.length === 0) return { ok: false, reason: 'no_citation' };
  const known = new Set(items.map((i) => i.code));
  if (cited.some((c) => !known.has(c))) return { ok: false, reason: 'unknown_citation' };
  return { ok: true, text: trimmed, cited };
}

let prompt: DutyPrompt | undefined;

/** Ask the model to phrase the answer from `items`; never throws. */
export async function phraseAnswer(cfg: LlmConfig, question: string, items: DutyItem[]): Promise<PhraseResult> {
  prompt ??= loadDutyPrompt();
  const url = `${cfg.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (cfg.apiKey) headers.authorization = `Bearer ${cfg.apiKey}`;
  let body: unknown;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ model: cfg.model, messages: buildMessages(prompt, question, items), temperature: 0, stream: false }),
      signal: AbortSignal.timeout(cfg.timeoutMs),
    });
    if (!res.ok) return { ok: false, reason: 'http' };
    body = await res.json();
  } catch (e) {
    const name = (e as Error).name;
    return { ok: false, reason: name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'http' };
  }
  const content = (body as { choices?: Array<{ message?: { content?: unknown } }> })?.choices?.[0]?.message?.content;
  if (typeof content !== 'string') return { ok: false, reason: 'bad_response' };
  return checkAnswer(content, items);
}
