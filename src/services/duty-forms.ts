// The record form opened from an obligation's line (issue 14 point 1): which lines of a card the viewer
// may record now ([记录 B-10]), and what the form page shows. Submitting calls recordDuty, whose checks
// dutyRecordTarget runs without writing.
import type { Tx } from '../db/client.js';
import { activeListForBranch } from '../domain/duties/store.js';
import { localDay } from '../domain/life/time.js';
import { PAIR_KIND } from '../domain/obligations/engine.js';
import { DomainError, type Unit } from './kernel.js';
import { dutyRecordTarget } from './obligations.js';

export interface RecordableLine {
  code: string;
  /** End of the window the record would count toward: the button lives no longer. */
  windowEnd: Date;
}

/**
 * Of the items `codes` (in the card's order), at most `max` that the acting member may record now
 * (recordDuty's checks: theirs, their post's, or their node's that they manage) and whose obligation for
 * them is open or at risk in the window containing now.
 */
export async function recordableLines(unit: Unit, input: { codes: string[]; subjectId?: string; timezone: string; max: number }): Promise<RecordableLine[]> {
  const out: RecordableLine[] = [];
  for (const code of new Set(input.codes)) {
    if (out.length >= input.max) break;
    try {
      const t = await dutyRecordTarget(unit, { item: code, subjectId: input.subjectId, timezone: input.timezone });
      const ob = t.obligation;
      if (ob && (ob.status === 'open' || ob.status === 'at_risk')) out.push({ code: t.item.code, windowEnd: ob.window.end });
    } catch (e) {
      if (!(e instanceof DomainError)) throw e; // not the viewer's to record: no button
    }
  }
  return out;
}

/** The item a record form names, from the member's active list (the H5 page's heading; `pair`: 谈心谈话 names a partner); null when gone. */
export async function recordFormItem(tx: Tx, input: { memberId: string; code: string; now: Date; timezone: string }): Promise<{ code: string; content: string; pair: boolean } | null> {
  const member = await tx.member.findUnique({ where: { id: input.memberId }, select: { branchId: true, active: true } });
  if (!member?.active) return null;
  const list = await activeListForBranch(tx, member.branchId, localDay(input.now, input.timezone).year);
  if (!list) return null;
  const item = await tx.responsibilityItem.findFirst({ where: { listId: list.id, code: input.code }, select: { code: true, content: true, meetingKind: true } });
  return item && { code: item.code, content: item.content, pair: item.meetingKind === PAIR_KIND };
}
