// Operator commands for a real organ: `org template|import`, `admin grant|revoke|list`, `chat list|bind|unbind`.
// The roster file is read and checked by src/domain/roster/file.ts; the services (org-import, admins, chats)
// decide and write, as the system or as the member named by --by <工号>. Each command's output says what
// to do next (README "Deploying for a real organ").
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Platform } from '../generated/prisma/enums.js';
import { memberPrincipal, SYSTEM, type Principal } from '../access/index.js';
import { DomainError } from '../services/kernel.js';
import { runService } from '../services/run.js';
import { memberByEmployeeNo } from '../services/org.js';
import { importRoster, type ImportStep, type MemberLine, type PostLine, type RosterDiff } from '../services/org-import.js';
import { grantAdmin, listAdmins, revokeAdmin } from '../services/admins.js';
import { bindChat, bindTarget, listChats, unbindChat } from '../services/chats.js';
import { bindDirectoryMatches, membersToMatch } from '../services/directory.js';
import { listMeetingKinds, updateMeetingKind } from '../services/meeting-kinds.js';
import { formatPeriodRule, parsePeriodRule, PERIOD_RULE_HINT, splitKeywords } from '../domain/duties/list-file.js';
import type { Directory } from '../platforms/directory.js';
import { readRoster, RosterFileError, ORG_KIND_NAMES, STATUS_NAMES, PLATFORM_NAMES } from '../domain/roster/file.js';
import { writeRosterTemplate } from '../domain/roster/template.js';
import { POST_NAMES } from '../domain/org.js';

export const ORG_USAGE = `  npm run cli -- org template --out 组织与党员.xlsx
                                       生成组织与党员导入模板（含填写说明和下拉选项）
  npm run cli -- org import <组织与党员.xlsx | 组织.csv 党员.csv [平台账号.csv]> [--dry-run] [--by <工号>]
                                       导入组织和党员名单：先全部检查，有错误时逐条列出（工作表、行、列）且不写入；
                                       --dry-run 只列出将发生的变化（新增、调整支部、离开、职务增减）
  npm run cli -- admin grant <工号> --scope <组织编码> [--by <工号>]
  npm run cli -- admin revoke <工号> --scope <组织编码> [--by <工号>]
  npm run cli -- admin list            管理员：可导入名单、绑定工作群、查看范围内全部支部
  npm run cli -- chat list
  npm run cli -- chat bind <飞书|钉钉|企业微信> <群ID> <组织编码> [--tenant <企业ID>] [--title <群名>]
  npm run cli -- chat unbind <飞书|钉钉|企业微信> <群ID> [--tenant <企业ID>]
                                       查看、绑定、解绑工作群（群里也可以由管理员或支部书记发「绑定本群 支部名称」）
  npm run cli -- meeting-kinds list
  npm run cli -- meeting-kinds set <代码> [--name 名称] [--rule 每季度至少1次] [--aliases 支委会、支部委员会]
                                       查看或修改本单位跟踪的会议类型及其频次（修改留审计记录）
  npm run cli -- directory match <飞书|钉钉|企业微信> [--tenant <企业ID>] [--dry-run]
                                       按手机号在平台通讯录中查找党员账号并绑定，列出没有找到的党员`;

type Out = { log(s: string): void; error(s: string): void };
type WithPrisma = <T>(fn: (prisma: PrismaClient) => Promise<T>) => Promise<T>;

const STEP_NAMES: Record<ImportStep, string> = { orgs: '组织', members: '党员', posts: '职务', accounts: '平台账号' };
const REASONS: Record<string, string> = { TRANSFERRED_OUT: STATUS_NAMES.TRANSFERRED_OUT, SUSPENDED: STATUS_NAMES.SUSPENDED, NOT_ON_ROSTER: '名单中没有' };
const FIELDS: Record<string, string> = { name: '姓名', mobile: '手机号', group: '党小组', status: '状态', kind: '类型', parent: '上级组织' };
const PLATFORMS: Record<string, Platform> = { 飞书: 'LARK', lark: 'LARK', 钉钉: 'DINGTALK', dingtalk: 'DINGTALK', 企业微信: 'WECOM', wecom: 'WECOM', console: 'CONSOLE', 控制台: 'CONSOLE' };
/** Lines listed per section; the rest is counted. */
const SHOWN = 50;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

