// Operator commands for delivery and task prompts (`npm run cli -- outbox …`, `… prompt …`). They
// change only the database: a running service or worker picks the rows up within 30 s (the outbox
// sweep), so they also work in the embedded mode while the service holds the queue.
import type { Database } from '../src/db/client.js';
import { type OutboxStatus, insertOutboxIds, listOutbox, revive, statuses } from '../src/outbox/store.js';
import { adhocBroadcast, deliveryReport } from './prompt.js';

export const JOBS_USAGE = `  npm run cli -- outbox list [--status DEAD] [--limit 50]
  npm run cli -- outbox retry <编号…> | --all-dead
  npm run cli -- prompt send --org <机关党委代码> <工作提示内容>
  npm run cli -- prompt report [<广播编号>]`;

const STATUSES: OutboxStatus[] = ['PENDING', 'SENDING', 'SENT', 'RETRY', 'DEAD', 'CANCELLED'];

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

export async function jobsCli(db: Database, command: string, args: string[]): Promise<string> {
  const p = db.prisma;
  const [sub, ...rest] = args;
  if (command === 'outbox' && sub === 'list') {
    const status = flag(rest, '--status')?.toUpperCase() as OutboxStatus | undefined;
    if (status && !STATUSES.includes(status)) throw new Error(`--status 应为 ${STATUSES.join('、')} 之一`);
    const limit = Number(flag(rest, '--limit') ?? 50);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new Error('--limit 应为 1–10000 的整数');
    const rows = await listOutbox(db.sql, status, limit);
    if (!rows.length) return status ? `没有状态为 ${status} 的待发消息。` : '发件箱是空的。';
    const lines = rows.map((r) => [r.id, r.status, r.platform, `${r.targetKind === 'GROUP' ? '群' : '人'}:${r.target}`, r.category, `尝试${r.attempts}次`, r.createdAt.toISOString(), r.lastError ?? ''].join('\t'));
    return `编号\t状态\t平台\t目标\t类别\t尝试\t创建时间\t最后错误\n${lines.join('\n')}\n共 ${rows.length} 条。`;
  }
  if (command === 'outbox' && sub === 'retry') {
    const all = rest.includes('--all-dead');
    const ids = rest.filter((a) => !a.startsWith('--'));
    if (!all && !ids.length) throw new Error('请给出要重发的编号，或使用 --all-dead 重发全部失败消息');
    if (ids.length) {
      const found = await statuses(db.sql, ids);
      const missing = ids.filter((id) => !found.has(id));
      if (missing.length) throw new Error(`找不到这些编号：${missing.join(', ')}`);
      const notDead = [...found].filter(([, status]) => status !== 'DEAD');
      if (notDead.length) throw new Error(`只能重发 DEAD 状态的消息：${notDead.map(([id, status]) => `${id}（${status}）`).join(', ')}`);
    }
    const marked = await revive(db.sql, all ? undefined : ids);
    return `已将 ${marked.length} 条消息放回发送队列，运行中的服务或 worker 会在 30 秒内重新发送。`;
  }
  if (command === 'prompt' && sub === 'send') {
    const code = flag(rest, '--org');
    const text = rest.filter((a, i) => a !== '--org' && rest[i - 1] !== '--org').join(' ').trim();
    if (!code || !text) throw new Error('用法：prompt send --org <机关党委代码> <工作提示内容>');
    const organ = await p.orgNode.findUnique({ where: { code }, select: { id: true, kind: true, name: true } });
    if (!organ || organ.kind !== 'ORGAN_COMMITTEE') throw new Error(`没有代码为「${code}」的机关党委`);
    const branches = await p.orgNode.findMany({ where: { parentId: organ.id, kind: 'BRANCH' }, select: { id: true } });
    const r = await p.$transaction(async (tx) => {
      const { broadcastId, messages } = await adhocBroadcast(tx, { text, orgNodeIds: branches.map((b) => b.id), createdById: null, periodKey: `cli:${Date.now()}` });
      if (!messages.length) throw new Error(`${organ.name}下还没有绑定支部群，工作提示没有发送`);
      await insertOutboxIds(tx, messages);
      await tx.auditLog.create({ data: { actorId: null, action: 'prompt.broadcast', entityType: 'PromptBroadcast', entityId: broadcastId, detail: { chats: messages.length, via: 'cli' } } });
      return { broadcastId, chats: messages.length };
    });
    return `已向 ${r.chats} 个支部群发送工作提示（广播编号 ${r.broadcastId}），30 秒内开始发送。查看送达情况：npm run cli -- prompt report ${r.broadcastId}`;
  }
  if (command === 'prompt' && sub === 'report') {
    const id = rest[0] ?? (await p.promptBroadcast.findFirst({ where: { prompt: { templateId: 'adhoc' } }, orderBy: { createdAt: 'desc' }, select: { id: true } }))?.id;
    if (!id) return '还没有发送过工作提示。';
    const b = await p.promptBroadcast.findUnique({ where: { id }, select: { text: true, createdAt: true } });
    if (!b) throw new Error(`找不到广播编号 ${id}`);
    const r = await deliveryReport(p, id);
    return `工作提示「${[...b.text].slice(0, 30).join('')}」（${b.createdAt.toISOString()}）：共 ${r.total} 个支部群，已送达 ${r.sent}，失败 ${r.failed}，发送中 ${r.pending}。`;
  }
  throw new Error(`未知命令。可用的命令：\n${JOBS_USAGE}`);
}
