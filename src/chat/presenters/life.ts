// Presenters for organizational life: the meeting's group card (first post and in-place updates),
// the approval card, the forms (notice, leave, minutes), the minutes and compliance cards, and the
// texts members get when a meeting changes or their request is decided. Wording from
// prompts/replies/meeting.yaml; tokens signed here, never in services.
import type { Presenters, PresentEnv } from './registry.js';
import type { Card, CardForm, FormField } from '../card.js';
import type { Outbound } from '../types.js';
import type { TokenSigner } from '../token.js';
import { say } from '../wording.js';
import { HELD_LINE_KEYS, missingText } from './organizational-life.js';
import type { AttendanceStatus, RequestKind } from '../../generated/prisma/enums.js';
import { DEFAULT_TZ, formatDateTime, formatRange, formatShort } from '../../domain/life/time.js';
import { DEFAULT_LIFE, cardTokenTtlSeconds, lateEnd, type LifeOptions } from '../../domain/life/options.js';
import { attendanceCountsOf, bumpForCards, meetingTitle, type Counts, type SessionView } from '../../domain/life/sessions.js';
import { DUTY_CATEGORY, type ComplianceItem, type ComplianceReport } from '../../domain/life/compliance.js';
import type { KindRef } from '../../domain/life/notice.js';
import type { PeriodRange } from '../../domain/life/period.js';
import { LIFE_VIEWS, type ChangedData, type DecidedData, type ApprovalData, type CancelledData, type NoticeCardData } from '../../services/life-views.js';
import { REASON_MAX, STATUS_KEYS } from '../../services/attendance.js';
import { isWebLink, MINUTES_MAX, type MinutesRecord } from '../../services/minutes.js';

export { meetingTitle } from '../../domain/life/sessions.js';

/** Card action ids of this area (cards carry them, the router routes on them). */
export const MEETING_ACTIONS = {
  checkin: 'meeting.checkin',
  leave: 'meeting.leave',
  leaveSubmit: 'meeting.leave_submit',
  approve: 'meeting.approve',
  reject: 'meeting.reject',
  noticeSubmit: 'meeting.notice_submit',
  minutesForm: 'meeting.minutes_form',
  minutesSubmit: 'meeting.minutes_submit',
} as const;

/** 应到 23 · 已签到 0 · 请假 0 · 未响应 23 (补签 counts as 已签到; 缺席 shown once someone is marked). */
export function counterLine(c: Counts): string {
  const parts = [say('meeting.counter', { expected: c.expected, checked: c.present + c.late, leave: c.leave, pending: c.pending })];
  if (c.late) parts.push(say('meeting.counter_late', { late: c.late }));
  if (c.absent) parts.push(say('meeting.counter_absent', { absent: c.absent }));
  return parts.join(' · ');
}

export function statusName(s: AttendanceStatus): string {
  return say(STATUS_KEYS[s]);
}

/** The group card as it should look now. Tokens are signed afresh on each rendering. */
export function noticeCard(s: SessionView, c: Counts, tokens: TokenSigner, now: Date, o: LifeOptions): Card {
  const fields = [
    { label: say('meeting.field_topic'), value: s.topic },
    { label: say('meeting.field_time'), value: formatRange(s.startsAt, s.endsAt, o.timezone) },
    { label: say('meeting.field_place'), value: s.place ?? say('meeting.place_tbd') },
    { label: say('meeting.field_checkin'), value: say('meeting.checkin_window', { opens: formatShort(s.checkinOpensAt, o.timezone), closes: formatShort(s.checkinClosesAt, o.timezone) }) },
  ];
  if (s.orgNode.kind === 'GROUP') fields.splice(1, 0, { label: say('meeting.field_group'), value: s.orgNode.name });
  if (s.status === 'CANCELLED') {
    return { title: say('meeting.card_title_cancelled', { kind: s.kind.name }), tone: 'grey', fields, markdown: say('meeting.card_cancelled_note'), footer: counterLine(c) };
  }
  const ttl = cardTokenTtlSeconds(s.checkinClosesAt, now, o);
  return {
    title: say('meeting.card_title', { kind: s.kind.name }),
    tone: s.status === 'HELD' ? 'green' : 'blue',
    fields,
    buttons: [
      { actionId: MEETING_ACTIONS.checkin, label: say('meeting.button_checkin'), style: 'primary', token: tokens.sign({ action: MEETING_ACTIONS.checkin, target: s.id }, ttl, now) },
      { actionId: MEETING_ACTIONS.leave, label: say('meeting.button_leave'), token: tokens.sign({ action: MEETING_ACTIONS.leave, target: s.id }, ttl, now) },
    ],
    footer: counterLine(c),
  };
}

