// Meetings at every level, on PGlite and PostgreSQL: the 机关党委's 书记 notices a 机关党委委员会议 from the
// 机关党委's chat; its 委员 are expected; three of four checking in meets O-01 for the quarter. A branch
// secretary may not notice it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceHarness } from '../helpers/services.js';
import { branchKinds, createNotice } from '../../src/services/meetings.js';
import { parseNotice } from '../../src/domain/life/notice.js';
import { computeObligations } from '../../src/domain/obligations/engine.js';
import { periodRange } from '../../src/domain/life/period.js';
import type { DomainError, NotifyIntent } from '../../src/services/kernel.js';

const sh = (local: string) => new Date(`${local}+08:00`);
const TZ = 'Asia/Shanghai';

describe.each(['pglite', 'postgres'] as const)('meetings of the 机关党委 on %s', (backend) => {
  let h: ServiceHarness;
  beforeAll(async () => {
    h = await ServiceHarness.on(backend);
  });
  afterAll(() => h?.close());

  it('are noticed from its chat, expect its 委员, and meet O-01 once held', async () => {
    const p = h.db.prisma;
    const organ = await p.orgNode.findUniqueOrThrow({ where: { code: 'demo-organ' } });
    const now = sh('2026-11-05T10:00');
    const notice = async (code: string, text: string) => {
      const principal = await h.member(code);
      return h.run(principal, now, async (u) => {
        const kinds = await branchKinds(u, { kind: 'ORGAN_COMMITTEE' });
        const parsed = parseNotice(text, kinds, now, TZ);
        if (!parsed.ok) throw new Error(parsed.problem);
        return createNotice(u, { branchId: organ.id, draft: parsed.draft, origin: { platform: 'CONSOLE', tenantKey: '', chat: { id: 'unit', kind: 'GROUP' } } });
      });
    };
    // In the 机关党委's chat, its own kinds are offered, not the branches'.
    const kinds = (await h.run(h.system, now, (u) => branchKinds(u, { kind: 'ORGAN_COMMITTEE' }))).result.map((k) => k.code).sort();
    expect(kinds).toEqual(['center_group_study', 'integrity_education', 'organ_committee', 'thought_analysis']);

    const refused = await notice('m201', '机关党委委员会议 11月12日 14:30 三楼会议室 主题：研究党建工作').catch((e: DomainError) => e);
    expect((refused as DomainError).code).toBe('errors.not_allowed');

    const { result, intents } = await notice('m101', '机关党委委员会议 11月12日 14:30 三楼会议室 主题：研究党建工作');
    expect(result.postedHere).toBe(true);
    expect(result.expected).toBe(4); // 书记, 专职副书记, two 委员
    expect(result.session.orgNode.id).toBe(organ.id);
    expect(intents.some((i) => i.type === 'notify' && 'chat' in (i as NotifyIntent).to)).toBe(true);

    // Three of the four check in; the meeting took place, so O-01 is met for Q4.
    const rows = await p.attendance.findMany({ where: { sessionId: result.session.id }, orderBy: { memberId: 'asc' } });
    for (const a of rows.slice(0, 3)) await p.attendance.update({ where: { id: a.id }, data: { status: 'PRESENT', checkedInAt: sh('2026-11-12T14:20') } });
    const r = await computeObligations(p as never, { rootId: organ.id, period: periodRange('quarter', 2026, 4), now: sh('2026-11-20T10:00'), itemCodes: ['O-01'] });
    expect(r.obligations).toHaveLength(1);
    expect(r.obligations[0]).toMatchObject({ status: 'done', met: 1, metBy: [expect.objectContaining({ kind: 'meeting', what: '机关党委委员会议', topic: '研究党建工作' })] });
  });
});
