// `npm run build`: compile src/ and jobs/ to dist/ (tsconfig.build.json), then copy the files the
// code reads at run time beside the compiled code, in the same relative places
// (prompts/, prisma/migrations, prisma/seed, the console page, web assets). Production runs `node dist/src/main.js`.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dist = path.join(root, 'dist');
fs.rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
for (const p of ['prompts', 'prisma/migrations', 'prisma/seed', 'src/platforms/console/page.html', 'src/web/assets']) {
  if (fs.existsSync(path.join(root, p))) fs.cpSync(path.join(root, p), path.join(dist, p), { recursive: true });
}
fs.writeFileSync(path.join(dist, 'package.json'), JSON.stringify({ type: 'module' }) + '\n');
// Migrated empty PGlite clusters, app and queue (dist/pglite/app, dist/pglite/queue): an empty data
// directory starts as a copy of them instead of running initdb and every migration
// (src/queue/pglite-pool.ts builtTemplate).
{
  const { openPGlite, createPGlitePool } = await import(path.join(dist, 'src/queue/pglite-pool.js'));
  const { applyMigrations } = await import(path.join(dist, 'src/db/migrate.js'));
  const bullmq = await import('bullmq');
  const app = await openPGlite(path.join(dist, 'pglite/app'));
  await applyMigrations({ exec: async (sql) => void (await app.exec(sql)), query: async (sql, params) => (await app.query(sql, params)).rows });
  await app.close();
  const queue = await openPGlite(path.join(dist, 'pglite/queue'));
  const pool = createPGlitePool(queue);
  const client = await pool.connect();
  await bullmq.runMigrations(client);
  client.release();
  await pool.end();
  await queue.close();
}
console.log(`built ${path.relative(process.cwd(), dist) || 'dist'}/ (run: node dist/src/main.js)`);
