// Prisma driver adapter for embedded PGlite: `pglite-prisma-adapter` with its known defects
// mended (see ../shared/design/TOOLCHAIN.md):
// - executeScript is not awaited, so a failing script looks applied: we await it;
// - multi-statement SQL sent through executeRaw uses the extended protocol, which PostgreSQL
//   refuses ("cannot insert multiple commands into a prepared statement"): parameterless
//   statements go through PGlite's simple-query `exec` instead.
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';

type Adapter = Awaited<ReturnType<PrismaPGlite['connect']>>;
type Query = Parameters<Adapter['executeRaw']>[0];

function mend(adapter: Adapter, db: PGlite): Adapter {
  const executeRaw = adapter.executeRaw.bind(adapter);
  adapter.executeRaw = async (query: Query) => {
    if (query.args.length > 0) return executeRaw(query);
    const results = await db.exec(query.sql);
    return results.reduce((n, r) => n + (r.affectedRows ?? 0), 0);
  };
  adapter.executeScript = async (script: string) => {
    await db.exec(script);
  };
  return adapter;
}

export class EmbeddedPGliteAdapterFactory extends PrismaPGlite {
  constructor(private readonly db: PGlite) {
    super(db);
  }

  override async connect(): Promise<Adapter> {
    return mend(await super.connect(), this.db);
  }

  override async connectToShadowDb(): Promise<Adapter> {
    const shadow = new PGlite('memory://shadow');
    return mend(await new PrismaPGlite(shadow).connect(), shadow);
  }
}
