// The outbox state machine, and the only code that writes OutboxMessage rows. One function per
// transition, in plain SQL: they run for every message written and sent, and a plain query costs a
// tenth of a Prisma call (src/db/sql.ts). The same statements run on PostgreSQL and PGlite.
//
//   insert ──► PENDING ──claim──► SENDING ──sent──► SENT
//                 ▲  ▲               │ ├──retry──► RETRY ──claim──► SENDING …
//                 │  └────defer──────┘ └──dead───► DEAD ──revive──► RETRY
//   (sweep: SENDING left by a dead process → RETRY where the platform dedupes sends, else DEAD)
//
// Card updates (updateOfKey set) are claimed together per delivery window, the newest per card;
// older ones are deleted. A card refresh (kind 'card_refresh') asks for a shared card to be rendered
// from current state at delivery: at most one per card and window is waiting, and delivery turns
// it into a card update (renderedRefreshes). An ask that finds one waiting holds it until the ask's
// transaction ends, so the claim (and the rendering after it) comes after that change. "updatedAt" is set here because Prisma's @updatedAt is
// client-side and the stuck-SENDING sweep reads it.
import { randomUUID } from 'node:crypto';
import { asSql, keyed, type SqlLike } from '../db/sql.js';
import { deliverySeconds } from '../metrics.js';
import type { ChatKind, Destination, Outbound, Platform, QueuedOutbox } from '../chat/types.js';

export type OutboxStatus = 'PENDING' | 'SENDING' | 'SENT' | 'RETRY' | 'DEAD' | 'CANCELLED';

/**
 * Card updates due within one window go out as one edit at the window's end. A second keeps a busy
 * card well inside the platforms' limits (Lark: 5 edits/s per message and 5 sends/s per group,
 * shared by everything sent there) and a counter that moves within a second reads as live.
 */
export const CARD_WINDOW_MS = 1000;

/** The kind of a card refresh row; its payload says which card (`{ card, id }`). */
export const CARD_REFRESH = 'card_refresh';

// ───────────────────────── insert ─────────────────────────

/** Parameters the outbox insert takes ($1–$14, see outboxInsert). */
export const OUTBOX_INSERT_PARAMS = 14;

/**
 * The outbox insert; its 14 parameters come first ($1–$14). A key already present is skipped, and
 * its row locked to the end of the transaction (the update never happens): a card refresh asked for
 * again is claimed only once this transaction ends (claimCards), so its rendering sees this change.
 */
export const OUTBOX_INSERT = `INSERT INTO "OutboxMessage" (id, "dedupeKey", platform, "tenantKey", target, "targetKind", kind, category, "memberId", payload, "updateOfKey", "broadcastId", "notBefore", "updatedAt")
     SELECT id, "dedupeKey", platform::"Platform", "tenantKey", target, "targetKind"::"ChatKind", kind, category, "memberId", payload::jsonb, "updateOfKey", "broadcastId", "notBefore"::timestamptz, $14::timestamptz
       FROM unnest(${Array.from({ length: 13 }, (_, i) => `$${i + 1}::text[]`).join(', ')})
         AS t(id, "dedupeKey", platform, "tenantKey", target, "targetKind", kind, category, "memberId", payload, "updateOfKey", "broadcastId", "notBefore")
     ON CONFLICT ("dedupeKey") DO UPDATE SET "dedupeKey" = EXCLUDED."dedupeKey" WHERE false
     RETURNING id, "dedupeKey"`;

/** A message row, or a card refresh row (kind card_refresh). */
type Row = Outbound | RefreshRow;

interface RefreshRow {
  refresh: { card: string; id: string };
  /** Where the event that asked for it came from; the rendered update goes where the card is. */
  origin: Destination;
  dedupeKey: string;
  /** The end of its window, when delivery renders it. */
  notBefore: Date;
}

const isRefresh = (r: Row): r is RefreshRow => 'refresh' in r;
const kindOf = (r: Row) => (isRefresh(r) ? CARD_REFRESH : r.body.kind);
const updateOfKey = (r: Row) => (isRefresh(r) ? refreshKey(r.refresh.card, r.refresh.id) : r.body.kind === 'card_update' ? r.body.ofKey : null);
const refreshKey = (card: string, id: string) => `refresh:${card}:${id}`;

