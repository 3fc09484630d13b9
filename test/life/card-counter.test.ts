// A meeting card's counter never misses a check-in committed around its rendering (real PostgreSQL,
// several connections). A check-in's refresh ask that finds its window's refresh already written
// holds that row until it commits, so delivery claims the refresh only after it, and the rendering
// counts it; an ask after the claim writes a new refresh. Without that, the ask folded into the
// refresh being rendered and the card stayed one behind until somebody else clicked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceHarness } from '../helpers/services.js';
import { branchKinds, createNotice } from '../../src/services/meetings.js';
import { attendanceCountsOf, bumpForCards, checkInFor } from '../../src/domain/life/sessions.js';
import { cardRefreshes, claimCardRefreshes, insertOutbox } from '../../src/outbox/store.js';

let h: ServiceHarness;
beforeAll(async () => {
  h = await ServiceHarness.openPostgres();
});
afterAll(() => h?.close());

describe('a meeting card rendered while members check in', () => {
  it('is claimed after the check-ins that asked for it, and a later ask gets a refresh of its own', async () => {
    const p = h.db.prisma;
    const secretary = await h.member('m101');
    const branchId = (await p.orgNode.findUniqueOrThrow({ where: { code: 'demo-branch-1' } })).id;
    const noticeAt = new Date('2026-11-20T10:00:00+08:00');
    const kind = (await h.run(secretary, noticeAt, (u) => branchKinds(u))).result.find((k) => k.code === 'theme_day')!;
    const draft = { kind, at: new Date('2026-12-05T14:30:00+08:00'), place: '三楼会议室', topic: '计数', attendeeNames: [], groupName: null };
    const { session } = (await h.run(secretary, noticeAt, (u) => createNotice(u, { branchId, draft }))).result;
    const member = async (code: string) => (await p.member.findFirstOrThrow({ where: { employeeNo: code } })).id;
    const origin = { platform: 'CONSOLE' as const, tenantKey: '', target: 'branch-1', targetKind: 'GROUP' as const };
    // A window that has ended: its refresh is due.
    const window = new Date(Date.now() - 5000);
    const ask = () => cardRefreshes([{ card: 'meeting', id: session.id }], origin, window);
    const checkIn = (memberId: string) => checkInFor(h.db.sql, [{ sessionId: session.id, memberId }], new Date('2026-12-05T14:10:00+08:00'));

    // An earlier click asked for the refresh.
    await h.db.transaction(async ({ sql }) => {
      await checkInFor(sql, [{ sessionId: session.id, memberId: await member('m102') }], new Date('2026-12-05T14:10:00+08:00'));
      expect(await insertOutbox(sql, ask())).toHaveLength(1);
    });

    // A second click asks again, in a transaction still open when delivery claims the window.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let asked!: () => void;
    const afterAsk = new Promise<void>((r) => (asked = r));
    const m103 = await member('m103');
    const click = h.db.transaction(async ({ sql }) => {
      await checkInFor(sql, [{ sessionId: session.id, memberId: m103 }], new Date('2026-12-05T14:10:00+08:00'));
      expect(await insertOutbox(sql, ask())).toEqual([]); // folded into the one already written
      asked();
      await held; // the click's batch is still running its other handlers
    });
    await afterAsk;
    let claimed = false;
    const claim = claimCardRefreshes(h.db.sql, 500).then((rows) => ((claimed = true), rows));
    await new Promise((r) => setTimeout(r, 300));
    expect(claimed).toBe(false);
    release();
    await click;
    expect((await claim).map((r) => r.payload)).toMatchObject([{ card: 'meeting', id: session.id }]);
    // The rendering after the claim counts both.
    const counts = await h.db.transaction(async ({ sql }) => {
      await bumpForCards(sql, [session.id]);
      return attendanceCountsOf(sql, [session.id]);
    });
    expect(counts.get(session.id)).toMatchObject({ present: 2 });

    // A click after the claim, in the same window, gets a refresh of its own.
    await checkIn(await member('m104'));
    expect(await insertOutbox(h.db.sql, ask())).toHaveLength(1);
    expect(await claimCardRefreshes(h.db.sql, 500)).toHaveLength(1);
  });
});
