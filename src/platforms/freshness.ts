// Signed webhook timestamps: a request older than the platform's window is refused, so a captured
// callback cannot be replayed once its event id has been purged (InboundEvent retention). Each
// platform picks its window from its documented redelivery behaviour (lark/receiver.ts,
// wecom/receiver.ts).

/** Clock skew tolerated for timestamps ahead of ours. */
export const MAX_CLOCK_SKEW_S = 300;

/** A signed unix timestamp (seconds) within `maxAgeS` of now, and not more than the skew ahead. */
export function fresh(ts: string, maxAgeS: number, nowMs = Date.now()): boolean {
  if (!/^\d{9,11}$/.test(ts)) return false;
  const age = nowMs / 1000 - Number(ts);
  return age <= maxAgeS && age >= -MAX_CLOCK_SKEW_S;
}
