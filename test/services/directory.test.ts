// Directory matching against local fakes of the contacts APIs (Lark contact/v3/users/batch_get_id with its
// tenant token, DingTalk's access token and topapi/v2/user/getbymobile, WeCom's self-built app token and
// cgi-bin/user/getuserid): members with a mobile number and no
// account are matched by mobile and bound, the unmatched and the accounts bound to someone else are
// reported, a second run has nothing to do; through the CLI command as the operator runs it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbedded, type Database } from '../../src/db/client.js';
import type { PrismaClient } from '../../src/generated/prisma/client.js';
import { createLogger } from '../../src/log.js';
import { buildDirectory } from '../../src/platforms/directory.js';
import { directoryCommand, orgCommand } from '../../src/cli/org.js';
import { larkDomain } from '../../src/platforms/lark/config.js';
import { FakeHttp } from '../platforms/fakes/common.js';
import { fillTemplate, makeRoster } from '../helpers/roster.js';
import { writeRosterTemplate } from '../../src/domain/roster/template.js';

let db: Database;
let dir: string;
let fake: FakeHttp;
/** The fake directories: mobile → user id. */
const lark = new Map<string, string>();
const dingtalk = new Map<string, string>();
const wecom = new Map<string, string>();
/** WeCom app tokens handed out, and whether each still holds. */
const wecomTokens = new Map<string, boolean>();
const log = createLogger({ level: 'silent', pretty: false });

