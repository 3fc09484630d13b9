// Sign-in to web pages (the 驾驶舱) without a password: the bot sends a one-time link privately; the
// link names a WebSession row that may be opened once, within minutes, and then holds a browser session
// (the hash of a random cookie) for hours, until it expires or is revoked. The surface signs the link
// (src/chat/token.ts) and sets the cookie; the rules are here.
import { createHash, randomBytes } from 'node:crypto';
import type { Tx } from '../db/client.js';
import type { Platform } from '../generated/prisma/enums.js';
import { dashboardHome, type NodeRef } from './dashboard.js';
import { fail, type Unit } from './kernel.js';

export const SIGN_IN_LINK_SECONDS = 5 * 60;
export const SESSION_SECONDS = 8 * 3600;

export const hashCookie = (value: string): string => createHash('sha256').update(value).digest('base64url');

/**
 * 驾驶舱 in chat: a sign-in link for the acting member, who must have a 驾驶舱 (a 支委, 机关党委 or 工委
 * post, or an administrator's grant). Returns the row the link names and where the 驾驶舱 starts.
 */
export async function requestSignIn(unit: Unit): Promise<{ sessionId: string; memberId: string; home: NodeRef; expiresAt: Date }> {
  const home = await dashboardHome(unit);
  if (unit.principal.kind !== 'member') fail('errors.internal');
  const memberId = unit.principal.member.id;
  const expiresAt = new Date(unit.now.getTime() + SIGN_IN_LINK_SECONDS * 1000);
  const row = await unit.tx.webSession.create({ data: { memberId, linkExpiresAt: expiresAt, createdAt: unit.now }, select: { id: true } });
  unit.audit({ action: 'web.sign_in_link', entityType: 'WebSession', entityId: row.id, detail: { home: home.id } });
  return { sessionId: row.id, memberId, home, expiresAt };
}

/**
 * The link was opened (its signature checked by the surface): once only, before it expires, for the
 * member it was sent to. Returns the cookie value to set; a replayed, expired or revoked link is refused.
 */
export async function openSignIn(unit: Unit, input: { sessionId: string; memberId: string }): Promise<{ cookie: string; expiresAt: Date }> {
  const cookie = randomBytes(32).toString('base64url');
  const expiresAt = new Date(unit.now.getTime() + SESSION_SECONDS * 1000);
  const r = await unit.tx.webSession.updateMany({
    where: { id: input.sessionId, memberId: input.memberId, openedAt: null, revokedAt: null, linkExpiresAt: { gt: unit.now } },
    data: { openedAt: unit.now, cookieHash: hashCookie(cookie), expiresAt },
  });
  if (r.count !== 1) fail('dashboard.link_used');
  const member = await unit.tx.member.findUnique({ where: { id: input.memberId }, select: { active: true } });
  if (!member?.active) fail('dashboard.link_used');
  unit.audit({ action: 'web.sign_in', entityType: 'WebSession', entityId: input.sessionId, detail: { memberId: input.memberId } });
  return { cookie, expiresAt };
}

// ── Sign-in through a platform (Lark web app login, DingTalk and WeCom OAuth2) ──
// The attempt is a WebSession row made when the browser leaves for the platform: no member yet (''),
// bound to that browser (the hash of its login cookie, 'login:'-prefixed so it never equals a session
// cookie's), usable once within PLATFORM_SIGN_IN_SECONDS. When the platform sends the browser back the
// row is claimed (openedAt, the binding cleared) before the code is exchanged; once the platform has
// said who it is, the same row becomes that member's session, under the chat link's access rule.

export const PLATFORM_SIGN_IN_SECONDS = 10 * 60;
const PENDING = '';
const browserHash = (browser: string) => hashCookie(`login:${browser}`);

/** A platform sign-in begins for this browser. Returns the row id the signed state names. */
export async function beginPlatformSignIn(unit: Unit, input: { browser: string }): Promise<{ stateId: string; expiresAt: Date }> {
  // Attempts whose time is up are of no use (anyone can start one): removed, so only the last minutes' stay.
  await unit.tx.webSession.deleteMany({ where: { memberId: PENDING, linkExpiresAt: { lt: unit.now } } });
  const expiresAt = new Date(unit.now.getTime() + PLATFORM_SIGN_IN_SECONDS * 1000);
  const row = await unit.tx.webSession.create({ data: { memberId: PENDING, linkExpiresAt: expiresAt, cookieHash: browserHash(input.browser), createdAt: unit.now }, select: { id: true } });
  return { stateId: row.id, expiresAt };
}

/** The platform sent the browser back: the attempt is used up now, once, by the browser it began in, in time. */
export async function claimPlatformSignIn(unit: Unit, input: { stateId: string; browser: string }): Promise<void> {
  const r = await unit.tx.webSession.updateMany({
    where: { id: input.stateId, memberId: PENDING, openedAt: null, revokedAt: null, linkExpiresAt: { gt: unit.now }, cookieHash: browserHash(input.browser) },
    data: { openedAt: unit.now, cookieHash: null },
  });
  if (r.count !== 1) fail('dashboard.login_state');
}

