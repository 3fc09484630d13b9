// The secret that signs card tokens and links: APP_SECRET, else the one kept in DATA_DIR.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './config.js';

/**
 * `create`: make and keep one when there is none (the service on a local run). Without it a
 * missing secret is a throwaway (tests; a worker, whose signed buttons then do not verify in the
 * service — it warns to set APP_SECRET), or an error when `required` (the CLI, whose signed cards
 * must verify in the service).
 */
export function appSecret(config: Pick<Config, 'appSecret' | 'dataDir'>, opts: { create: boolean; required?: boolean }): string {
  if (config.appSecret) return config.appSecret;
  const file = path.join(config.dataDir, 'app-secret');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  if (opts.required) throw new Error('找不到签名密钥：请设置 APP_SECRET，或先启动一次服务（会在 DATA_DIR 中生成 app-secret）。');
  const secret = crypto.randomBytes(32).toString('hex');
  if (opts.create) {
    fs.mkdirSync(config.dataDir, { recursive: true });
    fs.writeFileSync(file, secret, { mode: 0o600 });
  }
  return secret;
}
