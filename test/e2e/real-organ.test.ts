// A real organ on day one, end to end in production mode on PostgreSQL, starting from an empty database:
// the service starts with no organisation (SEED_DEMO=false) but with the meeting kinds; the operator writes
// the template, fills it in (2 units, 6 branches, 120 members with Lark accounts), dry-runs it (the diff, nothing
// written), imports it and grants the first administrator, all through the CLI commands; in a Lark-fake group
// the bot says once how to bind it, the administrator types 绑定本群 and confirms on the card; the
// secretary's notice reaches that group and members check in.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { PrismaClient } from '../../src/generated/prisma/client.js';
import { orgCommand, adminCommand } from '../../src/cli/org.js';
import { freshPostgres, redisPrefix, REDIS_URL } from '../helpers/env.js';
import { startTestApp, tempDataDir } from '../helpers/app.js';
import { fillTemplate, makeRoster } from '../helpers/roster.js';
import { LarkFake } from '../platforms/fakes/lark.js';
import { waitUntil, type FakeSent } from '../platforms/fakes/common.js';

let app: App;
let fake: LarkFake;
let drop: () => Promise<void>;
let dir: string;
let now = new Date('2026-11-20T10:00:00+08:00');

/** Run a CLI command against the running service's database, as `npm run cli -- …` does; returns exit code and output. */
async function cli(fn: typeof orgCommand, args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await fn(args, (f) => f(app.db.prisma as PrismaClient), { log: (s) => out.push(s), error: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const sentTo = (to: string, match: (s: FakeSent) => boolean, what: string) => waitUntil(what, () => fake.sent.find((s) => s.to === to && match(s)), 20_000);

beforeAll(async () => {
  fake = await LarkFake.start({ mode: 'ws' });
  const db = await freshPostgres({ migrated: false });
  drop = db.drop;
  dir = tempDataDir();
  app = await startTestApp(
    { NODE_ENV: 'production', SEED_DEMO: 'false', APP_SECRET: 'real-organ-secret-0123456789abcdef0123456789', DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: redisPrefix(), DATA_DIR: dir, LOG_LEVEL: 'silent', ...fake.env() },
    { clock: () => now },
  );
  await fake.attach(app);
});
afterAll(async () => {
  await app?.stop();
  await fake?.close();
  await drop?.();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('a real organ on day one (production mode, PostgreSQL, Lark)', () => {
  it('starts from an empty database with the norms but no organisation', async () => {
    const p = app.db.prisma;
    expect(await p.orgNode.count()).toBe(0);
    expect(await p.member.count()).toBe(0);
    expect(await p.meetingKind.count()).toBeGreaterThanOrEqual(12);
  });

  it('template → filled workbook → dry run (diff printed, nothing written) → import → first administrator', async () => {
    const template = path.join(dir, '组织与党员.xlsx');
    const t = await cli(orgCommand, ['template', '--out', template]);
    expect(t.code).toBe(0);
    expect(t.out).toContain('下一步：npm run cli -- org import');

    const filled = path.join(dir, '组织与党员-已填.xlsx');
    await fillTemplate(template, filled, makeRoster({ units: 2, branches: 3, perBranch: 20, lark: true }));

    const dry = await cli(orgCommand, ['import', filled, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('（--dry-run 未写入）');
    expect(dry.out).toContain('组织：新增 23，变更 0，共 23 个');
    expect(dry.out).toContain('党员：新增 120，调整支部 0，离开 0');
    expect(dry.out).toContain('职务：新任 32，免去 0');
    expect(dry.out).toContain('平台账号：新绑定 120');
    expect(await app.db.prisma.member.count()).toBe(0);

    const real = await cli(orgCommand, ['import', filled]);
    expect(real.code).toBe(0);
    expect(real.out).toContain('已导入 组织与党员-已填.xlsx');
    expect(real.out).toContain('下一步：指定管理员');
    expect(await app.db.prisma.member.count({ where: { active: true } })).toBe(120);
    expect(await app.db.prisma.orgNode.count({ where: { kind: 'BRANCH' } })).toBe(6);
    expect(await app.db.prisma.orgNode.count({ where: { kind: 'UNIT' } })).toBe(2);

    const grant = await cli(adminCommand, ['grant', '100010', '--scope', 'U1']);
    expect(grant).toMatchObject({ code: 0 });
    expect(grant.out).toContain('（第一位管理员）');
    expect(await app.db.prisma.auditLog.count({ where: { action: 'admin.granted' } })).toBe(1);
  });

  it('an unbound group is told once how to bind; the administrator binds it with 绑定本群 and the card', async () => {
    const group = fake.group(1);
    const admin = fake.userId('100010');
    await fake.pushMessage(group, admin, '帮助');
    await sentTo(group.id, (s) => s.text.includes('本群还没有绑定支部'), 'the binding hint');
    await fake.pushMessage(group, admin, '帮助');
    await waitUntil('help twice', () => fake.sent.filter((s) => s.to === group.id && s.text.includes('使用说明')).length === 2 || undefined);
    expect(fake.sent.filter((s) => s.to === group.id && s.text.includes('本群还没有绑定支部'))).toHaveLength(1);

    // A plain member may not bind.
    await fake.pushMessage(group, fake.userId('100011'), '绑定本群 第1局第1党支部');
    await sentTo(group.id, (s) => s.text.includes('只有该支部的书记、组织委员或管理员才能绑定'), 'the refusal');

    await fake.pushMessage(group, admin, '绑定本群 第1局第1党支部');
    const card = await sentTo(group.id, (s) => s.text.includes('绑定本群') && s.buttons.some((b) => b.label === '确认绑定'), 'the confirm card');
    expect(card.text).toContain('第1局第1党支部（党支部，上级：第1局机关党委）');
    await fake.pushCardClick(admin, group, card, '确认绑定');
    await sentTo(group.id, (s) => s.text.includes('本群已绑定为 第1局第1党支部'), 'the binding confirmed');
    const chat = await app.db.prisma.chat.findFirstOrThrow({ where: { platform: 'LARK', platformChatId: group.id }, include: { orgNode: true } });
    expect(chat.orgNode?.code).toBe('U1-B1');
    expect(await app.db.prisma.auditLog.count({ where: { action: 'chat.bound' } })).toBe(1);

    await fake.pushMessage(group, fake.userId('100011'), '本群信息');
    await sentTo(group.id, (s) => s.text.includes('本群是 第1局第1党支部'), 'the chat info');
  });

  it("the secretary's notice reaches the group and members check in", async () => {
    const group = fake.group(1);
    const secretary = fake.userId('100001');
    await fake.pushMessage(group, secretary, '通知 主题党日 12月5日 14:30 三楼会议室 主题：学习贯彻四中全会精神');
    const notice = await sentTo(group.id, (s) => s.text.includes('会议通知') && s.buttons.some((b) => b.label === '签到'), 'the meeting notice card');
    const session = await app.db.prisma.meetingSession.findFirstOrThrow({ where: { topic: '学习贯彻四中全会精神' }, include: { _count: { select: { attendances: true } } } });
    expect(session._count.attendances).toBe(20);

    now = new Date('2026-12-05T14:10:00+08:00');
    for (const no of ['100003', '100004', '100005']) await fake.pushCardClick(fake.userId(no), group, notice, '签到');
    await waitUntil('three check-ins stored', async () => (await app.db.prisma.attendance.count({ where: { sessionId: session.id, status: 'PRESENT' } })) === 3 || undefined, 20_000);
    await waitUntil('the counter updated', () => notice.updates.some((u) => u.includes('已签到 3')) || fake.sent.some((s) => s.to === group.id && s.text.includes('已签到 3')) || undefined, 20_000);
  });

  it('keeps platform tenants apart: the same user id in two tenants is two members; an unknown tenant reads as the single-tenant rows', async () => {
    const p = app.db.prisma;
    // The Lark fake's events carry tenant_key "tk", which no stored row has: read as '' (what the steps above used).
    const stored = await p.inboundEvent.findFirstOrThrow({ where: { platform: 'LARK' }, orderBy: { receivedAt: 'asc' } });
    expect((stored.payload as { tenantKey: string }).tenantKey).toBe('tk');
    const id = async (no: string) => (await p.member.findFirstOrThrow({ where: { employeeNo: no } })).id;
    await p.platformIdentity.createMany({
      data: [
        { platform: 'LARK', tenantKey: 'tenantA', platformUserId: 'ou_same', memberId: await id('100002') }, // 组织委员 of U1-B1: manages it
        { platform: 'LARK', tenantKey: 'tenantB', platformUserId: 'ou_same', memberId: await id('100003') }, // 宣传委员: does not
      ],
    });
    const ask = async (tenantKey: string) => {
      const eventId = `tenant-${tenantKey}-${Date.now()}`;
      await app.core.handle({ kind: 'message', platform: 'LARK', tenantKey, eventId, chat: { kind: 'DIRECT', id: 'ou_same' }, user: { id: 'ou_same' }, text: '生成绑定码 党员100005' });
      return waitUntil(`the answer in ${tenantKey}`, async () => (await p.outboxMessage.findFirst({ where: { dedupeKey: `reply:LARK:${eventId}:0` }, select: { tenantKey: true, payload: true } })) ?? undefined);
    };
    const a = await ask('tenantA');
    expect(a.tenantKey).toBe('tenantA');
    expect(JSON.stringify(a.payload)).toContain('绑定码');
    const b = await ask('tenantB');
    expect(b.tenantKey).toBe('tenantB');
    expect(JSON.stringify(b.payload)).toContain('只有本支部的书记或组织委员才能');
    const unknown = await ask('tenantC');
    expect(unknown.tenantKey).toBe('');
    expect(JSON.stringify(unknown.payload)).toContain('您还没有绑定党员身份');
  });
});