/** Positional arguments: those not starting with -- and not the value of a valued option. */
function positional(args: string[], valued: string[]): string[] {
  return args.filter((a, i) => !a.startsWith('--') && !valued.includes(args[i - 1] ?? ''));
}

async function principalFor(prisma: PrismaClient, byNo: string | undefined): Promise<Principal> {
  if (!byNo) return SYSTEM;
  const member = await memberByEmployeeNo(prisma, byNo);
  if (!member) throw new RosterFileError([`找不到工号为 ${byNo} 的党员`]);
  return memberPrincipal(member, 'cli');
}

function section<T>(title: string, rows: T[], fmt: (r: T) => string): string[] {
  if (!rows.length) return [];
  const lines = [`${title}（${rows.length}）：`, ...rows.slice(0, SHOWN).map((r) => `  ${fmt(r)}`)];
  if (rows.length > SHOWN) lines.push(`  ……另 ${rows.length - SHOWN} 条`);
  return lines;
}

const who = (m: MemberLine | PostLine) => `${m.name}（${m.employeeNo}）`;

/** The diff as the operator reads it (dry run and real import alike). */
export function formatDiff(d: RosterDiff): string {
  const m = d.members;
  const lines = [
    d.dryRun ? `检查通过，没有发现错误。导入后将有以下变化（--dry-run 未写入）：` : `已导入 ${d.file}：`,
    `组织：新增 ${d.orgs.added.length}，变更 ${d.orgs.changed.length}，共 ${d.orgs.total} 个`,
    `党员：新增 ${m.added.length}，调整支部 ${m.moved.length}，离开 ${m.left.length}，恢复 ${m.rejoined.length}，信息变更 ${m.changed.length}，未变 ${m.unchanged}`,
    `职务：新任 ${d.posts.added.length}，免去 ${d.posts.removed.length}`,
    `平台账号：新绑定 ${d.accounts.added}，改绑 ${d.accounts.changed}，未变 ${d.accounts.unchanged}`,
    ...section('新增组织', d.orgs.added, (o) => `${o.name}（${o.code}，${ORG_KIND_NAMES[o.kind]}）`),
    ...section('变更组织', d.orgs.changed, (o) => `${o.name}（${o.code}）：${(o.changes ?? []).map((c) => FIELDS[c] ?? c).join('、')}`),
    ...section('名单中没有的组织（保留，未删除）', d.orgs.missing, (o) => `${o.name}（${o.code}，${ORG_KIND_NAMES[o.kind]}）`),
    ...section('新增党员', m.added, (x) => `${who(x)} → ${x.to}`),
    ...section('调整支部', m.moved, (x) => `${who(x)}：${x.from} → ${x.to}`),
    ...section('离开', m.left, (x) => `${who(x)}：${x.from}（${REASONS[x.reason ?? ''] ?? x.reason}）`),
    ...section('恢复', m.rejoined, (x) => `${who(x)} → ${x.to}`),
    ...section('信息变更', m.changed, (x) => `${who(x)}：${(x.changes ?? []).map((c) => FIELDS[c] ?? c).join('、')}`),
    ...section('新任职务', d.posts.added, (p) => `${who(p)}：${p.at} ${POST_NAMES[p.title]}`),
    ...section('免去职务', d.posts.removed, (p) => `${who(p)}：${p.at} ${POST_NAMES[p.title]}`),
  ];
  if (!d.dryRun) {
    if (d.withdrawn) lines.push(`离开或调整支部的党员已从 ${d.withdrawn} 个尚未开始的会议应到名单中移出。`);
    if (d.dutyLists) lines.push(`已为 ${d.dutyLists} 个单位装入默认三级责任清单（可用 import-duties 换成本单位的版本）。`);
  }
  lines.push(
    d.dryRun
      ? '下一步：确认无误后去掉 --dry-run 再运行一次，正式导入。'
      : '下一步：指定管理员 npm run cli -- admin grant <工号> --scope <组织编码>；再在各支部工作群里发「绑定本群 支部名称」。',
  );
  return lines.join('\n');
}

