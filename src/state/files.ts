// Stored files (chat attachments kept with records): bytes by their SHA-256 in PostgreSQL, so
// backups and PGlite dumps include them. The bytes travel as base64 text decoded in SQL: the PGlite
// Prisma adapter refuses a bytea parameter ("Invalid input for bytea type"), and one path serves both.
import type { SqlLike } from '../db/sql.js';
import { asSql } from '../db/sql.js';

/** Store the file unless its hash is already there (the same content twice is kept once). */
export async function storeFile(db: SqlLike, f: { sha256: string; bytes: Buffer; mime?: string }): Promise<void> {
  await asSql(db).query(
    `INSERT INTO "StoredFile" (sha256, bytes, size, mime) VALUES ($1, decode($2, 'base64'), $3::int, $4) ON CONFLICT (sha256) DO NOTHING`,
    [f.sha256, f.bytes.toString('base64'), f.bytes.length, f.mime ?? null],
  );
}

export async function readFile(db: SqlLike, sha256: string): Promise<{ bytes: Buffer; mime: string | null } | null> {
  const rows = await asSql(db).query<{ b64: string; mime: string | null }>(`SELECT encode(bytes, 'base64') AS b64, mime FROM "StoredFile" WHERE sha256 = $1`, [sha256]);
  const r = rows[0];
  return r ? { bytes: Buffer.from(r.b64, 'base64'), mime: r.mime } : null;
}
