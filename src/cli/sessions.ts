// `npm run cli -- sessions list | revoke --id <会话> | --member <工号> | --all`: the 驾驶舱's browser
// sessions (src/services/web-sessions.ts), as the operator (the system). Revoking also voids unopened links.
import type { PrismaClient } from '../generated/prisma/client.js';
import { SYSTEM } from '../access/index.js';
import { optionOf } from './options.js';
import { memberByEmployeeNo } from '../services/org.js';
import { listSessions, revokeSessions } from '../services/web-sessions.js';
import { runService } from '../services/run.js';

export const SESSIONS_USAGE = `  npm run cli -- sessions list                     列出驾驶舱的有效登录会话
  npm run cli -- sessions revoke --id <会话ID> | --member <工号> | --all
                                       注销驾驶舱登录会话（含尚未使用的登录链接）`;

/** Returns the process exit code. */
export async function sessionsCommand(
  args: string[],
  withPrisma: <T>(fn: (prisma: PrismaClient) => Promise<T>) => Promise<T>,
  out: { log(s: string): void; error(s: string): void } = console,
  now = new Date(),
): Promise<number> {
  const opt = optionOf(args);
  const [sub] = args;
  return withPrisma(async (prisma) => {
    if (sub === 'list') {
      const { result: rows } = await runService(prisma, SYSTEM, now, (u) => listSessions(u));
      for (const r of rows) out.log(`${r.id}  ${r.name}  登录于 ${r.openedAt?.toISOString() ?? '—'}  有效至 ${r.expiresAt?.toISOString() ?? '—'}`);
      out.log(`共 ${rows.length} 个有效会话`);
      return 0;
    }
    if (sub === 'revoke') {
      const id = opt('id');
      const no = opt('member');
      const all = args.includes('--all');
      if (!id && !no && !all) {
        out.error(`用法：\n${SESSIONS_USAGE}`);
        return 1;
      }
      let memberId: string | undefined;
      if (no) {
        const m = await memberByEmployeeNo(prisma, no);
        if (!m) {
          out.error(`找不到工号为 ${no} 的党员`);
          return 1;
        }
        memberId = m.id;
      }
      const { result: n } = await runService(prisma, SYSTEM, now, (u) => revokeSessions(u, { sessionId: id, memberId, all }));
      out.log(`已注销 ${n} 个会话`);
      return 0;
    }
    out.error(`用法：\n${SESSIONS_USAGE}`);
    return 1;
  });
}