/**
 * The rows asking to refresh shared cards: one per card and delivery window (a second ask in the
 * same window is skipped as a known key), due at the window's end, when delivery renders them.
 */
export function cardRefreshes(asks: Array<{ card: string; id: string }>, origin: Destination, now = new Date()): RefreshRow[] {
  const window = Math.floor(now.getTime() / CARD_WINDOW_MS);
  const notBefore = new Date((window + 1) * CARD_WINDOW_MS);
  return asks.map((refresh) => ({ refresh, origin, notBefore, dedupeKey: `${refreshKey(refresh.card, refresh.id)}:${window}` }));
}

/**
 * The rows as the insert takes them: each key once (the first), and the card refreshes last in key
 * order, the order a claim locks them in, so an ask and a claim never wait for each other in a cycle.
 */
function insertOrder(items: Row[]): Row[] {
  const seen = new Set<string>();
  const once = items.filter((o) => !seen.has(o.dedupeKey) && seen.add(o.dedupeKey));
  const refreshes = once.filter(isRefresh).sort((a, b) => (a.dedupeKey < b.dedupeKey ? -1 : a.dedupeKey > b.dedupeKey ? 1 : 0));
  return refreshes.length ? [...once.filter((o) => !isRefresh(o)), ...refreshes] : once;
}

/** The insert's parameters for these rows; `sendFrom` is when they are due unless they say later. */
export function outboxInsertParams(rows: Row[], sendFrom: Date): unknown[] {
  const items = insertOrder(rows);
  const col = <T>(f: (o: Row) => T) => items.map(f);
  const to = (o: Row) => (isRefresh(o) ? o.origin : o.to);
  return [
    col(() => randomUUID()),
    col((o) => o.dedupeKey),
    col((o) => to(o).platform),
    col((o) => to(o).tenantKey),
    col((o) => to(o).target),
    col((o) => to(o).targetKind),
    col(kindOf),
    col((o) => (isRefresh(o) ? 'notice' : (o.category ?? 'reply'))),
    col((o) => (isRefresh(o) ? null : (o.memberId ?? null))),
    col((o) => JSON.stringify(isRefresh(o) ? { kind: CARD_REFRESH, ...o.refresh } : o.body)),
    col(updateOfKey),
    col((o) => (isRefresh(o) ? null : (o.broadcastId ?? null))),
    col((o) => (o.notBefore ?? sendFrom).toISOString()),
    sendFrom,
  ];
}

/** The rows an insert wrote, as delivery needs them (no second read). */
export function insertedRows(items: Row[], rows: Array<{ id: string; dedupeKey: string }>, sendFrom: Date): QueuedOutbox[] {
  const byKey = new Map(items.map((o) => [o.dedupeKey, o]));
  return rows.map((r) => {
    const o = byKey.get(r.dedupeKey)!;
    return { id: r.id, to: isRefresh(o) ? o.origin : o.to, notBefore: o.notBefore ?? sendFrom, updateOfKey: updateOfKey(o) };
  });
}

/** Insert outbox rows; a key already present is skipped (sent at most once per key). Returns the new rows. */
export async function insertOutbox(db: SqlLike, items: Row[]): Promise<QueuedOutbox[]> {
  if (!items.length) return [];
  const now = new Date();
  const rows = await asSql(db).query<{ id: string; dedupeKey: string }>(OUTBOX_INSERT, outboxInsertParams(items, now));
  return insertedRows(items, rows, now);
}

/** insertOutbox, returning only the new ids. */
export async function insertOutboxIds(db: SqlLike, items: Row[]): Promise<string[]> {
  return (await insertOutbox(db, items)).map((r) => r.id);
}

/**
 * Many rows in one statement with one JSON parameter (reminder fan-outs): binding 14 array
 * parameters measured 3–5× the CPU of this for 1,000 rows. Same columns and the same rule (a key
 * already present is skipped); `createdAt` is the caller's clock (daily nudge budgets count by it),
 * `category` the default for rows that name none. `with` adds the caller's own CTE to the same
 * statement (e.g. marking the reminders fired), its parameters from $3.
 */
