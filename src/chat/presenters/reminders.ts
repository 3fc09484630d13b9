// Presenters for reminders: a member's meeting reminder (text, or a card with a 签到 button when
// check-in opens), the approver's card after a meeting, and the secretary's compliance alert (plain
// text: its view is the wording key). Wording from prompts/replies/meeting.yaml and prompts.yaml.
import type { Presenters, PresentEnv } from './registry.js';
import type { Card } from '../card.js';
import type { OutboundBody } from '../types.js';
import { say } from '../wording.js';
import { formatDateTime } from '../../domain/life/time.js';
import { counterLine, meetingTitle, MEETING_ACTIONS } from './life.js';
import { REMINDER_VIEWS, type MeetingReminderData, type MeetingSummaryData } from '../../services/reminders.js';

/** Minutes can be filled in from the summary card for a month. */
const MINUTES_TOKEN_TTL = 30 * 86_400;

function meetingReminder(d: MeetingReminderData, env: PresentEnv): OutboundBody {
  const vars = { title: meetingTitle({ kind: { name: d.kindName }, topic: d.topic }), time: formatDateTime(d.startsAt, env.timezone), place: d.place ?? say('meeting.place_tbd') };
  if (d.kind === 'day_before') return { kind: 'text', text: say('meeting.remind_day_before', vars) };
  if (d.kind === 'hour_before') return { kind: 'text', text: say('meeting.remind_hour_before', vars) };
  if (d.kind === 'after_end') return { kind: 'text', text: say('meeting.remind_late', { ...vars, until: formatDateTime(d.lateUntil, env.timezone) }) };
  // start: the button works until check-in closes (at least a minute).
  const ttl = Math.max(60, Math.ceil((d.checkinClosesAt.getTime() - env.now.getTime()) / 1000));
  const card: Card = {
    title: say('meeting.remind_start_title'),
    tone: 'blue',
    markdown: say('meeting.remind_start', vars),
    buttons: [{ actionId: MEETING_ACTIONS.checkin, label: say('meeting.button_checkin'), style: 'primary', token: env.tokens.sign({ action: MEETING_ACTIONS.checkin, target: d.sessionId }, ttl, env.now) }],
  };
  return { kind: 'card', card };
}

/** The card the approver gets after a meeting: who has not answered, the counter, and 填写纪实. */
function meetingSummary(d: MeetingSummaryData, env: PresentEnv): OutboundBody {
  const card: Card = {
    title: say('meeting.summary_title', { kind: d.kindName }),
    tone: 'orange',
    fields: [
      { label: say('meeting.field_topic'), value: d.topic },
      { label: say('meeting.field_time'), value: formatDateTime(d.startsAt, env.timezone) },
      { label: say('meeting.summary_missing'), value: d.missing.join('、') || say('meeting.none') },
    ],
    markdown: say('meeting.summary_note'),
    footer: counterLine(d.counts),
  };
  if (d.approverId) {
    const token = env.tokens.sign({ action: MEETING_ACTIONS.minutesForm, target: d.sessionId, member: d.approverId }, MINUTES_TOKEN_TTL, env.now);
    card.buttons = [{ actionId: MEETING_ACTIONS.minutesForm, label: say('meeting.button_minutes'), style: 'primary', token }];
  }
  return { kind: 'card', card };
}

export function registerRemindersPresenters(presenters: Presenters): void {
  presenters
    .view(REMINDER_VIEWS.meeting, (data, env) => meetingReminder(data as unknown as MeetingReminderData, env))
    .view(REMINDER_VIEWS.summary, (data, env) => meetingSummary(data as unknown as MeetingSummaryData, env));
  // REMINDER_VIEWS.complianceAlert is the wording key 'jobs.compliance_alert': rendered as plain text from its data.
}
