// Backups of the embedded database (PGlite's own dumpDataDir: a tar.gz of its data directory).
// Only one process may open DATA_DIR, so a scheduled backup runs inside the service (jobs/index.ts,
// BACKUP_CRON, newest BACKUP_KEEP kept under DATA_DIR/backups), and `cli backup` / `cli restore` run
// only while the service is stopped (they take the data-directory lock and refuse otherwise).
// The queue's own PGlite is not backed up: jobs are derived from the database again at start
// (outbox sweep, reminder dispatch, scheduler reconciliation). PostgreSQL: pg_dump (README).
import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Database } from './client.js';
import { PGLITE_SETTINGS } from '../queue/pglite-pool.js';

export const BACKUPS_DIR = 'backups';
const NAME = /^zhibu-\d{8}T\d{6}Z\.tar\.gz$/;

/** Write the embedded database to `out` (tar.gz); returns its size in bytes. */
export async function backupTo(db: Database, out: string): Promise<number> {
  if (!db.dump) throw new Error('只有嵌入式数据库（未设置 DATABASE_URL）能用这个命令备份；PostgreSQL 请用 pg_dump（见 README）。');
  const blob = await db.dump();
  const bytes = Buffer.from(await blob.arrayBuffer());
  fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  const tmp = `${out}.partial`;
  fs.writeFileSync(tmp, bytes, { mode: 0o600 });
  fs.renameSync(tmp, out); // a crash mid-write never leaves a truncated backup under the real name
  return bytes.length;
}

/** A scheduled backup into DATA_DIR/backups, keeping the newest `keep`. Returns the file and what was removed. */
export async function scheduledBackup(db: Database, dataDir: string, keep: number, now = new Date()): Promise<{ file: string; bytes: number; removed: string[] }> {
  const dir = path.join(dataDir, BACKUPS_DIR);
  const file = path.join(dir, `zhibu-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}.tar.gz`);
  const bytes = await backupTo(db, file);
  const all = fs.readdirSync(dir).filter((f) => NAME.test(f)).sort();
  const removed = all.slice(0, Math.max(0, all.length - keep));
  for (const f of removed) fs.rmSync(path.join(dir, f), { force: true });
  return { file, bytes, removed };
}

/**
 * Replace the embedded database in DATA_DIR/app with the backup `file`. The current one is kept
 * beside it as app.before-restore-<time> until the operator removes it. The caller holds the lock.
 */
export async function restoreFrom(dataDir: string, file: string, now = new Date()): Promise<{ keptAs?: string }> {
  if (!fs.existsSync(file)) throw new Error(`找不到备份文件 ${file}`);
  const blob = new Blob([fs.readFileSync(file)]);
  const target = path.join(dataDir, 'app');
  const staging = path.join(dataDir, `app.restoring`);
  fs.rmSync(staging, { recursive: true, force: true });
  // Load into a staging directory first: a bad file leaves the current database untouched.
  try {
    const db = await PGlite.create({ dataDir: staging, loadDataDir: blob, startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS] });
    await db.query('SELECT 1');
    await db.close();
  } catch (e) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw new Error(`备份文件 ${file} 无法读取（${(e as Error).message}），当前数据没有改动。`);
  }
  let keptAs: string | undefined;
  if (fs.existsSync(target)) {
    keptAs = `${target}.before-restore-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`;
    fs.renameSync(target, keptAs);
  }
  fs.renameSync(staging, target);
  return { keptAs };
}