export async function insertOutboxBulk(
  db: SqlLike,
  items: Outbound[],
  opts: { createdAt: Date; category?: NonNullable<Outbound['category']>; with?: { sql: string; params: unknown[] } },
): Promise<string[]> {
  if (!items.length && !opts.with) return [];
  const rows = items.map((o) => ({
    id: randomUUID(),
    k: o.dedupeKey,
    p: o.to.platform,
    tk: o.to.tenantKey,
    t: o.to.target,
    tt: o.to.targetKind,
    kd: o.body.kind,
    c: o.category ?? opts.category ?? 'reply',
    m: o.memberId ?? null,
    pl: o.body,
    u: o.body.kind === 'card_update' ? o.body.ofKey : null,
    b: o.broadcastId ?? null,
    nb: (o.notBefore ?? opts.createdAt).toISOString(),
  }));
  const out = await asSql(db).query<{ id: string }>(
    `WITH ins AS (
       INSERT INTO "OutboxMessage" (id, "dedupeKey", platform, "tenantKey", target, "targetKind", kind, category, "memberId", payload, "updateOfKey", "broadcastId", "notBefore", "createdAt", "updatedAt")
       SELECT x.id, x.k, x.p::"Platform", x.tk, x.t, x.tt::"ChatKind", x.kd, x.c, x.m, x.pl, x.u, x.b, x.nb, $2::timestamptz, now()
         FROM jsonb_to_recordset($1::jsonb)
           AS x(id text, k text, p text, tk text, t text, tt text, kd text, c text, m text, pl jsonb, u text, b text, nb timestamptz)
       ON CONFLICT ("dedupeKey") DO NOTHING
       RETURNING id)${opts.with ? `, ${opts.with.sql}` : ''}
     SELECT id FROM ins`,
    [JSON.stringify(rows), opts.createdAt.toISOString(), ...(opts.with?.params ?? [])],
  );
  return out.map((r) => r.id);
}

/**
 * A card update for a card sent earlier, known by the platform's id of it (a click answered too late
 * for the platform's ack). Nothing when that card is not in the outbox.
 */
export async function insertUpdateOfSentCard(db: SqlLike, card: { platform: Platform; messageId: string }, update: { dedupeKey: string; card: unknown }): Promise<QueuedOutbox[]> {
  const now = new Date();
  const rows = await asSql(db).query<{ id: string; to: Destination; updateOfKey: string }>(
    `INSERT INTO "OutboxMessage" (id, "dedupeKey", platform, "tenantKey", target, "targetKind", kind, category, payload, "updateOfKey", "notBefore", "updatedAt")
     SELECT $1, $2, o.platform, o."tenantKey", o.target, o."targetKind", 'card_update', 'reply',
            jsonb_build_object('kind', 'card_update', 'ofKey', o."dedupeKey", 'card', $5::jsonb), o."dedupeKey", $6::timestamptz, $6::timestamptz
       FROM "OutboxMessage" o WHERE o.platform = $3::"Platform" AND o."platformMessageId" = $4 AND o.kind = 'card'
      LIMIT 1
     ON CONFLICT ("dedupeKey") DO NOTHING
     RETURNING id, json_build_object('platform', platform, 'tenantKey', "tenantKey", 'target', target, 'targetKind', "targetKind") AS "to", "updateOfKey"`,
    [randomUUID(), update.dedupeKey, card.platform, card.messageId, JSON.stringify(update.card), now],
  );
  return rows.map((r) => ({ id: r.id, to: r.to, notBefore: now, updateOfKey: r.updateOfKey }));
}

// ───────────────────────── claim ─────────────────────────

export interface ClaimedRow {
  id: string;
  dedupeKey: string;
  platform: Platform;
  tenantKey: string;
  target: string;
  targetKind: ChatKind;
  kind: string;
  payload: unknown;
  updateOfKey: string | null;
  /** Attempts including this one. */
  attempts: number;
  /** For a card update: the platform's id of the card it edits (null until that card is sent). */
  original?: string | null;
}

/** What the claims return, of the claimed row `o`. */
const CLAIMED = `o.id, o."dedupeKey", o.platform::text AS platform, o."tenantKey", o.target, o."targetKind"::text AS "targetKind", o.kind, o.payload, o."updateOfKey", o.attempts`;

