// The architecture rule (issue 12): the layers in .dependency-cruiser.cjs hold over src/ and jobs/.
// A failure lists each violation as `rule: from → to` (a cycle as its path).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cruise, type ICruiseOptions, type ICruiseResult, type IViolation } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { describe, expect, it } from 'vitest';

const CONFIG = path.resolve('.dependency-cruiser.cjs');

/** Cruises `roots` under `baseDir` with the project's rules; what the CLI does with --config. */
async function cruiseWithRules(baseDir: string, roots: string[]): Promise<ICruiseResult> {
  const options: ICruiseOptions = { ...(await extractDepcruiseOptions(CONFIG)), baseDir, outputType: undefined };
  const tsConfig = extractTSConfig(path.join(baseDir, 'tsconfig.json'));
  const { output } = await cruise(roots, options, {}, { tsConfig });
  if (typeof output === 'string') throw new Error(`unexpected string output from the cruise: ${output.slice(0, 200)}`);
  return output;
}

function describeViolation(v: IViolation): string {
  const via = v.cycle?.length ? [v.from, ...v.cycle.map((c) => c.name)].join(' → ') : `${v.from} → ${v.to}`;
  return `${v.rule.name}: ${via}`;
}

describe('architecture', () => {
  it('src/ and jobs/ follow the layer rules (.dependency-cruiser.cjs)', async () => {
    const result = await cruiseWithRules(process.cwd(), ['src', 'jobs']);
    // A cruise that found nothing would pass vacuously.
    expect(result.summary.totalCruised).toBeGreaterThan(100);
    const violations = result.summary.violations.map(describeViolation);
    expect(violations, `${violations.length} architecture violations:\n${violations.join('\n')}\n`).toEqual([]);
  }, 120_000);

  // The rules themselves, on a tiny tree: each forbids what it says, and a type-only cycle is allowed.
  it('catches each kind of violation and leaves type-only cycles alone', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhibu-arch-'));
    const files: Record<string, string> = {
      'tsconfig.json': JSON.stringify({
        compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true },
        include: ['src', 'jobs'],
      }),
      'src/chat/types.ts': "export type { Platform } from '../generated/prisma/enums.js';\nexport const CHAT = 1;\n",
      'src/chat/handler.ts': "import { run } from '../../jobs/job.js';\nexport const h = run;\n",
      'src/web/page.ts': 'export type Page = { title: string };\n',
      'src/generated/prisma/enums.ts': "export type Platform = 'LARK';\n",
      'src/db/client.ts': 'export const db = {};\n',
      'src/state/store.ts': 'export const store = {};\n',
      'jobs/job.ts': 'export const run = () => 1;\n',
      'src/services/kernel.ts': 'export const kernel = 1;\n',
      'src/services/meetings.ts': "import { CHAT } from '../chat/types.js';\nexport const m = CHAT;\n",
      'src/domain/rules.ts': "import type { Page } from '../web/page.js';\nexport type R = Page;\n",
      'src/cli.ts': 'export const cli = 1;\n',
      'src/domain/tool.ts': "import { cli } from '../cli.js';\nexport const t = cli;\n",
      'src/access/index.ts':
        "import { kernel } from '../services/kernel.js';\nimport { m } from '../services/meetings.js';\nexport const a = kernel + m;\n",
      'src/platforms/lark.ts':
        "import type { Platform } from '../generated/prisma/enums.js';\nimport { db } from '../db/client.js';\n" +
        "import type { Platform as P2 } from '../chat/types.js';\nimport { store } from '../state/store.js';\n" +
        'export const l: [Platform?, P2?, object?, object?] = [undefined, undefined, db, store];\n',
      // A cycle at run time (reported once), and one closed only by a type import (c → d: not reported).
      'src/domain/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
      'src/domain/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
      'src/domain/c.ts': "import type { D } from './d.js';\nexport type C = { d?: D };\nexport const c = 1;\n",
      'src/domain/d.ts': "import { c } from './c.js';\nexport type D = { n: number };\nexport const d = c + 1;\n",
      // Closed by a plain import whose names are used only as types (erased too: e → f not reported).
      'src/domain/e.ts': "import { F } from './f.js';\nexport type E = F;\nexport const e = 1;\n",
      'src/domain/f.ts': "import { e } from './e.js';\nexport type F = number;\nexport const f = e;\n",
    };
    try {
      for (const [name, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), text);
      }
      const result = await cruiseWithRules(dir, ['src', 'jobs']);
      const found = result.summary.violations.map(describeViolation).sort();
      expect(found).toEqual(
        [
          'core-imports-no-surface: src/services/meetings.ts → src/chat/types.ts',
          'core-imports-no-surface: src/domain/rules.ts → src/web/page.ts',
          'core-imports-no-surface: src/domain/tool.ts → src/cli.ts',
          'access-imports-only-kernel-of-services: src/access/index.ts → src/services/meetings.ts',
          'platforms-no-db: src/platforms/lark.ts → src/db/client.ts',
          'platforms-no-db: src/platforms/lark.ts → src/state/store.ts',
          'platforms-no-generated-prisma: src/platforms/lark.ts → src/generated/prisma/enums.ts',
          'chat-imports-no-jobs: src/chat/handler.ts → jobs/job.ts',
          'no-circular: src/domain/a.ts → src/domain/b.ts → src/domain/a.ts',
        ].sort(),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