export async function orgCommand(args: string[], withPrisma: WithPrisma, out: Out = console): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'template') {
    const file = option(rest, 'out');
    if (!file) return (out.error('用法：npm run cli -- org template --out 组织与党员.xlsx'), 1);
    await writeRosterTemplate(file);
    out.log(`已生成模板 ${file}：请在「组织」「党员」（及可选的「平台账号」）表中填写，填写说明见第一个工作表。\n下一步：npm run cli -- org import ${file} --dry-run`);
    return 0;
  }
  if (sub === 'import') {
    const files = positional(rest, ['--by']);
    if (!files.length) return (out.error('用法：npm run cli -- org import 组织与党员.xlsx [--dry-run] [--by 工号]'), 1);
    const dryRun = rest.includes('--dry-run');
    try {
      const roster = await readRoster(files);
      let last = 0;
      const onProgress = (step: ImportStep, done: number, total: number) => {
        if (total < 1000) return;
        const t = Date.now();
        if (done < total && t - last < 1000) return;
        last = t;
        out.error(`  ${STEP_NAMES[step]}：${done}/${total}`);
      };
      const diff = await withPrisma(async (prisma) => {
        const by = await principalFor(prisma, option(rest, 'by'));
        return (await runService(prisma, by, new Date(), (u) => importRoster(u, { roster, dryRun, onProgress }))).result;
      });
      out.log(formatDiff(diff));
      return 0;
    } catch (e) {
      if (e instanceof RosterFileError) {
        out.error(`名单有 ${e.problems.length} 处问题，没有写入任何数据：`);
        for (const p of e.problems) out.error(p);
        out.error('改正后再运行一次（可先加 --dry-run 检查）。');
        return 1;
      }
      if (e instanceof DomainError && e.code === 'errors.not_allowed') return (out.error('--by 指定的党员不是这些组织的管理员，不能导入名单，没有写入。'), 1);
      throw e;
    }
  }
  out.error(ORG_USAGE);
  return 1;
}

const ADMIN_ERRORS: Record<string, (v: Record<string, unknown>) => string> = {
  'admin.no_member': (v) => `找不到工号为 ${String(v.employeeNo)} 的在册党员（先导入名单：npm run cli -- org import …）。`,
  'admin.no_scope': (v) => `找不到组织编码 ${String(v.code)}。`,
  'admin.no_grant': (v) => `${String(v.name)} 不是 ${String(v.scope)} 的管理员，无需撤销。`,
  'errors.not_allowed': () => '--by 指定的党员不是该组织的管理员，不能授予或撤销管理员，没有写入。',
  'chat.bind_unknown': (v) => `找不到组织 ${String(v.what)}。`,
  'chat.bind_ambiguous': (v) => `「${String(v.what)}」对应多个组织：${String(v.names)}，请用组织编码。`,
  'chat.not_bound': () => '这个群没有绑定任何组织。',
};

function domainMessage(e: unknown): string | null {
  if (!(e instanceof DomainError)) return null;
  return ADMIN_ERRORS[e.code]?.(e.vars as Record<string, unknown>) ?? `失败：${e.code}`;
}

export async function adminCommand(args: string[], withPrisma: WithPrisma, out: Out = console): Promise<number> {
  const [sub, ...rest] = args;
  const [employeeNo] = positional(rest, ['--scope', '--by']);
  const scopeCode = option(rest, 'scope');
  try {
    if (sub === 'list') {
      const rows = await withPrisma(async (prisma) => (await runService(prisma, SYSTEM, new Date(), (u) => listAdmins(u))).result);
      if (!rows.length) out.log('还没有管理员。下一步：npm run cli -- admin grant <工号> --scope <组织编码>');
      for (const r of rows) out.log(`${r.name}（${r.employeeNo}）  ${r.scope.name}（${r.scope.code}，${ORG_KIND_NAMES[r.scope.kind]}）  自 ${r.grantedAt.toISOString().slice(0, 10)}`);
      return 0;
    }
    if ((sub !== 'grant' && sub !== 'revoke') || !employeeNo || !scopeCode) return (out.error(ORG_USAGE), 1);
    return await withPrisma(async (prisma) => {
      const by = await principalFor(prisma, option(rest, 'by'));
      if (sub === 'grant') {
        const { result } = await runService(prisma, by, new Date(), (u) => grantAdmin(u, { employeeNo, scopeCode }));
        const g = result.grant;
        out.log(
          result.created
            ? `已授予 ${g.name}（${g.employeeNo}）${g.scope.name}（${g.scope.code}）的管理员权限${result.first ? '（第一位管理员）' : ''}。\n下一步：把机器人拉进各支部工作群，由 ${g.name} 或支部书记在群里发「绑定本群 支部名称」并确认（名单没有「平台账号」时，先用 import-bindings 或书记的「生成绑定码 姓名」绑定账号）。`
            : `${g.name}（${g.employeeNo}）已是 ${g.scope.name} 的管理员，没有变化。`,
        );
      } else {
        const { result: g } = await runService(prisma, by, new Date(), (u) => revokeAdmin(u, { employeeNo, scopeCode }));
        out.log(`已撤销 ${g.name}（${g.employeeNo}）${g.scope.name} 的管理员权限。`);
      }
      return 0;
    });
  } catch (e) {
    const msg = domainMessage(e);
    if (msg) return (out.error(msg), 1);
    if (e instanceof RosterFileError) return (out.error(e.problems.join('\n')), 1);
    throw e;
  }
}

