// Pictures and files that came with a record (记录 …, 组织生活会 <环节> …, 纪实照片) are kept: after the record's command, in its
// transaction, their download is queued (src/services/attachments.ts); it runs after the ack.
import type { Router } from '../router.js';
import { keepAttachments, type KeptAttachment } from '../../services/attachments.js';

/** Commands whose records take the message's pictures and files as evidence. */
const KEEPING = new Set(['obligations.record', 'orglife.step', 'meeting.minutes_files']);

export function registerAttachments(router: Router): void {
  router.afterMessage(async (ctx, command) => {
    if (!KEEPING.has(command) || ctx.inbound.kind !== 'message') return;
    const attachments = (ctx.inbound.attachments ?? []).filter((a): a is KeptAttachment & typeof a => a.kind === 'image' || a.kind === 'file');
    if (!attachments.length) return;
    const { platform, tenantKey, chat } = ctx.inbound;
    await keepAttachments(ctx.unit, { platform, tenantKey, chat: { id: chat.id, kind: chat.kind }, memberId: ctx.member?.id ?? null, attachments });
  });
}
