// Cards of the meeting-record commands (src/chat/handlers/life-records.ts and the change/cancel
// choice in src/chat/handlers/life.ts): the choice of one of several meetings, 签到情况 (names, sent
// privately), the 补录 form and its result.
import type { Card, CardForm } from '../card.js';
import type { TokenSigner } from '../token.js';
import type { SessionView } from '../../domain/life/sessions.js';
import type { RollCall } from '../../services/attendance.js';
import type { BackfillResult } from '../../services/backfill.js';
import type { KindRef } from '../../domain/life/notice.js';
import { formatDateTime, formatShort } from '../../domain/life/time.js';
import { say } from '../wording.js';

export const RECORD_ACTIONS = {
  /** A button of the choice card: target `<op>\n<sessionId>\n<what was typed after the meeting>`. */
  pick: 'meeting.pick',
  backfillSubmit: 'meeting.backfill_submit',
} as const;

/** One button per meeting: the secretary clicks the one meant (修改通知 / 取消会议 with several alike). */
export function pickCard(list: SessionView[], op: 'change' | 'cancel', rest: string, tokens: TokenSigner, now: Date, tz: string): Card {
  return {
    title: say(op === 'change' ? 'meeting.pick_title_change' : 'meeting.pick_title_cancel'),
    tone: 'orange',
    markdown: say('meeting.pick_intro'),
    buttons: list.slice(0, 10).map((s) => ({
      actionId: RECORD_ACTIONS.pick,
      label: `${s.kind.name}（${formatShort(s.startsAt, tz)}）`,
      token: tokens.sign({ action: RECORD_ACTIONS.pick, target: `${op}\n${s.id}\n${rest}` }, 3600, now),
    })),
  };
}

/** 签到情况: who has checked in, asked leave, or not answered (names; sent privately). */
export function rollCallCard(r: RollCall, tz: string): Card {
  const list = (xs: string[]) => xs.join('、') || say('meeting.none');
  const fields = [
    { label: say('meeting.field_time'), value: formatDateTime(r.session.startsAt, tz) },
    { label: say('meeting.roll_present'), value: list(r.present) },
    { label: say('meeting.roll_late'), value: list(r.late) },
    { label: say('meeting.roll_leave'), value: list(r.leave) },
    { label: say('meeting.roll_waiting'), value: list(r.waiting) },
    { label: say(r.checkinOpen ? 'meeting.roll_not_answered' : 'meeting.roll_absent'), value: list(r.notAnswered) },
  ];
  return { title: say('meeting.roll_title', { kind: r.session.kind.name, topic: r.session.topic }), tone: 'blue', fields, footer: say('meeting.roll_footer') };
}

/** 补录: a meeting held before Zhibu, with its attendance and minutes. */
export function backfillForm(kinds: KindRef[], token: string): CardForm {
  return {
    actionId: RECORD_ACTIONS.backfillSubmit,
    token,
    submitLabel: say('meeting.backfill_submit'),
    fields: [
      { name: 'kind', label: say('meeting.backfill_kind'), type: 'select', required: true, options: kinds.map((k) => ({ value: k.code, label: k.name })) },
      { name: 'date', label: say('meeting.backfill_date'), type: 'date', required: true },
      { name: 'time', label: say('meeting.backfill_time'), type: 'text', required: true, maxLength: 11, placeholder: say('meeting.backfill_time_hint') },
      { name: 'place', label: say('meeting.field_place'), type: 'text', maxLength: 60 },
      { name: 'topic', label: say('meeting.field_topic'), type: 'text', required: true, maxLength: 100 },
      { name: 'host', label: say('meeting.minutes_host'), type: 'text', maxLength: 20 },
      { name: 'recorder', label: say('meeting.minutes_recorder'), type: 'text', maxLength: 20 },
      { name: 'present', label: say('meeting.backfill_present'), type: 'textarea', required: true, maxLength: 2000, placeholder: say('meeting.minutes_speakers_hint') },
      { name: 'leave', label: say('meeting.backfill_leave'), type: 'textarea', maxLength: 2000, placeholder: say('meeting.backfill_reason_hint') },
      { name: 'absent', label: say('meeting.backfill_absent'), type: 'textarea', maxLength: 2000, placeholder: say('meeting.backfill_reason_hint') },
      { name: 'observers', label: say('meeting.minutes_observers'), type: 'text', maxLength: 300 },
      { name: 'lecturer', label: say('meeting.minutes_lecturer'), type: 'text', maxLength: 40 },
      { name: 'summary', label: say('meeting.minutes_summary'), type: 'textarea', required: true, maxLength: 5000 },
      { name: 'resolutions', label: say('meeting.minutes_resolutions'), type: 'textarea', maxLength: 2000 },
      { name: 'attachments', label: say('meeting.minutes_attachments'), type: 'textarea', maxLength: 3000, placeholder: say('meeting.minutes_attachments_hint') },
    ],
  };
}

export function backfilledCard(r: BackfillResult, tz: string): Card {
  return {
    title: say('meeting.backfilled_title', { kind: r.session.kind.name }),
    tone: 'green',
    fields: [
      { label: say('meeting.field_topic'), value: r.session.topic },
      { label: say('meeting.field_time'), value: formatDateTime(r.session.startsAt, tz) },
    ],
    footer: say('meeting.backfilled_counts', { expected: r.expected, present: r.present, leave: r.leave, absent: r.absent }),
  };
}
