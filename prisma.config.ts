// Prisma CLI configuration. The JS engine with a driver adapter keeps every CLI command offline
// (no engine download). With DATABASE_URL the CLI talks to PostgreSQL; without it, to an in-memory
// PGlite, whose in-memory shadow database lets `migrate diff --from-migrations` run with no server.
import { defineConfig } from 'prisma/config';

// The CLI reads the schema's `url = env("DATABASE_URL")` even with an adapter and, when it cannot
// resolve it, silently tries to download a query engine. Remember whether a real URL was given,
// then give the variable a placeholder that nothing ever connects to.
const databaseUrl = process.env.DATABASE_URL || undefined;
if (!databaseUrl) process.env.DATABASE_URL = 'postgresql://embedded-pglite/zhibu';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  async adapter() {
    if (databaseUrl) {
      const { PrismaPg } = await import('@prisma/adapter-pg');
      return new PrismaPg({ connectionString: databaseUrl });
    }
    const { PGlite } = await import('@electric-sql/pglite');
    const { EmbeddedPGliteAdapterFactory } = await import('./src/db/pglite-adapter.js');
    return new EmbeddedPGliteAdapterFactory(new PGlite('memory://prisma-cli'));
  },
});
