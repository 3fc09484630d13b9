// Attachments kept with records on the embedded database (PGlite), through the Lark adapter against
// its fake: the picture ends in StoredFile by its SHA-256, a dump of the database (what backups
// are) holds it, and a key the platform no longer serves ends the download with a Chinese reply
// while the record keeps its text.
import crypto from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { startDemoOn } from '../helpers/app.js';
import { bindDemoMembers } from './conformance.js';
import { LarkFake } from './fakes/lark.js';
import { waitUntil } from './fakes/common.js';

let app: App;
let fake: LarkFake;

beforeAll(async () => {
  fake = await LarkFake.start({ mode: 'ws' });
  ({ app } = await startDemoOn('pglite', { clock: () => new Date('2026-11-20T10:00:00+08:00') }, { ...fake.env(), ATTACHMENT_MAX_BYTES: String(64 * 1024) }));
  await fake.attach(app);
  await bindDemoMembers(app, fake);
}, 120_000);
afterAll(async () => {
  await app?.stop();
  await fake?.close();
});

const due = async () => {
  await app.db.prisma.attachmentFetch.updateMany({ where: { status: 'PENDING' }, data: { nextAt: new Date(0) } });
  return app.jobs.attachments.run();
};

describe('attachments on PGlite', () => {
  it('stores a picture sent with 记录 in the database, and a dump of it (the backup) holds the bytes', async () => {
    const u = fake.userId('m106');
    const picture = Buffer.concat([Buffer.from('ffd8ffe0', 'hex'), crypto.randomBytes(2000)]);
    const sha = crypto.createHash('sha256').update(picture).digest('hex');
    await fake.pushWithPicture(fake.direct(u), u, '记录 党费 11月党费已交', picture);
    const record = await waitUntil('the record', () => app.db.prisma.dutyRecord.findFirst({ where: { text: '11月党费已交' } }).then((r) => r ?? undefined));
    await waitUntil('the picture stored', async () => (await due(), (await app.db.prisma.attachmentFetch.findFirst({ where: { sha256: sha, status: 'STORED' } })) ?? undefined));
    const after = await app.db.prisma.dutyRecord.findUniqueOrThrow({ where: { id: record.id } });
    expect(after.evidence).toEqual([{ kind: 'image', url: `file:${sha}`, sha256: sha, size: picture.length }]);

    const copy = await PGlite.create({ loadDataDir: await app.db.dump!() });
    try {
      const rows = await copy.query<{ size: number; mime: string; bytes: Uint8Array }>(`SELECT size, mime, bytes FROM "StoredFile" WHERE sha256 = $1`, [sha]);
      expect(rows.rows).toHaveLength(1);
      expect(rows.rows[0]!.mime).toBe('image/png'); // Lark's Content-Type for type=image (the fake's)
      expect(Buffer.from(rows.rows[0]!.bytes).equals(picture)).toBe(true);
    } finally {
      await copy.close();
    }
  }, 60_000);

  it('gives up a key the platform no longer serves (234003) with a reply, and the record keeps its text', async () => {
    const u = fake.userId('m107');
    const before = fake.downloads.refused;
    await fake.pushWithPicture(fake.direct(u), u, '记录 党费 图片已撤回', crypto.randomBytes(500));
    const record = await waitUntil('the record', () => app.db.prisma.dutyRecord.findFirst({ where: { text: '图片已撤回' } }).then((r) => r ?? undefined));
    fake.forgetResources();
    const handle = (record.evidence as Array<{ url: string }>)[0]!.url;
    const row = await waitUntil('the download given up', async () => (await due(), (await app.db.prisma.attachmentFetch.findFirst({ where: { handle, status: 'GONE' } })) ?? undefined));
    expect(row.attempts).toBe(1); // not retried: the platform said the key is not in the message
    expect(row.lastError).toContain('234003');
    expect(fake.downloads.refused).toBe(before + 1);
    await waitUntil('the reply', () => fake.sent.find((s) => s.to === u && s.text.startsWith('图片没能从平台取回')));
    const after = await app.db.prisma.dutyRecord.findUniqueOrThrow({ where: { id: record.id } });
    expect(after.text).toBe('图片已撤回');
    expect(after.evidence).toEqual([{ kind: 'image', url: handle, unavailable: 'gone' }]);
  }, 60_000);
});