export async function chatCommand(args: string[], withPrisma: WithPrisma, out: Out = console): Promise<number> {
  const [sub, ...rest] = args;
  const tenantKey = option(rest, 'tenant') ?? '';
  const [platformText, chatId, code] = positional(rest, ['--tenant', '--title']);
  const platform = platformText ? PLATFORMS[platformText] ?? PLATFORMS[platformText.toLowerCase()] : undefined;
  try {
    if (sub === 'list') {
      const rows = await withPrisma(async (prisma) => (await runService(prisma, SYSTEM, new Date(), (u) => listChats(u))).result);
      if (!rows.length) out.log('还没有工作群。把机器人拉进支部工作群，在群里发「绑定本群 支部名称」。');
      for (const r of rows) {
        const p = PLATFORM_NAMES[r.platform] ?? r.platform;
        out.log(`${p}  ${r.platformChatId}${r.tenantKey ? `（企业 ${r.tenantKey}）` : ''}  ${r.title ?? ''}  → ${r.node ? `${r.node.name}（${r.node.code}）` : '未绑定'}`);
      }
      return 0;
    }
    if ((sub !== 'bind' && sub !== 'unbind') || !platform || !chatId || (sub === 'bind' && !code)) return (out.error(ORG_USAGE), 1);
    const chat = { platform, tenantKey, platformChatId: chatId, kind: 'GROUP' as const, title: option(rest, 'title') ?? null };
    return await withPrisma(async (prisma) => {
      if (sub === 'bind') {
        const { result } = await runService(prisma, SYSTEM, new Date(), async (u) => bindChat(u, { chat, nodeId: (await bindTarget(u, { what: code! })).id }));
        out.log(result.changed ? `已把群 ${chatId} 绑定到 ${result.node.name}（${result.node.code}）${result.previous ? `，原绑定 ${result.previous.name}` : ''}。\n下一步：支部书记可在群里发会议通知，例如「通知 支部党员大会 12月5日 14:30 三楼会议室」。` : `群 ${chatId} 已绑定 ${result.node.name}，没有变化。`);
      } else {
        const { result } = await runService(prisma, SYSTEM, new Date(), (u) => unbindChat(u, { chat }));
        out.log(`已解除群 ${chatId} 与 ${result.name} 的绑定。`);
      }
      return 0;
    });
  } catch (e) {
    const msg = domainMessage(e);
    if (msg) return (out.error(msg), 1);
    throw e;
  }
}

/**
 * `directory match <平台>`: members with a mobile number and no account on the platform are looked up in its
 * contacts; the matches are bound, the rest listed. `directoryOf` builds the platform's directory (null:
 * not configured, or no contacts API).
 */
