// Group commit: batching while a write is in flight, bounded concurrency, and one bad item not
// failing the others in its batch.
import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../src/util/group-commit.js';

describe('GroupCommit', () => {
  it('writes the first item at once and the ones that arrive meanwhile together', async () => {
    const batches: number[][] = [];
    const g = new GroupCommit(async (items: number[]) => {
      batches.push(items);
      await new Promise((r) => setTimeout(r, 20));
      return items.map((i) => i * 2);
    });
    const out = await Promise.all([1, 2, 3, 4].map((i) => g.push(i)));
    expect(out).toEqual([2, 4, 6, 8]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('runs at most `concurrency` batches at a time, each at most `maxBatch` items', async () => {
    let active = 0;
    let peak = 0;
    const sizes: number[] = [];
    const g = new GroupCommit(
      async (items: number[]) => {
        peak = Math.max(peak, ++active);
        sizes.push(items.length);
        await new Promise((r) => setTimeout(r, 10));
        active--;
        return items;
      },
      { maxBatch: 3, concurrency: 2 },
    );
    await Promise.all(Array.from({ length: 20 }, (_, i) => g.push(i)));
    expect(peak).toBe(2);
    expect(Math.max(...sizes)).toBe(3);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(20);
  });

  it('fails only the bad item of a batch', async () => {
    const g = new GroupCommit(async (items: string[]) => {
      await new Promise((r) => setTimeout(r, 5));
      if (items.includes('bad')) throw new Error('refused');
      return items.map((s) => s.toUpperCase());
    });
    const results = await Promise.allSettled(['a', 'b', 'bad', 'c'].map((s) => g.push(s)));
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual(['A', 'B', 'refused', 'C']);
  });
});
