// The SDKs' own logging goes through the structured JSON logger as one short line: no request
// configs (tokens) and no multi-line object dumps on stdout.
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { DWClient } from 'dingtalk-stream';
import { routeSdkConsole, sdkLine } from '../../src/platforms/sdk-log.js';

describe('SDK logging', () => {
  it('keeps strings, error messages and codes, never request configs', () => {
    const axiosLike = { message: 'Request failed with status code 429', config: { headers: { Authorization: 'Bearer t-secret-token' } }, response: { data: {} } };
    const line = sdkLine(['[error]:', [axiosLike, { code: 99991400, msg: 'request trigger frequency limit' }]]);
    expect(line).toContain('message=Request failed with status code 429');
    expect(line).toContain('code=99991400');
    expect(line).not.toContain('t-secret-token');
    expect(line).not.toContain('\n');
  });

  it('routes dingtalk-stream console output to pino and leaves other console calls alone', () => {
    const lines: string[] = [];
    const log = pino({ level: 'debug', base: undefined }, new Writable({ write: (c, _e, done) => (lines.push(String(c)), done()) }));
    routeSdkConsole('dingtalk-stream', log);
    const client = new DWClient({ clientId: 'id', clientSecret: 'secret' } as ConstructorParameters<typeof DWClient>[0]);
    // The SDK console.error()s before it throws.
    expect(() => client.registerCallbackListener('', undefined as never)).toThrow();
    const sdk = lines.map((l) => JSON.parse(l) as { msg: string; sdk: string; package: string });
    expect(sdk).toContainEqual(expect.objectContaining({ msg: 'sdk', package: 'dingtalk-stream', sdk: expect.stringContaining('eventId and callback must be defined') }));
    const before = lines.length;
    console.info('an ordinary console line');
    expect(lines.length).toBe(before);
  });
});
