// Tunables of organizational life, from config (see README "Organizational life").
export interface LifeOptions {
  /** IANA zone for reading and showing times and for period boundaries. */
  timezone: string;
  /** Check-in opens this many minutes before the start … */
  checkinOpensBeforeMinutes: number;
  /** … and closes this many minutes after it. */
  checkinClosesAfterMinutes: number;
  /** After the window closes, 补签 may be asked for this many days. */
  lateCheckinDays: number;
  /** An obligation is at risk when something is still missing and at most this many days are left. */
  atRiskDays: number;
  /** Base URL for signed links (H5 forms, ledger downloads). */
  publicUrl: string;
}

export const DEFAULT_LIFE: LifeOptions = {
  timezone: 'Asia/Shanghai',
  checkinOpensBeforeMinutes: 30,
  checkinClosesAfterMinutes: 120,
  lateCheckinDays: 7,
  atRiskDays: 10,
  publicUrl: 'http://localhost:3000',
};

export function checkinWindow(startsAt: Date, o: LifeOptions): { opensAt: Date; closesAt: Date } {
  return {
    opensAt: new Date(startsAt.getTime() - o.checkinOpensBeforeMinutes * 60_000),
    closesAt: new Date(startsAt.getTime() + o.checkinClosesAfterMinutes * 60_000),
  };
}

/** End of the 补签 period. */
export function lateEnd(checkinClosesAt: Date, o: LifeOptions): Date {
  return new Date(checkinClosesAt.getTime() + o.lateCheckinDays * 86_400_000);
}

/**
 * Lifetime of a meeting's button and form tokens (签到, 请假, 补签 and their H5 links): until its
 * 补签 period ends and no longer (issue 17: a signed link lives no longer than the meeting it
 * serves). A card drawn after that gets tokens that are already expired.
 */
export function cardTokenTtlSeconds(checkinClosesAt: Date, now: Date, o: LifeOptions): number {
  return Math.max(0, Math.floor((lateEnd(checkinClosesAt, o).getTime() - now.getTime()) / 1000));
}
