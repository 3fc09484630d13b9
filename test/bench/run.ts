// `npm run bench [-- <name filter>] [-- --key=value …]`: imports every test/bench/*.bench.ts in
// turn and calls each exported function whose name starts with "bench" (benchJobs, benchDuties …).
// Options of the form --key=value are passed to every bench function as an object.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const filters = args.filter((a) => !a.startsWith('--'));
const opts: Record<string, string> = Object.fromEntries(args.filter((a) => a.startsWith('--')).map((a) => { const [k, ...v] = a.slice(2).split('='); return [k!, v.join('=') || 'true']; }));

const files = fs.readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).sort().filter((f) => !filters.length || filters.some((x) => f.includes(x)));
let failed = 0;
for (const file of files) {
  const mod = (await import(pathToFileURL(path.join(dir, file)).href)) as Record<string, unknown>;
  for (const [name, fn] of Object.entries(mod)) {
    if (!/^bench[A-Z]/.test(name) || typeof fn !== 'function') continue;
    console.log(`\n=== ${file} › ${name} ===`);
    const t0 = Date.now();
    try {
      await (fn as (o?: Record<string, string>) => Promise<unknown>)(opts);
      console.log(`(${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    } catch (e) {
      failed++;
      console.error(`${name} failed:`, e);
    }
  }
}
process.exit(failed ? 1 : 0);
