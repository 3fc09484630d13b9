// `npm run cli -- import-duties` against a real PostgreSQL database, as an operator runs it: a valid file
// becomes the next version and the active list; a file with mistakes prints each located problem, exits 1
// and writes nothing; --dry-run checks without writing.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/client.js';
import { seedDemo } from '../../src/seed/seed.js';
import { activeList } from '../../src/domain/duties/store.js';
import { freshPostgres } from '../helpers/env.js';
import { tempDataDir } from '../helpers/app.js';

const run = promisify(execFile);
let db: Database;
let url: string;
let drop: () => Promise<void>;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhibu-import-'));

beforeAll(async () => {
  const pg = await freshPostgres();
  ({ url, drop } = pg);
  db = await openDatabase({ databaseUrl: url, dataDir: tempDataDir() });
  await seedDemo(db.prisma);
});
afterAll(async () => {
  await db?.close();
  await drop?.();
});

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, DATABASE_URL: url, DATA_DIR: tempDataDir(), LOG_LEVEL: 'silent', REDIS_URL: '', NODE_ENV: 'test' };
  try {
    const r = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'import-duties', ...args], { env, cwd: process.cwd() });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

async function xlsx(name: string, rows: string[][]): Promise<string> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('责任清单');
  ws.addRow(['编号', '层级', '岗位', '工作内容', '频次', '周期规则', '佐证材料', '出处', '关键词']);
  for (const r of rows) ws.addRow(r);
  const file = path.join(dir, name);
  await wb.xlsx.writeFile(file);
  return file;
}

const unitId = async () => (await db.prisma.orgNode.findUniqueOrThrow({ where: { code: 'demo-unit' } })).id;

describe('import-duties', () => {
  it('writes a valid workbook as the next version, which becomes the active list', async () => {
    const file = await xlsx('清单2027.xlsx', [
      ['B-01', '党支部', '党支部', '组织党员上党课', '一般每季度1次', '每季度至少1次', '签到表', '本单位2027年党建工作要点', '党课、上党课'],
      ['B-02', '党支部', '支部书记', '讲党课', '每年至少1次', '每年1次', '讲稿', '本单位2027年党建工作要点', '讲党课'],
    ]);
    const dry = await cli(file, '--unit', 'demo-unit', '--year', '2027', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('检查通过：2 条');
    expect(await db.prisma.responsibilityList.count({ where: { year: 2027 } })).toBe(0);

    const r = await cli(file, '--unit', 'demo-unit', '--year', '2027');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('已导入 示例市发展和改革委员会 2027 年责任清单第 1 版，共 2 条');
    const again = await cli(file, '--unit', 'demo-unit', '--year', '2027');
    expect(again.stdout).toContain('第 2 版');

    const active = await activeList(db.prisma, await unitId(), 2027);
    expect(active).toMatchObject({ year: 2027, version: 2 });
    expect(await db.prisma.responsibilityItem.count({ where: { listId: active!.id } })).toBe(2);
    // 2026 keeps its seeded version; 2028 falls back to the latest year available.
    expect(await activeList(db.prisma, await unitId(), 2026)).toMatchObject({ year: 2026, version: 1 });
    expect(await activeList(db.prisma, await unitId(), 2028)).toMatchObject({ year: 2027, version: 2 });
  }, 60_000);

  it('prints every located problem, exits 1 and writes nothing for a bad file', async () => {
    const before = await db.prisma.responsibilityList.count();
    const file = await xlsx('坏清单.xlsx', [
      ['B-01', '党支部', '党支部', '组织党员上党课', '一般每季度1次', '每季度至少1次', '', '要点', ''],
      ['B-01', '党支部', '支部书记', '讲党课', '每年至少1次', '', '', '要点', ''],
      ['B-03', '党总支', '', '讲党课', '每年至少1次', '每季度一两次', '', '', ''],
    ]);
    const r = await cli(file, '--unit', 'demo-unit', '--year', '2027');
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toBe('清单有 5 处问题，没有写入：');
    expect(lines.slice(1)).toEqual([
      '坏清单.xlsx：第 3 行 A 列（编号）：编号 B-01 重复（与第 2 行相同）',
      '坏清单.xlsx：第 4 行 B 列（层级）：层级必须是 党组(党委)、机关党委 或 党支部',
      '坏清单.xlsx：第 4 行 C 列（岗位）：不能为空',
      expect.stringMatching(/^坏清单\.xlsx：第 4 行 F 列（周期规则）：周期规则应写成/),
      '坏清单.xlsx：第 4 行 H 列（出处）：不能为空',
    ]);
    expect(await db.prisma.responsibilityList.count()).toBe(before);

    const noYear = await cli(file, '--unit', 'demo-unit');
    expect(noYear.code).toBe(1);
    expect(noYear.stderr).toContain('Excel 清单里没有年度，请用 --year 指定');
    const noUnit = await cli(file, '--unit', 'no-such-unit', '--year', '2027');
    expect(noUnit.code).toBe(1);
    expect(noUnit.stderr).toContain('找不到单位代码 no-such-unit');
    expect(await db.prisma.responsibilityList.count()).toBe(before);
  }, 60_000);
  it('imports as the member named by --by when they manage the unit’s 机关党委, and refuses others', async () => {
    const file = await xlsx('清单2028.xlsx', [['B-01', '党支部', '党支部', '组织党员上党课', '一般每季度1次', '每季度至少1次', '签到表', '本单位2028年党建工作要点', '党课']]);
    const refused = await cli(file, '--unit', 'demo-unit', '--year', '2028', '--by', 'm108');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('工号 m108 不是该单位机关党委的书记或副书记');
    expect(await db.prisma.responsibilityList.count({ where: { year: 2028 } })).toBe(0);
    const ok = await cli(file, '--unit', 'demo-unit', '--year', '2028', '--by', 'm107');
    expect(ok.code).toBe(0);
    const list = await db.prisma.responsibilityList.findFirstOrThrow({ where: { year: 2028 } });
    expect(list.importedById).toBe((await db.prisma.member.findFirstOrThrow({ where: { employeeNo: 'm107' } })).id);
    expect(await db.prisma.auditLog.count({ where: { action: 'duties.import', entityId: list.id, actorId: list.importedById } })).toBe(1);
  }, 60_000);
});
