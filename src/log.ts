// pino logger: JSON in production, readable in development. Redaction keeps secrets and
// personal data (names, message text, phone numbers) out of the logs; log ids, not people.
import { pino, type Logger } from 'pino';

export type { Logger };

const redactPaths = [
  '*.password', '*.secret', '*.appSecret', '*.token', '*.accessToken', '*.authorization',
  '*.text', '*.name', '*.phone', '*.reason', '*.content',
  'req.headers.authorization', 'req.headers.cookie', 'headers.authorization',
  'config.databaseUrl', 'config.queue.redisUrl', 'config.queue.databaseUrl', 'config.appSecret',
];

export function createLogger(opts: { level: string; pretty: boolean }): Logger {
  return pino({
    level: opts.level,
    redact: { paths: redactPaths, censor: '[redacted]' },
    base: undefined,
    transport: opts.pretty
      ? { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } }
      : undefined,
  });
}
