// Signed links live no longer than the meeting or campaign they serve (issue 17, point 7): a
// meeting's 签到/请假 buttons and forms until the end of its 补签 period, their H5 links (text-only
// platforms) never longer than the card's own token, pledge forms through the campaign's deadline or
// reporting period plus a grace for what the rules still accept then, a closed campaign's at once.
import { describe, expect, it } from 'vitest';
import { TokenSigner } from '../../src/chat/token.js';
import { DEFAULT_LIFE, cardTokenTtlSeconds, lateEnd } from '../../src/domain/life/options.js';
import { formLink } from '../../src/platforms/render.js';
import { FORM_GRACE_DAYS, formTtl } from '../../src/chat/presenters/pledges.js';

const tokens = new TokenSigner('s'.repeat(40));
const at = (d: Date, seconds: number) => new Date(d.getTime() + seconds * 1000);
const live = (token: string, when: Date) => tokens.verify(token, when).ok;
const WEEK = 7 * 86_400;

describe('meeting links', () => {
  const closes = new Date('2026-12-10T08:00:00Z');
  const end = lateEnd(closes, DEFAULT_LIFE); // 补签 ends lateCheckinDays after check-in closes

  it('a card token signed before the meeting expires when its 补签 period ends', () => {
    const now = new Date('2026-12-03T09:00:00Z');
    const token = tokens.sign({ action: 'meeting.checkin', target: 's1' }, cardTokenTtlSeconds(closes, now, DEFAULT_LIFE), now);
    expect(live(token, at(end, -1))).toBe(true);
    expect(live(token, at(end, 2))).toBe(false);
    const check = tokens.verify(token, now);
    expect(check.ok && check.expiresAt.getTime() <= end.getTime()).toBe(true);
  });

  it('a card drawn after the 补签 period has tokens that are already expired', () => {
    const later = at(end, 3600);
    expect(cardTokenTtlSeconds(closes, later, DEFAULT_LIFE)).toBe(0);
    const token = tokens.sign({ action: 'meeting.leave', target: 's1' }, cardTokenTtlSeconds(closes, later, DEFAULT_LIFE), later);
    expect(live(token, at(later, 1))).toBe(false);
  });

  it('the H5 link of a form (text-only platforms) lives no longer than the card token it came from', () => {
    const now = at(end, -3600); // an hour of 补签 left; the configured form link lifetime is a week
    const formToken = tokens.sign({ action: 'meeting.leave_submit', target: 's1', member: 'm1' }, cardTokenTtlSeconds(closes, now, DEFAULT_LIFE), now);
    const url = formLink({ title: '请假', form: { actionId: 'meeting.leave_submit', token: formToken, submitLabel: '提交', fields: [] } }, { tokens, publicUrl: 'https://x', formLinkTtlSeconds: WEEK }, now);
    const t = decodeURIComponent(new URL(url!).searchParams.get('t')!);
    expect(live(t, at(end, -1))).toBe(true);
    expect(live(t, at(end, 2))).toBe(false);
    // A form token with a longer life keeps the configured link lifetime.
    const long = tokens.sign({ action: 'x', target: 'y' }, 30 * 86_400, now);
    const url2 = formLink({ title: 'x', form: { actionId: 'x', token: long, submitLabel: '提交', fields: [] } }, { tokens, publicUrl: 'https://x', formLinkTtlSeconds: WEEK }, now);
    const t2 = decodeURIComponent(new URL(url2!).searchParams.get('t')!);
    expect(live(t2, at(now, WEEK - 1))).toBe(true);
    expect(live(t2, at(now, WEEK + 2))).toBe(false);
  });
});

describe('pledge links', () => {
  const now = new Date('2026-12-03T09:00:00Z');
  const deadline = new Date('2026-12-31T15:59:59Z');
  const grace = FORM_GRACE_DAYS * 86_400;

  it('a submit form lives through the deadline and the grace for resubmissions, and not past it', () => {
    const token = tokens.sign({ action: 'pledge.submit', target: 'p1', member: 'm1' }, formTtl({ deadline, reportUntil: null }, now), now);
    expect(live(token, at(deadline, grace - 1))).toBe(true);
    expect(live(token, at(deadline, grace + 2))).toBe(false);
  });

  it('a report form lives through the reporting period and the grace, and not past it', () => {
    const reportUntil = new Date('2027-12-31T15:59:59Z');
    const token = tokens.sign({ action: 'pledge.report', target: 'p1:2027-Q1', member: 'm1' }, formTtl({ deadline, reportUntil }, now), now);
    expect(live(token, at(reportUntil, grace - 1))).toBe(true);
    expect(live(token, at(reportUntil, grace + 2))).toBe(false);
  });

  it('a closed campaign (结束承诺) signs forms that are already expired', () => {
    const ttl = formTtl({ deadline, reportUntil: null, closedAt: now }, now);
    expect(ttl).toBe(0);
    expect(live(tokens.sign({ action: 'pledge.submit', target: 'p1' }, ttl, now), at(now, 1))).toBe(false);
  });
});