/**
 * PENDING/RETRY → SENDING for one row that is not a card update; null when another worker has it or
 * it is done. Card updates are claimed together (claimCardUpdates); a per-row job for one finds
 * nothing here, and the sweep queues the row again.
 */
export async function claim(db: SqlLike, id: string): Promise<ClaimedRow | null> {
  const rows = await asSql(db).query<ClaimedRow>(
    `UPDATE "OutboxMessage" o SET status = 'SENDING', attempts = o.attempts + 1, "updatedAt" = now()
      WHERE o.id = $1 AND o.status IN ('PENDING', 'RETRY') AND o."updateOfKey" IS NULL
     RETURNING ${CLAIMED}`,
    [id],
  );
  return rows[0] ?? null;
}

/**
 * The window claim for card updates or card refreshes. Refreshes are claimed in key order, waiting
 * for the transactions that asked for them and are still open (an ask that finds its row locks it:
 * OUTBOX_INSERT), so the rendering after the claim sees what they changed; and a claimed refresh
 * gives up its key (the row's id instead), so an ask after the claim writes a new one.
 */
const claimCards = (refreshes: boolean) => `WITH pending AS (
       SELECT id, seq, "updateOfKey" FROM "OutboxMessage"
        WHERE "updateOfKey" IS NOT NULL AND status IN ('PENDING', 'RETRY') AND "notBefore" <= now() AND kind ${refreshes ? '=' : '<>'} '${CARD_REFRESH}'
        ORDER BY ${refreshes ? '"dedupeKey" COLLATE "C"' : 'seq'} LIMIT $1
        FOR UPDATE${refreshes ? '' : ' SKIP LOCKED'}
     ), newest AS (
       SELECT DISTINCT ON (p."updateOfKey") p.id FROM pending p
        WHERE NOT EXISTS (SELECT 1 FROM "OutboxMessage" s WHERE s."updateOfKey" = p."updateOfKey" AND s.status IN ('SENT', 'SENDING') AND s.seq > p.seq)
        ORDER BY p."updateOfKey", p.seq DESC
     ), older AS (
       DELETE FROM "OutboxMessage" o USING pending p WHERE o.id = p.id AND p.id NOT IN (SELECT id FROM newest)
     )
     UPDATE "OutboxMessage" o SET status = 'SENDING', attempts = o.attempts + 1, ${refreshes ? '"dedupeKey" = o.id, ' : ''}"updatedAt" = now()
       FROM newest n WHERE o.id = n.id
     RETURNING ${CLAIMED}, (SELECT c."platformMessageId" FROM "OutboxMessage" c WHERE c."dedupeKey" = o."updateOfKey") AS original`;
const CLAIM_CARD_UPDATES = claimCards(false);
const CLAIM_CARD_REFRESHES = claimCards(true);

/**
 * The due card updates of every card, in one statement: per card the newest one → SENDING, the
 * others deleted (only the newest rendering matters, and deleting costs PostgreSQL a fraction of an
 * update that rewrites six index entries). An update older than one already sent goes too. At most
 * `limit` pending rows are looked at, oldest first.
 */
export async function claimCardUpdates(db: SqlLike, limit: number): Promise<ClaimedRow[]> {
  return asSql(db).query<ClaimedRow>(CLAIM_CARD_UPDATES, [limit]);
}

/** The due card refreshes, as claimCardUpdates: per card the newest → SENDING, the others deleted. */
export async function claimCardRefreshes(db: SqlLike, limit: number): Promise<Array<ClaimedRow & { payload: { card: string; id: string } }>> {
  return asSql(db).query(CLAIM_CARD_REFRESHES, [limit]);
}

/**
 * Claimed refreshes, rendered (in the caller's transaction): the card updates go in as ordinary
 * rows, the refresh rows are done (deleted: they were only requests). Returns the updates' new rows.
 */
export async function renderedRefreshes(db: SqlLike, refreshIds: string[], updates: Outbound[]): Promise<QueuedOutbox[]> {
  const rows = updates.length ? await insertOutbox(db, updates) : [];
  await asSql(db).query(`DELETE FROM "OutboxMessage" WHERE id = ANY($1::text[]) AND kind = '${CARD_REFRESH}'`, [refreshIds]);
  return rows;
}

