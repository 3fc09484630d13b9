// The organisation and roster import on PGlite, from an empty database (no demo seed): the template filled
// in, the dry run, the import, an idempotent re-import, the re-import diff (moved, left, new, posts) with
// history kept and the leavers no longer expected, a workbook with errors, administrators and chat binding.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbedded, type Database } from '../../src/db/client.js';
import { Unit } from '../../src/services/kernel.js';
import { memberPrincipal, SYSTEM, can, viewableBranchIds, type Principal } from '../../src/access/index.js';
import { findMember } from '../../src/domain/org.js';
import { readRoster, RosterFileError } from '../../src/domain/roster/file.js';
import { writeRosterTemplate } from '../../src/domain/roster/template.js';
import { importRoster, type RosterDiff } from '../../src/services/org-import.js';
import { grantAdmin, revokeAdmin } from '../../src/services/admins.js';
import { bindChat, bindTarget, chatBinding, firstSightOfUnboundGroup, unbindChat } from '../../src/services/chats.js';
import { branchKinds, createNotice } from '../../src/services/meetings.js';
import { meetingReminderNotes } from '../../src/services/reminders.js';
import { installMeetingKinds } from '../../src/domain/norms.js';
import { fillTemplate, makeRoster, writeWorkbook, type RosterData } from '../helpers/roster.js';
import { formatDiff, meetingKindsCommand, orgCommand } from '../../src/cli/org.js';

let db: Database;
let dir: string;
const NOW = new Date('2026-11-20T10:00:00+08:00');
const START = new Date('2026-12-05T14:30:00+08:00');

async function run<T>(who: Principal, fn: (u: Unit) => Promise<T>, now = NOW): Promise<{ result: T; audits: Unit['audits'] }> {
  return db.transaction(async (scope) => {
    const unit = new Unit(scope, who, now);
    const result = await fn(unit);
    if (unit.audits.length) await scope.tx.auditLog.createMany({ data: unit.audits.map((a) => ({ ...a, actorId: unit.actorId })) });
    return { result, audits: unit.audits };
  });
}

async function workbook(name: string, data: RosterData): Promise<string> {
  const template = path.join(dir, 'template.xlsx');
  if (!fs.existsSync(template)) await writeRosterTemplate(template);
  const file = path.join(dir, name);
  await fillTemplate(template, file, data);
  return file;
}

const importFile = async (file: string, dryRun: boolean, who: Principal = SYSTEM, now = NOW): Promise<RosterDiff> =>
  (await run(who, async (u) => importRoster(u, { roster: await readRoster([file]), dryRun }), now)).result;
const member = async (no: string) => db.prisma.member.findFirstOrThrow({ where: { employeeNo: no }, include: { branch: true, posts: true } });
const principal = async (no: string) => memberPrincipal((await findMember(db.prisma as never, (await member(no)).id))!, 'cli');
const counts = (d: RosterDiff) => ({
  orgs: d.orgs.added.length,
  added: d.members.added.length,
  moved: d.members.moved.length,
  left: d.members.left.length,
  changed: d.members.changed.length,
  postsAdded: d.posts.added.length,
  postsRemoved: d.posts.removed.length,
});

