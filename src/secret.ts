// The secret that signs card tokens and links: APP_SECRET, else the one kept in DATA_DIR.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './config.js';

/**
 * `create`: make and keep one when there is none (the service on a local run). Without it a
 * missing secret is a throwaway (tests; a worker, whose signed buttons then do not verify in the
 * service — it warns to set APP_SECRET).
 */
export function appSecret(config: Config, opts: { create: boolean }): string {
  if (config.appSecret) return config.appSecret;
  const file = path.join(config.dataDir, 'app-secret');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const secret = crypto.randomBytes(32).toString('hex');
  if (opts.create) {
    fs.mkdirSync(config.dataDir, { recursive: true });
    fs.writeFileSync(file, secret, { mode: 0o600 });
  }
  return secret;
}
