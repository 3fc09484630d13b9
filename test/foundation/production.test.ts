// The production install: the tracked files in a clean directory, `npm ci --omit=dev`, `npm run build`,
// then `npm run start:prod` in production mode serves /readyz and stops on SIGTERM sent to npm.
import { freePort } from '../helpers/redis-server.js';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';


describe('production install', () => {
  it('installs without dev dependencies, builds, starts on compiled JavaScript and stops on SIGTERM', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhibu-prod-'));
    // The working tree's tracked files (what a clone has), without node_modules or data.
    const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8' }).split('\0').filter((f) => f && fs.existsSync(f));
    for (const f of files) {
      fs.mkdirSync(path.join(dir, path.dirname(f)), { recursive: true });
      fs.copyFileSync(f, path.join(dir, f));
    }
    const npm = (args: string[]) => execFileSync('npm', args, { cwd: dir, stdio: 'pipe', encoding: 'utf8', env: { ...process.env, NODE_ENV: 'production' } });
    npm(['ci', '--omit=dev', '--no-audit', '--no-fund']);
    expect(fs.existsSync(path.join(dir, 'node_modules/tsx'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'node_modules/wechaty-puppet-mock'))).toBe(false);
    npm(['run', 'build']);
    expect(fs.existsSync(path.join(dir, 'dist/src/main.js'))).toBe(true);

    const port = await freePort();
    const child = spawn('npm', ['run', 'start:prod'], {
      cwd: dir,
      env: { ...process.env, NODE_ENV: 'production', APP_SECRET: 'p'.repeat(40), DATA_DIR: path.join(dir, 'data'), PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', DATABASE_URL: '', REDIS_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    const t0 = Date.now();
    let status = 0;
    while (Date.now() - t0 < 120_000 && status !== 200) {
      status = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 0);
      if (status !== 200) await new Promise((r) => setTimeout(r, 250));
    }
    expect(status, out).toBe(200);
    expect(out).not.toMatch(/tsx/);
    child.kill('SIGTERM'); // to npm, as an orchestrator would
    expect(await exited).toBe(0);
    expect(out).toMatch(/"msg":"shutting down"/);
    await new Promise((r) => setTimeout(r, 500));
    expect(await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status, () => 0)).toBe(0); // nothing left serving
  }, 600_000);
});
