// Configuration for operators: .env read by Node's own loader, cron settings checked with cron-parser
// naming the variable, *_FILE secrets, APP_SECRET_PREVIOUS for rotation, `cli --help` exits 0.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { TokenSigner } from '../../src/chat/token.js';
import { parseTemplate } from '../../src/domain/prompts/templates.js';

const run = promisify(execFile);
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const cli = path.resolve('src/cli.ts');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'zhibu-config-'));

describe('configuration', () => {
  it('reads .env from the working directory (Node loader), variables already set winning', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'holidays-2027.yaml'), '2027:\n  holidays: [2027-01-01]\n');
    fs.writeFileSync(path.join(dir, '.env'), 'HOLIDAYS_FILE=holidays-2027.yaml\nTIMEZONE=Asia/Urumqi\n');
    const env = { ...process.env, HOLIDAYS_FILE: undefined, TIMEZONE: undefined };
    const r = await run(process.execPath, ['--import', tsx, cli, 'holidays', 'check', '2027'], { cwd: dir, env });
    expect(r.stdout).toMatch(/2027 年：节假日文件（holidays-2027\.yaml）/);
    // Without the .env the same command falls back to the computed days.
    fs.rmSync(path.join(dir, '.env'));
    const without = await run(process.execPath, ['--import', tsx, cli, 'holidays', 'check', '2027'], { cwd: dir, env }).catch((e: { stdout: string }) => e);
    expect(without.stdout).toMatch(/2027 年：按法定节日推算/);
  }, 30_000);

  it('checks every cron setting with cron-parser and names the variable', () => {
    expect(() => loadConfig({ COMPLIANCE_SCAN_CRON: '99 99 * * *' })).toThrow(/COMPLIANCE_SCAN_CRON: 不是有效的 cron 表达式（Constraint error, got value 99 expected range 0-59）/);
    expect(() => loadConfig({ PLEDGE_REMIND_CRON: '30 9 * *' })).toThrow(/PLEDGE_REMIND_CRON: 应为 5 段 cron 表达式/);
    expect(() => loadConfig({ BACKUP_CRON: '0 15 3 * * *' })).not.toThrow(); // six fields (seconds first) are valid
    expect(() => loadConfig({ BACKUP_CRON: '0 25 * * *' })).toThrow(/BACKUP_CRON: 不是有效的 cron 表达式/);
    const one = (() => {
      try {
        loadConfig({ COMPLIANCE_SCAN_CRON: '61 8 * * *', PLEDGE_REMIND_CRON: '30 9 * * 8' });
      } catch (e) {
        return (e as ConfigError).problems;
      }
    })();
    expect(one?.map((p) => p.split(':')[0])).toEqual(['COMPLIANCE_SCAN_CRON', 'PLEDGE_REMIND_CRON']);
    // Task templates' cron schedules go through the same check.
    expect(() => parseTemplate('---\nid: t\ntitle: T\nschedule: "0 9 32 * *"\n---\n正文')).toThrow(/计划「0 9 32 \* \*」不是有效的 cron 表达式/);
    expect(parseTemplate('---\nid: t\ntitle: T\nschedule: "0 9 25 * *"\n---\n正文').cron).toBe('0 9 25 * *');
  });

  it('reads secrets from *_FILE variables', () => {
    const dir = tmp();
    const secretFile = path.join(dir, 'app_secret');
    fs.writeFileSync(secretFile, `${'s'.repeat(40)}\n`);
    const c = loadConfig({ APP_SECRET_FILE: secretFile, NODE_ENV: 'production', REDIS_URL_FILE: (fs.writeFileSync(path.join(dir, 'redis'), 'redis://127.0.0.1:6379/3'), path.join(dir, 'redis')) });
    expect(c.appSecret).toBe('s'.repeat(40)); // the trailing newline dropped
    expect(c.queue.redisUrl).toBe('redis://127.0.0.1:6379/3');
    expect(() => loadConfig({ APP_SECRET_FILE: secretFile, APP_SECRET: 'x'.repeat(40) })).toThrow(/APP_SECRET_FILE: 与 APP_SECRET 只能设置一个/);
    expect(() => loadConfig({ LARK_APP_SECRET_FILE: path.join(dir, 'missing') })).toThrow(/LARK_APP_SECRET_FILE: 无法读取文件 .*missing（ENOENT）/);
    fs.writeFileSync(secretFile, 'short');
    expect(() => loadConfig({ APP_SECRET_FILE: secretFile })).toThrow(/APP_SECRET: 至少 32 个字符/);
  });

  it('accepts tokens signed with APP_SECRET_PREVIOUS after a rotation, and signs only with the new secret', () => {
    const oldSecret = 'o'.repeat(40);
    const newSecret = 'n'.repeat(40);
    const c = loadConfig({ APP_SECRET: newSecret, APP_SECRET_PREVIOUS: oldSecret });
    expect(c.appSecretPrevious).toBe(oldSecret);
    const issuedBefore = new TokenSigner(oldSecret).sign({ action: 'meeting.checkin', target: 's1' }, 3600);
    const rotated = new TokenSigner(c.appSecret!, c.appSecretPrevious);
    expect(rotated.verify(issuedBefore)).toMatchObject({ ok: true, claims: { action: 'meeting.checkin', target: 's1' } });
    expect(new TokenSigner(newSecret).verify(issuedBefore)).toEqual({ ok: false, reason: 'forged' });
    const issuedAfter = rotated.sign({ action: 'meeting.checkin', target: 's1' }, 3600);
    expect(new TokenSigner(oldSecret).verify(issuedAfter)).toEqual({ ok: false, reason: 'forged' });
    expect(new TokenSigner('x'.repeat(40), 'y'.repeat(40)).verify(issuedBefore)).toEqual({ ok: false, reason: 'forged' });
    expect(() => loadConfig({ APP_SECRET: newSecret, APP_SECRET_PREVIOUS: newSecret })).toThrow(/APP_SECRET_PREVIOUS: 与 APP_SECRET 相同/);
  });

  it('`npm run cli -- --help` exits 0 and lists every command', async () => {
    const r = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', '--help']);
    const source = fs.readFileSync('src/cli.ts', 'utf8');
    const commands = [...source.matchAll(/^ {4}case '([a-z:-]+)':/gm)].map((m) => m[1]!);
    expect(commands.length).toBeGreaterThan(8);
    for (const c of commands) expect(r.stdout, c).toMatch(new RegExp(`(npm run ${c}|npm run cli -- ${c})\\b`));
    const unknown = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'no-such-command']).catch((e: { code: number }) => e);
    expect((unknown as { code: number }).code).toBe(1);
  }, 30_000);
});
