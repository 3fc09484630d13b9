// Backups of the embedded database: backup → wipe → restore gives the same rows; the CLI refuses
// while the service holds the data directory; scheduled backups keep the newest BACKUP_KEEP.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/client.js';
import { backupTo, restoreFrom, scheduledBackup } from '../../src/db/backup.js';
import { seedDemo } from '../../src/seed/seed.js';
import { lockDataDir } from '../../src/db/lock.js';
import { tempDataDir } from '../helpers/app.js';

const run = promisify(execFile);

async function snapshot(db: Database) {
  const members = await db.prisma.member.findMany({ orderBy: { id: 'asc' }, select: { id: true, name: true } });
  const nodes = await db.prisma.orgNode.findMany({ orderBy: { id: 'asc' }, select: { id: true, code: true, name: true } });
  return { members, nodes };
}

describe('embedded backups', () => {
  it('backup → wipe → restore gives the same rows', async () => {
    const dataDir = tempDataDir();
    let db = await openDatabase({ dataDir });
    await db.migrate();
    await seedDemo(db.prisma);
    await db.prisma.orgNode.update({ where: { code: 'demo-branch-2' }, data: { name: '第二党支部（备份前）' } });
    const before = await snapshot(db);
    expect(before.members.length).toBe(30);
    const file = path.join(dataDir, 'out', 'backup.tar.gz');
    expect(await backupTo(db, file)).toBeGreaterThan(100_000);
    await db.close();

    fs.rmSync(path.join(dataDir, 'app'), { recursive: true, force: true }); // the disk is lost
    const restored = await restoreFrom(dataDir, file);
    expect(restored.keptAs).toBeUndefined();
    db = await openDatabase({ dataDir });
    expect(await snapshot(db)).toEqual(before);
    await db.close();

    // A bad file changes nothing.
    fs.writeFileSync(path.join(dataDir, 'junk.tar.gz'), 'not a backup');
    await expect(restoreFrom(dataDir, path.join(dataDir, 'junk.tar.gz'))).rejects.toThrow(/无法读取.*当前数据没有改动/);
    db = await openDatabase({ dataDir });
    expect((await snapshot(db)).members.length).toBe(30);
    await db.close();
  }, 120_000);

  it('scheduled backups keep the newest BACKUP_KEEP files', async () => {
    const dataDir = tempDataDir();
    const db = await openDatabase({ dataDir });
    await db.migrate();
    for (let i = 0; i < 4; i++) await scheduledBackup(db, dataDir, 2, new Date(Date.UTC(2027, 0, 1 + i, 19, 15)));
    await db.close();
    expect(fs.readdirSync(path.join(dataDir, 'backups')).sort()).toEqual(['zhibu-20270103T191500Z.tar.gz', 'zhibu-20270104T191500Z.tar.gz']);
  }, 60_000);

  it('the CLI backs up and restores, and refuses while another process holds the data directory', async () => {
    const dataDir = tempDataDir();
    const env = { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', REDIS_URL: '' };
    await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'seed'], { env });
    const out = path.join(dataDir, 'b.tar.gz');
    const b = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'backup', '--out', out], { env });
    expect(b.stdout).toMatch(/已备份到 .*b\.tar\.gz/);
    const r = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'restore', out], { env });
    expect(r.stdout).toMatch(/已从 .* 恢复。原数据保留在 .*app\.before-restore-/);

    const lock = lockDataDir(dataDir); // stands for the running service
    try {
      const refused = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'backup', '--out', out], { env }).catch((e: { code: number; stderr: string }) => e);
      expect((refused as { code: number }).code).toBe(1);
      expect((refused as { stderr: string }).stderr).toMatch(/正被另一个进程（pid \d+）使用/);
    } finally {
      lock.release();
    }
    const pg = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'backup', '--out', out], { env: { ...env, DATABASE_URL: 'postgresql://127.0.0.1:5432/none' } }).catch((e: { stderr: string }) => e);
    expect((pg as { stderr: string }).stderr).toMatch(/pg_dump/);
  }, 180_000);
});
