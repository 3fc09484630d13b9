// The console page's reads (src/platforms/console/routes.ts ConsoleQueries): who can be picked,
// which group chats exist, and a chat's history from the inbound events and the outbox.
import type { Database } from '../db/client.js';
import { POST_NAMES } from '../domain/org.js';
import type { ConsoleQueries } from '../platforms/console/routes.js';

export function consoleQueries(db: Database): ConsoleQueries {
  const p = db.prisma;
  return {
    async directory() {
      const identities = await p.platformIdentity.findMany({
        where: { platform: 'CONSOLE' },
        select: { platformUserId: true, memberId: true, member: { select: { name: true, branch: { select: { name: true } }, posts: { select: { title: true } } } } },
        orderBy: { platformUserId: 'asc' },
      });
      const chats = await p.chat.findMany({
        where: { platform: 'CONSOLE', kind: 'GROUP' },
        select: { platformChatId: true, title: true, orgNode: { select: { name: true } } },
        orderBy: { platformChatId: 'asc' },
      });
      return {
        members: identities.map((i) => ({ id: i.platformUserId, memberId: i.memberId, name: i.member.name, branch: i.member.branch.name, posts: i.member.posts.map((post) => POST_NAMES[post.title]) })),
        chats: chats.map((c) => ({ id: c.platformChatId, title: c.title ?? c.platformChatId, org: c.orgNode?.name ?? null })),
      };
    },
    async memberName(userId) {
      const identity = await p.platformIdentity.findUnique({
        where: { platform_tenantKey_platformUserId: { platform: 'CONSOLE', tenantKey: '', platformUserId: userId } },
        select: { member: { select: { name: true } } },
      });
      return identity?.member.name;
    },
    async history(chatKind, chatId) {
      const [said, sent] = await Promise.all([
        p.inboundEvent.findMany({
          where: { platform: 'CONSOLE', AND: [{ payload: { path: ['chat', 'id'], equals: chatId } }, { payload: { path: ['kind'], equals: 'message' } }, { payload: { path: ['chat', 'kind'], equals: chatKind } }] },
          orderBy: { receivedAt: 'desc' },
          take: 100,
          select: { eventId: true, payload: true, receivedAt: true },
        }),
        p.outboxMessage.findMany({
          where: { platform: 'CONSOLE', targetKind: chatKind, target: chatId, status: 'SENT' },
          orderBy: { createdAt: 'desc' },
          take: 300,
          select: { id: true, dedupeKey: true, payload: true, platformMessageId: true, sentAt: true, createdAt: true },
        }),
      ]);
      return { said, sent };
    },
  };
}
