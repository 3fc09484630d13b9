// The access module: abilities as scopes over the org tree, checked on the demo organ.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allows, can, chatSubject, managedBranchIds, pathOf, viewableBranchIds } from '../../src/access/index.js';
import { ServiceHarness } from '../helpers/services.js';

let h: ServiceHarness;
const node = async (code: string) => (await h.db.prisma.orgNode.findUniqueOrThrow({ where: { code } })).id;

beforeAll(async () => {
  h = await ServiceHarness.open();
});
afterAll(() => h?.close());

describe('access', () => {
  it('lets a branch secretary manage their branch only, and the organ secretary every branch under the 机关党委', async () => {
    const tx = h.db.prisma as never;
    const [b1, b2] = [await node('demo-branch-1'), await node('demo-branch-2')];
    const sec2 = await h.member('m201');
    const organSec = await h.member('m101');
    const member = await h.member('m103');
    expect(await can(tx, sec2, 'branch.manage', b2)).toBe(true);
    expect(await can(tx, sec2, 'branch.manage', b1)).toBe(false);
    expect(await can(tx, organSec, 'branch.manage', b2)).toBe(true);
    expect(await can(tx, member, 'branch.manage', b1)).toBe(false);
    expect(await can(tx, member, 'member', null)).toBe(true);
    expect((await managedBranchIds(tx, organSec)).length).toBe(3);
    expect(await managedBranchIds(tx, sec2)).toEqual([b2]);
  });

  it('gives a 工委 post a view of every branch under its units, but no management', async () => {
    const tx = h.db.prisma as never;
    const wc = await node('demo-committee');
    const b3 = await node('demo-branch-3');
    const m = (await h.member('m305')) as { kind: 'member'; member: { posts: Array<{ title: string; orgNodeId: string }>; active: boolean } };
    const wcStaff = { ...m, member: { ...m.member, posts: [{ title: 'WORK_COMMITTEE_MEMBER', orgNodeId: wc }] } } as never;
    expect(await can(tx, wcStaff, 'branch.view', b3)).toBe(true);
    expect(await can(tx, wcStaff, 'branch.manage', b3)).toBe(false);
    expect((await viewableBranchIds(tx, wcStaff)).length).toBe(3);
    expect(allows(m.member as never, 'branch.view', await pathOf(tx, b3))).toBe(false);
  });

  it('refuses guests and inactive members everything, and lets the system do anything', async () => {
    const tx = h.db.prisma as never;
    const b1 = await node('demo-branch-1');
    expect(await can(tx, { kind: 'guest' }, 'member', null)).toBe(false);
    expect(await can(tx, h.system, 'branch.manage', b1)).toBe(true);
    const sec = (await h.member('m101')) as { kind: 'member'; member: object };
    expect(await can(tx, { ...sec, member: { ...sec.member, active: false } } as never, 'branch.manage', b1)).toBe(false);
  });

  it('reads which branch a chat is about: its bound branch, a 党小组 chat its branch, else the member’s own', async () => {
    const tx = h.db.prisma as never;
    const m = (await h.member('m203')) as unknown as { kind: 'member'; member: never };
    const b1 = await node('demo-branch-1');
    expect(await chatSubject(tx, { platform: 'CONSOLE', tenantKey: '', id: 'branch-1', kind: 'GROUP' }, m.member)).toEqual({ id: b1, kind: 'BRANCH' });
    expect((await chatSubject(tx, { platform: 'CONSOLE', tenantKey: '', id: 'm203', kind: 'DIRECT' }, m.member))?.id).toBe(await node('demo-branch-2'));
    expect(await chatSubject(tx, { platform: 'CONSOLE', tenantKey: '', id: 'nowhere', kind: 'GROUP' }, null)).toBeNull();
  });
});
