// The architecture rule (issue 12), checked in `npm test` by test/architecture.test.ts.
// Run it by hand: npx depcruise src jobs --config .dependency-cruiser.cjs
//
// Layers, from the bottom: domain (pure rules and value types) → access (who may) → services (one
// business core) → the surfaces that call it: chat (+ presenters), web, the CLI and jobs. Platforms
// (adapters) translate payloads to and from src/chat/types.ts and never touch the database.
// Type-only imports count for the layer rules (a type from chat in a service is still a layering
// break); they are left out only for cycles, which only matter at run time.

/**
 * The surfaces and adapters, and the entry points that wire them: nothing in the business core may
 * import them. The operator CLI (src/cli.ts, src/cli/) is a surface like the chat and the web.
 */
const SURFACES = ['^src/chat/', '^src/web/', '^src/platforms/', '^jobs/', '^src/cli\\.ts$', '^src/cli/', '^src/(app|main|worker)\\.ts$'];

// Dependency types of an import that is gone after compilation: `import type` / `export type`,
// and (with tsPreCompilationDeps: 'specify') a plain import whose names are used only as types.
const ERASED = ['type-only', 'pre-compilation-only'];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-imports-no-surface',
      comment:
        'src/services and src/domain are the business core: they import nothing from chat, web, platforms, jobs or the CLI ' +
        '(surfaces call services; services return results and intents that the surfaces present).',
      severity: 'error',
      from: { path: '^src/(services|domain)/' },
      to: { path: SURFACES },
    },
    {
      name: 'access-imports-no-surface',
      comment:
        'src/access is the one place for "who may": it imports nothing from chat, web, platforms, jobs or the CLI.',
      severity: 'error',
      from: { path: '^src/access/' },
      to: { path: SURFACES },
    },
    {
      name: 'access-imports-only-kernel-of-services',
      comment:
        'src/access sits below the services: of src/services it may import only the kernel (Unit, DomainError).',
      severity: 'error',
      from: { path: '^src/access/' },
      to: { path: '^src/services/', pathNot: '^src/services/kernel\\.ts$' },
    },
    {
      name: 'platforms-no-db',
      comment:
        'Adapters have no database access, neither directly nor through the SQL modules that wrap it (src/state, ' +
        'src/outbox): "which chat was this card sent in" and the outbox are the core\'s job; adapter state comes ' +
        'through the ConversationStore interface they are handed.',
      severity: 'error',
      from: { path: '^src/platforms/' },
      to: { path: ['^src/db/', '^src/state/', '^src/outbox/'] },
    },
    {
      name: 'platforms-no-generated-prisma',
      comment:
        'Adapters see Prisma\'s generated enums (Platform, ChatKind) only as re-exported by src/chat/types.ts.',
      severity: 'error',
      from: { path: '^src/platforms/' },
      to: { path: '^src/generated/' },
    },
    {
      name: 'chat-imports-no-jobs',
      comment:
        'Chat handlers call services, not jobs: what a job and a handler share belongs in src/services.',
      severity: 'error',
      from: { path: '^src/chat/' },
      to: { path: '^jobs/' },
    },
    {
      name: 'no-circular',
      comment:
        'No import cycles. A cycle with an edge that is erased by the compiler (a type-only import) is left out: ' +
        'it does not exist at run time.',
      severity: 'error',
      from: { pathNot: '^src/generated/' },
      to: {
        circular: true,
        dependencyTypesNot: ERASED,
        viaOnly: { dependencyTypesNot: ERASED },
      },
    },
    {
      name: 'no-unresolvable',
      comment:
        'Every relative import resolves to a file (this also keeps the rules above honest: an import the cruise ' +
        'could not follow would pass them unseen).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Follow our own code only; the generated Prisma client is a target (so the rules see imports of it)
    // but is not cruised itself.
    doNotFollow: { path: ['node_modules', '^src/generated/'] },
    tsPreCompilationDeps: 'specify',
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
    skipAnalysisNotInRules: true,
  },
};
