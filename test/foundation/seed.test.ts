import { afterAll, describe, expect, it } from 'vitest';
import { openPostgres, type Database } from '../../src/db/client.js';
import { seedDemo } from '../../src/seed/seed.js';
import { STANDARD_MEETING_KINDS } from '../../src/domain/meeting-kinds.js';
import { readDefaultList } from '../../src/domain/duties/list-file.js';
import { freshPostgres } from '../helpers/env.js';

let db: Database;
const pgdb = await freshPostgres();
db = await openPostgres(pgdb.url);
afterAll(async () => {
  await db.close();
  await pgdb.drop();
});

describe('demo seed', () => {
  it('builds the demo organ, meeting kinds and responsibility list', async () => {
    const s = await seedDemo(db.prisma);
    expect(s.members).toBe(30);
    const p = db.prisma;
    expect(await p.orgNode.count({ where: { kind: 'BRANCH' } })).toBe(3);
    expect(await p.orgNode.count({ where: { kind: 'GROUP' } })).toBe(6);
    expect(await p.orgNode.count({ where: { kind: 'ORGAN_COMMITTEE' } })).toBe(1);
    expect(await p.member.count()).toBe(30);
    expect(await p.post.count({ where: { title: 'BRANCH_SECRETARY' } })).toBe(3);
    expect(await p.platformIdentity.count({ where: { platform: 'CONSOLE' } })).toBe(30);
    const kinds = await p.meetingKind.findMany();
    expect(kinds.map((k) => k.code).sort()).toEqual(STANDARD_MEETING_KINDS.map((k) => k.code).sort());
    expect(kinds.find((k) => k.code === 'branch_assembly')?.frequency).toEqual({ period: 'quarter', atLeast: 1 });
    const items = await p.responsibilityItem.findMany();
    expect(items.length).toBe(readDefaultList().items.length);
    expect(items.every((i) => i.source.length > 0)).toBe(true);
  });

  it('refuses to seed twice, and rebuilds with reset', async () => {
    await expect(seedDemo(db.prisma)).rejects.toThrow('数据库里已有数据；要重建示例数据请使用 --reset');
    await db.prisma.member.updateMany({ data: { name: '改过的名字' } });
    await seedDemo(db.prisma, { reset: true });
    expect(await db.prisma.member.count()).toBe(30);
    expect(await db.prisma.member.count({ where: { name: '改过的名字' } })).toBe(0);
  });
});