// ───────────────────────── outcomes ─────────────────────────

// Keyed (src/db/sql.ts): by primary key, once for every message sent.
const MARK_SENT = keyed(`UPDATE "OutboxMessage" SET status = 'SENT', "platformMessageId" = $1, "sentAt" = now(), "lastError" = NULL, "updatedAt" = now() WHERE id = $2
     RETURNING platform, EXTRACT(EPOCH FROM now() - "createdAt")::float8 AS seconds`);

/** SENDING → SENT, with the platform's id of the message. */
export async function markSent(db: SqlLike, id: string, platformMessageId: string): Promise<void> {
  const r = await asSql(db).query<{ platform: string; seconds: number }>(MARK_SENT, [platformMessageId, id]);
  for (const row of r) deliverySeconds.observe({ platform: row.platform }, Math.max(0, Number(row.seconds)));
}

/** Claimed rows put back unsent (their destination has no free slot): due again at `until`, no attempt spent. */
export async function defer(db: SqlLike, ids: string[], until: Date): Promise<void> {
  if (!ids.length) return;
  await asSql(db).query(`UPDATE "OutboxMessage" SET status = 'PENDING', attempts = attempts - 1, "notBefore" = $2::timestamptz, "updatedAt" = now() WHERE id = ANY($1::text[])`, [ids, until]);
}

/** SENDING → RETRY after a failed attempt that may be tried again, due at `notBefore`. */
export async function retryLater(db: SqlLike, id: string, error: string, notBefore: Date): Promise<void> {
  await asSql(db).query(`UPDATE "OutboxMessage" SET status = 'RETRY', "lastError" = $2, "notBefore" = $3::timestamptz, "updatedAt" = now() WHERE id = $1`, [id, error.slice(0, 500), notBefore]);
}

/** → DEAD: given up (no attempt left, or a failure no retry mends); an operator may revive it. */
export async function markDead(db: SqlLike, id: string, error: string): Promise<void> {
  await asSql(db).query(`UPDATE "OutboxMessage" SET status = 'DEAD', "lastError" = $2, "updatedAt" = now() WHERE id = $1`, [id, error.slice(0, 500)]);
}

/**
 * Rows left in SENDING since before `stuckBefore` (their process died mid-send): back to RETRY where
 * the platform dedupes sends (`idempotent`) or nothing was sent yet (a card refresh renders again),
 * otherwise DEAD with `uncertainNote` for an operator.
 */
export async function settleStuck(db: SqlLike, stuckBefore: Date, idempotent: Platform[], uncertainNote: string): Promise<{ retried: string[]; uncertain: string[] }> {
  const again = `(o.platform::text = ANY($2::text[]) OR o.kind = '${CARD_REFRESH}')`;
  const rows = await asSql(db).query<{ id: string; status: string }>(
    `WITH stuck AS (
       SELECT id FROM "OutboxMessage" WHERE status = 'SENDING' AND "updatedAt" < $1::timestamptz LIMIT 5000 FOR UPDATE SKIP LOCKED
     )
     UPDATE "OutboxMessage" o
        SET status = CASE WHEN ${again} THEN 'RETRY'::"OutboxStatus" ELSE 'DEAD'::"OutboxStatus" END,
            "notBefore" = CASE WHEN ${again} THEN now() ELSE o."notBefore" END,
            "lastError" = CASE WHEN ${again} THEN o."lastError" ELSE $3 END,
            "updatedAt" = now()
       FROM stuck WHERE o.id = stuck.id
     RETURNING o.id, o.status::text AS status`,
    [stuckBefore, idempotent, uncertainNote],
  );
  return { retried: rows.filter((r) => r.status === 'RETRY').map((r) => r.id), uncertain: rows.filter((r) => r.status === 'DEAD').map((r) => r.id) };
}

/** DEAD rows (all, or these ids) back to RETRY with a fresh attempt budget; returns the ids. */
export async function revive(db: SqlLike, ids?: string[]): Promise<string[]> {
  const rows = await asSql(db).query<{ id: string }>(
    `UPDATE "OutboxMessage" SET status = 'RETRY', "notBefore" = now(), attempts = 0, "updatedAt" = now()
      WHERE status = 'DEAD' AND ($1::text[] IS NULL OR id = ANY($1::text[]))
     RETURNING id`,
    [ids ?? null],
  );
  return rows.map((r) => r.id);
}

