// `npm run cli -- pledge …`: start a campaign (as the member named by --by), list campaigns, export a
// campaign's workbook (as the operator). A surface like the chat: it calls the pledge services and
// presents their results and coded errors with the bot's presenters; the invitation cards go to the
// outbox (sent when the service runs).
import fs from 'node:fs';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Database } from '../db/client.js';
import { findMember } from '../domain/org.js';
import { formatLocal } from '../domain/pledges/rules.js';
import { memberPrincipal, SYSTEM, type Principal } from '../access/principal.js';
import { DomainError, Unit } from '../services/kernel.js';
import { startCampaign } from '../services/pledges.js';
import { exportData, findCampaign, listCampaigns } from '../services/pledges-oversight.js';
import { buildPresenters, type Presenters } from '../chat/presenters/index.js';
import { STATUS_NAMES } from '../chat/presenters/pledges.js';
import { campaignWorkbook } from '../chat/presenters/pledge-workbook.js';
import { TokenSigner } from '../chat/token.js';
import { runUnit } from '../chat/effects.js';
import { loadConfig } from '../config.js';
import { appSecret } from '../secret.js';

export const PLEDGE_USAGE = `  npm run cli -- pledge start --by <书记工号> [--branch <支部代码>] <名称> 截止 <日期> [每人1-5条] [逾期标注] [每季度汇报] …
                                       发起承诺践诺（与聊天中「发起承诺」写法相同），向每位党员私信填写卡片
  npm run cli -- pledge list           列出承诺活动及提交情况
  npm run cli -- pledge export --campaign <活动ID或名称> --out <文件.xlsx>
                                       导出承诺活动明细表`;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

function positional(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i]!.startsWith('--')) i++;
    else out.push(args[i]!);
  }
  return out;
}

/** The signing secret the service uses (src/secret.ts): APP_SECRET, or the one it keeps in DATA_DIR; an error when there is none. */
export function serviceSecret(secret: string | undefined, dataDir: string): string {
  return appSecret({ appSecret: secret, dataDir }, { create: false, required: true });
}

/** `runUnit` (src/chat/effects.ts) with a refusal worded as it would be in the chat. */
async function run<T>(db: Database | PrismaClient, principal: Principal, now: Date, presenters: Presenters, fn: (unit: Unit) => Promise<T>): Promise<{ result: T; written: number }> {
  try {
    const { result, rows } = await runUnit(db, principal, now, presenters, fn);
    return { result, written: rows.length };
  } catch (e) {
    if (e instanceof DomainError) throw new Error(presenters.error(e));
    throw e;
  }
}

export async function pledgeCli(db: Database | PrismaClient, args: string[], env: { secret: () => string; publicUrl: string; timezone?: string; now?: Date }): Promise<string> {
  const [sub, ...rest] = args;
  const now = env.now ?? new Date();
  const prisma = 'transaction' in db ? db.prisma : db;
  const timezone = env.timezone ?? loadConfig().timezone;
  const presenters = (tokens: TokenSigner) => buildPresenters({ tokens, timezone, publicUrl: env.publicUrl });
  switch (sub) {
    case 'start': {
      const by = option(rest, 'by');
      if (!by) throw new Error('请用 --by 指明发起人（书记的工号），例如 --by m101');
      const starterRow = await prisma.member.findFirst({ where: { OR: [{ employeeNo: by }, { id: by }] }, select: { id: true } });
      const starter = starterRow ? await findMember(prisma, starterRow.id) : null;
      if (!starter) throw new Error(`没有工号为 ${by} 的党员`);
      const branchCode = option(rest, 'branch');
      const node = branchCode ? await prisma.orgNode.findUnique({ where: { code: branchCode }, select: { id: true } }) : { id: starter.branchId };
      if (!node) throw new Error(`没有代码为 ${branchCode} 的组织`);
      const { result: r, written } = await run(db, memberPrincipal(starter, 'cli'), now, presenters(new TokenSigner(env.secret())), (unit) =>
        startCampaign(unit, { nodeId: node.id, text: positional(rest).join(' '), tz: timezone }),
      );
      const lines = [`已发起「${r.campaign.name}」（ID ${r.campaign.id}），截止 ${formatLocal(r.campaign.deadline, timezone)}，应提交 ${r.asked} 人，已写入 ${written} 张私信填写卡片（服务运行时发送）。`];
      if (r.unreachable.length) lines.push(`未绑定、无法私信：${r.unreachable.join('、')}`);
      return lines.join('\n');
    }
    case 'list': {
      const { result: campaigns } = await run(db, SYSTEM, now, presenters(new TokenSigner('unused')), (unit) => listCampaigns(unit));
      if (!campaigns.length) return '还没有承诺活动。';
      return campaigns
        .map(({ campaign: c, tally: t }) => {
          const counts = (['SUBMITTED', 'APPROVED', 'RETURNED', 'DRAFT', 'WITHDRAWN'] as const).map((s) => `${STATUS_NAMES[s]} ${t.byStatus[s].length}`).join('，');
          return `${c.id}  ${c.name}  截止 ${formatLocal(c.deadline, timezone)}  应交 ${t.expected}：${counts}${c.closedAt ? '（已结束）' : ''}`;
        })
        .join('\n');
    }
    case 'export': {
      const id = option(rest, 'campaign');
      const out = option(rest, 'out');
      if (!id || !out) throw new Error('用法：npm run cli -- pledge export --campaign <活动ID或名称> --out 承诺.xlsx');
      const { result: data } = await run(db, SYSTEM, now, presenters(new TokenSigner('unused')), async (unit) => exportData(unit, { campaignId: (await findCampaign(unit, id)).id }));
      const file = await campaignWorkbook(data, timezone);
      fs.writeFileSync(out, file.buffer);
      return `已导出「${data.campaign.name}」明细表：${out}`;
    }
    default:
      throw new Error(`用法：\n${PLEDGE_USAGE}`);
  }
}
