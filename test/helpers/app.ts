// Start the real service in-process for tests, on port 0.
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startApp, type App, type StartOptions } from '../../src/app.js';

export function tempDataDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'zhibu-test-'));
}

export async function startTestApp(env: Record<string, string | undefined>, opts: StartOptions = {}): Promise<App> {
  const config = loadConfig({ NODE_ENV: 'test', PORT: '0', LOG_LEVEL: 'silent', ...env });
  return startApp(config, createLogger({ level: config.logLevel, pretty: false }), opts);
}