// ───────────────────────── reads ─────────────────────────

/** Rows due but perhaps not queued (after a restart or a lost queue), oldest first. */
export async function dueIds(db: SqlLike, limit = 5000): Promise<string[]> {
  const rows = await asSql(db).query<{ id: string }>(
    `SELECT id FROM "OutboxMessage" WHERE status IN ('PENDING', 'RETRY') AND "notBefore" <= now() ORDER BY "createdAt" LIMIT $1`,
    [limit],
  );
  return rows.map((r) => r.id);
}

export interface DestinationRow extends Destination {
  id: string;
  notBefore: Date;
  status: OutboxStatus;
  attempts: number;
  updateOfKey: string | null;
}

/** Destinations of rows about to be queued (the rate limiter keys on them). */
export async function destinations(db: SqlLike, ids: string[]): Promise<DestinationRow[]> {
  const rows: DestinationRow[] = [];
  for (let i = 0; i < ids.length; i += 5000) {
    rows.push(
      ...(await asSql(db).query<DestinationRow>(
        `SELECT id, platform::text AS platform, "tenantKey", target, "targetKind"::text AS "targetKind", "notBefore", status::text AS status, attempts, "updateOfKey"
           FROM "OutboxMessage" WHERE id = ANY($1::text[])`,
        [ids.slice(i, i + 5000)],
      )),
    );
  }
  return rows.map((r) => ({ ...r, notBefore: new Date(r.notBefore) }));
}

/** The chat each of these cards was sent to, by the platform's id of the card (key `platform/messageId`). */
export async function sentCardChats(db: SqlLike, cards: Array<{ platform: Platform; messageId: string }>): Promise<Map<string, { id: string; kind: ChatKind }>> {
  if (!cards.length) return new Map();
  const rows = await asSql(db).query<{ platform: Platform; messageId: string; target: string; targetKind: ChatKind }>(
    `SELECT DISTINCT ON (o.platform, o."platformMessageId") o.platform::text AS platform, o."platformMessageId" AS "messageId", o.target, o."targetKind"::text AS "targetKind"
       FROM unnest($1::text[], $2::text[]) AS c(platform, id)
       JOIN "OutboxMessage" o ON o.platform = c.platform::"Platform" AND o."platformMessageId" = c.id
      ORDER BY o.platform, o."platformMessageId", o.seq`,
    [cards.map((c) => c.platform), cards.map((c) => c.messageId)],
  );
  return new Map(rows.map((r) => [sentCardKey(r), { id: r.target, kind: r.targetKind }]));
}

export const sentCardKey = (c: { platform: Platform; messageId: string }) => `${c.platform}/${c.messageId}`;

export interface ListedRow {
  id: string;
  status: OutboxStatus;
  platform: Platform;
  targetKind: ChatKind;
  target: string;
  category: string;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  dedupeKey: string;
}

/** Rows for the operator (CLI: outbox list), newest first. */
export async function listOutbox(db: SqlLike, status?: OutboxStatus, take = 50): Promise<ListedRow[]> {
  const rows = await asSql(db).query<ListedRow>(
    `SELECT id, status::text AS status, platform::text AS platform, "targetKind"::text AS "targetKind", target, category, attempts, "lastError", "createdAt", "dedupeKey"
       FROM "OutboxMessage" WHERE ($1::text IS NULL OR status::text = $1) ORDER BY "createdAt" DESC LIMIT $2`,
    [status ?? null, take],
  );
  return rows.map((r) => ({ ...r, createdAt: new Date(r.createdAt) }));
}

/** Status of these rows (to check an operator's ids). */
export async function statuses(db: SqlLike, ids: string[]): Promise<Map<string, OutboxStatus>> {
  const rows = await asSql(db).query<{ id: string; status: OutboxStatus }>(`SELECT id, status::text AS status FROM "OutboxMessage" WHERE id = ANY($1::text[])`, [ids]);
  return new Map(rows.map((r) => [r.id, r.status]));
}
