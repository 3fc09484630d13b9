// /metrics: scraped and parsed as Prometheus text after real traffic through the console.
import { afterAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { startTestApp, tempDataDir } from '../helpers/app.js';
import { until } from '../helpers/wait.js';

let app: App | undefined;
afterAll(async () => app?.stop());

type Sample = { name: string; labels: Record<string, string>; value: number };

/** A strict reader of the text exposition format: every line is a comment or `name{labels} value`. */
function parse(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const t = /^# TYPE ([a-zA-Z_:][\w:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (t) types.set(t[1]!, t[2]!);
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (-?(?:\d+(?:\.\d+)?(?:e[+-]?\d+)?|NaN|\+Inf|-Inf))$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]));
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return { samples, types };
}

const value = (s: Sample[], name: string, labels: Record<string, string> = {}) =>
  s.filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v)).reduce((a, x) => a + x.value, 0);

describe('/metrics', () => {
  it('reports inbound events, ack and delivery latency, outbox by status with DEAD, queue depths', async () => {
    app = await startTestApp({ DATA_DIR: tempDataDir(), SEED_DEMO: 'true' });
    const res = await fetch(`${app.url}/console/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chatKind: 'GROUP', chatId: 'branch-1', userId: 'm101', text: '帮助' }),
    });
    expect(res.status).toBe(200);
    await until('a reply sent', async () => (await app!.db.sql.query<{ n: string }>(`SELECT count(*)::text AS n FROM "OutboxMessage" WHERE status = 'SENT'`))[0]?.n !== '0', 20_000);
    // A DEAD row, as an operator would find one.
    await app.db.sql.query(`UPDATE "OutboxMessage" SET status = 'DEAD' WHERE id = (SELECT id FROM "OutboxMessage" ORDER BY "createdAt" LIMIT 1)`);
    await new Promise((r) => setTimeout(r, 5500)); // inbound events are counted once settled (5 s)

    const scrape = await fetch(`${app.url}/metrics`);
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const { samples, types } = parse(await scrape.text());

    expect(types.get('zhibu_inbound_events_total')).toBe('counter');
    expect(value(samples, 'zhibu_inbound_events_total', { platform: 'CONSOLE' })).toBeGreaterThanOrEqual(1);
    expect(types.get('zhibu_http_ack_seconds')).toBe('histogram');
    expect(value(samples, 'zhibu_http_ack_seconds_count', { route: '/console/api/messages', status: '2xx' })).toBe(1);
    expect(value(samples, 'zhibu_outbox_messages', { status: 'DEAD' })).toBe(1);
    for (const s of ['PENDING', 'SENDING', 'SENT', 'RETRY', 'CANCELLED']) expect(samples.some((x) => x.name === 'zhibu_outbox_messages' && x.labels.status === s)).toBe(true);
    expect(types.get('zhibu_delivery_latency_seconds')).toBe('histogram');
    expect(value(samples, 'zhibu_delivery_latency_seconds_count', { platform: 'CONSOLE' })).toBeGreaterThanOrEqual(1);
    expect(samples.some((x) => x.name === 'zhibu_queue_jobs' && x.labels.queue === 'deliver' && x.labels.state === 'failed')).toBe(true);
    expect(value(samples, 'zhibu_queue_backend_up')).toBe(1);
    expect(value(samples, 'zhibu_job_schedulers_missing')).toBe(0);
    expect(types.get('zhibu_reminder_lateness_seconds')).toBe('histogram');
    expect(value(samples, 'zhibu_process_resident_memory_bytes')).toBeGreaterThan(0);
    // No personal data: no member names, ids or message text in any label.
    expect(samples.every((x) => !Object.values(x.labels).some((v) => /帮助|m101|branch-1/.test(v)))).toBe(true);
  }, 90_000);
});

describe('the Grafana dashboard in docs/', () => {
  it('is valid JSON whose every query names a metric the service exports', async () => {
    const fs = await import('node:fs');
    const dash = JSON.parse(fs.readFileSync('docs/grafana-dashboard.json', 'utf8')) as { panels: Array<{ targets: Array<{ expr: string }> }> };
    const names = [...new Set(dash.panels.flatMap((p) => p.targets.flatMap((t) => [...t.expr.matchAll(/\b(zhibu_[a-z_]+?)(?:_bucket|_count|_sum)?\b/g)].map((m) => m[1]!))))];
    const exported = fs.readFileSync('src/web/metrics.ts', 'utf8') + fs.readFileSync('src/metrics.ts', 'utf8');
    const builtIn = ['zhibu_process_resident_memory_bytes', 'zhibu_nodejs_heap_size_used_bytes'];
    expect(names.length).toBeGreaterThan(6);
    for (const n of names) expect(builtIn.includes(n) || exported.includes(`'${n}'`), n).toBe(true);
  });
});
