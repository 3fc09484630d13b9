// Operator commands: migrate, migration:new, seed, imports and exports. Commands that change business
// state call services (src/services) as the system, or as the member named by --by <工号>.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig, loadEnvFile, usesEmbeddedStorage } from './config.js';
import { lockDataDir, DataDirLockedError } from './db/lock.js';
import { openDatabase } from './db/client.js';
import { MIGRATIONS_DIR } from './db/migrate.js';
import { seedDemo } from './seed/seed.js';
import { importBindings } from './chat/identity-import.js';
import type { PrismaClient } from './generated/prisma/client.js';
import { memberPrincipal, SYSTEM, type Principal } from './access/index.js';
import { memberByEmployeeNo } from './services/org.js';
import { DomainError } from './services/kernel.js';
import { pledgeCli, PLEDGE_USAGE, serviceSecret } from './cli/pledges.js';
import { exportLedgerFile } from './cli/ledger.js';
import { importDutiesCommand } from './cli/duties.js';
import { obligationsCommand, OBLIGATIONS_USAGE } from './cli/obligations.js';
import { adminCommand, chatCommand, directoryCommand, meetingKindsCommand, orgCommand, ORG_USAGE } from './cli/org.js';
import { buildDirectory } from './platforms/directory.js';
import { createLogger } from './log.js';
import { jobsCli, JOBS_USAGE } from '../jobs/cli.js';
import { holidaysCli, HOLIDAYS_USAGE } from './cli/holidays.js';
import { backupCli, BACKUP_USAGE } from './cli/backup.js';
import { sessionsCommand, SESSIONS_USAGE } from './cli/sessions.js';
import { dashboardCommand, DASHBOARD_USAGE } from './cli/dashboard.js';

const usage = `用法：
  npm run migrate                      应用未执行的数据库迁移
  npm run migration:new -- <名称>      按 prisma/schema.prisma 的改动生成下一个迁移
  npm run seed [-- --reset]            写入示例数据（--reset 先清空全部业务数据）
  npm run cli -- import-bindings <文件.csv|xlsx> [--dry-run] [--by <工号>]
                                       按对照表批量绑定平台账号（列：平台、企业ID、平台用户ID、工号或姓名；
                                       给出 --by 时以该党员身份导入，只能绑定其管理的支部的党员）
  npm run cli -- export-ledger --branch <支部或机关党委代码> --period <2026Q4|2026-12|2026> --out <文件.xlsx>
                                       导出支部组织生活电子台账
  npm run cli -- import-duties <文件.yaml|xlsx> --unit <单位代码> [--year 2027] [--dry-run] [--by <工号>]
                                       导入三级责任清单，写成该单位该年度的新版本（Excel 须给 --year；
                                       给出 --by 时以该党员身份导入，须为该单位机关党委书记或副书记）`;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

/** `--by <工号>`: the member the command acts as (their access rules apply); without it the system acts. */
async function byMember(prisma: PrismaClient, employeeNo: string): Promise<Principal> {
  const member = await memberByEmployeeNo(prisma, employeeNo);
  if (!member) throw new Error(`找不到工号为 ${employeeNo} 的党员`);
  return memberPrincipal(member, 'cli');
}

async function withDatabase<T>(fn: (db: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const lock = usesEmbeddedStorage(config) && !config.databaseUrl ? lockDataDir(config.dataDir) : undefined;
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    return await fn(db);
  } finally {
    await db.close();
    lock?.release();
  }
}

