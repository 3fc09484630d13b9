// Drive application services directly, with no chat layer: an embedded PGlite database with the
// migrations and the demo organ, and `run` to call a service as a principal at a time and see what
// it changed, the intents it returned and the audit rows it asked for.
import { openDatabase, openEmbedded, type Database } from '../../src/db/client.js';
import { seedDemo } from '../../src/seed/seed.js';
import { findMember } from '../../src/domain/org.js';
import { Unit, type AuditEntry, type Intent } from '../../src/services/kernel.js';
import { memberPrincipal, SYSTEM, type Principal } from '../../src/access/principal.js';

export interface ServiceRun<T> {
  result: T;
  intents: Intent[];
  audits: AuditEntry[];
}

export class ServiceHarness {
  private constructor(readonly db: Database) {}

  /** A fresh in-memory database with the demo organ (members m101 … m310, as in the console). */
  static async open(): Promise<ServiceHarness> {
    const db = await openEmbedded('memory://');
    await db.migrate();
    await seedDemo(db.prisma);
    return new ServiceHarness(db);
  }

  /** The same on real PostgreSQL: a fresh database cloned from the run's migrated template, dropped on close. */
  static async openPostgres(): Promise<ServiceHarness> {
    const { freshPostgres } = await import('./env.js');
    const pg = await freshPostgres();
    const db = await openDatabase({ databaseUrl: pg.url, dataDir: 'unused' });
    await seedDemo(db.prisma);
    const h = new ServiceHarness(db);
    h.drop = pg.drop;
    return h;
  }

  /** Open on `kind`: embedded PGlite or PostgreSQL. */
  static on(kind: 'pglite' | 'postgres'): Promise<ServiceHarness> {
    return kind === 'postgres' ? ServiceHarness.openPostgres() : ServiceHarness.open();
  }

  private drop?: () => Promise<void>;

  /** The demo member with this code (m101 is branch 1's secretary and the 机关党委 secretary). */
  async member(code: string): Promise<Principal> {
    const row = await this.db.prisma.member.findFirstOrThrow({ where: { employeeNo: code }, select: { id: true } });
    return memberPrincipal((await findMember(this.db.prisma as never, row.id))!, 'cli');
  }

  readonly system = SYSTEM;

  /** Run `fn` in one transaction as `principal` at `now`; a thrown DomainError rolls everything back and rejects. */
  async run<T>(principal: Principal, now: Date, fn: (u: Unit) => Promise<T>): Promise<ServiceRun<T>> {
    return this.db.transaction(async (scope) => {
      const unit = new Unit(scope, principal, now);
      const result = await fn(unit);
      return { result, intents: unit.intents, audits: unit.audits };
    });
  }

  async close(): Promise<void> {
    await this.db.close();
    await this.drop?.();
  }
}
