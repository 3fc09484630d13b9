// Adapter state kept in ConversationState (DingTalk session webhooks and card slots, WeCom reply
// slots, numbered replies), shared by receivers and deliver workers. Adapters reach it only through
// the ConversationStore interface (src/platforms/adapter.ts); this is its SQL.
import { randomUUID } from 'node:crypto';
import { asSql, type SqlLike } from '../db/sql.js';
import type { Platform } from '../chat/types.js';
import type { ConversationStore, StateEntry, StateKey } from '../platforms/adapter.js';

export function conversationStore(db: SqlLike): ConversationStore {
  const sql = asSql(db);
  const upsert = (onConflict: string) => async (platform: Platform, key: StateKey, e: StateEntry) => {
    await sql.query(
      `INSERT INTO "ConversationState" (id, platform, "chatKey", "userKey", flow, step, data, "expiresAt", "updatedAt")
       VALUES ($1, $2::"Platform", $3, $4, $5, $6, $7::jsonb, $8::timestamptz, now())
       ON CONFLICT (platform, "chatKey", "userKey") ${onConflict}`,
      [randomUUID(), platform, key.chatKey, key.userKey, e.flow, e.step ?? 'set', JSON.stringify(e.data ?? {}), e.expiresAt],
    );
  };
  return {
    put: upsert(`DO UPDATE SET flow = excluded.flow, step = excluded.step, data = excluded.data, "expiresAt" = excluded."expiresAt", "updatedAt" = now()`),
    add: upsert('DO NOTHING'),
    async get<T>(platform: Platform, key: StateKey) {
      const rows = await sql.query<{ data: T }>(
        `SELECT data FROM "ConversationState" WHERE platform = $1::"Platform" AND "chatKey" = $2 AND "userKey" = $3 AND "expiresAt" > now()`,
        [platform, key.chatKey, key.userKey],
      );
      return rows[0]?.data;
    },
    async newest<T>(platform: Platform, chatKey: string, userKeys: string[], flow: string) {
      const rows = await sql.query<{ data: T }>(
        `SELECT data FROM "ConversationState"
          WHERE platform = $1::"Platform" AND "chatKey" = $2 AND "userKey" = ANY($3::text[]) AND flow = $4 AND "expiresAt" > now()
          ORDER BY "updatedAt" DESC LIMIT 1`,
        [platform, chatKey, userKeys, flow],
      );
      return rows[0]?.data;
    },
    async take<T>(platform: Platform, chatKey: string) {
      // Whoever deletes the row owns it: two workers never take the same one.
      const rows = await sql.query<{ userKey: string; data: T; expiresAt: Date }>(
        `DELETE FROM "ConversationState" WHERE id = (
           SELECT id FROM "ConversationState" WHERE platform = $1::"Platform" AND "chatKey" = $2 AND "expiresAt" > now()
            ORDER BY "expiresAt" LIMIT 1 FOR UPDATE SKIP LOCKED)
         RETURNING "userKey", data, "expiresAt"`,
        [platform, chatKey],
      );
      const row = rows[0];
      return row ? { ...row, expiresAt: new Date(row.expiresAt) } : undefined;
    },
    async delete(platform: Platform, key: StateKey) {
      await sql.query(`DELETE FROM "ConversationState" WHERE platform = $1::"Platform" AND "chatKey" = $2 AND "userKey" = $3`, [platform, key.chatKey, key.userKey]);
    },
  };
}