/**
 * The meeting cards' updates of a delivery window: bump the sessions' versions and render them from
 * current state, in two statements for all of them (the bump, then the counts); one result per id,
 * null where there is no card to update.
 */
export async function meetingCardUpdates(sql: Parameters<typeof bumpForCards>[0], sessionIds: string[], tokens: TokenSigner, now: Date, o: LifeOptions): Promise<Array<Outbound | null>> {
  const rows = new Map((await bumpForCards(sql, sessionIds)).map((r) => [r.id, r]));
  // Counted after the bump, in a statement of its own: it sees every answer committed before ours.
  const counts = rows.size ? await attendanceCountsOf(sql, [...rows.keys()]) : new Map<string, Counts>();
  return sessionIds.map((id) => {
    const row = rows.get(id);
    const ofKey = row?.cardMessageKey;
    if (!row || !ofKey || !row.to) return null;
    const { to, ...bumped } = row;
    const card = noticeCard(bumped, counts.get(id)!, tokens, now, o);
    return { to, body: { kind: 'card_update', ofKey, card }, dedupeKey: `${ofKey}:v${bumped.version}`, category: 'notice' };
  });
}

/** An approval card (请假 / 补签), with its decision in the footer once decided. */
export function requestCard(kind: RequestKind, who: string, s: { kind: { name: string }; topic: string; startsAt: Date }, reason: string, tz: string, decided?: { approved: boolean; by: string }): Card {
  const card: Card = {
    title: say(kind === 'LEAVE' ? 'meeting.approval_title_leave' : 'meeting.approval_title_late', { name: who }),
    tone: decided ? (decided.approved ? 'green' : 'grey') : 'orange',
    fields: [
      { label: say('meeting.field_meeting'), value: meetingTitle(s) },
      { label: say('meeting.field_time'), value: formatDateTime(s.startsAt, tz) },
      { label: say('meeting.field_reason'), value: reason },
    ],
  };
  if (decided) card.footer = say(decided.approved ? 'meeting.approval_done_approved' : 'meeting.approval_done_rejected', { by: decided.by });
  return card;
}

/** What a change or decision is called in texts (请假 / 补签). */
export const requestWord = (kind: RequestKind) => say(kind === 'LEAVE' ? 'meeting.word_leave' : 'meeting.word_late');

function changesText(c: ChangedData['changes'], tz: string): string {
  const parts: string[] = [];
  if (c.startsAt) parts.push(say('meeting.change_time', { time: formatDateTime(c.startsAt, tz) }));
  if (c.place) parts.push(say('meeting.change_place', { place: c.place }));
  if (c.topic) parts.push(say('meeting.change_topic', { topic: c.topic }));
  return parts.join('；');
}

/** The secretary's reply after a change. */
export function changedReply(session: { kind: { name: string }; topic: string }, changes: ChangedData['changes'], tz: string): string {
  return say('meeting.changed_reply', { title: meetingTitle(session), changes: changesText(changes, tz) });
}

// ───────────────────────── forms ─────────────────────────

export function noticeForm(kinds: KindRef[], token: string): CardForm {
  return {
    actionId: MEETING_ACTIONS.noticeSubmit,
    token,
    submitLabel: say('meeting.notice_form_submit'),
    fields: [
      { name: 'kind', label: say('meeting.form_kind'), type: 'select', required: true, options: kinds.map((k) => ({ value: k.code, label: k.name })) },
      { name: 'topic', label: say('meeting.field_topic'), type: 'text', required: true, maxLength: 100 },
      { name: 'date', label: say('meeting.form_date'), type: 'date', required: true },
      { name: 'time', label: say('meeting.form_time'), type: 'text', required: true, maxLength: 20, placeholder: '14:30' },
      { name: 'place', label: say('meeting.field_place'), type: 'text', maxLength: 60 },
      { name: 'attendees', label: say('meeting.form_attendees'), type: 'text', maxLength: 500, placeholder: say('meeting.form_attendees_hint') },
      { name: 'host', label: say('meeting.minutes_host'), type: 'text', maxLength: 20, placeholder: say('meeting.notice_host_hint') },
    ],
  };
}

export function leaveForm(token: string): CardForm {
  return {
    actionId: MEETING_ACTIONS.leaveSubmit,
    token,
    submitLabel: say('meeting.leave_form_submit'),
    fields: [{ name: 'reason', label: say('meeting.field_reason'), type: 'textarea', required: true, maxLength: REASON_MAX, placeholder: say('meeting.leave_form_hint') }],
  };
}

