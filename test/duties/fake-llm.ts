// A local OpenAI-compatible endpoint for tests: POST /v1/chat/completions answers according to `mode`, and
// every request body is kept so tests can check what the service sent.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeMode =
  /** cites the first item id given in the prompt */
  | 'cite'
  /** cites an id that was not given */
  | 'fabricate'
  /** answers without any citation */
  | 'uncited'
  /** answers after `delayMs` */
  | 'slow'
  | 'error';

export interface FakeLlm {
  url: string;
  mode: FakeMode;
  delayMs: number;
  requests: Array<{ headers: http.IncomingHttpHeaders; body: { model: string; messages: Array<{ role: string; content: string }> } }>;
  close(): Promise<void>;
}

export const FAKE_ANSWER = '依据清单，党支部一般每季度组织党员上一次党课';

export async function startFakeLlm(): Promise<FakeLlm> {
  const sockets = new Set<import('node:net').Socket>();
  const fake: FakeLlm = { url: '', mode: 'cite', delayMs: 0, requests: [], close: async () => {} };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', async () => {
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404).end();
        return;
      }
      const body = JSON.parse(raw) as FakeLlm['requests'][number]['body'];
      fake.requests.push({ headers: req.headers, body });
      const user = body.messages.find((m) => m.role === 'user')?.content ?? '';
      const first = /\[([A-Z]{1,3}-\d{1,4})\]/.exec(user)?.[1] ?? 'X-1';
      let content: string;
      switch (fake.mode) {
        case 'cite':
          content = `${FAKE_ANSWER} [${first}]。`;
          break;
        case 'fabricate':
          content = `${FAKE_ANSWER} [${first}]，每月还要另开一次 [B-99]。`;
          break;
        case 'uncited':
          content = FAKE_ANSWER;
          break;
        case 'slow':
          await new Promise((r) => setTimeout(r, fake.delayMs));
          content = `${FAKE_ANSWER} [${first}]。`;
          break;
        default:
          res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"boom"}');
          return;
      }
      if (res.destroyed) return;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'chatcmpl-fake', object: 'chat.completion', model: body.model, choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] }));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  fake.close = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return fake;
}
