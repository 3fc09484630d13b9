// The obligation engine on the demo organ (PGlite): every item of the default list with a frequency
// yields obligations for its holders; meetings, check-ins and records meet them; quorum and lecturer
// rules; unknown meeting kinds refused at import.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceHarness } from '../helpers/services.js';
import { computeObligations } from '../../src/domain/obligations/engine.js';
import { periodRange } from '../../src/domain/life/period.js';
import { readDefaultList } from '../../src/domain/duties/list-file.js';

const sh = (local: string) => new Date(`${local}+08:00`);
let h: ServiceHarness;

beforeAll(async () => {
  h = await ServiceHarness.open();
});
afterAll(() => h?.close());

describe('the default list over the demo organ', () => {
  it('leaves no item with a frequency untracked', async () => {
    const ruled = readDefaultList().items.filter((i) => i.rule).map((i) => i.id).sort();
    expect(ruled).toHaveLength(33);
    const r = await computeObligations(h.db.prisma as never, { period: periodRange('year', 2026, 1), now: sh('2026-12-03T10:00') });
    expect(r.untracked).toEqual([]);
    expect([...new Set(r.obligations.map((o) => o.itemCode))].sort()).toEqual(ruled);
    const count = (code: string) => r.obligations.filter((o) => o.itemCode === code).length;
    expect(count('B-02')).toBe(3 * 12); // three branches, monthly
    expect(count('B-03')).toBe(6 * 12); // six 党小组
    expect(count('B-10')).toBe(30 * 12); // every member, monthly
    expect(count('O-02')).toBe(4 * 2); // each 机关党委委员 (书记, 副书记, 2 委员), half-yearly
    expect(count('P-03')).toBe(1);
    console.log(r.obligations.length);
  });
});

describe('list import', () => {
  it('refuses an item naming an unknown meeting kind, with its item and line', async () => {
    const { parseListYaml, ListFileError } = await import('../../src/domain/duties/list-file.js');
    const yaml = ['year: 2026', 'items:', '  - id: B-11', '    level: 党支部', '    post: 党员', '    content: 双报到', '    frequency: 每年不少于4次', '    rule: 每年不少于4次', '    meetingKind: foo', '    source: seed 001'].join('\n');
    let err: unknown;
    try {
      parseListYaml(yaml, '清单.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ListFileError);
    expect((err as InstanceType<typeof ListFileError>).problems).toEqual([expect.stringMatching(/^清单\.yaml：第 1 项（第 9 行）：meetingKind（会议类型）：未知的会议类型“foo”/)]);
    // The default list's 双报到 names a kind that now exists.
    expect(readDefaultList().items.find((i) => i.id === 'B-11')?.meetingKind).toBe('community_service');
  });
});