export async function directoryCommand(args: string[], withPrisma: WithPrisma, directoryOf: (p: Platform) => Directory | null, out: Out = console): Promise<number> {
  const [sub, platformText] = positional(args, ['--tenant']);
  const platform = platformText ? (PLATFORMS[platformText] ?? PLATFORMS[platformText.toLowerCase()]) : undefined;
  if (sub !== 'match' || !platform) return (out.error('用法：npm run cli -- directory match <飞书|钉钉|企业微信> [--tenant 企业ID] [--dry-run]'), 1);
  const directory = directoryOf(platform);
  if (!directory) return (out.error(`${PLATFORM_NAMES[platform] ?? platform}没有配置，或没有可用的通讯录接口（企业微信需要配置自建应用：WECOM_CORP_ID、WECOM_AGENT_ID、WECOM_APP_SECRET），请用 import-bindings 导入账号对照表。`), 1);
  const tenantKey = option(args, 'tenant') ?? '';
  const dryRun = args.includes('--dry-run');
  return withPrisma(async (prisma) => {
    const todo = (await runService(prisma, SYSTEM, new Date(), (u) => membersToMatch(u, { platform, tenantKey }))).result;
    if (!todo.length) return (out.log('没有需要匹配的党员（在册、有手机号、尚未绑定该平台账号）。'), 0);
    const found = await directory.byMobile(todo.map((m) => m.mobile));
    const { result: r } = await runService(prisma, SYSTEM, new Date(), (u) => bindDirectoryMatches(u, { platform, tenantKey, found, dryRun }));
    const p = PLATFORM_NAMES[platform] ?? platform;
    out.log(`${dryRun ? '试运行（未写入）：' : ''}按手机号在${p}通讯录中找到并${dryRun ? '可' : '已'}绑定 ${r.bound.length} 人，未找到 ${r.unmatched.length} 人，账号已被他人绑定 ${r.conflicts.length} 人。`);
    for (const line of section('未找到', r.unmatched, (m) => `${m.name}（${m.employeeNo}） ${m.mobile}`)) out.log(line);
    for (const line of section('账号已被他人绑定', r.conflicts, (m) => `${m.name}（${m.employeeNo}） ${m.userId}`)) out.log(line);
    if (r.unmatched.length) out.log('下一步：核对未找到党员的手机号，或用 import-bindings 导入账号对照表，或由书记发「生成绑定码 姓名」。');
    return 0;
  });
}

// The one rule for whose frequency counts (src/domain/life/compliance.ts): a unit's list naming a kind wins.
const MEETING_KIND_RULE_NOTE =
  '以上是默认频次。单位的责任清单中写明某会议类型频次的条目，取代该单位各组织的默认频次（书记讲党课等指定讲课人的条目另算一项，不取代）；清单没有写到的会议类型按默认频次。修改某单位的频次请导入新的责任清单（import-duties）。';

/** `meeting-kinds list|set`: the meeting kinds and their default frequency rules, as an organ changes them. */
export async function meetingKindsCommand(args: string[], withPrisma: WithPrisma, out: Out = console): Promise<number> {
  const [sub, code] = positional(args, ['--name', '--rule', '--aliases']);
  if (sub === 'list') {
    const kinds = await withPrisma(async (prisma) => (await runService(prisma, SYSTEM, new Date(), (u) => listMeetingKinds(u))).result);
    for (const k of kinds) out.log(`${k.code}  ${k.name}（${k.category}）  ${formatPeriodRule(k.frequency)}  也可写作：${k.aliases.join('、') || '—'}`);
    out.log(MEETING_KIND_RULE_NOTE);
    return 0;
  }
  const ruleText = option(args, 'rule');
  const rule = ruleText ? parsePeriodRule(ruleText) : undefined;
  if (sub !== 'set' || !code || (ruleText && !rule)) return (out.error(ruleText && !rule ? PERIOD_RULE_HINT : ORG_USAGE), 1);
  const aliases = option(args, 'aliases');
  try {
    const { result } = await withPrisma((prisma) =>
      runService(prisma, SYSTEM, new Date(), (u) => updateMeetingKind(u, { code, name: option(args, 'name'), frequency: rule ?? undefined, aliases: aliases === undefined ? undefined : splitKeywords(aliases) })),
    );
    const k = result.kind;
    out.log(`${result.changed ? '已修改' : '没有变化：'} ${k.code}  ${k.name}  ${formatPeriodRule(k.frequency)}  也可写作：${k.aliases.join('、') || '—'}`);
    return 0;
  } catch (e) {
    if (e instanceof DomainError && e.code === 'meeting_kind.unknown') return (out.error(`没有会议类型 ${code}，可用 meeting-kinds list 查看。`), 1);
    throw e;
  }
}
