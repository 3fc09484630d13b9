import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgres, type Database } from '../../src/db/client.js';
import { seedDemo } from '../../src/seed/seed.js';
import { importBindings } from '../../src/chat/identity-import.js';
import { freshPostgres } from '../helpers/env.js';

const pgdb = await freshPostgres();
const db: Database = await openPostgres(pgdb.url);
await seedDemo(db.prisma);
afterAll(async () => {
  await db.close();
  await pgdb.drop();
});

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhibu-bind-'));
const csv = (name: string, text: string) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
};
const identities = () => db.prisma.platformIdentity.count({ where: { platform: { not: 'CONSOLE' } } });

describe('binding import', () => {
  it('binds accounts from a CSV by employee number or unique name, and is idempotent', async () => {
    const f = csv('ok.csv', '平台,企业ID,平台用户ID,工号,姓名\n飞书,,ou_aaa,m101,\n钉钉,ding123,staff-9,,张伟\nwecom,corp1,lisi,m102,\n');
    expect(await importBindings(db.prisma, f)).toEqual({ bound: 3, unchanged: 0, errors: [] });
    const zhangwei = await db.prisma.member.findFirstOrThrow({ where: { name: '张伟' }, include: { identities: true } });
    expect(zhangwei.identities.map((i) => `${i.platform}:${i.tenantKey}:${i.platformUserId}`).sort()).toEqual(['CONSOLE::m103', 'DINGTALK:ding123:staff-9']);
    expect(await importBindings(db.prisma, f)).toEqual({ bound: 0, unchanged: 3, errors: [] });
    expect(await db.prisma.auditLog.count({ where: { action: 'identity.import' } })).toBe(3);
  });

  it('reads xlsx the same way', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('绑定');
    ws.addRow(['姓名', '平台用户ID', '平台']);
    ws.addRow(['徐强', 'ou_bbb', 'lark']);
    const f = path.join(dir, 'ok.xlsx');
    await wb.xlsx.writeFile(f);
    expect(await importBindings(db.prisma, f)).toEqual({ bound: 1, unchanged: 0, errors: [] });
  });

  it('reports every bad row with its line and writes nothing', async () => {
    const before = await identities();
    const f = csv('bad.csv', '平台,平台用户ID,工号,姓名\n微博,u1,m101,\n飞书,,m101,\n飞书,u3,nope,\n飞书,u4,,查无此人\n飞书,u5,m201,\n飞书,u5,m202,\n');
    const r = await importBindings(db.prisma, f);
    expect(r.bound).toBe(0);
    expect(r.errors).toEqual([
      'bad.csv：第 2 行「平台」：无法识别「微博」，应为 飞书、钉钉、企业微信、wechaty 或 控制台',
      'bad.csv：第 3 行「平台用户ID」：不能为空且不超过 256 个字符',
      'bad.csv：第 4 行「工号」：找不到工号为 nope 的党员',
      'bad.csv：第 5 行「姓名」：找不到党员「查无此人」',
      'bad.csv：第 7 行：与第 6 行是同一个平台账号',
    ]);
    expect(await identities()).toBe(before);
  });

  it('refuses a file without the needed columns', async () => {
    const r = await importBindings(db.prisma, csv('nohead.csv', 'a,b\n1,2\n'));
    expect(r.errors).toEqual(['nohead.csv：第 1 行：表头必须包含「平台」「平台用户ID」以及「工号」或「姓名」']);
  });
});