export function minutesFields(existing: MinutesRecord | null): FormField[] {
  // Only typed links are edited here; pictures sent in chat (纪实照片) are kept as they are.
  const links = (existing?.attachments ?? []).filter(isWebLink);
  return [
    { name: 'summary', label: say('meeting.minutes_summary'), type: 'textarea', required: true, maxLength: MINUTES_MAX, value: existing?.summary },
    { name: 'resolutions', label: say('meeting.minutes_resolutions'), type: 'textarea', maxLength: 2000, value: existing?.resolutions ?? undefined },
    { name: 'speakers', label: say('meeting.minutes_speakers'), type: 'text', maxLength: 300, placeholder: say('meeting.minutes_speakers_hint'), value: existing?.speakers.join('、') || undefined },
    { name: 'attachments', label: say('meeting.minutes_attachments'), type: 'textarea', maxLength: 3000, placeholder: say('meeting.minutes_attachments_hint'), value: links.map((l) => `${l.title} ${l.url}`).join('\n') || undefined },
    // For the ledger: 主持人 (blank: as on the notice), 记录人 (blank: whoever saves), end time, 列席, 党课 lecturer.
    { name: 'host', label: say('meeting.minutes_host'), type: 'text', maxLength: 20, placeholder: say('meeting.minutes_host_hint') },
    { name: 'recorder', label: say('meeting.minutes_recorder'), type: 'text', maxLength: 20, placeholder: say('meeting.minutes_recorder_hint') },
    { name: 'end', label: say('meeting.minutes_end'), type: 'text', maxLength: 5, placeholder: say('meeting.minutes_end_hint') },
    { name: 'observers', label: say('meeting.minutes_observers'), type: 'text', maxLength: 300, placeholder: say('meeting.minutes_speakers_hint'), value: existing?.observers?.join('、') || undefined },
    { name: 'lecturer', label: say('meeting.minutes_lecturer'), type: 'text', maxLength: 40, value: existing?.lecturer ?? undefined },
  ];
}

export function minutesForm(token: string, existing: MinutesRecord | null, url?: string): CardForm {
  return { actionId: MEETING_ACTIONS.minutesSubmit, token, submitLabel: say('meeting.minutes_submit'), fields: minutesFields(existing), url };
}

export function minutesFormCard(s: SessionView, c: Counts, form: CardForm, tz: string): Card {
  return {
    title: say('meeting.minutes_form_title', { kind: s.kind.name }),
    tone: 'blue',
    fields: [
      { label: say('meeting.field_topic'), value: s.topic },
      { label: say('meeting.field_time'), value: formatDateTime(s.startsAt, tz) },
    ],
    markdown: say('meeting.minutes_form_intro'),
    form,
    footer: counterLine(c),
  };
}

export function minutesSavedCard(s: SessionView, names: Record<'present' | 'leave' | 'absent', string[]>, c: Counts, tz: string): Card {
  const list = (xs: string[]) => xs.join('、') || say('meeting.none');
  return {
    title: say('meeting.minutes_saved_title', { kind: s.kind.name }),
    tone: 'green',
    fields: [
      { label: say('meeting.field_topic'), value: s.topic },
      { label: say('meeting.field_time'), value: formatDateTime(s.startsAt, tz) },
      { label: say('meeting.minutes_present'), value: list(names.present) },
      { label: say('meeting.minutes_leave'), value: list(names.leave) },
      { label: say('meeting.minutes_absent'), value: list(names.absent) },
    ],
    footer: counterLine(c),
  };
}

/** 「有多个会议，请写明是哪一个」 with the choices. */
export function whichText(sessions: SessionView[], command: string, tz: string): string {
  const lines = sessions.map((s) => `· ${s.kind.name}（${formatShort(s.startsAt, tz)}）`).join('\n');
  return say('meeting.which', { list: lines, command, example: sessions[0]!.kind.name });
}

// ───────────────────────── compliance ─────────────────────────

const LINE_KEYS = { done: 'compliance.line_done', open: 'compliance.line_open', at_risk: 'compliance.line_at_risk', missed: 'compliance.line_missed' } as const;
const DUTY_LINE_KEYS = { done: 'compliance.duty_line_done', open: 'compliance.duty_line_open', at_risk: 'compliance.duty_line_at_risk', missed: 'compliance.duty_line_missed' } as const;

