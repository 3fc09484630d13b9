// Who is acting: a member (from a bound chat identity, a web sign-in or the CLI's --by), or the
// system itself (scheduled jobs), or a guest who has not bound an identity yet. Services take one and ask src/access what it may do.
import type { MemberInfo } from '../domain/org.js';

export type Principal =
  | { kind: 'member'; member: MemberInfo; via: 'chat' | 'web' | 'cli' }
  /** Someone not (yet) bound to a member: may only bind. */
  | { kind: 'guest' }
  /** Scheduled jobs and operator maintenance: may do anything. */
  | { kind: 'system' };

export const SYSTEM: Principal = { kind: 'system' };

export function memberPrincipal(member: MemberInfo, via: 'chat' | 'web' | 'cli'): Principal {
  return { kind: 'member', member, via };
}
