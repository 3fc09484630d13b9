// Service entry point: `npm start`.
import { loadConfigOrExit } from './config.js';
import { createLogger } from './log.js';
import { DataDirLockedError } from './db/lock.js';
import { startApp } from './app.js';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const log = createLogger({ level: config.logLevel, pretty: config.env === 'development' && process.stdout.isTTY });

  // A signal during start-up is remembered and honoured as soon as there is an app to stop. One
  // listener per signal for the whole run: removing a signal's last listener drops a signal that
  // has arrived but not yet been dispatched (seen: a SIGTERM just before start-up ended was lost,
  // and the service kept running).
  let signalled: string | undefined;
  let onSignal = (signal: string) => void (signalled ??= signal);
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));

  let app;
  try {
    app = await startApp(config, log);
  } catch (e) {
    if (e instanceof DataDirLockedError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    log.fatal({ err: e }, 'start-up failed');
    process.exit(1);
  }
  log.info(`支部助手已启动：${app.url}${config.consoleEnabled ? `  （控制台 ${app.url}/console）` : ''}`);

  const shutdown = (signal: string) => {
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    app.stop().then(
      () => process.exit(0),
      (e) => {
        log.error({ err: e }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  // The first signal stops the service; a second one while it stops ends the process at once.
  onSignal = (signal) => {
    if (signalled) process.exit(1);
    signalled = signal;
    shutdown(signal);
  };
  if (signalled) return shutdown(signalled);
  // A stray rejection is logged, never a crash: the service keeps serving others.
  process.on('unhandledRejection', (e) => log.error({ err: e }, 'unhandled rejection'));
}

void main();
