// 工作提示: a 机关党委 post (书记, 专职副书记, 委员) sends a prompt to every branch chat under their
// 机关党委, and asks how far it got (sent, failed, pending). The rules are src/services/prompts.ts.
import type { Router } from '../router.js';
import { say } from '../wording.js';
import { promptReport, sendPrompt } from '../../services/prompts.js';
import { reportText } from '../presenters/prompts.js';

export function registerPrompts(router: Router): void {
  router.command(
    { name: 'prompts.report', keywords: ['工作提示情况', '工作提示送达情况'], guard: 'organ.any', help: 'organ', examples: ['工作提示情况'] },
    async (ctx) => {
      const r = await promptReport(ctx.unit);
      ctx.reply(r ? reportText(r.text, r.counts) : say('prompts.report_none'));
    },
  );

  router.command(
    {
      name: 'prompts.send',
      keywords: ['工作提示'],
      args: /^([\s\S]*)$/,
      // Written on at once (工作提示请各支部…), a prompt is a sentence, not a short reply (工作提示收到).
      attached: /^([\s\S]{8,})$/,
      guard: 'organ.any',
      changes: true,
      help: 'organ',
      examples: ['工作提示 请各支部于本周五前报送主题党日计划', '工作提示：请于月底前完成党费收缴'],
    },
    async (ctx, m) => {
      const { chats } = await sendPrompt(ctx.unit, { text: m[1] ?? '', ref: `${ctx.inbound.platform}:${ctx.inbound.eventId}` });
      ctx.reply(say('prompts.sent', { count: chats }));
    },
  );
}
