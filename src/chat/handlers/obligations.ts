// 记录 <事项> <内容>: a record that meets a non-meeting item of the responsibility list (党费, 委员述职,
// 专题研究 …), with links in the text and pictures or files sent with the message as evidence. The
// rules are src/services/obligations.ts; meeting items are met by holding the meeting.
import type { Router } from '../router.js';
import type { Context } from '../context.js';
import { DEFAULT_TZ } from '../../domain/life/time.js';
import { recordDuty, type Evidence } from '../../services/obligations.js';
import { attachmentHandle } from '../../services/attachments.js';
import { recordedText } from '../presenters/obligations.js';

/** Pictures and files that came with the message, as evidence: the platform's handle until stored (handlers/attachments.ts). */
export function attachmentsOf(ctx: Context): Evidence[] {
  const inbound = ctx.inbound as { platform: string; attachments?: Array<{ kind: string; key: string; name?: string }> };
  return (inbound.attachments ?? [])
    .filter((a) => a.kind === 'image' || a.kind === 'file')
    .map((a) => ({ kind: a.kind as 'image' | 'file', url: attachmentHandle(inbound.platform, a.key), title: a.name }));
}

export function registerObligations(router: Router, deps: { timezone?: string } = {}): void {
  const timezone = deps.timezone ?? DEFAULT_TZ;
  router.command(
    {
      name: 'obligations.record',
      keywords: ['记录'],
      args: /^(\S+)\s*([\s\S]*)$/,
      changes: true,
      help: 'member',
      examples: ['记录 党费 10月党费已交', '记录 O-02 上半年述职已完成 https://example.com/report'],
    },
    async (ctx, m) => {
      const subject = await ctx.subject();
      const r = await recordDuty(ctx.unit, { item: m[1] ?? '', text: m[2] ?? '', attachments: attachmentsOf(ctx), subjectId: subject.id, timezone });
      ctx.reply(recordedText(r));
    },
  );
}
