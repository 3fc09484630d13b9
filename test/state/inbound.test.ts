// Stored inbound event ids are purged after the retention period (longer than every platform's
// redelivery window), a batch at a time; newer ones stay and still dedupe.
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { INBOUND_RETENTION_DAYS, purgeInbound } from '../../src/state/inbound.js';
import { freshPostgres } from '../helpers/env.js';

const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c().catch(() => {});
});

describe('inbound event retention', () => {
  it('deletes events older than the retention and keeps the rest', async () => {
    const pg = await freshPostgres();
    closers.push(pg.drop);
    const db = await openDatabase({ databaseUrl: pg.url, dataDir: 'unused' });
    closers.push(() => db.close());
    const day = 86_400_000;
    const at = (daysAgo: number) => new Date(Date.now() - daysAgo * day);
    const rows = [
      ...Array.from({ length: 25 }, (_, i) => ({ platform: 'LARK' as const, eventId: `old-${i}`, payload: {}, receivedAt: at(INBOUND_RETENTION_DAYS + 1) })),
      { platform: 'WECOM' as const, eventId: 'recent', payload: {}, receivedAt: at(INBOUND_RETENTION_DAYS - 1) },
      { platform: 'DINGTALK' as const, eventId: 'today', payload: {}, receivedAt: at(0) },
    ];
    await db.prisma.inboundEvent.createMany({ data: rows });
    expect(INBOUND_RETENTION_DAYS).toBeGreaterThanOrEqual(8); // > Lark's 7.1 h redelivery span and recover()'s 7 days
    const gone = await purgeInbound(db.sql, at(INBOUND_RETENTION_DAYS), 10);
    expect(gone).toBe(25);
    expect((await db.prisma.inboundEvent.findMany({ select: { eventId: true }, orderBy: { eventId: 'asc' } })).map((r) => r.eventId)).toEqual(['recent', 'today']);
  });
});
