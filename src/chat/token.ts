// Signed, expiring tokens for card buttons, forms and H5 links: HMAC-SHA256 over the action id,
// its target and the expiry. A user sees and returns only the token, so ids cannot be edited.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface TokenClaims {
  /** Stable action id, e.g. meeting.checkin. */
  action: string;
  /** What the action is about, e.g. a session id or "attendanceRequestId". */
  target: string;
  /** Optional restriction: only this member may use it. */
  member?: string;
}

export type TokenCheck = { ok: true; claims: TokenClaims; expiresAt: Date } | { ok: false; reason: 'forged' | 'expired' };

const b64 = (buf: Buffer | string) => Buffer.from(buf).toString('base64url');

/** The claims part of a token, unchecked; null when it is not JSON. */
function decodeBody(body: string): { a?: unknown; t?: unknown; m?: unknown; e?: unknown } | null {
  try {
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { a?: unknown; t?: unknown; m?: unknown; e?: unknown };
  } catch {
    return null;
  }
}

export class TokenSigner {
  /** `previous`: the secret before a rotation (APP_SECRET_PREVIOUS), accepted when verifying, never used to sign. */
  constructor(
    private readonly secret: string,
    private readonly previous?: string,
  ) {}

  sign(claims: TokenClaims, ttlSeconds: number, now = new Date()): string {
    const body = b64(JSON.stringify({ a: claims.action, t: claims.target, m: claims.member, e: Math.floor(now.getTime() / 1000) + ttlSeconds }));
    return `${body}.${this.mac(body)}`;
  }

  verify(token: string, now = new Date()): TokenCheck {
    if (typeof token !== 'string' || token.length > 2048) return { ok: false, reason: 'forged' };
    const [body, mac, extra] = token.split('.');
    if (!body || !mac || extra !== undefined) return { ok: false, reason: 'forged' };
    const given = Buffer.from(mac);
    if (!this.matches(body, given, this.secret) && !(this.previous && this.matches(body, given, this.previous))) return { ok: false, reason: 'forged' };
    const parsed = decodeBody(body);
    if (!parsed) return { ok: false, reason: 'forged' };
    if (typeof parsed.a !== 'string' || typeof parsed.t !== 'string' || typeof parsed.e !== 'number') return { ok: false, reason: 'forged' };
    if (parsed.e * 1000 < now.getTime()) return { ok: false, reason: 'expired' };
    return {
      ok: true,
      claims: { action: parsed.a, target: parsed.t, member: typeof parsed.m === 'string' ? parsed.m : undefined },
      expiresAt: new Date(parsed.e * 1000),
    };
  }

  /** The target a token names, unchecked: only for choosing where to queue an event, never for access. */
  static peekTarget(token: string): string {
    const t = decodeBody(token.split('.')[0] ?? '')?.t;
    return typeof t === 'string' ? t : '';
  }

  // A method, not a closure made on every verify (this runs on every click).
  private matches(body: string, given: Buffer, secret: string): boolean {
    const expected = Buffer.from(this.mac(body, secret));
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  private mac(body: string, secret = this.secret): string {
    return createHmac('sha256', secret).update(body).digest('base64url');
  }
}
