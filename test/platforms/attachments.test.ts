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

  it('adds pictures sent with 纪实照片 to the latest meeting\'s minutes, keeps them when the form is saved again, and shows them on the record page', async () => {
    const p = app.db.prisma;
    const u = fake.userId('m101'); // branch 1's secretary
    const group = fake.group(1);
    const picture = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), crypto.randomBytes(1500)]);
    const sha = crypto.createHash('sha256').update(picture).digest('hex');
    const [kind, branch, secretary] = await Promise.all([
      p.meetingKind.findUniqueOrThrow({ where: { code: 'theme_day' } }),
      p.orgNode.findUniqueOrThrow({ where: { code: 'demo-branch-1' } }),
      p.member.findFirstOrThrow({ where: { employeeNo: 'm101' } }),
    ]);
    const startsAt = new Date('2026-11-18T14:30:00+08:00');
    const s = await p.meetingSession.create({ data: { kindId: kind.id, orgNodeId: branch.id, topic: '学习党章', startsAt, checkinOpensAt: startsAt, checkinClosesAt: new Date(startsAt.getTime() + 7_200_000), createdById: secretary.id, status: 'HELD' } });

    // Before the minutes exist the photos have nowhere to go; without a picture nothing is added.
    await fake.pushWithPicture(group, u, '纪实照片 主题党日', picture);
    await waitUntil('asked to write the minutes first', () => fake.sent.find((m) => m.to === group.id && m.text.includes('还没有填写纪实')));
    await p.minutes.create({ data: { sessionId: s.id, summary: '学习党章第一章', recordedById: secretary.id, attachments: [{ title: '学习材料', url: 'https://example.com/a.pdf' }] } });
    await fake.pushMessage(group, u, '纪实照片');
    await waitUntil('told to send the picture with it', () => fake.sent.find((m) => m.to === group.id && m.text.includes('没有收到照片或文件')));

    await fake.pushWithPicture(group, u, '纪实照片 主题党日', picture);
    await waitUntil('the photo added', () => fake.sent.find((m) => m.to === group.id && m.text.includes('已把 1 个照片或文件加入')));
    await waitUntil('the photo stored', async () => (await due(), (await p.attachmentFetch.findFirst({ where: { sha256: sha, status: 'STORED' } })) ?? undefined));
    const kept = { title: '附件2', url: `file:${sha}`, kind: 'image', sha256: sha, size: picture.length };
    expect((await p.minutes.findUniqueOrThrow({ where: { sessionId: s.id } })).attachments).toEqual([{ title: '学习材料', url: 'https://example.com/a.pdf' }, kept]);
    expect(await p.auditLog.count({ where: { action: 'meeting.minutes_files', entityId: s.id } })).toBe(1);

    // The form shows only the typed links; saving it again keeps the photo.
    const { minutesFields } = await import('../../src/chat/presenters/life.js');
    const { saveMinutes, minutesOf } = await import('../../src/services/minutes.js');
    const { Unit } = await import('../../src/services/kernel.js');
    const { memberPrincipal } = await import('../../src/access/principal.js');
    const { findMember } = await import('../../src/domain/org.js');
    const who = memberPrincipal((await findMember(p as never, secretary.id))!, 'chat');
    const now = new Date('2026-11-20T11:00:00+08:00');
    const before = await app.db.transaction((scope) => minutesOf(new Unit(scope, who, now), { sessionId: s.id }));
    expect(minutesFields(before.minutes).find((f) => f.name === 'attachments')?.value).toBe('学习材料 https://example.com/a.pdf');
    await app.db.transaction((scope) => saveMinutes(new Unit(scope, who, now), { sessionId: s.id, summary: '学习党章第一章、第二章', attachments: '学习材料 https://example.com/b.pdf', untitled: (n) => `附件${n}` }));
    expect((await p.minutes.findUniqueOrThrow({ where: { sessionId: s.id } })).attachments).toEqual([{ title: '学习材料', url: 'https://example.com/b.pdf' }, kept]);

    // The printable record shows the picture through a link bound to the viewer.
    const { meetingRecord } = await import('../../src/services/ledger.js');
    const { recordPage } = await import('../../src/web/ledger-files.js');
    const r = await app.db.transaction((scope) => meetingRecord(new Unit(scope, who, now), { sessionId: s.id }));
    const html = recordPage(r.branch.name, r.meeting, 'Asia/Shanghai', (h) => `/files/attachment?t=for-${h}`);
    expect(html).toContain(`<img src="/files/attachment?t=for-${sha}" alt="附件2">`);
    expect(html).toContain('<a href="https://example.com/b.pdf">学习材料</a>');
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
