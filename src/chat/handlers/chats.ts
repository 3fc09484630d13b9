// Binding a group chat to its branch (or 党小组, 机关党委): 绑定本群 <组织名称或编码> shows a confirm card,
// the click binds; 本群信息 says what the chat is bound to; 解绑本群 unbinds. An administrator of the
// node or whoever manages its branch may bind (src/services/chats.ts decides). An unbound group is told
// once how to bind it: when the bot is added (where the platform says so), else after the first
// message there that the bot answered.
import type { Router } from '../router.js';
import type { Context } from '../context.js';
import { say } from '../wording.js';
import { fail } from '../../services/kernel.js';
import { bindChat, bindTarget, chatBinding, firstSightOfUnboundGroup, unbindChat, type ChatRef } from '../../services/chats.js';
import { BIND_ACTION, BIND_TOKEN_TTL_SECONDS, bindConfirmCard, boundText } from '../presenters/chats.js';

const NAMES = { bind: 'chats.bind', info: 'chats.info', unbind: 'chats.unbind' } as const;

function here(ctx: Context): ChatRef {
  const i = ctx.inbound;
  if (i.chat.kind !== 'GROUP') fail('chat.group_only');
  return { platform: i.platform, tenantKey: i.tenantKey, platformChatId: i.chat.id, kind: 'GROUP', title: i.chat.title ?? null };
}

export function registerChats(router: Router): void {
  router
    .command(
      { name: NAMES.bind, keywords: ['绑定本群', '本群绑定'], args: /^(.+)$/, changes: true, help: 'manager', examples: ['绑定本群 第一党支部', '绑定本群：demo-branch-1'] },
      async (ctx, m) => {
        here(ctx);
        const node = await bindTarget(ctx.unit, { what: m[1] ?? '' });
        const token = ctx.tokens.sign({ action: BIND_ACTION, target: node.id, member: ctx.me.id }, BIND_TOKEN_TTL_SECONDS, ctx.now);
        ctx.reply({ kind: 'card', card: bindConfirmCard(node, token) });
      },
    )
    .command({ name: NAMES.info, keywords: ['本群信息', '本群绑定信息'], guard: 'anyone', help: 'member', examples: ['本群信息'] }, async (ctx) => {
      const node = await chatBinding(ctx.unit, { chat: here(ctx) });
      ctx.reply(node ? say('chat.info_bound', { what: boundText(node) }) : say('chat.info_unbound'));
    })
    .command({ name: NAMES.unbind, keywords: ['解绑本群', '解除本群绑定'], changes: true, help: 'manager', examples: ['解绑本群'] }, async (ctx) => {
      const node = await unbindChat(ctx.unit, { chat: here(ctx) });
      ctx.reply(say('chat.unbound', { what: boundText(node) }));
    })
    .action(BIND_ACTION, async (ctx, claims) => {
      const r = await bindChat(ctx.unit, { chat: here(ctx), nodeId: claims.target });
      const text = r.changed ? say('chat.bound', { what: boundText(r.node) }) : say('chat.already_bound', { what: boundText(r.node) });
      ctx.toast('success', text);
      ctx.reply(text);
    })
    // Added to a group: say hello, and in an unbound group how to bind it (only once: the first
    // message afterwards does not repeat it).
    .onJoin(async (ctx) => {
      const chat = here(ctx);
      const node = await chatBinding(ctx.unit, { chat });
      if (node) return ctx.reply(say('chat.joined_bound', { what: boundText(node) }));
      await firstSightOfUnboundGroup(ctx.unit, { chat });
      ctx.reply(say('chat.joined_unbound'));
    })
    .afterMessage(async (ctx, command) => {
      if (ctx.inbound.chat.kind !== 'GROUP' || Object.values(NAMES).includes(command as never)) return;
      if (await firstSightOfUnboundGroup(ctx.unit, { chat: here(ctx) })) ctx.reply(say('chat.unbound_hint'));
    });
}
