// What the bot says about obligations and the records that meet them (src/services/obligations.ts).
import { say } from '../wording.js';
import type { RecordResult } from '../../services/obligations.js';
import type { ObligationStatus } from '../../domain/obligations/engine.js';

const STATUS_KEYS: Record<ObligationStatus, string> = { done: 'obligations.status_done', open: 'obligations.status_open', at_risk: 'obligations.status_at_risk', missed: 'obligations.status_missed' };

/** 已记录 O-02「…」（张伟）。 and where the obligation stands now. */
export function recordedText(r: RecordResult): string {
  const who = r.member ? r.member.name : r.node.name;
  const base = say('obligations.recorded', { code: r.item.code, content: r.item.content, who });
  if (!r.obligation) return base;
  const o = r.obligation;
  return `${base}\n${say('obligations.recorded_status', { window: o.window.label, met: o.met, required: o.required, status: say(STATUS_KEYS[o.status]!) })}`;
}
