// `npm run cli -- backup --out FILE` and `restore FILE`: the embedded database (src/db/backup.ts).
// Both take the data-directory lock, so they refuse clearly while the service runs; the service
// itself takes scheduled backups (BACKUP_CRON) into DATA_DIR/backups.
import type { Config } from '../config.js';
import { lockDataDir } from '../db/lock.js';
import { openDatabase } from '../db/client.js';
import { backupTo, restoreFrom } from '../db/backup.js';

export const BACKUP_USAGE = `  npm run cli -- backup --out <文件.tar.gz>  备份嵌入式数据库（服务须先停止；运行中的服务按 BACKUP_CRON 自动备份到 DATA_DIR/backups）
  npm run cli -- restore <文件.tar.gz>        用备份替换嵌入式数据库（服务须先停止；原数据保留为 app.before-restore-<时间>）
                                       PostgreSQL 请用 pg_dump / pg_restore（见 README）`;

const PG_HINT = '已设置 DATABASE_URL：数据在 PostgreSQL 中，请用 pg_dump 备份、pg_restore 恢复（见 README「Backups」）。';

export async function backupCli(config: Config, command: 'backup' | 'restore', args: string[]): Promise<string> {
  if (config.databaseUrl) throw new Error(PG_HINT);
  const lock = lockDataDir(config.dataDir);
  try {
    if (command === 'backup') {
      const i = args.indexOf('--out');
      const out = i >= 0 ? args[i + 1] : undefined;
      if (!out) throw new Error('用法：npm run cli -- backup --out 备份.tar.gz');
      const db = await openDatabase({ dataDir: config.dataDir });
      try {
        const bytes = await backupTo(db, out);
        return `已备份到 ${out}（${(bytes / 1024 / 1024).toFixed(1)} MB）。`;
      } finally {
        await db.close();
      }
    }
    const file = args.find((a) => !a.startsWith('--'));
    if (!file) throw new Error('用法：npm run cli -- restore 备份.tar.gz');
    const r = await restoreFrom(config.dataDir, file);
    return `已从 ${file} 恢复。${r.keptAs ? `原数据保留在 ${r.keptAs}，确认无误后可删除。` : ''}下次启动服务时会补齐迁移。`;
  } finally {
    lock.release();
  }
}
