// Removes the Redis keys a test run or a benchmark left under its own prefix.
import { Redis } from 'ioredis';

export async function deleteRedisKeys(url: string, pattern: string): Promise<void> {
  const r = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}
