// The data-directory lock: a stale lock (dead owner, or a pid now used by another process such as
// PID 1 in the next container) does not block start; a live owner still does.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { currentOwner, DataDirLockedError, lockDataDir, processStart } from '../../src/db/lock.js';
import { tempDataDir } from '../helpers/app.js';

const run = promisify(execFile);
const lockFile = (dir: string) => path.join(dir, 'zhibu.lock');

describe('data directory lock', () => {
  it('takes over a lock naming PID 1 when PID 1 is another process than the one that wrote it', () => {
    const dir = tempDataDir();
    const boot = currentOwner().boot;
    // What a container's node (PID 1) leaves behind after a SIGKILL; the next container's PID 1 started later.
    fs.writeFileSync(lockFile(dir), JSON.stringify({ pid: 1, start: '1', boot }));
    expect(processStart(1)).not.toBe('1');
    const lock = lockDataDir(dir);
    expect(JSON.parse(fs.readFileSync(lockFile(dir), 'utf8'))).toMatchObject({ pid: process.pid });
    lock.release();
    expect(fs.existsSync(lockFile(dir))).toBe(false);

    // The old pid-only format naming PID 1, which is not a Node process here.
    fs.writeFileSync(lockFile(dir), '1');
    lockDataDir(dir).release();
    // Written before a reboot: the pid is alive but means nothing now.
    fs.writeFileSync(lockFile(dir), JSON.stringify({ pid: 1, start: processStart(1), boot: 'another-boot' }));
    lockDataDir(dir).release();
  });

  it('takes over a lock whose process is dead', async () => {
    const dir = tempDataDir();
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid!;
    await new Promise((r) => child.on('exit', r));
    fs.writeFileSync(lockFile(dir), JSON.stringify({ pid, start: '123', boot: currentOwner().boot }));
    lockDataDir(dir).release();
  });

  it('still refuses while the owner lives, naming its pid', async () => {
    const dir = tempDataDir();
    const script = `import('${path.resolve('src/db/lock.ts')}').then((m) => { m.lockDataDir(${JSON.stringify(dir)}); console.log('locked'); setInterval(() => {}, 1000); })`;
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => d.toString().includes('locked') && resolve()));
      expect(() => lockDataDir(dir)).toThrow(DataDirLockedError);
      expect(() => lockDataDir(dir)).toThrow(new RegExp(`pid ${child.pid}`));
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.on('exit', r));
    }
    // Killed without releasing: the next start takes the lock over.
    expect(fs.existsSync(lockFile(dir))).toBe(true);
    lockDataDir(dir).release();
  }, 30_000);

  it('lets `npm run migrate` start on a data directory whose lock names PID 1', async () => {
    const dir = tempDataDir();
    fs.writeFileSync(lockFile(dir), '1');
    const r = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'migrate'], { env: { ...process.env, DATA_DIR: dir, DATABASE_URL: '', REDIS_URL: '' } });
    expect(r.stdout).toMatch(/已应用 \d+ 个迁移/);
  }, 90_000);
});
