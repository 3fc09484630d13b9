// A test-owned redis-server on a free port, without persistence: tests that take Redis away (kill
// it, flush it) use their own, never the shared one on 6379.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { Redis } from 'ioredis';

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** Starts redis-server on `port` and resolves once it answers PING. */
export async function startRedisServer(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const client = new Redis({ port, lazyConnect: true, retryStrategy: () => 100 });
  client.on('error', () => {}); // refused until the server is up
  for (let i = 0; i < 50; i++) {
    if (await client.connect().then(() => true, () => false)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await client.ping();
  client.disconnect();
  return child;
}

/** SIGKILL (what a crash looks like to the clients) and wait for the exit. */
export function killRedisServer(child: ChildProcess): Promise<void> {
  return new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : (child.once('exit', () => r()), child.kill('SIGKILL'))));
}
