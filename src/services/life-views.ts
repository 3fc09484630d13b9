// What this area's intents ask presenters to show: view names and the data each carries. Rendered
// in src/chat/presenters/life.ts.
import type { RequestKind } from '../generated/prisma/enums.js';
import type { Counts, SessionView } from '../domain/life/sessions.js';

/** The views (presenters' names) this area's intents ask for; rendered in src/chat/presenters/life.ts. */
export const LIFE_VIEWS = {
  /** The group card, first posted: data NoticeCardData. */
  noticeCard: 'meeting.notice_card',
  /** An approval card with [批准] [驳回] for the approver: ApprovalData. */
  approval: 'meeting.approval_request',
  /** The member's request was decided: DecidedData. */
  decided: 'meeting.request_decided',
  /** A notice changed: ChangedData. */
  changed: 'meeting.notice_changed',
  /** A meeting was cancelled: CancelledData. */
  cancelled: 'meeting.meeting_cancelled',
} as const;

type Named = { kind: { name: string }; topic: string; startsAt: Date };
export interface NoticeCardData {
  session: SessionView;
  counts: Counts;
}
export interface ApprovalData {
  requestId: string;
  kind: RequestKind;
  name: string;
  reason: string;
  session: Named & { checkinClosesAt: Date };
}
export interface DecidedData {
  approved: boolean;
  kind: RequestKind;
  by: string;
  session: Named;
}
export interface ChangedData {
  session: Named;
  changes: { startsAt?: Date; place?: string; topic?: string };
}
export interface CancelledData {
  session: Named;
}

/** An intent's data, typed where it is made. */
export const data = <T extends object>(d: T) => d as unknown as Record<string, unknown>;

