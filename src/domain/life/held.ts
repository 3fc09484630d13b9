// Which meetings count as held, the one rule compliance and the obligation engine share.
//
// A session counts when it is of the node, not cancelled, its start lies in the window, and either it
// has status HELD (minutes recorded) or it has already started and has at least one check-in (签到 or
// approved 补签) or minutes. Notices alone do not count. Two rules of the 支部工作条例 narrow it:
// - quorum (MeetingKind.quorum, 0.5 for 党员大会 and 支委会, 条例 第十一、十二条): more than that share of
//   those expected (the session's attendance rows) must have attended; otherwise it is not counted and
//   the reason is kept so that compliance can say why;
// - lecturer: an obligation that names who gives a 党课 (书记讲党课) counts only sessions whose
//   lecturer holds that post (checked by the caller with `lecturerId`: the session's, else the branch
//   member the minutes name as 主讲人).
import type { Tx } from '../../db/client.js';

export interface HeldSession {
  id: string;
  kindId: string;
  kindCode: string;
  kindName: string;
  orgNodeId: string;
  startsAt: Date;
  topic: string;
  lecturerId: string | null;
  /** 签到 + approved 补签 */
  attended: number;
  /** Attendance rows (those expected). */
  expected: number;
}

/** Why a session that took place does not count. */
export interface NotCounted {
  sessionId: string;
  kindId: string;
  orgNodeId: string;
  kindName: string;
  topic: string;
  startsAt: Date;
  reason: 'quorum' | 'lecturer';
  attended: number;
  expected: number;
}

interface Row extends HeldSession {
  quorum: number | null;
}

/**
 * Sessions of `nodeIds` in [from, to) that took place (see above), with their attendance counts and
 * whether the kind's quorum was reached: `counted` ones, and `refused` ones with the reason.
 */
export async function takenPlace(tx: Tx, nodeIds: string[], from: Date, to: Date, now: Date): Promise<{ counted: HeldSession[]; refused: NotCounted[] }> {
  if (!nodeIds.length) return { counted: [], refused: [] };
  const rows = await tx.$queryRawUnsafe<Row[]>(
    `SELECT s.id, s."kindId", k.code AS "kindCode", k.name AS "kindName", k.quorum, s."orgNodeId", s."startsAt", s.topic,
            -- the lecturer set on the session, else the branch member named as lecturer in the minutes
            COALESCE(s."lecturerId", (SELECT m.id FROM "Minutes" mi JOIN "Member" m ON m.name = mi.lecturer AND m."branchId" = s."orgNodeId"
                                       WHERE mi."sessionId" = s.id ORDER BY m.active DESC, m.id LIMIT 1)) AS "lecturerId",
            (SELECT count(*)::int FROM "Attendance" a WHERE a."sessionId" = s.id AND a.status IN ('PRESENT', 'LATE')) AS attended,
            (SELECT count(*)::int FROM "Attendance" a WHERE a."sessionId" = s.id) AS expected
       FROM "MeetingSession" s JOIN "MeetingKind" k ON k.id = s."kindId"
      WHERE s."orgNodeId" = ANY($1::text[]) AND s."startsAt" >= $2 AND s."startsAt" < $3
        AND (s.status = 'HELD'
             OR (s.status = 'SCHEDULED' AND s."startsAt" <= $4
                 AND (EXISTS (SELECT 1 FROM "Minutes" m WHERE m."sessionId" = s.id)
                      OR EXISTS (SELECT 1 FROM "Attendance" a WHERE a."sessionId" = s.id AND a.status IN ('PRESENT', 'LATE')))))
      ORDER BY s."startsAt", s.id`,
    nodeIds,
    from,
    to,
    now,
  );
  const counted: HeldSession[] = [];
  const refused: NotCounted[] = [];
  for (const { quorum, ...s } of rows) {
    if (quorum !== null && quorum !== undefined && s.expected > 0 && !(s.attended > quorum * s.expected)) {
      refused.push({ sessionId: s.id, kindId: s.kindId, orgNodeId: s.orgNodeId, kindName: s.kindName, topic: s.topic, startsAt: s.startsAt, reason: 'quorum', attended: s.attended, expected: s.expected });
    } else counted.push(s);
  }
  return { counted, refused };
}

/** A session given by someone other than the lecturer an obligation names, as a reason not to count it. */
export function wrongLecturer(s: HeldSession): NotCounted {
  return { sessionId: s.id, kindId: s.kindId, orgNodeId: s.orgNodeId, kindName: s.kindName, topic: s.topic, startsAt: s.startsAt, reason: 'lecturer', attended: s.attended, expected: s.expected };
}