async function run(fn: typeof directoryCommand, args: string[], opts: { wecomApp?: boolean } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const wecomApp = { corpId: 'wwcorp', agentId: '1000002', secret: 'app-secret', apiBase: fake.url, oauthBase: fake.url };
  const platforms = {
    ...(opts.wecomApp === false ? {} : { webLogin: { wecom: wecomApp } }),
    formLinkTtlSeconds: 600,
    lark: { appId: 'cli_a', appSecret: 's', domain: larkDomain(fake.url), mode: 'ws' as const, webhookPath: '/webhooks/lark', cardAckMs: 2500, autoReconnect: false },
    dingtalk: { clientId: 'ding', clientSecret: 's', robotCode: 'ding', apiBase: fake.url, oapiBase: fake.url, gatewayUrl: `${fake.url}/gw`, cardAckMs: 1500, useSessionWebhook: false, autoReconnect: false },
  };
  const code = await fn(args, (f) => f(db.prisma as PrismaClient), (p) => buildDirectory(p, platforms, log), { log: (s) => out.push(s), error: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zh13-dir-'));
  db = await openEmbedded('memory://');
  await db.migrate();
  fake = new FakeHttp();
  fake
    .route('POST', /^\/open-apis\/auth\/v3\/tenant_access_token\/internal$/, () => ({ body: { code: 0, msg: 'ok', tenant_access_token: 't-fake', expire: 7200 } }))
    .route('POST', /^\/open-apis\/contact\/v3\/users\/batch_get_id$/, (req) => {
      const mobiles = (req.body as { mobiles: string[] }).mobiles;
      if (req.headers.authorization !== 'Bearer t-fake' || req.query.get('user_id_type') !== 'open_id' || mobiles.length > 50) return { status: 400, body: { code: 99991400, msg: 'bad request' } };
      return { body: { code: 0, msg: 'success', data: { user_list: mobiles.map((m) => (lark.has(m) ? { mobile: m, user_id: lark.get(m) } : { mobile: m })) } } };
    })
    .route('POST', /^\/v1\.0\/oauth2\/accessToken$/, () => ({ body: { accessToken: 'ding-token', expireIn: 7200 } }))
    .route('POST', /^\/topapi\/v2\/user\/getbymobile$/, (req) => {
      if (req.query.get('access_token') !== 'ding-token') return { body: { errcode: 40014, errmsg: 'invalid token' } };
      const userid = dingtalk.get((req.body as { mobile: string }).mobile);
      return { body: userid ? { errcode: 0, errmsg: 'ok', result: { userid } } : { errcode: 60121, errmsg: '找不到该用户' } };
    })
    .route('GET', /^\/cgi-bin\/gettoken$/, (req) => {
      if (req.query.get('corpid') !== 'wwcorp' || req.query.get('corpsecret') !== 'app-secret') return { body: { errcode: 40001, errmsg: 'invalid credential' } };
      const token = `wt_${wecomTokens.size + 1}`;
      wecomTokens.set(token, true);
      return { body: { errcode: 0, errmsg: 'ok', access_token: token, expires_in: 7200 } };
    })
    // Always HTTP 200; errcode says what went wrong (42001 expired token, 46004 no such member).
    .route('POST', /^\/cgi-bin\/user\/getuserid$/, (req) => {
      const valid = wecomTokens.get(req.query.get('access_token') ?? '');
      if (valid === undefined) return { body: { errcode: 40014, errmsg: 'invalid access_token' } };
      if (!valid) return { body: { errcode: 42001, errmsg: 'access_token expired' } };
      const userid = wecom.get((req.body as { mobile: string }).mobile);
      return { body: userid ? { errcode: 0, errmsg: 'ok', userid } : { errcode: 46004, errmsg: 'user no exist' } };
    });
  await fake.listen();
  // 2 branches × 30 members; every third has a mobile number (makeRoster): 20 members with one.
  const template = path.join(dir, 't.xlsx');
  await writeRosterTemplate(template);
  const file = path.join(dir, 'r.xlsx');
  await fillTemplate(template, file, makeRoster({ units: 1, branches: 2, perBranch: 30 }));
  const out: string[] = [];
  expect(await orgCommand(['import', file], (f) => f(db.prisma as PrismaClient), { log: (s) => out.push(s), error: (s) => out.push(s) })).toBe(0);
});
afterAll(async () => {
  await fake?.close();
  await db?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('directory matching', () => {
  it('Lark: binds by mobile, lists the unmatched, and a second run has nothing left but them', async () => {
    const members = await db.prisma.member.findMany({ where: { mobile: { not: null } }, orderBy: { employeeNo: 'asc' } });
    expect(members).toHaveLength(20);
    members.slice(0, 17).forEach((m) => lark.set(m.mobile!, `ou_dir_${m.employeeNo}`));
    const dry = await run(directoryCommand, ['match', '飞书', '--dry-run']);
    expect(dry.out).toContain('试运行（未写入）：按手机号在飞书通讯录中找到并可绑定 17 人，未找到 3 人');
    expect(await db.prisma.platformIdentity.count()).toBe(0);
    const r = await run(directoryCommand, ['match', '飞书']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('已绑定 17 人，未找到 3 人，账号已被他人绑定 0 人');
    for (const m of members.slice(17)) expect(r.out).toContain(`${m.name}（${m.employeeNo}） ${m.mobile}`);
    expect(await db.prisma.platformIdentity.findFirst({ where: { platform: 'LARK', platformUserId: `ou_dir_${members[0]!.employeeNo}` }, select: { memberId: true } })).toEqual({ memberId: members[0]!.id });
    expect(await db.prisma.auditLog.count({ where: { action: 'identity.directory_match' } })).toBe(1);
    const again = await run(directoryCommand, ['match', '飞书']);
    expect(again.out).toContain('已绑定 0 人，未找到 3 人');
  });

  it('DingTalk: one number a call; an account already bound to another member is reported, not moved', async () => {
    const members = await db.prisma.member.findMany({ where: { mobile: { not: null } }, orderBy: { employeeNo: 'asc' } });
    members.slice(0, 5).forEach((m) => dingtalk.set(m.mobile!, `ding_${m.employeeNo}`));
    dingtalk.set(members[5]!.mobile!, `ding_${members[0]!.employeeNo}`); // the directory says member 6's number is member 1's account
    const r = await run(directoryCommand, ['match', '钉钉']);
    expect(r.out).toContain('已绑定 5 人，未找到 14 人，账号已被他人绑定 1 人');
    expect(r.out).toContain(`${members[5]!.name}（${members[5]!.employeeNo}） ding_${members[0]!.employeeNo}`);
    expect(await db.prisma.platformIdentity.count({ where: { platform: 'DINGTALK' } })).toBe(5);
  });

  it('WeCom through the self-built app: binds by mobile, fetches an expired app token again; without the app says so and changes nothing', async () => {
    const without = await run(directoryCommand, ['match', '企业微信'], { wecomApp: false });
    expect(without.code).toBe(1);
    expect(without.err).toContain('企业微信需要配置自建应用');
    expect(await db.prisma.platformIdentity.count({ where: { platform: 'WECOM' } })).toBe(0);

    const members = await db.prisma.member.findMany({ where: { mobile: { not: null } }, orderBy: { employeeNo: 'asc' } });
    members.slice(0, 4).forEach((m) => wecom.set(m.mobile!, `wc_${m.employeeNo}`));
    const first = await run(directoryCommand, ['match', '企业微信']);
    expect(first.code).toBe(0);
    expect(first.out).toContain('已绑定 4 人，未找到 16 人');
    expect(await db.prisma.platformIdentity.findFirst({ where: { platform: 'WECOM', platformUserId: `wc_${members[0]!.employeeNo}` }, select: { memberId: true } })).toEqual({ memberId: members[0]!.id });

    // Two more in the directory; every token handed out so far has expired meanwhile.
    members.slice(4, 6).forEach((m) => wecom.set(m.mobile!, `wc_${m.employeeNo}`));
    for (const t of wecomTokens.keys()) wecomTokens.set(t, false);
    const again = await run(directoryCommand, ['match', '企业微信']);
    expect(again.out).toContain('已绑定 2 人，未找到 14 人');
    expect(await db.prisma.platformIdentity.count({ where: { platform: 'WECOM' } })).toBe(6);
  });
});