function complianceLine(it: ComplianceItem, tz: string): string {
  const name = it.group ? `${it.name}（${it.group.name}）` : it.name;
  const vars = { name, required: it.required, held: it.held, remaining: it.remaining, days: it.daysLeft, window: it.window.label };
  // Items met by records or per person read 应完成/已完成 rather than 应开/已开.
  const keys = it.category === DUTY_CATEGORY ? DUTY_LINE_KEYS : LINE_KEYS;
  const key = (status: ComplianceItem['status']) => keys[status];
  let line: string;
  switch (it.status) {
    case 'missed': {
      const missed = it.parts.filter((p) => p.held < p.required).map((p) => p.label).join('、');
      line = say(key('missed'), { ...vars, missed });
      break;
    }
    default:
      line = say(key(it.status), vars);
  }
  // 组织生活会, 民主评议: the meeting is held, its other parts are not.
  if (it.missing?.length && it.remaining === 0 && it.status !== 'done') line = say(HELD_LINE_KEYS[it.status as keyof typeof HELD_LINE_KEYS], vars);
  if (it.holders?.pairs) line += say('orglife.holders_pairs', { done: it.holders.done, total: it.holders.total, pairsDone: it.holders.pairs.done, pairsTotal: it.holders.pairs.total });
  else if (it.holders) line += say('compliance.holders', { done: it.holders.done, total: it.holders.total });
  const why = it.notCounted.map((n) =>
    say(n.reason === 'quorum' ? 'compliance.not_counted_quorum' : 'compliance.not_counted_lecturer', { when: formatShort(n.startsAt, tz), kind: n.kindName, attended: n.attended, expected: n.expected }),
  );
  if (it.missing?.length) why.push(say('orglife.missing_line', { list: missingText(it.missing) }));
  return [line, ...why].join('\n');
}

export function complianceCard(report: ComplianceReport, period: PeriodRange, filter: string, tz = DEFAULT_TZ): Card {
  const lines = report.items.map((it) => complianceLine(it, tz));
  const missing = report.items.filter((i) => i.remaining > 0).length;
  return {
    title: say('compliance.title', { branch: report.orgNode.name, period: period.label, filter }),
    tone: report.items.some((i) => i.status === 'missed') ? 'red' : report.items.some((i) => i.atRisk) ? 'orange' : missing ? 'blue' : 'green',
    markdown: lines.length ? lines.join('\n') : say('compliance.none'),
    footer: say('compliance.footer'),
  };
}

// ───────────────────────── registration ─────────────────────────

/** `life`: this bot's settings (card token lifetimes follow the 补签 period); the defaults where absent. */
export function registerLifePresenters(presenters: Presenters, life: Partial<LifeOptions> = {}): void {
  const lifeOf = (env: PresentEnv): LifeOptions => ({ ...DEFAULT_LIFE, timezone: env.timezone, publicUrl: env.publicUrl, ...defined(life) });
  presenters
    .cards('meeting', (sql, ids, env) => meetingCardUpdates(sql, ids, env.tokens, env.now, lifeOf(env)))
    .view(LIFE_VIEWS.noticeCard, (data, env) => {
      const d = data as unknown as NoticeCardData;
      return { kind: 'card', card: noticeCard(d.session, d.counts, env.tokens, env.now, lifeOf(env)) };
    })
    .view(LIFE_VIEWS.approval, (data, env) => {
      const d = data as unknown as ApprovalData;
      const o = lifeOf(env);
      const ttl = Math.ceil((lateEnd(d.session.checkinClosesAt, o).getTime() - env.now.getTime()) / 1000) + 30 * 86_400;
      const card = requestCard(d.kind, d.name, d.session, d.reason, env.timezone);
      card.buttons = [
        { actionId: MEETING_ACTIONS.approve, label: say('meeting.button_approve'), style: 'primary', token: env.tokens.sign({ action: MEETING_ACTIONS.approve, target: d.requestId }, ttl, env.now) },
        { actionId: MEETING_ACTIONS.reject, label: say('meeting.button_reject'), style: 'danger', token: env.tokens.sign({ action: MEETING_ACTIONS.reject, target: d.requestId }, ttl, env.now) },
      ];
      return { kind: 'card', card };
    })
    .view(LIFE_VIEWS.decided, (data) => {
      const d = data as unknown as DecidedData;
      return { kind: 'text', text: say(d.approved ? 'meeting.decision_approved' : 'meeting.decision_rejected', { title: meetingTitle(d.session), what: requestWord(d.kind), by: d.by }) };
    })
    .view(LIFE_VIEWS.changed, (data, env) => {
      const d = data as unknown as ChangedData;
      return { kind: 'text', text: say('meeting.changed_notice', { title: meetingTitle(d.session), changes: changesText(d.changes, env.timezone) }) };
    })
    .view(LIFE_VIEWS.cancelled, (data, env) => {
      const d = data as unknown as CancelledData;
      return { kind: 'text', text: say('meeting.cancelled_notice', { title: meetingTitle(d.session), time: formatDateTime(d.session.startsAt, env.timezone) }) };
    });
}

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
