// Identity services on PGlite, with no chat layer: binding codes are issued by a manager of the branch
// only, used once, expire, and bind a guest's account; a wrong code changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/services/kernel.js';
import { bindWithCode, BINDING_CODE_TTL_HOURS, hashCode, importIdentities, issueBindingCode } from '../../src/services/identity.js';
import { ServiceHarness } from '../helpers/services.js';

let h: ServiceHarness;
const NOW = new Date('2026-12-02T02:00:00Z');
const GUEST = { kind: 'guest' } as const;
const account = (id: string) => ({ platform: 'LARK' as const, tenantKey: '', platformUserId: id, displayName: id });
const branch = async (code: string) => (await h.db.prisma.orgNode.findUniqueOrThrow({ where: { code } })).id;
const refusal = (p: Promise<unknown>) => p.then(() => 'no refusal', (e: unknown) => (e instanceof DomainError ? e.code : String(e)));

beforeAll(async () => {
  h = await ServiceHarness.open();
});
afterAll(() => h?.close());

describe('binding codes', () => {
  it('lets a branch manager issue a code that a guest redeems once, binding the account to the member', async () => {
    const b3 = await branch('demo-branch-3');
    const issued = await h.run(await h.member('m301'), NOW, (u) => issueBindingCode(u, { branchId: b3, who: '谢鹏' }));
    const { code, member, hours } = issued.result;
    expect(member.name).toBe('谢鹏');
    expect(hours).toBe(BINDING_CODE_TTL_HOURS);
    expect(code).toMatch(/^[A-Z2-9]{8}$/);
    expect(issued.audits).toEqual([expect.objectContaining({ action: 'identity.issue_code', entityId: member.id })]);
    const stored = await h.db.prisma.bindingCode.findFirstOrThrow({ where: { memberId: member.id } });
    expect(stored.codeHash).toBe(hashCode(code)); // only the hash is kept
    expect(stored.expiresAt.getTime() - NOW.getTime()).toBe(BINDING_CODE_TTL_HOURS * 3600_000);

    const bound = await h.run(GUEST, new Date(NOW.getTime() + 3600_000), (u) => bindWithCode(u, { account: account('ou_x1'), code: ` ${code.toLowerCase()} ` }));
    expect(bound.result.member.id).toBe(member.id);
    expect(bound.audits).toEqual([expect.objectContaining({ action: 'identity.bind', entityId: member.id })]);
    expect(await h.db.prisma.platformIdentity.findFirst({ where: { platform: 'LARK', platformUserId: 'ou_x1' } })).toMatchObject({ memberId: member.id });

    // Used up: a second account cannot bind with it.
    expect(await refusal(h.run(GUEST, new Date(NOW.getTime() + 7200_000), (u) => bindWithCode(u, { account: account('ou_x2'), code })))).toBe('binding.bad_code');
    expect(await h.db.prisma.platformIdentity.count({ where: { platformUserId: 'ou_x2' } })).toBe(0);
  });

  it('refuses an expired code and a wrong code, and changes nothing', async () => {
    const b1 = await branch('demo-branch-1');
    const { code } = (await h.run(await h.member('m102'), NOW, (u) => issueBindingCode(u, { branchId: b1, who: 'm108' }))).result; // the 组织委员, by 工号
    const late = new Date(NOW.getTime() + (BINDING_CODE_TTL_HOURS * 3600 + 1) * 1000);
    expect(await refusal(h.run(GUEST, late, (u) => bindWithCode(u, { account: account('ou_late'), code })))).toBe('binding.bad_code');
    expect(await refusal(h.run(GUEST, NOW, (u) => bindWithCode(u, { account: account('ou_wrong'), code: 'ZZZZZZZZ' })))).toBe('binding.bad_code');
    expect(await refusal(h.run(GUEST, NOW, (u) => bindWithCode(u, { account: account('ou_empty'), code: ' ' })))).toBe('binding.code_missing');
    expect(await h.db.prisma.platformIdentity.count({ where: { platformUserId: { in: ['ou_late', 'ou_wrong', 'ou_empty'] } } })).toBe(0);
    expect((await h.db.prisma.bindingCode.findFirstOrThrow({ where: { codeHash: hashCode(code) } })).usedAt).toBeNull();
  });

  it('tells a bound member they are bound already', async () => {
    expect(await refusal(h.run(await h.member('m103'), NOW, (u) => bindWithCode(u, { account: account('ou_m103'), code: 'ABCDEFGH' })))).toBe('binding.already');
  });

  it('refuses a code from a plain member, from another branch’s secretary, and for a name not in the branch', async () => {
    const [b1, b2] = [await branch('demo-branch-1'), await branch('demo-branch-2')];
    const before = await h.db.prisma.bindingCode.count();
    expect(await refusal(h.run(await h.member('m108'), NOW, (u) => issueBindingCode(u, { branchId: b1, who: '周涛' })))).toBe('errors.not_allowed');
    expect(await refusal(h.run(await h.member('m201'), NOW, (u) => issueBindingCode(u, { branchId: b1, who: '周涛' })))).toBe('errors.not_allowed');
    expect(await refusal(h.run(await h.member('m201'), NOW, (u) => issueBindingCode(u, { branchId: b2, who: '周涛' })))).toBe('binding.issue_no_member');
    expect(await refusal(h.run(await h.member('m201'), NOW, (u) => issueBindingCode(u, { branchId: b2, who: '' })))).toBe('binding.issue_usage');
    expect(await refusal(h.run(h.system, NOW, (u) => issueBindingCode(u, { branchId: b2, who: '孙婷' })))).toBe('errors.internal'); // a code needs a person who issued it
    expect(await h.db.prisma.bindingCode.count()).toBe(before);
    // The 机关党委 secretary manages every branch under it.
    expect((await h.run(await h.member('m101'), NOW, (u) => issueBindingCode(u, { branchId: b2, who: '孙婷' }))).result.member.name).toBe('孙婷');
  });
});

describe('identity import', () => {
  it('binds rows as the system, and as a member only for branches they manage', async () => {
    const m = async (no: string) => (await h.db.prisma.member.findFirstOrThrow({ where: { employeeNo: no } })).id;
    const row = async (line: number, id: string, no: string) => ({ line, platform: 'DINGTALK' as const, tenantKey: 'corp', platformUserId: id, memberId: await m(no) });
    const rows = [await row(2, 'd-1', 'm104'), await row(3, 'd-2', 'm205')];
    expect(await refusal(h.run(await h.member('m102'), NOW, (u) => importIdentities(u, { rows, file: 'a.csv' })))).toBe('errors.not_allowed');
    const r = await h.run(h.system, NOW, (u) => importIdentities(u, { rows, file: 'a.csv' }));
    expect(r.result).toEqual({ bound: 2, unchanged: 0 });
    expect(r.audits.map((a) => a.action)).toEqual(['identity.import', 'identity.import']);
    expect((await h.run(await h.member('m102'), NOW, (u) => importIdentities(u, { rows: rows.slice(0, 1), file: 'b.csv' }))).result).toEqual({ bound: 0, unchanged: 1 });
  });
});
