// DingTalk sends against a local Open API and robot webhook, as DingTalk documents them: a
// sessionWebhook that answers 130101 (20 messages a minute, then blocked 10 minutes) is left alone
// for those 10 minutes and the Open API carries the messages meanwhile; batchSend's 200 with
// flowControlledStaffIdList / invalidStaffIdList is a retry later / a refusal, never "sent".
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import type { ConversationStore, StateEntry } from '../../src/platforms/adapter.js';
import { DingTalkApi } from '../../src/platforms/dingtalk/api.js';
import { DingTalkState, dingtalkSender } from '../../src/platforms/dingtalk/sender.js';
import { NumberedCards } from '../../src/platforms/numbered.js';
import { SendError } from '../../src/platforms/types.js';
import { FakeHttp } from './fakes/common.js';

/** ConversationStore in memory (the adapter's state goes through this interface only). */
function memoryStore(): ConversationStore {
  const m = new Map<string, StateEntry & { key: string }>();
  const k = (p: string, c: string, u: string) => `${p}|${c}|${u}`;
  const live = (e: StateEntry | undefined) => (e && e.expiresAt.getTime() > Date.now() ? e : undefined);
  return {
    async put(p, key, e) {
      m.set(k(p, key.chatKey, key.userKey), { ...e, key: key.userKey });
    },
    async add(p, key, e) {
      if (!live(m.get(k(p, key.chatKey, key.userKey)))) m.set(k(p, key.chatKey, key.userKey), { ...e, key: key.userKey });
    },
    async get<T>(p: string, key: { chatKey: string; userKey: string }) {
      return live(m.get(k(p, key.chatKey, key.userKey)))?.data as T | undefined;
    },
    async newest() {
      return undefined;
    },
    async take() {
      return undefined;
    },
    async delete(p, key) {
      m.delete(k(p, key.chatKey, key.userKey));
    },
  } as ConversationStore;
}

const http = new FakeHttp();
afterAll(() => http.close());

describe('DingTalk sends as documented', () => {
  it('leaves a sessionWebhook that answered 130101 alone for 10 minutes and sends through the Open API meanwhile', async () => {
    let sessionPosts = 0;
    const groupSends: string[] = [];
    const direct: Array<{ userIds: string[] }> = [];
    http
      .route('POST', /^\/v1\.0\/oauth2\/accessToken$/, () => ({ body: { accessToken: 'tok', expireIn: 7200 } }))
      .route('POST', /^\/session$/, () => {
        sessionPosts++;
        return { body: { errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' } };
      })
      .route('POST', /^\/v1\.0\/robot\/groupMessages\/send$/, (req) => {
        groupSends.push((req.body as { openConversationId: string }).openConversationId);
        return { body: { processQueryKey: `pqk${groupSends.length}` } };
      })
      .route('POST', /^\/v1\.0\/robot\/oToMessages\/batchSend$/, (req) => {
        const b = req.body as { userIds: string[] };
        direct.push(b);
        const u = b.userIds[0]!;
        return { body: { processQueryKey: 'pqk', flowControlledStaffIdList: u === 'busy' ? [u] : [], invalidStaffIdList: u === 'gone' ? [u] : [] } };
      });
    const url = await http.listen();
    const config = { clientId: 'ck', clientSecret: 'cs', robotCode: 'ck', apiBase: url, oapiBase: url, gatewayUrl: `${url}/gw`, cardAckMs: 1000, useSessionWebhook: true, autoReconnect: false };
    const log = createLogger({ level: 'silent', pretty: false });
    const api = new DingTalkApi(config, log);
    const store = memoryStore();
    const state = new DingTalkState(store);
    const sender = dingtalkSender(api, state, new NumberedCards({ state: store }, 'DINGTALK'));
    await state.saveSession('cidG==', `${url}/session`, new Date(Date.now() + 3600_000));
    const to = { platform: 'DINGTALK' as const, tenantKey: '', target: 'cidG==', targetKind: 'GROUP' as const };

    await sender.send({ to, body: { kind: 'text', text: '第一条' }, key: 'k1' });
    expect(sessionPosts).toBe(1);
    expect(groupSends).toEqual(['cidG==']);
    await sender.send({ to, body: { kind: 'text', text: '第二条' }, key: 'k2' });
    expect(sessionPosts).toBe(1); // blocked: not tried again
    expect(groupSends).toHaveLength(2);
    expect(await state.sessionHeld('cidG==')).toBe(true);

    // batchSend: 200, but the recipient throttled or invalid.
    const dm = (target: string) => ({ platform: 'DINGTALK' as const, tenantKey: '', target, targetKind: 'DIRECT' as const });
    const busy = await sender.send({ to: dm('busy'), body: { kind: 'text', text: '提醒' }, key: 'k3' }).catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(SendError);
    expect(busy).toMatchObject({ retryable: true, retryAfterMs: 60_000 });
    const gone = await sender.send({ to: dm('gone'), body: { kind: 'text', text: '提醒' }, key: 'k4' }).catch((e: unknown) => e);
    expect(gone).toMatchObject({ retryable: false });
    expect(String((gone as Error).message)).toContain('invalidStaffIdList');
    expect((await sender.send({ to: dm('ok'), body: { kind: 'text', text: '提醒' }, key: 'k5' })).messageId).toBe('pqk');
  });
});
