// `npm run cli -- pledge …`: start a campaign, list campaigns, export a campaign's workbook.
import fs from 'node:fs';
import path from 'node:path';
import type { PrismaClient } from '../../generated/prisma/client.js';
import { TokenSigner } from '../../chat/token.js';
import { writeOutbox } from '../../chat/core.js';
import { say } from '../../chat/wording.js';
import { findMember } from '../org.js';
import { parseCampaignCommand, formatLocal, STATUS_NAMES } from './rules.js';
import { tallyCampaign } from './service.js';
import { campaignWorkbook } from './export.js';
import { startCampaign } from '../../chat/handlers/pledge-cards.js';

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

/** The signing secret the service uses: APP_SECRET, or the one it keeps in DATA_DIR. */
export function serviceSecret(appSecret: string | undefined, dataDir: string): string {
  if (appSecret) return appSecret;
  const file = path.join(dataDir, 'app-secret');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  throw new Error('找不到签名密钥：请设置 APP_SECRET，或先启动一次服务（会在 DATA_DIR 中生成 app-secret）。');
}

async function findCampaign(prisma: PrismaClient, idOrName: string) {
  const byId = await prisma.pledgeCampaign.findUnique({ where: { id: idOrName } });
  if (byId) return byId;
  const byName = await prisma.pledgeCampaign.findMany({ where: { name: { contains: idOrName } }, orderBy: { createdAt: 'desc' } });
  if (!byName.length) throw new Error(`没有找到承诺活动「${idOrName}」`);
  if (byName.length > 1) throw new Error(`有 ${byName.length} 个活动名称包含「${idOrName}」，请改用活动ID（pledge list 可查看）：${byName.map((c) => c.id).join(', ')}`);
  return byName[0]!;
}

export async function pledgeCli(prisma: PrismaClient, args: string[], env: { secret: () => string; publicUrl: string; now?: Date }): Promise<string> {
  const [sub, ...rest] = args;
  const now = env.now ?? new Date();
  switch (sub) {
    case 'start': {
      const by = option(rest, 'by');
      if (!by) throw new Error('请用 --by 指明发起人（书记的工号），例如 --by m101');
      const starterRow = await prisma.member.findFirst({ where: { OR: [{ employeeNo: by }, { id: by }] }, select: { id: true, branchId: true } });
      const starter = starterRow ? await findMember(prisma, starterRow.id) : null;
      if (!starter) throw new Error(`没有工号为 ${by} 的党员`);
      const branchCode = option(rest, 'branch');
      const branch = branchCode ? await prisma.orgNode.findUnique({ where: { code: branchCode }, select: { id: true } }) : { id: starter.branchId };
      if (!branch) throw new Error(`没有代码为 ${branchCode} 的组织`);
      const spec = parseCampaignCommand(positional(rest).join(' '), now);
      if (!spec.ok) throw new Error(say(spec.key, spec.vars ?? {}));
      const tokens = new TokenSigner(env.secret());
      const r = await prisma.$transaction(async (tx) => {
        const started = await startCampaign(tx, spec.value, starter, branch.id, { tokens, publicUrl: env.publicUrl, now });
        await writeOutbox(tx, started.outbound);
        await tx.auditLog.create({ data: { actorId: starter.id, action: 'pledge.campaign_start', entityType: 'PledgeCampaign', entityId: started.campaign.id, detail: { asked: started.asked, via: 'cli' } } });
        return started;
      });
      const lines = [
        `已发起「${r.campaign.name}」（ID ${r.campaign.id}），截止 ${formatLocal(r.campaign.deadline)}，应提交 ${r.asked} 人，已写入 ${r.outbound.length} 张私信填写卡片（服务运行时发送）。`,
      ];
      if (r.unreachable.length) lines.push(`未绑定、无法私信：${r.unreachable.join('、')}`);
      return lines.join('\n');
    }
    case 'list': {
      const campaigns = await prisma.pledgeCampaign.findMany({ orderBy: { createdAt: 'desc' }, take: 50 });
      if (!campaigns.length) return '还没有承诺活动。';
      const lines: string[] = [];
      for (const c of campaigns) {
        const t = await tallyCampaign(prisma as unknown as Parameters<typeof tallyCampaign>[0], c.id);
        const counts = (['SUBMITTED', 'APPROVED', 'RETURNED', 'DRAFT', 'WITHDRAWN'] as const).map((s) => `${STATUS_NAMES[s]} ${t.byStatus[s].length}`).join('，');
        lines.push(`${c.id}  ${c.name}  截止 ${formatLocal(c.deadline)}  应交 ${t.expected}：${counts}${c.closedAt ? '（已结束）' : ''}`);
      }
      return lines.join('\n');
    }
    case 'export': {
      const id = option(rest, 'campaign');
      const out = option(rest, 'out');
      if (!id || !out) throw new Error('用法：npm run cli -- pledge export --campaign <活动ID或名称> --out 承诺.xlsx');
      const c = await findCampaign(prisma, id);
      const file = await campaignWorkbook(prisma, c.id);
      fs.writeFileSync(out, file.buffer);
      return `已导出「${c.name}」明细表：${out}`;
    }
    default:
      throw new Error(`用法：\n${PLEDGE_USAGE}`);
  }
}
