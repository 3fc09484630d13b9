// Bounded waits: a backend that does not answer must not hang start-up, readiness or shutdown.

/** What withTimeout rejects with when the time is up. */
export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/** `p`, or a rejection (TimeoutError) naming `what` after `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what} 在 ${ms} 毫秒内没有响应`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Whether `p` settled within `ms` (its outcome is ignored). */
export function settles(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.then(() => true, () => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
