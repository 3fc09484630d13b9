// GET /metrics in Prometheus text format (prom-client). The process-wide instruments (src/metrics.ts:
// ack and delivery latency, Node process metrics) plus what is read from the database and the queue
// backend at scrape time:
//   zhibu_outbox_messages{status}                 outbox rows by status (DEAD included, zeros shown)
//   zhibu_inbound_events_total{platform,status}   inbound events received since start, by outcome
//   zhibu_reminder_lateness_seconds               reminders fired since start: firedAt − dueAt
//   zhibu_queue_jobs{queue,state}                 BullMQ job counts (waiting, active, delayed, failed)
//   zhibu_job_schedulers_missing                  schedulers the queue backend lost (see jobs/index.ts)
//   zhibu_platform_connected{platform}            1 once a platform's receiver started, 0 if it failed
// Nothing here carries a name, a chat id or message text.
import type { FastifyInstance } from 'fastify';
import client from 'prom-client';
import type { Sql } from '../db/sql.js';
import type { QueueBackend } from '../queue/backend.js';
import { registry as processRegistry } from '../metrics.js';
import { withTimeout } from '../util/timeout.js';

const OUTBOX_STATUSES = ['PENDING', 'SENDING', 'SENT', 'RETRY', 'DEAD', 'CANCELLED'] as const;
const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;
/** Events younger than this are left for the next scrape: they may still be in processing. */
const SETTLE_MS = 5000;

export interface MetricsDeps {
  sql: Sql;
  queue: QueueBackend;
  queues: string[];
  missingSchedulers?: () => Promise<string[]>;
  platforms?: () => ReadonlyMap<string, 'starting' | 'connected' | 'failed'>;
  /** Start of the counting window for inbound events and reminders (the process start). */
  since?: Date;
}

export function registerMetrics(server: FastifyInstance, deps: MetricsDeps): void {
  const registry = new client.Registry();
  const outbox = new client.Gauge({ name: 'zhibu_outbox_messages', help: 'Outbox rows by status', labelNames: ['status'] as const, registers: [registry] });
  const inbound = new client.Counter({ name: 'zhibu_inbound_events_total', help: 'Inbound platform events received since the process started, by platform and outcome (RECEIVED = not processed yet)', labelNames: ['platform', 'status'] as const, registers: [registry] });
  const lateness = new client.Histogram({ name: 'zhibu_reminder_lateness_seconds', help: 'How late meeting reminders fired after their due time', buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300], registers: [registry] });
  const jobs = new client.Gauge({ name: 'zhibu_queue_jobs', help: 'BullMQ jobs by queue and state', labelNames: ['queue', 'state'] as const, registers: [registry] });
  const missing = new client.Gauge({ name: 'zhibu_job_schedulers_missing', help: 'Job schedulers the queue backend does not have (recreated within a minute)', registers: [registry] });
  const connected = new client.Gauge({ name: 'zhibu_platform_connected', help: 'Whether a platform receiver is connected (1) or failed to start (0)', labelNames: ['platform'] as const, registers: [registry] });
  const queueUp = new client.Gauge({ name: 'zhibu_queue_backend_up', help: 'Whether the queue backend answered this scrape', registers: [registry] });
  const queues = deps.queues.map((name) => ({ name, queue: deps.queue.createQueue(name) }));

  // High-water marks: each scrape counts what settled since the last one.
  let inboundFrom = deps.since ?? new Date();
  let firedFrom = deps.since ?? new Date();

  async function refresh(): Promise<void> {
    const counts = await deps.sql.query<{ status: string; n: string }>(`SELECT status::text AS status, count(*)::text AS n FROM "OutboxMessage" GROUP BY status`);
    for (const s of OUTBOX_STATUSES) outbox.set({ status: s }, Number(counts.find((r) => r.status === s)?.n ?? 0));

    const until = new Date(Date.now() - SETTLE_MS);
    if (until > inboundFrom) {
      const ev = await deps.sql.query<{ platform: string; status: string; n: string }>(
        `SELECT platform::text AS platform, status::text AS status, count(*)::text AS n FROM "InboundEvent" WHERE "receivedAt" > $1 AND "receivedAt" <= $2 GROUP BY 1, 2`,
        [inboundFrom, until],
      );
      for (const r of ev) inbound.inc({ platform: r.platform, status: r.status }, Number(r.n));
      inboundFrom = until;
    }
    const fired = await deps.sql.query<{ late: number; firedAt: Date }>(
      `SELECT EXTRACT(EPOCH FROM "firedAt" - "dueAt")::float8 AS late, "firedAt" FROM "Reminder"
       WHERE status = 'FIRED' AND "dueAt" > $1::timestamptz - interval '1 day' AND "firedAt" > $1 ORDER BY "firedAt" LIMIT 50000`,
      [firedFrom],
    );
    for (const r of fired) {
      lateness.observe(Math.max(0, Number(r.late)));
      const at = new Date(r.firedAt);
      if (at > firedFrom) firedFrom = at;
    }

    try {
      await withTimeout(deps.queue.ping(), 1000, 'queue');
      for (const q of queues) {
        const c = await withTimeout(q.queue.getJobCounts(...QUEUE_STATES), 1000, 'queue');
        for (const s of QUEUE_STATES) jobs.set({ queue: q.name, state: s }, c[s] ?? 0);
      }
      if (deps.missingSchedulers) missing.set((await withTimeout(deps.missingSchedulers(), 1000, 'schedulers')).length);
      queueUp.set(1);
    } catch {
      queueUp.set(0);
    }
    for (const [platform, state] of deps.platforms?.() ?? []) if (state !== 'starting') connected.set({ platform }, state === 'connected' ? 1 : 0);
  }

  server.get('/metrics', async (_req, reply) => {
    await refresh();
    const merged = client.Registry.merge([processRegistry, registry]);
    return reply.header('content-type', merged.contentType).send(await merged.metrics());
  });
}