const first = makeRoster({ units: 2, branches: 3, perBranch: 20, lark: true });

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zh13-roster-'));
  db = await openEmbedded('memory://');
  await db.migrate();
});
afterAll(async () => {
  await db?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('first import', () => {
  it('writes a template with instructions, the three sheets and drop-down lists', async () => {
    const file = path.join(dir, 'template-check.xlsx');
    await writeRosterTemplate(file);
    const ExcelJS = (await import('exceljs')).default;
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['填写说明', '组织', '党员', '平台账号', '选项']);
    expect(wb.getWorksheet('组织')!.getCell('C2').dataValidation).toMatchObject({ type: 'list', formulae: ['选项!$A$2:$A$6'] });
    expect(wb.getWorksheet('党员')!.getRow(1).values).toEqual([undefined, '工号', '姓名', '所在组织编码', '职务', '手机号', '状态']);
    // The example rows are a valid roster on their own.
    const r = await readRoster([file]);
    expect(r.members.map((m) => m.posts.map((p) => `${p.title}@${p.orgCode}`))).toEqual([['BRANCH_SECRETARY@U01-B01', 'ORGAN_COMMITTEE_MEMBER@U01-JG'], ['GROUP_LEADER@U01-B01-G1']]);
  });

  it('dry run: the diff, nothing written', async () => {
    const file = await workbook('first.xlsx', first);
    const d = await importFile(file, true);
    expect(counts(d)).toEqual({ orgs: 1 + 2 * 2 + 6 * 3, added: 120, moved: 0, left: 0, changed: 0, postsAdded: 6 * 5 + 2, postsRemoved: 0 });
    expect(d.accounts).toEqual({ added: 120, changed: 0, unchanged: 0 });
    expect(await db.prisma.orgNode.count()).toBe(0);
    expect(await db.prisma.member.count()).toBe(0);
  });

  it('imports, installs the norms, and a second import of the same file changes nothing', async () => {
    const file = path.join(dir, 'first.xlsx');
    const d = await importFile(file, false);
    expect(counts(d)).toEqual({ orgs: 23, added: 120, moved: 0, left: 0, changed: 0, postsAdded: 32, postsRemoved: 0 });
    expect(d.dutyLists).toBe(2);
    expect(await db.prisma.member.count({ where: { active: true } })).toBe(120);
    expect(await db.prisma.meetingKind.count()).toBeGreaterThanOrEqual(12);
    const secretary = await member('100001');
    expect(secretary.branch.code).toBe('U1-B1');
    expect(secretary.posts.map((p) => p.title).sort()).toEqual(['BRANCH_SECRETARY', 'ORGAN_SECRETARY']);
    expect(await db.prisma.platformIdentity.count({ where: { platform: 'LARK' } })).toBe(120);
    expect(await db.prisma.auditLog.count({ where: { action: 'post.added' } })).toBe(32);
    expect(await db.prisma.auditLog.count({ where: { action: 'roster.import' } })).toBe(1);

    const again = await importFile(file, false);
    expect(counts(again)).toEqual({ orgs: 0, added: 0, moved: 0, left: 0, changed: 0, postsAdded: 0, postsRemoved: 0 });
    expect(again.members.unchanged).toBe(120);
    expect(again.accounts).toEqual({ added: 0, changed: 0, unchanged: 120 });
  });
});

describe('re-import', () => {
  it('5 moved, 3 left, 2 new, posts changed: exactly that diff; history kept; leavers no longer expected', async () => {
    // A work chat and a notice for branch U1-B2, with everyone expected, before the change.
    const b2 = (await db.prisma.orgNode.findUniqueOrThrow({ where: { code: 'U1-B2' } })).id;
    await run(SYSTEM, (u) => bindChat(u, { chat: { platform: 'LARK', tenantKey: '', platformChatId: 'oc_b2' }, nodeId: b2 }));
    const sec2 = await principal('100021');
    const kinds = (await run(SYSTEM, (u) => branchKinds(u))).result;
    const kind = kinds.find((k) => k.code === 'theme_day')!;
    const notice = (await run(sec2, (u) => createNotice(u, { branchId: b2, draft: { kind, at: START, place: '三楼', topic: '学习', attendeeNames: [], groupName: null } }))).result;
    expect(notice.expected).toBe(20);

    const members = first.members.map((r) => [...r]);
    const byNo = (no: string) => members.find((r) => r[0] === no)!;
    // 5 plain members of U1-B2 move to U2-B3 (groups there).
    const movers = ['100027', '100028', '100029', '100030', '100031'];
    for (const no of movers) byNo(no)[2] = 'U2-B3-G1';
    // 3 members of U1-B2 leave: absent from the file.
    const leavers = ['100032', '100033', '100034'];
    const next = members.filter((r) => !leavers.includes(r[0]!));
    // 2 new members.
    next.push(['200001', '新党员甲', 'U1-B2-G1', '', '', ''], ['200002', '新党员乙', 'U1-B1', '', '', '']);
    // Posts: U1-B2's 宣传委员 (100023) gives it up, 100024 becomes 纪检委员.
    byNo('100023')[3] = '';
    byNo('100024')[3] = '纪检委员';
    const file = await workbook('second.xlsx', { ...first, members: next, accounts: first.accounts.filter((a) => !leavers.includes(a[0]!)) });

    const dry = await importFile(file, true);
    expect(counts(dry)).toEqual({ orgs: 0, added: 2, moved: 5, left: 3, changed: 0, postsAdded: 1, postsRemoved: 1 });
    expect(dry.members.moved.map((m) => `${m.employeeNo} ${m.from}→${m.to}`)).toEqual(movers.map((no) => `${no} 第1局第2党支部→第2局第3党支部`));
    expect(dry.members.left.map((m) => [m.employeeNo, m.reason])).toEqual(leavers.map((no) => [no, 'NOT_ON_ROSTER']));
    expect(dry.posts.added).toEqual([{ employeeNo: '100024', name: '党员100024', title: 'DISCIPLINE_MEMBER', at: '第1局第2党支部' }]);
    expect(dry.posts.removed).toEqual([{ employeeNo: '100023', name: '党员100023', title: 'PUBLICITY_MEMBER', at: '第1局第2党支部' }]);
    expect((await member('100032')).active).toBe(true);
    const printed = formatDiff(dry);
    expect(printed).toContain('党员：新增 2，调整支部 5，离开 3，恢复 0，信息变更 0，未变 112');
    expect(printed).toContain('职务：新任 1，免去 1');
    expect(printed).toContain('调整支部（5）：\n  党员100027（100027）：第1局第2党支部 → 第2局第3党支部');
    expect(printed).toContain('离开（3）：\n  党员100032（100032）：第二党小组（名单中没有）');
    expect(printed).toContain('免去职务（1）：\n  党员100023（100023）：第1局第2党支部 宣传委员');

    const later = new Date(NOW.getTime() + 3600_000);
    const d = await importFile(file, false, SYSTEM, later);
    expect(counts(d)).toEqual(counts(dry));
    // 5 movers and 3 leavers no longer expected at U1-B2's upcoming meeting.
    expect(d.withdrawn).toBe(8);
    const expected = await db.prisma.attendance.findMany({ where: { sessionId: notice.session.id }, select: { member: { select: { employeeNo: true } } } });
    expect(expected).toHaveLength(12);
    expect(expected.map((a) => a.member.employeeNo)).not.toContain('100032');
    // History kept: the same member rows (ids), leavers inactive with a reason, posts closed not deleted.
    const mover = await member('100027');
    expect(mover.branch.code).toBe('U2-B3');
    const leaver = await member('100032');
    expect(leaver).toMatchObject({ active: false, leftReason: 'NOT_ON_ROSTER', leftAt: later });
    expect((await member('100023')).posts).toEqual([expect.objectContaining({ title: 'PUBLICITY_MEMBER', until: later })]);
    expect(await db.prisma.auditLog.count({ where: { action: 'member.moved' } })).toBe(5);
    expect(await db.prisma.auditLog.count({ where: { action: 'member.left' } })).toBe(3);
    expect(await db.prisma.auditLog.count({ where: { action: 'post.removed' } })).toBe(1);
    // Nor are they reminded: the notice's first reminder goes to the 12 still expected (none has answered).
    const reminder = await db.prisma.reminder.findFirstOrThrow({ where: { sessionId: notice.session.id }, orderBy: { dueAt: 'asc' } });
    const notes = (await meetingReminderNotes(db.prisma as never, [reminder], reminder.dueAt)).get(reminder.id)!;
    const reminded = new Set(notes.map((n) => n.memberId).filter(Boolean));
    expect(reminded.size).toBe(12);
    for (const no of [...leavers, ...movers]) expect(reminded.has((await member(no)).id)).toBe(false);
    // A new notice does not expect the leavers.
    const again = (await run(sec2, (u) => createNotice(u, { branchId: b2, draft: { kind, at: new Date(START.getTime() + 86400_000), place: '三楼', topic: '再学习', attendeeNames: [], groupName: null } }), later)).result;
    expect(again.expected).toBe(20 - 5 - 3 + 1);

    // The same file again: nothing changes.
    const idem = await importFile(file, false, SYSTEM, later);
    expect(counts(idem)).toEqual({ orgs: 0, added: 0, moved: 0, left: 0, changed: 0, postsAdded: 0, postsRemoved: 0 });
  });

  it('a leaver who returns is active again with the same record; 转出 in the file marks them left', async () => {
    const members = first.members.map((r) => [...r]);
    members.find((r) => r[0] === '100040')![5] = '转出';
    const file = await workbook('third.xlsx', { ...first, members });
    const d = await importFile(file, false);
    expect(d.orgs.missing).toEqual([]);
    expect(d.members.rejoined.map((m) => m.employeeNo).sort()).toEqual(['100032', '100033', '100034']);
    expect(d.members.left.map((m) => [m.employeeNo, m.reason])).toEqual([
      ['100040', 'TRANSFERRED_OUT'],
      ['200001', 'NOT_ON_ROSTER'],
      ['200002', 'NOT_ON_ROSTER'],
    ]);
    expect(await member('100032')).toMatchObject({ active: true, leftAt: null, leftReason: null });
    expect(await member('100040')).toMatchObject({ active: false, leftReason: 'TRANSFERRED_OUT' });
  });
});

describe('a workbook with errors', () => {
  it('lists every problem with sheet, row and column, and writes nothing', async () => {
    const file = path.join(dir, 'bad.xlsx');
    await writeWorkbook(file, {
      组织: [
        ['组织编码', '组织名称', '组织类型', '上级组织编码'],
        ['X', '某局', '单位', ''],
        ['X', '某局重复', '单位', ''],
        ['X-B1', '一支部', '党支部', 'NOPE'],
        ['X-B2', '二支部', '支部', 'X'],
        ['C1', '甲', '党支部', 'C2'],
        ['C2', '乙', '党支部', 'C1'],
        ['X-B3', '三支部', '党支部', 'X'],
      ],
      党员: [
        ['工号', '姓名', '所在组织编码', '职务', '手机号', '状态'],
        ['1', '甲', 'X', '', '', ''],
        ['2', '乙', 'X-B3', '支部书记、书计', '123', '退休'],
        ['3', '丙', 'X-B3', '支部书记', '', ''],
        ['3', '丁', 'X-B3', '', '', ''],
        ['4', '戊', 'X-B3', '党小组长', '', ''],
      ],
      平台账号: [
        ['工号', '平台', '平台用户ID'],
        ['9', '飞书', 'ou_9'],
        ['3', 'QQ', 'u3'],
      ],
    });
    const before = await db.prisma.member.count();
    const e = await readRoster([file]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RosterFileError);
    expect((e as RosterFileError).problems).toEqual([
      'bad.xlsx「组织」第 3 行「组织编码」列：组织编码「X」重复（第 2 行已有）',
      'bad.xlsx「组织」第 5 行「组织类型」列：未知组织类型「支部」，应为 工委、单位、机关党委、党支部、党小组 之一',
      'bad.xlsx「组织」第 4 行「上级组织编码」列：上级组织编码「NOPE」在「组织」表中找不到',
      'bad.xlsx「组织」第 6 行「上级组织编码」列：上级关系形成循环（C1 → C2）',
      'bad.xlsx「组织」第 7 行「上级组织编码」列：上级关系形成循环（C2 → C1）',
      'bad.xlsx「党员」第 2 行「所在组织编码」列：党员只能编入党支部或党小组，「X」是单位',
      'bad.xlsx「党员」第 3 行「状态」列：未知状态「退休」，应为 正常、转出、停止党籍 之一，或留空（正常）',
      'bad.xlsx「党员」第 3 行「手机号」列：手机号「123」不是 11 位手机号',
      expect.stringMatching(/^bad\.xlsx「党员」第 3 行「职务」列：未知职务「书计」，可填：/),
      'bad.xlsx「党员」第 4 行「职务」列：三支部的「支部书记」只能一人担任，第 3 行的乙已担任',
      'bad.xlsx「党员」第 5 行「工号」列：工号「3」重复（第 4 行已有）',
      'bad.xlsx「党员」第 6 行「职务」列：「党小组长」须编入一个党小组（所在组织编码填党小组）',
      'bad.xlsx「平台账号」第 2 行「工号」列：工号「9」在「党员」表中找不到',
      'bad.xlsx「平台账号」第 3 行「平台」列：未知平台「QQ」，应为 飞书、钉钉、企业微信 之一',
    ]);
    expect(await db.prisma.member.count()).toBe(before);
  });

  it('the CLI prints the count, every problem and that nothing was written; exit code 1', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await orgCommand(['import', path.join(dir, 'bad.xlsx')], (f) => f(db.prisma as never), { log: (x) => out.push(x), error: (x) => err.push(x) });
    expect(code).toBe(1);
    expect(err[0]).toBe('名单有 14 处问题，没有写入任何数据：');
    expect(err).toContain('bad.xlsx「党员」第 5 行「工号」列：工号「3」重复（第 4 行已有）');
    expect(err.at(-1)).toBe('改正后再运行一次（可先加 --dry-run 检查）。');
    expect(out).toEqual([]);
  });

  it('names a missing sheet and missing columns', async () => {
    const file = path.join(dir, 'bad2.xlsx');
    await writeWorkbook(file, { 组织: [['组织编码', '名称']] });
    const e = (await readRoster([file]).catch((x: unknown) => x)) as RosterFileError;
    expect(e.problems).toEqual(['bad2.xlsx「组织」第 1 行：缺少「组织名称」列', 'bad2.xlsx「组织」第 1 行：缺少「组织类型」列', 'bad2.xlsx「组织」第 1 行：缺少「上级组织编码」列', 'bad2.xlsx：缺少「党员」工作表']);
  });

  it('reads CSV files named after their sheets', async () => {
    const orgs = path.join(dir, '组织.csv');
    const people = path.join(dir, '党员.csv');
    fs.writeFileSync(orgs, '组织编码,组织名称,组织类型,上级组织编码\nU9,某局,单位,\nU9-B1,一支部,党支部,U9\n');
    fs.writeFileSync(people, '工号,姓名,所在组织编码,职务\n900001,张三,U9-B1,支部书记\n');
    const r = await readRoster([orgs, people]);
    expect(r.members).toEqual([expect.objectContaining({ employeeNo: '900001', branchCode: 'U9-B1', posts: [{ title: 'BRANCH_SECRETARY', orgCode: 'U9-B1' }] })]);
  });
});