/** The member an account of a platform is bound to (the same PlatformIdentity chat uses): null when unbound. */
export async function platformMember(tx: Tx, account: { platform: Platform; tenantKey: string; userId: string }): Promise<{ id: string; active: boolean } | null> {
  const row = await tx.platformIdentity.findUnique({
    where: { platform_tenantKey_platformUserId: { platform: account.platform, tenantKey: account.tenantKey, platformUserId: account.userId } },
    select: { member: { select: { id: true, active: true } } },
  });
  return row?.member ?? null;
}

/**
 * The claimed attempt becomes the acting member's session, if the member may have a 驾驶舱 (the same
 * rule as the chat link: refused `dashboard.not_allowed`). Returns the cookie value to set.
 */
export async function openPlatformSignIn(unit: Unit, input: { stateId: string; platform: Platform }): Promise<{ cookie: string; expiresAt: Date; home: NodeRef }> {
  const home = await dashboardHome(unit);
  if (unit.principal.kind !== 'member') fail('errors.internal');
  const memberId = unit.principal.member.id;
  const cookie = randomBytes(32).toString('base64url');
  const expiresAt = new Date(unit.now.getTime() + SESSION_SECONDS * 1000);
  const r = await unit.tx.webSession.updateMany({
    where: { id: input.stateId, memberId: PENDING, openedAt: { not: null }, cookieHash: null, expiresAt: null, revokedAt: null },
    data: { memberId, cookieHash: hashCookie(cookie), expiresAt },
  });
  if (r.count !== 1) fail('dashboard.login_state');
  unit.audit({ action: 'web.sign_in', entityType: 'WebSession', entityId: input.stateId, detail: { memberId, via: input.platform } });
  return { cookie, expiresAt, home };
}

/** The member a browser session cookie belongs to, while it is open, unexpired and not revoked; else null. */
export async function sessionMember(tx: Tx, cookie: string, now: Date): Promise<{ sessionId: string; memberId: string } | null> {
  if (!cookie || cookie.length > 100) return null;
  const row = await tx.webSession.findUnique({ where: { cookieHash: hashCookie(cookie) }, select: { id: true, memberId: true, expiresAt: true, revokedAt: true } });
  if (!row || row.revokedAt || !row.expiresAt || row.expiresAt <= now) return null;
  return { sessionId: row.id, memberId: row.memberId };
}

/**
 * Revoke sessions (and unopened links): one by id, all of a member's, or every open one. The operator
 * (the system) may revoke any; a member only their own (退出登录). Returns how many. Audited.
 */
export async function revokeSessions(unit: Unit, input: { sessionId?: string; memberId?: string; all?: boolean }): Promise<number> {
  const mine = unit.principal.kind === 'member' ? unit.principal.member.id : null;
  if (unit.principal.kind !== 'system' && !mine) fail('errors.internal');
  if (!input.sessionId && !input.memberId && !input.all) fail('dashboard.revoke_usage');
  const where = {
    revokedAt: null,
    OR: [{ expiresAt: null }, { expiresAt: { gt: unit.now } }],
    ...(input.sessionId ? { id: input.sessionId } : {}),
    // Platform sign-in attempts (no member yet) are nobody's session: not counted, left to expire.
    memberId: mine ?? input.memberId ?? { not: PENDING },
  };
  const rows = await unit.tx.webSession.findMany({ where, select: { id: true } });
  if (!rows.length) return 0;
  await unit.tx.webSession.updateMany({ where: { id: { in: rows.map((r) => r.id) } }, data: { revokedAt: unit.now, revokedById: mine } });
  for (const r of rows) unit.audit({ action: 'web.session_revoke', entityType: 'WebSession', entityId: r.id });
  return rows.length;
}

/** Open sessions, newest first, for the operator (npm run cli -- sessions list). */
export async function listSessions(unit: Unit): Promise<Array<{ id: string; memberId: string; name: string; openedAt: Date | null; expiresAt: Date | null }>> {
  if (unit.principal.kind !== 'system') fail('errors.internal');
  const rows = await unit.tx.webSession.findMany({ where: { revokedAt: null, expiresAt: { gt: unit.now } }, orderBy: { openedAt: 'desc' }, take: 200, select: { id: true, memberId: true, openedAt: true, expiresAt: true } });
  const names = new Map((await unit.tx.member.findMany({ where: { id: { in: rows.map((r) => r.memberId) } }, select: { id: true, name: true } })).map((m) => [m.id, m.name]));
  return rows.map((r) => ({ ...r, name: names.get(r.memberId) ?? '' }));
}
