import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const run = promisify(execFile);

describe('configuration', () => {
  it('defaults to the embedded database and queue with nothing set', () => {
    const c = loadConfig({});
    expect(c.databaseUrl).toBeUndefined();
    expect(c.queue.backend).toBe('embedded');
    expect(c.port).toBe(3000);
    expect(c.seedDemo).toBe(true);
  });

  it('picks Redis when REDIS_URL is set, and the PostgreSQL queue when asked', () => {
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }).queue.backend).toBe('redis');
    const c = loadConfig({ QUEUE_BACKEND: 'postgres', DATABASE_URL: 'postgresql://u@h/db' });
    expect(c.queue).toMatchObject({ backend: 'postgres', databaseUrl: 'postgresql://u@h/db' });
  });

  it('names every bad variable with a clear Chinese message', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x', QUEUE_BACKEND: 'kafka', TIMEZONE: 'Mars/Base' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    expect(problems).toMatch(/^PORT: 必须是端口号/m);
    expect(problems).toMatch(/^DATABASE_URL: 必须是以 postgres:\/\/ 或 postgresql:\/\/ 开头的地址/m);
    expect(problems).toMatch(/^QUEUE_BACKEND: 必须是 redis、postgres 或 embedded/m);
    expect(problems).toMatch(/^TIMEZONE: 不是有效的 IANA 时区名/m);
    expect(problems).not.toContain('mysql://x'); // URLs may carry passwords: never echoed
  });

  it('requires the matching connection for an explicit queue backend, and APP_SECRET in production', () => {
    expect(() => loadConfig({ QUEUE_BACKEND: 'redis' })).toThrow(/QUEUE_BACKEND: 设为 redis 时必须同时设置 REDIS_URL/);
    expect(() => loadConfig({ QUEUE_BACKEND: 'postgres' })).toThrow(/QUEUE_DATABASE_URL 或 DATABASE_URL/);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/APP_SECRET: 生产环境必须设置/);
  });

  it('stops start-up with a non-zero exit and a message naming the variable', async () => {
    const err = await run(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: { ...process.env, PORT: '70000', DATA_DIR: '/nonexistent-never-created' } }).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(1);
    expect(err?.stderr).toContain('PORT: 必须在 0–65535 之间（当前值 "70000"）');
  });
});