describe('administrators and chat binding', () => {
  it('the operator grants the first administrator; an administrator sees and binds in scope, not outside; revoked grants stop', async () => {
    const plain = await principal('100050'); // a plain member of U1-B3
    const u2b1 = (await db.prisma.orgNode.findUniqueOrThrow({ where: { code: 'U2-B1' } })).id;
    expect(await can(db.prisma as never, plain, 'branch.view', u2b1)).toBe(false);
    const g = await run(SYSTEM, (u) => grantAdmin(u, { employeeNo: '100050', scopeCode: 'U2' }));
    expect(g.result).toMatchObject({ created: true, first: true });
    expect(g.audits).toEqual([expect.objectContaining({ action: 'admin.granted' })]);
    const admin = await principal('100050');
    expect(await can(db.prisma as never, admin, 'branch.view', u2b1)).toBe(true);
    expect(await can(db.prisma as never, admin, 'branch.manage', u2b1)).toBe(false);
    expect((await viewableBranchIds(db.prisma as never, admin)).length).toBe(3);

    // Binding: the administrator in scope; a plain member and an administrator outside it are refused.
    const chat = { platform: 'LARK' as const, tenantKey: 't1', platformChatId: 'oc_u2b1' };
    expect(await run(SYSTEM, (u) => firstSightOfUnboundGroup(u, { chat }))).toMatchObject({ result: true });
    expect(await run(SYSTEM, (u) => firstSightOfUnboundGroup(u, { chat }))).toMatchObject({ result: false });
    await expect(run(await principal('100052'), (u) => bindTarget(u, { what: '第2局第1党支部' }))).rejects.toMatchObject({ code: 'chat.bind_not_allowed' });
    await expect(run(admin, (u) => bindTarget(u, { what: '第1局第1党支部' }))).rejects.toMatchObject({ code: 'chat.bind_not_allowed' });
    await expect(run(admin, (u) => bindTarget(u, { what: '党支部' }))).rejects.toMatchObject({ code: 'chat.bind_ambiguous' });
    const target = (await run(admin, (u) => bindTarget(u, { what: '第2局第1党支部' }))).result;
    const bound = await run(admin, (u) => bindChat(u, { chat, nodeId: target.id }));
    expect(bound.result).toMatchObject({ changed: true, node: { code: 'U2-B1', parentName: '第2局机关党委' } });
    expect(bound.audits).toEqual([expect.objectContaining({ action: 'chat.bound' })]);
    expect((await run(plain, (u) => chatBinding(u, { chat }))).result?.code).toBe('U2-B1');
    // Same id, other tenant: another chat, not bound.
    expect((await run(plain, (u) => chatBinding(u, { chat: { ...chat, tenantKey: 't2' } }))).result).toBeNull();
    // The branch secretary may unbind their branch's chat.
    const sec = await principal('100061');
    expect((await run(sec, (u) => unbindChat(u, { chat }))).result.code).toBe('U2-B1');

    // A second grant by the administrator within scope is audited; outside it is refused; revoke ends it.
    const second = await run(admin, (u) => grantAdmin(u, { employeeNo: '100051', scopeCode: 'U2-B1' }));
    expect(second.result).toMatchObject({ created: true, first: false });
    await expect(run(admin, (u) => grantAdmin(u, { employeeNo: '100051', scopeCode: 'U1' }))).rejects.toMatchObject({ code: 'errors.not_allowed' });
    await run(SYSTEM, (u) => revokeAdmin(u, { employeeNo: '100050', scopeCode: 'U2' }));
    expect(await can(db.prisma as never, await principal('100050'), 'branch.view', u2b1)).toBe(false);
    expect(await db.prisma.administrator.count()).toBe(2);
  });

  it('an org node the file no longer lists is reported and kept', async () => {
    const file = await workbook('fewer-orgs.xlsx', { ...first, orgs: first.orgs.filter((o) => o[0] !== 'U2-B3-G2'), members: first.members.map((m) => (m[2] === 'U2-B3-G2' ? [m[0]!, m[1]!, 'U2-B3-G1', '', ...m.slice(4)] : m)) });
    const d = await importFile(file, true);
    expect(d.orgs.missing).toEqual([{ code: 'U2-B3-G2', name: '第二党小组', kind: 'GROUP' }]);
    expect(formatDiff(d)).toContain('名单中没有的组织（保留，未删除）（1）：\n  第二党小组（U2-B3-G2，党小组）');
  });

  it('an administrator of the top may re-import; a plain member may not', async () => {
    await run(SYSTEM, (u) => grantAdmin(u, { employeeNo: '100002', scopeCode: 'WC' }));
    const file = path.join(dir, 'third.xlsx');
    expect(counts(await importFile(file, true, await principal('100002')))).toMatchObject({ added: 0, moved: 0 });
    await expect(importFile(file, true, await principal('100003'))).rejects.toMatchObject({ code: 'errors.not_allowed' });
  });
});