function newMigration(name: string | undefined): void {
  if (!name || !/^[a-z0-9_]+$/.test(name)) throw new Error('请给出迁移名称（小写字母、数字、下划线），例如：npm run migration:new -- add_meeting_room');
  // Diff the committed migrations (replayed into an in-memory shadow PGlite) against the schema.
  const sql = execFileSync(
    'npx',
    ['prisma', 'migrate', 'diff', '--from-migrations', MIGRATIONS_DIR, '--to-schema-datamodel', 'prisma/schema.prisma', '--script'],
    { encoding: 'utf8', env: { ...process.env, DATABASE_URL: '' }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  if (/^-- This is an empty migration\.\s*$/m.test(sql) && sql.replace(/--.*$/gm, '').trim() === '') {
    console.log('schema.prisma 与已有迁移一致，无需新迁移。');
    return;
  }
  const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const dir = path.join(MIGRATIONS_DIR, `${stamp}_${name}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'migration.sql'), sql);
  console.log(`已生成 ${path.relative(process.cwd(), dir)}/migration.sql，请检查后提交。`);
}

async function main(argv: string[]): Promise<void> {
  loadEnvFile();
  const [command, ...rest] = argv;
  switch (command) {
    case 'migrate': {
      const [r, orgs] = await withDatabase(async (db) => [await db.migrate(), await db.prisma.orgNode.count()] as const);
      console.log(r.applied.length ? `已应用 ${r.applied.length} 个迁移：${r.applied.join(', ')}` : `数据库已是最新（${r.alreadyApplied} 个迁移）。`);
      if (!orgs) console.log('数据库里还没有组织。下一步：npm run cli -- org template --out 组织与党员.xlsx（见 README「Deploying for a real organ」）');
      return;
    }
    case 'migration:new':
      return newMigration(rest[0]);
    case 'seed': {
      const reset = rest.includes('--reset');
      const s = await withDatabase(async (db) => {
        await db.migrate();
        return seedDemo(db.prisma, { reset });
      });
      console.log(`示例数据已写入：${s.orgNodes} 个组织、${s.members} 名党员、${s.meetingKinds} 类会议、${s.dutyItems} 条责任清单条目。`);
      return;
    }
    case 'import-bindings': {
      const file = rest.find((a, i) => !a.startsWith('--') && rest[i - 1] !== '--by');
      if (!file) throw new Error('请给出对照表文件，例如：npm run cli -- import-bindings 绑定.xlsx');
      const dryRun = rest.includes('--dry-run');
      const byNo = option(rest, 'by');
      const r = await withDatabase(async (db) => {
        await db.migrate();
        return importBindings(db.prisma, file, { dryRun, by: byNo ? await byMember(db.prisma, byNo) : SYSTEM });
      });
      if (r.errors.length) {
        console.error(`对照表有 ${r.errors.length} 处错误，没有写入任何绑定：\n${r.errors.join('\n')}`);
        process.exitCode = 1;
      } else console.log(dryRun ? '检查通过，没有发现错误（--dry-run 未写入）。' : `已绑定 ${r.bound} 个账号，${r.unchanged} 个原已绑定。`);
      return;
    }
    case 'import-duties': {
      process.exitCode = await importDutiesCommand(rest, (fn) => withDatabase(async (db) => (await db.migrate(), fn(db.prisma))));
      return;
    }
    case 'obligations': {
      const config = loadConfig();
      process.exitCode = await obligationsCommand(rest, (fn) => withDatabase(async (db) => (await db.migrate(), fn(db.prisma))), { timezone: config.timezone });
      return;
    }
    case 'export-ledger': {
      const [branch, period, out] = [option(rest, 'branch'), option(rest, 'period'), option(rest, 'out')];
      if (!branch || !period || !out) throw new Error('用法：npm run cli -- export-ledger --branch demo-branch-1 --period 2026Q4 --out 台账.xlsx');
      const timezone = loadConfig().timezone;
      const r = await withDatabase((db) => exportLedgerFile(db, { code: branch, period, out, timezone }));
      console.log(`已导出 ${r.scope} ${r.period} 台账：${r.meetings} 次会议，写入 ${out}`);
      return;
    }
    case 'pledge': {
      const config = loadConfig();
      console.log(await withDatabase(async (db) => {
        await db.migrate();
        return pledgeCli(db.prisma, rest, { secret: () => serviceSecret(config.appSecret, config.dataDir), publicUrl: config.publicUrl });
      }));
      return;
    }
    case 'backup':
    case 'restore': {
      console.log(await backupCli(loadConfig(), command, rest));
      return;
    }
    case 'holidays': {
      const r = holidaysCli(loadConfig().jobs.guardrails.calendar, rest);
      console.log(r.text);
      process.exitCode = r.exitCode;
      return;
    }
    case 'org':
    case 'admin':
    case 'chat':
    case 'meeting-kinds': {
      const run = { org: orgCommand, admin: adminCommand, chat: chatCommand, 'meeting-kinds': meetingKindsCommand }[command];
      process.exitCode = await run(rest, (fn) => withDatabase(async (db) => (await db.migrate(), fn(db.prisma))));
      return;
    }
    case 'directory': {
      const config = loadConfig();
      const log = createLogger({ level: 'warn', pretty: false });
      process.exitCode = await directoryCommand(rest, (fn) => withDatabase(async (db) => (await db.migrate(), fn(db.prisma))), (p) => buildDirectory(p, config.platforms, log));
      return;
    }
    case 'dashboard': {
      const config = loadConfig();
      process.exitCode = await dashboardCommand(rest, (fn) => withDatabase(async (db) => (await db.migrate(), fn(db.prisma))), { timezone: config.timezone, atRiskDays: config.life.atRiskDays });
      return;
    }
    case 'sessions': {
      process.exitCode = await sessionsCommand(rest, (fn) => withDatabase(async (db) => (await db.migrate(), fn(db.prisma))));
      return;
    }
    case 'outbox':
    case 'prompt': {
      console.log(await withDatabase((db) => jobsCli(db, command, rest)));
      return;
    }
    default:
      console.log(`${usage}\n${OBLIGATIONS_USAGE}\n${ORG_USAGE}\n${BACKUP_USAGE}\n${HOLIDAYS_USAGE}\n${PLEDGE_USAGE}\n${JOBS_USAGE}\n${SESSIONS_USAGE}\n${DASHBOARD_USAGE}`);
      if (command && !['help', '--help', '-h'].includes(command)) process.exitCode = 1;
  }
}

main(process.argv.slice(2)).catch((e) => {
  if (e instanceof ConfigError || e instanceof DataDirLockedError) console.error(e.message);
  else if (e instanceof DomainError && e.code === 'errors.not_allowed') console.error('失败：--by 指定的党员无权执行这项操作，没有写入。');
  else console.error(`失败：${(e as Error).message}`);
  process.exit(1);
});
