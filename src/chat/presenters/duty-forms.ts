// The record form opened from an obligation's line: the [记录 B-10] buttons on the cards that list
// obligations, the form card, and the card it becomes once recorded. Wording: prompts/replies/duty-forms.yaml.
import type { Card, CardButton, CardForm } from '../card.js';
import { formLink } from '../forms.js';
import { say } from '../wording.js';
import type { PresentEnv } from './registry.js';
import { recordedText, standingText } from './obligations.js';
import type { RecordableLine } from '../../services/duty-forms.js';
import type { RecordResult } from '../../services/obligations.js';

export const DUTY_FORM_ACTIONS = {
  /** [记录 B-10]: opens the form (target: RecordTarget). */
  open: 'duty.record_open',
  /** The form's submit (target: RecordTarget). */
  submit: 'duty.record_submit',
} as const;

/** What a button and its form carry (short keys: it rides in a signed token). */
export interface RecordTarget {
  /** item code */
  i: string;
  /** the org node the card is about (the node's duties); absent for the member's own list */
  s?: string;
}

/** A button lives at most a week, and never past the window its record would count toward. */
const BUTTON_TTL_SECONDS = 7 * 86_400;
/** The form a button opens: a day, within the same bound. */
const FORM_TTL_SECONDS = 86_400;
/** WeCom template cards hold six buttons. */
export const MAX_RECORD_BUTTONS = 6;

function ttl(cap: number, until: Date, now: Date): number {
  return Math.max(1, Math.min(cap, Math.floor((until.getTime() - now.getTime()) / 1000)));
}

export function parseRecordTarget(raw: string): RecordTarget | null {
  try {
    const t = JSON.parse(raw) as Partial<RecordTarget>;
    if (typeof t.i === 'string' && t.i.length > 0 && t.i.length <= 40 && (t.s === undefined || typeof t.s === 'string')) return { i: t.i, s: t.s };
  } catch {
    // fall through
  }
  return null;
}

/** One [记录 B-10] button per line, bound to the viewer. */
export function recordButtons(env: PresentEnv, lines: RecordableLine[], viewerId: string, subjectId?: string): CardButton[] {
  return lines.map((l) => {
    const target: RecordTarget = subjectId ? { i: l.code, s: subjectId } : { i: l.code };
    const token = env.tokens.sign({ action: DUTY_FORM_ACTIONS.open, target: JSON.stringify(target), member: viewerId }, ttl(BUTTON_TTL_SECONDS, l.windowEnd, env.now), env.now);
    return { actionId: DUTY_FORM_ACTIONS.open, label: say('duty_form.button', { code: l.code }), token };
  });
}

/** The form's one field; `pair`: a 谈心谈话 names the partner first. */
export function recordForm(token: string, pair: boolean, url?: string): CardForm {
  return {
    actionId: DUTY_FORM_ACTIONS.submit,
    token,
    submitLabel: say('duty_form.submit'),
    fields: [{ name: 'text', label: say('duty_form.field_text'), type: 'textarea', required: true, maxLength: 1000, placeholder: say(pair ? 'duty_form.placeholder_pair' : 'duty_form.placeholder') }],
    url,
  };
}

/** The form card: the item, where it stands, and how photos and files are added. */
export function recordFormCard(env: PresentEnv, t: Omit<RecordResult, 'recordId'> & { pair: boolean }, target: RecordTarget, viewerId: string): Card {
  const until = t.obligation?.window.end ?? new Date(env.now.getTime() + FORM_TTL_SECONDS * 1000);
  const token = env.tokens.sign({ action: DUTY_FORM_ACTIONS.submit, target: JSON.stringify(target), member: viewerId }, ttl(FORM_TTL_SECONDS, until, env.now), env.now);
  return {
    title: say('duty_form.title', { code: t.item.code }),
    tone: 'blue',
    markdown: [say('duty_form.item', { code: t.item.code, content: t.item.content }), ...(t.obligation ? [standingText(t.obligation)] : []), say('duty_form.photos', { code: t.item.code })].join('\n'),
    form: recordForm(token, t.pair, formLink(env.publicUrl, token)),
  };
}

/** What the form card becomes once recorded: the recorded line and where the obligation stands. */
export function recordedCard(r: RecordResult): Card {
  return { title: say('duty_form.recorded_title', { code: r.item.code }), tone: r.obligation?.status === 'done' ? 'green' : 'blue', markdown: recordedText(r), footer: say('duty_form.photos', { code: r.item.code }) };
}