describe('meeting kinds', () => {
  const cliRun = async (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await meetingKindsCommand(args, (f) => f(db.prisma as never), { log: (x) => out.push(x), error: (x) => err.push(x) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('are listed and an organ changes a rule and the words its secretaries type; audited; bad input refused', async () => {
    expect((await cliRun(['list'])).out).toContain('branch_committee  支部委员会会议（三会一课）  每月1次');
    const set = await cliRun(['set', 'party_lecture', '--rule', '每半年1次', '--aliases', '上党课、讲党课、微党课']);
    expect(set).toMatchObject({ code: 0 });
    expect(set.out).toContain('已修改 party_lecture  党课  每半年1次  也可写作：上党课、讲党课、微党课');
    expect(await db.prisma.meetingKind.findUniqueOrThrow({ where: { code: 'party_lecture' } })).toMatchObject({ frequency: { period: 'half', atLeast: 1 }, aliases: ['上党课', '讲党课', '微党课'] });
    expect(await db.prisma.auditLog.count({ where: { action: 'meeting_kind.updated' } })).toBe(1);
    expect((await cliRun(['set', 'party_lecture', '--rule', '每半年1次'])).out).toContain('没有变化');
    expect(await cliRun(['set', 'party_lecture', '--rule', '偶尔'])).toMatchObject({ code: 1, err: expect.stringContaining('周期规则应写成') });
    expect(await cliRun(['set', 'no_such', '--name', 'x'])).toMatchObject({ code: 1, err: expect.stringContaining('没有会议类型 no_such') });
    // The next start installs only what is missing: the organ's change stays.
    await db.transaction(async (scope) => installMeetingKinds(scope.tx));
    expect((await db.prisma.meetingKind.findUniqueOrThrow({ where: { code: 'party_lecture' } })).frequency).toEqual({ period: 'half', atLeast: 1 });
  });
});
