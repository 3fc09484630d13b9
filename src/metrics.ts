// Process-wide Prometheus instruments (prom-client) that code observes as things happen: HTTP ack
// latency and delivery latency. Counts that the database already knows (outbox by status, inbound
// events, reminder lateness, queue depths) are read at scrape time in src/web/metrics.ts.
import client from 'prom-client';

export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry, prefix: 'zhibu_' });

/** Time from a request's arrival to our answer: the ack a platform or the console waits for. */
export const ackSeconds = new client.Histogram({
  name: 'zhibu_http_ack_seconds',
  help: 'Time to answer an HTTP request (platform webhooks, console, H5), by route and status class',
  labelNames: ['route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

/** From an outbox row's creation to the platform accepting it (retries included). */
export const deliverySeconds = new client.Histogram({
  name: 'zhibu_delivery_latency_seconds',
  help: 'Time from an outbox row being written to the platform accepting the message, by platform',
  labelNames: ['platform'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800],
  registers: [registry],
});
