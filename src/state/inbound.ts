// Retention of stored inbound events (InboundEvent: the dedupe point of every receiver). Event ids
// are kept longer than every platform's redelivery window and every signed-timestamp window, so a
// genuine redelivery is still recognised as a duplicate and an old captured callback is refused by
// its timestamp before its id could be forgotten:
// - Lark: redelivered 15 s, 5 min, 1 h, 6 h after a failed push (about 7.1 h); webhook window 8 h;
// - WeCom: retried three times within about 20 s; webhook window 5 min;
// - DingTalk Stream: re-pushed when not acked (SDK comment: about 60 s);
// - ChatCore.recover() looks back 7 days for events stored but never finished.
import { asSql, type SqlLike } from '../db/sql.js';

export const INBOUND_RETENTION_DAYS = 30;

/** Delete events received before `before`, a batch at a time; returns how many went. */
export async function purgeInbound(db: SqlLike, before: Date, batch = 10_000): Promise<number> {
  const sql = asSql(db);
  let total = 0;
  for (;;) {
    const rows = await sql.query<{ n: number }>(
      `WITH gone AS (
         DELETE FROM "InboundEvent" WHERE id IN (SELECT id FROM "InboundEvent" WHERE "receivedAt" < $1::timestamptz LIMIT $2) RETURNING 1
       ) SELECT count(*)::int AS n FROM gone`,
      [before, batch],
    );
    const n = rows[0]?.n ?? 0;
    total += n;
    if (n < batch) return total;
  }
}
