// What the bot says about obligations and the records that meet them (src/services/obligations.ts).
import { say } from '../wording.js';
import { OBLIGATION_VIEWS, type EscalationData, type MemberReminderData, type RecordResult } from '../../services/obligations.js';
import type { Presenters } from './registry.js';
import type { ObligationStatus } from '../../domain/obligations/engine.js';

const STATUS_KEYS: Record<ObligationStatus, string> = { done: 'obligations.status_done', open: 'obligations.status_open', at_risk: 'obligations.status_at_risk', missed: 'obligations.status_missed' };

/** 已记录 O-02「…」（张伟）。 and where the obligation stands now. */
export function recordedText(r: RecordResult): string {
  const who = r.member ? r.member.name : r.node.name;
  const base = say('obligations.recorded', { code: r.item.code, content: r.item.content, who });
  return r.obligation ? `${base}\n${standingText(r.obligation)}` : base;
}

/** 2026年12月：已完成 1/1 次，已达到要求。 */
export function standingText(o: NonNullable<RecordResult['obligation']>): string {
  return say('obligations.recorded_status', { window: o.window.label, met: o.met, required: o.required, status: say(STATUS_KEYS[o.status]!) });
}

/** The summary to the level above: per node below, the items at risk or missed (counts only, no names). */
export function escalationText(d: EscalationData): string {
  const lines = d.nodes.map((n) =>
    say('obligations.escalation_node', {
      node: n.name,
      items: n.items.map((i) => say(i.perPerson ? 'obligations.escalation_item_people' : 'obligations.escalation_item', { code: i.code, content: i.content, count: i.count })).join('；'),
    }),
  );
  return [say(d.status === 'missed' ? 'obligations.escalation_missed' : 'obligations.escalation_at_risk', { to: d.to, period: d.period, nodes: d.nodes.length }), ...lines, say('obligations.escalation_footer')].join('\n');
}

/** A member's own duties about to fall due, in one message. */
export function memberReminderText(d: MemberReminderData): string {
  const lines = d.items.map((i) => say('obligations.reminder_item', { code: i.code, content: i.with ? say('duties.due_with', { content: i.content, name: i.with }) : i.content, window: i.window, days: i.daysLeft }));
  return [say('obligations.reminder_head'), ...lines, say('obligations.reminder_footer', { code: d.items[0]?.code ?? '' })].join('\n');
}

export function registerObligationsPresenters(presenters: Presenters): void {
  presenters
    .view(OBLIGATION_VIEWS.escalation, (data) => ({ kind: 'text', text: escalationText(data as unknown as EscalationData) }))
    .view(OBLIGATION_VIEWS.memberReminder, (data) => ({ kind: 'text', text: memberReminderText(data as unknown as MemberReminderData) }));
}
